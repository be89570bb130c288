import { randomBytes } from 'node:crypto';
import { expectProblem } from './support/problems';
import { RESULT_KEYS, GRANT_KEYS, TOKEN, HOUR, sha256, sorted, expectRevoked, useScopedReads } from './support/scoped-reads';
import { uniqueName } from './support/test-app';

/*
 * MemoryScope v1 scoped reads (issue 3, spec §2.9–§2.12): the read grant each read
 * records, POST /memory/read/continue, POST /memory/revoke, GET /memory/grants,
 * POST /memory/revoke-all, tenant isolation of tokens and grants, GRANT_TTL_HOURS.
 */

describe('MemoryScope v1 reads: revocation tokens and read grants', () => {
  const { ctx, h, agent, api, subject } = useScopedReads();

  describe('revocation tokens and read grants', () => {
    it('tokens are 256-bit base64url, different per read, stored only as SHA-256', async () => {
      const s = subject();
      await h.store(agent, s, 'preferences', { likes: ['coffee'] });
      const tokens: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        const before = Date.now();
        const res = await h.readOk(agent, {
          user_id: s,
          scope: 'preferences',
          purpose: 'make recommendations',
          domain: null,
        });
        const after = Date.now();
        const token = res.body.revocation_token as string;
        expect(token).toMatch(TOKEN);
        expect(Buffer.from(token, 'base64url')).toHaveLength(32);
        expect(Buffer.from(token, 'base64url').toString('base64url')).toBe(token);
        tokens.push(token);

        const grant = await h.grantByToken(token);
        expect(grant.token_hash).toBe(sha256(token));
        expect(grant).toMatchObject({
          user_id: agent.userId,
          subject: s,
          scope: 'preferences',
          domain: null,
          purpose: 'make recommendations',
          purpose_class: 'recommendation',
          max_age_days: null,
          agent_id: agent.agentId,
          revoked_at: null,
        });
        // expires_at ≈ now + 24 h, and what the response says.
        const expiresAt = Date.parse(res.body.expires_at as string);
        expect(expiresAt).toBe(grant.expires_at.getTime());
        expect(expiresAt).toBeGreaterThanOrEqual(before + 24 * HOUR - 5_000);
        expect(expiresAt).toBeLessThanOrEqual(after + 24 * HOUR + 5_000);
        expect(grant.expires_at.getTime() - grant.created_at.getTime()).toBe(24 * HOUR);
      }
      expect(new Set(tokens).size).toBe(tokens.length);

      // The token text appears nowhere in the database rows nor in the logs.
      const grants: { j: string }[] = await ctx.db.query(`SELECT row_to_json(g)::text AS j FROM read_grants g`);
      const audit: { j: string }[] = await ctx.db.query(`SELECT row_to_json(a)::text AS j FROM audit_events a`);
      expect(grants.length).toBeGreaterThanOrEqual(tokens.length);
      for (const token of tokens) {
        for (const row of [...grants, ...audit]) expect(row.j).not.toContain(token);
        for (const line of ctx.logs) expect(line).not.toContain(token);
      }
    });

    it('the grant records the sanitized parameters (an unknown field is refused, naming it, and opens no grant)', async () => {
      const s = subject();
      const params = {
        user_id: `  ${s}  `,
        scope: 'communication',
        domain: '  work  ',
        purpose: 'render UI',
        max_age_days: 7,
      };
      const grantsBefore = await h.grantCount(agent);
      const unknown = await api().read({ ...params, ignored_field: 'x' });
      expectProblem(unknown, 422, { detail: 'ignored_field is not a known field', code: 'validation_failed', errors: true });
      expect(unknown.body.errors).toEqual([{ field: 'ignored_field', message: 'ignored_field is not a known field' }]);
      expect(await h.grantCount(agent)).toBe(grantsBefore);

      const res = await h.readOk(agent, params);
      const grant = await h.grantByToken(res.body.revocation_token);
      expect(grant).toMatchObject({
        subject: s,
        domain: 'work',
        purpose: 'render UI',
        purpose_class: 'ui_rendering',
        max_age_days: 7,
      });
    });
  });

  describe('POST /memory/read/continue', () => {
    it('same shape, same token, same expires_at; includes memories written after the read; audited', async () => {
      const s = subject();
      const first = await h.store(agent, s, 'preferences', { likes: ['coffee'] });
      const read = await h.readOk(agent, { user_id: s, scope: 'preferences', purpose: 'make recommendations' });
      const token = read.body.revocation_token as string;
      expect(read.body.summary_struct).toEqual({ likes: ['coffee'], dislikes: [], settings: {} });
      const grant = await h.grantByToken(token);

      const second = await h.store(agent, s, 'preferences', { dislikes: ['Coffee'], likes: ['tea'] });
      const cont = await api().continueRead({ revocation_token: token });
      expect(cont.status).toBe(200);
      expect(Object.keys(cont.body).sort()).toEqual(RESULT_KEYS);
      expect(cont.body.revocation_token).toBe(token);
      expect(cont.body.expires_at).toBe(read.body.expires_at);
      expect(cont.body.summary_text).toBe('Likes: 1, Dislikes: 1, Settings: 0');
      expect(cont.body.summary_struct).toEqual({ likes: ['tea'], dislikes: ['Coffee'], settings: {} });
      expect(cont.body.confidence).toBe(0.7);

      // No new grant, expiry not extended.
      expect(await h.grantByToken(token)).toEqual(grant);

      const audit = await h.auditByRequest(cont);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        event_type: 'MEMORY_READ',
        reason_code: 'CONTINUE',
        user_id: agent.userId,
        agent_id: agent.agentId,
        subject: s,
        scope: 'preferences',
        purpose: 'make recommendations',
        purpose_class: 'recommendation',
        grant_id: grant.id,
      });
      expect(sorted(audit[0].memory_ids ?? [])).toEqual(sorted([first, second]));

      // Any number of times.
      const again = await api().continueRead({ revocation_token: token });
      expect(again.status).toBe(200);
      expect(JSON.stringify(again.body.summary_struct)).toBe(JSON.stringify(cont.body.summary_struct));
    });

    it('honours a max_age_days override, else the grant’s own', async () => {
      const s = subject();
      const old = await h.store(agent, s, 'constraints', ['old rule']);
      await h.store(agent, s, 'constraints', ['new rule']);
      await h.setAge(old, 10 * 86_400);

      const open = await h.readOk(agent, { user_id: s, scope: 'constraints', purpose_class: 'task_execution' });
      expect(open.body.summary_struct.rules).toEqual(['new rule', 'old rule']);
      const token = open.body.revocation_token as string;
      const narrowed = await api().continueRead({ revocation_token: token, max_age_days: 5 });
      expect(narrowed.status).toBe(200);
      expect(narrowed.body.summary_struct.rules).toEqual(['new rule']);
      expect(narrowed.body.confidence).toBe(0.6);
      // The override is not persisted.
      const plain = await api().continueRead({ revocation_token: token });
      expect(plain.body.summary_struct.rules).toEqual(['new rule', 'old rule']);
      expect((await h.grantByToken(token)).max_age_days).toBeNull();

      const limited = await h.readOk(agent, {
        user_id: s,
        scope: 'constraints',
        purpose_class: 'task_execution',
        max_age_days: 5,
      });
      const limitedToken = limited.body.revocation_token as string;
      expect((await api().continueRead({ revocation_token: limitedToken })).body.summary_struct.rules).toEqual([
        'new rule',
      ]);
      const widened = await api().continueRead({ revocation_token: limitedToken, max_age_days: 30 });
      expect(widened.body.summary_struct.rules).toEqual(['new rule', 'old rule']);

      expectProblem(await api().continueRead({ revocation_token: token, max_age_days: 0 }), 422, /max_age_days/);
    });

    it('continues the grant’s domain only', async () => {
      const s = subject();
      await h.store(agent, s, 'preferences', { likes: ['pizza'] }, 'food');
      await h.store(agent, s, 'preferences', { likes: ['plain'] });
      const read = await h.readOk(agent, { user_id: s, scope: 'preferences', domain: 'food', purpose_class: 'recommendation' });
      await h.store(agent, s, 'preferences', { likes: ['ramen'] }, 'food');
      await h.store(agent, s, 'preferences', { likes: ['other'] }, 'Food');
      const cont = await api().continueRead({ revocation_token: read.body.revocation_token });
      expect(cont.body.summary_struct.likes).toEqual(['pizza', 'ramen']);
    });

    it('unknown token → 404; missing token → 422', async () => {
      for (const token of [randomBytes(32).toString('base64url'), 'x', 'not-a-token']) {
        const res = await api().continueRead({ revocation_token: token });
        expectProblem(res, 404, /Revocation token not found/);
      }
      expectProblem(await api().continueRead({}), 422, /revocation_token/);
    });

    it('revoked → 403 REVOKED; expired → 403 REVOKED; neither is audited as a read', async () => {
      const s = subject();
      await h.store(agent, s, 'schedule', [{ day: 'monday' }]);
      const a = await h.readOk(agent, { user_id: s, scope: 'schedule', purpose: 'schedule meeting' });
      const b = await h.readOk(agent, { user_id: s, scope: 'schedule', purpose: 'schedule meeting' });

      expect((await api().revoke(a.body.revocation_token)).status).toBe(200);
      const revoked = await api().continueRead({ revocation_token: a.body.revocation_token });
      expectRevoked(revoked);
      expect(await h.auditByRequest(revoked)).toEqual([]);

      expect((await api().continueRead({ revocation_token: b.body.revocation_token })).status).toBe(200);
      await ctx.db.query(`UPDATE read_grants SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, [
        sha256(b.body.revocation_token),
      ]);
      const expired = await api().continueRead({ revocation_token: b.body.revocation_token });
      expectRevoked(expired);
      expect(await h.auditByRequest(expired)).toEqual([]);
    });

    it('re-checks the policy: a grant for a denied (scope, class) → 403 and a POLICY_DENIED audit row', async () => {
      const s = subject();
      await h.store(agent, s, 'schedule', [{ start: '08:00', end: '12:00' }]);
      const token = randomBytes(32).toString('base64url');
      const inserted: { id: string }[] = await ctx.db.query(
        `INSERT INTO read_grants (user_id, token_hash, subject, scope, domain, purpose, purpose_class, max_age_days,
                                  agent_id, created_at, expires_at)
         VALUES ($1, $2, $3, 'schedule', NULL, 'legacy grant', 'recommendation', NULL, $4, now(), now() + interval '1 hour')
         RETURNING id`,
        [agent.userId, sha256(token), s, agent.agentId],
      );
      const res = await api().continueRead({ revocation_token: token });
      expectProblem(res, 403, "Purpose class 'recommendation' not allowed for scope 'schedule'");
      expect(res.body).not.toHaveProperty('summary_struct');
      expect(res.text).not.toContain('08:00');
      const audit = await h.auditByRequest(res);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        event_type: 'MEMORY_READ',
        reason_code: 'POLICY_DENIED',
        user_id: agent.userId,
        subject: s,
        scope: 'schedule',
        purpose_class: 'recommendation',
        memory_ids: null,
      });
      const continued = await h.auditByGrant(inserted[0].id);
      expect(continued.filter((r) => r.reason_code === 'CONTINUE')).toEqual([]);
    });
  });

  describe('POST /memory/revoke, GET /memory/grants, POST /memory/revoke-all', () => {
    it('revoke → 200 {revoked, revoked_at}; again → 409 saying when; unknown → 404; audited MEMORY_REVOKE', async () => {
      const s = subject();
      const read = await h.readOk(agent, { user_id: s, scope: 'attention', domain: 'work', purpose: 'send notifications' });
      const token = read.body.revocation_token as string;
      const grant = await h.grantByToken(token);

      const before = Date.now();
      const res = await api().revoke(token);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['revoked', 'revoked_at']);
      expect(res.body.revoked).toBe(true);
      const revokedAt = Date.parse(res.body.revoked_at as string);
      expect(Math.abs(revokedAt - before)).toBeLessThan(10_000);
      const after = await h.grantByToken(token);
      expect(after.revoked_at?.getTime()).toBe(revokedAt);
      expect(after.revoke_reason).toBe('user_requested');

      const audit = await h.auditByRequest(res);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        event_type: 'MEMORY_REVOKE',
        user_id: agent.userId,
        agent_id: agent.agentId,
        subject: s,
        scope: 'attention',
        domain: 'work',
        grant_id: grant.id,
      });

      const again = await api().revoke(token);
      expectProblem(again, 409, { detail: `Grant already revoked at ${res.body.revoked_at as string}`, code: 'conflict', errors: false });
      expect(await h.auditByRequest(again)).toEqual([]);
      expect((await h.grantByToken(token)).revoked_at?.getTime()).toBe(revokedAt);

      expectProblem(await api().revoke(randomBytes(32).toString('base64url')), 404, /Revocation token not found/);
      expectProblem(await api().revoke('nope'), 404, /Revocation token not found/);
    });

    it('an expired but unrevoked grant can still be revoked', async () => {
      const s = subject();
      const read = await h.readOk(agent, { user_id: s, scope: 'schedule', purpose_class: 'scheduling' });
      const token = read.body.revocation_token as string;
      await ctx.db.query(`UPDATE read_grants SET expires_at = now() - interval '1 hour' WHERE token_hash = $1`, [sha256(token)]);
      expect((await api().revoke(token)).status).toBe(200);
      expectRevoked(await api().continueRead({ revocation_token: token }));
    });

    it('GET /memory/grants lists active grants, never tokens', async () => {
      const s = subject();
      const r1 = await h.readOk(agent, { user_id: s, scope: 'preferences', purpose: 'make recommendations' });
      const r2 = await h.readOk(agent, { user_id: s, scope: 'schedule', domain: 'work', purpose_class: 'scheduling' });
      const r3 = await h.readOk(agent, { user_id: s, scope: 'attention', purpose_class: 'ui_rendering' });
      const r4 = await h.readOk(agent, { user_id: s, scope: 'constraints', purpose_class: 'scheduling' });
      await h.readOk(agent, { user_id: subject(), scope: 'preferences', purpose_class: 'recommendation' }); // another subject
      expect((await api().revoke(r3.body.revocation_token)).status).toBe(200);
      await ctx.db.query(`UPDATE read_grants SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, [
        sha256(r4.body.revocation_token),
      ]);

      const res = await api().grants(s);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual(['grants']);
      const g1 = await h.grantByToken(r1.body.revocation_token);
      const g2 = await h.grantByToken(r2.body.revocation_token);
      const listed = res.body.grants as Record<string, unknown>[];
      expect(sorted(listed.map((g) => g.id as string))).toEqual(sorted([g1.id, g2.id]));
      for (const g of listed) expect(Object.keys(g).sort()).toEqual(GRANT_KEYS);
      const listed2 = listed.find((g) => g.id === g2.id)!;
      expect(listed2).toMatchObject({
        user_id: s,
        scope: 'schedule',
        domain: 'work',
        purpose: null,
        purpose_class: 'scheduling',
        max_age_days: null,
        agent_id: agent.agentId,
        revoked_at: null,
        expires_at: r2.body.expires_at,
      });
      for (const r of [r1, r2, r3, r4]) {
        expect(res.text).not.toContain(r.body.revocation_token);
        expect(res.text).not.toContain(sha256(r.body.revocation_token));
      }
      expectProblem(await ctx.http().get('/memory/grants').query({ user_id: 'bad id!' }).set('X-Api-Key', agent.apiKey), 422, /user_id/);
    });

    it('POST /memory/revoke-all revokes every active grant of the subject; continues then fail', async () => {
      const s = subject();
      const other = subject();
      await h.store(agent, s, 'preferences', { likes: ['x'] });
      const tokens: string[] = [];
      for (const scope of ['preferences', 'communication', 'accessibility'] as const) {
        tokens.push((await h.readOk(agent, { user_id: s, scope, purpose_class: 'content_generation' })).body.revocation_token);
      }
      const alreadyRevoked = (await h.readOk(agent, { user_id: s, scope: 'schedule', purpose_class: 'scheduling' })).body
        .revocation_token as string;
      expect((await api().revoke(alreadyRevoked)).status).toBe(200);
      const otherToken = (await h.readOk(agent, { user_id: other, scope: 'preferences', purpose_class: 'recommendation' }))
        .body.revocation_token as string;

      const res = await api().revokeAll(s);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ revoked: 3 });
      const audit = await h.auditByRequest(res);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ event_type: 'MEMORY_REVOKE', user_id: agent.userId, subject: s });
      for (const token of [...tokens, alreadyRevoked]) expectRevoked(await api().continueRead({ revocation_token: token }));
      expect((await api().grants(s)).body).toEqual({ grants: [] });

      // Another subject's grant is untouched.
      expect((await api().continueRead({ revocation_token: otherToken })).status).toBe(200);
      expect((await api().grants(other)).body.grants).toHaveLength(1);

      expect((await api().revokeAll(s)).body).toEqual({ revoked: 0 });
      // Revoked tokens cannot be revoked one by one either: a conflict naming when revoke-all revoked them.
      const revokedAt = (await h.grantByToken(tokens[0])).revoked_at!.toISOString();
      expectProblem(await api().revoke(tokens[0]), 409, { detail: `Grant already revoked at ${revokedAt}`, code: 'conflict', errors: false });
    });
  });

  describe('tenant isolation', () => {
    it('tokens, memories and grants of tenant A are invisible to tenant B', async () => {
      const a = agent;
      const b = await ctx.newUser();
      const s = subject();
      await h.store(a, s, 'preferences', { likes: ['secret'] });
      const read = await h.readOk(a, { user_id: s, scope: 'preferences', purpose_class: 'recommendation' });
      const token = read.body.revocation_token as string;
      expect(read.body.summary_struct.likes).toEqual(['secret']);

      expectProblem(await h.api(b).continueRead({ revocation_token: token }), 404, /Revocation token not found/);
      expectProblem(await h.api(b).revoke(token), 404, /Revocation token not found/);
      expect((await h.api(b).revokeAll(s)).body).toEqual({ revoked: 0 });

      // A's grant is still usable and unrevoked.
      const cont = await h.api(a).continueRead({ revocation_token: token });
      expect(cont.status).toBe(200);
      expect(cont.body.summary_struct.likes).toEqual(['secret']);
      expect((await h.grantByToken(token)).revoked_at).toBeNull();

      // B reading the same subject name sees nothing of A's.
      const bRead = await h.readOk(b, { user_id: s, scope: 'preferences', purpose_class: 'recommendation' });
      expect(bRead.body.summary_text).toBe('No memories found.');
      expect(bRead.body.summary_struct).toEqual({});
      expect(bRead.text).not.toContain('secret');

      // B's grants list holds only B's own grant; A's holds only A's.
      const bGrants = (await h.api(b).grants(s)).body.grants as { id: string }[];
      const bGrant = await h.grantByToken(bRead.body.revocation_token);
      expect(bGrants.map((g) => g.id)).toEqual([bGrant.id]);
      const aGrants = (await h.api(a).grants(s)).body.grants as { id: string }[];
      expect(aGrants.map((g) => g.id)).toEqual([(await h.grantByToken(token)).id]);

      // And B's memories are not A's: B stores, A still sees only its own.
      await h.store(b, s, 'preferences', { likes: ['b-only'] });
      const again = await h.api(a).continueRead({ revocation_token: token });
      expect(again.body.summary_struct.likes).toEqual(['secret']);
      // A's token means nothing to B even after B has grants about the same subject.
      expectProblem(await h.api(b).continueRead({ revocation_token: token }), 404, /Revocation token not found/);
      // B can revoke its own.
      expect((await h.api(b).revoke(bRead.body.revocation_token)).status).toBe(200);
      expect((await h.api(a).continueRead({ revocation_token: token })).status).toBe(200);

      // A fresh tenant has no grants for the subject at all.
      const c = await ctx.newUser();
      expect((await h.api(c).grants(s)).body).toEqual({ grants: [] });
    });
  });

});

describe('MemoryScope v1 with GRANT_TTL_HOURS=1', () => {
  const { h, agent } = useScopedReads({ env: { GRANT_TTL_HOURS: '1' } });

  it('grants expire one hour after the read, and continue keeps that expiry', async () => {
    const s = uniqueName('ttl');
    const before = Date.now();
    const res = await h.readOk(agent, { user_id: s, scope: 'attention', purpose: 'send notifications' });
    const after = Date.now();
    const expiresAt = Date.parse(res.body.expires_at as string);
    expect(expiresAt).toBeGreaterThanOrEqual(before + HOUR - 5_000);
    expect(expiresAt).toBeLessThanOrEqual(after + HOUR + 5_000);
    const grant = await h.grantByToken(res.body.revocation_token);
    expect(grant.expires_at.getTime() - grant.created_at.getTime()).toBe(HOUR);

    const cont = await h.api(agent).continueRead({ revocation_token: res.body.revocation_token });
    expect(cont.status).toBe(200);
    expect(cont.body.expires_at).toBe(res.body.expires_at);
  });
});
