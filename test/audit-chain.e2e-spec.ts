import { createHash } from 'node:crypto';
import { AuditRetention } from '../src/audit/audit-retention';
import { AuditSealer } from '../src/audit/audit-sealer';
import { AUDIT_FAIL, newRid, refuseAuditFor } from './support/agent-requests';
import { Fixtures, useFixtures } from './support/fixtures';
import { expectProblem } from './support/problems';
import { TestAgent } from './support/test-app';

/*
 * The tamper-evident audit trail: each tenant's events form a hash chain that
 * the background sealer links (AuditSealer), GET /audit/verify recomputes, and
 * retention prunes from the start while keeping an anchor (AuditRetention).
 * Events come from real routes; tampering is done by hand in SQL, as an
 * operator with database access would. Every test uses fresh tenants, because
 * verify covers a whole tenant and the tests of one block share a database.
 * Expected values are written out here, never imported from src/.
 */

const DAY_MS = 24 * 60 * 60 * 1000;
const GENESIS = Buffer.alloc(32);

interface Verify {
  ok: boolean;
  events_checked: number;
  sealed_through_seq: number;
  first_bad_seq: number | null;
}

/** An agent and its sibling, and the request ids of the tenant's activity. */
interface Tenant {
  a: TestAgent;
  sibling: TestAgent;
  rid: Record<'writeAlpha' | 'readAlpha' | 'missing' | 'session' | 'writeBeta' | 'deleteBeta', string>;
}

const sha256 = (...parts: (Buffer | string)[]) => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest();

/** Everything one app-backed block needs: requests as an agent, sealing, verifying, and SQL. */
function harness(ctx: Fixtures) {
  const { as, audit } = ctx;
  const db = () => ctx.db;

  const seal = () => ctx.app.app.get(AuditSealer).sealNow();

  async function verify(agent: TestAgent): Promise<Verify> {
    const res = await ctx.http().get('/audit/verify').set('X-Api-Key', agent.apiKey);
    expect({ status: res.status, keys: Object.keys(res.body as object).sort() }).toEqual({
      status: 200,
      keys: ['events_checked', 'first_bad_seq', 'ok', 'sealed_through_seq'],
    });
    return res.body as Verify;
  }

  let round = 0;

  /** Six events from real routes: writes, reads (allowed and denied), a session and a delete (fresh secret keys each time). */
  async function activity(a: TestAgent, sibling: TestAgent): Promise<Tenant['rid']> {
    round += 1;
    const [alpha, beta] = [`alpha${round}`, `beta${round}`];
    const rid = {
      writeAlpha: newRid('write-alpha'),
      readAlpha: newRid('read-alpha'),
      missing: newRid('missing'),
      session: newRid('session'),
      writeBeta: newRid('write-beta'),
      deleteBeta: newRid('delete-beta'),
    };
    await as(a, 'put', `/secrets/${alpha}`, { value: 'one' }, rid.writeAlpha).expect(201);
    await as(a, 'get', `/secrets/${alpha}`, undefined, rid.readAlpha).expect(200);
    await as(a, 'get', '/secrets/missing', undefined, rid.missing).expect(404);
    await as(sibling, 'post', '/sessions', { project: 'chain' }, rid.session).expect(201);
    await as(sibling, 'put', `/secrets/${beta}`, { value: 'two' }, rid.writeBeta).expect(201);
    await as(a, 'delete', `/secrets/${beta}`, undefined, rid.deleteBeta).expect(200, { deleted: beta });
    return rid;
  }

  /** A fresh tenant (user, agent, sibling: five admin events) with its activity (six more). */
  async function tenant(): Promise<Tenant> {
    const a = await ctx.newUser();
    const sibling = await ctx.newAgent(a);
    return { a, sibling, rid: await activity(a, sibling) };
  }

  /** The tenant's event seqs, oldest first. */
  async function seqsOf(userId: string): Promise<number[]> {
    const rows: { seq: number }[] = await db().query(`SELECT seq::int AS seq FROM audit_events WHERE user_id = $1 ORDER BY seq`, [userId]);
    return rows.map((r) => r.seq);
  }

  async function seqOf(rid: string): Promise<number> {
    const rows: { seq: number }[] = await db().query(`SELECT seq::int AS seq FROM audit_events WHERE request_id = $1`, [rid]);
    expect(rows).toHaveLength(1);
    return rows[0].seq;
  }

  /** The tenant's links, oldest first. */
  async function linksOf(userId: string): Promise<{ seq: number; hash: Buffer }[]> {
    return db().query(`SELECT seq::int AS seq, hash FROM audit_chain WHERE chain_id = $1 ORDER BY seq`, [userId]);
  }

  /** The verify answer of an intact chain of `count` sealed events. */
  const intact = (count: number): Verify => ({ ok: true, events_checked: count, sealed_through_seq: expect.any(Number), first_bad_seq: null });
  /** The verify answer of a chain first altered at `seq`, after `checked` good links. */
  const alteredAt = (seq: number, checked: number): Verify => ({ ok: false, events_checked: checked, sealed_through_seq: expect.any(Number), first_bad_seq: seq });

  return { as, audit, db, seal, verify, activity, tenant, seqsOf, seqOf, linksOf, intact, alteredAt };
}

/** Polls `probe` until `done` holds (short pauses, bounded by `timeoutMs`). */
async function eventually<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('Audit hash chain: sealing, GET /audit/verify, tampering, retention', () => {
  describe('sealed on demand (the timer is slow: AUDIT_SEAL_INTERVAL_MS 60000)', () => {
    const ctx = useFixtures({ env: { AUDIT_SEAL_INTERVAL_MS: '60000' } });
    const h = harness(ctx);
    const { as, seal, verify, tenant, seqsOf, seqOf, linksOf, intact, alteredAt } = h;
    const db = () => ctx.db;

    describe('sealing', () => {
      it('links no event until the sealer runs; sealNow links every committed event, one link each', async () => {
        const x = await tenant();
        const seqs = await seqsOf(x.a.userId);
        expect(seqs).toHaveLength(11);

        const before = await verify(x.a);
        expect(before).toEqual(intact(0));
        expect(before.sealed_through_seq).toBeLessThan(seqs[0]);
        expect(await linksOf(x.a.userId)).toEqual([]);

        expect(await seal()).toBeGreaterThanOrEqual(seqs.length);
        const after = await verify(x.a);
        expect(after).toEqual(intact(seqs.length));
        expect(after.sealed_through_seq).toBeGreaterThanOrEqual(seqs[seqs.length - 1]);
        expect((await linksOf(x.a.userId)).map((l) => l.seq)).toEqual(seqs);
        // The sibling sees the same tenant-wide chain.
        expect(await verify(x.sibling)).toEqual(after);

        expect(await seal()).toBe(0);
        expect(await verify(x.a)).toEqual(after);
      });

      it("each link is SHA-256 over the previous link and the event's canonical text (version 1), from 32 zero bytes", async () => {
        const x = await tenant();
        await seal();
        const rows: { seq: string; text: string; hash: Buffer }[] = await db().query(
          `SELECT e.seq::text AS seq, c.hash,
                  json_build_array(1, e.seq::text, e.id::text, e.user_id::text, e.agent_id::text, e.request_id,
                    (extract(epoch FROM e.occurred_at) * 1000000)::bigint::text, e.event_type, e.subject, e.scope, e.domain,
                    e.purpose, e.purpose_class, e.memory_ids::text, e.grant_id::text, e.reason_code, e.meta::text)::text AS text
             FROM audit_events e JOIN audit_chain c ON c.seq = e.seq
            WHERE e.user_id = $1 ORDER BY e.seq`,
          [x.a.userId],
        );
        expect(rows).toHaveLength(11);
        let previous = GENESIS;
        for (const row of rows) {
          // JSON.stringify of the parsed array: the exact text the chain hashes (no spaces).
          const link = sha256(previous, JSON.stringify(JSON.parse(row.text)));
          expect({ seq: row.seq, hash: row.hash.toString('hex') }).toEqual({ seq: row.seq, hash: link.toString('hex') });
          previous = link;
        }
      });

      it('links new events on top of the sealed ones; verify counts them once they are sealed', async () => {
        const x = await tenant();
        await seal();
        expect(await verify(x.a)).toEqual(intact(11));
        await h.activity(x.a, x.sibling);
        expect(await verify(x.a)).toEqual(intact(11));
        await seal();
        const after = await verify(x.a);
        expect(after).toEqual(intact(17));
        expect(after.sealed_through_seq).toBeGreaterThanOrEqual(Math.max(...(await seqsOf(x.a.userId))));
      });

      it("counts only the caller's tenant: each tenant has its own chain", async () => {
        const x = await tenant();
        const y = await tenant();
        await as(y.a, 'put', '/secrets/extra', { value: 'y' }).expect(201);
        await seal();
        expect(await verify(x.a)).toEqual(intact(11));
        expect(await verify(y.a)).toEqual(intact(12));
        const links = await linksOf(y.a.userId);
        expect(links.map((l) => l.seq)).toEqual(await seqsOf(y.a.userId));
      });
    });

    describe('tampering with a sealed event by UPDATE is reported at its seq', () => {
      /** Columns of the SESSION_CREATE event, and a forged value for each. */
      const CASES: [column: string, type: string, forged: string][] = [
        ['subject', 'text', `subject || '-forged'`],
        ['meta', 'jsonb', `meta || '{"forged": true}'`],
        ['event_type', 'text', `'SESSION_UPDATE'`],
        ['occurred_at', 'timestamptz', `occurred_at + interval '1 microsecond'`],
        ['agent_id', 'uuid', 'NULL'],
        ['request_id', 'text', `'forged-request'`],
        ['reason_code', 'text', `'FORGED'`],
        ['scope', 'text', `'preferences'`],
        ['domain', 'text', `'forged.example'`],
        ['purpose', 'text', `'forged'`],
        ['purpose_class', 'text', `'recommendation'`],
        ['memory_ids', 'uuid[]', 'ARRAY[gen_random_uuid()]'],
        ['grant_id', 'uuid', 'gen_random_uuid()'],
        ['id', 'uuid', 'gen_random_uuid()'],
      ];

      it.each(CASES)('%s; restoring the stored value verifies again', async (column, type, forged) => {
        const x = await tenant();
        await seal();
        const seqs = await seqsOf(x.a.userId);
        const target = await seqOf(x.rid.session);
        const good = await verify(x.a);
        expect(good).toEqual(intact(11));

        const [{ original }]: { original: string | null }[] = await db().query(`SELECT ${column}::text AS original FROM audit_events WHERE seq = $1`, [target]);
        await db().query(`UPDATE audit_events SET ${column} = ${forged} WHERE seq = $1`, [target]);
        expect(await verify(x.a)).toEqual({ ...alteredAt(target, seqs.indexOf(target)), sealed_through_seq: good.sealed_through_seq });
        expect(await verify(x.sibling)).toEqual(await verify(x.a));

        await db().query(`UPDATE audit_events SET ${column} = $2::${type} WHERE seq = $1`, [target, original]);
        expect(await verify(x.a)).toEqual(good);
      });

      it('the first event of the chain (nothing checked before it), and it stays reported as new events are sealed on top', async () => {
        const x = await tenant();
        await seal();
        const [first] = await seqsOf(x.a.userId);
        await db().query(`UPDATE audit_events SET subject = 'someone-else' WHERE seq = $1`, [first]);
        expect(await verify(x.a)).toEqual(alteredAt(first, 0));
        await h.activity(x.a, x.sibling);
        await seal();
        expect(await verify(x.a)).toEqual(alteredAt(first, 0));
      });

      it('the earliest of two altered events is the one reported', async () => {
        const x = await tenant();
        await seal();
        const seqs = await seqsOf(x.a.userId);
        await db().query(`UPDATE audit_events SET meta = '{"forged": 1}' WHERE seq = ANY ($1)`, [[seqs[3], seqs[9]]]);
        expect(await verify(x.a)).toEqual(alteredAt(seqs[3], 3));
      });

      it('an unsealed event changed before sealing is simply sealed as it is', async () => {
        const x = await tenant();
        await db().query(`UPDATE audit_events SET subject = 'changed-before-sealing' WHERE request_id = $1`, [x.rid.readAlpha]);
        await seal();
        expect(await verify(x.a)).toEqual(intact(11));
      });
    });

    describe('tampering by DELETE is reported at the deleted seq', () => {
      it.each([
        ['the first event', 0],
        ['an event in the middle', 6],
        ['the newest sealed event', 10],
      ])('%s', async (_name, index) => {
        const x = await tenant();
        await seal();
        const seqs = await seqsOf(x.a.userId);
        await db().query(`DELETE FROM audit_events WHERE seq = $1`, [seqs[index]]);
        expect(await verify(x.a)).toEqual(alteredAt(seqs[index], index));
      });

      it('re-inserting exactly the deleted row verifies again; re-inserting it altered does not', async () => {
        const x = await tenant();
        await seal();
        const seqs = await seqsOf(x.a.userId);
        const target = await seqOf(x.rid.writeBeta);
        await db().query(`CREATE TABLE IF NOT EXISTS test_deleted_audit (LIKE audit_events)`);
        await db().query(`WITH gone AS (DELETE FROM audit_events WHERE seq = $1 RETURNING *) INSERT INTO test_deleted_audit SELECT * FROM gone`, [target]);
        expect(await verify(x.a)).toEqual(alteredAt(target, seqs.indexOf(target)));

        await db().query(`INSERT INTO audit_events SELECT * FROM test_deleted_audit WHERE seq = $1`, [target]);
        expect(await verify(x.a)).toEqual(intact(11));

        await db().query(`DELETE FROM audit_events WHERE seq = $1`, [target]);
        await db().query(`UPDATE test_deleted_audit SET meta = meta - 'key_id' WHERE seq = $1`, [target]);
        await db().query(`INSERT INTO audit_events SELECT * FROM test_deleted_audit WHERE seq = $1`, [target]);
        expect(await verify(x.a)).toEqual(alteredAt(target, seqs.indexOf(target)));
      });
    });

    describe('tampering by INSERT into the sealed range is reported at the inserted seq', () => {
      it('into a gap (a seq drawn but never used)', async () => {
        const a = await ctx.newUser();
        const sibling = await ctx.newAgent(a);
        const [{ gap }]: { gap: number }[] = await db().query(`SELECT nextval('audit_event_seq')::int AS gap`);
        await h.activity(a, sibling);
        await seal();
        const seqs = await seqsOf(a.userId);
        expect(seqs).not.toContain(gap);
        // An unused seq is normal (a rolled-back insert draws one too): the chain is intact.
        const good = await verify(a);
        expect(good).toEqual(intact(11));
        expect(good.sealed_through_seq).toBeGreaterThan(gap);

        await db().query(`INSERT INTO audit_events (seq, user_id, agent_id, event_type, subject) VALUES ($1, $2, $3, 'SECRET_READ', 'alpha')`, [
          gap,
          a.userId,
          a.agentId,
        ]);
        expect(await verify(a)).toEqual(alteredAt(gap, seqs.filter((s) => s < gap).length));
      });

      it('a second event with the seq of a sealed one', async () => {
        const x = await tenant();
        await seal();
        const seqs = await seqsOf(x.a.userId);
        const target = await seqOf(x.rid.readAlpha);
        await db().query(
          `INSERT INTO audit_events (seq, user_id, agent_id, request_id, event_type, subject, occurred_at)
           SELECT seq, user_id, agent_id, request_id, event_type, subject, occurred_at FROM audit_events WHERE seq = $1`,
          [target],
        );
        // The copy and the original share the link: whichever comes first, the seq is reported.
        const result = await verify(x.a);
        expect(result).toEqual(expect.objectContaining({ ok: false, first_bad_seq: target }));
        expect([seqs.indexOf(target), seqs.indexOf(target) + 1]).toContain(result.events_checked);
      });

      it("at the seq of another tenant's sealed event: reported here, the other tenant stays intact", async () => {
        const x = await tenant();
        const y = await tenant();
        await seal();
        const seqsX = await seqsOf(x.a.userId);
        const borrowed = await seqOf(y.rid.readAlpha);
        await db().query(`INSERT INTO audit_events (seq, user_id, event_type, subject) VALUES ($1, $2, 'SECRET_READ', 'alpha')`, [borrowed, x.a.userId]);
        expect(await verify(x.a)).toEqual(alteredAt(borrowed, seqsX.length));
        expect(await verify(y.a)).toEqual(intact(11));
      });

      it('a duplicate seq inserted before sealing does not stop the sealer; the copy is reported', async () => {
        const x = await tenant();
        await seal();
        const [{ next }]: { next: number }[] = await db().query(`SELECT nextval('audit_event_seq')::int AS next`);
        const events = 2;
        for (let i = 0; i < events; i++) {
          await db().query(`INSERT INTO audit_events (seq, user_id, event_type, subject) VALUES ($1, $2, 'SECRET_READ', 'twin')`, [next, x.a.userId]);
        }
        const later = await ctx.newUser();
        await seal();
        // Sealing went on past the twins: a later tenant's events are linked and verify.
        expect((await verify(later)).ok).toBe(true);
        expect((await verify(later)).sealed_through_seq).toBeGreaterThan(next);
        expect(await verify(x.a)).toEqual(expect.objectContaining({ ok: false, first_bad_seq: next }));
      });

      it('at seq 0, below the first link of every chain', async () => {
        const x = await tenant();
        await seal();
        expect(await verify(x.a)).toEqual(intact(11));
        await db().query(`INSERT INTO audit_events (seq, user_id, event_type, subject) VALUES (0, $1, 'SECRET_READ', 'alpha')`, [x.a.userId]);
        expect(await verify(x.a)).toEqual(expect.objectContaining({ ok: false, first_bad_seq: 0 }));
      });
    });

    describe('tampering with the links themselves is reported', () => {
      it('a changed link hash', async () => {
        const x = await tenant();
        await seal();
        const seqs = await seqsOf(x.a.userId);
        await db().query(`UPDATE audit_chain SET hash = sha256(hash) WHERE seq = $1`, [seqs[4]]);
        expect(await verify(x.a)).toEqual(alteredAt(seqs[4], 4));
      });

      it('a deleted link', async () => {
        const x = await tenant();
        await seal();
        const seqs = await seqsOf(x.a.userId);
        await db().query(`DELETE FROM audit_chain WHERE seq = $1`, [seqs[7]]);
        expect(await verify(x.a)).toEqual(alteredAt(seqs[7], 7));
      });

      it('an event and its link deleted together (the next link no longer follows)', async () => {
        const x = await tenant();
        await seal();
        const seqs = await seqsOf(x.a.userId);
        await db().query(`DELETE FROM audit_chain WHERE seq = $1`, [seqs[5]]);
        await db().query(`DELETE FROM audit_events WHERE seq = $1`, [seqs[5]]);
        expect(await verify(x.a)).toEqual(alteredAt(seqs[6], 5));
      });
    });

    describe('isolation between tenants', () => {
      it("another tenant's altered events leave this tenant's verify ok", async () => {
        const x = await tenant();
        const y = await tenant();
        await seal();
        const goodX = await verify(x.a);
        expect(goodX).toEqual(intact(11));
        const seqsY = await seqsOf(y.a.userId);

        await db().query(`UPDATE audit_events SET subject = 'forged' WHERE seq = $1`, [seqsY[2]]);
        await db().query(`DELETE FROM audit_events WHERE seq = $1`, [seqsY[8]]);
        await db().query(`UPDATE audit_chain SET hash = sha256(hash) WHERE seq = $1`, [seqsY[9]]);
        expect(await verify(y.a)).toEqual(alteredAt(seqsY[2], 2));
        expect(await verify(x.a)).toEqual(goodX);
      });

      it('an event moved to another tenant is reported in both chains', async () => {
        const x = await tenant();
        const y = await tenant();
        await seal();
        const seqsX = await seqsOf(x.a.userId);
        const moved = await seqOf(y.rid.writeAlpha);
        const seqsY = await seqsOf(y.a.userId);
        await db().query(`UPDATE audit_events SET user_id = $2 WHERE seq = $1`, [moved, x.a.userId]);
        expect(await verify(x.a)).toEqual(alteredAt(moved, seqsX.length));
        expect(await verify(y.a)).toEqual(alteredAt(moved, seqsY.indexOf(moved)));

        await db().query(`UPDATE audit_events SET user_id = $2 WHERE seq = $1`, [moved, y.a.userId]);
        expect(await verify(x.a)).toEqual(intact(11));
        expect(await verify(y.a)).toEqual(intact(11));
      });
    });

    describe('a failing audit insert rolls back the change it describes', () => {
      refuseAuditFor(() => ctx.app);
      const failRid = () => newRid(AUDIT_FAIL);

      async function secretRows(userId: string): Promise<{ key: string; updated_at: Date }[]> {
        return db().query(`SELECT key, updated_at FROM secrets WHERE user_id = $1 ORDER BY key`, [userId]);
      }

      it('PUT /secrets/{key}: no secret is created, none is replaced, and no event is recorded', async () => {
        const a = await ctx.newUser();
        const rid = failRid();
        expectProblem(await as(a, 'put', '/secrets/token', { value: 'never' }, rid), 500, 'Internal server error');
        expect(await secretRows(a.userId)).toEqual([]);
        expect((await as(a, 'get', '/secrets').expect(200)).body.secrets).toEqual([]);
        expect(await h.audit(rid)).toEqual([]);

        await as(a, 'put', '/secrets/token', { value: 'kept' }).expect(201);
        const stored = await secretRows(a.userId);
        expectProblem(await as(a, 'put', '/secrets/token', { value: 'replaced', write_only: true }, failRid()), 500, 'Internal server error');
        expect(await secretRows(a.userId)).toEqual(stored);
        expect((await as(a, 'get', '/secrets/token').expect(200)).body).toEqual({ key: 'token', value: 'kept' });
      });

      it('DELETE /secrets/{key}: the secret stays', async () => {
        const a = await ctx.newUser();
        await as(a, 'put', '/secrets/token', { value: 'kept' }).expect(201);
        expectProblem(await as(a, 'delete', '/secrets/token', undefined, failRid()), 500, 'Internal server error');
        expect((await as(a, 'get', '/secrets/token').expect(200)).body).toEqual({ key: 'token', value: 'kept' });
      });

      it('GET /secrets/{key}: a read that cannot be audited returns no value', async () => {
        const a = await ctx.newUser();
        await as(a, 'put', '/secrets/token', { value: 'classified' }).expect(201);
        const res = await as(a, 'get', '/secrets/token', undefined, failRid());
        expectProblem(res, 500, 'Internal server error');
        expect(res.text).not.toContain('classified');
      });

      it('POST /sessions: no session is recorded', async () => {
        const a = await ctx.newUser();
        expectProblem(await as(a, 'post', '/sessions', { project: 'never' }, failRid()), 500, 'Internal server error');
        expect((await as(a, 'get', '/sessions/last').expect(200)).body).toEqual({ last_session: null });
        expect(await db().query(`SELECT session_id FROM sessions WHERE agent_id = $1`, [a.agentId])).toEqual([]);
      });

      it('the seqs the refused inserts drew leave gaps, and the chain still verifies', async () => {
        const a = await ctx.newUser();
        const sibling = await ctx.newAgent(a);
        await as(a, 'put', '/secrets/alpha', { value: 'one' }).expect(201);
        const [{ before }]: { before: number }[] = await db().query(`SELECT last_value::int AS before FROM audit_event_seq`);
        for (let i = 0; i < 3; i += 1) expectProblem(await as(sibling, 'post', '/sessions', {}, failRid()), 500, 'Internal server error');
        await as(a, 'put', '/secrets/beta', { value: 'two' }).expect(201);
        const seqs = await seqsOf(a.userId);
        expect(seqs[seqs.length - 1] - seqs[seqs.length - 2]).toBeGreaterThan(3);
        expect(seqs[seqs.length - 2]).toBeLessThanOrEqual(before);
        await seal();
        expect(await verify(a)).toEqual(intact(seqs.length));
      });
    });

    describe('retention (AUDIT_RETENTION_DAYS 365)', () => {
      const retention = () => ctx.app.app.get(AuditRetention);

      /** A `now` at which every event is past retention: everything sealed is pruned. */
      const farFuture = () => new Date(Date.now() + 400 * DAY_MS);

      async function sealedCount(): Promise<number> {
        const [row]: { n: number }[] = await db().query(
          `SELECT count(*)::int AS n FROM audit_events WHERE seq <= (SELECT sealed_through_seq FROM audit_seal_state)`,
        );
        return row.n;
      }

      async function anchorOf(userId: string): Promise<{ seq: number; hash: string } | undefined> {
        const [row]: { seq: number; hash: Buffer }[] = await db().query(`SELECT seq::int AS seq, hash FROM audit_chain_anchors WHERE chain_id = $1`, [
          userId,
        ]);
        return row && { seq: row.seq, hash: row.hash.toString('hex') };
      }

      async function prunedEvents(agent: TestAgent): Promise<{ meta: Record<string, unknown> }[]> {
        const res = await ctx.http().get('/audit').query({ event_type: 'AUDIT_PRUNED' }).set('X-Api-Key', agent.apiKey).expect(200);
        return res.body.events;
      }

      it('prunes everything sealed when all of it is past retention, anchors each chain at its last link, and records AUDIT_PRUNED per tenant', async () => {
        const x = await tenant();
        const y = await tenant();
        await seal();
        const unsealed = newRid('unsealed');
        await as(x.a, 'put', '/secrets/late', { value: 'late' }, unsealed).expect(201);
        const sealedBefore = await sealedCount();
        const through = (await verify(x.a)).sealed_through_seq;
        const linksX = await linksOf(x.a.userId);
        const linksY = await linksOf(y.a.userId);

        expect(await retention().prune(farFuture())).toBe(sealedBefore);
        expect(await sealedCount()).toBe(0);
        expect(await db().query(`SELECT seq FROM audit_chain WHERE seq <= $1`, [through])).toEqual([]);
        expect(await anchorOf(x.a.userId)).toEqual({ seq: linksX[10].seq, hash: linksX[10].hash.toString('hex') });
        expect(await anchorOf(y.a.userId)).toEqual({ seq: linksY[10].seq, hash: linksY[10].hash.toString('hex') });

        // Left: the unsealed write, and the AUDIT_PRUNED event.
        expect(await h.audit(unsealed)).toHaveLength(1);
        const res = await ctx.http().get('/audit').set('X-Api-Key', x.a.apiKey).expect(200);
        expect(res.body).toEqual({
          events: [
            {
              seq: expect.any(Number),
              occurred_at: expect.any(String),
              event_type: 'AUDIT_PRUNED',
              agent: null,
              request_id: expect.stringMatching(/^audit-retention-[0-9a-f-]{36}$/),
              subject: null,
              scope: null,
              domain: null,
              purpose: null,
              purpose_class: null,
              memory_ids: null,
              grant_id: null,
              reason_code: null,
              meta: { actor: 'system', through_seq: through, events: 11, retention_days: 365 },
            },
            expect.objectContaining({ event_type: 'SECRET_WRITE', subject: 'late', request_id: unsealed }),
          ],
          next_cursor: null,
        });
        expect((await prunedEvents(y.a)).map((e) => e.meta)).toEqual([{ actor: 'system', through_seq: through, events: 11, retention_days: 365 }]);

        // Nothing sealed above the anchors yet; then the two new events, linked on top of the anchor.
        expect(await verify(x.a)).toEqual(intact(0));
        expect(await verify(y.a)).toEqual(intact(0));
        await seal();
        expect(await verify(x.a)).toEqual(intact(2));
        expect(await verify(y.a)).toEqual(intact(1));
      });

      it('never prunes unsealed events: a tenant with none sealed keeps them all, gets no anchor and no AUDIT_PRUNED', async () => {
        await seal();
        const x = await tenant();
        const seqs = await seqsOf(x.a.userId);
        expect((await verify(x.a)).sealed_through_seq).toBeLessThan(seqs[0]);

        expect(await retention().prune(farFuture())).toBeGreaterThan(0);
        expect(await seqsOf(x.a.userId)).toEqual(seqs);
        expect(await anchorOf(x.a.userId)).toBeUndefined();
        expect(await prunedEvents(x.a)).toEqual([]);

        await seal();
        expect(await verify(x.a)).toEqual(intact(11));
      });

      it('verifies from the anchor with new events sealed on top, and still detects tampering after pruning', async () => {
        const x = await tenant();
        await seal();
        await retention().prune(farFuture());
        const rid = await h.activity(x.a, x.sibling);
        await seal();
        const seqs = await seqsOf(x.a.userId);
        expect(seqs).toHaveLength(1 + 6);
        const good = await verify(x.a);
        expect(good).toEqual(intact(7));

        const target = await seqOf(rid.session);
        await db().query(`UPDATE audit_events SET meta = meta || '{"forged": true}' WHERE seq = $1`, [target]);
        expect(await verify(x.a)).toEqual(alteredAt(target, seqs.indexOf(target)));
        await db().query(`UPDATE audit_events SET meta = meta - 'forged' WHERE seq = $1`, [target]);
        expect(await verify(x.a)).toEqual(good);

        // The first event after the anchor (the AUDIT_PRUNED event) deleted.
        await db().query(`DELETE FROM audit_events WHERE seq = $1`, [seqs[0]]);
        expect(await verify(x.a)).toEqual(alteredAt(seqs[0], 0));
      });

      it('a changed anchor is reported at the first event after it', async () => {
        const x = await tenant();
        await seal();
        await retention().prune(farFuture());
        await seal();
        const seqs = await seqsOf(x.a.userId);
        expect(await verify(x.a)).toEqual(intact(1));
        await db().query(`UPDATE audit_chain_anchors SET hash = sha256(hash) WHERE chain_id = $1`, [x.a.userId]);
        expect(await verify(x.a)).toEqual(alteredAt(seqs[0], 0));
      });

      it('a second prune moves the anchor forward and the chain keeps verifying', async () => {
        const x = await tenant();
        await seal();
        await retention().prune(farFuture());
        const first = await anchorOf(x.a.userId);
        await h.activity(x.a, x.sibling);
        await seal();
        const links = await linksOf(x.a.userId);
        expect(links).toHaveLength(7);

        await retention().prune(farFuture());
        const second = await anchorOf(x.a.userId);
        expect(second).toEqual({ seq: links[6].seq, hash: links[6].hash.toString('hex') });
        expect(second!.seq).toBeGreaterThan(first!.seq);
        expect((await prunedEvents(x.a)).map((e) => e.meta.events)).toEqual([7]);
        expect(await verify(x.a)).toEqual(intact(0));
        await h.activity(x.a, x.sibling);
        await seal();
        expect(await verify(x.a)).toEqual(intact(7));
      });

      it('prunes only the sealed prefix older than retention + 1 day; newer sealed events stay', async () => {
        const x = await tenant();
        await seal();
        const old = await seqsOf(x.a.userId);
        const last = old[old.length - 1];
        const [{ at }]: { at: Date }[] = await db().query(`SELECT occurred_at AS at FROM audit_events WHERE seq = $1`, [last]);
        // The newer events start at least 2 ms after the last old one, so past the cutoff below.
        await eventually(
          'the database clock to pass the last old event',
          async () => {
            const [{ passed }]: { passed: boolean }[] = await db().query(`SELECT clock_timestamp() > $1::timestamptz + interval '2 milliseconds' AS passed`, [at]);
            return passed;
          },
          (passed) => passed,
        );
        await h.activity(x.a, x.sibling);
        await seal();
        const [{ older }]: { older: number }[] = await db().query(`SELECT count(*)::int AS older FROM audit_events WHERE seq <= $1`, [last]);

        // The cutoff (now - 366 days) falls 1 ms after the last old event.
        const now = new Date(at.getTime() + 1 + 366 * DAY_MS);
        expect(await retention().prune(now)).toBe(older);
        expect(await seqsOf(x.a.userId)).toHaveLength(6 + 1);
        expect(await anchorOf(x.a.userId)).toEqual(expect.objectContaining({ seq: last }));
        expect(await verify(x.a)).toEqual(intact(6));
      });

      it('prunes nothing when no event is older than the retention period', async () => {
        const x = await tenant();
        await seal();
        const seqs = await seqsOf(x.a.userId);
        const sealedBefore = await sealedCount();
        expect(sealedBefore).toBeGreaterThan(0);

        expect(await retention().prune(new Date())).toBe(0);
        expect(await seqsOf(x.a.userId)).toEqual(seqs);
        expect(await sealedCount()).toBe(sealedBefore);
        expect(await verify(x.a)).toEqual(intact(11));
      });

      it('an event inserted by hand below the anchor (in the pruned range) is reported', async () => {
        const x = await tenant();
        await seal();
        await retention().prune(farFuture());
        const anchor = await anchorOf(x.a.userId);
        await seal();
        expect(await verify(x.a)).toEqual(intact(1));

        await db().query(`INSERT INTO audit_events (seq, user_id, event_type, subject) VALUES ($1, $2, 'SECRET_READ', 'alpha')`, [anchor!.seq - 1, x.a.userId]);
        expect(await verify(x.a)).toEqual(expect.objectContaining({ ok: false, first_bad_seq: anchor!.seq - 1 }));
      });
    });
  });

  describe('sealed by the timer (AUDIT_SEAL_INTERVAL_MS 100)', () => {
    const ctx = useFixtures({ env: { AUDIT_SEAL_INTERVAL_MS: '100' } });
    const { as, verify, tenant, seqsOf, intact } = harness(ctx);

    async function maxSeq(): Promise<number> {
      const [row]: { max: number }[] = await ctx.db.query(`SELECT max(seq)::int AS max FROM audit_events`);
      return row.max;
    }

    it('links new events without sealNow', async () => {
      const x = await tenant();
      const seqs = await seqsOf(x.a.userId);
      const sealed = await eventually(
        'the timer to seal the tenant',
        () => verify(x.a),
        (v) => v.sealed_through_seq >= seqs[seqs.length - 1],
      );
      expect(sealed).toEqual(intact(11));
      const links: { seq: number }[] = await ctx.db.query(`SELECT seq::int AS seq FROM audit_chain WHERE chain_id = $1 ORDER BY seq`, [x.a.userId]);
      expect(links.map((l) => l.seq)).toEqual(seqs);
    });

    it('seals ~200 concurrent writes of several agents and tenants into intact chains, one link per event', async () => {
      const tenants = await Promise.all([0, 1, 2].map(() => ctx.newUser()));
      const agents = [...tenants, ...(await Promise.all(tenants.map((a) => ctx.newAgent(a))))];
      const writes = Array.from({ length: 204 }, (_, i) => ({ agent: agents[i % agents.length], key: `k${i}` }));
      const [{ before }]: { before: string }[] = await ctx.db.query(`SELECT sealed_through_seq::text AS before FROM audit_seal_state`);

      const results = await Promise.all(writes.map(({ agent, key }) => as(agent, 'put', `/secrets/${key}`, { value: `v-${key}` })));
      expect(results.map((r) => r.status)).toEqual(writes.map(() => 201));

      const last = await maxSeq();
      await eventually(
        'the timer to seal every write',
        () => verify(tenants[0]),
        (v) => v.sealed_through_seq >= last,
      );
      const [{ after }]: { after: string }[] = await ctx.db.query(`SELECT sealed_through_seq::text AS after FROM audit_seal_state`);
      expect(Number(after)).toBeGreaterThan(Number(before));

      for (const tenant of tenants) {
        const [{ count }]: { count: number }[] = await ctx.db.query(`SELECT count(*)::int AS count FROM audit_events WHERE user_id = $1`, [tenant.userId]);
        // 5 admin events (user, 2 agents, 2 keys) and 68 writes.
        expect(count).toBe(5 + 68);
        expect(await verify(tenant)).toEqual(intact(count));
        const [{ writes: written }]: { writes: number }[] = await ctx.db.query(
          `SELECT count(*)::int AS writes FROM audit_events WHERE user_id = $1 AND event_type = 'SECRET_WRITE'`,
          [tenant.userId],
        );
        expect(written).toBe(68);
      }

      const userIds = tenants.map((a) => a.userId);
      const unlinked: unknown[] = await ctx.db.query(
        `SELECT e.seq, count(c.seq)::int AS links FROM audit_events e LEFT JOIN audit_chain c ON c.seq = e.seq AND c.chain_id = e.user_id
          WHERE e.user_id = ANY ($1) GROUP BY e.seq HAVING count(c.seq) <> 1`,
        [userIds],
      );
      expect(unlinked).toEqual([]);
      const [{ links }]: { links: number }[] = await ctx.db.query(`SELECT count(*)::int AS links FROM audit_chain WHERE chain_id = ANY ($1)`, [userIds]);
      expect(links).toBe(3 * (5 + 68));
    });
  });
});
