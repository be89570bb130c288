import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Method } from './support/agent-requests';
import { useFixtures } from './support/fixtures';
import { ONE_PIXEL_PNG } from './support/images';
import { restAs, toolJson } from './support/mcp-client';
import { TestAgent, uniqueName } from './support/test-app';

/**
 * MCP/REST parity: every tool and its REST twin (the route over the same
 * service method and DTO) answer the same JSON for the same agent on the same
 * data. Each row of TABLE calls the tool, then the route, back to back:
 *
 * - reads and updates act on the same object both ways, and must be equal
 *   (apart from `volatile` fields such as the time of day, and the timestamps a write sets);
 * - creates and deletes act on two objects made alike (`separate`): ids and
 *   timestamps may differ, nothing else;
 * - where REST answers 204 with no body (`noContent`), the tool's result is the
 *   one its description states; where REST tells created from updated by status
 *   (`created`), the tool says it in a `created` field.
 *
 * A tool of tools/list that is neither in TABLE nor in NO_REST_TWIN fails the
 * test: a new tool comes with its parity row.
 */

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Ids of the objects the fixture made, by name. */
type Fx = Record<string, Json>;
type Val<T> = T | ((fx: Fx) => T);

interface Options {
  /** Two separately created objects: ids (keys `id`, `pkid`, `*_id`, `deleted`, and these) and timestamps may differ. */
  separate?: boolean | string[];
  /** Fields (at any depth) whose values legitimately differ between two calls. */
  volatile?: string[];
  /** REST answers 204 with no body; the tool returns this instead (and its description says so). */
  noContent?: (fx: Fx) => Json;
  /** REST says created (201) or updated (200) by status; the tool says which in `created`, expected to be this. */
  created?: boolean;
  /** Expected REST status (default 201 for a POST that creates, else 200). */
  status?: number;
}

type Obj = Record<string, unknown>;
type Row = [tool: string, args: Val<Obj>, restMethod: Method, restPath: Val<string>, restBody?: Val<Obj>, options?: Options];

/**
 * Tools without a REST twin. Every tool has one today; a tool added here must
 * say why (e.g. it composes several services), and is then exempt from parity.
 */
const NO_REST_TWIN: string[] = [];

const FAR = '2099-12-31';
const TIME_OF_DAY = ['utc', 'local', 'unix', 'day'];

const TABLE: Row[] = [
  // --- identity, system, policy ---------------------------------------------------------------
  ['whoami', {}, 'get', '/whoami'],
  ['get_time', {}, 'get', '/time', undefined, { volatile: TIME_OF_DAY }],
  ['get_time', { tz: 'Asia/Tokyo' }, 'get', '/time?tz=Asia/Tokyo', undefined, { volatile: TIME_OF_DAY }],
  ['get_policy', {}, 'get', '/policy'],

  // --- context --------------------------------------------------------------------------------
  ['get_context', {}, 'get', (f) => `/agents/${f.me}/context`, undefined, { volatile: ['time'] }],
  ['get_context', (f) => ({ agent_name: f.sibling }), 'get', (f) => `/agents/${f.sibling}/context`, undefined, { volatile: ['time'] }],
  ['get_context', { full: true }, 'get', (f) => `/agents/${f.me}/context?full=true`, undefined, { volatile: ['time'] }],
  ['boot', {}, 'get', '/boot', undefined],

  // --- always-load ----------------------------------------------------------------------------
  ['get_always_load', { limit: 5 }, 'get', (f) => `/agents/${f.me}/context/always_load?limit=5`],
  ['get_always_load_item', (f) => ({ pkid: f.al }), 'get', (f) => `/agents/${f.me}/context/always_load/${f.al}`],
  ['create_always_load', { title: 'Voice', description: 'Warm', sort_order: 2 }, 'post', (f) => `/agents/${f.me}/context/always_load`, { title: 'Voice', description: 'Warm', sort_order: 2 }, { separate: true }],
  ['update_always_load', (f) => ({ pkid: f.al, title: 'Identity', description: null }), 'put', (f) => `/agents/${f.me}/context/always_load/${f.al}`, { title: 'Identity', description: null }],
  ['move_always_load', (f) => ({ pkid: f.alChild, parent_id: 0, sort_order: 4 }), 'put', (f) => `/agents/${f.me}/context/always_load/${f.alChild}`, { parent_id: 0, sort_order: 4 }],
  ['delete_always_load', (f) => ({ pkid: f.alDel[0] }), 'delete', (f) => `/agents/${f.me}/context/always_load/${f.alDel[1]}`, undefined, { separate: true }],

  // --- agent memories -------------------------------------------------------------------------
  ['get_memories', {}, 'get', (f) => `/agents/${f.me}/memories`],
  ['get_memories', (f) => ({ agent_name: f.sibling }), 'get', (f) => `/agents/${f.sibling}/memories`],
  ['get_memory', (f) => ({ pkid: f.mem }), 'get', (f) => `/agents/${f.me}/memories/${f.mem}`],
  ['create_memory', { title: 'Has a dog', description: 'Rex' }, 'post', (f) => `/agents/${f.me}/memories`, { title: 'Has a dog', description: 'Rex' }, { separate: true }],
  ['update_memory', (f) => ({ pkid: f.mem, description: 'Beagle' }), 'put', (f) => `/agents/${f.me}/memories/${f.mem}`, { description: 'Beagle' }],
  ['delete_memory', (f) => ({ pkid: f.memDel[0] }), 'delete', (f) => `/agents/${f.me}/memories/${f.memDel[1]}`, undefined, { separate: true }],

  // --- preferences ----------------------------------------------------------------------------
  ['get_preferences', {}, 'get', (f) => `/agents/${f.me}/preferences`],
  ['get_preference', (f) => ({ pkid: f.pref }), 'get', (f) => `/agents/${f.me}/preferences/${f.pref}`],
  ['get_preference_tree', {}, 'get', (f) => `/agents/${f.me}/preferences/tree`],
  ['create_preference', (f) => ({ title: 'Breakfast', parent_id: f.pref }), 'post', (f) => `/agents/${f.me}/preferences`, (f) => ({ title: 'Breakfast', parent_id: f.pref }), { separate: true }],
  ['update_preference', (f) => ({ pkid: f.pref, sort_order: 3 }), 'put', (f) => `/agents/${f.me}/preferences/${f.pref}`, { sort_order: 3 }],
  ['move_preference', (f) => ({ pkid: f.prefChild, parent_id: 0 }), 'put', (f) => `/agents/${f.me}/preferences/${f.prefChild}`, { parent_id: 0 }],
  ['delete_preference', (f) => ({ pkid: f.prefDel[0] }), 'delete', (f) => `/agents/${f.me}/preferences/${f.prefDel[1]}`, undefined, { separate: true }],

  // --- sessions -------------------------------------------------------------------------------
  ['create_session', { project: 'mnemo' }, 'post', '/sessions', { project: 'mnemo' }, { separate: true }],
  ['get_last_session', {}, 'get', '/sessions/last'],
  ['update_session_notes', (f) => ({ session_id: f.session, notes: 'Shipped' }), 'put', (f) => `/sessions/${f.session}/notes`, { notes: 'Shipped' }],

  // --- handoffs -------------------------------------------------------------------------------
  ['list_handoffs', {}, 'get', (f) => `/agents/${f.me}/handoffs`],
  ['list_handoffs', (f) => ({ agent_name: f.sibling, status: 'all', limit: 3 }), 'get', (f) => `/agents/${f.sibling}/handoffs?status=all&limit=3`],
  ['get_handoff', (f) => ({ agent_name: f.sibling, handoff_id: f.sent }), 'get', (f) => `/agents/${f.sibling}/handoffs/${f.sent}`],
  ['create_handoff', (f) => ({ agent_name: f.sibling, title: 'Continue', prompt: 'Step 3' }), 'post', (f) => `/agents/${f.sibling}/handoffs`, { title: 'Continue', prompt: 'Step 3' }, { separate: true }],
  ['pickup_handoff', (f) => ({ handoff_id: f.toPick[0] }), 'put', (f) => `/agents/${f.me}/handoffs/${f.toPick[1]}/pickup`, undefined, { separate: true }],
  ['delete_handoff', (f) => ({ handoff_id: f.toDelete[0] }), 'delete', (f) => `/agents/${f.me}/handoffs/${f.toDelete[1]}`, undefined, { separate: true }],
  ['list_sent_handoffs', {}, 'get', '/handoffs/sent'],

  // --- projects -------------------------------------------------------------------------------
  ['get_project_statuses', {}, 'get', '/project-statuses'],
  ['get_projects', {}, 'get', '/projects'],
  ['get_projects', { status: 'planning', limit: 2, offset: 1 }, 'get', '/projects?status=planning&limit=2&offset=1'],
  ['get_project', (f) => ({ project_id: f.project }), 'get', (f) => `/projects/${f.project}`],
  ['get_section', (f) => ({ project_id: f.project, section_id: f.section }), 'get', (f) => `/projects/${f.project}/sections/${f.section}`],
  ['create_project', { title: 'Mnemo', description: 'Memory', status_id: 2 }, 'post', '/projects', { title: 'Mnemo', description: 'Memory', status_id: 2 }, { separate: true }],
  ['create_section', (f) => ({ project_id: f.project, title: 'Docs', file_path: 'docs/a.md' }), 'post', (f) => `/projects/${f.project}/sections`, { title: 'Docs', file_path: 'docs/a.md' }, { separate: true }],
  ['update_project', (f) => ({ project_id: f.project, status_id: 3 }), 'put', (f) => `/projects/${f.project}`, { status_id: 3 }],
  ['update_section', (f) => ({ project_id: f.project, section_id: f.section, file_path: null }), 'put', (f) => `/projects/${f.project}/sections/${f.section}`, { file_path: null }],
  ['delete_project', (f) => ({ project_id: f.projectDel[0] }), 'delete', (f) => `/projects/${f.projectDel[1]}`, undefined, { separate: true }],
  ['delete_section', (f) => ({ project_id: f.project, section_id: f.sectionDel[0] }), 'delete', (f) => `/projects/${f.project}/sections/${f.sectionDel[1]}`, undefined, { separate: true }],

  // --- sharing --------------------------------------------------------------------------------
  ['share_object', (f) => ({ object_type_id: 1, object_id: f.project, shared_to_user_id: f.otherUser }), 'post', '/sharing', (f) => ({ object_type_id: 1, object_id: f.project, shared_to_user_id: f.otherUser }), { created: false, status: 200 }],
  ['share_object', (f) => ({ object_type_id: 1, object_id: f.toShare[0], shared_to_user_name: f.otherUserName, permission_level: 2 }), 'post', '/sharing', (f) => ({ object_type_id: 1, object_id: f.toShare[1], shared_to_user_name: f.otherUserName, permission_level: 2 }), { created: true, separate: true }],
  ['revoke_share', (f) => ({ share_id: f.shareDel[0] }), 'delete', (f) => `/sharing/${f.shareDel[1]}`, undefined, { separate: ['revoked'] }],
  ['revoke_share', (f) => ({ share_id: f.shareToLeave[0] }), 'delete', (f) => `/sharing/${f.shareToLeave[1]}`, undefined, { separate: ['left'] }],
  ['get_shared_by_me', {}, 'get', '/sharing/by-me'],
  ['get_shared_to_me', { limit: 1 }, 'get', '/sharing/to-me?limit=1'],

  // --- hints ----------------------------------------------------------------------------------
  ['get_hints', {}, 'get', '/hints'],
  ['get_hints_compact', { offset: 1 }, 'get', '/hints/compact?offset=1'],
  ['get_hint', (f) => ({ hint_id: f.category }), 'get', (f) => `/hints/${f.category}`],
  ['create_hint_category', { title: 'Git', description: 'Rebase' }, 'post', '/hint_categories', { title: 'Git', description: 'Rebase' }, { separate: true }],
  ['create_hint', (f) => ({ title: 'Commits', parent_id: f.category }), 'post', '/hints', (f) => ({ title: 'Commits', parent_id: f.category }), { separate: true }],
  ['update_hint', (f) => ({ hint_id: f.hint, title: 'Commit messages' }), 'put', (f) => `/hints/${f.hint}`, { title: 'Commit messages' }],
  ['delete_hint', (f) => ({ hint_id: f.hintDel[0] }), 'delete', (f) => `/hints/${f.hintDel[1]}`, undefined, { separate: true }],

  // --- nudges ---------------------------------------------------------------------------------
  ['get_nudges', {}, 'get', '/nudges'],
  ['get_nudge', (f) => ({ nudge_id: f.nudge }), 'get', (f) => `/nudges/${f.nudge}`],
  ['create_nudge', { title: 'Renew TLS', due_date: FAR }, 'post', '/nudges', { title: 'Renew TLS', due_date: FAR }, { separate: true }],
  ['update_nudge', (f) => ({ nudge_id: f.nudge, description: 'certbot' }), 'put', (f) => `/nudges/${f.nudge}`, { description: 'certbot' }],
  ['delete_nudge', (f) => ({ nudge_id: f.nudgeDel[0] }), 'delete', (f) => `/nudges/${f.nudgeDel[1]}`, undefined, { separate: true }],

  // --- wikis ----------------------------------------------------------------------------------
  ['get_wikis', {}, 'get', '/wikis'],
  ['get_wiki', (f) => ({ wiki_id: f.wiki }), 'get', (f) => `/wikis/${f.wiki}`],
  ['create_wiki', { title: 'Runbook' }, 'post', '/wikis', { title: 'Runbook' }, { separate: true }],
  ['update_wiki', (f) => ({ wiki_id: f.wiki, description: 'Ops' }), 'put', (f) => `/wikis/${f.wiki}`, { description: 'Ops' }],
  ['delete_wiki', (f) => ({ wiki_id: f.wikiDel[0] }), 'delete', (f) => `/wikis/${f.wikiDel[1]}`, undefined, { separate: true }],
  ['create_wiki_section', (f) => ({ wiki_id: f.wiki, title: 'Backups', tags: ['ops', 'pg'] }), 'post', (f) => `/wikis/${f.wiki}/sections`, { title: 'Backups', tags: ['ops', 'pg'] }, { separate: true }],
  ['get_wiki_section', (f) => ({ wiki_id: f.wiki, section_id: f.wikiSection }), 'get', (f) => `/wikis/${f.wiki}/sections/${f.wikiSection}`],
  ['update_wiki_section', (f) => ({ wiki_id: f.wiki, section_id: f.wikiSection, tags: ['ops', 'nightly'] }), 'put', (f) => `/wikis/${f.wiki}/sections/${f.wikiSection}`, { tags: ['ops', 'nightly'] }],
  ['delete_wiki_section', (f) => ({ wiki_id: f.wiki, section_id: f.wikiSectionDel[0] }), 'delete', (f) => `/wikis/${f.wiki}/sections/${f.wikiSectionDel[1]}`, undefined, { separate: true }],
  ['get_wiki_tags', (f) => ({ wiki_id: f.wiki }), 'get', (f) => `/wikis/${f.wiki}/tags`],
  ['search_wiki_tag', { tag: 'ops' }, 'get', '/wikis/tags/ops'],

  // --- secrets --------------------------------------------------------------------------------
  ['list_secrets', {}, 'get', '/secrets'],
  ['get_secret', (f) => ({ key: f.secret }), 'get', (f) => `/secrets/${f.secret}`],
  ['set_secret', (f) => ({ key: f.secret, value: 'v2' }), 'put', (f) => `/secrets/${f.secret}`, { value: 'v2' }, { created: false, status: 200 }],
  ['set_secret', (f) => ({ key: `${f.secret}-new-mcp`, value: 'v', readers: [f.me] }), 'put', (f) => `/secrets/${f.secret}-new-rest`, (f) => ({ value: 'v', readers: [f.me] }), { created: true, status: 201, separate: ['key'] }],
  ['delete_secret', (f) => ({ key: f.secretDel[0] }), 'delete', (f) => `/secrets/${f.secretDel[1]}`, undefined, { separate: true }],

  // --- scoped memories, reads and grants --------------------------------------------------------
  ['create_scoped_memory', (f) => ({ ...f.memoryBody, domain: 'drinks' }), 'post', '/memory', (f) => ({ ...f.memoryBody, domain: 'drinks' }), { separate: true }],
  ['list_scoped_memories', (f) => ({ user_id: f.subject, scope: 'preferences' }), 'get', (f) => `/memory?user_id=${f.subject}&scope=preferences`],
  ['list_scoped_memories', (f) => ({ user_id: f.subject, domain: null, include_expired: true, limit: 1 }), 'get', (f) => `/memory?user_id=${f.subject}&domain=&include_expired=true&limit=1`],
  ['delete_scoped_memory', (f) => ({ id: f.memoryDel[0] }), 'delete', (f) => `/memory/${f.memoryDel[1]}`, undefined, { noContent: (f) => ({ deleted: f.memoryDel[0] }) }],
  ['read_scoped_memories', (f) => ({ user_id: f.subject, scope: 'preferences', purpose: 'recommend a drink' }), 'post', '/memory/read', (f) => ({ user_id: f.subject, scope: 'preferences', purpose: 'recommend a drink' }), { separate: true, volatile: ['revocation_token'], status: 200 }],
  ['continue_scoped_read', (f) => ({ revocation_token: f.token }), 'post', '/memory/read/continue', (f) => ({ revocation_token: f.token }), { status: 200 }],
  ['revoke_read_grant', (f) => ({ revocation_token: f.tokensToRevoke[0] }), 'post', '/memory/revoke', (f) => ({ revocation_token: f.tokensToRevoke[1] }), { separate: true, status: 200 }],
  ['list_read_grants', (f) => ({ user_id: f.subject }), 'get', (f) => `/memory/grants?user_id=${f.subject}`],
  ['revoke_all_read_grants', (f) => ({ user_id: f.revokeAllSubjects[0] }), 'post', '/memory/revoke-all', (f) => ({ user_id: f.revokeAllSubjects[1] }), { status: 200 }],
  ['export_subject', (f) => ({ user_id: f.subject }), 'get', (f) => `/memory/export?user_id=${f.subject}`, undefined, { volatile: ['exported_at'] }],
  ['erase_subject', (f) => ({ user_id: f.eraseSubjects[0] }), 'delete', (f) => `/memory?user_id=${f.eraseSubjects[1]}`],

  // --- images (all kept, so that cleanup_images and POST /images/cleanup both find nothing to delete) ---
  ['upload_image', { data_base64: ONE_PIXEL_PNG, keep: true }, 'post', '/images', { data_base64: ONE_PIXEL_PNG, keep: true }, { separate: true, volatile: ['url', 'filename'] }],
  ['list_images', { limit: 50 }, 'get', '/images?limit=50', undefined, { volatile: ['url'] }],
  ['get_image', (f) => ({ image_id: f.image }), 'get', (f) => `/images/${f.image}`, undefined, { volatile: ['url'] }],
  ['update_image', (f) => ({ image_id: f.image, keep: true }), 'patch', (f) => `/images/${f.image}`, { keep: true }, { volatile: ['url'] }],
  ['delete_image', (f) => ({ image_id: f.imageDel[0], force: true }), 'delete', (f) => `/images/${f.imageDel[1]}?force=true`, undefined, { noContent: (f) => ({ deleted: f.imageDel[0] }) }],
  ['cleanup_images', {}, 'post', '/images/cleanup', undefined, { status: 200 }],

  // --- audit ----------------------------------------------------------------------------------
  ['query_audit', { limit: 50 }, 'get', '/audit?limit=50'],
  ['query_audit', { event_type: 'PROJECT_CREATE', limit: 2 }, 'get', '/audit?event_type=PROJECT_CREATE&limit=2'],
  ['verify_audit', {}, 'get', '/audit/verify', undefined, { volatile: ['events_checked', 'sealed_through_seq'] }],
];

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const ID_KEY = /^(id|pkid|deleted)$|_id$/;
const DOC_LINK = /\/doc\/\w+\/\d+\?exp=\d+&sig=[\w-]+$/;

/**
 * Where the tool's result and the REST body differ, as `path: tool value ≠ rest value`,
 * leaving out what the row allows to differ.
 */
function mismatches(tool: Json, rest: Json, options: Options, write: boolean, where = '$'): string[] {
  const key = where.split('.').pop()!.replace(/\[\d+\]$/, '');
  if (options.volatile?.includes(key)) return [];
  if (Array.isArray(tool) && Array.isArray(rest)) {
    if (tool.length !== rest.length) return [`${where}: ${tool.length} items ≠ ${rest.length} items`];
    return tool.flatMap((item, i) => mismatches(item, rest[i], options, write, `${where}[${i}]`));
  }
  if (tool && rest && typeof tool === 'object' && typeof rest === 'object' && !Array.isArray(tool) && !Array.isArray(rest)) {
    const keys = [...new Set([...Object.keys(tool), ...Object.keys(rest)])];
    return keys.flatMap((k) =>
      !(k in tool) ? [`${where}.${k}: only in REST`] : !(k in rest) ? [`${where}.${k}: only in the tool`] : mismatches(tool[k], rest[k], options, write, `${where}.${k}`),
    );
  }
  if (tool === rest) return [];
  const separate = options.separate;
  const idKeys = Array.isArray(separate) ? separate : [];
  if (separate && (ID_KEY.test(key) || idKeys.includes(key)) && typeof tool === typeof rest) return [];
  if ((separate || write) && typeof tool === 'string' && typeof rest === 'string' && ISO_TIME.test(tool) && ISO_TIME.test(rest)) return [];
  // Signed document links name their expiry minute: the same link, a minute apart, is signed anew.
  if (typeof tool === 'string' && typeof rest === 'string' && DOC_LINK.test(tool) && tool.replace(/\?.*$/, '') === rest.replace(/\?.*$/, '')) return [];
  return [`${where}: ${JSON.stringify(tool)} ≠ ${JSON.stringify(rest)}`];
}

/** A row's path with the fixture's names in braces, for the test's title: `/agents/{me}/memories/{mem}`. */
function pathTemplate(path: Val<string>): string {
  if (typeof path === 'string') return path;
  const names = new Proxy(
    {},
    {
      get: (_target, name) =>
        new Proxy({}, { get: (_t, sub) => (sub === Symbol.toPrimitive ? () => `{${String(name)}}` : `{${String(name)}[${String(sub)}]}`) }),
    },
  );
  return path(names);
}

const CASES = TABLE.map((row) => ({ label: `${row[0]} ≡ ${row[2].toUpperCase()} ${pathTemplate(row[3])}`, row }));

const ctx = useFixtures();
let me: TestAgent;
let mcp: Client;
let descriptions: Map<string, string>;
const fx: Fx = {};

const rest = (method: Method, path: string, body?: Json) => restAs(ctx, me, method, path, body);

const pair = async <T>(make: () => Promise<T>): Promise<[T, T]> => [await make(), await make()];
const resolveVal = <T>(value: Val<T>): T => (typeof value === 'function' ? (value as (f: Fx) => T)(fx) : value);

beforeAll(async () => {
  me = await ctx.newUser();
  const sibling = await ctx.newAgent(me);
  const other = await ctx.newUser();
  mcp = await ctx.mcp(me);
  descriptions = new Map((await mcp.listTools()).tools.map((tool) => [tool.name, tool.description ?? '']));
  Object.assign(fx, { me: me.agentName, sibling: sibling.agentName, otherUser: other.userId, otherUserName: other.userName });

  const al = (await ctx.newAlwaysLoad(me, { title: 'Identity', description: 'Who I am' })).pkid;
  fx.al = al;
  fx.alChild = (await ctx.newAlwaysLoad(me, { title: 'Tone', parent_id: al })).pkid;
  fx.alDel = await pair(async () => (await ctx.newAlwaysLoad(me, { title: 'Gone' })).pkid);
  await ctx.newAgentMemory(sibling, { title: 'Sibling memory' });

  fx.mem = (await ctx.newAgentMemory(me, { title: 'Has a cat', description: 'Tom' })).pkid;
  fx.memDel = await pair(async () => (await ctx.newAgentMemory(me, { title: 'Forget me' })).pkid);

  fx.pref = (await ctx.newPreference(me, { title: 'Food', description: 'Vegan' })).pkid;
  fx.prefChild = (await ctx.newPreference(me, { title: 'Lunch', parent_id: fx.pref })).pkid;
  fx.prefDel = await pair(async () => (await ctx.newPreference(me, { title: 'Music', parent_id: fx.pref })).pkid);

  fx.session = (await ctx.newSession(me, { project: 'parity' })).session_id;

  fx.sent = (await ctx.newHandoff(me, sibling.agentName, { title: 'For the sibling', prompt: 'Go' })).handoff_id;
  const toMe = () => ctx.newHandoff(sibling, me.agentName, { title: 'For me', prompt: 'Go' });
  fx.toPick = await pair(async () => (await toMe()).handoff_id);
  fx.toDelete = await pair(async () => (await toMe()).handoff_id);

  const project = async (title: string, owner = me) => (await ctx.newProject(owner, { title })).project_id;
  fx.project = await project('Parity');
  fx.section = (await ctx.newSection(me, fx.project, { title: 'Design', file_path: 'docs/design.md' })).section_id;
  await ctx.newSection(me, fx.project, { title: 'Layers', parent_id: fx.section });
  fx.sectionDel = await pair(async () => (await ctx.newSection(me, fx.project, { title: 'Old' })).section_id);
  fx.projectDel = await pair(() => project('Doomed'));
  fx.toShare = await pair(() => project('To share'));
  await ctx.share(me, 'project', fx.project, other);
  const share = async (owner: TestAgent, to: TestAgent) => (await ctx.share(owner, 'project', await project('Shared', owner), to)).share_id;
  fx.shareDel = await pair(() => share(me, other));
  fx.shareToLeave = await pair(() => share(other, me));

  fx.category = (await ctx.newHint(me, { title: 'Style', description: 'House style' })).hint_id;
  fx.hint = (await ctx.newHint(me, { title: 'Naming', parent_id: fx.category })).hint_id;
  fx.hintDel = await pair(async () => (await ctx.newHint(me, { title: 'Obsolete', parent_id: fx.category })).hint_id);

  fx.nudge = (await ctx.newNudge(me, { title: 'Rotate keys', due_date: FAR })).nudge_id;
  fx.nudgeDel = await pair(async () => (await ctx.newNudge(me, { title: 'Done', due_date: FAR })).nudge_id);

  fx.wiki = (await ctx.newWiki(me, { title: 'Ops', description: 'Runbook' })).wiki_id;
  fx.wikiSection = (await ctx.newWikiSection(me, fx.wiki, { title: 'Restore', tags: ['ops', 'pg'] })).section_id;
  fx.wikiSectionDel = await pair(async () => (await ctx.newWikiSection(me, fx.wiki, { title: 'Old', tags: ['ops'] })).section_id);
  fx.wikiDel = await pair(async () => (await ctx.newWiki(me, { title: 'Doomed' })).wiki_id);

  fx.secret = uniqueName('key');
  await ctx.newSecret(me, fx.secret, 'v1');
  fx.secretDel = [`${fx.secret}-del-mcp`, `${fx.secret}-del-rest`];
  for (const key of fx.secretDel) await ctx.newSecret(me, key, 'x');

  const image = async () => (await ctx.as(me, 'post', '/images', { data_base64: ONE_PIXEL_PNG, keep: true }).expect(201)).body.image_id as string;
  fx.image = await image();
  fx.imageDel = await pair(image);

  fx.subject = uniqueName('subject').replace(/-/g, '_');
  fx.memoryBody = { user_id: fx.subject, scope: 'preferences', source: 'explicit_user_input', ttl_days: 30, value_json: { likes: ['tea'], dislikes: ['milk'] } };
  await ctx.newScopedMemory(me, fx.memoryBody);
  await ctx.newScopedMemory(me, { ...fx.memoryBody, scope: 'schedule', value_json: [{ start: '09:00', end: '12:00', day: 'mon' }] });
  fx.memoryDel = await pair(async () => (await ctx.newScopedMemory(me, fx.memoryBody)).id);
  const read = (subject: string) => ctx.readScoped(me, { user_id: subject, scope: 'preferences', purpose_class: 'recommendation' });
  fx.token = await read(fx.subject);
  fx.tokensToRevoke = await pair(() => read(fx.subject));
  fx.revokeAllSubjects = [`${fx.subject}_ra1`, `${fx.subject}_ra2`];
  fx.eraseSubjects = [`${fx.subject}_er1`, `${fx.subject}_er2`];
  for (const subject of [...fx.revokeAllSubjects, ...fx.eraseSubjects]) {
    await ctx.newScopedMemory(me, { ...fx.memoryBody, user_id: subject });
    await read(subject);
  }
  // Reading the context is the nudges' reminder: it stamps them, so that a second read no longer lists them.
  // Read once here, so that get_context's tool and REST calls both find them reminded.
  await ctx.as(me, 'get', `/agents/${me.agentName}/context`).expect(200);
}, 120_000);

describe('MCP/REST parity', () => {
  it('every tool of tools/list has a parity row, or is listed (with its reason) as having no REST twin', () => {
    const tabled = new Set(TABLE.map(([tool]) => tool));
    const listed = [...descriptions.keys()].sort();
    expect(listed.filter((name) => !tabled.has(name) && !NO_REST_TWIN.includes(name))).toEqual([]);
    expect([...tabled, ...NO_REST_TWIN].filter((name) => !descriptions.has(name))).toEqual([]);
    expect(NO_REST_TWIN.filter((name) => tabled.has(name))).toEqual([]);
  });

  it.each(CASES)('$label', async ({ row: [tool, args, method, path, body, options = {}] }) => {
    const toolResult = await mcp.callTool({ name: tool, arguments: resolveVal(args) });
    const toolBody = toolJson(toolResult) as Json;
    if (toolResult.isError) throw new Error(`${tool} failed: ${JSON.stringify(toolBody)}`);
    const res = await rest(method, resolveVal(path), body === undefined ? undefined : resolveVal(body));
    if (res.status >= 300) throw new Error(`${method.toUpperCase()} ${resolveVal(path)}: ${res.status} ${res.text}`);

    if (options.noContent) {
      // REST has no body to compare: the tool returns what its description states.
      expect({ status: res.status, text: res.text }).toEqual({ status: 204, text: '' });
      expect(toolBody).toEqual(options.noContent(fx));
      expect(descriptions.get(tool)).toContain('REST answers 204');
      return;
    }
    const creates = method === 'post' && (Boolean(options.separate) || options.created !== undefined);
    expect(res.status).toBe(options.status ?? (creates ? 201 : 200));
    let compared = toolBody;
    if (options.created !== undefined) {
      // REST says it by status; the tool by `created`, which its description explains.
      const { created, ...rest } = toolBody;
      expect({ created, restStatus: res.status }).toEqual({ created: options.created, restStatus: options.created ? 201 : 200 });
      expect(descriptions.get(tool)).toMatch(/\bcreated\b.*201/);
      compared = rest;
    }
    expect(mismatches(compared, res.body, options, method !== 'get')).toEqual([]);
  });
});
