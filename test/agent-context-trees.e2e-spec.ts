import { AGENT_NOT_FOUND, NO_FIELDS, MISSING, alBase, prefBase, TREES, agentContext } from './support/agent-context';
import { newRid } from './support/agent-requests';
import { perBlock, useFixtures } from './support/fixtures';
import { expectProblem } from './support/problems';

/*
 * LucyAPI's always-load and preferences trees (issue 4; spec §3.2–§3.4), over HTTP
 * against real PostgreSQL: create, read, update, move and subtree delete, the
 * always-load flat list, the preferences manifest and tree.
 * Fixtures: user U1 with agents A1a and A1b, user U2 with agent A2.
 */

describe('LucyAPI agent-scoped API: the always-load and preferences trees', () => {
  const ctx = useFixtures();
  const { fixture, createNode, rowCount, dbNode } = agentContext(ctx);
  const { as, expectAudited, expectNotAudited } = ctx;

  // ---------------------------------------------------------------------------
  describe.each(TREES)('$kind tree', ({ kind, other, base, notFound, event }) => {
    const f = perBlock(fixture);
    let path: string;
    const item = (pkid: number) => `${path}/${pkid}`;

    beforeAll(() => {
      path = base(f.a1a.agentName);
    });

    const getNode = async (pkid: number) => (await as(f.a1a, 'get', item(pkid)).expect(200)).body;
    const childIds = async (pkid: number) => (await getNode(pkid)).children.map((c: { pkid: number }) => c.pkid);

    it('POST creates a node: 201 {created: {pkid, parent_id, title, sort_order}}, audited with the acting agent', async () => {
      const rid = newRid('create');
      const res = await as(f.a1a, 'post', path, { title: '  Identity  ', description: 'Who I am.' }, rid).expect(201);
      expect(res.body).toEqual({ created: { pkid: expect.any(Number), parent_id: 0, title: 'Identity', sort_order: 0 } });
      await expectAudited(rid, `${event}_CREATE`, f.a1a);

      const child = await as(f.a1a, 'post', path, { title: 'Tone', parent_id: res.body.created.pkid, sort_order: 3 }).expect(201);
      expect(child.body.created).toEqual({ pkid: expect.any(Number), parent_id: res.body.created.pkid, title: 'Tone', sort_order: 3 });

      expect(await dbNode(kind, res.body.created.pkid)).toEqual({
        agent_id: f.a1a.agentId,
        parent_id: 0,
        title: 'Identity',
        description: 'Who I am.',
      });
      expect((await dbNode(kind, child.body.created.pkid))?.description).toBeNull();
    });

    it('GET /{pkid} gives {node, children} with the immediate children only, in sibling order', async () => {
      const r = await createNode(kind, f.a1a, { title: 'Root', description: 'root text', sort_order: 7 });
      const c1 = await createNode(kind, f.a1a, { title: 'C1', parent_id: r, sort_order: 2 });
      const c2 = await createNode(kind, f.a1a, { title: 'C2', parent_id: r, description: 'c2 text', sort_order: 1 });
      await createNode(kind, f.a1a, { title: 'G', parent_id: c1 });

      const res = await as(f.a1a, 'get', item(r)).expect(200);
      expect(Object.keys(res.body).sort()).toEqual(['children', 'node']);
      expect(res.body.node).toMatchObject({ pkid: r, parent_id: 0, title: 'Root', description: 'root text', sort_order: 7 });
      expect(res.body.children).toEqual([
        expect.objectContaining({ pkid: c2, parent_id: r, title: 'C2', description: 'c2 text', sort_order: 1 }),
        expect.objectContaining({ pkid: c1, parent_id: r, title: 'C1', description: null, sort_order: 2 }),
      ]);
      expect((await as(f.a1a, 'get', item(c1)).expect(200)).body.children.map((c: { title: string }) => c.title)).toEqual(['G']);
    });

    it(`a missing node, or one of another agent, is 404 "${notFound}" (not 200 with node: null)`, async () => {
      expectProblem(await as(f.a1a, 'get', item(MISSING)), 404, notFound);
      const foreign = await createNode(kind, f.a1b, { title: 'A1b own' });
      expectProblem(await as(f.a1a, 'get', item(foreign)), 404, notFound);
      expectProblem(await as(f.a1a, 'put', item(foreign), { title: 'stolen' }), 404, notFound);
      expectProblem(await as(f.a1a, 'delete', item(foreign)), 404, notFound);
      expect(await dbNode(kind, foreign)).toMatchObject({ agent_id: f.a1b.agentId, title: 'A1b own' });
      // Under its own agent's path it is there.
      await as(f.a1a, 'get', `${base(f.a1b.agentName)}/${foreign}`).expect(200);
    });

    it('PUT with no fields is 400 "No fields to update" (only unknown fields: 422 naming them), checked before the node exists', async () => {
      const n = await createNode(kind, f.a1a, { title: 'Unchanged', description: 'keep' });
      for (const pkid of [n, MISSING]) {
        const rid = newRid('empty');
        expectProblem(await as(f.a1a, 'put', item(pkid), {}, rid), 400, NO_FIELDS);
        await expectNotAudited(rid);
        const unknownRid = newRid('unknown');
        const unknown = await as(f.a1a, 'put', item(pkid), { unknown_field: 'x' }, unknownRid);
        expectProblem(unknown, 422, { detail: 'unknown_field is not a known field', code: 'validation_failed', errors: true });
        expect(unknown.body.errors).toEqual([{ field: 'unknown_field', message: 'unknown_field is not a known field' }]);
        await expectNotAudited(unknownRid);
      }
      expectProblem(await as(f.a1a, 'put', item(MISSING), { title: 'x' }), 404, notFound);
      expect(await dbNode(kind, n)).toMatchObject({ title: 'Unchanged', description: 'keep' });
    });

    it('PUT: absent fields unchanged, description null clears it, title null is 422', async () => {
      const n = await createNode(kind, f.a1a, { title: 'Original', description: 'First text', sort_order: 4 });

      const rid = newRid('update');
      const renamed = await as(f.a1a, 'put', item(n), { title: 'Renamed' }, rid).expect(200);
      expect(renamed.body).toEqual({ updated: { pkid: n, parent_id: 0, title: 'Renamed', sort_order: 4 } });
      await expectAudited(rid, `${event}_UPDATE`, f.a1a);
      expect((await getNode(n)).node).toMatchObject({ title: 'Renamed', description: 'First text', sort_order: 4, parent_id: 0 });

      await as(f.a1a, 'put', item(n), { description: 'Second text' }).expect(200);
      expect((await getNode(n)).node).toMatchObject({ title: 'Renamed', description: 'Second text', sort_order: 4 });

      const nullTitle = newRid('null-title');
      expectProblem(await as(f.a1a, 'put', item(n), { title: null }, nullTitle), 422);
      await expectNotAudited(nullTitle);
      expectProblem(await as(f.a1a, 'put', item(n), { title: null, description: null }), 422);
      expect((await getNode(n)).node).toMatchObject({ title: 'Renamed', description: 'Second text' });

      const cleared = await as(f.a1a, 'put', item(n), { description: null }).expect(200);
      expect(cleared.body.updated).toEqual({ pkid: n, parent_id: 0, title: 'Renamed', sort_order: 4 });
      expect((await getNode(n)).node).toMatchObject({ title: 'Renamed', description: null, sort_order: 4 });
      expect((await dbNode(kind, n))?.description).toBeNull();
    });

    it('titles over 500 characters and descriptions over 100,000 are 422 (create and update); the limits themselves pass', async () => {
      const before = await rowCount(kind, f.a1a);
      const bad: Record<string, unknown>[] = [
        { title: 'x'.repeat(501) },
        { title: 'ok', description: 'd'.repeat(100_001) },
        {},
        { title: '' },
        { title: '   ' },
        { title: 42 },
        { title: 'ok', description: 42 },
        { title: 'ok', parent_id: -1 },
        { title: 'ok', parent_id: 'one' },
        { title: 'ok', sort_order: 1.5 },
      ];
      for (const body of bad) {
        const rid = newRid('bad-create');
        const res = await as(f.a1a, 'post', path, body, rid);
        expect({ body: Object.keys(body), status: res.status }).toEqual({ body: Object.keys(body), status: 422 });
        await expectNotAudited(rid);
      }
      expect(await rowCount(kind, f.a1a)).toBe(before);

      // Characters are code points, as PostgreSQL counts them: 500 emoji (1000 UTF-16 units) fit; variation
      // selectors (which some length checks skip) still count, so 1 + 500 of them is over (422, never a 500).
      const emoji = await as(f.a1a, 'post', path, { title: '😀'.repeat(500) }).expect(201);
      expect((await dbNode(kind, emoji.body.created.pkid))?.title).toBe('😀'.repeat(500));
      await as(f.a1a, 'delete', item(emoji.body.created.pkid)).expect(200);
      for (const body of [{ title: `a${'\uFE0F'.repeat(500)}` }, { title: 'ok', description: `a${'\uFE0F'.repeat(100_000)}` }]) {
        const rid = newRid('bad-selectors');
        const res = await as(f.a1a, 'post', path, body, rid);
        expect({ body: Object.keys(body), status: res.status }).toEqual({ body: Object.keys(body), status: 422 });
        await expectNotAudited(rid);
      }
      expect(await rowCount(kind, f.a1a)).toBe(before);

      const long = await as(f.a1a, 'post', path, { title: 't'.repeat(500), description: 'd'.repeat(100_000) }).expect(201);
      const pkid = long.body.created.pkid as number;
      expect(long.body.created.title).toHaveLength(500);
      expect((await dbNode(kind, pkid))?.description).toHaveLength(100_000);

      for (const body of [{ title: 'y'.repeat(501) }, { description: 'e'.repeat(100_001) }, { title: '' }, { sort_order: 'first' }, { parent_id: null }]) {
        const rid = newRid('bad-update');
        const res = await as(f.a1a, 'put', item(pkid), body, rid);
        expect({ body, status: res.status }).toEqual({ body, status: 422 });
        await expectNotAudited(rid);
      }
      expect((await dbNode(kind, pkid))?.title).toBe('t'.repeat(500));
    });

    it('a non-zero parent_id must name a node of the same tree of the same agent (else 422, nothing created)', async () => {
      const foreign = await createNode(kind, f.a1b, { title: 'Sibling node' });
      const otherUser = await createNode(kind, f.a2, { title: 'Other user node' });
      // A node of A1a's *other* tree whose pkid is not a node of this tree of A1a.
      let otherKind = 0;
      for (let i = 0; i < 50 && !otherKind; i++) {
        const candidate = await createNode(other, f.a1a, { title: `other tree ${i}` });
        const clash = await ctx.db.query(`SELECT 1 FROM ${kind} WHERE agent_id = $1 AND pkid = $2`, [f.a1a.agentId, candidate]);
        if (clash.length === 0) otherKind = candidate;
      }
      expect(otherKind).toBeGreaterThan(0);

      const before = await rowCount(kind, f.a1a);
      for (const parent_id of [MISSING, foreign, otherUser, otherKind]) {
        const rid = newRid('bad-parent');
        const res = await as(f.a1a, 'post', path, { title: 'Orphan', parent_id }, rid);
        expect({ parent_id, status: res.status }).toEqual({ parent_id, status: 422 });
        await expectNotAudited(rid);
      }
      expect(await rowCount(kind, f.a1a)).toBe(before);

      // The same rule when moving a node.
      const n = await createNode(kind, f.a1a, { title: 'Stays a root' });
      for (const parent_id of [MISSING, foreign, otherUser, otherKind]) {
        const rid = newRid('bad-move');
        const res = await as(f.a1a, 'put', item(n), { parent_id, title: 'Moved?' }, rid);
        expect({ parent_id, status: res.status }).toEqual({ parent_id, status: 422 });
        await expectNotAudited(rid);
      }
      expect(await dbNode(kind, n)).toMatchObject({ parent_id: 0, title: 'Stays a root' });
      // A foreign node got no children.
      expect((await as(f.a1b, 'get', `${base(f.a1b.agentName)}/${foreign}`).expect(200)).body.children).toEqual([]);
    });

    it('PUT {parent_id} moves a node (and back to the root with 0)', async () => {
      const p1 = await createNode(kind, f.a1a, { title: 'P1' });
      const p2 = await createNode(kind, f.a1a, { title: 'P2' });
      const n = await createNode(kind, f.a1a, { title: 'Mover', parent_id: p1 });
      const g = await createNode(kind, f.a1a, { title: 'Mover child', parent_id: n });

      const rid = newRid('move');
      const moved = await as(f.a1a, 'put', item(n), { parent_id: p2 }, rid).expect(200);
      expect(moved.body).toEqual({ updated: { pkid: n, parent_id: p2, title: 'Mover', sort_order: 0 } });
      await expectAudited(rid, `${event}_UPDATE`, f.a1a);
      expect(await childIds(p1)).toEqual([]);
      expect(await childIds(p2)).toEqual([n]);
      // The subtree moves with it.
      expect(await childIds(n)).toEqual([g]);

      await as(f.a1a, 'put', item(n), { parent_id: 0 }).expect(200);
      expect((await getNode(n)).node.parent_id).toBe(0);
      expect(await childIds(p2)).toEqual([]);
    });

    it('moving a node under itself or one of its descendants is 422 and changes nothing', async () => {
      const r = await createNode(kind, f.a1a, { title: 'R' });
      const c = await createNode(kind, f.a1a, { title: 'C', parent_id: r });
      const g = await createNode(kind, f.a1a, { title: 'G', parent_id: c });
      const moves: [number, Record<string, unknown>][] = [
        [r, { parent_id: r }],
        [r, { parent_id: c }],
        [r, { parent_id: g, title: 'R renamed' }],
        [c, { parent_id: g, description: 'C text' }],
        [c, { parent_id: c }],
      ];
      for (const [pkid, body] of moves) {
        const rid = newRid('cycle');
        const res = await as(f.a1a, 'put', item(pkid), body, rid);
        expect({ pkid, body, status: res.status }).toEqual({ pkid, body, status: 422 });
        await expectNotAudited(rid);
      }
      expect(await dbNode(kind, r)).toMatchObject({ parent_id: 0, title: 'R', description: null });
      expect(await dbNode(kind, c)).toMatchObject({ parent_id: r, title: 'C', description: null });
      expect(await dbNode(kind, g)).toMatchObject({ parent_id: c, title: 'G' });
      // Moving a descendant up is fine.
      await as(f.a1a, 'put', item(g), { parent_id: r }).expect(200);
      expect(await childIds(r)).toEqual([c, g]);
    });

    /** Nodes of A1a's tree whose parent is not a node of that tree. */
    const orphans = async (): Promise<number[]> =>
      (
        await ctx.db.query(
          `SELECT c.pkid FROM ${kind} c WHERE c.agent_id = $1 AND c.parent_id <> 0
              AND NOT EXISTS (SELECT 1 FROM ${kind} p WHERE p.pkid = c.parent_id AND p.agent_id = c.agent_id)`,
          [f.a1a.agentId],
        )
      ).map((r: { pkid: number }) => r.pkid);

    it('a child added while its parent’s subtree is deleted either goes with it or is refused (422): never an orphan', async () => {
      for (let round = 0; round < 10; round++) {
        const p = await createNode(kind, f.a1a, { title: `Doomed ${round}` });
        const c = await createNode(kind, f.a1a, { title: 'Child', parent_id: p });
        const [underP, underC, del] = await Promise.all([
          as(f.a1a, 'post', path, { title: 'Late child', parent_id: p }),
          as(f.a1a, 'post', path, { title: 'Late grandchild', parent_id: c }),
          as(f.a1a, 'delete', item(p)),
        ]);
        expect(del.status).toBe(200);
        const added = [underP, underC].filter((r) => r.status === 201).length;
        for (const res of [underP, underC]) expect([201, 422]).toContain(res.status);
        // The delete took the child and whichever late nodes got in before it.
        expect(del.body).toEqual({ deleted: p, descendants_deleted: 1 + added });
      }
      expect(await orphans()).toEqual([]);
    });

    it('two crossing moves (A under B, B under A) at once: one wins, the other is 422; never a cycle', async () => {
      for (let round = 0; round < 10; round++) {
        const a = await createNode(kind, f.a1a, { title: `A ${round}` });
        const b = await createNode(kind, f.a1a, { title: `B ${round}` });
        const statuses = (
          await Promise.all([as(f.a1a, 'put', item(a), { parent_id: b }), as(f.a1a, 'put', item(b), { parent_id: a })])
        ).map((r) => r.status);
        expect(statuses.sort()).toEqual([200, 422]);
        const parents = [(await dbNode(kind, a))?.parent_id, (await dbNode(kind, b))?.parent_id];
        expect(parents).toContain(0);
      }
      expect(await orphans()).toEqual([]);
    });

    it('sort_order orders siblings (then pkid), and PUT {sort_order} reorders them', async () => {
      const p = await createNode(kind, f.a1a, { title: 'Parent' });
      const x = await createNode(kind, f.a1a, { title: 'x', parent_id: p });
      const y = await createNode(kind, f.a1a, { title: 'y', parent_id: p });
      const z = await createNode(kind, f.a1a, { title: 'z', parent_id: p });
      expect(await childIds(p)).toEqual([x, y, z]);

      const res = await as(f.a1a, 'put', item(z), { sort_order: -1 }).expect(200);
      expect(res.body.updated).toEqual({ pkid: z, parent_id: p, title: 'z', sort_order: -1 });
      expect(await childIds(p)).toEqual([z, x, y]);
      await as(f.a1a, 'put', item(x), { sort_order: 5 }).expect(200);
      expect(await childIds(p)).toEqual([z, y, x]);
    });

    it('DELETE removes the whole subtree: {deleted, descendants_deleted: 2}; other agents’ nodes are untouched', async () => {
      const r = await createNode(kind, f.a1a, { title: 'R' });
      const c = await createNode(kind, f.a1a, { title: 'C', parent_id: r });
      const g = await createNode(kind, f.a1a, { title: 'G', parent_id: c });
      const keep = await createNode(kind, f.a1a, { title: 'Unrelated root' });
      const keepChild = await createNode(kind, f.a1a, { title: 'Unrelated child', parent_id: keep });
      // Nodes of A1b (same user) and A2 (other user) whose parent_id equals R's pkid (only possible in SQL).
      const foreign: number[] = [];
      for (const agent of [f.a1b, f.a2]) {
        const [row] = await ctx.db.query(
          `INSERT INTO ${kind} (user_id, agent_id, parent_id, title) VALUES ($1, $2, $3, 'Foreign child of R') RETURNING pkid`,
          [agent.userId, agent.agentId, r],
        );
        foreign.push(row.pkid as number);
      }

      const rid = newRid('delete');
      const res = await as(f.a1a, 'delete', item(r), undefined, rid).expect(200);
      expect(res.body).toEqual({ deleted: r, descendants_deleted: 2 });
      await expectAudited(rid, `${event}_DELETE`, f.a1a);

      for (const pkid of [r, c, g]) {
        expect(await dbNode(kind, pkid)).toBeUndefined();
        expectProblem(await as(f.a1a, 'get', item(pkid)), 404, notFound);
      }
      for (const pkid of foreign) expect(await dbNode(kind, pkid)).toMatchObject({ parent_id: r, title: 'Foreign child of R' });
      expect(await dbNode(kind, foreign[0])).toMatchObject({ agent_id: f.a1b.agentId });
      expect(await dbNode(kind, foreign[1])).toMatchObject({ agent_id: f.a2.agentId });
      expect(await childIds(keep)).toEqual([keepChild]);

      // A leaf reports no descendants.
      const leafRes = await as(f.a1a, 'delete', item(keepChild)).expect(200);
      expect(leafRes.body).toEqual({ deleted: keepChild, descendants_deleted: 0 });
    });

    it(`DELETE of a missing node is 404 "${notFound}" (also the second time), with nothing audited`, async () => {
      const n = await createNode(kind, f.a1a, { title: 'Once' });
      await as(f.a1a, 'delete', item(n)).expect(200);
      for (const pkid of [n, MISSING]) {
        const rid = newRid('delete-missing');
        expectProblem(await as(f.a1a, 'delete', item(pkid), undefined, rid), 404, notFound);
        await expectNotAudited(rid);
      }
    });

    it('a path pkid that is not a positive integer is 422', async () => {
      for (const bad of ['0', '-1', 'abc', '1.5', '99999999999']) {
        const res = await as(f.a1a, 'get', `${path}/${bad}`);
        expect({ bad, status: res.status }).toEqual({ bad, status: 422 });
      }
    });
  });

  // ---------------------------------------------------------------------------
  describe('always-load flat list', () => {
    const f = perBlock(fixture);
    let expected: number[];

    beforeAll(async () => {
      const r1 = await createNode('always_load', f.a1a, { title: 'r1', sort_order: 1, description: 'one' });
      const r2 = await createNode('always_load', f.a1a, { title: 'r2' });
      const c1 = await createNode('always_load', f.a1a, { title: 'c1', parent_id: r1 });
      const r3 = await createNode('always_load', f.a1a, { title: 'r3' });
      const c2 = await createNode('always_load', f.a1a, { title: 'c2', parent_id: r1, sort_order: -1 });
      // (parent_id, sort_order, pkid): roots r2, r3 (sort 0, by pkid), r1 (sort 1); then r1's c2 (-1), c1 (0).
      expected = [r2, r3, r1, c2, c1];
      await createNode('always_load', f.a1b, { title: 'A1b node' });
    });

    it('GET lists every node flat: {agent, always_load, total, limit, offset}, ordered by (parent_id, sort_order, pkid)', async () => {
      const res = await as(f.a1a, 'get', alBase(f.a1a.agentName)).expect(200);
      expect(Object.keys(res.body).sort()).toEqual(['agent', 'always_load', 'limit', 'offset', 'total']);
      expect(res.body).toMatchObject({ agent: f.a1a.agentName, total: 5, limit: 200, offset: 0 });
      expect(res.body.always_load.map((n: { pkid: number }) => n.pkid)).toEqual(expected);
      expect(res.body.always_load[2]).toMatchObject({ pkid: expected[2], parent_id: 0, title: 'r1', description: 'one', sort_order: 1 });
      expect(res.body.always_load[3]).toMatchObject({ parent_id: expected[2], title: 'c2', description: null, sort_order: -1 });
    });

    it('pages with limit and offset; total counts everything', async () => {
      const page = await as(f.a1a, 'get', `${alBase(f.a1a.agentName)}?limit=2&offset=1`).expect(200);
      expect(page.body).toMatchObject({ total: 5, limit: 2, offset: 1 });
      expect(page.body.always_load.map((n: { pkid: number }) => n.pkid)).toEqual(expected.slice(1, 3));

      const beyond = await as(f.a1a, 'get', `${alBase(f.a1a.agentName)}?offset=10`).expect(200);
      expect(beyond.body).toMatchObject({ always_load: [], total: 5, limit: 200, offset: 10 });

      const max = await as(f.a1a, 'get', `${alBase(f.a1a.agentName)}?limit=1000`).expect(200);
      expect(max.body).toMatchObject({ total: 5, limit: 1000 });

      for (const query of ['limit=1001', 'limit=0', 'offset=-1', 'limit=abc']) {
        const res = await as(f.a1a, 'get', `${alBase(f.a1a.agentName)}?${query}`);
        expect({ query, status: res.status }).toEqual({ query, status: 422 });
      }
    });

    it('an agent with no nodes gets an empty list with total 0', async () => {
      const res = await as(f.a1a, 'get', alBase(f.a2.agentName));
      expectProblem(res, 404, AGENT_NOT_FOUND);
      const empty = await as(f.a2, 'get', alBase(f.a2.agentName)).expect(200);
      expect(empty.body).toEqual({ agent: f.a2.agentName, always_load: [], total: 0, limit: 200, offset: 0 });
    });
  });

  // ---------------------------------------------------------------------------
  describe('preferences manifest and tree', () => {
    const f = perBlock(fixture);
    let food: number;
    let music: number;
    let spicy: number;
    let mild: number;
    let chili: number;

    beforeAll(async () => {
      food = await createNode('preferences', f.a1a, { title: 'Food', description: 'Food prefs', sort_order: 2 });
      music = await createNode('preferences', f.a1a, { title: 'Music', description: 'Music prefs', sort_order: 1 });
      spicy = await createNode('preferences', f.a1a, { title: 'Spicy', parent_id: food, sort_order: 1, description: 'Very' });
      mild = await createNode('preferences', f.a1a, { title: 'Mild', parent_id: food });
      chili = await createNode('preferences', f.a1a, { title: 'Chili', parent_id: spicy, description: 'Habanero' });
      await createNode('preferences', f.a1b, { title: 'A1b pref' });
    });

    it('GET /preferences is the manifest: roots only, {agent, preferences: [{pkid, title, sort_order}], total, limit, offset}', async () => {
      const res = await as(f.a1a, 'get', prefBase(f.a1a.agentName)).expect(200);
      expect(res.body).toEqual({
        agent: f.a1a.agentName,
        preferences: [
          { pkid: music, title: 'Music', sort_order: 1 },
          { pkid: food, title: 'Food', sort_order: 2 },
        ],
        total: 2,
        limit: 200,
        offset: 0,
      });
    });

    it('the manifest pages with limit and offset; total counts every root, also past the end', async () => {
      const second = await as(f.a1a, 'get', `${prefBase(f.a1a.agentName)}?limit=1&offset=1`).expect(200);
      expect(second.body).toEqual({
        agent: f.a1a.agentName,
        preferences: [{ pkid: food, title: 'Food', sort_order: 2 }],
        total: 2,
        limit: 1,
        offset: 1,
      });
      const beyond = await as(f.a1a, 'get', `${prefBase(f.a1a.agentName)}?offset=5`).expect(200);
      expect(beyond.body).toMatchObject({ preferences: [], total: 2, offset: 5 });
      expectProblem(await as(f.a1a, 'get', `${prefBase(f.a1a.agentName)}?limit=1001`), 422);
    });

    it('GET /preferences/tree is the whole tree, nested, with descriptions, in sibling order', async () => {
      interface Nested {
        pkid: number;
        parent_id: number;
        title: string;
        description: string | null;
        sort_order: number;
        children: Nested[];
      }
      const strip = (n: Nested): unknown => ({
        pkid: n.pkid,
        parent_id: n.parent_id,
        title: n.title,
        description: n.description,
        sort_order: n.sort_order,
        children: n.children.map(strip),
      });
      for (const caller of [f.a1a, f.a1b]) {
        const res = await as(caller, 'get', `${prefBase(f.a1a.agentName)}/tree`).expect(200);
        expect(res.body.agent).toBe(f.a1a.agentName);
        expect((res.body.preferences as Nested[]).map(strip)).toEqual([
          { pkid: music, parent_id: 0, title: 'Music', description: 'Music prefs', sort_order: 1, children: [] },
          {
            pkid: food,
            parent_id: 0,
            title: 'Food',
            description: 'Food prefs',
            sort_order: 2,
            children: [
              { pkid: mild, parent_id: food, title: 'Mild', description: null, sort_order: 0, children: [] },
              {
                pkid: spicy,
                parent_id: food,
                title: 'Spicy',
                description: 'Very',
                sort_order: 1,
                children: [{ pkid: chili, parent_id: spicy, title: 'Chili', description: 'Habanero', sort_order: 0, children: [] }],
              },
            ],
          },
        ]);
      }
      expectProblem(await as(f.a2, 'get', `${prefBase(f.a1a.agentName)}/tree`), 404, AGENT_NOT_FOUND);
    });

    it('GET /preferences/{pkid} gives the node and its immediate children', async () => {
      const res = await as(f.a1b, 'get', `${prefBase(f.a1a.agentName)}/${food}`).expect(200);
      expect(res.body.node).toMatchObject({ pkid: food, title: 'Food', description: 'Food prefs' });
      expect(res.body.children.map((c: { pkid: number }) => c.pkid)).toEqual([mild, spicy]);
    });
  });

});
