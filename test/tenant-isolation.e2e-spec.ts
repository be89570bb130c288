import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import type { Method } from './support/agent-requests';
import { useFixtures } from './support/fixtures';
import { ONE_PIXEL_PNG } from './support/images';
import { toolJson } from './support/mcp-client';
import { expectProblem } from './support/problems';
import { TestAgent, uniqueName } from './support/test-app';

/*
 * Tenant isolation, table-driven: user U1 owns one of everything; user U2
 * (another tenant) names each of U1's objects in every REST operation and every
 * MCP tool that takes an id or a name. Each row states the answer U2 gets:
 *
 * - `notFound`: 404 (problem+json, code not_found; over MCP an isError result
 *   with the same code and message), and exactly the answer for an id or name
 *   that does not exist at all, so an object's existence never leaks;
 * - `refused`: another refusal that is, by design, not a 404 (e.g. a 422 for a
 *   parent id that is not in the caller's own tree), again exactly the answer
 *   for an id that does not exist;
 * - `own`: the name is a key in the caller's own namespace (a secret key, a
 *   memory subject, a tag to search for, an audit filter): U2 acts on its own
 *   data and gets a success that carries nothing of U1's.
 *
 * After every row U1's stored data (every row of every table that belongs to
 * U1) and U1's audit trail are exactly as before. The route list comes from
 * GET /docs-json and the tool list from tools/list: an operation with a path
 * parameter, or a tool with an id-like argument, that is neither covered by a
 * row nor listed in the exclusions below fails the first tests, so a new route
 * or tool cannot arrive without its isolation row.
 */

const MISSING_INT = 2_147_483_647;
const MARK = `u1-only-${randomBytes(6).toString('hex')}`;

/** Ids and names of one tenant's objects. */
interface Ids {
  agent: string;
  project: number;
  section: number;
  wiki: number;
  wikiSection: number;
  tag: string;
  category: number;
  hint: number;
  nudge: number;
  share: number;
  session: number;
  handoff: number;
  secret: string;
  memory: string;
  subject: string;
  token: string;
  grant: string;
  agentMemory: number;
  alwaysLoad: number;
  preference: number;
  image: string;
}

/** U1's objects (`a`), U2's own containers (`b`), for one request. */
interface World {
  a: Ids;
  b: Ids;
}

type Expectation =
  | { notFound: string }
  | { refused: number; detail: string; code: string }
  /** A success in U2's own namespace (status for REST). */
  | { own: number };

interface RestRow {
  /** The operation as GET /docs-json names it: METHOD and path template. */
  op: string;
  /** The path parameters (and `body.x` / `query.x` members) that carry U1's ids. */
  foreign: string[];
  request: (w: World) => { path: string; body?: unknown };
  expect: Expectation;
  /** Undoes what an `own` row made in U2's namespace, so that later rows see U2 as before. */
  cleanup?: (w: World) => { path: string };
}

interface ToolRow {
  tool: string;
  /** The arguments that carry U1's ids. */
  foreign: string[];
  args: (w: World) => Record<string, unknown>;
  expect: Expectation;
  /** As RestRow.cleanup: a REST call as U2. */
  cleanup?: (w: World) => { path: string };
}

const NOT_FOUND = {
  agent: { notFound: 'Agent not found' },
  project: { notFound: 'Project not found' },
  section: { notFound: 'Section not found' },
  wiki: { notFound: 'Wiki not found' },
  hint: { notFound: 'Hint not found' },
  parentHint: { notFound: 'Parent hint not found' },
  nudge: { notFound: 'Nudge not found' },
  share: { notFound: 'Share not found' },
  notOwner: { notFound: 'Object not found or you are not the owner' },
  session: { notFound: 'Session not found' },
  handoff: { notFound: 'Handoff not found' },
  pickup: { notFound: 'Handoff not found or already picked up' },
  secret: { notFound: 'Secret not found' },
  memory: { notFound: 'Memory not found' },
  token: { notFound: 'Revocation token not found' },
  grant: { notFound: 'Grant not found' },
  node: { notFound: 'Node not found' },
  preference: { notFound: 'Preference not found' },
  image: { notFound: 'Image not found' },
} satisfies Record<string, Expectation>;

/** The third user, recipient of U1's share (its name is set before the rows run). */
const THIRD = { name: '' };

const invalid = (detail: string): Expectation => ({ refused: 422, detail, code: 'validation_failed' });
const TREE_PARENT = invalid('parent_id must be 0 or a node of the same tree');
const PROJECT_PARENT = invalid('parent_id must be 0 or a section of the same project');
const WIKI_PARENT = invalid('parent_id must be 0 or a section of the same wiki');

// ---------------------------------------------------------------------------------------------
// Exclusions: operations and arguments that name no object of another tenant, and why.

/** Operations with path parameters that the table leaves out. */
const EXCLUDED_ROUTES: Record<string, string> = {
  'DELETE /admin/users/{user}': 'operator-only: the admin token, never an agent key (admin.e2e-spec: an agent key is 401)',
  'POST /admin/users/{user}/agents': 'operator-only (admin token)',
  'GET /admin/users/{user}/agents': 'operator-only (admin token)',
  'DELETE /admin/agents/{agent}': 'operator-only (admin token)',
  'POST /admin/agents/{agent}/keys': 'operator-only (admin token)',
  'DELETE /admin/agents/{agent}/keys/{keyId}': 'operator-only (admin token)',
  'GET /doc/projects/{id}': 'public signed link: no caller, the HMAC signature is the access (documents.e2e-spec: a foreign or altered link is a 403 page)',
  'GET /doc/wikis/{id}': 'public signed link (as GET /doc/projects/{id})',
  'GET /img/{id}': 'public signed link (as GET /doc/projects/{id}; images.e2e-spec: a foreign or altered link is a 403)',
};

/** Arguments of every tool that name no object. */
const EXCLUDED_ARGS_ALL: Record<string, string> = {
  agent_key: "the caller's own credential: another agent's key acts as that agent (auth and mcp specs)",
};

/** Arguments of one tool that name no object of another tenant. */
const EXCLUDED_ARGS: Record<string, Record<string, string>> = {
  create_project: { status_id: 'a global enumeration (GET /project-statuses), the same for every tenant' },
  update_project: { status_id: 'a global enumeration (GET /project-statuses)' },
  share_object: {
    object_type_id: 'a global enumeration (1 project, 2 hint, 3 wiki)',
    shared_to_user_id: 'the recipient is another user by design (sharing.e2e-spec)',
    shared_to_user_name: 'the recipient is another user by design; every lookup by name is audited (SHARE_NAME_LOOKUP)',
  },
};

/** Argument names that refer to an object (besides the patterns in isIdLike). */
const ID_LIKE_NAMES = ['id', 'pkid', 'key', 'tag', 'agent', 'name', 'readers'];
const isIdLike = (arg: string) => ID_LIKE_NAMES.includes(arg) || /_(id|ids|name|key|token)$/.test(arg);

// ---------------------------------------------------------------------------------------------
// The table.

const al = (name: string) => `/agents/${name}/context/always_load`;
const pref = (name: string) => `/agents/${name}/preferences`;
const mem = (name: string) => `/agents/${name}/memories`;
const hand = (name: string) => `/agents/${name}/handoffs`;

const REST_ROWS: RestRow[] = [
  // Projects and sections.
  { op: 'GET /projects/{id}', foreign: ['id'], request: ({ a }) => ({ path: `/projects/${a.project}` }), expect: NOT_FOUND.project },
  { op: 'PUT /projects/{id}', foreign: ['id'], request: ({ a }) => ({ path: `/projects/${a.project}`, body: { title: 'Hijacked' } }), expect: NOT_FOUND.project },
  { op: 'DELETE /projects/{id}', foreign: ['id'], request: ({ a }) => ({ path: `/projects/${a.project}` }), expect: NOT_FOUND.project },
  { op: 'GET /projects/{id}/document', foreign: ['id'], request: ({ a }) => ({ path: `/projects/${a.project}/document` }), expect: NOT_FOUND.project },
  { op: 'POST /projects/{id}/sections', foreign: ['id'], request: ({ a }) => ({ path: `/projects/${a.project}/sections`, body: { title: 'Intruder' } }), expect: NOT_FOUND.project },
  {
    op: 'POST /projects/{id}/sections',
    foreign: ['body.parent_id'],
    request: ({ a, b }) => ({ path: `/projects/${b.project}/sections`, body: { title: 'Under a foreign parent', parent_id: a.section } }),
    expect: PROJECT_PARENT,
  },
  { op: 'GET /projects/{id}/sections/{sid}', foreign: ['id', 'sid'], request: ({ a }) => ({ path: `/projects/${a.project}/sections/${a.section}` }), expect: NOT_FOUND.project },
  { op: 'GET /projects/{id}/sections/{sid}', foreign: ['sid'], request: ({ a, b }) => ({ path: `/projects/${b.project}/sections/${a.section}` }), expect: NOT_FOUND.section },
  {
    op: 'PUT /projects/{id}/sections/{sid}',
    foreign: ['id', 'sid'],
    request: ({ a }) => ({ path: `/projects/${a.project}/sections/${a.section}`, body: { title: 'Hijacked' } }),
    expect: NOT_FOUND.project,
  },
  {
    op: 'PUT /projects/{id}/sections/{sid}',
    foreign: ['sid'],
    request: ({ a, b }) => ({ path: `/projects/${b.project}/sections/${a.section}`, body: { title: 'Hijacked' } }),
    expect: NOT_FOUND.section,
  },
  { op: 'DELETE /projects/{id}/sections/{sid}', foreign: ['id', 'sid'], request: ({ a }) => ({ path: `/projects/${a.project}/sections/${a.section}` }), expect: NOT_FOUND.project },
  { op: 'DELETE /projects/{id}/sections/{sid}', foreign: ['sid'], request: ({ a, b }) => ({ path: `/projects/${b.project}/sections/${a.section}` }), expect: NOT_FOUND.section },

  // Wikis, sections and tags.
  { op: 'GET /wikis/{id}', foreign: ['id'], request: ({ a }) => ({ path: `/wikis/${a.wiki}` }), expect: NOT_FOUND.wiki },
  { op: 'PUT /wikis/{id}', foreign: ['id'], request: ({ a }) => ({ path: `/wikis/${a.wiki}`, body: { title: 'Hijacked' } }), expect: NOT_FOUND.wiki },
  { op: 'DELETE /wikis/{id}', foreign: ['id'], request: ({ a }) => ({ path: `/wikis/${a.wiki}` }), expect: NOT_FOUND.wiki },
  { op: 'GET /wikis/{id}/tags', foreign: ['id'], request: ({ a }) => ({ path: `/wikis/${a.wiki}/tags` }), expect: NOT_FOUND.wiki },
  { op: 'GET /wikis/{id}/document', foreign: ['id'], request: ({ a }) => ({ path: `/wikis/${a.wiki}/document` }), expect: NOT_FOUND.wiki },
  { op: 'POST /wikis/{id}/sections', foreign: ['id'], request: ({ a }) => ({ path: `/wikis/${a.wiki}/sections`, body: { title: 'Intruder' } }), expect: NOT_FOUND.wiki },
  {
    op: 'POST /wikis/{id}/sections',
    foreign: ['body.parent_id'],
    request: ({ a, b }) => ({ path: `/wikis/${b.wiki}/sections`, body: { title: 'Under a foreign parent', parent_id: a.wikiSection } }),
    expect: WIKI_PARENT,
  },
  { op: 'GET /wikis/{id}/sections/{sid}', foreign: ['id', 'sid'], request: ({ a }) => ({ path: `/wikis/${a.wiki}/sections/${a.wikiSection}` }), expect: NOT_FOUND.wiki },
  { op: 'GET /wikis/{id}/sections/{sid}', foreign: ['sid'], request: ({ a, b }) => ({ path: `/wikis/${b.wiki}/sections/${a.wikiSection}` }), expect: NOT_FOUND.section },
  {
    op: 'PUT /wikis/{id}/sections/{sid}',
    foreign: ['id', 'sid'],
    request: ({ a }) => ({ path: `/wikis/${a.wiki}/sections/${a.wikiSection}`, body: { title: 'Hijacked' } }),
    expect: NOT_FOUND.wiki,
  },
  {
    op: 'PUT /wikis/{id}/sections/{sid}',
    foreign: ['sid'],
    request: ({ a, b }) => ({ path: `/wikis/${b.wiki}/sections/${a.wikiSection}`, body: { title: 'Hijacked' } }),
    expect: NOT_FOUND.section,
  },
  { op: 'DELETE /wikis/{id}/sections/{sid}', foreign: ['id', 'sid'], request: ({ a }) => ({ path: `/wikis/${a.wiki}/sections/${a.wikiSection}` }), expect: NOT_FOUND.wiki },
  { op: 'DELETE /wikis/{id}/sections/{sid}', foreign: ['sid'], request: ({ a, b }) => ({ path: `/wikis/${b.wiki}/sections/${a.wikiSection}` }), expect: NOT_FOUND.section },
  // A tag is a search term: U2 finds only sections of its own (and shared) wikis.
  { op: 'GET /wikis/tags/{tag}', foreign: ['tag'], request: ({ a }) => ({ path: `/wikis/tags/${a.tag}` }), expect: { own: 200 } },

  // Hints.
  { op: 'GET /hints/{id}', foreign: ['id'], request: ({ a }) => ({ path: `/hints/${a.category}` }), expect: NOT_FOUND.hint },
  { op: 'GET /hints/{id}', foreign: ['id'], request: ({ a }) => ({ path: `/hints/${a.hint}` }), expect: NOT_FOUND.hint },
  { op: 'PUT /hints/{id}', foreign: ['id'], request: ({ a }) => ({ path: `/hints/${a.category}`, body: { title: 'Hijacked' } }), expect: NOT_FOUND.hint },
  { op: 'PUT /hints/{id}', foreign: ['id'], request: ({ a }) => ({ path: `/hints/${a.hint}`, body: { title: 'Hijacked' } }), expect: NOT_FOUND.hint },
  { op: 'DELETE /hints/{id}', foreign: ['id'], request: ({ a }) => ({ path: `/hints/${a.hint}` }), expect: NOT_FOUND.hint },
  { op: 'DELETE /hints/{id}', foreign: ['id'], request: ({ a }) => ({ path: `/hints/${a.category}` }), expect: NOT_FOUND.hint },
  { op: 'POST /hints', foreign: ['body.parent_id'], request: ({ a }) => ({ path: '/hints', body: { title: 'Intruder', parent_id: a.category } }), expect: NOT_FOUND.parentHint },
  { op: 'POST /hints', foreign: ['body.parent_id'], request: ({ a }) => ({ path: '/hints', body: { title: 'Intruder', parent_id: a.hint } }), expect: NOT_FOUND.parentHint },

  // Nudges.
  { op: 'GET /nudges/{id}', foreign: ['id'], request: ({ a }) => ({ path: `/nudges/${a.nudge}` }), expect: NOT_FOUND.nudge },
  { op: 'PUT /nudges/{id}', foreign: ['id'], request: ({ a }) => ({ path: `/nudges/${a.nudge}`, body: { title: 'Hijacked' } }), expect: NOT_FOUND.nudge },
  { op: 'DELETE /nudges/{id}', foreign: ['id'], request: ({ a }) => ({ path: `/nudges/${a.nudge}` }), expect: NOT_FOUND.nudge },

  // Sharing (U1's share is to U3: U2 is neither its sharer nor its recipient).
  { op: 'DELETE /sharing/{id}', foreign: ['id'], request: ({ a }) => ({ path: `/sharing/${a.share}` }), expect: NOT_FOUND.share },
  ...(
    [
      [1, 'project'],
      [2, 'category'],
      [3, 'wiki'],
    ] as const
  ).map(
    ([type, object]): RestRow => ({
      op: 'POST /sharing',
      foreign: ['body.object_id'],
      request: ({ a }) => ({ path: '/sharing', body: { object_type_id: type, object_id: a[object], shared_to_user_name: THIRD.name } }),
      expect: NOT_FOUND.notOwner,
    }),
  ),

  // Sessions.
  { op: 'PUT /sessions/{id}/notes', foreign: ['id'], request: ({ a }) => ({ path: `/sessions/${a.session}/notes`, body: { notes: 'Hijacked' } }), expect: NOT_FOUND.session },

  // Scoped memories and read grants: ids and tokens are U1's; a subject is a name in U2's own namespace.
  { op: 'DELETE /memory/{id}', foreign: ['id'], request: ({ a }) => ({ path: `/memory/${a.memory}` }), expect: NOT_FOUND.memory },
  { op: 'POST /memory/read/continue', foreign: ['body.revocation_token'], request: ({ a }) => ({ path: '/memory/read/continue', body: { revocation_token: a.token } }), expect: NOT_FOUND.token },
  { op: 'POST /memory/revoke', foreign: ['body.revocation_token'], request: ({ a }) => ({ path: '/memory/revoke', body: { revocation_token: a.token } }), expect: NOT_FOUND.token },
  { op: 'POST /memory/revoke', foreign: ['body.grant_id'], request: ({ a }) => ({ path: '/memory/revoke', body: { grant_id: a.grant } }), expect: NOT_FOUND.grant },
  { op: 'GET /memory', foreign: ['query.user_id'], request: ({ a }) => ({ path: `/memory?user_id=${a.subject}` }), expect: { own: 200 } },
  { op: 'GET /memory/export', foreign: ['query.user_id'], request: ({ a }) => ({ path: `/memory/export?user_id=${a.subject}` }), expect: { own: 200 } },
  { op: 'GET /memory/grants', foreign: ['query.user_id'], request: ({ a }) => ({ path: `/memory/grants?user_id=${a.subject}` }), expect: { own: 200 } },
  {
    op: 'POST /memory/read',
    foreign: ['body.user_id'],
    request: ({ a }) => ({ path: '/memory/read', body: { user_id: a.subject, scope: 'preferences', purpose_class: 'content_generation' } }),
    expect: { own: 200 },
  },
  { op: 'POST /memory/revoke-all', foreign: ['body.user_id'], request: ({ a }) => ({ path: '/memory/revoke-all', body: { user_id: a.subject } }), expect: { own: 200 } },
  { op: 'DELETE /memory', foreign: ['query.user_id'], request: ({ a }) => ({ path: `/memory?user_id=${a.subject}` }), expect: { own: 200 } },
  {
    op: 'POST /memory',
    foreign: ['body.user_id'],
    request: ({ a }) => ({
      path: '/memory',
      body: { user_id: a.subject, scope: 'preferences', source: 'explicit_user_input', ttl_days: 30, value_json: { likes: ['U2'] } },
    }),
    expect: { own: 201 },
  },

  // Secrets: a key is a name in the caller's own vault.
  { op: 'GET /images/{id}', foreign: ['id'], request: ({ a }) => ({ path: `/images/${a.image}` }), expect: NOT_FOUND.image },
  { op: 'GET /images/{id}/content', foreign: ['id'], request: ({ a }) => ({ path: `/images/${a.image}/content` }), expect: NOT_FOUND.image },
  { op: 'PATCH /images/{id}', foreign: ['id'], request: ({ a }) => ({ path: `/images/${a.image}`, body: { keep: true } }), expect: NOT_FOUND.image },
  { op: 'DELETE /images/{id}', foreign: ['id'], request: ({ a }) => ({ path: `/images/${a.image}?force=true` }), expect: NOT_FOUND.image },
  { op: 'GET /secrets/{key}', foreign: ['key'], request: ({ a }) => ({ path: `/secrets/${a.secret}` }), expect: NOT_FOUND.secret },
  { op: 'DELETE /secrets/{key}', foreign: ['key'], request: ({ a }) => ({ path: `/secrets/${a.secret}` }), expect: NOT_FOUND.secret },
  {
    op: 'PUT /secrets/{key}',
    foreign: ['key'],
    request: ({ a }) => ({ path: `/secrets/${a.secret}`, body: { value: 'U2 value' } }),
    expect: { own: 201 },
    cleanup: ({ a }) => ({ path: `/secrets/${a.secret}` }),
  },
  {
    op: 'PUT /secrets/{key}',
    foreign: ['body.readers'],
    request: ({ a, b }) => ({ path: `/secrets/${b.secret}`, body: { value: 'U2 value', readers: [a.agent] } }),
    expect: invalid(`readers: your user has no agent named '<agent>'`),
  },

  // Audit: an agent name is a filter over the caller's own trail.
  { op: 'GET /audit', foreign: ['query.agent'], request: ({ a }) => ({ path: `/audit?agent=${a.agent}` }), expect: { own: 200 } },

  // Agent-scoped routes: U1's agent name, and U1's ids under U2's own agent name.
  { op: 'GET /agents/{name}/context', foreign: ['name'], request: ({ a }) => ({ path: `/agents/${a.agent}/context` }), expect: NOT_FOUND.agent },
  { op: 'GET /agents/{name}/context/always_load', foreign: ['name'], request: ({ a }) => ({ path: al(a.agent) }), expect: NOT_FOUND.agent },
  { op: 'POST /agents/{name}/context/always_load', foreign: ['name'], request: ({ a }) => ({ path: al(a.agent), body: { title: 'Intruder' } }), expect: NOT_FOUND.agent },
  {
    op: 'POST /agents/{name}/context/always_load',
    foreign: ['body.parent_id'],
    request: ({ a, b }) => ({ path: al(b.agent), body: { title: 'Under a foreign parent', parent_id: a.alwaysLoad } }),
    expect: TREE_PARENT,
  },
  { op: 'GET /agents/{name}/context/always_load/{pkid}', foreign: ['name', 'pkid'], request: ({ a }) => ({ path: `${al(a.agent)}/${a.alwaysLoad}` }), expect: NOT_FOUND.agent },
  { op: 'GET /agents/{name}/context/always_load/{pkid}', foreign: ['pkid'], request: ({ a, b }) => ({ path: `${al(b.agent)}/${a.alwaysLoad}` }), expect: NOT_FOUND.node },
  {
    op: 'PUT /agents/{name}/context/always_load/{pkid}',
    foreign: ['name', 'pkid'],
    request: ({ a }) => ({ path: `${al(a.agent)}/${a.alwaysLoad}`, body: { title: 'Hijacked' } }),
    expect: NOT_FOUND.agent,
  },
  {
    op: 'PUT /agents/{name}/context/always_load/{pkid}',
    foreign: ['pkid'],
    request: ({ a, b }) => ({ path: `${al(b.agent)}/${a.alwaysLoad}`, body: { title: 'Hijacked' } }),
    expect: NOT_FOUND.node,
  },
  {
    op: 'PUT /agents/{name}/context/always_load/{pkid}',
    foreign: ['body.parent_id'],
    request: ({ a, b }) => ({ path: `${al(b.agent)}/${b.alwaysLoad}`, body: { parent_id: a.alwaysLoad } }),
    expect: TREE_PARENT,
  },
  { op: 'DELETE /agents/{name}/context/always_load/{pkid}', foreign: ['name', 'pkid'], request: ({ a }) => ({ path: `${al(a.agent)}/${a.alwaysLoad}` }), expect: NOT_FOUND.agent },
  { op: 'DELETE /agents/{name}/context/always_load/{pkid}', foreign: ['pkid'], request: ({ a, b }) => ({ path: `${al(b.agent)}/${a.alwaysLoad}` }), expect: NOT_FOUND.node },

  { op: 'GET /agents/{name}/preferences', foreign: ['name'], request: ({ a }) => ({ path: pref(a.agent) }), expect: NOT_FOUND.agent },
  { op: 'GET /agents/{name}/preferences/tree', foreign: ['name'], request: ({ a }) => ({ path: `${pref(a.agent)}/tree` }), expect: NOT_FOUND.agent },
  { op: 'POST /agents/{name}/preferences', foreign: ['name'], request: ({ a }) => ({ path: pref(a.agent), body: { title: 'Intruder' } }), expect: NOT_FOUND.agent },
  {
    op: 'POST /agents/{name}/preferences',
    foreign: ['body.parent_id'],
    request: ({ a, b }) => ({ path: pref(b.agent), body: { title: 'Under a foreign parent', parent_id: a.preference } }),
    expect: TREE_PARENT,
  },
  { op: 'GET /agents/{name}/preferences/{pkid}', foreign: ['name', 'pkid'], request: ({ a }) => ({ path: `${pref(a.agent)}/${a.preference}` }), expect: NOT_FOUND.agent },
  { op: 'GET /agents/{name}/preferences/{pkid}', foreign: ['pkid'], request: ({ a, b }) => ({ path: `${pref(b.agent)}/${a.preference}` }), expect: NOT_FOUND.preference },
  {
    op: 'PUT /agents/{name}/preferences/{pkid}',
    foreign: ['name', 'pkid'],
    request: ({ a }) => ({ path: `${pref(a.agent)}/${a.preference}`, body: { title: 'Hijacked' } }),
    expect: NOT_FOUND.agent,
  },
  {
    op: 'PUT /agents/{name}/preferences/{pkid}',
    foreign: ['pkid'],
    request: ({ a, b }) => ({ path: `${pref(b.agent)}/${a.preference}`, body: { title: 'Hijacked' } }),
    expect: NOT_FOUND.preference,
  },
  {
    op: 'PUT /agents/{name}/preferences/{pkid}',
    foreign: ['body.parent_id'],
    request: ({ a, b }) => ({ path: `${pref(b.agent)}/${b.preference}`, body: { parent_id: a.preference } }),
    expect: TREE_PARENT,
  },
  { op: 'DELETE /agents/{name}/preferences/{pkid}', foreign: ['name', 'pkid'], request: ({ a }) => ({ path: `${pref(a.agent)}/${a.preference}` }), expect: NOT_FOUND.agent },
  { op: 'DELETE /agents/{name}/preferences/{pkid}', foreign: ['pkid'], request: ({ a, b }) => ({ path: `${pref(b.agent)}/${a.preference}` }), expect: NOT_FOUND.preference },

  { op: 'GET /agents/{name}/memories', foreign: ['name'], request: ({ a }) => ({ path: mem(a.agent) }), expect: NOT_FOUND.agent },
  { op: 'POST /agents/{name}/memories', foreign: ['name'], request: ({ a }) => ({ path: mem(a.agent), body: { title: 'Intruder' } }), expect: NOT_FOUND.agent },
  { op: 'GET /agents/{name}/memories/{pkid}', foreign: ['name', 'pkid'], request: ({ a }) => ({ path: `${mem(a.agent)}/${a.agentMemory}` }), expect: NOT_FOUND.agent },
  { op: 'GET /agents/{name}/memories/{pkid}', foreign: ['pkid'], request: ({ a, b }) => ({ path: `${mem(b.agent)}/${a.agentMemory}` }), expect: NOT_FOUND.memory },
  {
    op: 'PUT /agents/{name}/memories/{pkid}',
    foreign: ['name', 'pkid'],
    request: ({ a }) => ({ path: `${mem(a.agent)}/${a.agentMemory}`, body: { title: 'Hijacked' } }),
    expect: NOT_FOUND.agent,
  },
  {
    op: 'PUT /agents/{name}/memories/{pkid}',
    foreign: ['pkid'],
    request: ({ a, b }) => ({ path: `${mem(b.agent)}/${a.agentMemory}`, body: { title: 'Hijacked' } }),
    expect: NOT_FOUND.memory,
  },
  { op: 'DELETE /agents/{name}/memories/{pkid}', foreign: ['name', 'pkid'], request: ({ a }) => ({ path: `${mem(a.agent)}/${a.agentMemory}` }), expect: NOT_FOUND.agent },
  { op: 'DELETE /agents/{name}/memories/{pkid}', foreign: ['pkid'], request: ({ a, b }) => ({ path: `${mem(b.agent)}/${a.agentMemory}` }), expect: NOT_FOUND.memory },

  { op: 'GET /agents/{name}/handoffs', foreign: ['name'], request: ({ a }) => ({ path: hand(a.agent) }), expect: NOT_FOUND.agent },
  { op: 'POST /agents/{name}/handoffs', foreign: ['name'], request: ({ a }) => ({ path: hand(a.agent), body: { title: 'Intruder', prompt: 'x' } }), expect: NOT_FOUND.agent },
  { op: 'GET /agents/{name}/handoffs/{id}', foreign: ['name', 'id'], request: ({ a }) => ({ path: `${hand(a.agent)}/${a.handoff}` }), expect: NOT_FOUND.agent },
  { op: 'GET /agents/{name}/handoffs/{id}', foreign: ['id'], request: ({ a, b }) => ({ path: `${hand(b.agent)}/${a.handoff}` }), expect: NOT_FOUND.handoff },
  { op: 'DELETE /agents/{name}/handoffs/{id}', foreign: ['name', 'id'], request: ({ a }) => ({ path: `${hand(a.agent)}/${a.handoff}` }), expect: NOT_FOUND.agent },
  { op: 'DELETE /agents/{name}/handoffs/{id}', foreign: ['id'], request: ({ a, b }) => ({ path: `${hand(b.agent)}/${a.handoff}` }), expect: NOT_FOUND.handoff },
  { op: 'PUT /agents/{name}/handoffs/{id}/pickup', foreign: ['name', 'id'], request: ({ a }) => ({ path: `${hand(a.agent)}/${a.handoff}/pickup` }), expect: NOT_FOUND.agent },
  { op: 'PUT /agents/{name}/handoffs/{id}/pickup', foreign: ['id'], request: ({ a, b }) => ({ path: `${hand(b.agent)}/${a.handoff}/pickup` }), expect: NOT_FOUND.pickup },
];

/** Rows built from the same shape for many tools: `args` gets the tenant ids. */
const TOOL_ROWS: ToolRow[] = [
  // Projects and sections.
  { tool: 'get_project', foreign: ['project_id'], args: ({ a }) => ({ project_id: a.project }), expect: NOT_FOUND.project },
  { tool: 'update_project', foreign: ['project_id'], args: ({ a }) => ({ project_id: a.project, title: 'Hijacked' }), expect: NOT_FOUND.project },
  { tool: 'delete_project', foreign: ['project_id'], args: ({ a }) => ({ project_id: a.project }), expect: NOT_FOUND.project },
  { tool: 'create_section', foreign: ['project_id'], args: ({ a }) => ({ project_id: a.project, title: 'Intruder' }), expect: NOT_FOUND.project },
  { tool: 'create_section', foreign: ['parent_id'], args: ({ a, b }) => ({ project_id: b.project, title: 'Under a foreign parent', parent_id: a.section }), expect: PROJECT_PARENT },
  { tool: 'get_section', foreign: ['project_id', 'section_id'], args: ({ a }) => ({ project_id: a.project, section_id: a.section }), expect: NOT_FOUND.project },
  { tool: 'get_section', foreign: ['section_id'], args: ({ a, b }) => ({ project_id: b.project, section_id: a.section }), expect: NOT_FOUND.section },
  { tool: 'update_section', foreign: ['project_id', 'section_id'], args: ({ a }) => ({ project_id: a.project, section_id: a.section, title: 'Hijacked' }), expect: NOT_FOUND.project },
  { tool: 'update_section', foreign: ['section_id'], args: ({ a, b }) => ({ project_id: b.project, section_id: a.section, title: 'Hijacked' }), expect: NOT_FOUND.section },
  { tool: 'delete_section', foreign: ['project_id', 'section_id'], args: ({ a }) => ({ project_id: a.project, section_id: a.section }), expect: NOT_FOUND.project },
  { tool: 'delete_section', foreign: ['section_id'], args: ({ a, b }) => ({ project_id: b.project, section_id: a.section }), expect: NOT_FOUND.section },

  // Wikis.
  { tool: 'get_wiki', foreign: ['wiki_id'], args: ({ a }) => ({ wiki_id: a.wiki }), expect: NOT_FOUND.wiki },
  { tool: 'update_wiki', foreign: ['wiki_id'], args: ({ a }) => ({ wiki_id: a.wiki, title: 'Hijacked' }), expect: NOT_FOUND.wiki },
  { tool: 'delete_wiki', foreign: ['wiki_id'], args: ({ a }) => ({ wiki_id: a.wiki }), expect: NOT_FOUND.wiki },
  { tool: 'get_wiki_tags', foreign: ['wiki_id'], args: ({ a }) => ({ wiki_id: a.wiki }), expect: NOT_FOUND.wiki },
  { tool: 'create_wiki_section', foreign: ['wiki_id'], args: ({ a }) => ({ wiki_id: a.wiki, title: 'Intruder' }), expect: NOT_FOUND.wiki },
  { tool: 'create_wiki_section', foreign: ['parent_id'], args: ({ a, b }) => ({ wiki_id: b.wiki, title: 'Under a foreign parent', parent_id: a.wikiSection }), expect: WIKI_PARENT },
  { tool: 'get_wiki_section', foreign: ['wiki_id', 'section_id'], args: ({ a }) => ({ wiki_id: a.wiki, section_id: a.wikiSection }), expect: NOT_FOUND.wiki },
  { tool: 'get_wiki_section', foreign: ['section_id'], args: ({ a, b }) => ({ wiki_id: b.wiki, section_id: a.wikiSection }), expect: NOT_FOUND.section },
  { tool: 'update_wiki_section', foreign: ['wiki_id', 'section_id'], args: ({ a }) => ({ wiki_id: a.wiki, section_id: a.wikiSection, title: 'Hijacked' }), expect: NOT_FOUND.wiki },
  { tool: 'update_wiki_section', foreign: ['section_id'], args: ({ a, b }) => ({ wiki_id: b.wiki, section_id: a.wikiSection, title: 'Hijacked' }), expect: NOT_FOUND.section },
  { tool: 'delete_wiki_section', foreign: ['wiki_id', 'section_id'], args: ({ a }) => ({ wiki_id: a.wiki, section_id: a.wikiSection }), expect: NOT_FOUND.wiki },
  { tool: 'delete_wiki_section', foreign: ['section_id'], args: ({ a, b }) => ({ wiki_id: b.wiki, section_id: a.wikiSection }), expect: NOT_FOUND.section },
  { tool: 'search_wiki_tag', foreign: ['tag'], args: ({ a }) => ({ tag: a.tag }), expect: { own: 200 } },

  // Hints.
  { tool: 'get_hint', foreign: ['hint_id'], args: ({ a }) => ({ hint_id: a.category }), expect: NOT_FOUND.hint },
  { tool: 'get_hint', foreign: ['hint_id'], args: ({ a }) => ({ hint_id: a.hint }), expect: NOT_FOUND.hint },
  { tool: 'update_hint', foreign: ['hint_id'], args: ({ a }) => ({ hint_id: a.hint, title: 'Hijacked' }), expect: NOT_FOUND.hint },
  { tool: 'delete_hint', foreign: ['hint_id'], args: ({ a }) => ({ hint_id: a.hint }), expect: NOT_FOUND.hint },
  { tool: 'create_hint', foreign: ['parent_id'], args: ({ a }) => ({ title: 'Intruder', parent_id: a.category }), expect: NOT_FOUND.parentHint },

  // Nudges.
  { tool: 'get_nudge', foreign: ['nudge_id'], args: ({ a }) => ({ nudge_id: a.nudge }), expect: NOT_FOUND.nudge },
  { tool: 'update_nudge', foreign: ['nudge_id'], args: ({ a }) => ({ nudge_id: a.nudge, title: 'Hijacked' }), expect: NOT_FOUND.nudge },
  { tool: 'delete_nudge', foreign: ['nudge_id'], args: ({ a }) => ({ nudge_id: a.nudge }), expect: NOT_FOUND.nudge },

  // Sharing.
  { tool: 'revoke_share', foreign: ['share_id'], args: ({ a }) => ({ share_id: a.share }), expect: NOT_FOUND.share },
  ...(
    [
      [1, 'project'],
      [2, 'category'],
      [3, 'wiki'],
    ] as const
  ).map(
    ([type, object]): ToolRow => ({
      tool: 'share_object',
      foreign: ['object_id'],
      args: ({ a }) => ({ object_type_id: type, object_id: a[object], shared_to_user_name: THIRD.name }),
      expect: NOT_FOUND.notOwner,
    }),
  ),

  // Sessions.
  { tool: 'update_session_notes', foreign: ['session_id'], args: ({ a }) => ({ session_id: a.session, notes: 'Hijacked' }), expect: NOT_FOUND.session },

  // Scoped memories and read grants.
  { tool: 'delete_scoped_memory', foreign: ['id'], args: ({ a }) => ({ id: a.memory }), expect: NOT_FOUND.memory },
  { tool: 'continue_scoped_read', foreign: ['revocation_token'], args: ({ a }) => ({ revocation_token: a.token }), expect: NOT_FOUND.token },
  { tool: 'revoke_read_grant', foreign: ['revocation_token'], args: ({ a }) => ({ revocation_token: a.token }), expect: NOT_FOUND.token },
  { tool: 'revoke_read_grant', foreign: ['grant_id'], args: ({ a }) => ({ grant_id: a.grant }), expect: NOT_FOUND.grant },
  { tool: 'list_read_grants', foreign: ['user_id'], args: ({ a }) => ({ user_id: a.subject }), expect: { own: 200 } },
  { tool: 'revoke_all_read_grants', foreign: ['user_id'], args: ({ a }) => ({ user_id: a.subject }), expect: { own: 200 } },
  { tool: 'export_subject', foreign: ['user_id'], args: ({ a }) => ({ user_id: a.subject }), expect: { own: 200 } },
  { tool: 'erase_subject', foreign: ['user_id'], args: ({ a }) => ({ user_id: a.subject }), expect: { own: 200 } },
  { tool: 'list_scoped_memories', foreign: ['user_id'], args: ({ a }) => ({ user_id: a.subject }), expect: { own: 200 } },
  {
    tool: 'read_scoped_memories',
    foreign: ['user_id'],
    args: ({ a }) => ({ user_id: a.subject, scope: 'preferences', purpose_class: 'content_generation' }),
    expect: { own: 200 },
  },
  {
    tool: 'create_scoped_memory',
    foreign: ['user_id'],
    args: ({ a }) => ({ user_id: a.subject, scope: 'preferences', source: 'explicit_user_input', ttl_days: 30, value_json: { likes: ['U2'] } }),
    expect: { own: 200 },
  },

  // Secrets.
  { tool: 'get_image', foreign: ['image_id'], args: ({ a }) => ({ image_id: a.image }), expect: NOT_FOUND.image },
  { tool: 'update_image', foreign: ['image_id'], args: ({ a }) => ({ image_id: a.image, keep: true }), expect: NOT_FOUND.image },
  { tool: 'delete_image', foreign: ['image_id'], args: ({ a }) => ({ image_id: a.image, force: true }), expect: NOT_FOUND.image },
  { tool: 'get_secret', foreign: ['key'], args: ({ a }) => ({ key: a.secret }), expect: NOT_FOUND.secret },
  { tool: 'delete_secret', foreign: ['key'], args: ({ a }) => ({ key: a.secret }), expect: NOT_FOUND.secret },
  { tool: 'set_secret', foreign: ['key'], args: ({ a }) => ({ key: a.secret, value: 'U2 value' }), expect: { own: 200 }, cleanup: ({ a }) => ({ path: `/secrets/${a.secret}` }) },
  { tool: 'set_secret', foreign: ['readers'], args: ({ a, b }) => ({ key: b.secret, value: 'U2 value', readers: [a.agent] }), expect: invalid(`readers: your user has no agent named '<agent>'`) },

  // Audit.
  { tool: 'query_audit', foreign: ['agent'], args: ({ a }) => ({ agent: a.agent }), expect: { own: 200 } },

  // Agent-scoped tools: U1's agent name, and U1's ids under U2's own agent (agent_name left out: the caller).
  { tool: 'get_context', foreign: ['agent_name'], args: ({ a }) => ({ agent_name: a.agent }), expect: NOT_FOUND.agent },
  ...(['always_load', 'preference'] as const).flatMap((kind): ToolRow[] => {
    const plural = kind === 'always_load' ? 'always_load' : 'preferences';
    const item = kind === 'always_load' ? 'always_load_item' : 'preference';
    const id = (ids: Ids) => (kind === 'always_load' ? ids.alwaysLoad : ids.preference);
    const missing = kind === 'always_load' ? NOT_FOUND.node : NOT_FOUND.preference;
    return [
      { tool: `get_${plural}`, foreign: ['agent_name'], args: ({ a }) => ({ agent_name: a.agent }), expect: NOT_FOUND.agent },
      { tool: `get_${item}`, foreign: ['agent_name', 'pkid'], args: ({ a }) => ({ agent_name: a.agent, pkid: id(a) }), expect: NOT_FOUND.agent },
      { tool: `get_${item}`, foreign: ['pkid'], args: ({ a }) => ({ pkid: id(a) }), expect: missing },
      { tool: `create_${kind}`, foreign: ['agent_name'], args: ({ a }) => ({ agent_name: a.agent, title: 'Intruder' }), expect: NOT_FOUND.agent },
      { tool: `create_${kind}`, foreign: ['parent_id'], args: ({ a }) => ({ title: 'Under a foreign parent', parent_id: id(a) }), expect: TREE_PARENT },
      { tool: `update_${kind}`, foreign: ['agent_name', 'pkid'], args: ({ a }) => ({ agent_name: a.agent, pkid: id(a), title: 'Hijacked' }), expect: NOT_FOUND.agent },
      { tool: `update_${kind}`, foreign: ['pkid'], args: ({ a }) => ({ pkid: id(a), title: 'Hijacked' }), expect: missing },
      { tool: `update_${kind}`, foreign: ['parent_id'], args: ({ a, b }) => ({ pkid: id(b), parent_id: id(a) }), expect: TREE_PARENT },
      { tool: `move_${kind}`, foreign: ['agent_name', 'pkid'], args: ({ a }) => ({ agent_name: a.agent, pkid: id(a), parent_id: 0 }), expect: NOT_FOUND.agent },
      { tool: `move_${kind}`, foreign: ['pkid'], args: ({ a }) => ({ pkid: id(a), parent_id: 0 }), expect: missing },
      { tool: `move_${kind}`, foreign: ['parent_id'], args: ({ a, b }) => ({ pkid: id(b), parent_id: id(a) }), expect: TREE_PARENT },
      { tool: `delete_${kind}`, foreign: ['agent_name', 'pkid'], args: ({ a }) => ({ agent_name: a.agent, pkid: id(a) }), expect: NOT_FOUND.agent },
      { tool: `delete_${kind}`, foreign: ['pkid'], args: ({ a }) => ({ pkid: id(a) }), expect: missing },
    ];
  }),
  { tool: 'get_preference_tree', foreign: ['agent_name'], args: ({ a }) => ({ agent_name: a.agent }), expect: NOT_FOUND.agent },
  { tool: 'get_memories', foreign: ['agent_name'], args: ({ a }) => ({ agent_name: a.agent }), expect: NOT_FOUND.agent },
  { tool: 'get_memory', foreign: ['agent_name', 'pkid'], args: ({ a }) => ({ agent_name: a.agent, pkid: a.agentMemory }), expect: NOT_FOUND.agent },
  { tool: 'get_memory', foreign: ['pkid'], args: ({ a }) => ({ pkid: a.agentMemory }), expect: NOT_FOUND.memory },
  { tool: 'create_memory', foreign: ['agent_name'], args: ({ a }) => ({ agent_name: a.agent, title: 'Intruder' }), expect: NOT_FOUND.agent },
  { tool: 'update_memory', foreign: ['agent_name', 'pkid'], args: ({ a }) => ({ agent_name: a.agent, pkid: a.agentMemory, title: 'Hijacked' }), expect: NOT_FOUND.agent },
  { tool: 'update_memory', foreign: ['pkid'], args: ({ a }) => ({ pkid: a.agentMemory, title: 'Hijacked' }), expect: NOT_FOUND.memory },
  { tool: 'delete_memory', foreign: ['agent_name', 'pkid'], args: ({ a }) => ({ agent_name: a.agent, pkid: a.agentMemory }), expect: NOT_FOUND.agent },
  { tool: 'delete_memory', foreign: ['pkid'], args: ({ a }) => ({ pkid: a.agentMemory }), expect: NOT_FOUND.memory },
  { tool: 'list_handoffs', foreign: ['agent_name'], args: ({ a }) => ({ agent_name: a.agent }), expect: NOT_FOUND.agent },
  { tool: 'create_handoff', foreign: ['agent_name'], args: ({ a }) => ({ agent_name: a.agent, title: 'Intruder', prompt: 'x' }), expect: NOT_FOUND.agent },
  { tool: 'get_handoff', foreign: ['agent_name', 'handoff_id'], args: ({ a }) => ({ agent_name: a.agent, handoff_id: a.handoff }), expect: NOT_FOUND.agent },
  { tool: 'get_handoff', foreign: ['handoff_id'], args: ({ a }) => ({ handoff_id: a.handoff }), expect: NOT_FOUND.handoff },
  { tool: 'pickup_handoff', foreign: ['agent_name', 'handoff_id'], args: ({ a }) => ({ agent_name: a.agent, handoff_id: a.handoff }), expect: NOT_FOUND.agent },
  { tool: 'pickup_handoff', foreign: ['handoff_id'], args: ({ a }) => ({ handoff_id: a.handoff }), expect: NOT_FOUND.pickup },
  { tool: 'delete_handoff', foreign: ['agent_name', 'handoff_id'], args: ({ a }) => ({ agent_name: a.agent, handoff_id: a.handoff }), expect: NOT_FOUND.agent },
  { tool: 'delete_handoff', foreign: ['handoff_id'], args: ({ a }) => ({ handoff_id: a.handoff }), expect: NOT_FOUND.handoff },
];

/** Ids that exist nowhere, shaped like U1's: the answer for them is the answer for U1's. */
function missingIds(): Ids {
  return {
    agent: uniqueName('no-such-agent').toLowerCase(),
    project: MISSING_INT,
    section: MISSING_INT,
    wiki: MISSING_INT,
    wikiSection: MISSING_INT,
    tag: uniqueName('no-such-tag'),
    category: MISSING_INT,
    hint: MISSING_INT,
    nudge: MISSING_INT,
    share: MISSING_INT,
    session: MISSING_INT,
    handoff: MISSING_INT,
    secret: uniqueName('no-such-secret').replace(/-/g, '_'),
    memory: randomUUID(),
    subject: uniqueName('no-such-subject'),
    token: randomBytes(32).toString('base64url'),
    grant: randomUUID(),
    agentMemory: MISSING_INT,
    alwaysLoad: MISSING_INT,
    preference: MISSING_INT,
    image: randomUUID(),
  };
}

/** `<agent>` in an expected detail stands for the agent name the row sent. */
const detailFor = (detail: string, ids: Ids) => detail.replace('<agent>', ids.agent);

const describeExpect = (e: Expectation) =>
  'notFound' in e ? `404 "${e.notFound}"` : 'refused' in e ? `${e.refused} "${e.detail}" (not a 404, by design)` : `${e.own}: U2's own namespace, nothing of U1's`;

describe('tenant isolation: U2 naming any object of U1 gets 404 (REST and MCP), and U1 is untouched', () => {
  const ctx = useFixtures();
  let u1: TestAgent;
  let u2: TestAgent;
  let world: World;
  let missing: World;
  let mcpU2: Client;
  let tenantTables: string[];
  let baseline: unknown;

  /** Everything stored for U1: every row of every table with its user_id, the children of its projects and wikis, its shares and its audit trail. */
  async function u1State(): Promise<unknown> {
    const rows = async (sql: string) => (await ctx.db.query<{ rows: unknown }[]>(sql, [u1.userId]))[0].rows;
    const agg = (from: string) => `SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY to_jsonb(t)::text), '[]'::jsonb) AS rows FROM ${from}`;
    const state: Record<string, unknown> = {};
    for (const table of tenantTables) state[table] = await rows(agg(`${table} t WHERE t.user_id = $1`));
    state.users = await rows(agg(`users t WHERE t.id = $1`));
    state.project_sections = await rows(agg(`project_sections t WHERE t.project_id IN (SELECT project_id FROM projects WHERE user_id = $1)`));
    state.wiki_sections = await rows(agg(`wiki_sections t WHERE t.wiki_id IN (SELECT wiki_id FROM wikis WHERE user_id = $1)`));
    state.wiki_section_tags = await rows(
      agg(`wiki_section_tags t WHERE t.section_id IN (SELECT section_id FROM wiki_sections WHERE wiki_id IN (SELECT wiki_id FROM wikis WHERE user_id = $1))`),
    );
    state.shared_objects = await rows(agg(`shared_objects t WHERE t.shared_by_user_id = $1 OR t.shared_to_user_id = $1`));
    const [audit] = await ctx.db.query(`SELECT count(*)::int AS n, coalesce(max(seq), 0)::text AS last FROM audit_events WHERE user_id = $1`, [u1.userId]);
    state.audit = audit;
    return state;
  }

  beforeAll(async () => {
    u1 = await ctx.newUser();
    const u1b = await ctx.newAgent(u1);
    u2 = await ctx.newUser();
    const u2b = await ctx.newAgent(u2);
    const u3 = await ctx.newUser();
    THIRD.name = u3.userName;

    async function tenant(agent: TestAgent, mark: string, from: TestAgent): Promise<Ids> {
      const project = (await ctx.newProject(agent, { title: `Project ${mark}`, description: mark })).project_id;
      const section = (await ctx.newSection(agent, project, { title: `Section ${mark}`, description: mark })).section_id;
      const wiki = (await ctx.newWiki(agent, { title: `Wiki ${mark}`, description: mark })).wiki_id;
      const tag = uniqueName('tag').toLowerCase();
      const wikiSection = (await ctx.newWikiSection(agent, wiki, { title: `Wiki section ${mark}`, description: mark, tags: [tag] })).section_id;
      const category = (await ctx.newHint(agent, { title: `Category ${mark}`, description: mark })).hint_id;
      const hint = (await ctx.newHint(agent, { title: `Hint ${mark}`, description: mark, parent_id: category })).hint_id;
      const nudge = (await ctx.newNudge(agent, { title: `Nudge ${mark}`, description: mark, due_date: '2031-01-02' })).nudge_id;
      const share = (await ctx.share(agent, 'project', project, u3, 2)).share_id;
      const session = (await ctx.newSession(agent, { project: mark })).session_id;
      const handoff = (await ctx.newHandoff(from, agent.agentName, { title: `Handoff ${mark}`, prompt: mark })).handoff_id;
      const secret = uniqueName('secret').replace(/-/g, '_');
      await ctx.newSecret(agent, secret, `value ${mark}`);
      const subject = uniqueName('subject');
      const memory = (await ctx.newScopedMemory(agent, { user_id: subject, value_json: { likes: [mark] } })).id;
      const token = await ctx.readScoped(agent, { user_id: subject });
      const grant = ((await ctx.as(agent, 'get', `/memory/grants?user_id=${subject}`).expect(200)).body.grants as { id: string }[])[0].id;
      const agentMemory = (await ctx.newAgentMemory(agent, { title: `Memory ${mark}`, description: mark })).pkid;
      const alwaysLoad = (await ctx.newAlwaysLoad(agent, { title: `Always ${mark}`, description: mark })).pkid;
      const preference = (await ctx.newPreference(agent, { title: `Preference ${mark}`, description: mark })).pkid;
      const image = (await ctx.as(agent, 'post', '/images', { data_base64: ONE_PIXEL_PNG }).expect(201)).body.image_id as string;
      const ids = { project, section, wiki, wikiSection, tag, category, hint, nudge, share, session, handoff, secret, memory, subject, token, grant };
      return { agent: agent.agentName, ...ids, agentMemory, alwaysLoad, preference, image };
    }

    // U1's objects carry MARK in their content (never in a name, key or subject, which answers may echo).
    const a = await tenant(u1, MARK, u1b);
    // U2's own containers, for rows that name U1's child inside U2's parent.
    const b = await tenant(u2, 'of U2', u2b);
    world = { a, b };
    missing = { a: missingIds(), b };

    const tables: { table_name: string }[] = await ctx.db.query(
      `SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'user_id' ORDER BY table_name`,
    );
    // audit_events is compared by count and last seq (sealing works on it in the background).
    tenantTables = tables.map((t) => t.table_name).filter((name) => name !== 'audit_events');
    expect(tenantTables).toEqual(expect.arrayContaining(['projects', 'wikis', 'hints', 'nudges', 'secrets', 'scoped_memories', 'read_grants', 'agent_memories']));
    mcpU2 = await ctx.mcp(u2);
    baseline = await u1State();
  });

  it('the snapshot of U1 holds one of everything U1 made (so "unchanged" means something)', () => {
    const state = baseline as Record<string, unknown[]>;
    const one = ['projects', 'project_sections', 'wikis', 'wiki_sections', 'wiki_section_tags', 'nudges', 'shared_objects', 'sessions', 'handoffs', 'secrets', 'images'];
    const sizes = Object.fromEntries([...one, 'hints', 'scoped_memories', 'read_grants', 'agent_memories', 'always_load', 'preferences', 'agents'].map((t) => [t, state[t]?.length]));
    expect(sizes).toEqual({ ...Object.fromEntries(one.map((t) => [t, 1])), hints: 2, scoped_memories: 1, read_grants: 1, agent_memories: 1, always_load: 1, preferences: 1, agents: 2 });
    expect(JSON.stringify(state)).toContain(MARK);
    expect(state.audit).toEqual({ n: expect.any(Number), last: expect.any(String) });
  });

  // -------------------------------------------------------------------------------------------
  describe('the table covers every operation and tool that names an object', () => {
    it('every REST operation with a path parameter has a row for each parameter, or is excluded; every row names a real operation', async () => {
      const doc = (await ctx.http().get('/docs-json').expect(200)).body as {
        paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
      };
      const ops = new Map<string, string[]>();
      for (const [path, item] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(item)) {
          if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
          ops.set(`${method.toUpperCase()} ${path}`, (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name));
        }
      }
      const uncovered: string[] = [];
      for (const [op, params] of ops) {
        if (op in EXCLUDED_ROUTES) continue;
        for (const param of params) {
          if (!REST_ROWS.some((row) => row.op === op && row.foreign.includes(param))) uncovered.push(`${op} {${param}}`);
        }
      }
      expect({ uncovered }).toEqual({ uncovered: [] });
      const unknown = [...REST_ROWS.map((row) => row.op), ...Object.keys(EXCLUDED_ROUTES)].filter((op) => !ops.has(op));
      expect({ unknown }).toEqual({ unknown: [] });
      // Every foreign path parameter a row states is a parameter of its operation.
      const wrongParams = REST_ROWS.flatMap((row) => row.foreign.filter((p) => !p.includes('.') && !ops.get(row.op)?.includes(p)).map((p) => `${row.op} ${p}`));
      expect({ wrongParams }).toEqual({ wrongParams: [] });
    });

    it('every MCP tool argument that names an object (id, *_id, name, key, token, tag, agent, readers…) has a row, or is excluded; every row names a real tool and argument', async () => {
      const { tools } = await mcpU2.listTools();
      const args = new Map(tools.map((tool) => [tool.name, Object.keys(tool.inputSchema.properties ?? {})]));
      const uncovered: string[] = [];
      for (const [tool, names] of args) {
        for (const arg of names.filter(isIdLike)) {
          if (arg in EXCLUDED_ARGS_ALL || EXCLUDED_ARGS[tool]?.[arg]) continue;
          if (!TOOL_ROWS.some((row) => row.tool === tool && row.foreign.includes(arg))) uncovered.push(`${tool}(${arg})`);
        }
      }
      expect({ uncovered }).toEqual({ uncovered: [] });
      const unknown = [
        ...TOOL_ROWS.flatMap((row) => row.foreign.filter((arg) => !args.get(row.tool)?.includes(arg)).map((arg) => `${row.tool}(${arg})`)),
        ...Object.entries(EXCLUDED_ARGS).flatMap(([tool, excluded]) => Object.keys(excluded).filter((arg) => !args.get(tool)?.includes(arg)).map((arg) => `${tool}(${arg})`)),
      ];
      expect({ unknown }).toEqual({ unknown: [] });
    });
  });

  // -------------------------------------------------------------------------------------------
  const methodOf = (op: string) => op.split(' ')[0].toLowerCase() as Method;

  async function rest(row: RestRow, w: World): Promise<Response> {
    const { path, body } = row.request(w);
    return ctx.as(u2, methodOf(row.op), path, body);
  }

  describe('REST as U2', () => {
    it.each(REST_ROWS.map((row) => [`${row.op} with U1's ${row.foreign.join(', ')} → ${describeExpect(row.expect)}`, row] as const))('%s', async (_title, row) => {
      const res = await rest(row, world);
      const e = row.expect;
      if ('own' in e) {
        expect({ op: row.op, status: res.status }).toEqual({ op: row.op, status: e.own });
        expect(res.text).not.toContain(MARK);
        if (row.cleanup) await ctx.as(u2, 'delete', row.cleanup(world).path).expect(200);
      } else {
        const [status, detail, code] = 'notFound' in e ? [404, e.notFound, 'not_found'] : [e.refused, e.detail, e.code];
        expectProblem(res, status, { detail: detailFor(detail, world.a), code });
        expect(res.text).not.toContain(MARK);
        // The same answer as for an id that does not exist at all.
        const none = await rest(row, missing);
        expect({ status: none.status, code: none.body.code, detail: none.body.detail }).toEqual({
          status,
          code,
          detail: detailFor(detail, missing.a),
        });
      }
      expect(await u1State()).toEqual(baseline);
    });
  });

  describe('MCP as U2 (official SDK client)', () => {
    it.each(TOOL_ROWS.map((row) => [`${row.tool} with U1's ${row.foreign.join(', ')} → ${describeExpect(row.expect)}`, row] as const))('%s', async (_title, row) => {
      const result = await mcpU2.callTool({ name: row.tool, arguments: row.args(world) });
      const text = JSON.stringify(result);
      expect(text).not.toContain(MARK);
      const e = row.expect;
      if ('own' in e) {
        expect({ tool: row.tool, isError: result.isError ?? false, result: toolJson(result) }).toEqual({ tool: row.tool, isError: false, result: expect.anything() });
        if (row.cleanup) await ctx.as(u2, 'delete', row.cleanup(world).path).expect(200);
      } else {
        const [detail, code] = 'notFound' in e ? [e.notFound, 'not_found'] : [e.detail, e.code];
        expect({ tool: row.tool, isError: result.isError, error: (toolJson(result) as { error: unknown }).error }).toEqual({
          tool: row.tool,
          isError: true,
          error: expect.objectContaining({ code, message: detailFor(detail, world.a) }),
        });
        const none = await mcpU2.callTool({ name: row.tool, arguments: row.args(missing) });
        expect((toolJson(none) as { error: { code: string; message: string } }).error).toMatchObject({ code, message: detailFor(detail, missing.a) });
      }
      expect(await u1State()).toEqual(baseline);
    });
  });

  it('afterwards U1 still reads each of its objects as before (REST, as U1)', async () => {
    const { a } = world;
    const reads = [
      `/projects/${a.project}`,
      `/projects/${a.project}/sections/${a.section}`,
      `/wikis/${a.wiki}`,
      `/wikis/${a.wiki}/sections/${a.wikiSection}`,
      `/hints/${a.category}`,
      `/hints/${a.hint}`,
      `/nudges/${a.nudge}`,
      `/secrets/${a.secret}`,
      `${al(a.agent)}/${a.alwaysLoad}`,
      `${pref(a.agent)}/${a.preference}`,
      `${mem(a.agent)}/${a.agentMemory}`,
      `${hand(a.agent)}/${a.handoff}`,
    ];
    for (const path of reads) {
      const res = await ctx.as(u1, 'get', path);
      expect({ path, status: res.status, marked: res.text.includes(MARK) }).toEqual({ path, status: 200, marked: true });
    }
    const memories = await ctx.as(u1, 'get', `/memory?user_id=${a.subject}`).expect(200);
    expect(memories.body.memories.map((m: { id: string }) => m.id)).toEqual([a.memory]);
    await ctx.as(u1, 'post', '/memory/read/continue', { revocation_token: a.token }).expect(200);
    expect((await ctx.as(u1, 'get', '/sharing/by-me').expect(200)).body.shares.map((s: { share_id: number }) => s.share_id)).toEqual([a.share]);
  });
});
