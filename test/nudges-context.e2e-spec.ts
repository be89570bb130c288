import { CONTEXT_KEYS, Fixture, ISO_UTC, MISSING, NO_FIELDS, agentContext } from './support/agent-context';
import { newRid } from './support/agent-requests';
import { perBlock, useFixtures } from './support/fixtures';
import { callTool as call, Json, ok, okText, restError, toolError } from './support/mcp-client';
import { expectProblem } from './support/problems';
import { TestAgent } from './support/test-app';

/*
 * Nudges (spec §2.2 "nudges", §3.20) over REST and MCP, the actionable rule as
 * the context surfaces (and stamps) nudges, and the knowledge parts of the
 * context: projects_manifest and hints_compact (§3.2 v2). Time is controlled
 * by writing due_date and last_reminded with SQL relative to the database's
 * now() and the user's "today" in its time zone.
 * Fixtures per block: user U1 with agents A1a and A1b, user U2 with agent A2.
 * Expected texts are written out here, never imported from src/.
 */

const NUDGE_NOT_FOUND = 'Nudge not found';
const DUE_RULE = 'due_date must be a date YYYY-MM-DD, or null for ASAP';

interface ActionableNudge {
  nudge_id: number;
  title: string;
  description: string | null;
  due_date: string | null;
  last_reminded: string;
}

interface Context {
  time: { tz: string; local: string };
  projects_manifest: { project_id: number; title: string; status: string }[];
  hints_compact: { hint_id: number; parent_id: number; title: string }[];
  actionable_nudges: ActionableNudge[];
  [key: string]: unknown;
}

describe('Nudges and the knowledge parts of the agent context', () => {
  const ctx = useFixtures();
  const { as, expectAudited, expectNotAudited } = ctx;

  const contextUsers = agentContext(ctx).fixture;
  /** U1 with A1a and A1b, U2 with A2, both users in `timezone`. */
  const fixture = (timezone = 'America/Denver'): Promise<Fixture> => contextUsers(timezone, timezone);

  const createNudge = async (agent: TestAgent, body: Json): Promise<number> => (await ctx.newNudge(agent, body)).nudge_id;

  async function nudgeCount(agent: TestAgent): Promise<number> {
    const [row] = await ctx.db.query(`SELECT count(*)::int AS n FROM nudges WHERE user_id = $1`, [agent.userId]);
    return row.n as number;
  }

  async function dbNudge(id: number): Promise<{ user_id: string; title: string; description: string | null; due_date: string | null } | undefined> {
    const rows = await ctx.db.query(`SELECT user_id, title, description, to_char(due_date, 'YYYY-MM-DD') AS due_date FROM nudges WHERE nudge_id = $1`, [id]);
    return rows[0];
  }

  /**
   * Sets a nudge's due date to the user's today (in `tz`) plus `dueInDays` (null: ASAP)
   * and its last reminder to `remindedHoursAgo` hours before now (null: never).
   */
  async function setTiming(id: number, tz: string, dueInDays: number | null, remindedHoursAgo: number | null): Promise<void> {
    await ctx.db.query(
      `UPDATE nudges
          SET due_date = CASE WHEN $2::int IS NULL THEN NULL ELSE (now() AT TIME ZONE $3::text)::date + $2::int END,
              last_reminded = CASE WHEN $4::int IS NULL THEN NULL ELSE now() - make_interval(hours => $4::int) END
        WHERE nudge_id = $1`,
      [id, dueInDays, tz, remindedHoursAgo],
    );
  }

  /** last_reminded of the nudges, as exact text (microseconds), by id. */
  async function reminded(ids: number[]): Promise<Map<number, string | null>> {
    const rows: { nudge_id: number; r: string | null }[] = await ctx.db.query(
      `SELECT nudge_id, to_char(last_reminded AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS r FROM nudges WHERE nudge_id = ANY($1)`,
      [ids],
    );
    return new Map(rows.map((r) => [r.nudge_id, r.r]));
  }

  /** Ids of the nudges whose last_reminded is within `seconds` of the database's now(). */
  async function freshlyReminded(ids: number[], seconds = 60): Promise<number[]> {
    const rows: { nudge_id: number }[] = await ctx.db.query(
      `SELECT nudge_id FROM nudges WHERE nudge_id = ANY($1) AND last_reminded BETWEEN now() - make_interval(secs => $2) AND now() + interval '1 second' ORDER BY nudge_id`,
      [ids, seconds],
    );
    return rows.map((r) => r.nudge_id);
  }

  async function context(reader: TestAgent, name: string = reader.agentName): Promise<Context> {
    return (await as(reader, 'get', `/agents/${name}/context`).expect(200)).body as Context;
  }

  const nudgeIds = (c: Context) => c.actionable_nudges.map((n) => n.nudge_id);

  // ---------------------------------------------------------------------------
  describe('REST: POST /nudges', () => {
    const f = perBlock(fixture);

    it('201 {created: {nudge_id, title, due_date, created_at}}, with or without a due date; audited NUDGE_CREATE', async () => {
      const rid = newRid('nudge-create');
      const before = Date.now();
      const res = await as(f.a1a, 'post', '/nudges', { title: '  Renew the TLS certificate  ', description: 'Before it expires', due_date: '2027-12-01' }, rid).expect(201);
      expect(res.body).toEqual({
        created: { nudge_id: expect.any(Number), title: 'Renew the TLS certificate', due_date: '2027-12-01', created_at: expect.stringMatching(ISO_UTC) },
      });
      expect(Math.abs(Date.parse(res.body.created.created_at) - before)).toBeLessThan(60_000);
      const id = res.body.created.nudge_id as number;
      expect(await dbNudge(id)).toEqual({ user_id: f.a1a.userId, title: 'Renew the TLS certificate', description: 'Before it expires', due_date: '2027-12-01' });
      await expectAudited(rid, 'NUDGE_CREATE', f.a1a);
      const [event] = await ctx.db.query(`SELECT meta FROM audit_events WHERE request_id = $1`, [rid]);
      expect(event.meta).toEqual({ nudge_id: id });

      // No due date (absent or null): ASAP.
      const asap = await as(f.a1a, 'post', '/nudges', { title: 'Call the plumber' }).expect(201);
      expect(asap.body.created).toMatchObject({ title: 'Call the plumber', due_date: null });
      expect(await dbNudge(asap.body.created.nudge_id)).toMatchObject({ description: null, due_date: null });
      const nullDate = await as(f.a1a, 'post', '/nudges', { title: 'Pay the rent', due_date: null }).expect(201);
      expect(nullDate.body.created.due_date).toBeNull();
      expect((await dbNudge(nullDate.body.created.nudge_id))?.due_date).toBeNull();
      // Leap day of a leap year is a date.
      expect((await as(f.a1a, 'post', '/nudges', { title: 'Leap', due_date: '2028-02-29' }).expect(201)).body.created.due_date).toBe('2028-02-29');
    });

    it('a due_date that is not an existing YYYY-MM-DD date is 422, nothing stored or audited', async () => {
      const count = await nudgeCount(f.a1a);
      for (const due_date of ['2027-02-30', '2027-1-5', '2027-01-05T00:00:00Z', 5, '2027-13-01', '2027-02-29', 'tomorrow', '']) {
        const rid = newRid('bad-date');
        const res = await as(f.a1a, 'post', '/nudges', { title: 'Bad date', due_date }, rid);
        expect({ due_date, status: res.status }).toEqual({ due_date, status: 422 });
        expectProblem(res, 422, DUE_RULE);
        expect(res.body.errors).toEqual([{ field: 'due_date', message: DUE_RULE }]);
        await expectNotAudited(rid);
      }
      expectProblem(await as(f.a1a, 'post', '/nudges', { description: 'no title' }), 422);
      expectProblem(await as(f.a1a, 'post', '/nudges', { title: '' }), 422);
      expect(await nudgeCount(f.a1a)).toBe(count);
    });
  });

  // ---------------------------------------------------------------------------
  describe('REST: GET /nudges and GET /nudges/{id}', () => {
    it('lists ASAP first, then the soonest due, then by nudge_id, with total/limit/offset', async () => {
      const f = await fixture();
      const late = await createNudge(f.a1a, { title: 'Late', due_date: '2031-05-01' });
      const asap1 = await createNudge(f.a1a, { title: 'ASAP 1', description: 'now' });
      const soonA = await createNudge(f.a1a, { title: 'Soon A', due_date: '2030-01-01' });
      const asap2 = await createNudge(f.a1b, { title: 'ASAP 2' });
      const soonB = await createNudge(f.a1a, { title: 'Soon B', due_date: '2030-01-01' });
      const mid = await createNudge(f.a1a, { title: 'Mid', due_date: '2030-06-15' });
      const order = [asap1, asap2, soonA, soonB, mid, late];

      const res = await as(f.a1a, 'get', '/nudges').expect(200);
      expect(Object.keys(res.body).sort()).toEqual(['limit', 'nudges', 'offset', 'total']);
      expect(res.body).toMatchObject({ total: 6, limit: 200, offset: 0 });
      expect(res.body.nudges.map((n: { nudge_id: number }) => n.nudge_id)).toEqual(order);
      expect(res.body.nudges[0]).toEqual({
        nudge_id: asap1,
        title: 'ASAP 1',
        description: 'now',
        due_date: null,
        last_reminded: null,
        created_at: expect.stringMatching(ISO_UTC),
        updated_at: expect.stringMatching(ISO_UTC),
      });
      expect(res.body.nudges.map((n: { due_date: string | null }) => n.due_date)).toEqual([null, null, '2030-01-01', '2030-01-01', '2030-06-15', '2031-05-01']);

      const page = await as(f.a1a, 'get', '/nudges?limit=2&offset=1').expect(200);
      expect(page.body).toMatchObject({ total: 6, limit: 2, offset: 1 });
      expect(page.body.nudges.map((n: { nudge_id: number }) => n.nudge_id)).toEqual(order.slice(1, 3));
      const past = await as(f.a1a, 'get', '/nudges?offset=50').expect(200);
      expect(past.body).toEqual({ nudges: [], total: 6, limit: 200, offset: 50 });

      // Listing is not a reminder: nothing stamped.
      expect([...(await reminded(order)).values()]).toEqual(order.map(() => null));
    });

    it('GET /nudges/{id} returns the nudge; a missing id is 404 "Nudge not found"', async () => {
      const f = await fixture();
      const id = await createNudge(f.a1a, { title: 'Dentist', description: 'Dr. Molar', due_date: '2029-03-04' });
      const res = await as(f.a1a, 'get', `/nudges/${id}`).expect(200);
      expect(res.body).toEqual({
        nudge_id: id,
        title: 'Dentist',
        description: 'Dr. Molar',
        due_date: '2029-03-04',
        last_reminded: null,
        created_at: expect.stringMatching(ISO_UTC),
        updated_at: expect.stringMatching(ISO_UTC),
      });
      expectProblem(await as(f.a1a, 'get', `/nudges/${MISSING}`), 404, NUDGE_NOT_FOUND);
    });
  });

  // ---------------------------------------------------------------------------
  describe('REST: PUT and DELETE /nudges/{id}', () => {
    const f = perBlock(fixture);

    it('PUT {} is 400 "No fields to update" (also for a missing id), nothing audited', async () => {
      const id = await createNudge(f.a1a, { title: 'Keep me', due_date: '2029-01-01' });
      const rid = newRid('empty-put');
      expectProblem(await as(f.a1a, 'put', `/nudges/${id}`, {}, rid), 400, NO_FIELDS);
      await expectNotAudited(rid);
      expectProblem(await as(f.a1a, 'put', `/nudges/${MISSING}`, {}), 400, NO_FIELDS);
      expect(await dbNudge(id)).toMatchObject({ title: 'Keep me', due_date: '2029-01-01' });
    });

    it('a new date replaces; absent keeps; due_date null or clear_due_date true makes it ASAP; audited NUDGE_UPDATE', async () => {
      const id = await createNudge(f.a1a, { title: 'Taxes', description: 'Form 1040', due_date: '2029-04-15' });
      const item = `/nudges/${id}`;

      const rid = newRid('nudge-update');
      const moved = await as(f.a1a, 'put', item, { due_date: '2029-04-30' }, rid).expect(200);
      expect(moved.body).toEqual({ updated: { nudge_id: id, title: 'Taxes', due_date: '2029-04-30' } });
      await expectAudited(rid, 'NUDGE_UPDATE', f.a1a);
      const [event] = await ctx.db.query(`SELECT meta FROM audit_events WHERE request_id = $1`, [rid]);
      expect(event.meta).toEqual({ nudge_id: id });

      // Absent due_date keeps it.
      const renamed = await as(f.a1a, 'put', item, { title: 'Taxes 2029' }).expect(200);
      expect(renamed.body.updated).toEqual({ nudge_id: id, title: 'Taxes 2029', due_date: '2029-04-30' });
      expect(await dbNudge(id)).toMatchObject({ title: 'Taxes 2029', description: 'Form 1040', due_date: '2029-04-30' });
      await as(f.a1a, 'put', item, { description: null }).expect(200);
      expect(await dbNudge(id)).toMatchObject({ description: null, due_date: '2029-04-30' });

      // due_date null: ASAP.
      expect((await as(f.a1a, 'put', item, { due_date: null }).expect(200)).body.updated.due_date).toBeNull();
      expect((await dbNudge(id))?.due_date).toBeNull();

      // A date again, then clear_due_date true: ASAP.
      await as(f.a1a, 'put', item, { due_date: '2029-05-01' }).expect(200);
      expect((await dbNudge(id))?.due_date).toBe('2029-05-01');
      expect((await as(f.a1a, 'put', item, { clear_due_date: true }).expect(200)).body.updated).toEqual({ nudge_id: id, title: 'Taxes 2029', due_date: null });
      expect((await dbNudge(id))?.due_date).toBeNull();
      expect((await as(f.a1a, 'get', item).expect(200)).body.due_date).toBeNull();
    });

    it('PUT with a bad due_date (or clear_due_date not a boolean) is 422 and changes nothing', async () => {
      const id = await createNudge(f.a1a, { title: 'Stay', due_date: '2029-07-01' });
      for (const body of [{ due_date: '2027-02-30' }, { due_date: '2027-1-5' }, { due_date: '2027-01-05T00:00:00Z' }, { due_date: 5 }, { title: 'x', due_date: 'soon' }]) {
        const rid = newRid('bad-put');
        const res = await as(f.a1a, 'put', `/nudges/${id}`, body, rid);
        expect({ body, status: res.status }).toEqual({ body, status: 422 });
        expectProblem(res, 422, DUE_RULE);
        await expectNotAudited(rid);
      }
      expectProblem(await as(f.a1a, 'put', `/nudges/${id}`, { clear_due_date: 'yes' }), 422, 'clear_due_date must be true or false');
      expect(await dbNudge(id)).toMatchObject({ title: 'Stay', due_date: '2029-07-01' });
    });

    it('PUT and DELETE of a missing nudge: 404 "Nudge not found", not audited', async () => {
      const rid1 = newRid('put-missing');
      expectProblem(await as(f.a1a, 'put', `/nudges/${MISSING}`, { title: 'x' }, rid1), 404, NUDGE_NOT_FOUND);
      await expectNotAudited(rid1);
      const rid2 = newRid('delete-missing');
      expectProblem(await as(f.a1a, 'delete', `/nudges/${MISSING}`, undefined, rid2), 404, NUDGE_NOT_FOUND);
      await expectNotAudited(rid2);
    });

    it('DELETE → {deleted: id}, audited NUDGE_DELETE; then 404 everywhere', async () => {
      const id = await createNudge(f.a1a, { title: 'Short-lived' });
      const rid = newRid('nudge-delete');
      expect((await as(f.a1a, 'delete', `/nudges/${id}`, undefined, rid).expect(200)).body).toEqual({ deleted: id });
      await expectAudited(rid, 'NUDGE_DELETE', f.a1a);
      const [event] = await ctx.db.query(`SELECT meta FROM audit_events WHERE request_id = $1`, [rid]);
      expect(event.meta).toEqual({ nudge_id: id });
      expect(await dbNudge(id)).toBeUndefined();
      expectProblem(await as(f.a1a, 'get', `/nudges/${id}`), 404, NUDGE_NOT_FOUND);
      expectProblem(await as(f.a1a, 'put', `/nudges/${id}`, { title: 'again' }), 404, NUDGE_NOT_FOUND);
      expectProblem(await as(f.a1a, 'delete', `/nudges/${id}`), 404, NUDGE_NOT_FOUND);
    });
  });

  // ---------------------------------------------------------------------------
  describe('nudges are user-scoped', () => {
    it('a sibling agent sees, edits and deletes them (audited as the sibling); another user’s agent gets 404 and never lists them', async () => {
      const f = await fixture();
      const id = await createNudge(f.a1a, { title: 'Shared by the user', due_date: '2029-09-09' });
      const other = await createNudge(f.a1a, { title: 'Second' });
      const own2 = await createNudge(f.a2, { title: 'U2 only' });

      // The sibling reads and lists them.
      expect((await as(f.a1b, 'get', `/nudges/${id}`).expect(200)).body).toMatchObject({ nudge_id: id, title: 'Shared by the user' });
      expect((await as(f.a1b, 'get', '/nudges').expect(200)).body).toMatchObject({ total: 2 });

      // Another user's agent: 404 on get/put/delete, nothing changed or audited; its list holds only its own.
      expectProblem(await as(f.a2, 'get', `/nudges/${id}`), 404, NUDGE_NOT_FOUND);
      const ridPut = newRid('foreign-put');
      expectProblem(await as(f.a2, 'put', `/nudges/${id}`, { title: 'Hijacked', clear_due_date: true }, ridPut), 404, NUDGE_NOT_FOUND);
      await expectNotAudited(ridPut);
      const ridDel = newRid('foreign-delete');
      expectProblem(await as(f.a2, 'delete', `/nudges/${id}`, undefined, ridDel), 404, NUDGE_NOT_FOUND);
      await expectNotAudited(ridDel);
      expect(await dbNudge(id)).toMatchObject({ title: 'Shared by the user', due_date: '2029-09-09' });
      const list2 = await as(f.a2, 'get', '/nudges').expect(200);
      expect(list2.body).toMatchObject({ total: 1 });
      expect(list2.body.nudges.map((n: { nudge_id: number }) => n.nudge_id)).toEqual([own2]);
      expectProblem(await as(f.a1a, 'get', `/nudges/${own2}`), 404, NUDGE_NOT_FOUND);

      // The sibling edits and deletes; the events name the sibling.
      const ridEdit = newRid('sibling-put');
      await as(f.a1b, 'put', `/nudges/${id}`, { title: 'Edited by A1b' }, ridEdit).expect(200);
      await expectAudited(ridEdit, 'NUDGE_UPDATE', f.a1b);
      expect((await as(f.a1a, 'get', `/nudges/${id}`).expect(200)).body.title).toBe('Edited by A1b');
      const ridRm = newRid('sibling-delete');
      expect((await as(f.a1b, 'delete', `/nudges/${other}`, undefined, ridRm).expect(200)).body).toEqual({ deleted: other });
      await expectAudited(ridRm, 'NUDGE_DELETE', f.a1b);
      expect((await as(f.a1a, 'get', '/nudges').expect(200)).body.nudges.map((n: { nudge_id: number }) => n.nudge_id)).toEqual([id]);
    });

    it('the nudges surface in the context of any of the user’s agents, never in another user’s', async () => {
      const f = await fixture();
      const id = await createNudge(f.a1a, { title: 'For the whole user' });
      expect(nudgeIds(await context(f.a2))).toEqual([]);
      // A1b's own context surfaces (and stamps) it; then A1a's no longer does.
      expect(nudgeIds(await context(f.a1b))).toEqual([id]);
      expect(nudgeIds(await context(f.a1a))).toEqual([]);
      expect(await freshlyReminded([id])).toEqual([id]);
    });
  });

  // ---------------------------------------------------------------------------
  describe('the actionable rule (GET /agents/{name}/context stamps what it returns)', () => {
    const TZ = 'America/Denver';

    it('returns never-reminded ones, and by due date those not reminded in 24 h (ASAP, < 7 days, overdue) or 7 days (later)', async () => {
      const f = await fixture(TZ);
      const make = async (title: string, dueInDays: number | null, remindedHoursAgo: number | null) => {
        const id = await createNudge(f.a1a, { title, description: `${title} text` });
        await setTiming(id, TZ, dueInDays, remindedHoursAgo);
        return id;
      };
      const neverAsap = await make('ASAP never reminded', null, null);
      const asap23h = await make('ASAP reminded 23 h ago', null, 23);
      const asap25h = await make('ASAP reminded 25 h ago', null, 25);
      const in3days25h = await make('Due in 3 days, reminded 25 h ago', 3, 25);
      const in3days23h = await make('Due in 3 days, reminded 23 h ago', 3, 23);
      const overdue25h = await make('Overdue, reminded 25 h ago', -2, 25);
      const overdue23h = await make('Overdue, reminded 23 h ago', -2, 23);
      const in10days2d = await make('Due in 10 days, reminded 2 days ago', 10, 48);
      const in10days8d = await make('Due in 10 days, reminded 8 days ago', 10, 8 * 24);
      const in10daysNever = await make('Due in 10 days, never reminded', 10, null);
      const in6days25h = await make('Due in 6 days, reminded 25 h ago', 6, 25);
      const in7days25h = await make('Due in 7 days, reminded 25 h ago', 7, 25);
      const all = [neverAsap, asap23h, asap25h, in3days25h, in3days23h, overdue25h, overdue23h, in10days2d, in10days8d, in10daysNever, in6days25h, in7days25h];
      const expected = [neverAsap, asap25h, overdue25h, in3days25h, in6days25h, in10days8d, in10daysNever];
      const notReturned = all.filter((id) => !expected.includes(id));
      const before = await reminded(all);

      const view = await context(f.a1a);
      // ASAP first (by id), then the soonest due.
      expect(nudgeIds(view)).toEqual(expected);
      const [today] = await ctx.db.query(`SELECT to_char((now() AT TIME ZONE $1::text)::date, 'YYYY-MM-DD') AS d`, [TZ]);
      const day = (n: number) => {
        const d = new Date(`${today.d as string}T00:00:00Z`);
        d.setUTCDate(d.getUTCDate() + n);
        return d.toISOString().slice(0, 10);
      };
      expect(view.actionable_nudges[0]).toEqual({
        nudge_id: neverAsap,
        title: 'ASAP never reminded',
        description: 'ASAP never reminded text',
        due_date: null,
        last_reminded: expect.stringMatching(ISO_UTC),
      });
      expect(view.actionable_nudges.map((n) => n.due_date)).toEqual([null, null, day(-2), day(3), day(6), day(10), day(10)]);

      // The returned ones were stamped about now (and the response says so); the others kept their stamp.
      expect(await freshlyReminded(all)).toEqual([...expected].sort((a, b) => a - b));
      const after = await reminded(all);
      for (const id of notReturned) expect({ id, r: after.get(id) }).toEqual({ id, r: before.get(id) });
      const [dbNow] = await ctx.db.query(`SELECT now() AS now`);
      for (const n of view.actionable_nudges) expect(Math.abs(Date.parse(n.last_reminded) - (dbNow.now as Date).getTime())).toBeLessThan(60_000);

      // A second read right after: none of them again, and no stamp moved.
      expect(nudgeIds(await context(f.a1a))).toEqual([]);
      expect(await reminded(all)).toEqual(after);

      // Back-dating the stamps makes them actionable again.
      await ctx.db.query(`UPDATE nudges SET last_reminded = now() - interval '25 hours' WHERE nudge_id = ANY($1)`, [[asap23h, in3days23h]]);
      expect(nudgeIds(await context(f.a1b, f.a1a.agentName))).toEqual([asap23h, in3days23h]);
    });

    it('a nudge created or made ASAP after a reminder follows the rule at once', async () => {
      const f = await fixture(TZ);
      const id = await createNudge(f.a1a, { title: 'Far away', due_date: '2099-01-01' });
      expect(nudgeIds(await context(f.a1a))).toEqual([id]); // never reminded
      await ctx.db.query(`UPDATE nudges SET last_reminded = now() - interval '2 days' WHERE nudge_id = $1`, [id]);
      expect(nudgeIds(await context(f.a1a))).toEqual([]); // far, reminded 2 days ago
      await as(f.a1a, 'put', `/nudges/${id}`, { clear_due_date: true }).expect(200);
      expect(nudgeIds(await context(f.a1a))).toEqual([id]); // ASAP now, reminded > 24 h ago
      expect(nudgeIds(await context(f.a1a))).toEqual([]);
    });

    it('"due within 7 days" counts from the user’s today in its time zone, not UTC’s', async () => {
      // Kiritimati (UTC+14) is a day ahead of UTC from 10:00 UTC, Pago Pago (UTC-11) a day behind
      // until 11:00 UTC: at any moment at least one of the two users' today differs from UTC's, so a
      // rule counting days in UTC fails at least one of the two checks below, whatever the hour.
      const zones = ['Pacific/Kiritimati', 'Pacific/Pago_Pago'];
      const [guard] = await ctx.db.query(
        `SELECT (now() AT TIME ZONE 'Pacific/Kiritimati')::date <> (now() AT TIME ZONE 'UTC')::date
             OR (now() AT TIME ZONE 'Pacific/Pago_Pago')::date <> (now() AT TIME ZONE 'UTC')::date AS differs`,
      );
      expect(guard.differs).toBe(true);

      for (const tz of zones) {
        // Not within a few seconds of the zone's midnight (its today must not change during the check).
        const [left] = await ctx.db.query(
          `SELECT extract(epoch FROM ((now() AT TIME ZONE $1::text)::date + 1) - (now() AT TIME ZONE $1::text))::float AS s`,
          [tz],
        );
        if ((left.s as number) < 10) await new Promise((resolve) => setTimeout(resolve, ((left.s as number) + 1) * 1000));

        const f = await fixture(tz);
        const in6 = await createNudge(f.a1a, { title: `${tz}: due in 6 days` });
        const in7 = await createNudge(f.a1a, { title: `${tz}: due in 7 days` });
        const in7old = await createNudge(f.a1a, { title: `${tz}: due in 7 days, reminded 8 days ago` });
        await setTiming(in6, tz, 6, 25);
        await setTiming(in7, tz, 7, 25);
        await setTiming(in7old, tz, 7, 8 * 24);
        const view = await context(f.a1a);
        expect(view.time.tz).toBe(tz);
        expect({ tz, ids: nudgeIds(view) }).toEqual({ tz, ids: [in6, in7old] });
      }
    });

    it('two parallel context reads: each actionable nudge is returned by exactly one of them', async () => {
      const f = await fixture(TZ);
      const ids: number[] = [];
      for (let i = 0; i < 8; i += 1) ids.push(await createNudge(f.a1a, { title: `Parallel ${i}`, due_date: i % 2 ? null : `2030-01-0${i + 1}` }));
      for (let round = 0; round < 5; round += 1) {
        await ctx.db.query(`UPDATE nudges SET last_reminded = CASE WHEN nudge_id % 2 = 0 THEN NULL ELSE now() - interval '8 days' END WHERE nudge_id = ANY($1)`, [ids]);
        const [x, y] = await Promise.all([
          as(f.a1a, 'get', `/agents/${f.a1a.agentName}/context`),
          as(f.a1b, 'get', `/agents/${f.a1a.agentName}/context`),
        ]);
        expect([x.status, y.status]).toEqual([200, 200]);
        const got = [...nudgeIds(x.body as Context), ...nudgeIds(y.body as Context)].sort((a, b) => a - b);
        expect({ round, got }).toEqual({ round, got: [...ids].sort((a, b) => a - b) });
        expect(await freshlyReminded(ids)).toEqual([...ids].sort((a, b) => a - b));
      }
    });
  });

  // ---------------------------------------------------------------------------
  describe('projects_manifest', () => {
    it('lists the user’s owned projects only {project_id, title, status} by project_id, reflecting changes at once', async () => {
      const f = await fixture();
      const zeta = (await ctx.newProject(f.a1a, { title: 'Zeta', description: 'not in the manifest' })).project_id;
      const alpha = (await ctx.newProject(f.a1b, { title: 'Alpha', status_id: 3 })).project_id;
      const foreign = (await ctx.newProject(f.a2, { title: 'U2 project', status_id: 2 })).project_id;
      // U2 shares its project to U1 (full level): U1 can read it, yet it is not in U1's manifest.
      await ctx.share(f.a2, 'project', foreign, f.a1a, 3);
      expect((await as(f.a1a, 'get', `/projects/${foreign}`).expect(200)).body).toBeTruthy();

      const expected = [
        { project_id: zeta, title: 'Zeta', status: 'planning' },
        { project_id: alpha, title: 'Alpha', status: 'on_hold' },
      ];
      const view = await context(f.a1a);
      expect(view.projects_manifest).toEqual(expected);
      // Every agent of the user, and whoever reads which of them, sees the same list.
      expect((await context(f.a1b)).projects_manifest).toEqual(expected);
      expect((await context(f.a1b, f.a1a.agentName)).projects_manifest).toEqual(expected);
      expect((await context(f.a2)).projects_manifest).toEqual([{ project_id: foreign, title: 'U2 project', status: 'active' }]);

      // A status change (and a rename) shows at once; a deleted project disappears.
      await as(f.a1a, 'put', `/projects/${zeta}`, { status_id: 5, title: 'Zeta done' }).expect(200);
      expect((await context(f.a1a)).projects_manifest).toEqual([
        { project_id: zeta, title: 'Zeta done', status: 'complete' },
        { project_id: alpha, title: 'Alpha', status: 'on_hold' },
      ]);
      await as(f.a1a, 'put', `/projects/${zeta}`, { status_id: 2 }).expect(200);
      expect((await context(f.a1a)).projects_manifest[0]).toEqual({ project_id: zeta, title: 'Zeta done', status: 'active' });
      await as(f.a1a, 'delete', `/projects/${alpha}`).expect(200);
      expect((await context(f.a1a)).projects_manifest).toEqual([{ project_id: zeta, title: 'Zeta done', status: 'active' }]);
      // A share-based edit of U2's project by U1 never brings it into U1's manifest.
      await as(f.a1a, 'put', `/projects/${foreign}`, { status_id: 6 }).expect(200);
      expect((await context(f.a1a)).projects_manifest.map((p) => p.project_id)).toEqual([zeta]);
      expect((await context(f.a2)).projects_manifest).toEqual([{ project_id: foreign, title: 'U2 project', status: 'archived' }]);
    });
  });

  // ---------------------------------------------------------------------------
  describe('hints_compact', () => {
    it('owned hints and those of categories shared to the user, {hint_id, parent_id, title} by (parent_id, sort_order, hint_id); revoking removes them at once', async () => {
      const f = await fixture();
      const hint = async (agent: TestAgent, title: string, parent_id = 0) =>
        (await ctx.newHint(agent, parent_id ? { title, parent_id, description: 'long text' } : { title })).hint_id;
      const sortOrder = (id: number, n: number) => ctx.db.query(`UPDATE hints SET sort_order = $2 WHERE hint_id = $1`, [id, n]);

      // U1: category "Zulu" with three children, and category "Alpha".
      const zulu = await hint(f.a1a, 'Zulu');
      const z1 = await hint(f.a1a, 'z1', zulu);
      const z2 = await hint(f.a1b, 'z2', zulu);
      const z3 = await hint(f.a1a, 'z3', zulu);
      const alpha = await hint(f.a1a, 'Alpha');
      // U2: a category shared to U1 (with a grandchild) and one that is not shared.
      const shared = await hint(f.a2, 'Shared');
      const s1 = await hint(f.a2, 's1', shared);
      const s2 = await hint(f.a2, 's2', s1);
      const secret = await hint(f.a2, 'Secret');
      const secret1 = await hint(f.a2, 'secret1', secret);
      await sortOrder(zulu, 3);
      await sortOrder(shared, 1);
      await sortOrder(z1, 2);
      await sortOrder(z2, 1);
      await sortOrder(z3, 1);

      const own = [
        { hint_id: alpha, parent_id: 0, title: 'Alpha' },
        { hint_id: zulu, parent_id: 0, title: 'Zulu' },
        { hint_id: z2, parent_id: zulu, title: 'z2' },
        { hint_id: z3, parent_id: zulu, title: 'z3' },
        { hint_id: z1, parent_id: zulu, title: 'z1' },
      ];
      expect((await context(f.a1a)).hints_compact).toEqual(own);

      const share = await as(f.a2, 'post', '/sharing', { object_type_id: 2, object_id: shared, shared_to_user_id: f.a1a.userId }).expect(201);
      const withShared = [
        { hint_id: alpha, parent_id: 0, title: 'Alpha' },
        { hint_id: shared, parent_id: 0, title: 'Shared' },
        { hint_id: zulu, parent_id: 0, title: 'Zulu' },
        { hint_id: z2, parent_id: zulu, title: 'z2' },
        { hint_id: z3, parent_id: zulu, title: 'z3' },
        { hint_id: z1, parent_id: zulu, title: 'z1' },
        { hint_id: s1, parent_id: shared, title: 's1' },
        { hint_id: s2, parent_id: s1, title: 's2' },
      ];
      const view = await context(f.a1a);
      expect(view.hints_compact).toEqual(withShared);
      expect(JSON.stringify(view.hints_compact)).not.toContain('long text');
      expect((await context(f.a1b)).hints_compact).toEqual(withShared);
      // The sharer sees its own hints only.
      expect((await context(f.a2)).hints_compact).toEqual([
        { hint_id: secret, parent_id: 0, title: 'Secret' },
        { hint_id: shared, parent_id: 0, title: 'Shared' },
        { hint_id: s1, parent_id: shared, title: 's1' },
        { hint_id: s2, parent_id: s1, title: 's2' },
        { hint_id: secret1, parent_id: secret, title: 'secret1' },
      ]);

      // A hint the sharer adds to the shared category shows at once.
      const s3 = await hint(f.a2, 's3', shared);
      expect((await context(f.a1a)).hints_compact.map((h) => h.hint_id)).toContain(s3);

      // Revoking the share removes them at once.
      await as(f.a2, 'delete', `/sharing/${share.body.shared.share_id}`).expect(200);
      expect((await context(f.a1a)).hints_compact).toEqual(own);
      expect((await context(f.a1b, f.a1a.agentName)).hints_compact).toEqual(own);
    });
  });

  // ---------------------------------------------------------------------------
  describe('the context key set', () => {
    it('is exactly agent, time, always_load, memories, preferences_manifest, projects_manifest, last_session, pending_handoffs, hints_compact, actionable_nudges', async () => {
      const f = await fixture();
      await createNudge(f.a1a, { title: 'Something' });
      await ctx.newProject(f.a1a, { title: 'P' });
      await ctx.newHint(f.a1a, { title: 'H' });
      const view = await context(f.a1a);
      expect(Object.keys(view).sort()).toEqual(CONTEXT_KEYS);
      expect(view.actionable_nudges).toHaveLength(1);
      expect(view.projects_manifest).toHaveLength(1);
      expect(view.hints_compact).toHaveLength(1);
      const empty = await context(f.a2);
      expect(Object.keys(empty).sort()).toEqual(CONTEXT_KEYS);
      expect(empty).toMatchObject({ projects_manifest: [], hints_compact: [], actionable_nudges: [] });
    });
  });

  // ---------------------------------------------------------------------------
  describe('MCP', () => {
    const f = perBlock(async () => {
      const users = await fixture();
      return { ...users, mcp1a: await ctx.mcp(users.a1a), mcp1b: await ctx.mcp(users.a1b), mcp2: await ctx.mcp(users.a2) };
    });

    it('create_nudge, get_nudge, get_nudges, update_nudge and delete_nudge return the same as REST', async () => {
      const since = await ctx.lastAuditSeq();
      const created = ok<{ created: { nudge_id: number; due_date: string | null } }>(
        await call(f.mcp1a, 'create_nudge', { title: 'Via MCP', description: 'd', due_date: '2030-02-03' }),
      );
      expect(created).toEqual({ created: { nudge_id: expect.any(Number), title: 'Via MCP', due_date: '2030-02-03', created_at: expect.stringMatching(ISO_UTC) } });
      const id = created.created.nudge_id;
      const restCreated = (await as(f.a1a, 'post', '/nudges', { title: 'Via REST' }).expect(201)).body;
      expect(Object.keys(restCreated.created).sort()).toEqual(Object.keys(created.created).sort());

      const one = ok(await call(f.mcp1b, 'get_nudge', { nudge_id: id }));
      expect(one).toEqual((await as(f.a1a, 'get', `/nudges/${id}`).expect(200)).body);
      expect(one).toMatchObject({ nudge_id: id, title: 'Via MCP', description: 'd', due_date: '2030-02-03' });

      const list = ok(await call(f.mcp1a, 'get_nudges', {}));
      expect(list).toEqual((await as(f.a1a, 'get', '/nudges').expect(200)).body);
      expect(list).toMatchObject({ total: 2, limit: 200, offset: 0 });
      expect(ok(await call(f.mcp1a, 'get_nudges', { limit: 1, offset: 1 }))).toEqual((await as(f.a1a, 'get', '/nudges?limit=1&offset=1').expect(200)).body);

      const updated = ok(await call(f.mcp1a, 'update_nudge', { nudge_id: id, title: 'Via MCP, ASAP', clear_due_date: true }));
      expect(updated).toEqual({ updated: { nudge_id: id, title: 'Via MCP, ASAP', due_date: null } });
      expect((await as(f.a1a, 'put', `/nudges/${id}`, { title: 'Via MCP, ASAP', due_date: null }).expect(200)).body).toEqual(updated);
      expect(ok(await call(f.mcp1a, 'update_nudge', { nudge_id: id, due_date: '2030-03-04' }))).toEqual({ updated: { nudge_id: id, title: 'Via MCP, ASAP', due_date: '2030-03-04' } });
      expect(ok(await call(f.mcp1a, 'update_nudge', { nudge_id: id, due_date: null }))).toEqual({ updated: { nudge_id: id, title: 'Via MCP, ASAP', due_date: null } });
      expect((await dbNudge(id))?.due_date).toBeNull();

      expect(ok(await call(f.mcp1b, 'delete_nudge', { nudge_id: id }))).toEqual({ deleted: id });
      expect(await dbNudge(id)).toBeUndefined();

      const events: { event_type: string; agent_id: string }[] = await ctx.db.query(
        `SELECT event_type, agent_id FROM audit_events WHERE user_id = $1 AND seq > $2 AND meta->>'nudge_id' = $3 ORDER BY seq`,
        [f.a1a.userId, since, String(id)],
      );
      expect(events).toEqual([
        { event_type: 'NUDGE_CREATE', agent_id: f.a1a.agentId },
        { event_type: 'NUDGE_UPDATE', agent_id: f.a1a.agentId },
        { event_type: 'NUDGE_UPDATE', agent_id: f.a1a.agentId },
        { event_type: 'NUDGE_UPDATE', agent_id: f.a1a.agentId },
        { event_type: 'NUDGE_UPDATE', agent_id: f.a1a.agentId },
        { event_type: 'NUDGE_DELETE', agent_id: f.a1b.agentId },
      ]);
    });

    it('errors match REST: missing or foreign nudge, bad due_date, no fields', async () => {
      const id = await createNudge(f.a1a, { title: 'Mine', due_date: '2030-01-01' });
      const count = await nudgeCount(f.a1a);
      const notFound = restError(await as(f.a1a, 'get', `/nudges/${MISSING}`).expect(404));
      expect(notFound).toEqual({ code: 'not_found', message: NUDGE_NOT_FOUND });
      expect(toolError(await call(f.mcp1a, 'get_nudge', { nudge_id: MISSING }))).toEqual(notFound);
      expect(toolError(await call(f.mcp2, 'get_nudge', { nudge_id: id }))).toEqual(notFound);
      expect(toolError(await call(f.mcp2, 'update_nudge', { nudge_id: id, title: 'Hijack' }))).toEqual(notFound);
      expect(toolError(await call(f.mcp2, 'delete_nudge', { nudge_id: id }))).toEqual(notFound);
      expect(ok(await call(f.mcp2, 'get_nudges', {}))).toEqual({ nudges: [], total: 0, limit: 200, offset: 0 });

      const badCreate = restError(await as(f.a1a, 'post', '/nudges', { title: 'x', due_date: '2027-02-30' }).expect(422));
      expect(badCreate.message).toBe(DUE_RULE);
      expect(toolError(await call(f.mcp1a, 'create_nudge', { title: 'x', due_date: '2027-02-30' }))).toEqual(badCreate);
      const badUpdate = restError(await as(f.a1a, 'put', `/nudges/${id}`, { due_date: '2027-1-5' }).expect(422));
      expect(toolError(await call(f.mcp1a, 'update_nudge', { nudge_id: id, due_date: '2027-1-5' }))).toEqual(badUpdate);
      const noFields = restError(await as(f.a1a, 'put', `/nudges/${id}`, {}).expect(400));
      expect(noFields).toEqual({ code: 'bad_request', message: NO_FIELDS });
      expect(toolError(await call(f.mcp1a, 'update_nudge', { nudge_id: id }))).toEqual(noFields);

      expect(await dbNudge(id)).toMatchObject({ title: 'Mine', due_date: '2030-01-01' });
      expect(await nudgeCount(f.a1a)).toBe(count);
    });

    it('get_context returns the JSON as text only (no structuredContent), with the same knowledge parts, and stamps nudges like REST', async () => {
      const g = await fixture();
      const client = await ctx.mcp(g.a1a);
      try {
        const project = (await ctx.newProject(g.a1a, { title: 'Mnemo', status_id: 2 })).project_id;
        const cat = (await ctx.newHint(g.a1a, { title: 'Cat' })).hint_id;
        const nudge = await createNudge(g.a1a, { title: 'Do it', description: 'now' });

        const view = okText<Context>(await call(client, 'get_context', {}));
        expect(Object.keys(view).sort()).toEqual(CONTEXT_KEYS);
        expect(view.projects_manifest).toEqual([{ project_id: project, title: 'Mnemo', status: 'active' }]);
        expect(view.hints_compact).toEqual([{ hint_id: cat, parent_id: 0, title: 'Cat' }]);
        expect(view.actionable_nudges).toEqual([{ nudge_id: nudge, title: 'Do it', description: 'now', due_date: null, last_reminded: expect.stringMatching(ISO_UTC) }]);
        expect(await freshlyReminded([nudge])).toEqual([nudge]);

        // Stamped: neither REST nor MCP returns it again; the rest equals REST's context.
        const viaRest = await context(g.a1a);
        expect(viaRest.actionable_nudges).toEqual([]);
        const again = okText<Context>(await call(client, 'get_context', {}));
        const { time: _a, ...restRest } = viaRest;
        const { time: _b, ...mcpRest } = again;
        expect(mcpRest).toEqual(restRest);
      } finally {
        await client.close();
      }
    });
  });
});
