import { expectProblem } from './support/problems';
import { SCOPES, Scope, CLASSES, PurposeClass, MATRIX, RULES, KEY_VALUE_SUMMARY, SCOPE_RULE, isAllowed, useScopedReads } from './support/scoped-reads';
import { uniqueName } from './support/test-app';

/*
 * MemoryScope v1 scoped reads (issue 3, spec §2.1–§2.2): GET /policy, the
 * scope × purpose-class matrix cell by cell, and the classification of a free-text
 * purpose (words, fail closed), over HTTP against real PostgreSQL.
 */

describe('MemoryScope v1 reads: the purpose policy and its classification', () => {
  const { ctx, h, agent, api, subject } = useScopedReads();

  describe('GET /policy', () => {
    it('is public and returns the 6×6 matrix, the classification rules and unmatched_purpose deny', async () => {
      const res = await ctx.http().get('/policy').expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body.matrix).toEqual(MATRIX);
      expect(Object.keys(res.body.matrix)).toEqual([...SCOPES]);
      expect(res.body.classification).toEqual(RULES);
      expect(res.body.unmatched_purpose).toBe('deny');
      expect(res.body.scopes).toEqual([...SCOPES]);
      expect(res.body.purpose_classes).toEqual([...CLASSES]);

      // Every one of the 36 cells is decided by the matrix.
      let allowed = 0;
      for (const scope of SCOPES) {
        for (const c of res.body.matrix[scope] as string[]) {
          expect(CLASSES).toContain(c);
          allowed += 1;
        }
      }
      expect(allowed).toBe(15);
    });
  });

  describe('the policy matrix, cell by cell (explicit purpose_class)', () => {
    const matrixSubject = uniqueName('matrix');
    beforeAll(async () => {
      for (const scope of SCOPES) await h.store(agent, matrixSubject, scope, { key: 'value' });
    });

    const cells = SCOPES.flatMap((scope) => CLASSES.map((pc) => [scope, pc, isAllowed(scope, pc)] as const));
    it('has 36 cells, 15 allowed', () => {
      expect(cells).toHaveLength(36);
      expect(cells.filter(([, , allowed]) => allowed)).toHaveLength(15);
    });

    it.each(cells)('%s × %s (allowed: %s)', async (scope, purposeClass, allowed) => {
      const grantsBefore = await h.grantCount(agent);
      const res = await api().read({ user_id: matrixSubject, scope, purpose_class: purposeClass });
      const audit = await h.auditByRequest(res);
      expect(audit).toHaveLength(1);
      const [row] = audit;
      expect(row).toMatchObject({
        event_type: 'MEMORY_READ',
        user_id: agent.userId,
        agent_id: agent.agentId,
        subject: matrixSubject,
        scope,
        purpose_class: purposeClass,
      });
      if (allowed) {
        expect(res.status).toBe(200);
        expect(res.body.summary_text).toBe(KEY_VALUE_SUMMARY[scope]);
        expect(res.body.confidence).toBe(0.6);
        expect(await h.grantCount(agent)).toBe(grantsBefore + 1);
        const grant = await h.grantByToken(res.body.revocation_token);
        expect(grant).toMatchObject({ scope, purpose_class: purposeClass, subject: matrixSubject });
        expect(row.reason_code).toBeNull();
        expect(row.grant_id).toBe(grant.id);
      } else {
        expectProblem(res, 403, `Purpose class '${purposeClass}' not allowed for scope '${scope}'`);
        expect(res.body.code).toBe('forbidden');
        expect(res.body).not.toHaveProperty('revocation_token');
        expect(res.body).not.toHaveProperty('summary_struct');
        expect(row.reason_code).toBe('POLICY_DENIED');
        expect(row.grant_id).toBeNull();
        expect(row.memory_ids).toBeNull();
        expect(await h.grantCount(agent)).toBe(grantsBefore);
      }
    });
  });

  describe('purpose classification (words, fail closed)', () => {
    /** [purpose, class, a scope that allows it, a scope that denies it] */
    const classified: [string, PurposeClass, Scope, Scope][] = [
      ['generate personalized food recommendations', 'content_generation', 'preferences', 'schedule'],
      ['make recommendations', 'recommendation', 'preferences', 'communication'],
      ['render UI', 'ui_rendering', 'communication', 'preferences'],
      ['ui rendering', 'ui_rendering', 'attention', 'constraints'],
      ['send notifications', 'notification_delivery', 'attention', 'preferences'],
      ['notification delivery', 'notification_delivery', 'accessibility', 'schedule'],
      ['schedule meeting', 'scheduling', 'schedule', 'preferences'],
      ['execute task', 'task_execution', 'schedule', 'attention'],
      ['Show-time!', 'scheduling', 'constraints', 'communication'],
    ];

    it.each(classified)('"%s" → %s', async (purpose, purposeClass, allowedScope, deniedScope) => {
      const s = subject();
      const ok = await h.readOk(agent, { user_id: s, scope: allowedScope, purpose });
      const [row] = await h.auditByRequest(ok);
      expect(row).toMatchObject({ event_type: 'MEMORY_READ', purpose, purpose_class: purposeClass, reason_code: null });
      const grant = await h.grantByToken(ok.body.revocation_token);
      expect(grant.purpose_class).toBe(purposeClass);
      expect(grant.purpose).toBe(purpose);

      const denied = await api().read({ user_id: s, scope: deniedScope, purpose });
      expectProblem(denied, 403, `Purpose class '${purposeClass}' not allowed for scope '${deniedScope}'`);
      const [deniedRow] = await h.auditByRequest(denied);
      expect(deniedRow).toMatchObject({ reason_code: 'POLICY_DENIED', purpose, purpose_class: purposeClass });
    });

    const unclassified: [string, Scope][] = [
      ['build a report', 'communication'], // "ui" inside "build" no longer counts
      ['sometimes', 'schedule'], // "time" inside "sometimes" no longer counts
      ['', 'preferences'], // the original defaulted to content_generation
      ['   ', 'preferences'],
      ['guide the user', 'attention'],
      ['prune old entries', 'schedule'],
    ];

    it.each(unclassified)('"%s" is denied (fail closed) and audited without a class', async (purpose, scope) => {
      const s = subject();
      await h.store(agent, s, scope, { key: 'value' });
      const grantsBefore = await h.grantCount(agent);
      const res = await api().read({ user_id: s, scope, purpose });
      expectProblem(res, 403, /./);
      expect(res.body.code).toBe('forbidden');
      for (const c of CLASSES) expect(res.body.detail).toContain(c);
      expect(res.body).not.toHaveProperty('summary_struct');
      expect(await h.grantCount(agent)).toBe(grantsBefore);
      const audit = await h.auditByRequest(res);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        event_type: 'MEMORY_READ',
        reason_code: 'POLICY_DENIED',
        purpose_class: null,
        subject: s,
        scope,
        grant_id: null,
        memory_ids: null,
      });
    });

    it('purpose_class wins over purpose, both ways', async () => {
      const s = subject();
      // purpose alone would be allowed (content_generation); the named class is not.
      const denied = await api().read({
        user_id: s,
        scope: 'preferences',
        purpose: 'generate content',
        purpose_class: 'scheduling',
      });
      expectProblem(denied, 403, "Purpose class 'scheduling' not allowed for scope 'preferences'");
      const [deniedRow] = await h.auditByRequest(denied);
      expect(deniedRow).toMatchObject({ purpose: 'generate content', purpose_class: 'scheduling' });

      // purpose alone would be denied (scheduling); the named class is allowed.
      const ok = await h.readOk(agent, {
        user_id: s,
        scope: 'preferences',
        purpose: 'schedule meeting',
        purpose_class: 'recommendation',
      });
      const grant = await h.grantByToken(ok.body.revocation_token);
      expect(grant).toMatchObject({ purpose: 'schedule meeting', purpose_class: 'recommendation' });

      // And an unclassifiable purpose is fine when the class is named.
      await h.readOk(agent, { user_id: s, scope: 'preferences', purpose: 'sometimes', purpose_class: 'recommendation' });
    });

    it('neither purpose nor purpose_class → 422, not audited', async () => {
      const s = subject();
      const auditBefore = await h.auditCount(agent);
      const grantsBefore = await h.grantCount(agent);
      const res = await api().read({ user_id: s, scope: 'preferences' });
      expectProblem(res, 422, /purpose/);
      expect(res.body.code).toBe('validation_failed');
      const nulled = await api().read({ user_id: s, scope: 'preferences', purpose: null });
      expectProblem(nulled, 422, /purpose/);
      const nulledBoth = await api().read({ user_id: s, scope: 'preferences', purpose: null, purpose_class: null });
      expectProblem(nulledBoth, 422, /purpose/);
      expect(await h.auditCount(agent)).toBe(auditBefore);
      expect(await h.grantCount(agent)).toBe(grantsBefore);
    });

    it('schema errors take precedence over policy denials, and are not audited', async () => {
      const s = subject();
      const auditBefore = await h.auditCount(agent);
      const grantsBefore = await h.grantCount(agent);

      const badScope = await api().read({ user_id: s, scope: 'hobbies', purpose: 'schedule meeting' });
      expectProblem(badScope, 422, new RegExp(SCOPE_RULE));
      expect(badScope.body.code).toBe('validation_failed');

      const badScopeClass = await api().read({ user_id: s, scope: 'Preferences', purpose_class: 'scheduling' });
      expectProblem(badScopeClass, 422, new RegExp(SCOPE_RULE));

      const badSubject = await api().read({ user_id: 'not valid!', scope: 'preferences', purpose_class: 'scheduling' });
      expectProblem(badSubject, 422, /user_id/);
      expect(await h.auditByRequest(badSubject)).toEqual([]);

      const longSubject = await api().read({ user_id: 'a'.repeat(1025), scope: 'schedule', purpose: 'render UI' });
      expectProblem(longSubject, 422, /user_id/);

      const badClass = await api().read({ user_id: s, scope: 'schedule', purpose_class: 'marketing' });
      expectProblem(badClass, 422, /purpose_class/);

      const badMaxAge = await api().read({ user_id: s, scope: 'schedule', purpose: 'render UI', max_age_days: 0 });
      expectProblem(badMaxAge, 422, /max_age_days/);

      expect(await h.auditCount(agent)).toBe(auditBefore);
      expect(await h.grantCount(agent)).toBe(grantsBefore);
    });
  });

});
