import { AGENT_NOT_FOUND, HANDOFF_NOT_FOUND, ALREADY_PICKED_UP, PICKUP_FORBIDDEN, DELETE_FORBIDDEN, SESSION_NOT_FOUND, ISO_UTC, MISSING, Handoff } from './support/agent-context';
import { AUDIT_FAIL, Method, newRid, refuseAuditFor } from './support/agent-requests';
import { newUsers, perBlock, useFixtures } from './support/fixtures';
import { expectProblem, problem } from './support/problems';
import { TestAgent, uniqueName } from './support/test-app';

/*
 * LucyAPI handoffs and sessions (issue 4; spec §1.6, §3.6–§3.7, §5.4–§5.5):
 * delegation between agents of one user, the pickup queue (exactly once, also
 * under concurrency), deletion rights, and the caller-only sessions used for
 * gap detection, over HTTP against real PostgreSQL. Fixtures: user U1 with
 * agents A1a and A1b (and A1c for a bystander), user U2 with agent A2.
 */

type Fixture = Record<'a1a' | 'a1b' | 'a1c' | 'a2', TestAgent>;

const ids = (handoffs: Handoff[]) => handoffs.map((h) => h.handoff_id);

describe('LucyAPI handoffs and sessions', () => {
  const ctx = useFixtures();
  const { as, expectAudited, expectNotAudited } = ctx;

  /** U1 (America/Denver) with A1a, A1b and A1c; U2 with A2. */
  const fixture = (): Promise<Fixture> => newUsers(ctx, [['a1a', 'a1b', 'a1c'], ['a2']], ['America/Denver']);

  // ---------------------------------------------------------------------------
  describe('handoffs', () => {
    const f = perBlock(fixture);
    const hpath = (agent: TestAgent, suffix = '') => `/agents/${agent.agentName}/handoffs${suffix}`;

    async function handoff(from: TestAgent, to: TestAgent, title = uniqueName('handoff')): Promise<number> {
      return (await ctx.newHandoff(from, to.agentName, { title, prompt: `Prompt for ${title}` })).handoff_id;
    }

    async function handoffRows(agent: TestAgent): Promise<number> {
      const [row] = await ctx.db.query(`SELECT count(*)::int AS n FROM handoffs WHERE agent_id = $1`, [agent.agentId]);
      return row.n as number;
    }

    it('A1b creates a handoff for A1a: 201 with created_by_agent = A1b, audited as A1b', async () => {
      const rid = newRid('h-create');
      const start = Date.now();
      const res = await as(f.a1b, 'post', hpath(f.a1a), { title: ' Continue the migration ', prompt: 'Pick up at step 3.' }, rid).expect(201);
      expect(res.body).toEqual({
        created: {
          handoff_id: expect.any(Number),
          title: 'Continue the migration',
          created_at: expect.stringMatching(ISO_UTC),
          created_by_agent: f.a1b.agentName,
        },
      });
      expect(Math.abs(Date.parse(res.body.created.created_at) - start)).toBeLessThan(10_000);
      await expectAudited(rid, 'HANDOFF_CREATE', f.a1b);

      const [row] = await ctx.db.query(`SELECT agent_id, created_by_agent_id, prompt, picked_up_at FROM handoffs WHERE handoff_id = $1`, [
        res.body.created.handoff_id,
      ]);
      expect(row).toEqual({ agent_id: f.a1a.agentId, created_by_agent_id: f.a1b.agentId, prompt: 'Pick up at step 3.', picked_up_at: null });

      const one = await as(f.a1a, 'get', hpath(f.a1a, `/${res.body.created.handoff_id}`)).expect(200);
      expect(one.body).toEqual({
        handoff_id: res.body.created.handoff_id,
        title: 'Continue the migration',
        prompt: 'Pick up at step 3.',
        created_by_agent: f.a1b.agentName,
        recipient: f.a1a.agentName,
        created_at: res.body.created.created_at,
        picked_up_at: null,
      });
    });

    it('validates the body (422, nothing created or audited)', async () => {
      const before = await handoffRows(f.a1a);
      for (const body of [
        {},
        { title: 'No prompt' },
        { prompt: 'No title' },
        { title: '', prompt: 'x' },
        { title: 'x'.repeat(501), prompt: 'x' },
        { title: 'ok', prompt: '' },
        { title: 'ok', prompt: 'p'.repeat(100_001) },
        { title: 5, prompt: 'x' },
        [],
        'text',
      ]) {
        const rid = newRid('h-bad');
        const res = await as(f.a1b, 'post', hpath(f.a1a), body, rid);
        expect({ body, status: res.status }).toEqual({ body, status: 422 });
        await expectNotAudited(rid);
      }
      expect(await handoffRows(f.a1a)).toBe(before);
    });

    it('the pending list is oldest first, with sender and recipient; A1b’s GET /handoffs/sent lists what A1b sent', async () => {
      const g = await fixture();
      const h1 = await handoff(g.a1b, g.a1a, 'first');
      const h2 = await handoff(g.a1c, g.a1a, 'second');
      const h3 = await handoff(g.a1b, g.a1a, 'third');
      const forB = await handoff(g.a1a, g.a1b, 'for b');

      for (const reader of [g.a1a, g.a1b, g.a1c]) {
        const res = await as(reader, 'get', hpath(g.a1a)).expect(200);
        expect(res.body).toMatchObject({ agent: g.a1a.agentName, total: 3, limit: 200, offset: 0 });
        expect(ids(res.body.handoffs)).toEqual([h1, h2, h3]);
        expect(res.body.handoffs[0]).toEqual({
          handoff_id: h1,
          title: 'first',
          prompt: 'Prompt for first',
          created_by_agent: g.a1b.agentName,
          recipient: g.a1a.agentName,
          created_at: expect.stringMatching(ISO_UTC),
          picked_up_at: null,
        });
        expect(res.body.handoffs[1].created_by_agent).toBe(g.a1c.agentName);
      }
      const createdAts = (await as(g.a1a, 'get', hpath(g.a1a)).expect(200)).body.handoffs.map((h: Handoff) => Date.parse(h.created_at));
      expect([...createdAts].sort((a: number, b: number) => a - b)).toEqual(createdAts);

      const page = await as(g.a1a, 'get', hpath(g.a1a, '?limit=1&offset=1')).expect(200);
      expect(page.body).toMatchObject({ total: 3, limit: 1, offset: 1 });
      expect(ids(page.body.handoffs)).toEqual([h2]);
      expectProblem(await as(g.a1a, 'get', hpath(g.a1a, '?limit=1001')), 422);

      const sentB = await as(g.a1b, 'get', '/handoffs/sent').expect(200);
      expect(sentB.body).toMatchObject({ agent: g.a1b.agentName, total: 2 });
      expect([...ids(sentB.body.handoffs)].sort((a, b) => a - b)).toEqual([h1, h3]);
      for (const h of sentB.body.handoffs as Handoff[]) {
        expect(h).toMatchObject({ created_by_agent: g.a1b.agentName, recipient: g.a1a.agentName });
      }
      const sentA = await as(g.a1a, 'get', '/handoffs/sent').expect(200);
      expect(ids(sentA.body.handoffs)).toEqual([forB]);
      expect(sentA.body.handoffs[0]).toMatchObject({ recipient: g.a1b.agentName, created_by_agent: g.a1a.agentName });
      expect((await as(g.a2, 'get', '/handoffs/sent').expect(200)).body).toMatchObject({ handoffs: [], total: 0 });
    });

    it('GET /handoffs/sent pages with limit and offset, and total counts every sent handoff', async () => {
      const g = await fixture();
      const sent: number[] = [];
      for (let i = 0; i < 3; i++) sent.push(await handoff(g.a1b, g.a1a, `sent ${i}`));
      const first = await as(g.a1b, 'get', '/handoffs/sent?limit=2').expect(200);
      expect(first.body).toMatchObject({ total: 3, limit: 2, offset: 0 });
      expect(first.body.handoffs).toHaveLength(2);
      const rest = await as(g.a1b, 'get', '/handoffs/sent?limit=2&offset=2').expect(200);
      expect(rest.body).toMatchObject({ total: 3, limit: 2, offset: 2 });
      expect(rest.body.handoffs).toHaveLength(1);
      expect([...ids(first.body.handoffs), ...ids(rest.body.handoffs)].sort((a, b) => a - b)).toEqual(sent);
      // Past the end the page is empty, but total still counts the matches (as on every other list).
      const beyond = await as(g.a1b, 'get', '/handoffs/sent?offset=10').expect(200);
      expect(beyond.body).toMatchObject({ handoffs: [], total: 3, offset: 10 });
    });

    it('names are case-insensitive for the recipient', async () => {
      const res = await as(f.a1b, 'post', `/agents/${f.a1a.agentName.toUpperCase()}/handoffs`, { title: 'Upper', prompt: 'x' }).expect(201);
      const one = await as(f.a1a, 'get', hpath(f.a1a, `/${res.body.created.handoff_id}`)).expect(200);
      expect(one.body.recipient).toBe(f.a1a.agentName);
      await as(f.a1b, 'get', `/agents/${f.a1a.agentName.toUpperCase()}/handoffs`).expect(200);
    });

    it('another user’s agent (A2) and an unknown name get 404 "Agent not found" for list, get, create, pickup and delete', async () => {
      const id = await handoff(f.a1b, f.a1a, 'Private');
      const before = await handoffRows(f.a1a);
      const routes = (name: string): [Method, string, Record<string, unknown> | undefined][] => [
        ['get', `/agents/${name}/handoffs`, undefined],
        ['get', `/agents/${name}/handoffs?status=all`, undefined],
        ['get', `/agents/${name}/handoffs/${id}`, undefined],
        ['post', `/agents/${name}/handoffs`, { title: 'From outside', prompt: 'x' }],
        ['put', `/agents/${name}/handoffs/${id}/pickup`, undefined],
        ['delete', `/agents/${name}/handoffs/${id}`, undefined],
      ];
      for (const [caller, name] of [
        [f.a2, f.a1a.agentName],
        [f.a1a, uniqueName('nobody')],
      ] as [TestAgent, string][]) {
        for (const [method, path, body] of routes(name)) {
          const rid = newRid('h-foreign');
          const res = await as(caller, method, path, body, rid);
          expect({ method, path, ...problem(res) }).toEqual({ method, path, status: 404, detail: AGENT_NOT_FOUND });
          await expectNotAudited(rid);
        }
      }
      expect(await handoffRows(f.a1a)).toBe(before);
      expect((await as(f.a1a, 'get', hpath(f.a1a, `/${id}`)).expect(200)).body.picked_up_at).toBeNull();
      expect(await handoffRows(f.a2)).toBe(0);
    });

    it('only the recipient picks up: A1b gets 403; A1a gets {picked_up}; a second pickup is 404', async () => {
      const id = await handoff(f.a1b, f.a1a, 'To pick up');

      for (const other of [f.a1b, f.a1c]) {
        const rid = newRid('h-pickup-sibling');
        expectProblem(await as(other, 'put', hpath(f.a1a, `/${id}/pickup`), undefined, rid), 403, PICKUP_FORBIDDEN);
        await expectNotAudited(rid);
      }
      expect((await as(f.a1a, 'get', hpath(f.a1a, `/${id}`)).expect(200)).body.picked_up_at).toBeNull();

      const rid = newRid('h-pickup');
      const start = Date.now();
      const res = await as(f.a1a, 'put', hpath(f.a1a, `/${id}/pickup`), undefined, rid).expect(200);
      expect(res.body).toEqual({ picked_up: { handoff_id: id, title: 'To pick up', picked_up_at: expect.stringMatching(ISO_UTC) } });
      expect(Math.abs(Date.parse(res.body.picked_up.picked_up_at) - start)).toBeLessThan(10_000);
      await expectAudited(rid, 'HANDOFF_PICKUP', f.a1a);

      const again = newRid('h-pickup-again');
      expectProblem(await as(f.a1a, 'put', hpath(f.a1a, `/${id}/pickup`), undefined, again), 404, ALREADY_PICKED_UP);
      await expectNotAudited(again);
      expectProblem(await as(f.a1a, 'put', hpath(f.a1a, `/${MISSING}/pickup`)), 404, ALREADY_PICKED_UP);

      // Gone from the pending list, still readable by id, listed under picked_up and all.
      expect(ids((await as(f.a1a, 'get', hpath(f.a1a)).expect(200)).body.handoffs)).not.toContain(id);
      const one = await as(f.a1b, 'get', hpath(f.a1a, `/${id}`)).expect(200);
      expect(one.body).toMatchObject({ handoff_id: id, title: 'To pick up', picked_up_at: res.body.picked_up.picked_up_at });
      const picked = await as(f.a1a, 'get', hpath(f.a1a, '?status=picked_up')).expect(200);
      expect(ids(picked.body.handoffs)).toContain(id);
      for (const h of picked.body.handoffs as Handoff[]) expect(h.picked_up_at).not.toBeNull();
      const pending = await as(f.a1a, 'get', hpath(f.a1a, '?status=pending')).expect(200);
      for (const h of pending.body.handoffs as Handoff[]) expect(h.picked_up_at).toBeNull();
      const all = await as(f.a1a, 'get', hpath(f.a1a, '?status=all')).expect(200);
      expect(all.body.total).toBe(picked.body.total + pending.body.total);
      expect([...ids(all.body.handoffs)].sort((a, b) => a - b)).toEqual(
        [...ids(picked.body.handoffs), ...ids(pending.body.handoffs)].sort((a, b) => a - b),
      );
      expectProblem(await as(f.a1a, 'get', hpath(f.a1a, '?status=done')), 422);
    });

    it('a handoff id of another agent under A1a’s path is 404 (get, pickup, delete)', async () => {
      const forB = await handoff(f.a1a, f.a1b, 'Addressed to A1b');
      expectProblem(await as(f.a1a, 'get', hpath(f.a1a, `/${forB}`)), 404, HANDOFF_NOT_FOUND);
      expectProblem(await as(f.a1b, 'get', hpath(f.a1a, `/${forB}`)), 404, HANDOFF_NOT_FOUND);
      expectProblem(await as(f.a1a, 'get', hpath(f.a1a, `/${MISSING}`)), 404, HANDOFF_NOT_FOUND);
      expectProblem(await as(f.a1a, 'put', hpath(f.a1a, `/${forB}/pickup`)), 404, ALREADY_PICKED_UP);
      expectProblem(await as(f.a1a, 'delete', hpath(f.a1a, `/${forB}`)), 404, HANDOFF_NOT_FOUND);
      // Untouched, where it belongs.
      expect((await as(f.a1b, 'get', hpath(f.a1b, `/${forB}`)).expect(200)).body).toMatchObject({ handoff_id: forB, picked_up_at: null });
    });

    it('delete: the recipient any time (also after pickup), the sender only while pending, nobody else', async () => {
      // Recipient, pending.
      const h1 = await handoff(f.a1b, f.a1a, 'recipient deletes pending');
      let rid = newRid('h-del');
      expect((await as(f.a1a, 'delete', hpath(f.a1a, `/${h1}`), undefined, rid).expect(200)).body).toEqual({ deleted: h1 });
      await expectAudited(rid, 'HANDOFF_DELETE', f.a1a);
      expectProblem(await as(f.a1a, 'get', hpath(f.a1a, `/${h1}`)), 404, HANDOFF_NOT_FOUND);

      // Recipient, after pickup.
      const h2 = await handoff(f.a1b, f.a1a, 'recipient deletes picked up');
      await as(f.a1a, 'put', hpath(f.a1a, `/${h2}/pickup`)).expect(200);
      rid = newRid('h-del');
      expect((await as(f.a1a, 'delete', hpath(f.a1a, `/${h2}`), undefined, rid).expect(200)).body).toEqual({ deleted: h2 });
      await expectAudited(rid, 'HANDOFF_DELETE', f.a1a);

      // Sender while pending.
      const h3 = await handoff(f.a1b, f.a1a, 'sender deletes pending');
      rid = newRid('h-del');
      expect((await as(f.a1b, 'delete', hpath(f.a1a, `/${h3}`), undefined, rid).expect(200)).body).toEqual({ deleted: h3 });
      await expectAudited(rid, 'HANDOFF_DELETE', f.a1b);
      expect(await ctx.db.query(`SELECT 1 FROM handoffs WHERE handoff_id = $1`, [h3])).toEqual([]);

      // Sender after pickup: 403.
      const h4 = await handoff(f.a1b, f.a1a, 'sender too late');
      await as(f.a1a, 'put', hpath(f.a1a, `/${h4}/pickup`)).expect(200);
      rid = newRid('h-del-late');
      expectProblem(await as(f.a1b, 'delete', hpath(f.a1a, `/${h4}`), undefined, rid), 403, DELETE_FORBIDDEN);
      await expectNotAudited(rid);
      await as(f.a1a, 'get', hpath(f.a1a, `/${h4}`)).expect(200);

      // A sibling that is neither recipient nor sender: 403, pending or not.
      const h5 = await handoff(f.a1b, f.a1a, 'bystander');
      for (const id of [h4, h5]) {
        rid = newRid('h-del-bystander');
        expectProblem(await as(f.a1c, 'delete', hpath(f.a1a, `/${id}`), undefined, rid), 403, DELETE_FORBIDDEN);
        await expectNotAudited(rid);
        await as(f.a1a, 'get', hpath(f.a1a, `/${id}`)).expect(200);
      }

      // Another user's agent: 404; a missing id for the recipient: 404 "Handoff not found".
      expectProblem(await as(f.a2, 'delete', hpath(f.a1a, `/${h5}`)), 404, AGENT_NOT_FOUND);
      await as(f.a1a, 'get', hpath(f.a1a, `/${h5}`)).expect(200);
      expectProblem(await as(f.a1a, 'delete', hpath(f.a1a, `/${h1}`)), 404, HANDOFF_NOT_FOUND);
      expectProblem(await as(f.a1a, 'delete', hpath(f.a1a, `/${MISSING}`)), 404, HANDOFF_NOT_FOUND);
    });

    it('10 parallel pickups of one handoff: exactly one 200 and nine 404, one audit event', async () => {
      const id = await handoff(f.a1b, f.a1a, 'Race');
      const rids = Array.from({ length: 10 }, (_, i) => newRid(`race-${i}`));
      const results = await Promise.all(rids.map((rid) => as(f.a1a, 'put', hpath(f.a1a, `/${id}/pickup`), undefined, rid)));
      const statuses = results.map((r) => r.status).sort((a, b) => a - b);
      expect(statuses).toEqual([200, ...Array<number>(9).fill(404)]);
      for (const r of results.filter((x) => x.status === 404)) expectProblem(r, 404, ALREADY_PICKED_UP);
      const winnerIndex = results.findIndex((r) => r.status === 200);
      const winner = results[winnerIndex];
      expect(winner.body.picked_up.handoff_id).toBe(id);

      const events = await ctx.db.query(
        `SELECT request_id, agent_id FROM audit_events WHERE event_type = 'HANDOFF_PICKUP' AND (meta->>'handoff_id')::int = $1`,
        [id],
      );
      expect(events).toEqual([{ request_id: rids[winnerIndex], agent_id: f.a1a.agentId }]);
      const [row] = await ctx.db.query(`SELECT picked_up_at FROM handoffs WHERE handoff_id = $1`, [id]);
      expect(new Date(row.picked_up_at as string).toISOString()).toBe(winner.body.picked_up.picked_up_at);
    });
  });

  // ---------------------------------------------------------------------------
  describe('handoff lists are bounded (limit default 200, max 1000)', () => {
    const N = 1001;
    const f = perBlock(fixture);
    let queue: number[];

    beforeAll(async () => {
      // A1b sent N handoffs to A1a, one second apart (oldest first = in pkid order); inserted directly.
      queue = (
        await ctx.db.query(
          `INSERT INTO handoffs (user_id, agent_id, created_by_agent_id, title, prompt, created_at)
           SELECT $1, $2, $3, 'h' || i, 'p', now() - make_interval(secs => $4 - i) FROM generate_series(1, $4) AS i
           RETURNING handoff_id`,
          [f.a1a.userId, f.a1a.agentId, f.a1b.agentId, N],
        )
      )
        .map((r: { handoff_id: number }) => r.handoff_id)
        .sort((a: number, b: number) => a - b);
    });

    it('the pending queue: 200 by default, at most 1000, total counts all, offset reaches the rest', async () => {
      const first = await as(f.a1b, 'get', `/agents/${f.a1a.agentName}/handoffs`).expect(200);
      expect(first.body).toMatchObject({ total: N, limit: 200, offset: 0 });
      expect(ids(first.body.handoffs)).toEqual(queue.slice(0, 200));

      const max = await as(f.a1a, 'get', `/agents/${f.a1a.agentName}/handoffs?status=all&limit=1000`).expect(200);
      expect(max.body).toMatchObject({ total: N, limit: 1000 });
      expect(max.body.handoffs).toHaveLength(1000);
      const rest = await as(f.a1a, 'get', `/agents/${f.a1a.agentName}/handoffs?limit=1000&offset=1000`).expect(200);
      expect(ids(rest.body.handoffs)).toEqual([queue[N - 1]]);
      expectProblem(await as(f.a1a, 'get', `/agents/${f.a1a.agentName}/handoffs?limit=1001`), 422);
    });

    it('GET /handoffs/sent: 200 by default (newest first), at most 1000, total counts all', async () => {
      const first = await as(f.a1b, 'get', '/handoffs/sent').expect(200);
      expect(first.body).toMatchObject({ total: N, limit: 200, offset: 0 });
      expect(ids(first.body.handoffs)).toEqual([...queue].reverse().slice(0, 200));
      const max = await as(f.a1b, 'get', '/handoffs/sent?limit=1000').expect(200);
      expect(max.body.handoffs).toHaveLength(1000);
      expectProblem(await as(f.a1b, 'get', '/handoffs/sent?limit=1001'), 422);
    });
  });

  // ---------------------------------------------------------------------------
  describe('a write and its audit event share one transaction', () => {
    const FAIL = AUDIT_FAIL;
    const f = perBlock(fixture);

    refuseAuditFor(() => ctx.app);

    it('when the audit insert fails, handoff create, pickup and delete and session create and notes roll back (500)', async () => {
      const h = (await ctx.newHandoff(f.a1b, f.a1a.agentName, { title: 'Kept', prompt: 'p' })).handoff_id;
      const s = (await ctx.newSession(f.a1a, { project: 'kept' })).session_id;
      const cases: [TestAgent, Method, string, Record<string, unknown> | undefined][] = [
        [f.a1b, 'post', `/agents/${f.a1a.agentName}/handoffs`, { title: 'Ghost', prompt: 'p' }],
        [f.a1a, 'put', `/agents/${f.a1a.agentName}/handoffs/${h}/pickup`, undefined],
        [f.a1b, 'delete', `/agents/${f.a1a.agentName}/handoffs/${h}`, undefined],
        [f.a1a, 'post', '/sessions', { project: 'ghost' }],
        [f.a1a, 'put', `/sessions/${s}/notes`, { notes: 'ghost notes' }],
      ];
      for (const [agent, method, path, body] of cases) {
        const rid = newRid(FAIL);
        const res = await as(agent, method, path, body, rid);
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 500 });
        expect(res.text).not.toContain('audit refused');
        // The 500 is the refused audit event (its cause is logged with the request id), not some other failure.
        expect({ path, logged: ctx.logs.some((l) => l.includes(rid) && l.includes('audit refused by test')) }).toEqual({ path, logged: true });
      }
      expect(await ctx.db.query(`SELECT handoff_id, title, picked_up_at FROM handoffs WHERE agent_id = $1`, [f.a1a.agentId])).toEqual([
        { handoff_id: h, title: 'Kept', picked_up_at: null },
      ]);
      expect(await ctx.db.query(`SELECT session_id, project, notes FROM sessions WHERE agent_id = $1`, [f.a1a.agentId])).toEqual([
        { session_id: s, project: 'kept', notes: null },
      ]);
      // With an ordinary request id the pickup goes through (exactly once, as ever).
      await as(f.a1a, 'put', `/agents/${f.a1a.agentName}/handoffs/${h}/pickup`).expect(200);
    });
  });

  // ---------------------------------------------------------------------------
  describe('sessions', () => {
    const f = perBlock(fixture);

    async function sessionCount(agent: TestAgent): Promise<number> {
      const [row] = await ctx.db.query(`SELECT count(*)::int AS n FROM sessions WHERE agent_id = $1`, [agent.agentId]);
      return row.n as number;
    }

    it('GET /sessions/last before any session is exactly {last_session: null}', async () => {
      for (const agent of [f.a1a, f.a1b, f.a2]) {
        const res = await as(agent, 'get', '/sessions/last').expect(200);
        expect(res.body).toEqual({ last_session: null });
      }
    });

    it('POST /sessions {} → 201 {session_id, agent, started_at, project: null}, audited', async () => {
      const rid = newRid('s-create');
      const start = Date.now();
      const res = await as(f.a1a, 'post', '/sessions', {}, rid).expect(201);
      expect(res.body).toEqual({
        session_id: expect.any(Number),
        agent: f.a1a.agentName,
        started_at: expect.stringMatching(ISO_UTC),
        project: null,
      });
      expect(Math.abs(Date.parse(res.body.started_at) - start)).toBeLessThan(10_000);
      await expectAudited(rid, 'SESSION_CREATE', f.a1a);
      const [row] = await ctx.db.query(`SELECT agent_id, user_id, project FROM sessions WHERE session_id = $1`, [res.body.session_id]);
      expect(row).toEqual({ agent_id: f.a1a.agentId, user_id: f.a1a.userId, project: null });
    });

    it('POST /sessions with a project records it', async () => {
      const res = await as(f.a1a, 'post', '/sessions', { project: 'mnemo' }).expect(201);
      expect(res.body).toEqual({ session_id: expect.any(Number), agent: f.a1a.agentName, started_at: expect.stringMatching(ISO_UTC), project: 'mnemo' });
    });

    it('a body that is not a JSON object, or a bad project, is 422 with nothing recorded', async () => {
      const before = await sessionCount(f.a1a);
      for (const body of [[], [{ project: 'x' }], 'text', 42, true, { project: 42 }, { project: 'p'.repeat(501) }]) {
        const rid = newRid('s-bad');
        const res = await as(f.a1a, 'post', '/sessions', body, rid);
        expect({ body, status: res.status }).toEqual({ body, status: 422 });
        await expectNotAudited(rid);
      }
      expect(await sessionCount(f.a1a)).toBe(before);
    });

    it('no body at all is 422 "Request body must be a JSON object" (spec §5.4: `{}` is the empty body), nothing recorded', async () => {
      const before = await sessionCount(f.a1a);
      const rid = newRid('s-nobody');
      const res = await as(f.a1a, 'post', '/sessions', undefined, rid);
      expectProblem(res, 422, 'Request body must be a JSON object');
      expect(res.body.errors).toEqual([{ field: 'body', message: 'Request body must be a JSON object' }]);
      await expectNotAudited(rid);
      const nullBody = await as(f.a1a, 'post', '/sessions', null);
      expect(nullBody.status).toBe(422);
      expect(await sessionCount(f.a1a)).toBe(before);
    });

    it('GET /sessions/last gives the later of two sessions, per agent (A1b’s sessions never show for A1a)', async () => {
      const g = await fixture();
      const first = await as(g.a1a, 'post', '/sessions', { project: 'one' }).expect(201);
      const second = await as(g.a1a, 'post', '/sessions', { project: 'two' }).expect(201);
      expect(second.body.session_id).not.toBe(first.body.session_id);

      const last = await as(g.a1a, 'get', '/sessions/last').expect(200);
      expect(last.body).toMatchObject({
        agent: g.a1a.agentName,
        last_session: { session_id: second.body.session_id, project: 'two' },
      });
      expect(Date.parse(last.body.last_session.started_at)).toBe(Date.parse(second.body.started_at));

      // A1b: its own sessions only, and A1a's last is unaffected by them.
      expect((await as(g.a1b, 'get', '/sessions/last').expect(200)).body).toEqual({ last_session: null });
      const b = await as(g.a1b, 'post', '/sessions', { project: 'b' }).expect(201);
      expect(b.body.agent).toBe(g.a1b.agentName);
      expect((await as(g.a1b, 'get', '/sessions/last').expect(200)).body.last_session.session_id).toBe(b.body.session_id);
      expect((await as(g.a1a, 'get', '/sessions/last').expect(200)).body.last_session.session_id).toBe(second.body.session_id);
      expect((await as(g.a2, 'get', '/sessions/last').expect(200)).body).toEqual({ last_session: null });

      // "Later" means started later, not created later.
      await ctx.db.query(`UPDATE sessions SET started_at = now() - interval '1 day' WHERE session_id = $1`, [second.body.session_id]);
      expect((await as(g.a1a, 'get', '/sessions/last').expect(200)).body.last_session.session_id).toBe(first.body.session_id);
    });

    it('PUT /sessions/{id}/notes sets notes and null clears them; audited', async () => {
      const id = (await ctx.newSession(f.a1b)).session_id;

      const rid = newRid('s-notes');
      const res = await as(f.a1b, 'put', `/sessions/${id}/notes`, { notes: 'Shipped the handoff queue.' }, rid).expect(200);
      expect(res.body).toEqual({ updated: { session_id: id, notes: 'Shipped the handoff queue.' } });
      await expectAudited(rid, 'SESSION_UPDATE', f.a1b);
      expect((await ctx.db.query(`SELECT notes FROM sessions WHERE session_id = $1`, [id]))[0].notes).toBe('Shipped the handoff queue.');
      expect((await as(f.a1b, 'get', '/sessions/last').expect(200)).body.last_session).toMatchObject({
        session_id: id,
        notes: 'Shipped the handoff queue.',
      });

      const cleared = await as(f.a1b, 'put', `/sessions/${id}/notes`, { notes: null }).expect(200);
      expect(cleared.body).toEqual({ updated: { session_id: id, notes: null } });
      expect((await ctx.db.query(`SELECT notes FROM sessions WHERE session_id = $1`, [id]))[0].notes).toBeNull();

      for (const body of [{}, { notes: 5 }, { notes: 'n'.repeat(100_001) }, 'text', []]) {
        const bad = newRid('s-notes-bad');
        const r = await as(f.a1b, 'put', `/sessions/${id}/notes`, body, bad);
        expect({ body, status: r.status }).toEqual({ body, status: 422 });
        await expectNotAudited(bad);
      }
      expect((await ctx.db.query(`SELECT notes FROM sessions WHERE session_id = $1`, [id]))[0].notes).toBeNull();
    });

    it('another agent’s session id (same user or not), or a missing one, is 404 "Session not found"', async () => {
      const id = (await ctx.newSession(f.a1a)).session_id;
      for (const [agent, sid] of [
        [f.a1b, id],
        [f.a2, id],
        [f.a1a, MISSING],
      ] as [TestAgent, number][]) {
        const rid = newRid('s-notes-foreign');
        expectProblem(await as(agent, 'put', `/sessions/${sid}/notes`, { notes: 'not mine' }, rid), 404, SESSION_NOT_FOUND);
        await expectNotAudited(rid);
      }
      expect((await ctx.db.query(`SELECT notes FROM sessions WHERE session_id = $1`, [id]))[0].notes).toBeNull();
      expectProblem(await as(f.a1a, 'put', '/sessions/abc/notes', { notes: 'x' }), 422);
    });

    it('sessions and handoffs require an agent key', async () => {
      for (const [method, path] of [
        ['post', '/sessions'],
        ['get', '/sessions/last'],
        ['put', '/sessions/1/notes'],
        ['get', '/handoffs/sent'],
        ['get', `/agents/${f.a1a.agentName}/handoffs`],
      ] as [Method, string][]) {
        const res = await ctx.http()[method](path).send({});
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 401 });
      }
    });
  });
});
