import { agentRequests, AUDIT_FAIL, expectProblem, Method, newRid, problem, refuseAuditFor } from './support/agent-requests';
import { startTestApp, TestAgent, TestApp, uniqueName } from './support/test-app';

/*
 * LucyAPI's agent-scoped API (issue 4; spec §1.6, §3.2–§3.5, §5.2–§5.3 with the
 * §6 Q1–Q7 fixes): the access rules, the always-load and preferences trees,
 * agent memories, the context manifest and boot, over HTTP against real
 * PostgreSQL. Fixtures: user U1 with agents A1a and A1b, user U2 with agent A2.
 * Expected texts are written out here, never imported from src/.
 */

const AGENT_NOT_FOUND = 'Agent not found';
const NO_FIELDS = 'No fields to update';
const MEMORY_NOT_FOUND = 'Memory not found';
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
/** A pkid no test creates (PostgreSQL integer maximum). */
const MISSING = 2_147_483_647;

type Kind = 'always_load' | 'preferences';

interface Fixture {
  a1a: TestAgent;
  a1b: TestAgent;
  a2: TestAgent;
}

interface TreeSpec {
  kind: Kind;
  other: Kind;
  base: (name: string) => string;
  notFound: string;
  event: string;
}

const alBase = (name: string) => `/agents/${name}/context/always_load`;
const prefBase = (name: string) => `/agents/${name}/preferences`;
const memBase = (name: string) => `/agents/${name}/memories`;

const TREES: TreeSpec[] = [
  { kind: 'always_load', other: 'preferences', base: alBase, notFound: 'Node not found', event: 'ALWAYS_LOAD' },
  { kind: 'preferences', other: 'always_load', base: prefBase, notFound: 'Preference not found', event: 'PREFERENCE' },
];
const baseOf = (kind: Kind) => (kind === 'always_load' ? alBase : prefBase);

describe('LucyAPI agent-scoped API: always-load, preferences, memories, context, boot', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());
  const { as, expectAudited, expectNotAudited } = agentRequests(() => t);

  /** U1 (America/Denver) with A1a and A1b; U2 with A2. */
  async function fixture(): Promise<Fixture> {
    const a1a = await t.newAgent({ userName: uniqueName('u1'), agentName: uniqueName('a1a'), timezone: 'America/Denver' });
    const a1b = await t.newSibling(a1a, uniqueName('a1b'));
    const a2 = await t.newAgent({ userName: uniqueName('u2'), agentName: uniqueName('a2') });
    return { a1a, a1b, a2 };
  }

  async function createNode(kind: Kind, agent: TestAgent, body: Record<string, unknown>): Promise<number> {
    const res = await as(agent, 'post', baseOf(kind)(agent.agentName), body).expect(201);
    return res.body.created.pkid as number;
  }

  async function createMemory(agent: TestAgent, body: Record<string, unknown>): Promise<number> {
    const res = await as(agent, 'post', memBase(agent.agentName), body).expect(201);
    return res.body.created.pkid as number;
  }

  async function rowCount(table: string, agent: TestAgent): Promise<number> {
    const [row] = await t.db.query(`SELECT count(*)::int AS n FROM ${table} WHERE agent_id = $1`, [agent.agentId]);
    return row.n as number;
  }

  async function dbNode(kind: Kind, pkid: number): Promise<{ agent_id: string; parent_id: number; title: string; description: string | null } | undefined> {
    const rows = await t.db.query(`SELECT agent_id, parent_id, title, description FROM ${kind} WHERE pkid = $1`, [pkid]);
    return rows[0];
  }

  // ---------------------------------------------------------------------------
  describe('access rules (one rule for every agent-scoped route)', () => {
    let f: Fixture;
    let al: number;
    let pref: number;
    let mem: number;

    beforeAll(async () => {
      f = await fixture();
      al = await createNode('always_load', f.a1a, { title: 'Voice', description: 'Warm, direct.' });
      pref = await createNode('preferences', f.a1a, { title: 'Food', description: 'Spicy.' });
      mem = await createMemory(f.a1a, { title: 'Has a dog named Rex', description: 'A beagle.' });
      await as(f.a1b, 'post', `/agents/${f.a1a.agentName}/handoffs`, { title: 'Continue', prompt: 'Step 3' }).expect(201);
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
      const ctx = (await as(f.a1b, 'get', `/agents/${name}/context`)).body;
      expect(ctx.agent).toBe(name);
      expect(ctx.memories).toEqual([{ pkid: mem, title: 'Has a dog named Rex' }]);
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
        const res = await t.http().get(path);
        expect({ path, status: res.status }).toEqual({ path, status: 401 });
      }
      expect((await t.http().get('/boot')).status).toBe(401);
      expect((await t.http().post(memBase(f.a1a.agentName)).send({ title: 'x' })).status).toBe(401);
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
  describe.each(TREES)('$kind tree', ({ kind, other, base, notFound, event }) => {
    let f: Fixture;
    let path: string;
    const item = (pkid: number) => `${path}/${pkid}`;

    beforeAll(async () => {
      f = await fixture();
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

    it('PUT with no fields is 400 "No fields to update", checked before the node exists', async () => {
      const n = await createNode(kind, f.a1a, { title: 'Unchanged', description: 'keep' });
      for (const pkid of [n, MISSING]) {
        for (const body of [{}, { unknown_field: 'x' }]) {
          const rid = newRid('empty');
          expectProblem(await as(f.a1a, 'put', item(pkid), body, rid), 400, NO_FIELDS);
          await expectNotAudited(rid);
        }
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
        const clash = await t.db.query(`SELECT 1 FROM ${kind} WHERE agent_id = $1 AND pkid = $2`, [f.a1a.agentId, candidate]);
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
        await t.db.query(
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
        const [row] = await t.db.query(
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
    let f: Fixture;
    let expected: number[];

    beforeAll(async () => {
      f = await fixture();
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
    let f: Fixture;
    let food: number;
    let music: number;
    let spicy: number;
    let mild: number;
    let chili: number;

    beforeAll(async () => {
      f = await fixture();
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

  // ---------------------------------------------------------------------------
  describe('agent memories', () => {
    let f: Fixture;
    const path = () => memBase(f.a1a.agentName);

    beforeAll(async () => {
      f = await fixture();
    });

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

    it('PUT updates: {updated: {pkid, title}}; absent fields unchanged, description null clears, title null is 422, {} is 400', async () => {
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
        [{ other: 1 }, 400],
      ] as [Record<string, unknown>, number][]) {
        const bad = newRid('mem-bad-update');
        const r = await as(f.a1a, 'put', item, body, bad);
        expect({ body, status: r.status }).toEqual({ body, status });
        await expectNotAudited(bad);
      }
      expectProblem(await as(f.a1a, 'put', item, {}), 400, NO_FIELDS);
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
  describe('GET /agents/{name}/context', () => {
    let f: Fixture;
    let al: { pkid: number; parent_id: number; title: string }[];
    let mems: { pkid: number; title: string }[];
    let prefs: { pkid: number; title: string }[];

    beforeAll(async () => {
      f = await fixture();
      const root = await createNode('always_load', f.a1a, { title: 'Identity', description: 'Long identity text', sort_order: 1 });
      const first = await createNode('always_load', f.a1a, { title: 'First root', description: 'x' });
      const child = await createNode('always_load', f.a1a, { title: 'Voice', parent_id: root, description: 'y' });
      al = [
        { pkid: first, parent_id: 0, title: 'First root' },
        { pkid: root, parent_id: 0, title: 'Identity' },
        { pkid: child, parent_id: root, title: 'Voice' },
      ];
      const m1 = await createMemory(f.a1a, { title: 'Has a dog named Rex', description: 'beagle' });
      const m2 = await createMemory(f.a1a, { title: 'Lives in Denver' });
      mems = [
        { pkid: m1, title: 'Has a dog named Rex' },
        { pkid: m2, title: 'Lives in Denver' },
      ];
      const food = await createNode('preferences', f.a1a, { title: 'Food', description: 'Spicy', sort_order: 1 });
      const books = await createNode('preferences', f.a1a, { title: 'Books' });
      await createNode('preferences', f.a1a, { title: 'Chili', parent_id: food });
      prefs = [
        { pkid: books, title: 'Books' },
        { pkid: food, title: 'Food' },
      ];
      // A1b's own data must not leak into A1a's context.
      await createNode('always_load', f.a1b, { title: 'A1b identity' });
      await createMemory(f.a1b, { title: 'A1b memory' });
      await createNode('preferences', f.a1b, { title: 'A1b pref' });
    });

    it('has exactly agent, time, always_load (no descriptions), memories, preferences_manifest, projects_manifest, last_session, pending_handoffs, hints_compact, actionable_nudges', async () => {
      const res = await as(f.a1a, 'get', `/agents/${f.a1a.agentName}/context`).expect(200);
      expect(Object.keys(res.body).sort()).toEqual([
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
      ]);
      expect(res.body.agent).toBe(f.a1a.agentName);
      expect(res.body.always_load).toEqual(al);
      expect(res.body.memories).toEqual(mems);
      expect(res.body.preferences_manifest).toEqual(prefs);
      expect(res.body.projects_manifest).toEqual([]);
      expect(res.body.last_session).toBeNull();
      expect(res.body.pending_handoffs).toEqual([]);
      expect(res.text).not.toContain('Long identity text');
      expect(res.text).not.toContain('beagle');
    });

    it('time is the /time object in the user’s time zone (America/Denver)', async () => {
      const before = Date.now();
      const res = await as(f.a1a, 'get', `/agents/${f.a1a.agentName}/context`).expect(200);
      const after = Date.now();
      const time = res.body.time as { utc: string; local: string; tz: string; day: string; unix: number };
      const reference = await as(f.a1a, 'get', '/time').expect(200);
      expect(Object.keys(time).sort()).toEqual(Object.keys(reference.body).sort());
      expect(time.tz).toBe('America/Denver');
      expect(reference.body.tz).toBe('America/Denver');
      const utc = Date.parse(time.utc);
      expect(utc).toBeGreaterThanOrEqual(before - 2_000);
      expect(utc).toBeLessThanOrEqual(after + 2_000);
      expect(time.unix).toBe(Math.floor(utc / 1000));
      expect(time.local).toMatch(/-0[67]:00$/);
      expect(Date.parse(time.local)).toBe(utc);
      const weekday = new Intl.DateTimeFormat('en-US', { timeZone: 'America/Denver', weekday: 'long' }).format(new Date(utc));
      expect(time.day).toBe(weekday);

      // A sibling sees the same user's zone; another user's agent has its own.
      expect((await as(f.a1b, 'get', `/agents/${f.a1a.agentName}/context`).expect(200)).body.time.tz).toBe('America/Denver');
      const utcUser = await t.newAgent({ timezone: 'Asia/Tokyo' });
      const tokyo = await as(utcUser, 'get', `/agents/${utcUser.agentName}/context`).expect(200);
      expect(tokyo.body.time.tz).toBe('Asia/Tokyo');
      expect(tokyo.body.time.local).toMatch(/\+09:00$/);
    });

    it('a sibling reads the same context; another user’s agent and an unknown name get 404', async () => {
      const own = await as(f.a1a, 'get', `/agents/${f.a1a.agentName}/context`).expect(200);
      const theirs = await as(f.a1b, 'get', `/agents/${f.a1a.agentName}/context`).expect(200);
      const { time: _a, ...ownRest } = own.body;
      const { time: _b, ...theirRest } = theirs.body;
      expect(theirRest).toEqual(ownRest);
      expectProblem(await as(f.a2, 'get', `/agents/${f.a1a.agentName}/context`), 404, AGENT_NOT_FOUND);
      expectProblem(await as(f.a1a, 'get', `/agents/${uniqueName('ghost')}/context`), 404, AGENT_NOT_FOUND);
    });

    it('lists pending handoffs (with their sender) and the last session of the named agent', async () => {
      const h = await as(f.a1b, 'post', `/agents/${f.a1a.agentName}/handoffs`, { title: 'Continue the migration', prompt: 'Step 3' }).expect(201);
      const id = h.body.created.handoff_id as number;
      const s = await as(f.a1a, 'post', '/sessions', { project: 'mnemo' }).expect(201);

      const res = await as(f.a1a, 'get', `/agents/${f.a1a.agentName}/context`).expect(200);
      expect(res.body.pending_handoffs).toEqual([
        expect.objectContaining({ handoff_id: id, title: 'Continue the migration', created_by_agent: f.a1b.agentName }),
      ]);
      expect(res.body.last_session).toMatchObject({ session_id: s.body.session_id, project: 'mnemo' });
      expect(Math.abs(Date.parse(res.body.last_session.started_at) - Date.parse(s.body.started_at))).toBeLessThanOrEqual(1);

      await as(f.a1a, 'put', `/agents/${f.a1a.agentName}/handoffs/${id}/pickup`).expect(200);
      expect((await as(f.a1a, 'get', `/agents/${f.a1a.agentName}/context`).expect(200)).body.pending_handoffs).toEqual([]);
      // A1b's context is about A1b: no session, no handoffs.
      const b = await as(f.a1b, 'get', `/agents/${f.a1b.agentName}/context`).expect(200);
      expect(b.body).toMatchObject({ agent: f.a1b.agentName, last_session: null, pending_handoffs: [] });
      expect(b.body.always_load.map((n: { title: string }) => n.title)).toEqual(['A1b identity']);
    });

    it('?start_session=true records a session start for the caller and reports previous_session with gap_seconds', async () => {
      const g = await fixture();
      const ctxPath = `/agents/${g.a1a.agentName}/context`;
      // Without the flag, no session is recorded.
      const plain = await as(g.a1b, 'get', ctxPath).expect(200);
      expect(plain.body).not.toHaveProperty('previous_session');
      await as(g.a1b, 'get', `${ctxPath}?start_session=false`).expect(200);
      expect(await rowCount('sessions', g.a1b)).toBe(0);

      // The very first start: previous_session is null; the session is the caller's (A1b), not A1a's.
      const rid1 = newRid('start-1');
      const first = await as(g.a1b, 'get', `${ctxPath}?start_session=true`, undefined, rid1).expect(200);
      expect(first.body.agent).toBe(g.a1a.agentName);
      expect(first.body).toHaveProperty('previous_session', null);
      expect(await rowCount('sessions', g.a1b)).toBe(1);
      expect(await rowCount('sessions', g.a1a)).toBe(0);
      await expectAudited(rid1, 'SESSION_CREATE', g.a1b);
      const [firstSession] = await t.db.query(`SELECT session_id FROM sessions WHERE agent_id = $1`, [g.a1b.agentId]);
      const firstId = firstSession.session_id as number;
      expect(first.body.session).toEqual({ session_id: firstId, started_at: expect.stringMatching(ISO_UTC) });

      // An hour away.
      await t.db.query(`UPDATE sessions SET started_at = now() - interval '3600 seconds' WHERE session_id = $1`, [firstId]);
      const second = await as(g.a1b, 'get', `${ctxPath}?start_session=true`).expect(200);
      expect(second.body.previous_session).toMatchObject({ session_id: firstId });
      expect(second.body.previous_session.gap_seconds).toBeGreaterThanOrEqual(3598);
      expect(second.body.previous_session.gap_seconds).toBeLessThanOrEqual(3602);
      expect(await rowCount('sessions', g.a1b)).toBe(2);

      // Right away again: the previous one is the session just started, a gap of about zero.
      const third = await as(g.a1b, 'get', `${ctxPath}?start_session=true`).expect(200);
      expect(third.body.previous_session.session_id).not.toBe(firstId);
      expect(third.body.previous_session.gap_seconds).toBeGreaterThanOrEqual(0);
      expect(third.body.previous_session.gap_seconds).toBeLessThanOrEqual(5);

      // The caller's last session is what /sessions/last reports; A1a still has none.
      const last = await as(g.a1b, 'get', '/sessions/last').expect(200);
      expect(last.body.last_session.session_id).not.toBe(firstId);
      expect((await as(g.a1a, 'get', '/sessions/last').expect(200)).body).toEqual({ last_session: null });
      expect((await as(g.a1a, 'get', ctxPath).expect(200)).body.last_session).toBeNull();
    });
  });

  describe('session starts at once', () => {
    it('five parallel ?start_session=true: each reports a different previous session, with gap_seconds >= 0', async () => {
      const f = await fixture();
      const ctxPath = `/agents/${f.a1a.agentName}/context?start_session=true`;
      await as(f.a1a, 'get', ctxPath).expect(200);
      const bodies = (await Promise.all(Array.from({ length: 5 }, () => as(f.a1a, 'get', ctxPath)))).map((r) => {
        expect(r.status).toBe(200);
        return r.body as { session: { session_id: number }; previous_session: { session_id: number; gap_seconds: number } };
      });
      const previous = bodies.map((b) => b.previous_session.session_id);
      expect(new Set(previous).size).toBe(5);
      for (const b of bodies) expect(b.previous_session.gap_seconds).toBeGreaterThanOrEqual(0);
      // The starts form one chain: each previous session is the first one or another call's session.
      const started = new Set(bodies.map((b) => b.session.session_id));
      expect(previous.filter((id) => !started.has(id))).toHaveLength(1);
    });
  });

  // ---------------------------------------------------------------------------
  describe('the context after writes (its manifest is rendered once per version)', () => {
    type Entry = { pkid: number; parent_id?: number; title: string };

    it('shows every change to always-load, memories and preference roots at once, whoever reads and however it was written', async () => {
      const f = await fixture();
      const ctxPath = `/agents/${f.a1a.agentName}/context`;
      const read = async (agent: TestAgent = f.a1a) => (await as(agent, 'get', ctxPath).expect(200)).body as Record<string, Entry[]>;
      const put = (kind: Kind, pkid: number, body: Record<string, unknown>) =>
        as(f.a1a, 'put', `${baseOf(kind)(f.a1a.agentName)}/${pkid}`, body).expect(200);
      const del = (path: string) => as(f.a1a, 'delete', path).expect(200);

      expect(await read()).toMatchObject({ always_load: [], memories: [], preferences_manifest: [] });

      // Always-load: create, nest, rename, move, reorder, delete.
      const r = await createNode('always_load', f.a1a, { title: 'R' });
      expect((await read()).always_load).toEqual([{ pkid: r, parent_id: 0, title: 'R' }]);
      const c = await createNode('always_load', f.a1a, { title: 'C', parent_id: r });
      expect((await read(f.a1b)).always_load).toEqual([
        { pkid: r, parent_id: 0, title: 'R' },
        { pkid: c, parent_id: r, title: 'C' },
      ]);
      await put('always_load', c, { title: 'C renamed' });
      expect((await read()).always_load[1]).toEqual({ pkid: c, parent_id: r, title: 'C renamed' });
      await put('always_load', c, { parent_id: 0 });
      expect((await read()).always_load.map((n) => [n.pkid, n.parent_id])).toEqual([[r, 0], [c, 0]]);
      await put('always_load', r, { sort_order: 5 });
      expect((await read()).always_load.map((n) => n.pkid)).toEqual([c, r]);
      await del(`${alBase(f.a1a.agentName)}/${r}`);
      expect((await read()).always_load).toEqual([{ pkid: c, parent_id: 0, title: 'C renamed' }]);

      // Memories: create, rename, delete.
      const m = await createMemory(f.a1a, { title: 'Likes tea' });
      expect((await read()).memories).toEqual([{ pkid: m, title: 'Likes tea' }]);
      await as(f.a1a, 'put', `${memBase(f.a1a.agentName)}/${m}`, { title: 'Likes green tea' }).expect(200);
      expect((await read()).memories).toEqual([{ pkid: m, title: 'Likes green tea' }]);
      const m2 = await createMemory(f.a1a, { title: 'Second' });
      await del(`${memBase(f.a1a.agentName)}/${m}`);
      expect((await read()).memories).toEqual([{ pkid: m2, title: 'Second' }]);

      // Preferences: only roots are listed; a root moved under another leaves the manifest.
      const food = await createNode('preferences', f.a1a, { title: 'Food' });
      const books = await createNode('preferences', f.a1a, { title: 'Books' });
      expect((await read()).preferences_manifest).toEqual([
        { pkid: food, title: 'Food' },
        { pkid: books, title: 'Books' },
      ]);
      await put('preferences', books, { parent_id: food });
      expect((await read()).preferences_manifest).toEqual([{ pkid: food, title: 'Food' }]);
      await put('preferences', food, { title: 'Cooking' });
      expect((await read()).preferences_manifest).toEqual([{ pkid: food, title: 'Cooking' }]);

      // Written outside the API (SQL, another instance): the next read shows it too.
      await t.db.query(`UPDATE agent_memories SET title = 'Edited in SQL' WHERE pkid = $1`, [m2]);
      await t.db.query(`DELETE FROM always_load WHERE pkid = $1`, [c]);
      const after = await read();
      expect(after.memories).toEqual([{ pkid: m2, title: 'Edited in SQL' }]);
      expect(after.always_load).toEqual([]);
    });

    it('a description-only change leaves the manifest version alone; a title change moves it', async () => {
      const f = await fixture();
      const version = async () =>
        ((await t.db.query(`SELECT context_version FROM agents WHERE id = $1`, [f.a1a.agentId]))[0] as { context_version: string })
          .context_version;
      const m = await createMemory(f.a1a, { title: 'Fact', description: 'old' });
      const before = await version();
      await as(f.a1a, 'put', `${memBase(f.a1a.agentName)}/${m}`, { description: 'new' }).expect(200);
      expect(await version()).toBe(before);
      await as(f.a1a, 'put', `${memBase(f.a1a.agentName)}/${m}`, { title: 'Fact 2' }).expect(200);
      expect(Number(await version())).toBeGreaterThan(Number(before));
    });
  });

  // ---------------------------------------------------------------------------
  describe('lists are bounded (limit default 200, max 1000)', () => {
    let f: Fixture;
    const N = 1001;

    beforeAll(async () => {
      f = await fixture();
      // Bulk rows straight into the tables: the API would take a thousand requests per table.
      await t.db.query(
        `INSERT INTO agent_memories (user_id, agent_id, title) SELECT $1, $2, 'm' || i FROM generate_series(1, $3) AS i`,
        [f.a1a.userId, f.a1a.agentId, N],
      );
      await t.db.query(
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
        await t.db.query(`SELECT pkid FROM ${key === 'memories' ? 'agent_memories' : 'always_load'} WHERE agent_id = $1 ORDER BY pkid`, [
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
    let f: Fixture;
    const FAIL = AUDIT_FAIL;

    beforeAll(async () => {
      f = await fixture();
    });
    refuseAuditFor(() => t);

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
        expect({ path, logged: t.logs.some((l) => l.includes(rid) && l.includes('audit refused by test')) }).toEqual({ path, logged: true });
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

  // ---------------------------------------------------------------------------
  describe('GET /boot (PUBLIC_BASE_URL=https://mnemo.example.com)', () => {
    const BASE = 'https://mnemo.example.com';
    let b: TestApp;
    let agent: TestAgent;
    let other: TestAgent;
    let nodes: number[];

    beforeAll(async () => {
      b = await startTestApp({ PUBLIC_BASE_URL: BASE, MNEMO_ALLOW_QUERY_KEYS: 'true' });
      agent = await b.newAgent({ agentName: uniqueName('booter') });
      const sib = await b
        .http()
        .post(`/admin/users/${agent.userId}/agents`)
        .set('Authorization', `Bearer ${b.adminToken}`)
        .send({ name: uniqueName('boot-sibling') })
        .expect(201);
      other = { ...agent, agentId: sib.body.id, agentName: sib.body.name, keyId: sib.body.key_id, apiKey: sib.body.api_key };
      const post = (a: TestAgent, body: Record<string, unknown>) =>
        b.http().post(alBase(a.agentName)).set('X-Api-Key', a.apiKey).send(body).expect(201);
      const r = (await post(agent, { title: 'Identity', description: 'Full identity text', sort_order: 1 })).body.created.pkid as number;
      const r0 = (await post(agent, { title: 'Rules', description: 'Rule text' })).body.created.pkid as number;
      const c = (await post(agent, { title: 'Voice', parent_id: r })).body.created.pkid as number;
      nodes = [r0, r, c];
      await post(other, { title: 'Sibling identity', description: 'not for booter' });
    });
    afterAll(() => b.close());

    function checkUrls(endpoints: Record<string, unknown>, name: string): void {
      expect(Object.keys(endpoints).length).toBeGreaterThan(0);
      for (const [key, value] of Object.entries(endpoints)) {
        expect({ key, type: typeof value }).toEqual({ key, type: 'string' });
        const url = value as string;
        expect(url.startsWith(`${BASE}/`)).toBe(true);
        expect(url).not.toContain('?');
        expect(url).not.toMatch(/agent_key|api_key/i);
        const parsed = new URL(url.replace(/\{[a-z_]+\}/g, '1'));
        expect(parsed.origin).toBe(BASE);
        expect(parsed.search).toBe('');
      }
      expect(endpoints).toMatchObject({
        time: `${BASE}/time`,
        context: `${BASE}/agents/${name}/context`,
        always_load: `${BASE}/agents/${name}/context/always_load`,
        always_load_item: `${BASE}/agents/${name}/context/always_load/{pkid}`,
        memories: `${BASE}/agents/${name}/memories`,
        memory_item: `${BASE}/agents/${name}/memories/{pkid}`,
        preferences: `${BASE}/agents/${name}/preferences`,
        preference_item: `${BASE}/agents/${name}/preferences/{pkid}`,
        session_start: `${BASE}/sessions`,
        session_last: `${BASE}/sessions/last`,
      });
    }

    it('answers {agent, endpoints, always_load}: absolute URLs on PUBLIC_BASE_URL without any key, and full always-load rows', async () => {
      const res = await b.http().get('/boot').set('X-Api-Key', agent.apiKey).expect(200);
      expect(Object.keys(res.body).sort()).toEqual(['agent', 'always_load', 'endpoints']);
      expect(res.body.agent).toBe(agent.agentName);
      checkUrls(res.body.endpoints, agent.agentName);
      expect(res.text).not.toContain(agent.apiKey);

      expect(res.body.always_load.map((n: { pkid: number }) => n.pkid)).toEqual(nodes);
      expect(res.body.always_load[0]).toMatchObject({ pkid: nodes[0], parent_id: 0, title: 'Rules', description: 'Rule text', sort_order: 0 });
      expect(res.body.always_load[1]).toMatchObject({ pkid: nodes[1], parent_id: 0, title: 'Identity', description: 'Full identity text', sort_order: 1 });
      expect(res.body.always_load[2]).toMatchObject({ pkid: nodes[2], parent_id: nodes[1], title: 'Voice', description: null });
      expect(res.text).not.toContain('not for booter');
    });

    it('never puts the key in a URL, even when the key came as ?agent_key=', async () => {
      const res = await b.http().get(`/boot?agent_key=${encodeURIComponent(agent.apiKey)}`).expect(200);
      expect(res.body.agent).toBe(agent.agentName);
      checkUrls(res.body.endpoints, agent.agentName);
      expect(res.text).not.toContain(agent.apiKey);
      expect(res.text).not.toContain(encodeURIComponent(agent.apiKey));

      const viaBearer = await b.http().get('/boot').set('Authorization', `Bearer ${agent.apiKey}`).expect(200);
      expect(viaBearer.text).not.toContain(agent.apiKey);
    });

    it('describes the calling agent: its own name in URLs and its own always-load rows', async () => {
      const res = await b.http().get('/boot').set('X-Api-Key', other.apiKey).expect(200);
      expect(res.body.agent).toBe(other.agentName);
      checkUrls(res.body.endpoints, other.agentName);
      expect(res.text).not.toContain(other.apiKey);
      expect(res.text).not.toContain(agent.agentName);
      expect(res.body.always_load).toEqual([
        expect.objectContaining({ parent_id: 0, title: 'Sibling identity', description: 'not for booter' }),
      ]);
    });
  });
});
