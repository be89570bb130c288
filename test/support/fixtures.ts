import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { DataSource } from 'typeorm';
import { agentRequests, Method } from './agent-requests';
import { connectMcp } from './mcp-client';
import { NewAgentOptions, startTestApp, StartOptions, TestAgent, TestApp, uniqueName } from './test-app';

/**
 * One fixture factory for every e2e file:
 *
 *     const ctx = useFixtures();                       // or useFixtures({ env: { MERGE_LIMIT: '3' } })
 *     const owner = await ctx.newUser();               // a user with one agent
 *     const project = await ctx.newProject(owner, { title: 'Plan' });
 *
 * `useFixtures` registers a beforeAll that starts the app on a fresh database
 * and an afterAll that closes the MCP clients it handed out, then the app; call
 * it where the describe block (or the file) is set up, never inside a test.
 * The object makers go through the public REST API as the given agent, assert
 * the documented success status and return the created object (the `created`,
 * `shared` or `saved` member of the response, or the body where there is none).
 */

export interface FixtureOptions {
  /** Environment for the app (see startTestApp): e.g. { MERGE_LIMIT: '3' }. */
  env?: NodeJS.ProcessEnv;
  /** Start options, read when the app starts (so they may name another app's database). */
  start?: StartOptions | (() => StartOptions);
}

type Body = Record<string, unknown>;

/** The fixture users of the LucyAPI tests: U1 with agents A1a and A1b, U2 with A2, U3 with A3. */
export interface ThreeUsers {
  a1a: TestAgent;
  a1b: TestAgent;
  a2: TestAgent;
  a3: TestAgent;
}

/** The shareable kinds and their object_type_id. */
export const OBJECT_TYPE = { project: 1, hint: 2, wiki: 3 } as const;
export type ShareKind = keyof typeof OBJECT_TYPE;

export interface CreatedProject {
  project_id: number;
  title: string;
  status: string;
  status_label: string;
}
export interface CreatedSection {
  section_id: number;
  parent_id: number;
  title: string;
}
export interface CreatedWiki {
  wiki_id: number;
  title: string;
}
export interface CreatedWikiSection {
  section_id: number;
  parent_id: number;
  title: string;
  tags: string[];
}
export interface CreatedHint {
  hint_id: number;
  parent_id: number;
  title: string;
  hint_category_id: number;
}
export interface CreatedNudge {
  nudge_id: number;
  title: string;
  due_date: string | null;
  created_at: string;
}
export interface CreatedHandoff {
  handoff_id: number;
  title: string;
  created_at: string;
  created_by_agent: string | null;
}
export interface SavedSecret {
  key: string;
  created_at: string;
  updated_at: string;
  readers: string[];
  write_only: boolean;
}
export interface CreatedScopedMemory {
  id: string;
  user_id: string;
  scope: string;
  domain: string;
  created_at: string;
  expires_at: string;
}
export interface CreatedAgentMemory {
  pkid: number;
  title: string;
  created_at: string;
}
export interface CreatedNode {
  pkid: number;
  parent_id: number;
  title: string;
  sort_order: number;
}
export interface CreatedSession {
  session_id: number;
  agent: string;
  started_at: string;
  project: string | null;
}
export interface CreatedShare {
  share_id: number;
  object_type_id: number;
  object_id: number;
  shared_to_user_id: string;
  shared_to_name: string;
  permission_level: number;
}

export interface Fixtures extends ReturnType<typeof agentRequests> {
  /** The running app (available from the first beforeAll on). */
  readonly app: TestApp;
  /** Shorthands for ctx.app.db, ctx.app.http(), ctx.app.baseUrl, ctx.app.adminToken, ctx.app.logs. */
  readonly db: DataSource;
  http(): ReturnType<TestApp['http']>;
  readonly baseUrl: string;
  readonly adminToken: string;
  readonly logs: string[];

  /** A new user with one agent (through the admin API). */
  newUser(options?: NewAgentOptions): Promise<TestAgent>;
  /** Another agent of `ofUser`'s user (a sibling), or, without `ofUser`, a new user's agent. */
  newAgent(ofUser?: TestAgent, name?: string): Promise<TestAgent>;
  /** U1 with agents A1a and A1b, U2 with A2, U3 with A3 (U1 in `u1TimeZone` if given). */
  threeUsers(u1TimeZone?: string): Promise<ThreeUsers>;

  /** An MCP client authenticated as `agent` (one per agent; closed in afterAll). */
  mcp(agent: TestAgent): Promise<Client>;
  /** A new MCP client with these headers (closed in afterAll). */
  connectMcp(headers?: Record<string, string>): Promise<Client>;
  /** Runs `close` in afterAll, before the app closes (e.g. a client made by hand). */
  onClose(close: () => unknown): void;

  /** POST /projects (title defaults to a unique name). */
  newProject(agent: TestAgent, body?: Body): Promise<CreatedProject>;
  /** POST /projects/{id}/sections. */
  newSection(agent: TestAgent, projectId: number, body?: Body): Promise<CreatedSection>;
  /** POST /wikis. */
  newWiki(agent: TestAgent, body?: Body): Promise<CreatedWiki>;
  /** POST /wikis/{id}/sections. */
  newWikiSection(agent: TestAgent, wikiId: number, body?: Body): Promise<CreatedWikiSection>;
  /** A hint category (POST /hint_categories), or with `parent_id` in the body a hint under it (POST /hints). */
  newHint(agent: TestAgent, body?: Body): Promise<CreatedHint>;
  /** POST /nudges. */
  newNudge(agent: TestAgent, body?: Body): Promise<CreatedNudge>;
  /** POST /agents/{toAgentName}/handoffs as `from`. */
  newHandoff(from: TestAgent, toAgentName: string, body?: Body): Promise<CreatedHandoff>;
  /** PUT /secrets/{name} (201 or 200); `body` adds readers / write_only. */
  newSecret(agent: TestAgent, name: string, value: string, body?: Body): Promise<SavedSecret>;
  /** POST /memory: a scoped memory (defaults: a unique subject, scope preferences, 30 days, {"key":"value"}). */
  newScopedMemory(agent: TestAgent, body?: Body): Promise<CreatedScopedMemory>;
  /** POST /memory/read (default scope preferences, purpose class content_generation); returns the revocation token. */
  readScoped(agent: TestAgent, body?: Body): Promise<string>;
  /** POST /agents/{name}/memories (name defaults to the agent's own). */
  newAgentMemory(agent: TestAgent, body?: Body, agentName?: string): Promise<CreatedAgentMemory>;
  /** POST /agents/{name}/context/always_load. */
  newAlwaysLoad(agent: TestAgent, body?: Body, agentName?: string): Promise<CreatedNode>;
  /** POST /agents/{name}/preferences. */
  newPreference(agent: TestAgent, body?: Body, agentName?: string): Promise<CreatedNode>;
  /** POST /sessions. */
  newSession(agent: TestAgent, body?: Body): Promise<CreatedSession>;
  /**
   * POST /sharing as `owner`: `to` is a user name (shared_to_user_name) or an
   * agent whose user gets the share (shared_to_user_id). 201, or 200 for a re-share.
   */
  share(owner: TestAgent, kind: ShareKind, id: number, to: string | TestAgent, level?: number): Promise<CreatedShare>;
}

export function useFixtures(options: FixtureOptions = {}): Fixtures {
  let app: TestApp | undefined;
  const closers: (() => unknown)[] = [];
  const byAgent = new Map<string, Promise<Client>>();

  const current = (): TestApp => {
    if (!app) throw new Error('useFixtures: the app is not started yet (use it inside a test or a hook)');
    return app;
  };

  beforeAll(async () => {
    const start = typeof options.start === 'function' ? options.start() : options.start;
    app = await startTestApp(options.env, start);
  });
  afterAll(async () => {
    await Promise.allSettled(closers.map((close) => Promise.resolve().then(close)));
    await app?.close();
  });

  const requests = agentRequests(current);
  const { as } = requests;

  async function created<T>(agent: TestAgent, method: Method, path: string, body: unknown, statuses: number[], member?: string): Promise<T> {
    const res = await as(agent, method, path, body);
    if (!statuses.includes(res.status)) {
      throw new Error(`${method.toUpperCase()} ${path} as ${agent.agentName}: expected ${statuses.join(' or ')}, got ${res.status} ${res.text}`);
    }
    return (member ? res.body[member] : res.body) as T;
  }

  async function connect(headers: Record<string, string> = {}): Promise<Client> {
    const client = await connectMcp(current().baseUrl, headers);
    closers.push(() => client.close());
    return client;
  }

  return {
    ...requests,
    get app() {
      return current();
    },
    get db() {
      return current().db;
    },
    http: () => current().http(),
    get baseUrl() {
      return current().baseUrl;
    },
    get adminToken() {
      return current().adminToken;
    },
    get logs() {
      return current().logs;
    },

    newUser: (opts) => current().newAgent(opts),
    newAgent: (ofUser, name) => (ofUser ? current().newSibling(ofUser, name) : current().newAgent({ agentName: name })),
    async threeUsers(u1TimeZone) {
      const t = current();
      const a1a = await t.newAgent({ userName: uniqueName('u1'), agentName: uniqueName('a1a'), timezone: u1TimeZone });
      const a1b = await t.newSibling(a1a, uniqueName('a1b'));
      const a2 = await t.newAgent({ userName: uniqueName('u2'), agentName: uniqueName('a2') });
      const a3 = await t.newAgent({ userName: uniqueName('u3'), agentName: uniqueName('a3') });
      return { a1a, a1b, a2, a3 };
    },

    mcp(agent) {
      let client = byAgent.get(agent.agentId);
      if (!client) {
        client = connect({ 'X-Api-Key': agent.apiKey });
        byAgent.set(agent.agentId, client);
      }
      return client;
    },
    connectMcp: connect,
    onClose: (close) => closers.push(close),

    newProject: (agent, body = {}) => created(agent, 'post', '/projects', { title: uniqueName('project'), ...body }, [201], 'created'),
    newSection: (agent, projectId, body = {}) =>
      created(agent, 'post', `/projects/${projectId}/sections`, { title: uniqueName('section'), ...body }, [201], 'created'),
    newWiki: (agent, body = {}) => created(agent, 'post', '/wikis', { title: uniqueName('wiki'), ...body }, [201], 'created'),
    newWikiSection: (agent, wikiId, body = {}) =>
      created(agent, 'post', `/wikis/${wikiId}/sections`, { title: uniqueName('section'), ...body }, [201], 'created'),
    newHint: (agent, body = {}) =>
      created(agent, 'post', body.parent_id === undefined ? '/hint_categories' : '/hints', { title: uniqueName('hint'), ...body }, [201], 'created'),
    newNudge: (agent, body = {}) => created(agent, 'post', '/nudges', { title: uniqueName('nudge'), ...body }, [201], 'created'),
    newHandoff: (from, toAgentName, body = {}) =>
      created(from, 'post', `/agents/${toAgentName}/handoffs`, { title: uniqueName('handoff'), prompt: 'Carry on.', ...body }, [201], 'created'),
    newSecret: (agent, name, value, body = {}) =>
      created(agent, 'put', `/secrets/${encodeURIComponent(name)}`, { value, ...body }, [200, 201], 'saved'),
    newScopedMemory: (agent, body = {}) =>
      created(
        agent,
        'post',
        '/memory',
        { user_id: uniqueName('subject'), scope: 'preferences', source: 'explicit_user_input', ttl_days: 30, value_json: { key: 'value' }, ...body },
        [201],
      ),
    async readScoped(agent, body = {}) {
      const read = await created<{ revocation_token: string }>(
        agent,
        'post',
        '/memory/read',
        { user_id: uniqueName('subject'), scope: 'preferences', purpose_class: 'content_generation', ...body },
        [200],
      );
      return read.revocation_token;
    },
    newAgentMemory: (agent, body = {}, agentName = agent.agentName) =>
      created(agent, 'post', `/agents/${agentName}/memories`, { title: uniqueName('memory'), ...body }, [201], 'created'),
    newAlwaysLoad: (agent, body = {}, agentName = agent.agentName) =>
      created(agent, 'post', `/agents/${agentName}/context/always_load`, { title: uniqueName('node'), ...body }, [201], 'created'),
    newPreference: (agent, body = {}, agentName = agent.agentName) =>
      created(agent, 'post', `/agents/${agentName}/preferences`, { title: uniqueName('preference'), ...body }, [201], 'created'),
    newSession: (agent, body = {}) => created(agent, 'post', '/sessions', body, [201]),
    share: (owner, kind, id, to, level) =>
      created(
        owner,
        'post',
        '/sharing',
        {
          object_type_id: OBJECT_TYPE[kind],
          object_id: id,
          ...(typeof to === 'string' ? { shared_to_user_name: to } : { shared_to_user_id: to.userId }),
          ...(level === undefined ? {} : { permission_level: level }),
        },
        [200, 201],
        'shared',
      ),
  };
}

/**
 * What `make()` resolves to, made in a beforeAll of the enclosing describe block
 * and filled into the object returned at once, so the block can hold it in a const:
 *
 *     const f = perBlock(() => ctx.threeUsers());   // f.a1a, f.a2 … in every test of the block
 *
 * Use it where the block (or the file) is set up, never inside a test.
 */
export function perBlock<T extends object>(make: () => Promise<T>): T {
  const value = {} as T;
  beforeAll(async () => {
    Object.assign(value, await make());
  });
  return value;
}

/**
 * New users and their agents, named by the test: each inner list is one user's
 * agents (the first one created with the user), users named u1, u2, … and agents
 * after their keys (both made unique), user i in `timezones[i]` if given.
 *
 *     const { a1a, a1b, a2 } = await newUsers(ctx, [['a1a', 'a1b'], ['a2']], ['America/Denver']);
 */
export async function newUsers<K extends string>(
  ctx: Pick<Fixtures, 'newUser' | 'newAgent'>,
  users: readonly (readonly K[])[],
  timezones: readonly (string | undefined)[] = [],
): Promise<Record<K, TestAgent>> {
  const agents = {} as Record<K, TestAgent>;
  for (const [i, [first, ...siblings]] of users.entries()) {
    const owner = await ctx.newUser({ userName: uniqueName(`u${i + 1}`), agentName: uniqueName(first), timezone: timezones[i] });
    agents[first] = owner;
    for (const name of siblings) agents[name] = await ctx.newAgent(owner, uniqueName(name));
  }
  return agents;
}
