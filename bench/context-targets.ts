import { mcpHeaders, Target, toolCall } from './target';

/**
 * The agent-context side of the benchmark: what the context agent holds before
 * measuring (seeded through the REST API), and the two targets that read it —
 * GET /agents/{name}/context and the MCP tool get_context.
 *
 * The agent is the one whose key the service printed on its first start (it
 * may write only its own trees). Shape of what is seeded:
 *  - always-load: ALWAYS_LOAD_ROOTS roots, each the top of a subtree of
 *    SUBTREE_SIZE nodes (root -> 2 children -> 1 grandchild each):
 *    ALWAYS_LOAD_NODES nodes, three levels deep;
 *  - AGENT_MEMORIES memories;
 *  - preferences: PREFERENCE_ROOTS roots with the same subtree shape:
 *    PREFERENCE_NODES nodes (the context lists the roots only);
 *  - PENDING_HANDOFFS handoffs from the agent to itself, none picked up;
 *  - one session (POST /sessions {}).
 */

/** Nodes in each root's subtree: the root, 2 children, 1 grandchild under each child. */
const SUBTREE_SIZE = 5;
export const ALWAYS_LOAD_ROOTS = 40;
export const ALWAYS_LOAD_NODES = ALWAYS_LOAD_ROOTS * SUBTREE_SIZE; // 200
export const AGENT_MEMORIES = 500;
export const PREFERENCE_ROOTS = 10;
export const PREFERENCE_NODES = PREFERENCE_ROOTS * SUBTREE_SIZE; // 50
export const PENDING_HANDOFFS = 5;
/** Requests in flight while seeding. */
const SEED_CONCURRENCY = 8;

type TreeKind = 'always_load' | 'preferences';

const TREE_PATH: Record<TreeKind, string> = { always_load: 'context/always_load', preferences: 'preferences' };

const TOPICS = ['Voice', 'Formatting', 'Code review', 'Scheduling', 'Travel', 'Food', 'Writing', 'Tools', 'Family', 'Work'];
const FACTS = [
  'Has a dog named Rex who needs a walk at 7',
  'Prefers metric units and 24-hour times',
  'Is learning Portuguese on weekday mornings',
  'Works on the mnemo project, TypeScript and PostgreSQL',
  'Allergic to peanuts; fine with other nuts',
  'Lives in Denver, often travels to Berlin',
  'Drinks espresso, no sugar',
  'Plays chess on Sunday evenings',
];

function lorem(i: number, length: number): string {
  const words = ['keep', 'answers', 'short', 'direct', 'and', 'warm', 'cite', 'sources', 'ask', 'before', 'guessing', 'plain', 'words'];
  let text = '';
  for (let k = i; text.length < length; k += 7) text += (text ? ' ' : '') + words[k % words.length];
  return text.slice(0, length);
}

/** Runs `task(0..count-1)` with at most `concurrency` in flight; rejects on the first failure. */
export async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Seeds the context agent through the REST API (a few seconds: SEED_CONCURRENCY requests in flight). */
export async function seedContextAgent(baseUrl: string, apiKey: string, agentName: string): Promise<void> {
  const headers = { 'content-type': 'application/json', 'X-Api-Key': apiKey };
  const agentUrl = `${baseUrl}/agents/${encodeURIComponent(agentName)}`;
  const post = async (url: string, body: object, what: string): Promise<unknown> => {
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
    const text = await res.text();
    if (res.status !== 201) throw new Error(`seeding ${what}: POST ${url.slice(baseUrl.length)} answered ${res.status}: ${text.slice(0, 500)}`);
    return JSON.parse(text) as unknown;
  };

  const seedTree = async (kind: TreeKind, roots: number) => {
    const url = `${agentUrl}/${TREE_PATH[kind]}`;
    const create = async (title: string, parentId: number, i: number): Promise<number> => {
      const body = await post(url, { title, description: lorem(i, 120 + (i % 5) * 40), ...(parentId ? { parent_id: parentId } : {}) }, `${kind} ${title}`);
      const pkid = (body as { created?: { pkid?: unknown } }).created?.pkid;
      if (typeof pkid !== 'number') throw new Error(`seeding ${kind}: no created.pkid in ${JSON.stringify(body)}`);
      return pkid;
    };
    const rootIds: number[] = new Array<number>(roots);
    await pool(roots, SEED_CONCURRENCY, async (r) => {
      rootIds[r] = await create(`${TOPICS[r % TOPICS.length]} ${r + 1}`, 0, r);
    });
    const childIds: number[] = new Array<number>(roots * 2);
    await pool(roots * 2, SEED_CONCURRENCY, async (c) => {
      const r = Math.floor(c / 2);
      childIds[c] = await create(`${TOPICS[r % TOPICS.length]} ${r + 1}.${(c % 2) + 1}: ${lorem(c, 40)}`, rootIds[r], c);
    });
    await pool(roots * 2, SEED_CONCURRENCY, async (c) => {
      const r = Math.floor(c / 2);
      await create(`${TOPICS[r % TOPICS.length]} ${r + 1}.${(c % 2) + 1}.1: ${lorem(c + 3, 50)}`, childIds[c], c + 1);
    });
  };

  await seedTree('always_load', ALWAYS_LOAD_ROOTS);
  await seedTree('preferences', PREFERENCE_ROOTS);
  await pool(AGENT_MEMORIES, SEED_CONCURRENCY, async (i) => {
    await post(`${agentUrl}/memories`, { title: `${FACTS[i % FACTS.length]} (${i + 1})`, description: lorem(i, 80 + (i % 4) * 60) }, `memory ${i}`);
  });
  await pool(PENDING_HANDOFFS, SEED_CONCURRENCY, async (i) => {
    await post(`${agentUrl}/handoffs`, { title: `Continue task ${i + 1}`, prompt: `Pick up at step ${i + 1}: ${lorem(i, 300)}` }, `handoff ${i}`);
  });
  await post(`${baseUrl}/sessions`, {}, 'session');
}

interface ContextBody {
  agent?: unknown;
  time?: unknown;
  always_load?: { parent_id?: unknown }[];
  memories?: unknown[];
  preferences_manifest?: unknown[];
  last_session?: unknown;
  pending_handoffs?: unknown[];
}

/** Is `body` the seeded agent's context: every always-load node (nested ones too), every memory, the preference roots, the pending handoffs and the session? */
function isSeededContext(body: ContextBody | undefined, agentName: string): boolean {
  return (
    !!body &&
    body.agent === agentName &&
    typeof body.time === 'object' &&
    body.time !== null &&
    Array.isArray(body.always_load) &&
    body.always_load.length === ALWAYS_LOAD_NODES &&
    body.always_load.filter((n) => n.parent_id === 0).length === ALWAYS_LOAD_ROOTS &&
    Array.isArray(body.memories) &&
    body.memories.length === AGENT_MEMORIES &&
    Array.isArray(body.preferences_manifest) &&
    body.preferences_manifest.length === PREFERENCE_ROOTS &&
    Array.isArray(body.pending_handoffs) &&
    body.pending_handoffs.length === PENDING_HANDOFFS &&
    typeof body.last_session === 'object' &&
    body.last_session !== null
  );
}

/** GET /agents/{name}/context of the seeded agent. The body carries the current time: compared only once, before measuring. */
export function restContextTarget(apiKey: string, agentName: string): Target {
  return {
    name: 'GET /agents/{name}/context',
    method: 'GET',
    path: `/agents/${encodeURIComponent(agentName)}/context`,
    headers: { 'X-Api-Key': apiKey },
    variableResponse: true,
    check: (b) => isSeededContext(b as ContextBody, agentName),
  };
}

/** MCP tools/call get_context (no arguments: the caller's own context), same agent. */
export function mcpContextTarget(apiKey: string, agentName: string): Target {
  return {
    name: 'MCP tools/call get_context',
    method: 'POST',
    path: '/mcp',
    headers: mcpHeaders(apiKey),
    body: toolCall('get_context'),
    variableResponse: true,
    check: (b) => {
      const result = (b as { result?: { isError?: boolean; content?: { type?: string; text?: string }[] } }).result;
      const text = result?.content?.[0]?.text;
      return !!result && result.isError !== true && typeof text === 'string' && isSeededContext(JSON.parse(text) as ContextBody, agentName);
    },
  };
}

/** What the settings section of the results says about these targets. */
export function contextTargetsDescription(agentName: string): Record<string, string> {
  return {
    agent: agentName,
    seeded:
      `through the REST API before measuring (${SEED_CONCURRENCY} requests in flight): ${ALWAYS_LOAD_NODES} always-load nodes ` +
      `(${ALWAYS_LOAD_ROOTS} roots, each with 2 children with 1 child each), ${AGENT_MEMORIES} agent memories, ` +
      `${PREFERENCE_NODES} preferences (${PREFERENCE_ROOTS} roots, same shape), ${PENDING_HANDOFFS} pending handoffs to itself, one session`,
    rest: `GET /agents/${agentName}/context`,
    mcp: `POST /mcp ${toolCall('get_context')}`,
    checked_once:
      `200; always_load ${ALWAYS_LOAD_NODES} (${ALWAYS_LOAD_ROOTS} roots), memories ${AGENT_MEMORIES}, preferences_manifest ` +
      `${PREFERENCE_ROOTS}, pending_handoffs ${PENDING_HANDOFFS}, last_session set; MCP: not isError, the same JSON as its text content`,
  };
}
