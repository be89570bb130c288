import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { MEMORY_NOT_FOUND as MEMORY_NOT_FOUND_TEXT } from './support/agent-context';
import type { Method } from './support/agent-requests';
import { NodeWithChildren, CreatedNode, UpdatedNode, Memory, AGENT_NOT_FOUND, PARENT_RULE, contextTools } from './support/agent-context-mcp';
import { Json, ok, toolError, restOk, restError, ISO, NO_FIELDS_ERROR, notFound } from './support/mcp-client';
import { useFixtures } from './support/fixtures';
import { TestAgent, uniqueName } from './support/test-app';

/**
 * The always-load and preference tree tools and the memory tools over MCP (official
 * SDK client): the same results as REST, `agent_name` defaulting to the caller, the
 * REST access rules (a sibling reads, only the named agent writes), update, move and
 * delete semantics.
 *
 * Fixtures: user U1 (agents A1a, A1b, time zone America/Denver), user U2 (agent A2).
 */

describe('Agent context MCP tools: always-load and preference trees, memories', () => {
  const ctx = useFixtures();
  const { key, call, connect, rest, lastSeq, auditOf, agents } = contextTools(ctx);
  const f = agents();

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
    const nodeNotFound = notFound(tree.notFound);

    async function mk(client: Client, args: Json): Promise<number> {
      return ok<CreatedNode>(await call(client, tree.create, args)).created.pkid;
    }

    async function nodeOf(agent: TestAgent, pkid: number): Promise<NodeWithChildren> {
      return restOk<NodeWithChildren>(await rest(agent, 'get', url(agent, `/${pkid}`)));
    }

    it(`${tree.create} without agent_name writes to the caller's tree; the answer has the REST shape`, async () => {
      const title = uniqueName('node');
      const mcp = ok<CreatedNode>(await call(f.mcpA1a, tree.create, { title, description: 'About me' }));
      expect(mcp).toEqual({ created: { pkid: expect.any(Number), parent_id: 0, title, sort_order: 0 } });
      const viaRest = restOk<CreatedNode>(await rest(f.a1a, 'post', url(f.a1a), { title: `${title}-rest` }), 201);
      expect(Object.keys(viaRest.created).sort()).toEqual(Object.keys(mcp.created).sort());

      const stored = await nodeOf(f.a1a, mcp.created.pkid);
      expect(stored.node).toMatchObject({ pkid: mcp.created.pkid, parent_id: 0, title, description: 'About me', sort_order: 0 });
      // Explicitly naming oneself is the same as the default.
      const named = ok<CreatedNode>(
        await call(f.mcpA1a, tree.create, { agent_name: f.a1a.agentName, title, parent_id: mcp.created.pkid, sort_order: 2 }),
      );
      expect(named.created).toMatchObject({ parent_id: mcp.created.pkid, title, sort_order: 2 });
      expect((await nodeOf(f.a1a, mcp.created.pkid)).children.map((c) => c.pkid)).toEqual([named.created.pkid]);
    });

    it(`${tree.item}: node and children, the same JSON as REST, for the owner (default) and a sibling (agent_name)`, async () => {
      const root = await mk(f.mcpA1a, { title: 'Root', description: 'r' });
      const second = await mk(f.mcpA1a, { title: 'Second', parent_id: root, sort_order: 1 });
      const first = await mk(f.mcpA1a, { title: 'First', parent_id: root, sort_order: 0 });
      const grand = await mk(f.mcpA1a, { title: 'Grand', parent_id: first });

      const own = ok<NodeWithChildren>(await call(f.mcpA1a, tree.item, { pkid: root }));
      expect(own).toEqual(await nodeOf(f.a1a, root));
      expect(own.node).toMatchObject({ pkid: root, parent_id: 0, title: 'Root', description: 'r' });
      expect(own.children.map((c) => c.pkid)).toEqual([first, second]);
      expect(own.children.map((c) => c.pkid)).not.toContain(grand);

      const bySibling = ok(await call(f.mcpA1b, tree.item, { agent_name: f.a1a.agentName, pkid: root }));
      expect(bySibling).toEqual(own);
      expect(bySibling).toEqual(restOk(await rest(f.a1b, 'get', url(f.a1a, `/${root}`))));
    });

    it(`${tree.item} of a missing pkid, or one of another agent's tree: not_found "${tree.notFound}", as REST`, async () => {
      const ofSibling = await mk(f.mcpA1b, { title: 'Sibling node' });
      for (const pkid of [2_000_000_000, ofSibling]) {
        expect(toolError(await call(f.mcpA1a, tree.item, { pkid }))).toEqual(nodeNotFound);
        expect(restError(await rest(f.a1a, 'get', url(f.a1a, `/${pkid}`)), 404)).toEqual(nodeNotFound);
      }
    });

    it(`${tree.update}: absent fields unchanged, description null clears; same result as REST PUT`, async () => {
      const pkid = await mk(f.mcpA1a, { title: 'Before', description: 'Keep me', sort_order: 3 });

      const retitled = ok<UpdatedNode>(await call(f.mcpA1a, tree.update, { pkid, title: 'After' }));
      expect(retitled).toEqual({ updated: { pkid, parent_id: 0, title: 'After', sort_order: 3 } });
      expect((await nodeOf(f.a1a, pkid)).node).toMatchObject({ title: 'After', description: 'Keep me', sort_order: 3 });

      const cleared = ok<UpdatedNode>(await call(f.mcpA1a, tree.update, { pkid, description: null }));
      expect(cleared).toEqual(retitled);
      expect((await nodeOf(f.a1a, pkid)).node).toMatchObject({ title: 'After', description: null, sort_order: 3 });

      const described = ok<UpdatedNode>(await call(f.mcpA1a, tree.update, { pkid, description: 'New text', sort_order: 1 }));
      expect((await nodeOf(f.a1a, pkid)).node).toMatchObject({ title: 'After', description: 'New text', sort_order: 1 });

      // The same body through REST gives the same answer.
      const body = { description: 'New text', sort_order: 1 };
      expect(restOk(await rest(f.a1a, 'put', url(f.a1a, `/${pkid}`), body))).toEqual(described);
    });

    it(`${tree.update} with no fields → bad_request "No fields to update" (before existence); title null → validation_failed`, async () => {
      const pkid = await mk(f.mcpA1a, { title: 'Untouched', description: 'd' });
      expect(toolError(await call(f.mcpA1a, tree.update, { pkid }))).toEqual(NO_FIELDS_ERROR);
      expect(restError(await rest(f.a1a, 'put', url(f.a1a, `/${pkid}`), {}), 400)).toEqual(NO_FIELDS_ERROR);
      // Body validation comes before the existence check.
      expect(toolError(await call(f.mcpA1a, tree.update, { pkid: 2_000_000_000 }))).toEqual(NO_FIELDS_ERROR);

      const nullTitle = toolError(await call(f.mcpA1a, tree.update, { pkid, title: null }));
      expect(nullTitle.code).toBe('validation_failed');
      expect(nullTitle.errors?.map((e) => e.field)).toEqual(['title']);
      expect(nullTitle.message).toContain('title');
      expect(nullTitle).toEqual(restError(await rest(f.a1a, 'put', url(f.a1a, `/${pkid}`), { title: null }), 422));

      expect((await nodeOf(f.a1a, pkid)).node).toMatchObject({ title: 'Untouched', description: 'd' });
    });

    it(`${tree.update} of a missing node → not_found "${tree.notFound}", as REST`, async () => {
      expect(toolError(await call(f.mcpA1a, tree.update, { pkid: 2_000_000_000, title: 'x' }))).toEqual(nodeNotFound);
      expect(restError(await rest(f.a1a, 'put', url(f.a1a, '/2000000000'), { title: 'x' }), 404)).toEqual(nodeNotFound);
    });

    it(`${tree.create} under a missing parent or a parent of another agent's tree → validation_failed on parent_id`, async () => {
      const foreignParent = await mk(f.mcpA1b, { title: 'A1b parent' });
      for (const parent_id of [2_000_000_000, foreignParent]) {
        const error = toolError(await call(f.mcpA1a, tree.create, { title: 'Orphan', parent_id }));
        expect(error).toEqual({
          code: 'validation_failed',
          message: PARENT_RULE,
          errors: [{ field: 'parent_id', message: PARENT_RULE }],
        });
        expect(restError(await rest(f.a1a, 'post', url(f.a1a), { title: 'Orphan', parent_id }), 422)).toEqual(error);
      }
      const orphans: unknown[] = await ctx.db.query(`SELECT 1 FROM ${tree.kind} WHERE agent_id = $1 AND title = 'Orphan'`, [
        f.a1a.agentId,
      ]);
      expect(orphans).toEqual([]);
    });

    it(`${tree.move} moves a subtree and refuses cycles and missing or foreign parents with validation_failed`, async () => {
      const r = await mk(f.mcpA1a, { title: 'R' });
      const c = await mk(f.mcpA1a, { title: 'C', parent_id: r });
      const g = await mk(f.mcpA1a, { title: 'G', parent_id: c });
      const s = await mk(f.mcpA1a, { title: 'S' });
      const foreign = await mk(f.mcpA1b, { title: 'Foreign' });

      for (const target of [r, c, g]) {
        const cycle = toolError(await call(f.mcpA1a, tree.move, { pkid: r, parent_id: target }));
        expect(cycle.code).toBe('validation_failed');
        expect(cycle.errors?.map((e) => e.field)).toEqual(['parent_id']);
        expect(cycle).toEqual(restError(await rest(f.a1a, 'put', url(f.a1a, `/${r}`), { parent_id: target }), 422));
      }
      for (const parent_id of [2_000_000_000, foreign]) {
        expect(toolError(await call(f.mcpA1a, tree.move, { pkid: c, parent_id }))).toEqual({
          code: 'validation_failed',
          message: PARENT_RULE,
          errors: [{ field: 'parent_id', message: PARENT_RULE }],
        });
      }
      // Nothing moved.
      expect((await nodeOf(f.a1a, r)).node.parent_id).toBe(0);
      expect((await nodeOf(f.a1a, c)).node.parent_id).toBe(r);

      const moved = ok<UpdatedNode>(await call(f.mcpA1a, tree.move, { pkid: c, parent_id: s, sort_order: 4 }));
      expect(moved).toEqual({ updated: { pkid: c, parent_id: s, title: 'C', sort_order: 4 } });
      expect((await nodeOf(f.a1a, s)).children.map((n) => n.pkid)).toEqual([c]);
      expect((await nodeOf(f.a1a, r)).children).toEqual([]);
      expect((await nodeOf(f.a1a, c)).children.map((n) => n.pkid)).toEqual([g]); // the subtree came along

      // Now R may go under G (no longer its descendant); then back to the root.
      expect(ok<UpdatedNode>(await call(f.mcpA1a, tree.move, { pkid: r, parent_id: g })).updated.parent_id).toBe(g);
      const toRoot = ok<UpdatedNode>(await call(f.mcpA1a, tree.move, { pkid: r, parent_id: 0 }));
      expect(toRoot).toEqual({ updated: { pkid: r, parent_id: 0, title: 'R', sort_order: 0 } });
      // REST PUT with the same body answers the same.
      expect(restOk(await rest(f.a1a, 'put', url(f.a1a, `/${r}`), { parent_id: 0 }))).toEqual(toRoot);

      expect(toolError(await call(f.mcpA1a, tree.move, { pkid: 2_000_000_000, parent_id: 0 }))).toEqual(nodeNotFound);
    });

    it(`${tree.remove} deletes the subtree, reports descendants_deleted and never touches another agent's nodes`, async () => {
      const r = await mk(f.mcpA1a, { title: 'R' });
      const c = await mk(f.mcpA1a, { title: 'C', parent_id: r });
      const g = await mk(f.mcpA1a, { title: 'G', parent_id: c });
      const keep = await mk(f.mcpA1a, { title: 'Keep' });
      // A node of another agent pointing at R's pkid (the API refuses that; write it directly).
      const [other] = await ctx.db.query(
        `INSERT INTO ${tree.kind} (user_id, agent_id, parent_id, title) VALUES ($1, $2, $3, 'Not yours') RETURNING pkid`,
        [f.a1b.userId, f.a1b.agentId, r],
      );

      expect(ok(await call(f.mcpA1a, tree.remove, { pkid: r }))).toEqual({ deleted: r, descendants_deleted: 2 });
      for (const pkid of [r, c, g]) {
        expect(toolError(await call(f.mcpA1a, tree.item, { pkid }))).toEqual(nodeNotFound);
      }
      expect(ok<NodeWithChildren>(await call(f.mcpA1a, tree.item, { pkid: keep })).node.pkid).toBe(keep);
      const survivor: unknown[] = await ctx.db.query(`SELECT 1 FROM ${tree.kind} WHERE pkid = $1 AND agent_id = $2`, [
        other.pkid,
        f.a1b.agentId,
      ]);
      expect(survivor).toHaveLength(1);

      // Missing (or already deleted) → not_found, as REST.
      expect(toolError(await call(f.mcpA1a, tree.remove, { pkid: r }))).toEqual(nodeNotFound);
      expect(restError(await rest(f.a1a, 'delete', url(f.a1a, `/${r}`)), 404)).toEqual(nodeNotFound);
      // Another agent's node under one's own name → not_found too.
      expect(toolError(await call(f.mcpA1a, tree.remove, { pkid: other.pkid }))).toEqual(nodeNotFound);

      // A leaf: 0 descendants; REST gives the same shape.
      expect(ok(await call(f.mcpA1a, tree.remove, { pkid: keep }))).toEqual({ deleted: keep, descendants_deleted: 0 });
      const leaf = await mk(f.mcpA1a, { title: 'Leaf' });
      expect(restOk(await rest(f.a1a, 'delete', url(f.a1a, `/${leaf}`)))).toEqual({ deleted: leaf, descendants_deleted: 0 });
    });

    it(`a sibling (A1b) writing A1a's ${tree.kind} → forbidden "Only the named agent may …", as REST; nothing changes`, async () => {
      const pkid = await mk(f.mcpA1a, { title: 'Mine', description: 'mine' });
      const cases: [string, Json, Method, string, object | undefined, string][] = [
        [tree.create, { title: 'Intruder' }, 'post', '', { title: 'Intruder' }, `write to its ${tree.kind}`],
        [tree.update, { pkid, title: 'Intruder' }, 'put', `/${pkid}`, { title: 'Intruder' }, `modify its ${tree.kind}`],
        [tree.move, { pkid, parent_id: 0, sort_order: 9 }, 'put', `/${pkid}`, { parent_id: 0, sort_order: 9 }, `modify its ${tree.kind}`],
        [tree.remove, { pkid }, 'delete', `/${pkid}`, undefined, `delete its ${tree.kind}`],
      ];
      for (const [tool, args, method, suffix, body, action] of cases) {
        const expected = { code: 'forbidden', message: `Only the named agent may ${action}` };
        expect(toolError(await call(f.mcpA1b, tool, { agent_name: f.a1a.agentName, ...args }))).toEqual(expected);
        expect(restError(await rest(f.a1b, method, url(f.a1a, suffix), body), 403)).toEqual(expected);
      }
      expect((await nodeOf(f.a1a, pkid)).node).toMatchObject({ title: 'Mine', description: 'mine', sort_order: 0 });
      const intruders: unknown[] = await ctx.db.query(`SELECT 1 FROM ${tree.kind} WHERE title = 'Intruder'`);
      expect(intruders).toEqual([]);
    });

    it(`another user's agent (A2) or an unknown name → not_found "Agent not found" for reads and writes, as REST`, async () => {
      const pkid = await mk(f.mcpA1a, { title: 'Private' });
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
        expect(toolError(await call(f.mcpA2, tool, { agent_name: f.a1a.agentName, ...args }))).toEqual(AGENT_NOT_FOUND);
        expect(restError(await rest(f.a2, method, url(f.a1a, suffix), body), 404)).toEqual(AGENT_NOT_FOUND);
        expect(toolError(await call(f.mcpA1a, tool, { agent_name: 'nobody-at-all', ...args }))).toEqual(AGENT_NOT_FOUND);
      }
      expect((await nodeOf(f.a1a, pkid)).node.title).toBe('Private');
    });

    it(`writes are audited as ${tree.event}_CREATE|UPDATE|DELETE with the calling agent`, async () => {
      const agent = await ctx.newUser();
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
    const MEMORY_NOT_FOUND = notFound(MEMORY_NOT_FOUND_TEXT);

    async function mk(client: Client, args: Json): Promise<number> {
      return ok<{ created: { pkid: number } }>(await call(client, 'create_memory', args)).created.pkid;
    }

    it('create_memory, get_memories and get_memory: the REST JSON, defaulting to the caller, readable by a sibling', async () => {
      const agent = await ctx.newUser();
      const sib = await ctx.newAgent(agent);
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
      const ofSibling = await mk(f.mcpA1b, { title: 'A1b memory' });
      for (const pkid of [2_000_000_000, ofSibling]) {
        expect(toolError(await call(f.mcpA1a, 'get_memory', { pkid }))).toEqual(MEMORY_NOT_FOUND);
        expect(restError(await rest(f.a1a, 'get', url(f.a1a, `/${pkid}`)), 404)).toEqual(MEMORY_NOT_FOUND);
      }
    });

    it('update_memory: absent fields unchanged, description null clears, {} → bad_request, title null → validation_failed', async () => {
      const pkid = await mk(f.mcpA1a, { title: 'Old', description: 'Keep' });
      const get = async () => ok<Memory>(await call(f.mcpA1a, 'get_memory', { pkid }));

      expect(ok(await call(f.mcpA1a, 'update_memory', { pkid, title: 'New' }))).toEqual({ updated: { pkid, title: 'New' } });
      expect(await get()).toMatchObject({ title: 'New', description: 'Keep' });
      expect(ok(await call(f.mcpA1a, 'update_memory', { pkid, description: null }))).toEqual({ updated: { pkid, title: 'New' } });
      expect(await get()).toMatchObject({ title: 'New', description: null });
      const mcp = ok(await call(f.mcpA1a, 'update_memory', { pkid, description: 'Back' }));
      expect(restOk(await rest(f.a1a, 'put', url(f.a1a, `/${pkid}`), { description: 'Back' }))).toEqual(mcp);

      expect(toolError(await call(f.mcpA1a, 'update_memory', { pkid }))).toEqual(NO_FIELDS_ERROR);
      expect(restError(await rest(f.a1a, 'put', url(f.a1a, `/${pkid}`), {}), 400)).toEqual(NO_FIELDS_ERROR);
      expect(toolError(await call(f.mcpA1a, 'update_memory', { pkid: 2_000_000_000 }))).toEqual(NO_FIELDS_ERROR);
      const nullTitle = toolError(await call(f.mcpA1a, 'update_memory', { pkid, title: null }));
      expect(nullTitle.code).toBe('validation_failed');
      expect(nullTitle.errors?.map((e) => e.field)).toEqual(['title']);
      expect(nullTitle).toEqual(restError(await rest(f.a1a, 'put', url(f.a1a, `/${pkid}`), { title: null }), 422));
      expect(await get()).toMatchObject({ title: 'New', description: 'Back' });

      expect(toolError(await call(f.mcpA1a, 'update_memory', { pkid: 2_000_000_000, title: 'x' }))).toEqual(MEMORY_NOT_FOUND);
      expect(restError(await rest(f.a1a, 'put', url(f.a1a, '/2000000000'), { title: 'x' }), 404)).toEqual(MEMORY_NOT_FOUND);
    });

    it('delete_memory → {deleted: pkid}; again → not_found, as REST', async () => {
      const pkid = await mk(f.mcpA1a, { title: 'Temporary' });
      expect(ok(await call(f.mcpA1a, 'delete_memory', { pkid }))).toEqual({ deleted: pkid });
      expect(toolError(await call(f.mcpA1a, 'get_memory', { pkid }))).toEqual(MEMORY_NOT_FOUND);
      expect(toolError(await call(f.mcpA1a, 'delete_memory', { pkid }))).toEqual(MEMORY_NOT_FOUND);
      expect(restError(await rest(f.a1a, 'delete', url(f.a1a, `/${pkid}`)), 404)).toEqual(MEMORY_NOT_FOUND);
      const other = await mk(f.mcpA1a, { title: 'Temporary 2' });
      expect(restOk(await rest(f.a1a, 'delete', url(f.a1a, `/${other}`)))).toEqual({ deleted: other });
    });

    it('a sibling writing → forbidden "Only the named agent may …"; another user or unknown name → not_found', async () => {
      const pkid = await mk(f.mcpA1a, { title: 'Mine' });
      const writes: [string, Json, Method, string, object | undefined, string][] = [
        ['create_memory', { title: 'Intruder' }, 'post', '', { title: 'Intruder' }, 'write to its memories'],
        ['update_memory', { pkid, title: 'Intruder' }, 'put', `/${pkid}`, { title: 'Intruder' }, 'modify its memories'],
        ['delete_memory', { pkid }, 'delete', `/${pkid}`, undefined, 'delete its memories'],
      ];
      for (const [tool, args, method, suffix, body, action] of writes) {
        const forbidden = { code: 'forbidden', message: `Only the named agent may ${action}` };
        expect(toolError(await call(f.mcpA1b, tool, { agent_name: f.a1a.agentName, ...args }))).toEqual(forbidden);
        expect(restError(await rest(f.a1b, method, url(f.a1a, suffix), body), 403)).toEqual(forbidden);
        expect(toolError(await call(f.mcpA2, tool, { agent_name: f.a1a.agentName, ...args }))).toEqual(AGENT_NOT_FOUND);
        expect(restError(await rest(f.a2, method, url(f.a1a, suffix), body), 404)).toEqual(AGENT_NOT_FOUND);
        expect(toolError(await call(f.mcpA1a, tool, { agent_name: 'nobody-at-all', ...args }))).toEqual(AGENT_NOT_FOUND);
      }
      for (const [tool, args] of [
        ['get_memories', {}],
        ['get_memory', { pkid }],
      ] as [string, Json][]) {
        expect(toolError(await call(f.mcpA2, tool, { agent_name: f.a1a.agentName, ...args }))).toEqual(AGENT_NOT_FOUND);
        expect(toolError(await call(f.mcpA1a, tool, { agent_name: 'nobody-at-all', ...args }))).toEqual(AGENT_NOT_FOUND);
      }
      expect(restError(await rest(f.a2, 'get', url(f.a1a)), 404)).toEqual(AGENT_NOT_FOUND);
      expect(ok<Memory>(await call(f.mcpA1a, 'get_memory', { pkid })).title).toBe('Mine');
      const intruders: unknown[] = await ctx.db.query(`SELECT 1 FROM agent_memories WHERE title = 'Intruder'`);
      expect(intruders).toEqual([]);
    });

    it('writes are audited as AGENT_MEMORY_CREATE|UPDATE|DELETE with the calling agent', async () => {
      const agent = await ctx.newUser();
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

});
