import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { Response } from 'supertest';
import { expectProblem } from './support/problems';
import { CLASSES, sha256, sleep, sorted, waitForLockWaiters, useScopedReads } from './support/scoped-reads';
import { uniqueName } from './support/test-app';

/*
 * MemoryScope v1 scoped reads under load: revokes racing continues (row locks), and
 * audit rows committed in the same transaction as the change they record.
 */

describe('MemoryScope v1 reads: concurrency and the audit transaction', () => {
  const { ctx, h, agent, api, subject } = useScopedReads();

  describe('concurrency', () => {
    it('20 parallel creates all succeed', async () => {
      const s = subject();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          api().store({
            user_id: s,
            scope: 'preferences',
            source: 'user_setting',
            ttl_days: 10,
            value_json: { likes: [`p${String(i).padStart(2, '0')}`] },
          }),
        ),
      );
      for (const res of results) expect(res.status).toBe(201);
      expect(new Set(results.map((r) => r.body.id)).size).toBe(20);
      const r = await h.readOk(agent, { user_id: s, scope: 'preferences', purpose_class: 'recommendation' });
      expect(r.body.summary_text).toBe('Likes: 20, Dislikes: 0, Settings: 0');
    });

    it('20 parallel allowed reads all return 200 with distinct tokens, one grant and one audit row each', async () => {
      const s = subject();
      await h.store(agent, s, 'communication', { channel: 'email' });
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          api().read({ user_id: s, scope: 'communication', purpose_class: CLASSES[[0, 3, 4][i % 3]] }),
        ),
      );
      for (const res of results) {
        expect(res.status).toBe(200);
        expect(res.body.summary_struct).toEqual({ preferences: { channel: 'email' } });
      }
      const tokens = results.map((r) => r.body.revocation_token as string);
      expect(new Set(tokens).size).toBe(20);
      const grants: { id: string; token_hash: string }[] = await ctx.db.query(
        `SELECT id, token_hash FROM read_grants WHERE user_id = $1 AND subject = $2`,
        [agent.userId, s],
      );
      expect(sorted(grants.map((g) => g.token_hash))).toEqual(sorted(tokens.map(sha256)));
      const audit: { grant_id: string }[] = await ctx.db.query(
        `SELECT grant_id FROM audit_events WHERE user_id = $1 AND subject = $2 AND event_type = 'MEMORY_READ'`,
        [agent.userId, s],
      );
      expect(sorted(audit.map((r) => r.grant_id))).toEqual(sorted(grants.map((g) => g.id)));
    });

    it('20 parallel denied reads and 20 parallel continues of a policy-denied grant all answer 403, each audited', async () => {
      const s = subject();
      await h.store(agent, s, 'attention', { quiet: 'yes' });
      const reads = await Promise.all(
        Array.from({ length: 20 }, () => api().read({ user_id: s, scope: 'attention', purpose_class: 'scheduling' })),
      );
      for (const res of reads) expectProblem(res, 403, "Purpose class 'scheduling' not allowed for scope 'attention'");

      // A grant the matrix denies (as if issued before a policy change): every continue is re-checked.
      const token = randomBytes(32).toString('base64url');
      const [grant]: { id: string }[] = await ctx.db.query(
        `INSERT INTO read_grants (user_id, token_hash, subject, scope, purpose_class, agent_id, created_at, expires_at)
         VALUES ($1, $2, $3, 'attention', 'scheduling', $4, now(), now() + interval '1 hour')
         RETURNING id`,
        [agent.userId, sha256(token), s, agent.agentId],
      );
      // Hold the grant row (as a revoke in progress does) so that the continues pile up
      // inside their transactions, then let them all through at once.
      const locker = new Client({ connectionString: ctx.app.config.databaseUrl });
      await locker.connect();
      let pending: Promise<Response[]>;
      try {
        await locker.query('BEGIN');
        await locker.query('SELECT 1 FROM read_grants WHERE id = $1 FOR UPDATE', [grant.id]);
        pending = Promise.all(Array.from({ length: 20 }, () => api().continueRead({ revocation_token: token })));
        await waitForLockWaiters(locker);
        await locker.query('COMMIT');
      } finally {
        await locker.end();
      }
      const continues = await pending;
      const statuses = continues.map((res) => `${res.status} ${res.body.detail}`);
      expect(statuses).toEqual(
        Array.from({ length: 20 }, () => "403 Purpose class 'scheduling' not allowed for scope 'attention'"),
      );
      const denied: { n: number }[] = await ctx.db.query(
        `SELECT count(*)::int AS n FROM audit_events
          WHERE user_id = $1 AND subject = $2 AND event_type = 'MEMORY_READ' AND reason_code = 'POLICY_DENIED'`,
        [agent.userId, s],
      );
      expect(denied[0].n).toBe(40);
      expect((await h.auditByGrant(grant.id)).filter((r) => r.reason_code === 'CONTINUE')).toEqual([]);
    });

    it('revoke racing continue: once revoke has answered, no continue succeeds', async () => {
      const s = subject();
      await h.store(agent, s, 'preferences', { likes: ['race'] });
      for (let round = 0; round < 3; round += 1) {
        const read = await h.readOk(agent, { user_id: s, scope: 'preferences', purpose_class: 'recommendation' });
        const token = read.body.revocation_token as string;
        const grant = await h.grantByToken(token);

        // JavaScript runs one callback at a time, so this flag orders "sent" against "revoke answered" exactly.
        let revokeAnswered = false;
        const outcomes: { afterRevoke: boolean; status: number; detail?: string; likes?: string[] }[] = [];
        const fire = () => {
          const afterRevoke = revokeAnswered;
          return api()
            .continueRead({ revocation_token: token })
            .then((res) => {
              outcomes.push({
                afterRevoke,
                status: res.status,
                detail: res.body.detail,
                likes: res.body.summary_struct?.likes,
              });
            });
        };

        const inflight: Promise<void>[] = [];
        for (let i = 0; i < 10; i += 1) inflight.push(fire());
        const revoke = api()
          .revoke(token)
          .then((res) => {
            revokeAnswered = true;
            return res;
          });
        // Keep firing while the revoke is in flight, and for a while after.
        for (let i = 0; i < 20; i += 1) {
          inflight.push(fire());
          await sleep(2);
        }
        const revoked = await revoke;
        expect(revoked.status).toBe(200);
        for (let i = 0; i < 10; i += 1) inflight.push(fire());
        await Promise.all(inflight);

        expect(outcomes).toHaveLength(40);
        for (const o of outcomes) {
          if (o.status === 200) expect(o.likes).toEqual(['race']);
          else {
            expect(o.status).toBe(403);
            expect(o.detail).toBe('REVOKED');
          }
        }
        const afterRevoke = outcomes.filter((o) => o.afterRevoke);
        expect(afterRevoke.length).toBeGreaterThanOrEqual(10);
        for (const o of afterRevoke) expect(o).toEqual({ afterRevoke: true, status: 403, detail: 'REVOKED', likes: undefined });

        // Server side: every successful continue committed before the revoke did.
        const audit = await h.auditByGrant(grant.id);
        const revokeRows = audit.filter((r) => r.event_type === 'MEMORY_REVOKE');
        expect(revokeRows).toHaveLength(1);
        const continues = audit.filter((r) => r.reason_code === 'CONTINUE');
        expect(continues).toHaveLength(outcomes.filter((o) => o.status === 200).length);
        for (const c of continues) expect(BigInt(c.seq)).toBeLessThan(BigInt(revokeRows[0].seq));
      }
    });
  });

  describe('audit rows belong to the same transaction as the change', () => {
    it('each successful read writes exactly one MEMORY_READ row with the new grant id and the merged ids', async () => {
      const s = subject();
      const ids = await h.storeSeries(agent, s, 'accessibility', [
        { high_contrast: true },
        { font: 'serif' },
        ['captions'],
      ]);
      const res = await h.readOk(agent, {
        user_id: s,
        scope: 'accessibility',
        purpose: 'render UI',
        max_age_days: 3,
      });
      const grant = await h.grantByToken(res.body.revocation_token);
      const audit = await h.auditByRequest(res);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        event_type: 'MEMORY_READ',
        user_id: agent.userId,
        agent_id: agent.agentId,
        request_id: res.headers['x-request-id'],
        subject: s,
        scope: 'accessibility',
        domain: null,
        purpose: 'render UI',
        purpose_class: 'ui_rendering',
        grant_id: grant.id,
        reason_code: null,
      });
      expect(sorted(audit[0].memory_ids ?? [])).toEqual(sorted(ids));
      expect(await h.auditByGrant(grant.id)).toHaveLength(1);
    });

    it('when the audit insert fails, the read creates no grant and the revoke revokes nothing', async () => {
      const poisoned = uniqueName('poison');
      await h.store(agent, poisoned, 'preferences', { likes: ['x'] });
      const read = await h.readOk(agent, { user_id: poisoned, scope: 'preferences', purpose_class: 'recommendation' });
      const token = read.body.revocation_token as string;
      const grantsBefore = await h.grantCount(agent);
      await ctx.db.query(
        `ALTER TABLE audit_events ADD CONSTRAINT scoped_reads_test_poison
           CHECK (subject IS DISTINCT FROM '${poisoned}' OR event_type = 'MEMORY_WRITE') NOT VALID`,
      );
      try {
        const failedRead = await api().read({ user_id: poisoned, scope: 'preferences', purpose_class: 'recommendation' });
        // The failure surfaces as an error (the service maps the check violation), never as a read.
        expect(failedRead.status).toBeGreaterThanOrEqual(400);
        expect(failedRead.body).not.toHaveProperty('revocation_token');
        expect(await h.grantCount(agent)).toBe(grantsBefore);

        const failedRevoke = await api().revoke(token);
        expect(failedRevoke.status).toBeGreaterThanOrEqual(400);
        expect(failedRevoke.body).not.toHaveProperty('revoked');
        expect((await h.grantByToken(token)).revoked_at).toBeNull();
      } finally {
        await ctx.db.query(`ALTER TABLE audit_events DROP CONSTRAINT scoped_reads_test_poison`);
      }
      expect((await api().continueRead({ revocation_token: token })).status).toBe(200);
      expect((await api().revoke(token)).status).toBe(200);
    });
  });
});
