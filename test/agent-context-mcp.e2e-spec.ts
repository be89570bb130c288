import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Response } from 'supertest';
import { connectMcp, toolJson } from './support/mcp-client';
import { startTestApp, TestAgent, TestApp, uniqueName } from './support/test-app';

/**
 * LucyAPI's agent-scoped API as MCP tools (issue 4, spec §4.4 tools 1–17, 50,
 * 51, 57–61), end to end with the official SDK client: every tool returns the
 * same JSON as its REST route for the same data, `agent_name` defaults to the
 * caller, the REST access rules and errors apply (tool errors, never protocol
 * errors), update/move/delete semantics, handoff pickup exactly once, session gap
 * detection, argument validation and the audit trail.
 *
 * Fixtures: user U1 (agents A1a, A1b, time zone America/Denver), user U2 (agent A2).
 */

type CallResult = Awaited<ReturnType<Client['callTool']>>;
type Json = Record<string, unknown>;
type Method = 'get' | 'post' | 'put' | 'delete';

interface ToolError {
  code: string;
  message: string;
  errors?: { field: string; message: string }[];
}

interface TreeNode {
  pkid: number;
  parent_id: number;
  title: string;
  description: string | null;
  sort_order: number;
  created_at: string;
  updated_at: string;
}

interface NestedNode extends TreeNode {
  children: NestedNode[];
}

interface NodeWithChildren {
  node: TreeNode;
  children: TreeNode[];
}

interface CreatedNode {
  created: { pkid: number; parent_id: number; title: string; sort_order: number };
}

interface UpdatedNode {
  updated: { pkid: number; parent_id: number; title: string; sort_order: number };
}

interface Memory {
  pkid: number;
  title: string;
  description: string | null;
  created_at: string;
  updated_at: string;
}

interface Handoff {
  handoff_id: number;
  title: string;
  prompt: string;
  created_by_agent: string | null;
  recipient: string;
  created_at: string;
  picked_up_at: string | null;
}

interface HandoffList {
  agent: string;
  handoffs: Handoff[];
  total: number;
  limit: number;
  offset: number;
}

interface SessionRow {
  session_id: number;
  started_at: string;
  project: string | null;
  notes: string | null;
}

interface Context {
  agent: string;
  time: { utc: string; local: string; tz: string; day: string; unix: number };
  always_load: { pkid: number; parent_id: number; title: string }[];
  memories: { pkid: number; title: string }[];
  preferences_manifest: { pkid: number; title: string }[];
  projects_manifest: unknown[];
  last_session: { session_id: number; started_at: string; project: string | null } | null;
  pending_handoffs: { handoff_id: number; title: string; created_by_agent: string | null; created_at: string }[];
  session?: { session_id: number; started_at: string };
  previous_session?: { session_id: number; started_at: string; project: string | null; gap_seconds: number } | null;
}

interface AuditRow {
  event_type: string;
  user_id: string;
  agent_id: string | null;
  request_id: string | null;
  subject: string | null;
  meta: Json | null;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const AGENT_NOT_FOUND: ToolError = { code: 'not_found', message: 'Agent not found' };
const NO_FIELDS: ToolError = { code: 'bad_request', message: 'No fields to update' };
const PARENT_RULE = 'parent_id must be 0 or a node of the same tree';

/** Every tool of this issue. */
const TOOLS = [
  'get_context',
  'get_always_load',
  'get_always_load_item',
  'create_always_load',
  'update_always_load',
  'move_always_load',
  'delete_always_load',
  'get_memories',
  'get_memory',
  'create_memory',
  'update_memory',
  'delete_memory',
  'get_preferences',
  'get_preference',
  'get_preference_tree',
  'create_preference',
  'update_preference',
  'move_preference',
  'delete_preference',
  'create_session',
  'get_last_session',
  'update_session_notes',
  'list_handoffs',
  'get_handoff',
  'create_handoff',
  'pickup_handoff',
  'delete_handoff',
  'list_sent_handoffs',
];

/** Tools whose REST route has no `{name}`: they act on the caller only. */
const CALLER_ONLY_TOOLS = ['create_session', 'get_last_session', 'update_session_notes', 'list_sent_handoffs'];

/** Required arguments (besides the optional agent_key and agent_name). */
const REQUIRED: Record<string, string[]> = {
  get_always_load_item: ['pkid'],
  create_always_load: ['title'],
  update_always_load: ['pkid'],
  move_always_load: ['parent_id', 'pkid'],
  delete_always_load: ['pkid'],
  get_memory: ['pkid'],
  create_memory: ['title'],
  update_memory: ['pkid'],
  delete_memory: ['pkid'],
  get_preference: ['pkid'],
  create_preference: ['title'],
  update_preference: ['pkid'],
  move_preference: ['parent_id', 'pkid'],
  delete_preference: ['pkid'],
  update_session_notes: ['notes', 'session_id'],
  get_handoff: ['handoff_id'],
  create_handoff: ['prompt', 'title'],
  pickup_handoff: ['handoff_id'],
  delete_handoff: ['handoff_id'],
};

/** Asserts a successful tool result and returns its JSON (text and structuredContent agree). */
function ok<T = Json>(result: CallResult): T {
  if (result.isError) throw new Error(`tool failed: ${JSON.stringify(toolJson(result))}`);
  const content = result.content as { type: string; text: string }[];
  expect(content).toHaveLength(1);
  expect(content[0].type).toBe('text');
  const json = toolJson(result);
  expect(result.structuredContent).toEqual(json);
  return json as T;
}

/** Asserts a successful result of get_context, whose (large) JSON comes as text only, and returns it. */
function okText<T = Json>(result: CallResult): T {
  if (result.isError) throw new Error(`tool failed: ${JSON.stringify(toolJson(result))}`);
  const content = result.content as { type: string; text: string }[];
  expect(content).toHaveLength(1);
  expect(content[0].type).toBe('text');
  expect(result.structuredContent).toBeUndefined();
  return toolJson(result) as T;
}

/** Asserts an `isError` tool result (not a protocol error) and returns its `error` object. */
function toolError(result: CallResult): ToolError {
  expect(result.isError).toBe(true);
  const json = toolJson(result) as { error: ToolError };
  expect(Object.keys(json)).toEqual(['error']);
  if (result.structuredContent !== undefined) expect(result.structuredContent).toEqual(json);
  return json.error;
}

/** A REST success body, asserting the status. */
function restOk<T = Json>(res: Response, status = 200): T {
  expect({ status: res.status, body: res.body as unknown }).toEqual({ status, body: expect.anything() });
  return res.body as T;
}

/** A REST problem as the MCP error object it should equal. */
function restError(res: Response, status: number): ToolError {
  expect({ status: res.status, code: (res.body as Json).code }).toEqual({ status, code: expect.any(String) });
  const body = res.body as { code: string; detail: string; errors?: ToolError['errors'] };
  return { code: body.code, message: body.detail, ...(body.errors ? { errors: body.errors } : {}) };
}

function withoutTime(context: Context): Omit<Context, 'time'> {
  const { time: _time, ...rest } = context;
  return rest;
}

describe('Agent context MCP tools (official SDK client over HTTP)', () => {
  let t: TestApp;
  let a1a: TestAgent;
  let a1b: TestAgent;
  let a2: TestAgent;
  let mcpA1a: Client;
  let mcpA1b: Client;
  let mcpA2: Client;
  const clients: Client[] = [];

  const key = (agent: TestAgent) => ({ 'X-Api-Key': agent.apiKey });
  const call = (client: Client, name: string, args: Json = {}) => client.callTool({ name, arguments: args });

  async function connect(headers: Record<string, string> = {}): Promise<Client> {
    const client = await connectMcp(t.baseUrl, headers);
    clients.push(client);
    return client;
  }


  function rest(agent: TestAgent, method: Method, path: string, body?: object): Promise<Response> {
    const req = t.http()[method](path).set(key(agent));
    return Promise.resolve(body === undefined ? req : req.send(body));
  }

  /** The newest audit sequence number (events after it belong to what a test does next). */
  async function lastSeq(): Promise<string> {
    const [row] = await t.db.query(`SELECT coalesce(max(seq), 0)::text AS seq FROM audit_events`);
    return row.seq as string;
  }

  /** A user's audit events after `since` (so the admin fixture events are left out). */
  async function auditOf(userId: string, since: string): Promise<AuditRow[]> {
    return t.db.query(
      `SELECT event_type, user_id, agent_id, request_id, subject, meta FROM audit_events
        WHERE user_id = $1 AND seq > $2 ORDER BY seq`,
      [userId, since],
    );
  }

  async function countEvents(eventType: string): Promise<number> {
    const [row] = await t.db.query(`SELECT count(*) AS n FROM audit_events WHERE event_type = $1`, [eventType]);
    return Number(row.n);
  }

  beforeAll(async () => {
    t = await startTestApp();
    a1a = await t.newAgent({ timezone: 'America/Denver' });
    a1b = await t.newSibling(a1a);
    a2 = await t.newAgent();
    mcpA1a = await connect(key(a1a));
    mcpA1b = await connect(key(a1b));
    mcpA2 = await connect(key(a2));
  });

  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await t?.close();
  });

  // ------------------------------------------------------------------------------------------
  describe('tools/list', () => {
    it('advertises every tool with an optional agent_key string', async () => {
      const { tools } = await mcpA1a.listTools();
      const byName = new Map(tools.map((tool) => [tool.name, tool]));
      for (const name of TOOLS) {
        const tool = byName.get(name);
        expect({ name, present: tool !== undefined }).toEqual({ name, present: true });
        expect(tool!.description).toEqual(expect.any(String));
        expect(tool!.inputSchema.type).toBe('object');
        expect(tool!.inputSchema.properties?.agent_key).toMatchObject({ type: 'string' });
        expect(tool!.inputSchema.required ?? []).not.toContain('agent_key');
      }
    });

    it('has an optional agent_name string on every tool whose REST route names an agent, and none on caller-only tools', async () => {
      const { tools } = await mcpA1a.listTools();
      const byName = new Map(tools.map((tool) => [tool.name, tool]));
      for (const name of TOOLS) {
        const schema = byName.get(name)!.inputSchema;
        if (CALLER_ONLY_TOOLS.includes(name)) {
          expect({ name, agent_name: schema.properties?.agent_name }).toEqual({ name, agent_name: undefined });
        } else {
          expect({ name, agent_name: schema.properties?.agent_name }).toEqual({
            name,
            agent_name: expect.objectContaining({ type: 'string' }),
          });
          expect(schema.required ?? []).not.toContain('agent_name');
        }
      }
    });

    it('requires exactly the arguments the REST route needs, with their types', async () => {
      const { tools } = await mcpA1a.listTools();
      const byName = new Map(tools.map((tool) => [tool.name, tool]));
      for (const name of TOOLS) {
        const required = [...(byName.get(name)!.inputSchema.required ?? [])].sort();
        expect({ name, required }).toEqual({ name, required: REQUIRED[name] ?? [] });
      }
      const props = (name: string) => byName.get(name)!.inputSchema.properties as Record<string, Json>;
      expect(props('get_always_load_item').pkid).toMatchObject({ type: 'integer' });
      expect(props('move_preference').parent_id).toMatchObject({ type: 'integer' });
      expect(props('get_handoff').handoff_id).toMatchObject({ type: 'integer' });
      expect(props('get_context').start_session).toMatchObject({ type: 'boolean' });
      expect(props('list_handoffs').status).toMatchObject({ enum: ['pending', 'picked_up', 'all'] });
      expect(Object.keys(props('create_always_load'))).toEqual(
        expect.arrayContaining(['title', 'description', 'parent_id', 'sort_order']),
      );
      expect(Object.keys(props('update_memory'))).toEqual(expect.arrayContaining(['pkid', 'title', 'description']));
      expect(Object.keys(props('get_memories'))).toEqual(expect.arrayContaining(['limit', 'offset']));
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('authentication of the caller', () => {
    it('an agent_key argument names the caller, so agent_name defaults to that agent', async () => {
      const anonymous = await connect();
      const title = uniqueName('by-key');
      const created = ok<{ created: { pkid: number } }>(
        await call(anonymous, 'create_memory', { agent_key: a1b.apiKey, title }),
      );
      const memory = restOk<Memory>(await rest(a1b, 'get', `/agents/${a1b.agentName}/memories/${created.created.pkid}`));
      expect(memory.title).toBe(title);
      // Not in A1a's memories.
      const own = restOk<{ memories: Memory[] }>(await rest(a1a, 'get', `/agents/${a1a.agentName}/memories`));
      expect(own.memories.map((m) => m.pkid)).not.toContain(created.created.pkid);
    });

    it('an unknown agent_key (or header key) is unauthorized "Invalid API key" and writes nothing', async () => {
      const anonymous = await connect();
      const forged = `${a1a.apiKey.slice(0, -4)}zzzz`;
      const forgedHeader = await connect({ 'X-Api-Key': forged });
      const since = await lastSeq();
      for (const [client, args] of [
        [anonymous, { agent_key: forged }],
        [forgedHeader, {}],
      ] as [Client, Json][]) {
        for (const [name, extra] of [
          ['get_context', {}],
          ['create_memory', { title: 'Forged' }],
          ['create_always_load', { title: 'Forged' }],
          ['create_handoff', { agent_name: a1a.agentName, title: 'Forged', prompt: 'x' }],
          ['create_session', {}],
        ] as [string, Json][]) {
          expect({ name, error: toolError(await call(client, name, { ...args, ...extra })) }).toEqual({
            name,
            error: { code: 'unauthorized', message: 'Invalid API key' },
          });
        }
      }
      const [rows] = await t.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE seq > $1`, [since]);
      expect(rows.n).toBe(0);
      for (const table of ['agent_memories', 'always_load', 'handoffs']) {
        const found: unknown[] = await t.db.query(`SELECT 1 FROM ${table} WHERE title = 'Forged'`);
        expect({ table, found }).toEqual({ table, found: [] });
      }
    });

    it('without any key every tool is an unauthorized tool error, not a protocol error', async () => {
      const anonymous = await connect();
      for (const name of ['get_context', 'get_memories', 'create_handoff', 'get_last_session']) {
        expect(toolError(await call(anonymous, name, { title: 'x', prompt: 'y' }))).toEqual({
          code: 'unauthorized',
          message: 'API key required',
        });
      }
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('get_context', () => {
    let owner: TestAgent;
    let helper: TestAgent;
    let mcpOwner: Client;
    let mcpHelper: Client;

    beforeAll(async () => {
      owner = await t.newAgent({ timezone: 'Europe/Berlin' });
      helper = await t.newSibling(owner);
      mcpOwner = await connect(key(owner));
      mcpHelper = await connect(key(helper));
    });

    it('of an agent without data: empty lists, no last session', async () => {
      const context = okText<Context>(await call(mcpOwner, 'get_context'));
      expect(withoutTime(context)).toEqual({
        agent: owner.agentName,
        always_load: [],
        memories: [],
        preferences_manifest: [],
        projects_manifest: [],
        last_session: null,
        pending_handoffs: [],
        hints_compact: [],
        actionable_nudges: [],
      });
      expect(context.time.tz).toBe('Europe/Berlin');
    });

    it('returns the same JSON as GET /agents/{name}/context (but the time), defaulting to the caller', async () => {
      const root = ok<CreatedNode>(await call(mcpOwner, 'create_always_load', { title: 'Voice', description: 'Warm' }));
      const child = ok<CreatedNode>(
        await call(mcpOwner, 'create_always_load', { title: 'Tone', parent_id: root.created.pkid }),
      );
      const memory = ok<{ created: { pkid: number } }>(await call(mcpOwner, 'create_memory', { title: 'Has a dog' }));
      const pref = ok<CreatedNode>(await call(mcpOwner, 'create_preference', { title: 'Food', description: 'Vegan' }));
      const subPref = ok<CreatedNode>(
        await call(mcpOwner, 'create_preference', { title: 'Breakfast', parent_id: pref.created.pkid }),
      );
      const session = ok<{ session_id: number }>(await call(mcpOwner, 'create_session', { project: 'mnemo' }));
      const handoff = ok<{ created: { handoff_id: number } }>(
        await call(mcpHelper, 'create_handoff', { agent_name: owner.agentName, title: 'Continue', prompt: 'Step 3' }),
      );

      const mcp = okText<Context>(await call(mcpOwner, 'get_context'));
      const viaRest = restOk<Context>(await rest(owner, 'get', `/agents/${owner.agentName}/context`));
      expect(withoutTime(mcp)).toEqual(withoutTime(viaRest));
      expect(Object.keys(mcp).sort()).toEqual(
        [
          'actionable_nudges',
          'agent',
          'always_load',
          'hints_compact',
          'last_session',
          'memories',
          'pending_handoffs',
          'preferences_manifest',
          'projects_manifest',
          'time',
        ],
      );
      expect(mcp.time).toEqual({
        utc: expect.stringMatching(ISO),
        local: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0[12]:00$/),
        tz: 'Europe/Berlin',
        day: expect.any(String),
        unix: expect.any(Number),
      });
      expect(mcp.always_load).toEqual([
        { pkid: root.created.pkid, parent_id: 0, title: 'Voice' },
        { pkid: child.created.pkid, parent_id: root.created.pkid, title: 'Tone' },
      ]);
      expect(mcp.memories).toEqual([{ pkid: memory.created.pkid, title: 'Has a dog' }]);
      expect(mcp.preferences_manifest).toEqual([{ pkid: pref.created.pkid, title: 'Food' }]);
      expect(mcp.preferences_manifest.map((p) => p.pkid)).not.toContain(subPref.created.pkid);
      expect(mcp.projects_manifest).toEqual([]);
      expect(mcp.last_session).toEqual({ session_id: session.session_id, started_at: expect.stringMatching(ISO), project: 'mnemo' });
      expect(mcp.pending_handoffs).toEqual([
        { handoff_id: handoff.created.handoff_id, title: 'Continue', created_by_agent: helper.agentName, created_at: expect.stringMatching(ISO) },
      ]);
    });

    it('a sibling may read it with agent_name: the same JSON as the owner sees', async () => {
      const own = okText<Context>(await call(mcpOwner, 'get_context'));
      const bySibling = okText<Context>(await call(mcpHelper, 'get_context', { agent_name: owner.agentName }));
      expect(withoutTime(bySibling)).toEqual(withoutTime(own));
      const viaRest = restOk<Context>(await rest(helper, 'get', `/agents/${owner.agentName}/context`));
      expect(withoutTime(bySibling)).toEqual(withoutTime(viaRest));
    });

    it('another user’s agent or an unknown name: not_found "Agent not found", as REST', async () => {
      expect(toolError(await call(mcpA2, 'get_context', { agent_name: owner.agentName }))).toEqual(AGENT_NOT_FOUND);
      expect(restError(await rest(a2, 'get', `/agents/${owner.agentName}/context`), 404)).toEqual(AGENT_NOT_FOUND);
      expect(toolError(await call(mcpOwner, 'get_context', { agent_name: 'nobody-at-all' }))).toEqual(AGENT_NOT_FOUND);
      expect(restError(await rest(owner, 'get', '/agents/nobody-at-all/context'), 404)).toEqual(AGENT_NOT_FOUND);
    });

    it('start_session: true records a session and reports previous_session (null the first time) with gap_seconds', async () => {
      const fresh = await t.newAgent();
      const client = await connect(key(fresh));

      const first = okText<Context>(await call(client, 'get_context', { start_session: true }));
      expect(first.previous_session).toBeNull();
      expect(first.session).toEqual({ session_id: expect.any(Number), started_at: expect.stringMatching(ISO) });
      expect(first.last_session).toBeNull(); // read before this start
      const rows: { session_id: number; agent_id: string }[] = await t.db.query(
        `SELECT session_id, agent_id FROM sessions WHERE agent_id = $1`,
        [fresh.agentId],
      );
      expect(rows).toEqual([{ session_id: first.session!.session_id, agent_id: fresh.agentId }]);

      // The previous start was an hour ago.
      await t.db.query(`UPDATE sessions SET started_at = now() - interval '3600 seconds' WHERE session_id = $1`, [
        first.session!.session_id,
      ]);
      const second = okText<Context>(await call(client, 'get_context', { start_session: true }));
      expect(second.previous_session).toEqual({
        session_id: first.session!.session_id,
        started_at: expect.stringMatching(ISO),
        project: null,
        gap_seconds: expect.any(Number),
      });
      expect(second.previous_session!.gap_seconds).toBeGreaterThanOrEqual(3600);
      expect(second.previous_session!.gap_seconds).toBeLessThan(3660);
      expect(second.session!.session_id).not.toBe(first.session!.session_id);
      expect(second.last_session?.session_id).toBe(first.session!.session_id);

      // Same shape as REST ?start_session=true.
      const viaRest = restOk<Context>(await rest(fresh, 'get', `/agents/${fresh.agentName}/context?start_session=true`));
      expect(Object.keys(viaRest).sort()).toEqual(Object.keys(second).sort());
      expect(viaRest.previous_session?.session_id).toBe(second.session!.session_id);
      expect(viaRest.previous_session!.gap_seconds).toBeGreaterThanOrEqual(0);
      expect(viaRest.previous_session!.gap_seconds).toBeLessThan(60);

      // Without start_session no session is recorded and no session keys appear.
      const plain = okText<Context>(await call(client, 'get_context', { start_session: false }));
      expect(plain).not.toHaveProperty('session');
      expect(plain).not.toHaveProperty('previous_session');
      const [count] = await t.db.query(`SELECT count(*) AS n FROM sessions WHERE agent_id = $1`, [fresh.agentId]);
      expect(Number(count.n)).toBe(3);
    });

    it('start_session on a sibling’s context records the caller’s session, not the named agent’s', async () => {
      const before: unknown[] = await t.db.query(`SELECT 1 FROM sessions WHERE agent_id = $1`, [owner.agentId]);
      okText<Context>(await call(mcpHelper, 'get_context', { agent_name: owner.agentName, start_session: true }));
      const after: unknown[] = await t.db.query(`SELECT 1 FROM sessions WHERE agent_id = $1`, [owner.agentId]);
      expect(after.length).toBe(before.length);
      const helperSessions: unknown[] = await t.db.query(`SELECT 1 FROM sessions WHERE agent_id = $1`, [helper.agentId]);
      expect(helperSessions.length).toBe(1);
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('get_always_load', () => {
    it('flat rows with descriptions by (parent_id, sort_order, pkid): the same JSON as REST, defaulting to the caller', async () => {
      const agent = await t.newAgent();
      const client = await connect(key(agent));
      const r1 = ok<CreatedNode>(await call(client, 'create_always_load', { title: 'R1', description: 'd1', sort_order: 5 }));
      const r2 = ok<CreatedNode>(await call(client, 'create_always_load', { title: 'R2' }));
      const c1 = ok<CreatedNode>(await call(client, 'create_always_load', { title: 'C1', parent_id: r1.created.pkid }));

      const mcp = ok<{ agent: string; always_load: TreeNode[]; total: number; limit: number; offset: number }>(
        await call(client, 'get_always_load'),
      );
      expect(mcp).toEqual(restOk(await rest(agent, 'get', `/agents/${agent.agentName}/context/always_load`)));
      expect(mcp.agent).toBe(agent.agentName);
      expect(mcp.always_load.map((n) => n.pkid)).toEqual([r2.created.pkid, r1.created.pkid, c1.created.pkid]);
      expect(mcp.always_load[1]).toEqual({
        pkid: r1.created.pkid,
        parent_id: 0,
        title: 'R1',
        description: 'd1',
        sort_order: 5,
        created_at: expect.stringMatching(ISO),
        updated_at: expect.stringMatching(ISO),
      });
      expect({ total: mcp.total, limit: mcp.limit, offset: mcp.offset }).toEqual({ total: 3, limit: 200, offset: 0 });

      const page = ok(await call(client, 'get_always_load', { limit: 1, offset: 1 }));
      expect(page).toEqual(restOk(await rest(agent, 'get', `/agents/${agent.agentName}/context/always_load?limit=1&offset=1`)));
      expect(page).toMatchObject({ total: 3, limit: 1, offset: 1, always_load: [{ pkid: r1.created.pkid }] });
    });
  });

  describe('get_preferences and get_preference_tree', () => {
    it('the manifest is root preferences only and the tree is nested with descriptions, as REST', async () => {
      const agent = await t.newAgent();
      const sib = await t.newSibling(agent);
      const client = await connect(key(agent));
      const sibClient = await connect(key(sib));
      const food = ok<CreatedNode>(await call(client, 'create_preference', { title: 'Food', description: 'Vegan' }));
      const music = ok<CreatedNode>(await call(client, 'create_preference', { title: 'Music' }));
      const breakfast = ok<CreatedNode>(
        await call(client, 'create_preference', { title: 'Breakfast', description: 'Oats', parent_id: food.created.pkid }),
      );
      const early = ok<CreatedNode>(await call(client, 'create_preference', { title: 'Early', parent_id: breakfast.created.pkid }));

      const manifest = ok(await call(client, 'get_preferences'));
      expect(manifest).toEqual(restOk(await rest(agent, 'get', `/agents/${agent.agentName}/preferences`)));
      expect(manifest).toEqual({
        agent: agent.agentName,
        preferences: [
          { pkid: food.created.pkid, title: 'Food', sort_order: 0 },
          { pkid: music.created.pkid, title: 'Music', sort_order: 0 },
        ],
        total: 2,
        limit: 200,
        offset: 0,
      });
      expect(ok(await call(sibClient, 'get_preferences', { agent_name: agent.agentName }))).toEqual(manifest);
      expect(ok(await call(client, 'get_preferences', { limit: 1, offset: 1 }))).toEqual({
        agent: agent.agentName,
        preferences: [{ pkid: music.created.pkid, title: 'Music', sort_order: 0 }],
        total: 2,
        limit: 1,
        offset: 1,
      });

      const tree = ok<{ agent: string; preferences: NestedNode[] }>(await call(client, 'get_preference_tree'));
      expect(tree).toEqual(restOk(await rest(agent, 'get', `/agents/${agent.agentName}/preferences/tree`)));
      expect(ok(await call(sibClient, 'get_preference_tree', { agent_name: agent.agentName }))).toEqual(tree);
      expect(tree.agent).toBe(agent.agentName);
      const shape = (nodes: NestedNode[]): unknown =>
        nodes.map((n) => ({ pkid: n.pkid, description: n.description, children: shape(n.children) }));
      expect(shape(tree.preferences)).toEqual([
        {
          pkid: food.created.pkid,
          description: 'Vegan',
          children: [{ pkid: breakfast.created.pkid, description: 'Oats', children: [{ pkid: early.created.pkid, description: null, children: [] }] }],
        },
        { pkid: music.created.pkid, description: null, children: [] },
      ]);

      expect(toolError(await call(mcpA2, 'get_preferences', { agent_name: agent.agentName }))).toEqual(AGENT_NOT_FOUND);
      expect(toolError(await call(mcpA2, 'get_preference_tree', { agent_name: agent.agentName }))).toEqual(AGENT_NOT_FOUND);
      expect(toolError(await call(client, 'get_preference_tree', { agent_name: 'nobody-at-all' }))).toEqual(AGENT_NOT_FOUND);
    });
  });

  // ------------------------------------------------------------------------------------------
  interface TreeSpec {
    kind: 'always_load' | 'preferences';
    path: string;
    item: string;
    create: string;
    update: string;
    move: string;
    remove: string;
    notFound: string;
    event: string;
  }

  const TREES: TreeSpec[] = [
    {
      kind: 'always_load',
      path: 'context/always_load',
      item: 'get_always_load_item',
      create: 'create_always_load',
      update: 'update_always_load',
      move: 'move_always_load',
      remove: 'delete_always_load',
      notFound: 'Node not found',
      event: 'ALWAYS_LOAD',
    },
    {
      kind: 'preferences',
      path: 'preferences',
      item: 'get_preference',
      create: 'create_preference',
      update: 'update_preference',
      move: 'move_preference',
      remove: 'delete_preference',
      notFound: 'Preference not found',
      event: 'PREFERENCE',
    },
  ];

  describe.each(TREES)('$kind tree tools', (tree) => {
    const url = (agent: TestAgent, suffix = '') => `/agents/${agent.agentName}/${tree.path}${suffix}`;
    const notFound: ToolError = { code: 'not_found', message: tree.notFound };

    async function mk(client: Client, args: Json): Promise<number> {
      return ok<CreatedNode>(await call(client, tree.create, args)).created.pkid;
    }

    async function nodeOf(agent: TestAgent, pkid: number): Promise<NodeWithChildren> {
      return restOk<NodeWithChildren>(await rest(agent, 'get', url(agent, `/${pkid}`)));
    }

    it(`${tree.create} without agent_name writes to the caller's tree; the answer has the REST shape`, async () => {
      const title = uniqueName('node');
      const mcp = ok<CreatedNode>(await call(mcpA1a, tree.create, { title, description: 'About me' }));
      expect(mcp).toEqual({ created: { pkid: expect.any(Number), parent_id: 0, title, sort_order: 0 } });
      const viaRest = restOk<CreatedNode>(await rest(a1a, 'post', url(a1a), { title: `${title}-rest` }), 201);
      expect(Object.keys(viaRest.created).sort()).toEqual(Object.keys(mcp.created).sort());

      const stored = await nodeOf(a1a, mcp.created.pkid);
      expect(stored.node).toMatchObject({ pkid: mcp.created.pkid, parent_id: 0, title, description: 'About me', sort_order: 0 });
      // Explicitly naming oneself is the same as the default.
      const named = ok<CreatedNode>(
        await call(mcpA1a, tree.create, { agent_name: a1a.agentName, title, parent_id: mcp.created.pkid, sort_order: 2 }),
      );
      expect(named.created).toMatchObject({ parent_id: mcp.created.pkid, title, sort_order: 2 });
      expect((await nodeOf(a1a, mcp.created.pkid)).children.map((c) => c.pkid)).toEqual([named.created.pkid]);
    });

    it(`${tree.item}: node and children, the same JSON as REST, for the owner (default) and a sibling (agent_name)`, async () => {
      const root = await mk(mcpA1a, { title: 'Root', description: 'r' });
      const second = await mk(mcpA1a, { title: 'Second', parent_id: root, sort_order: 1 });
      const first = await mk(mcpA1a, { title: 'First', parent_id: root, sort_order: 0 });
      const grand = await mk(mcpA1a, { title: 'Grand', parent_id: first });

      const own = ok<NodeWithChildren>(await call(mcpA1a, tree.item, { pkid: root }));
      expect(own).toEqual(await nodeOf(a1a, root));
      expect(own.node).toMatchObject({ pkid: root, parent_id: 0, title: 'Root', description: 'r' });
      expect(own.children.map((c) => c.pkid)).toEqual([first, second]);
      expect(own.children.map((c) => c.pkid)).not.toContain(grand);

      const bySibling = ok(await call(mcpA1b, tree.item, { agent_name: a1a.agentName, pkid: root }));
      expect(bySibling).toEqual(own);
      expect(bySibling).toEqual(restOk(await rest(a1b, 'get', url(a1a, `/${root}`))));
    });

    it(`${tree.item} of a missing pkid, or one of another agent's tree: not_found "${tree.notFound}", as REST`, async () => {
      const ofSibling = await mk(mcpA1b, { title: 'Sibling node' });
      for (const pkid of [2_000_000_000, ofSibling]) {
        expect(toolError(await call(mcpA1a, tree.item, { pkid }))).toEqual(notFound);
        expect(restError(await rest(a1a, 'get', url(a1a, `/${pkid}`)), 404)).toEqual(notFound);
      }
    });

    it(`${tree.update}: absent fields unchanged, description null clears; same result as REST PUT`, async () => {
      const pkid = await mk(mcpA1a, { title: 'Before', description: 'Keep me', sort_order: 3 });

      const retitled = ok<UpdatedNode>(await call(mcpA1a, tree.update, { pkid, title: 'After' }));
      expect(retitled).toEqual({ updated: { pkid, parent_id: 0, title: 'After', sort_order: 3 } });
      expect((await nodeOf(a1a, pkid)).node).toMatchObject({ title: 'After', description: 'Keep me', sort_order: 3 });

      const cleared = ok<UpdatedNode>(await call(mcpA1a, tree.update, { pkid, description: null }));
      expect(cleared).toEqual(retitled);
      expect((await nodeOf(a1a, pkid)).node).toMatchObject({ title: 'After', description: null, sort_order: 3 });

      const described = ok<UpdatedNode>(await call(mcpA1a, tree.update, { pkid, description: 'New text', sort_order: 1 }));
      expect((await nodeOf(a1a, pkid)).node).toMatchObject({ title: 'After', description: 'New text', sort_order: 1 });

      // The same body through REST gives the same answer.
      const body = { description: 'New text', sort_order: 1 };
      expect(restOk(await rest(a1a, 'put', url(a1a, `/${pkid}`), body))).toEqual(described);
    });

    it(`${tree.update} with no fields → bad_request "No fields to update" (before existence); title null → validation_failed`, async () => {
      const pkid = await mk(mcpA1a, { title: 'Untouched', description: 'd' });
      expect(toolError(await call(mcpA1a, tree.update, { pkid }))).toEqual(NO_FIELDS);
      expect(restError(await rest(a1a, 'put', url(a1a, `/${pkid}`), {}), 400)).toEqual(NO_FIELDS);
      // Body validation comes before the existence check.
      expect(toolError(await call(mcpA1a, tree.update, { pkid: 2_000_000_000 }))).toEqual(NO_FIELDS);

      const nullTitle = toolError(await call(mcpA1a, tree.update, { pkid, title: null }));
      expect(nullTitle.code).toBe('validation_failed');
      expect(nullTitle.errors?.map((e) => e.field)).toEqual(['title']);
      expect(nullTitle.message).toContain('title');
      expect(nullTitle).toEqual(restError(await rest(a1a, 'put', url(a1a, `/${pkid}`), { title: null }), 422));

      expect((await nodeOf(a1a, pkid)).node).toMatchObject({ title: 'Untouched', description: 'd' });
    });

    it(`${tree.update} of a missing node → not_found "${tree.notFound}", as REST`, async () => {
      expect(toolError(await call(mcpA1a, tree.update, { pkid: 2_000_000_000, title: 'x' }))).toEqual(notFound);
      expect(restError(await rest(a1a, 'put', url(a1a, '/2000000000'), { title: 'x' }), 404)).toEqual(notFound);
    });

    it(`${tree.create} under a missing parent or a parent of another agent's tree → validation_failed on parent_id`, async () => {
      const foreignParent = await mk(mcpA1b, { title: 'A1b parent' });
      for (const parent_id of [2_000_000_000, foreignParent]) {
        const error = toolError(await call(mcpA1a, tree.create, { title: 'Orphan', parent_id }));
        expect(error).toEqual({
          code: 'validation_failed',
          message: PARENT_RULE,
          errors: [{ field: 'parent_id', message: PARENT_RULE }],
        });
        expect(restError(await rest(a1a, 'post', url(a1a), { title: 'Orphan', parent_id }), 422)).toEqual(error);
      }
      const orphans: unknown[] = await t.db.query(`SELECT 1 FROM ${tree.kind} WHERE agent_id = $1 AND title = 'Orphan'`, [
        a1a.agentId,
      ]);
      expect(orphans).toEqual([]);
    });

    it(`${tree.move} moves a subtree and refuses cycles and missing or foreign parents with validation_failed`, async () => {
      const r = await mk(mcpA1a, { title: 'R' });
      const c = await mk(mcpA1a, { title: 'C', parent_id: r });
      const g = await mk(mcpA1a, { title: 'G', parent_id: c });
      const s = await mk(mcpA1a, { title: 'S' });
      const foreign = await mk(mcpA1b, { title: 'Foreign' });

      for (const target of [r, c, g]) {
        const cycle = toolError(await call(mcpA1a, tree.move, { pkid: r, parent_id: target }));
        expect(cycle.code).toBe('validation_failed');
        expect(cycle.errors?.map((e) => e.field)).toEqual(['parent_id']);
        expect(cycle).toEqual(restError(await rest(a1a, 'put', url(a1a, `/${r}`), { parent_id: target }), 422));
      }
      for (const parent_id of [2_000_000_000, foreign]) {
        expect(toolError(await call(mcpA1a, tree.move, { pkid: c, parent_id }))).toEqual({
          code: 'validation_failed',
          message: PARENT_RULE,
          errors: [{ field: 'parent_id', message: PARENT_RULE }],
        });
      }
      // Nothing moved.
      expect((await nodeOf(a1a, r)).node.parent_id).toBe(0);
      expect((await nodeOf(a1a, c)).node.parent_id).toBe(r);

      const moved = ok<UpdatedNode>(await call(mcpA1a, tree.move, { pkid: c, parent_id: s, sort_order: 4 }));
      expect(moved).toEqual({ updated: { pkid: c, parent_id: s, title: 'C', sort_order: 4 } });
      expect((await nodeOf(a1a, s)).children.map((n) => n.pkid)).toEqual([c]);
      expect((await nodeOf(a1a, r)).children).toEqual([]);
      expect((await nodeOf(a1a, c)).children.map((n) => n.pkid)).toEqual([g]); // the subtree came along

      // Now R may go under G (no longer its descendant); then back to the root.
      expect(ok<UpdatedNode>(await call(mcpA1a, tree.move, { pkid: r, parent_id: g })).updated.parent_id).toBe(g);
      const toRoot = ok<UpdatedNode>(await call(mcpA1a, tree.move, { pkid: r, parent_id: 0 }));
      expect(toRoot).toEqual({ updated: { pkid: r, parent_id: 0, title: 'R', sort_order: 0 } });
      // REST PUT with the same body answers the same.
      expect(restOk(await rest(a1a, 'put', url(a1a, `/${r}`), { parent_id: 0 }))).toEqual(toRoot);

      expect(toolError(await call(mcpA1a, tree.move, { pkid: 2_000_000_000, parent_id: 0 }))).toEqual(notFound);
    });

    it(`${tree.remove} deletes the subtree, reports descendants_deleted and never touches another agent's nodes`, async () => {
      const r = await mk(mcpA1a, { title: 'R' });
      const c = await mk(mcpA1a, { title: 'C', parent_id: r });
      const g = await mk(mcpA1a, { title: 'G', parent_id: c });
      const keep = await mk(mcpA1a, { title: 'Keep' });
      // A node of another agent pointing at R's pkid (the API refuses that; write it directly).
      const [other] = await t.db.query(
        `INSERT INTO ${tree.kind} (user_id, agent_id, parent_id, title) VALUES ($1, $2, $3, 'Not yours') RETURNING pkid`,
        [a1b.userId, a1b.agentId, r],
      );

      expect(ok(await call(mcpA1a, tree.remove, { pkid: r }))).toEqual({ deleted: r, descendants_deleted: 2 });
      for (const pkid of [r, c, g]) {
        expect(toolError(await call(mcpA1a, tree.item, { pkid }))).toEqual(notFound);
      }
      expect(ok<NodeWithChildren>(await call(mcpA1a, tree.item, { pkid: keep })).node.pkid).toBe(keep);
      const survivor: unknown[] = await t.db.query(`SELECT 1 FROM ${tree.kind} WHERE pkid = $1 AND agent_id = $2`, [
        other.pkid,
        a1b.agentId,
      ]);
      expect(survivor).toHaveLength(1);

      // Missing (or already deleted) → not_found, as REST.
      expect(toolError(await call(mcpA1a, tree.remove, { pkid: r }))).toEqual(notFound);
      expect(restError(await rest(a1a, 'delete', url(a1a, `/${r}`)), 404)).toEqual(notFound);
      // Another agent's node under one's own name → not_found too.
      expect(toolError(await call(mcpA1a, tree.remove, { pkid: other.pkid }))).toEqual(notFound);

      // A leaf: 0 descendants; REST gives the same shape.
      expect(ok(await call(mcpA1a, tree.remove, { pkid: keep }))).toEqual({ deleted: keep, descendants_deleted: 0 });
      const leaf = await mk(mcpA1a, { title: 'Leaf' });
      expect(restOk(await rest(a1a, 'delete', url(a1a, `/${leaf}`)))).toEqual({ deleted: leaf, descendants_deleted: 0 });
    });

    it(`a sibling (A1b) writing A1a's ${tree.kind} → forbidden "Only the named agent may …", as REST; nothing changes`, async () => {
      const pkid = await mk(mcpA1a, { title: 'Mine', description: 'mine' });
      const cases: [string, Json, Method, string, object | undefined, string][] = [
        [tree.create, { title: 'Intruder' }, 'post', '', { title: 'Intruder' }, `write to its ${tree.kind}`],
        [tree.update, { pkid, title: 'Intruder' }, 'put', `/${pkid}`, { title: 'Intruder' }, `modify its ${tree.kind}`],
        [tree.move, { pkid, parent_id: 0, sort_order: 9 }, 'put', `/${pkid}`, { parent_id: 0, sort_order: 9 }, `modify its ${tree.kind}`],
        [tree.remove, { pkid }, 'delete', `/${pkid}`, undefined, `delete its ${tree.kind}`],
      ];
      for (const [tool, args, method, suffix, body, action] of cases) {
        const expected = { code: 'forbidden', message: `Only the named agent may ${action}` };
        expect(toolError(await call(mcpA1b, tool, { agent_name: a1a.agentName, ...args }))).toEqual(expected);
        expect(restError(await rest(a1b, method, url(a1a, suffix), body), 403)).toEqual(expected);
      }
      expect((await nodeOf(a1a, pkid)).node).toMatchObject({ title: 'Mine', description: 'mine', sort_order: 0 });
      const intruders: unknown[] = await t.db.query(`SELECT 1 FROM ${tree.kind} WHERE title = 'Intruder'`);
      expect(intruders).toEqual([]);
    });

    it(`another user's agent (A2) or an unknown name → not_found "Agent not found" for reads and writes, as REST`, async () => {
      const pkid = await mk(mcpA1a, { title: 'Private' });
      const listTool = tree.kind === 'always_load' ? 'get_always_load' : 'get_preferences';
      const cases: [string, Json, Method, string, object | undefined][] = [
        [listTool, {}, 'get', '', undefined],
        [tree.item, { pkid }, 'get', `/${pkid}`, undefined],
        [tree.create, { title: 'Intruder' }, 'post', '', { title: 'Intruder' }],
        [tree.update, { pkid, title: 'Intruder' }, 'put', `/${pkid}`, { title: 'Intruder' }],
        [tree.move, { pkid, parent_id: 0 }, 'put', `/${pkid}`, { parent_id: 0 }],
        [tree.remove, { pkid }, 'delete', `/${pkid}`, undefined],
      ];
      for (const [tool, args, method, suffix, body] of cases) {
        expect(toolError(await call(mcpA2, tool, { agent_name: a1a.agentName, ...args }))).toEqual(AGENT_NOT_FOUND);
        expect(restError(await rest(a2, method, url(a1a, suffix), body), 404)).toEqual(AGENT_NOT_FOUND);
        expect(toolError(await call(mcpA1a, tool, { agent_name: 'nobody-at-all', ...args }))).toEqual(AGENT_NOT_FOUND);
      }
      expect((await nodeOf(a1a, pkid)).node.title).toBe('Private');
    });

    it(`writes are audited as ${tree.event}_CREATE|UPDATE|DELETE with the calling agent`, async () => {
      const agent = await t.newAgent();
      const client = await connect(key(agent));
      const since = await lastSeq();
      const pkid = await mk(client, { title: 'Audited' });
      ok(await call(client, tree.update, { pkid, title: 'Audited 2' }));
      ok(await call(client, tree.move, { pkid, parent_id: 0, sort_order: 1 }));
      ok(await call(client, tree.remove, { pkid }));
      const events = await auditOf(agent.userId, since);
      expect(events.map((e) => e.event_type)).toEqual([
        `${tree.event}_CREATE`,
        `${tree.event}_UPDATE`,
        `${tree.event}_UPDATE`,
        `${tree.event}_DELETE`,
      ]);
      for (const event of events) {
        expect(event).toMatchObject({ user_id: agent.userId, agent_id: agent.agentId, subject: agent.agentName });
        expect(event.request_id).toEqual(expect.any(String));
        expect(event.meta).toMatchObject({ pkid });
      }
      expect(events[3].meta).toMatchObject({ descendants_deleted: 0 });
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('memory tools', () => {
    const url = (agent: TestAgent, suffix = '') => `/agents/${agent.agentName}/memories${suffix}`;
    const MEMORY_NOT_FOUND: ToolError = { code: 'not_found', message: 'Memory not found' };

    async function mk(client: Client, args: Json): Promise<number> {
      return ok<{ created: { pkid: number } }>(await call(client, 'create_memory', args)).created.pkid;
    }

    it('create_memory, get_memories and get_memory: the REST JSON, defaulting to the caller, readable by a sibling', async () => {
      const agent = await t.newAgent();
      const sib = await t.newSibling(agent);
      const client = await connect(key(agent));
      const sibClient = await connect(key(sib));

      const created = ok<{ created: { pkid: number; title: string; created_at: string } }>(
        await call(client, 'create_memory', { title: 'Has a dog named Rex', description: 'Beagle' }),
      );
      expect(created).toEqual({ created: { pkid: expect.any(Number), title: 'Has a dog named Rex', created_at: expect.stringMatching(ISO) } });
      const viaRest = restOk<{ created: Json }>(await rest(agent, 'post', url(agent), { title: 'Likes tea' }), 201);
      expect(Object.keys(viaRest.created).sort()).toEqual(Object.keys(created.created).sort());

      const list = ok<{ agent: string; memories: Memory[]; total: number }>(await call(client, 'get_memories'));
      expect(list).toEqual(restOk(await rest(agent, 'get', url(agent))));
      expect(list.agent).toBe(agent.agentName);
      expect(list.memories.map((m) => m.title)).toEqual(['Has a dog named Rex', 'Likes tea']);
      expect(list).toMatchObject({ total: 2, limit: 200, offset: 0 });
      expect(ok(await call(sibClient, 'get_memories', { agent_name: agent.agentName }))).toEqual(list);
      const paged = ok(await call(client, 'get_memories', { limit: 1, offset: 1 }));
      expect(paged).toEqual(restOk(await rest(agent, 'get', `${url(agent)}?limit=1&offset=1`)));
      expect(paged).toMatchObject({ total: 2, memories: [{ title: 'Likes tea' }] });

      const one = ok<Memory>(await call(client, 'get_memory', { pkid: created.created.pkid }));
      expect(one).toEqual(restOk(await rest(agent, 'get', url(agent, `/${created.created.pkid}`))));
      expect(one).toMatchObject({ pkid: created.created.pkid, title: 'Has a dog named Rex', description: 'Beagle', created_at: created.created.created_at });
      expect(ok(await call(sibClient, 'get_memory', { agent_name: agent.agentName, pkid: created.created.pkid }))).toEqual(one);
    });

    it('get_memory of a missing pkid or another agent’s memory → not_found "Memory not found", as REST', async () => {
      const ofSibling = await mk(mcpA1b, { title: 'A1b memory' });
      for (const pkid of [2_000_000_000, ofSibling]) {
        expect(toolError(await call(mcpA1a, 'get_memory', { pkid }))).toEqual(MEMORY_NOT_FOUND);
        expect(restError(await rest(a1a, 'get', url(a1a, `/${pkid}`)), 404)).toEqual(MEMORY_NOT_FOUND);
      }
    });

    it('update_memory: absent fields unchanged, description null clears, {} → bad_request, title null → validation_failed', async () => {
      const pkid = await mk(mcpA1a, { title: 'Old', description: 'Keep' });
      const get = async () => ok<Memory>(await call(mcpA1a, 'get_memory', { pkid }));

      expect(ok(await call(mcpA1a, 'update_memory', { pkid, title: 'New' }))).toEqual({ updated: { pkid, title: 'New' } });
      expect(await get()).toMatchObject({ title: 'New', description: 'Keep' });
      expect(ok(await call(mcpA1a, 'update_memory', { pkid, description: null }))).toEqual({ updated: { pkid, title: 'New' } });
      expect(await get()).toMatchObject({ title: 'New', description: null });
      const mcp = ok(await call(mcpA1a, 'update_memory', { pkid, description: 'Back' }));
      expect(restOk(await rest(a1a, 'put', url(a1a, `/${pkid}`), { description: 'Back' }))).toEqual(mcp);

      expect(toolError(await call(mcpA1a, 'update_memory', { pkid }))).toEqual(NO_FIELDS);
      expect(restError(await rest(a1a, 'put', url(a1a, `/${pkid}`), {}), 400)).toEqual(NO_FIELDS);
      expect(toolError(await call(mcpA1a, 'update_memory', { pkid: 2_000_000_000 }))).toEqual(NO_FIELDS);
      const nullTitle = toolError(await call(mcpA1a, 'update_memory', { pkid, title: null }));
      expect(nullTitle.code).toBe('validation_failed');
      expect(nullTitle.errors?.map((e) => e.field)).toEqual(['title']);
      expect(nullTitle).toEqual(restError(await rest(a1a, 'put', url(a1a, `/${pkid}`), { title: null }), 422));
      expect(await get()).toMatchObject({ title: 'New', description: 'Back' });

      expect(toolError(await call(mcpA1a, 'update_memory', { pkid: 2_000_000_000, title: 'x' }))).toEqual(MEMORY_NOT_FOUND);
      expect(restError(await rest(a1a, 'put', url(a1a, '/2000000000'), { title: 'x' }), 404)).toEqual(MEMORY_NOT_FOUND);
    });

    it('delete_memory → {deleted: pkid}; again → not_found, as REST', async () => {
      const pkid = await mk(mcpA1a, { title: 'Temporary' });
      expect(ok(await call(mcpA1a, 'delete_memory', { pkid }))).toEqual({ deleted: pkid });
      expect(toolError(await call(mcpA1a, 'get_memory', { pkid }))).toEqual(MEMORY_NOT_FOUND);
      expect(toolError(await call(mcpA1a, 'delete_memory', { pkid }))).toEqual(MEMORY_NOT_FOUND);
      expect(restError(await rest(a1a, 'delete', url(a1a, `/${pkid}`)), 404)).toEqual(MEMORY_NOT_FOUND);
      const other = await mk(mcpA1a, { title: 'Temporary 2' });
      expect(restOk(await rest(a1a, 'delete', url(a1a, `/${other}`)))).toEqual({ deleted: other });
    });

    it('a sibling writing → forbidden "Only the named agent may …"; another user or unknown name → not_found', async () => {
      const pkid = await mk(mcpA1a, { title: 'Mine' });
      const writes: [string, Json, Method, string, object | undefined, string][] = [
        ['create_memory', { title: 'Intruder' }, 'post', '', { title: 'Intruder' }, 'write to its memories'],
        ['update_memory', { pkid, title: 'Intruder' }, 'put', `/${pkid}`, { title: 'Intruder' }, 'modify its memories'],
        ['delete_memory', { pkid }, 'delete', `/${pkid}`, undefined, 'delete its memories'],
      ];
      for (const [tool, args, method, suffix, body, action] of writes) {
        const forbidden = { code: 'forbidden', message: `Only the named agent may ${action}` };
        expect(toolError(await call(mcpA1b, tool, { agent_name: a1a.agentName, ...args }))).toEqual(forbidden);
        expect(restError(await rest(a1b, method, url(a1a, suffix), body), 403)).toEqual(forbidden);
        expect(toolError(await call(mcpA2, tool, { agent_name: a1a.agentName, ...args }))).toEqual(AGENT_NOT_FOUND);
        expect(restError(await rest(a2, method, url(a1a, suffix), body), 404)).toEqual(AGENT_NOT_FOUND);
        expect(toolError(await call(mcpA1a, tool, { agent_name: 'nobody-at-all', ...args }))).toEqual(AGENT_NOT_FOUND);
      }
      for (const [tool, args] of [
        ['get_memories', {}],
        ['get_memory', { pkid }],
      ] as [string, Json][]) {
        expect(toolError(await call(mcpA2, tool, { agent_name: a1a.agentName, ...args }))).toEqual(AGENT_NOT_FOUND);
        expect(toolError(await call(mcpA1a, tool, { agent_name: 'nobody-at-all', ...args }))).toEqual(AGENT_NOT_FOUND);
      }
      expect(restError(await rest(a2, 'get', url(a1a)), 404)).toEqual(AGENT_NOT_FOUND);
      expect(ok<Memory>(await call(mcpA1a, 'get_memory', { pkid })).title).toBe('Mine');
      const intruders: unknown[] = await t.db.query(`SELECT 1 FROM agent_memories WHERE title = 'Intruder'`);
      expect(intruders).toEqual([]);
    });

    it('writes are audited as AGENT_MEMORY_CREATE|UPDATE|DELETE with the calling agent', async () => {
      const agent = await t.newAgent();
      const client = await connect(key(agent));
      const since = await lastSeq();
      const pkid = await mk(client, { title: 'Audited' });
      ok(await call(client, 'update_memory', { pkid, description: 'x' }));
      ok(await call(client, 'delete_memory', { pkid }));
      const events = await auditOf(agent.userId, since);
      expect(events.map((e) => e.event_type)).toEqual(['AGENT_MEMORY_CREATE', 'AGENT_MEMORY_UPDATE', 'AGENT_MEMORY_DELETE']);
      for (const event of events) {
        expect(event).toMatchObject({ user_id: agent.userId, agent_id: agent.agentId, subject: agent.agentName, meta: { pkid } });
      }
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('session tools', () => {
    it('get_last_session with no sessions → exactly {last_session: null}, as REST', async () => {
      const agent = await t.newAgent();
      const client = await connect(key(agent));
      const mcp = ok(await call(client, 'get_last_session'));
      expect(mcp).toEqual({ last_session: null });
      expect(restOk(await rest(agent, 'get', '/sessions/last'))).toEqual(mcp);
    });

    it('create_session records a session of the caller; get_last_session returns the newest, as REST', async () => {
      const agent = await t.newAgent();
      const sib = await t.newSibling(agent);
      const client = await connect(key(agent));
      const sibClient = await connect(key(sib));

      const first = ok<{ session_id: number; agent: string; started_at: string; project: string | null }>(
        await call(client, 'create_session', {}),
      );
      expect(first).toEqual({ session_id: expect.any(Number), agent: agent.agentName, started_at: expect.stringMatching(ISO), project: null });
      const viaRest = restOk<Json>(await rest(agent, 'post', '/sessions', {}), 201);
      expect(Object.keys(viaRest).sort()).toEqual(Object.keys(first).sort());
      const second = ok<{ session_id: number; project: string | null }>(await call(client, 'create_session', { project: 'mnemo' }));
      expect(second.project).toBe('mnemo');

      const last = ok<{ agent: string; last_session: SessionRow }>(await call(client, 'get_last_session'));
      expect(last).toEqual(restOk(await rest(agent, 'get', '/sessions/last')));
      expect(last).toEqual({
        agent: agent.agentName,
        last_session: { session_id: second.session_id, started_at: expect.stringMatching(ISO), project: 'mnemo', notes: null },
      });

      // Sessions are per agent: the sibling has none.
      expect(ok(await call(sibClient, 'get_last_session'))).toEqual({ last_session: null });
      const rows: { agent_id: string }[] = await t.db.query(`SELECT agent_id FROM sessions WHERE user_id = $1`, [agent.userId]);
      expect(rows.map((r) => r.agent_id)).toEqual([agent.agentId, agent.agentId, agent.agentId]);
    });

    it('update_session_notes sets and clears notes of one’s own session only, as REST', async () => {
      const agent = await t.newAgent();
      const sib = await t.newSibling(agent);
      const client = await connect(key(agent));
      const sibClient = await connect(key(sib));
      const session = ok<{ session_id: number }>(await call(client, 'create_session', { project: 'p' }));

      const set = ok(await call(client, 'update_session_notes', { session_id: session.session_id, notes: 'Shipped it' }));
      expect(set).toEqual({ updated: { session_id: session.session_id, notes: 'Shipped it' } });
      expect(ok<{ last_session: SessionRow }>(await call(client, 'get_last_session')).last_session.notes).toBe('Shipped it');
      expect(restOk(await rest(agent, 'put', `/sessions/${session.session_id}/notes`, { notes: 'Shipped it' }))).toEqual(set);

      expect(ok(await call(client, 'update_session_notes', { session_id: session.session_id, notes: null }))).toEqual({
        updated: { session_id: session.session_id, notes: null },
      });
      expect(ok<{ last_session: SessionRow }>(await call(client, 'get_last_session')).last_session.notes).toBeNull();

      const notYours = { code: 'not_found', message: 'Session not found' };
      expect(toolError(await call(sibClient, 'update_session_notes', { session_id: session.session_id, notes: 'x' }))).toEqual(
        notYours,
      );
      expect(restError(await rest(sib, 'put', `/sessions/${session.session_id}/notes`, { notes: 'x' }), 404)).toEqual(notYours);
      expect(toolError(await call(client, 'update_session_notes', { session_id: 2_000_000_000, notes: 'x' }))).toEqual(notYours);
      // Another user's agent: the same not_found, and its own last session is not this one.
      expect(toolError(await call(mcpA2, 'update_session_notes', { session_id: session.session_id, notes: 'x' }))).toEqual(notYours);
      expect(restError(await rest(a2, 'put', `/sessions/${session.session_id}/notes`, { notes: 'x' }), 404)).toEqual(notYours);
      const a2Last = ok<{ last_session: SessionRow | null }>(await call(mcpA2, 'get_last_session')).last_session;
      expect(a2Last?.session_id).not.toBe(session.session_id);
      expect(ok<{ last_session: SessionRow }>(await call(client, 'get_last_session')).last_session.notes).toBeNull();
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('handoff tools', () => {
    const url = (agent: TestAgent, suffix = '') => `/agents/${agent.agentName}/handoffs${suffix}`;
    const HANDOFF_NOT_FOUND: ToolError = { code: 'not_found', message: 'Handoff not found' };
    const ALREADY: ToolError = { code: 'not_found', message: 'Handoff not found or already picked up' };

    async function handoff(from: Client, to: TestAgent | undefined, title = uniqueName('handoff')): Promise<number> {
      const args: Json = { title, prompt: `Prompt of ${title}` };
      if (to) args.agent_name = to.agentName;
      return ok<{ created: { handoff_id: number } }>(await call(from, 'create_handoff', args)).created.handoff_id;
    }

    it('create_handoff for a sibling records the sender; list_handoffs (pending, oldest first) is the REST JSON', async () => {
      const recipient = await t.newAgent();
      const sender = await t.newSibling(recipient);
      const mcpRecipient = await connect(key(recipient));
      const mcpSender = await connect(key(sender));

      const created = ok<{ created: Json }>(
        await call(mcpSender, 'create_handoff', { agent_name: recipient.agentName, title: 'First', prompt: 'Do step 1' }),
      );
      expect(created).toEqual({
        created: { handoff_id: expect.any(Number), title: 'First', created_at: expect.stringMatching(ISO), created_by_agent: sender.agentName },
      });
      const viaRest = restOk<{ created: Json }>(await rest(sender, 'post', url(recipient), { title: 'Second', prompt: 'Do step 2' }), 201);
      expect(Object.keys(viaRest.created).sort()).toEqual(Object.keys(created.created).sort());
      const own = await handoff(mcpRecipient, undefined, 'Third'); // to oneself (default)

      const list = ok<HandoffList>(await call(mcpRecipient, 'list_handoffs'));
      expect(list).toEqual(restOk(await rest(recipient, 'get', url(recipient))));
      expect(list.agent).toBe(recipient.agentName);
      expect(list.handoffs.map((h) => h.title)).toEqual(['First', 'Second', 'Third']);
      expect(list.handoffs[0]).toEqual({
        handoff_id: created.created.handoff_id,
        title: 'First',
        prompt: 'Do step 1',
        created_by_agent: sender.agentName,
        recipient: recipient.agentName,
        created_at: created.created.created_at,
        picked_up_at: null,
      });
      expect(list.handoffs[2]).toMatchObject({ handoff_id: own, created_by_agent: recipient.agentName });
      expect(list).toMatchObject({ total: 3, limit: 200, offset: 0 });

      // A sibling lists the recipient's queue with agent_name: the same JSON.
      expect(ok(await call(mcpSender, 'list_handoffs', { agent_name: recipient.agentName }))).toEqual(list);
      expect(ok(await call(mcpSender, 'list_handoffs'))).toMatchObject({ agent: sender.agentName, handoffs: [], total: 0 });

      const one = ok<Handoff>(await call(mcpSender, 'get_handoff', { agent_name: recipient.agentName, handoff_id: own }));
      expect(one).toEqual(restOk(await rest(sender, 'get', url(recipient, `/${own}`))));
      expect(one).toEqual(list.handoffs[2]);
    });

    it('pickup_handoff only by the recipient, exactly once; picked-up handoffs stay readable; status filters', async () => {
      const recipient = await t.newAgent();
      const sender = await t.newSibling(recipient);
      const mcpRecipient = await connect(key(recipient));
      const mcpSender = await connect(key(sender));
      const id = await handoff(mcpSender, recipient, 'Pick me');
      const other = await handoff(mcpSender, recipient, 'Later');

      const forbidden = { code: 'forbidden', message: 'Only the named agent may pickup its handoffs' };
      expect(toolError(await call(mcpSender, 'pickup_handoff', { agent_name: recipient.agentName, handoff_id: id }))).toEqual(forbidden);
      expect(restError(await rest(sender, 'put', url(recipient, `/${id}/pickup`)), 403)).toEqual(forbidden);
      expect(toolError(await call(mcpA2, 'pickup_handoff', { agent_name: recipient.agentName, handoff_id: id }))).toEqual(
        AGENT_NOT_FOUND,
      );

      const picked = ok<{ picked_up: { handoff_id: number; title: string; picked_up_at: string } }>(
        await call(mcpRecipient, 'pickup_handoff', { handoff_id: id }),
      );
      expect(picked).toEqual({ picked_up: { handoff_id: id, title: 'Pick me', picked_up_at: expect.stringMatching(ISO) } });
      expect(toolError(await call(mcpRecipient, 'pickup_handoff', { handoff_id: id }))).toEqual(ALREADY);
      expect(restError(await rest(recipient, 'put', url(recipient, `/${id}/pickup`)), 404)).toEqual(ALREADY);
      expect(toolError(await call(mcpRecipient, 'pickup_handoff', { handoff_id: 2_000_000_000 }))).toEqual(ALREADY);
      const viaRest = restOk<{ picked_up: Json }>(await rest(recipient, 'put', url(recipient, `/${other}/pickup`)));
      expect(Object.keys(viaRest.picked_up).sort()).toEqual(Object.keys(picked.picked_up).sort());

      const pending = ok<HandoffList>(await call(mcpRecipient, 'list_handoffs'));
      expect(pending.handoffs).toEqual([]);
      const done = ok<HandoffList>(await call(mcpRecipient, 'list_handoffs', { status: 'picked_up' }));
      expect(done).toEqual(restOk(await rest(recipient, 'get', `${url(recipient)}?status=picked_up`)));
      expect(done.handoffs.map((h) => h.handoff_id)).toEqual([id, other]);
      const all = ok<HandoffList>(await call(mcpSender, 'list_handoffs', { agent_name: recipient.agentName, status: 'all' }));
      expect(all).toEqual(restOk(await rest(sender, 'get', `${url(recipient)}?status=all`)));
      expect(all.total).toBe(2);

      const after = ok<Handoff>(await call(mcpRecipient, 'get_handoff', { handoff_id: id }));
      expect(after).toMatchObject({ handoff_id: id, picked_up_at: picked.picked_up.picked_up_at });
      expect(after).toEqual(restOk(await rest(recipient, 'get', url(recipient, `/${id}`))));
    });

    it('10 parallel pickup_handoff calls through separate MCP clients: exactly one succeeds', async () => {
      const recipient = await t.newAgent();
      const sender = await t.newSibling(recipient);
      const mcpSender = await connect(key(sender));
      const id = await handoff(mcpSender, recipient, 'Race');
      const racers = await Promise.all(Array.from({ length: 10 }, () => connect(key(recipient))));

      const results = await Promise.all(racers.map((c) => call(c, 'pickup_handoff', { handoff_id: id })));
      const winners = results.filter((r) => !r.isError);
      expect(winners).toHaveLength(1);
      expect(ok(winners[0])).toMatchObject({ picked_up: { handoff_id: id, title: 'Race' } });
      for (const loser of results.filter((r) => r.isError)) expect(toolError(loser)).toEqual(ALREADY);

      const events: unknown[] = await t.db.query(
        `SELECT 1 FROM audit_events WHERE event_type = 'HANDOFF_PICKUP' AND user_id = $1 AND meta->>'handoff_id' = $2`,
        [recipient.userId, String(id)],
      );
      expect(events).toHaveLength(1);
    });

    it('delete_handoff: the recipient any time, the sender only while pending, nobody else; as REST', async () => {
      const recipient = await t.newAgent();
      const sender = await t.newSibling(recipient);
      const bystander = await t.newSibling(recipient);
      const mcpRecipient = await connect(key(recipient));
      const mcpSender = await connect(key(sender));
      const mcpBystander = await connect(key(bystander));
      const forbidden = (res: CallResult) => {
        const error = toolError(res);
        expect(error.code).toBe('forbidden');
        expect(error.message).toMatch(/^Only the named agent may delete its handoffs/);
        return error;
      };

      // Sender, while pending.
      const pending = await handoff(mcpSender, recipient);
      forbidden(await call(mcpBystander, 'delete_handoff', { agent_name: recipient.agentName, handoff_id: pending }));
      expect(toolError(await call(mcpA2, 'delete_handoff', { agent_name: recipient.agentName, handoff_id: pending }))).toEqual(
        AGENT_NOT_FOUND,
      );
      expect(ok(await call(mcpSender, 'delete_handoff', { agent_name: recipient.agentName, handoff_id: pending }))).toEqual({
        deleted: pending,
      });
      expect(toolError(await call(mcpRecipient, 'get_handoff', { handoff_id: pending }))).toEqual(HANDOFF_NOT_FOUND);

      // Sender, after pickup: refused; the recipient may still delete it.
      const picked = await handoff(mcpSender, recipient);
      ok(await call(mcpRecipient, 'pickup_handoff', { handoff_id: picked }));
      const senderError = forbidden(await call(mcpSender, 'delete_handoff', { agent_name: recipient.agentName, handoff_id: picked }));
      expect(restError(await rest(sender, 'delete', url(recipient, `/${picked}`)), 403)).toEqual(senderError);
      expect(ok(await call(mcpRecipient, 'delete_handoff', { handoff_id: picked }))).toEqual({ deleted: picked });

      // The recipient, while pending; then gone → not_found.
      const mine = await handoff(mcpSender, recipient);
      expect(ok(await call(mcpRecipient, 'delete_handoff', { agent_name: recipient.agentName, handoff_id: mine }))).toEqual({
        deleted: mine,
      });
      expect(toolError(await call(mcpRecipient, 'delete_handoff', { handoff_id: mine }))).toEqual(HANDOFF_NOT_FOUND);
      expect(restError(await rest(recipient, 'delete', url(recipient, `/${mine}`)), 404)).toEqual(HANDOFF_NOT_FOUND);
      const viaRest = await handoff(mcpSender, recipient);
      expect(restOk(await rest(recipient, 'delete', url(recipient, `/${viaRest}`)))).toEqual({ deleted: viaRest });
    });

    it('another user’s agent or an unknown name → not_found "Agent not found" for every handoff tool', async () => {
      const recipient = await t.newAgent();
      const mcpRecipient = await connect(key(recipient));
      const id = await handoff(mcpRecipient, undefined);
      const cases: [string, Json][] = [
        ['list_handoffs', {}],
        ['get_handoff', { handoff_id: id }],
        ['create_handoff', { title: 'Intrusion', prompt: 'x' }],
        ['pickup_handoff', { handoff_id: id }],
        ['delete_handoff', { handoff_id: id }],
      ];
      for (const [tool, args] of cases) {
        expect(toolError(await call(mcpA2, tool, { agent_name: recipient.agentName, ...args }))).toEqual(AGENT_NOT_FOUND);
        expect(toolError(await call(mcpRecipient, tool, { agent_name: 'nobody-at-all', ...args }))).toEqual(AGENT_NOT_FOUND);
      }
      expect(restError(await rest(a2, 'get', url(recipient)), 404)).toEqual(AGENT_NOT_FOUND);
      expect(restError(await rest(a2, 'post', url(recipient), { title: 'Intrusion', prompt: 'x' }), 404)).toEqual(AGENT_NOT_FOUND);
      const list = ok<HandoffList>(await call(mcpRecipient, 'list_handoffs', { status: 'all' }));
      expect(list.handoffs.map((h) => h.handoff_id)).toEqual([id]);
      expect(list.handoffs[0].picked_up_at).toBeNull();
    });

    it('a handoff id of another agent under this agent’s name → not_found "Handoff not found"', async () => {
      const ofA1b = await handoff(mcpA1b, undefined);
      expect(toolError(await call(mcpA1a, 'get_handoff', { handoff_id: ofA1b }))).toEqual(HANDOFF_NOT_FOUND);
      expect(restError(await rest(a1a, 'get', url(a1a, `/${ofA1b}`)), 404)).toEqual(HANDOFF_NOT_FOUND);
      expect(toolError(await call(mcpA1a, 'pickup_handoff', { handoff_id: ofA1b }))).toEqual(ALREADY);
      expect(toolError(await call(mcpA1a, 'delete_handoff', { handoff_id: ofA1b }))).toEqual(HANDOFF_NOT_FOUND);
      expect(ok<Handoff>(await call(mcpA1b, 'get_handoff', { handoff_id: ofA1b })).picked_up_at).toBeNull();
    });

    it('list_sent_handoffs: the caller’s created handoffs, newest first, the REST JSON', async () => {
      const recipient = await t.newAgent();
      const sender = await t.newSibling(recipient);
      const mcpSender = await connect(key(sender));
      const mcpRecipient = await connect(key(recipient));
      expect(ok(await call(mcpSender, 'list_sent_handoffs'))).toEqual({
        agent: sender.agentName,
        handoffs: [],
        total: 0,
        limit: 200,
        offset: 0,
      });
      const first = await handoff(mcpSender, recipient, 'One');
      const second = await handoff(mcpSender, undefined, 'Two');
      await handoff(mcpRecipient, sender, 'Not sent by the sender');

      const sent = ok<HandoffList>(await call(mcpSender, 'list_sent_handoffs'));
      expect(sent).toEqual(restOk(await rest(sender, 'get', '/handoffs/sent')));
      expect(sent.agent).toBe(sender.agentName);
      expect(sent.handoffs.map((h) => [h.handoff_id, h.recipient, h.created_by_agent])).toEqual([
        [second, sender.agentName, sender.agentName],
        [first, recipient.agentName, sender.agentName],
      ]);
      expect(sent.total).toBe(2);

      const page = ok<HandoffList>(await call(mcpSender, 'list_sent_handoffs', { limit: 1, offset: 1 }));
      expect(page).toEqual(restOk(await rest(sender, 'get', '/handoffs/sent?limit=1&offset=1')));
      expect(page).toMatchObject({ total: 2, limit: 1, offset: 1 });
      expect(page.handoffs.map((h) => h.handoff_id)).toEqual([first]);
    });

    it('list totals count every match even when offset is past the end (list_handoffs and list_sent_handoffs)', async () => {
      const recipient = await t.newAgent();
      const sender = await t.newSibling(recipient);
      const mcpSender = await connect(key(sender));
      await handoff(mcpSender, recipient);
      await handoff(mcpSender, recipient);

      const queue = ok<HandoffList>(await call(mcpSender, 'list_handoffs', { agent_name: recipient.agentName, offset: 50 }));
      expect(queue).toMatchObject({ handoffs: [], total: 2, offset: 50 });
      const sent = ok<HandoffList>(await call(mcpSender, 'list_sent_handoffs', { offset: 50 }));
      expect(sent).toEqual(restOk(await rest(sender, 'get', '/handoffs/sent?offset=50')));
      expect(sent).toMatchObject({ handoffs: [], total: 2, offset: 50 });
    });

    it('writes are audited as HANDOFF_CREATE|PICKUP|DELETE with the calling agent', async () => {
      const recipient = await t.newAgent();
      const sender = await t.newSibling(recipient);
      const mcpRecipient = await connect(key(recipient));
      const mcpSender = await connect(key(sender));
      const since = await lastSeq();
      const a = await handoff(mcpSender, recipient);
      ok(await call(mcpRecipient, 'pickup_handoff', { handoff_id: a }));
      ok(await call(mcpRecipient, 'delete_handoff', { handoff_id: a }));
      const b = await handoff(mcpSender, recipient);
      ok(await call(mcpSender, 'delete_handoff', { agent_name: recipient.agentName, handoff_id: b }));

      const events = await auditOf(recipient.userId, since);
      expect(events.map((e) => [e.event_type, e.agent_id, e.subject, e.meta])).toEqual([
        ['HANDOFF_CREATE', sender.agentId, recipient.agentName, { handoff_id: a }],
        ['HANDOFF_PICKUP', recipient.agentId, recipient.agentName, { handoff_id: a }],
        ['HANDOFF_DELETE', recipient.agentId, recipient.agentName, { handoff_id: a }],
        ['HANDOFF_CREATE', sender.agentId, recipient.agentName, { handoff_id: b }],
        ['HANDOFF_DELETE', sender.agentId, recipient.agentName, { handoff_id: b }],
      ]);
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('audit of MCP writes', () => {
    it('each write names the calling agent and the request; reads and refused writes record nothing', async () => {
      const agent = await t.newAgent();
      const sib = await t.newSibling(agent);
      const client = await connect(key(agent));
      const sibClient = await connect(key(sib));
      const since = await lastSeq();

      const node = ok<CreatedNode>(await call(client, 'create_always_load', { title: 'Audited' })).created.pkid;
      const session = ok<{ session_id: number }>(await call(client, 'create_session', {})).session_id;
      ok(await call(client, 'update_session_notes', { session_id: session, notes: 'n' }));
      okText(await call(client, 'get_context', { start_session: true }));

      // Reads and refused writes.
      ok(await call(sibClient, 'get_always_load', { agent_name: agent.agentName }));
      okText(await call(client, 'get_context'));
      ok(await call(client, 'get_last_session'));
      toolError(await call(sibClient, 'update_always_load', { agent_name: agent.agentName, pkid: node, title: 'x' }));
      toolError(await call(sibClient, 'delete_always_load', { agent_name: agent.agentName, pkid: node }));
      toolError(await call(client, 'update_always_load', { pkid: node }));

      const events = await auditOf(agent.userId, since);
      expect(events.map((e) => [e.event_type, e.agent_id])).toEqual([
        ['ALWAYS_LOAD_CREATE', agent.agentId],
        ['SESSION_CREATE', agent.agentId],
        ['SESSION_UPDATE', agent.agentId],
        ['SESSION_CREATE', agent.agentId],
      ]);
      const ids = events.map((e) => e.request_id);
      for (const id of ids) expect(id).toEqual(expect.any(String));
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('ALWAYS_LOAD_CREATE through MCP by A1a carries A1a’s agent id', async () => {
      const before = await countEvents('ALWAYS_LOAD_CREATE');
      const pkid = ok<CreatedNode>(await call(mcpA1a, 'create_always_load', { title: uniqueName('audit') })).created.pkid;
      expect(await countEvents('ALWAYS_LOAD_CREATE')).toBe(before + 1);
      const rows: AuditRow[] = await t.db.query(
        `SELECT event_type, user_id, agent_id, request_id, subject, meta FROM audit_events
          WHERE event_type = 'ALWAYS_LOAD_CREATE' AND (meta->>'pkid')::int = $1`,
        [pkid],
      );
      expect(rows).toEqual([
        {
          event_type: 'ALWAYS_LOAD_CREATE',
          user_id: a1a.userId,
          agent_id: a1a.agentId,
          request_id: expect.any(String),
          subject: a1a.agentName,
          meta: { pkid, parent_id: 0 },
        },
      ]);
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('argument validation', () => {
    let since: string;
    const counts = async () =>
      Promise.all(
        ['always_load', 'preferences', 'agent_memories', 'handoffs', 'sessions'].map(async (table) => {
          const [row] = await t.db.query(`SELECT count(*)::int AS n FROM ${table} WHERE agent_id = $1`, [a1a.agentId]);
          return [table, row.n as number];
        }),
      );
    let before: unknown[];

    beforeAll(async () => {
      since = await lastSeq();
      before = await counts();
    });

    async function invalid(tool: string, args: Json, field: string): Promise<ToolError> {
      const error = toolError(await call(mcpA1a, tool, args));
      expect({ tool, code: error.code }).toEqual({ tool, code: 'validation_failed' });
      expect(error.message).toContain(field);
      expect(error.errors?.map((e) => e.field)).toContain(field);
      return error;
    }

    it('pkid: "x" → validation_failed naming pkid, for every pkid tool', async () => {
      for (const tool of [
        'get_always_load_item',
        'update_always_load',
        'move_always_load',
        'delete_always_load',
        'get_memory',
        'update_memory',
        'delete_memory',
        'get_preference',
        'update_preference',
        'move_preference',
        'delete_preference',
      ]) {
        const error = await invalid(tool, { pkid: 'x', title: 'T', parent_id: 0 }, 'pkid');
        expect(error.errors).toContainEqual({ field: 'pkid', message: 'pkid must be a positive integer' });
      }
    });

    it('handoff_id: -1 → validation_failed naming handoff_id', async () => {
      for (const tool of ['get_handoff', 'pickup_handoff', 'delete_handoff']) {
        const error = await invalid(tool, { handoff_id: -1 }, 'handoff_id');
        expect(error.errors).toEqual([{ field: 'handoff_id', message: 'handoff_id must be a positive integer' }]);
      }
    });

    it('status: "done" → validation_failed naming status, as REST', async () => {
      const error = await invalid('list_handoffs', { status: 'done' }, 'status');
      expect(error.errors).toEqual([{ field: 'status', message: 'status must be one of pending, picked_up, all' }]);
      expect(error).toEqual(restError(await rest(a1a, 'get', `/agents/${a1a.agentName}/handoffs?status=done`), 422));
    });

    it('other wrong types and ranges name their field', async () => {
      await invalid('create_always_load', { title: 42 }, 'title');
      await invalid('create_preference', { title: '' }, 'title');
      await invalid('create_memory', { title: 'x'.repeat(501) }, 'title');
      await invalid('create_always_load', { title: 'T', parent_id: -1 }, 'parent_id');
      await invalid('move_preference', { pkid: 1, parent_id: 'root' }, 'parent_id');
      await invalid('move_always_load', { pkid: 1 }, 'parent_id');
      await invalid('update_memory', { pkid: 1, description: 7 }, 'description');
      await invalid('get_memories', { limit: 0 }, 'limit');
      await invalid('get_always_load', { limit: 1001 }, 'limit');
      await invalid('list_sent_handoffs', { offset: -1 }, 'offset');
      await invalid('get_context', { start_session: 'yes' }, 'start_session');
      await invalid('get_memories', { agent_name: 7 }, 'agent_name');
      await invalid('create_handoff', { title: 'T' }, 'prompt');
      await invalid('create_session', { project: 5 }, 'project');
      await invalid('update_session_notes', { session_id: 'x', notes: 'n' }, 'session_id');
      await invalid('update_session_notes', { session_id: 1 }, 'notes');
    });

    it('a pkid beyond the integer range is the same validation error as REST (naming pkid)', async () => {
      const expected = restError(await rest(a1a, 'get', `/agents/${a1a.agentName}/memories/2147483648`), 422);
      expect(expected.errors).toEqual([{ field: 'pkid', message: 'pkid must be a positive integer' }]);
      expect(toolError(await call(mcpA1a, 'get_memory', { pkid: 2_147_483_648 }))).toEqual(expected);
    });

    // Last in this block (tests run in order): the refused calls above stored and audited nothing.
    it('none of the refused calls above stored or audited anything', async () => {
      expect(await counts()).toEqual(before);
      expect(await auditOf(a1a.userId, since)).toEqual([]);
    });
  });
});
