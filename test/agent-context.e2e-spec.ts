import { AGENT_NOT_FOUND, NO_FIELDS, MEMORY_NOT_FOUND, ISO_UTC, MISSING, alBase, prefBase, memBase, agentContext } from './support/agent-context';
import { AUDIT_FAIL, Method, newRid, refuseAuditFor } from './support/agent-requests';
import { perBlock, useFixtures } from './support/fixtures';
import { expectProblem, problem } from './support/problems';
import { uniqueName } from './support/test-app';

/*
 * LucyAPI's agent-scoped API (issue 4; spec §1.6, §3.2–§3.5 with the §6 Q1–Q7
 * fixes), over HTTP against real PostgreSQL: the one access rule of every
 * agent-scoped route, agent memories, list bounds and writes that roll back with
 * their audit event. Trees: agent-context-trees; context and boot: agent-context-manifest.
 * Fixtures: user U1 with agents A1a and A1b, user U2 with agent A2.
 */

describe('LucyAPI agent-scoped API: access rules, agent memories, bounded lists, transactional audit', () => {
  const ctx = useFixtures();
  const { fixture, createNode, createMemory, rowCount, dbNode } = agentContext(ctx);
  const { as, expectAudited, expectNotAudited } = ctx;

  // ---------------------------------------------------------------------------
  describe('access rules (one rule for every agent-scoped route)', () => {
    const f = perBlock(fixture);
    let al: number;
    let pref: number;
    let mem: number;

    beforeAll(async () => {
      al = await createNode('always_load', f.a1a, { title: 'Voice', description: 'Warm, direct.' });
      pref = await createNode('preferences', f.a1a, { title: 'Food', description: 'Spicy.' });
      mem = await createMemory(f.a1a, { title: 'Has a dog named Rex', description: 'A beagle.' });
      await ctx.newHandoff(f.a1b, f.a1a.agentName, { title: 'Continue', prompt: 'Step 3' });
    });

    const readPaths = (name: string, ids: { al: number; pref: number; mem: number }) => [
      alBase(name),
      `${alBase(name)}/${ids.al}`,
      prefBase(name),
      `${prefBase(name)}/${ids.pref}`,
      `${prefBase(name)}/tree`,
      memBase(name),
      `${memBase(name)}/${ids.mem}`,
      `/agents/${name}/context`,
      `/agents/${name}/handoffs`,
    ];

    it('a same-user sibling (A1b) reads all of A1a’s data: 200', async () => {
      const name = f.a1a.agentName;
      for (const path of readPaths(name, { al, pref, mem })) {
        const res = await as(f.a1b, 'get', path);
        expect({ path, status: res.status }).toEqual({ path, status: 200 });
      }
      expect((await as(f.a1b, 'get', alBase(name))).body.always_load.map((n: { pkid: number }) => n.pkid)).toEqual([al]);
      expect((await as(f.a1b, 'get', `${alBase(name)}/${al}`)).body.node).toMatchObject({ pkid: al, title: 'Voice' });
      expect((await as(f.a1b, 'get', prefBase(name))).body).toEqual({
        agent: name,
        preferences: [{ pkid: pref, title: 'Food', sort_order: 0 }],
        total: 1,
        limit: 200,
        offset: 0,
      });
      expect((await as(f.a1b, 'get', `${memBase(name)}/${mem}`)).body).toMatchObject({ pkid: mem, title: 'Has a dog named Rex' });
      const view = (await as(f.a1b, 'get', `/agents/${name}/context`)).body;
      expect(view.agent).toBe(name);
      expect(view.memories).toEqual([{ pkid: mem, title: 'Has a dog named Rex' }]);
      expect((await as(f.a1b, 'get', `/agents/${name}/handoffs`)).body.handoffs).toHaveLength(1);
    });

    it('a same-user sibling (A1b) writing A1a’s data: 403 "Only the named agent may …", nothing changed or audited', async () => {
      const name = f.a1a.agentName;
      const cases: [Method, string, Record<string, unknown> | undefined, string][] = [
        ['post', alBase(name), { title: 'Intruder' }, 'Only the named agent may write to its always_load'],
        ['put', `${alBase(name)}/${al}`, { title: 'Intruder' }, 'Only the named agent may modify its always_load'],
        ['delete', `${alBase(name)}/${al}`, undefined, 'Only the named agent may delete its always_load'],
        ['post', prefBase(name), { title: 'Intruder' }, 'Only the named agent may write to its preferences'],
        ['put', `${prefBase(name)}/${pref}`, { title: 'Intruder' }, 'Only the named agent may modify its preferences'],
        ['delete', `${prefBase(name)}/${pref}`, undefined, 'Only the named agent may delete its preferences'],
        ['post', memBase(name), { title: 'Intruder' }, 'Only the named agent may write to its memories'],
        ['put', `${memBase(name)}/${mem}`, { title: 'Intruder' }, 'Only the named agent may modify its memories'],
        ['delete', `${memBase(name)}/${mem}`, undefined, 'Only the named agent may delete its memories'],
      ];
      for (const [method, path, body, detail] of cases) {
        const rid = newRid('sibling-write');
        const res = await as(f.a1b, method, path, body, rid);
        expect({ method, path, ...problem(res) }).toEqual({ method, path, status: 403, detail });
        await expectNotAudited(rid);
      }
      // Also for a node that does not exist: the sibling learns nothing more than 403.
      expectProblem(await as(f.a1b, 'delete', `${alBase(name)}/${MISSING}`), 403, 'Only the named agent may delete its always_load');

      expect(await dbNode('always_load', al)).toMatchObject({ title: 'Voice', description: 'Warm, direct.' });
      expect(await dbNode('preferences', pref)).toMatchObject({ title: 'Food', description: 'Spicy.' });
      expect((await as(f.a1a, 'get', `${memBase(name)}/${mem}`).expect(200)).body.title).toBe('Has a dog named Rex');
      expect(await rowCount('always_load', f.a1a)).toBe(1);
      expect(await rowCount('preferences', f.a1a)).toBe(1);
      expect(await rowCount('agent_memories', f.a1a)).toBe(1);
      for (const table of ['always_load', 'preferences', 'agent_memories']) expect(await rowCount(table, f.a1b)).toBe(0);
    });

    /** Every route of an agent-scoped resource, reads and writes, with valid bodies. */
    const allRoutes = (name: string): [Method, string, Record<string, unknown> | undefined][] => [
      ...readPaths(name, { al, pref, mem }).map((p): [Method, string, undefined] => ['get', p, undefined]),
      ['get', `/agents/${name}/context?start_session=true`, undefined],
      ['post', alBase(name), { title: 'Intruder' }],
      ['put', `${alBase(name)}/${al}`, { title: 'Intruder' }],
      ['delete', `${alBase(name)}/${al}`, undefined],
      ['post', prefBase(name), { title: 'Intruder' }],
      ['put', `${prefBase(name)}/${pref}`, { title: 'Intruder' }],
      ['delete', `${prefBase(name)}/${pref}`, undefined],
      ['post', memBase(name), { title: 'Intruder' }],
      ['put', `${memBase(name)}/${mem}`, { title: 'Intruder' }],
      ['delete', `${memBase(name)}/${mem}`, undefined],
      ['post', `/agents/${name}/handoffs`, { title: 'Intruder', prompt: 'x' }],
    ];

    it('an agent of another user (A2): 404 "Agent not found" on every read and write, never 403', async () => {
      for (const [method, path, body] of allRoutes(f.a1a.agentName)) {
        const rid = newRid('foreign');
        const res = await as(f.a2, method, path, body, rid);
        expect({ method, path, ...problem(res) }).toEqual({ method, path, status: 404, detail: AGENT_NOT_FOUND });
        await expectNotAudited(rid);
      }
      // The same for the other agent of U1.
      const res = await as(f.a2, 'get', memBase(f.a1b.agentName));
      expectProblem(res, 404, AGENT_NOT_FOUND);
      // Nothing was written anywhere, and no session was started for A2.
      expect(await rowCount('always_load', f.a1a)).toBe(1);
      expect(await rowCount('preferences', f.a1a)).toBe(1);
      expect(await rowCount('agent_memories', f.a1a)).toBe(1);
      for (const table of ['always_load', 'preferences', 'agent_memories', 'sessions']) expect(await rowCount(table, f.a2)).toBe(0);
    });

    it('an unknown agent name: the same 404 "Agent not found" on every route', async () => {
      for (const [method, path, body] of allRoutes(uniqueName('nobody'))) {
        const rid = newRid('unknown');
        const res = await as(f.a1a, method, path, body, rid);
        expect({ method, path, ...problem(res) }).toEqual({ method, path, status: 404, detail: AGENT_NOT_FOUND });
        await expectNotAudited(rid);
      }
    });

    it('agent names are case-insensitive on reads and writes', async () => {
      const upper = f.a1a.agentName.toUpperCase();
      expect(upper).not.toBe(f.a1a.agentName);

      const list = await as(f.a1b, 'get', memBase(upper)).expect(200);
      expect(list.body.agent).toBe(f.a1a.agentName);
      expect(list.body.memories.map((m: { pkid: number }) => m.pkid)).toEqual([mem]);
      expect((await as(f.a1b, 'get', `/agents/${upper}/context`).expect(200)).body.agent).toBe(f.a1a.agentName);
      expect((await as(f.a1b, 'get', `${prefBase(upper)}/tree`).expect(200)).body.agent).toBe(f.a1a.agentName);

      // The named agent writes through a differently-cased name of itself.
      const created = await as(f.a1a, 'post', alBase(upper), { title: 'Mixed case' }).expect(201);
      expect((await dbNode('always_load', created.body.created.pkid))?.agent_id).toBe(f.a1a.agentId);
      await as(f.a1a, 'delete', `${alBase(upper)}/${created.body.created.pkid}`).expect(200);

      // A sibling is still a sibling, and a foreign agent still gets 404.
      expectProblem(await as(f.a1b, 'post', memBase(upper), { title: 'x' }), 403, 'Only the named agent may write to its memories');
      expectProblem(await as(f.a2, 'get', memBase(upper)), 404, AGENT_NOT_FOUND);
      expectProblem(await as(f.a2, 'post', memBase(upper), { title: 'x' }), 404, AGENT_NOT_FOUND);
    });

    it('every route requires an agent key', async () => {
      for (const path of readPaths(f.a1a.agentName, { al, pref, mem })) {
        const res = await ctx.http().get(path);
        expect({ path, status: res.status }).toEqual({ path, status: 401 });
      }
      expect((await ctx.http().get('/boot')).status).toBe(401);
      expect((await ctx.http().post(memBase(f.a1a.agentName)).send({ title: 'x' })).status).toBe(401);
    });

    it('an unknown key is 401 before body validation (also for an invalid body), and nothing is stored', async () => {
      const forged = { ...f.a1a, apiKey: `${f.a1a.apiKey.slice(0, -4)}zzzz` };
      const name = f.a1a.agentName;
      const cases: [Method, string, unknown][] = [
        ['post', memBase(name), { title: 'x'.repeat(501) }],
        ['post', memBase(name), { title: 'Sneaky' }],
        ['post', alBase(name), { title: 42 }],
        ['put', `${prefBase(name)}/${pref}`, {}],
        ['put', `${alBase(name)}/${al}`, { title: 'Sneaky' }],
        ['delete', `${memBase(name)}/${mem}`, undefined],
      ];
      for (const [method, path, body] of cases) {
        const rid = newRid('forged');
        const res = await as(forged, method, path, body, rid);
        expect({ method, path, ...problem(res) }).toEqual({ method, path, status: 401, detail: 'Invalid API key' });
        await expectNotAudited(rid);
      }
      expect(await rowCount('always_load', f.a1a)).toBe(1);
      expect(await rowCount('agent_memories', f.a1a)).toBe(1);
      expect(await dbNode('always_load', al)).toMatchObject({ title: 'Voice' });
    });
  });

  // ---------------------------------------------------------------------------
  describe('agent memories', () => {
    const f = perBlock(fixture);
    const path = () => memBase(f.a1a.agentName);

    it('POST creates: 201 {created: {pkid, title, created_at}}, audited', async () => {
      const rid = newRid('mem-create');
      const start = Date.now();
      const res = await as(f.a1a, 'post', path(), { title: ' Has a dog named Rex ', description: 'A beagle' }, rid).expect(201);
      expect(res.body).toEqual({ created: { pkid: expect.any(Number), title: 'Has a dog named Rex', created_at: expect.stringMatching(ISO_UTC) } });
      expect(Math.abs(Date.parse(res.body.created.created_at) - start)).toBeLessThan(10_000);
      await expectAudited(rid, 'AGENT_MEMORY_CREATE', f.a1a);
    });

    it('GET lists by pkid with total, limit and offset; GET /{pkid} is the bare memory', async () => {
      const g = await fixture();
      const ids: number[] = [];
      for (const title of ['m1', 'm2', 'm3']) ids.push(await createMemory(g.a1a, { title, description: `${title} text` }));
      await createMemory(g.a1b, { title: 'A1b memory' });

      const res = await as(g.a1b, 'get', memBase(g.a1a.agentName)).expect(200);
      expect(Object.keys(res.body).sort()).toEqual(['agent', 'limit', 'memories', 'offset', 'total']);
      expect(res.body).toMatchObject({ agent: g.a1a.agentName, total: 3, limit: 200, offset: 0 });
      expect(res.body.memories.map((m: { pkid: number }) => m.pkid)).toEqual(ids);
      expect(res.body.memories[0]).toMatchObject({ pkid: ids[0], title: 'm1', description: 'm1 text', created_at: expect.stringMatching(ISO_UTC) });

      const page = await as(g.a1a, 'get', `${memBase(g.a1a.agentName)}?limit=1&offset=2`).expect(200);
      expect(page.body).toMatchObject({ total: 3, limit: 1, offset: 2 });
      expect(page.body.memories.map((m: { pkid: number }) => m.pkid)).toEqual([ids[2]]);
      const beyond = await as(g.a1a, 'get', `${memBase(g.a1a.agentName)}?offset=5`).expect(200);
      expect(beyond.body).toMatchObject({ memories: [], total: 3 });
      for (const query of ['limit=1001', 'limit=0', 'offset=-1']) {
        const bad = await as(g.a1a, 'get', `${memBase(g.a1a.agentName)}?${query}`);
        expect({ query, status: bad.status }).toEqual({ query, status: 422 });
      }

      const one = await as(g.a1b, 'get', `${memBase(g.a1a.agentName)}/${ids[1]}`).expect(200);
      expect(one.body).toMatchObject({ pkid: ids[1], title: 'm2', description: 'm2 text', created_at: expect.stringMatching(ISO_UTC) });
      expect(one.body).not.toHaveProperty('memory');
    });

    it('PUT updates: {updated: {pkid, title}}; absent fields unchanged, description null clears, title null is 422, {} is 400, unknown fields 422', async () => {
      const m = await createMemory(f.a1a, { title: 'Likes tea', description: 'Green' });
      const item = `${path()}/${m}`;

      const rid = newRid('mem-update');
      const res = await as(f.a1a, 'put', item, { title: 'Likes coffee' }, rid).expect(200);
      expect(res.body).toEqual({ updated: { pkid: m, title: 'Likes coffee' } });
      await expectAudited(rid, 'AGENT_MEMORY_UPDATE', f.a1a);
      expect((await as(f.a1a, 'get', item).expect(200)).body).toMatchObject({ title: 'Likes coffee', description: 'Green' });

      await as(f.a1a, 'put', item, { description: 'Black' }).expect(200);
      expect((await as(f.a1a, 'get', item).expect(200)).body).toMatchObject({ title: 'Likes coffee', description: 'Black' });

      for (const [body, status] of [
        [{ title: null }, 422],
        [{ title: '' }, 422],
        [{ title: 'z'.repeat(501) }, 422],
        [{ description: 'd'.repeat(100_001) }, 422],
        [{}, 400],
        [{ other: 1 }, 422],
      ] as [Record<string, unknown>, number][]) {
        const bad = newRid('mem-bad-update');
        const r = await as(f.a1a, 'put', item, body, bad);
        expect({ body, status: r.status }).toEqual({ body, status });
        await expectNotAudited(bad);
      }
      expectProblem(await as(f.a1a, 'put', item, {}), 400, NO_FIELDS);
      const unknown = await as(f.a1a, 'put', item, { other: 1 });
      expectProblem(unknown, 422, { detail: 'other is not a known field', code: 'validation_failed', errors: true });
      expect(unknown.body.errors).toEqual([{ field: 'other', message: 'other is not a known field' }]);
      // Validation comes before existence.
      expectProblem(await as(f.a1a, 'put', `${path()}/${MISSING}`, {}), 400, NO_FIELDS);
      expectProblem(await as(f.a1a, 'put', `${path()}/${MISSING}`, { title: 'x' }), 404, MEMORY_NOT_FOUND);

      const cleared = await as(f.a1a, 'put', item, { description: null }).expect(200);
      expect(cleared.body).toEqual({ updated: { pkid: m, title: 'Likes coffee' } });
      expect((await as(f.a1a, 'get', item).expect(200)).body).toMatchObject({ title: 'Likes coffee', description: null });
    });

    it('validates creates: title 1–500 characters, description ≤ 100,000; nothing stored when refused', async () => {
      const before = await rowCount('agent_memories', f.a1a);
      for (const body of [{}, { title: '' }, { title: 'x'.repeat(501) }, { title: 'ok', description: 'd'.repeat(100_001) }, { title: null }, [1, 2], 'text']) {
        const rid = newRid('mem-bad-create');
        const res = await as(f.a1a, 'post', path(), body, rid);
        expect({ body, status: res.status }).toEqual({ body, status: 422 });
        await expectNotAudited(rid);
      }
      expect(await rowCount('agent_memories', f.a1a)).toBe(before);
      const ok = await as(f.a1a, 'post', path(), { title: 'x'.repeat(500), description: 'd'.repeat(100_000) }).expect(201);
      expect(ok.body.created.title).toHaveLength(500);
    });

    it('DELETE: {deleted: pkid}, audited; then 404 "Memory not found" for GET, PUT and DELETE', async () => {
      const m = await createMemory(f.a1a, { title: 'Temporary' });
      const item = `${path()}/${m}`;
      const rid = newRid('mem-delete');
      expect((await as(f.a1a, 'delete', item, undefined, rid).expect(200)).body).toEqual({ deleted: m });
      await expectAudited(rid, 'AGENT_MEMORY_DELETE', f.a1a);

      expectProblem(await as(f.a1a, 'get', item), 404, MEMORY_NOT_FOUND);
      expectProblem(await as(f.a1a, 'put', item, { title: 'Back' }), 404, MEMORY_NOT_FOUND);
      const again = newRid('mem-delete-again');
      expectProblem(await as(f.a1a, 'delete', item, undefined, again), 404, MEMORY_NOT_FOUND);
      await expectNotAudited(again);
      expectProblem(await as(f.a1a, 'get', `${path()}/${MISSING}`), 404, MEMORY_NOT_FOUND);
    });

    it('a memory of another agent under A1a’s path is 404 "Memory not found"', async () => {
      const theirs = await createMemory(f.a1b, { title: 'A1b memory' });
      expectProblem(await as(f.a1a, 'get', `${path()}/${theirs}`), 404, MEMORY_NOT_FOUND);
      expectProblem(await as(f.a1a, 'put', `${path()}/${theirs}`, { title: 'mine now' }), 404, MEMORY_NOT_FOUND);
      expectProblem(await as(f.a1a, 'delete', `${path()}/${theirs}`), 404, MEMORY_NOT_FOUND);
      expect((await as(f.a1b, 'get', `${memBase(f.a1b.agentName)}/${theirs}`).expect(200)).body.title).toBe('A1b memory');
    });
  });

  // ---------------------------------------------------------------------------
  describe('lists are bounded (limit default 200, max 1000)', () => {
    const f = perBlock(fixture);
    const N = 1001;

    beforeAll(async () => {
      // Bulk rows straight into the tables: the API would take a thousand requests per table.
      await ctx.db.query(
        `INSERT INTO agent_memories (user_id, agent_id, title) SELECT $1, $2, 'm' || i FROM generate_series(1, $3) AS i`,
        [f.a1a.userId, f.a1a.agentId, N],
      );
      await ctx.db.query(
        `INSERT INTO always_load (user_id, agent_id, parent_id, title) SELECT $1, $2, 0, 'n' || i FROM generate_series(1, $3) AS i`,
        [f.a1a.userId, f.a1a.agentId, N],
      );
    });

    const lists: [string, (name: string) => string, 'memories' | 'always_load'][] = [
      ['memories', memBase, 'memories'],
      ['always_load', alBase, 'always_load'],
    ];

    it.each(lists)('%s: without limit at most 200 rows; limit=1000 at most 1000; total counts all; offset reaches the rest', async (_label, base, key) => {
      const url = base(f.a1a.agentName);
      const all = (
        await ctx.db.query(`SELECT pkid FROM ${key === 'memories' ? 'agent_memories' : 'always_load'} WHERE agent_id = $1 ORDER BY pkid`, [
          f.a1a.agentId,
        ])
      ).map((r: { pkid: number }) => r.pkid);
      expect(all).toHaveLength(N);

      const first = await as(f.a1b, 'get', url).expect(200);
      expect(first.body).toMatchObject({ total: N, limit: 200, offset: 0 });
      expect(first.body[key].map((r: { pkid: number }) => r.pkid)).toEqual(all.slice(0, 200));

      const max = await as(f.a1a, 'get', `${url}?limit=1000`).expect(200);
      expect(max.body).toMatchObject({ total: N, limit: 1000, offset: 0 });
      expect(max.body[key]).toHaveLength(1000);

      const rest = await as(f.a1a, 'get', `${url}?limit=1000&offset=1000`).expect(200);
      expect(rest.body).toMatchObject({ total: N, limit: 1000, offset: 1000 });
      expect(rest.body[key].map((r: { pkid: number }) => r.pkid)).toEqual([all[N - 1]]);

      expectProblem(await as(f.a1a, 'get', `${url}?limit=1001`), 422);
    });
  });

  // ---------------------------------------------------------------------------
  describe('a write and its audit event share one transaction', () => {
    const f = perBlock(fixture);
    const FAIL = AUDIT_FAIL;

    refuseAuditFor(() => ctx.app);

    it('when the audit insert fails, the create, update, move and subtree delete are rolled back (500, nothing changed)', async () => {
      const root = await createNode('always_load', f.a1a, { title: 'Root', description: 'keep' });
      const child = await createNode('always_load', f.a1a, { title: 'Child', parent_id: root });
      const other = await createNode('always_load', f.a1a, { title: 'Other' });
      const mem = await createMemory(f.a1a, { title: 'Kept memory', description: 'keep' });
      const name = f.a1a.agentName;
      const cases: [Method, string, Record<string, unknown> | undefined][] = [
        ['post', alBase(name), { title: 'Ghost node' }],
        ['post', prefBase(name), { title: 'Ghost preference' }],
        ['post', memBase(name), { title: 'Ghost memory' }],
        ['put', `${alBase(name)}/${root}`, { title: 'Renamed', description: null }],
        ['put', `${alBase(name)}/${child}`, { parent_id: other }],
        ['put', `${memBase(name)}/${mem}`, { title: 'Renamed', description: null }],
        ['delete', `${alBase(name)}/${root}`, undefined],
        ['delete', `${memBase(name)}/${mem}`, undefined],
        ['get', `/agents/${name}/context?start_session=true`, undefined],
      ];
      for (const [method, path, body] of cases) {
        const rid = newRid(FAIL);
        const res = await as(f.a1a, method, path, body, rid);
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 500 });
        expect(res.text).not.toContain('audit refused');
        // The 500 is the refused audit event (its cause is logged with the request id), not some other failure.
        expect({ path, logged: ctx.logs.some((l) => l.includes(rid) && l.includes('audit refused by test')) }).toEqual({ path, logged: true });
      }
      expect(await rowCount('always_load', f.a1a)).toBe(3);
      expect(await rowCount('preferences', f.a1a)).toBe(0);
      expect(await rowCount('agent_memories', f.a1a)).toBe(1);
      expect(await rowCount('sessions', f.a1a)).toBe(0);
      expect(await dbNode('always_load', root)).toMatchObject({ title: 'Root', description: 'keep', parent_id: 0 });
      expect(await dbNode('always_load', child)).toMatchObject({ title: 'Child', parent_id: root });
      expect((await as(f.a1a, 'get', `${memBase(name)}/${mem}`).expect(200)).body).toMatchObject({ title: 'Kept memory', description: 'keep' });

      // The same requests with an ordinary request id go through.
      await as(f.a1a, 'delete', `${alBase(name)}/${root}`).expect(200);
      expect(await rowCount('always_load', f.a1a)).toBe(1);
    });
  });

});
