import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CONTEXT_KEYS } from './support/agent-context';
import { TreeNode, NestedNode, CreatedNode, Memory, Context, AuditRow, AGENT_NOT_FOUND, TOOLS, CALLER_ONLY_TOOLS, REQUIRED, withoutTime, contextTools } from './support/agent-context-mcp';
import { Json, ToolError, ok, okText, toolError, restOk, restError, ISO } from './support/mcp-client';
import { useFixtures } from './support/fixtures';
import { TestAgent, uniqueName } from './support/test-app';

/**
 * LucyAPI's agent-scoped API as MCP tools (issue 4, spec §4.4 tools 1–17, 50,
 * 51, 57–61), end to end with the official SDK client: tools/list, the caller
 * (agent_key or header), get_context and the read tools, the same JSON as the REST
 * route for the same data, the audit trail of MCP writes and argument validation
 * (tool errors, never protocol errors).
 *
 * Fixtures: user U1 (agents A1a, A1b, time zone America/Denver), user U2 (agent A2).
 */

describe('Agent context MCP tools: tools/list, the caller, get_context, audit, argument validation', () => {
  const ctx = useFixtures();
  const { key, call, connect, rest, lastSeq, auditOf, countEvents, agents } = contextTools(ctx);
  const f = agents();

  // ------------------------------------------------------------------------------------------
  describe('tools/list', () => {
    it('advertises every tool with an optional agent_key string', async () => {
      const { tools } = await f.mcpA1a.listTools();
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

    it('has an agent_name string on every tool whose REST route names an agent (required only for create_handoff, the recipient), and none on caller-only tools', async () => {
      const { tools } = await f.mcpA1a.listTools();
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
          expect({ name, required: (schema.required ?? []).includes('agent_name') }).toEqual({ name, required: name === 'create_handoff' });
        }
      }
    });

    it('requires exactly the arguments the REST route needs, with their types', async () => {
      const { tools } = await f.mcpA1a.listTools();
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
        await call(anonymous, 'create_memory', { agent_key: f.a1b.apiKey, title }),
      );
      const memory = restOk<Memory>(await rest(f.a1b, 'get', `/agents/${f.a1b.agentName}/memories/${created.created.pkid}`));
      expect(memory.title).toBe(title);
      // Not in A1a's memories.
      const own = restOk<{ memories: Memory[] }>(await rest(f.a1a, 'get', `/agents/${f.a1a.agentName}/memories`));
      expect(own.memories.map((m) => m.pkid)).not.toContain(created.created.pkid);
    });

    it('an unknown agent_key (or header key) is unauthorized "Invalid API key" and writes nothing', async () => {
      const anonymous = await connect();
      const forged = `${f.a1a.apiKey.slice(0, -4)}zzzz`;
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
          ['create_handoff', { agent_name: f.a1a.agentName, title: 'Forged', prompt: 'x' }],
          ['create_session', {}],
        ] as [string, Json][]) {
          expect({ name, error: toolError(await call(client, name, { ...args, ...extra })) }).toEqual({
            name,
            error: { code: 'unauthorized', message: 'Invalid API key' },
          });
        }
      }
      const [rows] = await ctx.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE seq > $1`, [since]);
      expect(rows.n).toBe(0);
      for (const table of ['agent_memories', 'always_load', 'handoffs']) {
        const found: unknown[] = await ctx.db.query(`SELECT 1 FROM ${table} WHERE title = 'Forged'`);
        expect({ table, found }).toEqual({ table, found: [] });
      }
    });

    it('without any key every tool is an unauthorized tool error, not a protocol error', async () => {
      const anonymous = await connect();
      for (const name of ['get_context', 'get_memories', 'create_handoff', 'get_last_session']) {
        expect(toolError(await call(anonymous, name, { title: 'x', prompt: 'y' }))).toEqual({
          code: 'unauthorized',
          message: 'API key required: pass your agent key as the agent_key argument, or connect with the X-Api-Key or Authorization: Bearer header',
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
      owner = await ctx.newUser({ timezone: 'Europe/Berlin' });
      helper = await ctx.newAgent(owner);
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
      expect(Object.keys(mcp).sort()).toEqual(CONTEXT_KEYS);
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
      expect(toolError(await call(f.mcpA2, 'get_context', { agent_name: owner.agentName }))).toEqual(AGENT_NOT_FOUND);
      expect(restError(await rest(f.a2, 'get', `/agents/${owner.agentName}/context`), 404)).toEqual(AGENT_NOT_FOUND);
      expect(toolError(await call(mcpOwner, 'get_context', { agent_name: 'nobody-at-all' }))).toEqual(AGENT_NOT_FOUND);
      expect(restError(await rest(owner, 'get', '/agents/nobody-at-all/context'), 404)).toEqual(AGENT_NOT_FOUND);
    });

    it('start_session: true records a session and reports previous_session (null the first time) with gap_seconds', async () => {
      const fresh = await ctx.newUser();
      const client = await connect(key(fresh));

      const first = okText<Context>(await call(client, 'get_context', { start_session: true }));
      expect(first.previous_session).toBeNull();
      expect(first.session).toEqual({ session_id: expect.any(Number), started_at: expect.stringMatching(ISO) });
      expect(first.last_session).toBeNull(); // read before this start
      const rows: { session_id: number; agent_id: string }[] = await ctx.db.query(
        `SELECT session_id, agent_id FROM sessions WHERE agent_id = $1`,
        [fresh.agentId],
      );
      expect(rows).toEqual([{ session_id: first.session!.session_id, agent_id: fresh.agentId }]);

      // The previous start was an hour ago.
      await ctx.db.query(`UPDATE sessions SET started_at = now() - interval '3600 seconds' WHERE session_id = $1`, [
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
      const [count] = await ctx.db.query(`SELECT count(*) AS n FROM sessions WHERE agent_id = $1`, [fresh.agentId]);
      expect(Number(count.n)).toBe(3);
    });

    it('start_session on a sibling’s context records the caller’s session, not the named agent’s', async () => {
      const before: unknown[] = await ctx.db.query(`SELECT 1 FROM sessions WHERE agent_id = $1`, [owner.agentId]);
      okText<Context>(await call(mcpHelper, 'get_context', { agent_name: owner.agentName, start_session: true }));
      const after: unknown[] = await ctx.db.query(`SELECT 1 FROM sessions WHERE agent_id = $1`, [owner.agentId]);
      expect(after.length).toBe(before.length);
      const helperSessions: unknown[] = await ctx.db.query(`SELECT 1 FROM sessions WHERE agent_id = $1`, [helper.agentId]);
      expect(helperSessions.length).toBe(1);
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('get_always_load', () => {
    it('flat rows with descriptions by (parent_id, sort_order, pkid): the same JSON as REST, defaulting to the caller', async () => {
      const agent = await ctx.newUser();
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
      const agent = await ctx.newUser();
      const sib = await ctx.newAgent(agent);
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

      expect(toolError(await call(f.mcpA2, 'get_preferences', { agent_name: agent.agentName }))).toEqual(AGENT_NOT_FOUND);
      expect(toolError(await call(f.mcpA2, 'get_preference_tree', { agent_name: agent.agentName }))).toEqual(AGENT_NOT_FOUND);
      expect(toolError(await call(client, 'get_preference_tree', { agent_name: 'nobody-at-all' }))).toEqual(AGENT_NOT_FOUND);
    });
  });

  // ------------------------------------------------------------------------------------------

  // ------------------------------------------------------------------------------------------
  describe('audit of MCP writes', () => {
    it('each write names the calling agent and the request; reads and refused writes record nothing', async () => {
      const agent = await ctx.newUser();
      const sib = await ctx.newAgent(agent);
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
      const pkid = ok<CreatedNode>(await call(f.mcpA1a, 'create_always_load', { title: uniqueName('audit') })).created.pkid;
      expect(await countEvents('ALWAYS_LOAD_CREATE')).toBe(before + 1);
      const rows: AuditRow[] = await ctx.db.query(
        `SELECT event_type, user_id, agent_id, request_id, subject, meta FROM audit_events
          WHERE event_type = 'ALWAYS_LOAD_CREATE' AND (meta->>'pkid')::int = $1`,
        [pkid],
      );
      expect(rows).toEqual([
        {
          event_type: 'ALWAYS_LOAD_CREATE',
          user_id: f.a1a.userId,
          agent_id: f.a1a.agentId,
          request_id: expect.any(String),
          subject: f.a1a.agentName,
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
          const [row] = await ctx.db.query(`SELECT count(*)::int AS n FROM ${table} WHERE agent_id = $1`, [f.a1a.agentId]);
          return [table, row.n as number];
        }),
      );
    let before: unknown[];

    beforeAll(async () => {
      since = await lastSeq();
      before = await counts();
    });

    async function invalid(tool: string, args: Json, field: string): Promise<ToolError> {
      const error = toolError(await call(f.mcpA1a, tool, args));
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
      expect(error).toEqual(restError(await rest(f.a1a, 'get', `/agents/${f.a1a.agentName}/handoffs?status=done`), 422));
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
      const expected = restError(await rest(f.a1a, 'get', `/agents/${f.a1a.agentName}/memories/2147483648`), 422);
      expect(expected.errors).toEqual([{ field: 'pkid', message: 'pkid must be a positive integer' }]);
      expect(toolError(await call(f.mcpA1a, 'get_memory', { pkid: 2_147_483_648 }))).toEqual(expected);
    });

    // Last in this block (tests run in order): the refused calls above stored and audited nothing.
    it('none of the refused calls above stored or audited anything', async () => {
      expect(await counts()).toEqual(before);
      expect(await auditOf(f.a1a.userId, since)).toEqual([]);
    });
  });
});
