import { createHash, randomUUID } from 'node:crypto';
import { useFixtures } from './support/fixtures';
import { expectProblem } from './support/problems';
import { SCOPE_MESSAGE, RFC3339_UTC, MEMORY_KEYS, GRANT_KEYS, MemoryBody, ListedMemory, key, memoryBody, expectValidationProblem, memoryRequests } from './support/scoped-memories';
import { TestAgent, uniqueName } from './support/test-app';

/**
 * MemoryScope v1 scoped memories over REST, against real PostgreSQL: listing,
 * deletion, erasure and export of a subject, and tenant isolation.
 */

describe('scoped memories (MemoryScope v1): listing, deletion, erasure and export, tenant isolation', () => {
  const ctx = useFixtures();
  const { created, list, audits, memoryExists, expire, counts } = memoryRequests(ctx);

  describe('GET /memory', () => {
    let agent: TestAgent;
    let subject: string;
    /** id by label, created oldest first. */
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      agent = await ctx.newUser();
      subject = uniqueName('list');
      const specs: [string, MemoryBody][] = [
        ['prefNoDomain', { scope: 'preferences' }],
        ['prefFood', { scope: 'preferences', domain: 'food' }],
        ['constraintsFood', { scope: 'constraints', domain: 'food', value_json: ['no nuts'] }],
        ['prefTravel', { scope: 'preferences', domain: 'travel' }],
        ['scheduleNoDomain', { scope: 'schedule', value_json: [{ day: 'mon' }] }],
        ['expiredPref', { scope: 'preferences' }],
      ];
      for (const [label, overrides] of specs) ids[label] = (await created(agent, { user_id: subject, ...overrides })).id!;
      // Distinct, known creation times: oldest first in `specs` order.
      let minutesAgo = 60;
      for (const [label] of specs) {
        await ctx.db.query(
          `UPDATE scoped_memories SET created_at = now() - make_interval(mins => $2),
                                      expires_at = now() - make_interval(mins => $2) + make_interval(days => ttl_days)
            WHERE id = $1`,
          [ids[label], minutesAgo],
        );
        minutesAgo -= 5;
      }
      await expire(ids.expiredPref, '1 hour');
      // Another subject of the same tenant, never listed with this one.
      await created(agent, { user_id: `${subject}-other` });
    });

    it('lists the live memories of a subject newest first, with total, limit and offset', async () => {
      const res = await list(agent, { user_id: subject });
      expect(Object.keys(res).sort()).toEqual(['limit', 'memories', 'offset', 'total']);
      expect(res.memories.map((m) => m.id)).toEqual([
        ids.scheduleNoDomain,
        ids.prefTravel,
        ids.constraintsFood,
        ids.prefFood,
        ids.prefNoDomain,
      ]);
      expect(res.total).toBe(5);
      expect(res.limit).toBe(200);
      expect(res.offset).toBe(0);
      for (const m of res.memories) {
        expect(m.user_id).toBe(subject);
        expect(m.expired).toBe(false);
      }
      const times = res.memories.map((m) => Date.parse(m.created_at));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
    });

    it('filters by scope and domain (absent = all, empty = only domain-less)', async () => {
      const ofScope = await list(agent, { user_id: subject, scope: 'preferences' });
      expect(ofScope.memories.map((m) => m.id)).toEqual([ids.prefTravel, ids.prefFood, ids.prefNoDomain]);
      expect(ofScope.total).toBe(3);

      const food = await list(agent, { user_id: subject, domain: 'food' });
      expect(food.memories.map((m) => m.id)).toEqual([ids.constraintsFood, ids.prefFood]);

      const prefFood = await list(agent, { user_id: subject, scope: 'preferences', domain: 'food' });
      expect(prefFood.memories.map((m) => m.id)).toEqual([ids.prefFood]);

      const domainless = await list(agent, { user_id: subject, domain: '' });
      expect(domainless.memories.map((m) => m.id)).toEqual([ids.scheduleNoDomain, ids.prefNoDomain]);
      for (const m of domainless.memories) expect(m.domain).toBeNull();

      const domainlessPrefs = await list(agent, { user_id: subject, scope: 'preferences', domain: '' });
      expect(domainlessPrefs.memories.map((m) => m.id)).toEqual([ids.prefNoDomain]);

      // Domains match exactly.
      expect((await list(agent, { user_id: subject, domain: 'Food' })).total).toBe(0);
      expect((await list(agent, { user_id: subject, scope: 'attention' })).total).toBe(0);
    });

    it('includes expired memories, flagged, only with include_expired=true', async () => {
      const withExpired = await list(agent, { user_id: subject, include_expired: true });
      expect(withExpired.total).toBe(6);
      expect(withExpired.memories.map((m) => m.id)).toContain(ids.expiredPref);
      for (const m of withExpired.memories) expect(m.expired).toBe(m.id === ids.expiredPref);

      const without = await list(agent, { user_id: subject, include_expired: false });
      expect(without.total).toBe(5);
      expect(without.memories.map((m) => m.id)).not.toContain(ids.expiredPref);

      const prefsExpired = await list(agent, { user_id: subject, scope: 'preferences', domain: '', include_expired: true });
      expect(prefsExpired.memories.map((m) => m.id)).toEqual([ids.prefNoDomain, ids.expiredPref]);
    });

    it('pages with limit and offset; total counts every match', async () => {
      const all = (await list(agent, { user_id: subject })).memories.map((m) => m.id);
      const page = await list(agent, { user_id: subject, limit: 2, offset: 1 });
      expect(page.memories.map((m) => m.id)).toEqual(all.slice(1, 3));
      expect(page.total).toBe(5);
      expect(page.limit).toBe(2);
      expect(page.offset).toBe(1);
      const last = await list(agent, { user_id: subject, limit: 2, offset: 4 });
      expect(last.memories.map((m) => m.id)).toEqual(all.slice(4));
      const beyond = await list(agent, { user_id: subject, offset: 10 });
      expect(beyond.memories).toEqual([]);
      expect(beyond.total).toBe(5);
    });

    it('answers 422 without user_id or with invalid filters', async () => {
      expectValidationProblem(await ctx.http().get('/memory').set(key(agent)), 'user_id', /user_id/);
      expectValidationProblem(await ctx.http().get('/memory').query({ user_id: '' }).set(key(agent)), 'user_id', /user_id/);
      expectValidationProblem(await ctx.http().get('/memory').query({ user_id: 'a b' }).set(key(agent)), 'user_id', /user_id/);
      expectValidationProblem(
        await ctx.http().get('/memory').query({ user_id: subject, scope: 'bogus' }).set(key(agent)),
        'scope',
        SCOPE_MESSAGE,
      );
      expectValidationProblem(
        await ctx.http().get('/memory').query({ user_id: subject, domain: 'bad!' }).set(key(agent)),
        'domain',
        /domain/,
      );
      expectValidationProblem(
        await ctx.http().get('/memory').query({ user_id: subject, include_expired: 'maybe' }).set(key(agent)),
        'include_expired',
        /include_expired/,
      );
      for (const q of [{ limit: 0 }, { limit: 1001 }, { limit: 'x' }, { offset: -1 }]) {
        expectProblem(await ctx.http().get('/memory').query({ user_id: subject, ...q }).set(key(agent)), 422);
      }
    });

    it('audits each list as MEMORY_LIST with the listed ids', async () => {
      const rid = `list-${randomUUID()}`;
      const res = await ctx
        .http()
        .get('/memory')
        .query({ user_id: subject, scope: 'preferences', domain: 'food' })
        .set(key(agent))
        .set('X-Request-ID', rid)
        .expect(200);
      const rows = await audits(`event_type = 'MEMORY_LIST' AND request_id = $1`, [rid]);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        user_id: agent.userId,
        agent_id: agent.agentId,
        subject,
        scope: 'preferences',
        domain: 'food',
        memory_ids: res.body.memories.map((m: ListedMemory) => m.id),
      });
      expect(rows[0].memory_ids).toEqual([ids.prefFood]);
    });
  });

  describe('DELETE /memory/{id}', () => {
    it('deletes one memory (204), then 404; audited as MEMORY_DELETE', async () => {
      const agent = await ctx.newUser();
      const subject = uniqueName('del');
      const keep = await created(agent, { user_id: subject });
      const gone = await created(agent, { user_id: subject, scope: 'constraints', domain: 'diet', value_json: ['x'] });
      const rid = `del-${randomUUID()}`;

      const res = await ctx.http().delete(`/memory/${gone.id}`).set(key(agent)).set('X-Request-ID', rid);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect(await memoryExists(gone.id!)).toBe(false);
      expect(await memoryExists(keep.id!)).toBe(true);
      expect((await list(agent, { user_id: subject, include_expired: true })).memories.map((m) => m.id)).toEqual([keep.id]);

      const again = await ctx.http().delete(`/memory/${gone.id}`).set(key(agent));
      expectProblem(again, 404, 'Memory not found');
      expectProblem(await ctx.http().delete(`/memory/${randomUUID()}`).set(key(agent)), 404);

      const rows = await audits(`event_type = 'MEMORY_DELETE' AND user_id = $1`, [agent.userId]);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        agent_id: agent.agentId,
        request_id: rid,
        subject,
        scope: 'constraints',
        domain: 'diet',
        memory_ids: [gone.id],
      });
    });

    it('deletes an expired memory too, and accepts an upper-case UUID', async () => {
      const agent = await ctx.newUser();
      const m = await created(agent, { user_id: uniqueName('del-exp') });
      await expire(m.id!, '2 days');
      await ctx.http().delete(`/memory/${m.id!.toUpperCase()}`).set(key(agent)).expect(204);
      expect(await memoryExists(m.id!)).toBe(false);
    });

    it('answers 422 for an id that is not a UUID', async () => {
      const agent = await ctx.newUser();
      for (const id of ['not-a-uuid', '123', `${randomUUID()}x`]) {
        const res = await ctx.http().delete(`/memory/${id}`).set(key(agent));
        expectValidationProblem(res, 'id', /UUID/);
      }
      expect(await audits(`event_type = 'MEMORY_DELETE' AND user_id = $1`, [agent.userId])).toHaveLength(0);
    });
  });

  describe('erasure and export of a subject', () => {
    let agent: TestAgent;
    let subject: string;
    let otherSubject: string;
    let token: string;
    let memoryIds: string[];
    let otherId: string;

    beforeAll(async () => {
      agent = await ctx.newUser();
      subject = uniqueName('erase');
      otherSubject = uniqueName('keep');
      memoryIds = [
        (await created(agent, { user_id: subject, value_json: { likes: ['tea'] } })).id!,
        (await created(agent, { user_id: subject, scope: 'schedule', domain: 'work', value_json: [{ day: 'mon' }] })).id!,
        (await created(agent, { user_id: subject, value_json: { likes: ['old'] } })).id!,
      ];
      await expire(memoryIds[2], '3 days');
      otherId = (await created(agent, { user_id: otherSubject })).id!;

      const read = await ctx
        .http()
        .post('/memory/read')
        .set(key(agent))
        .send({ user_id: subject, scope: 'preferences', purpose_class: 'recommendation', purpose: 'suggest drinks' })
        .expect(200);
      token = read.body.revocation_token;
      expect(typeof token).toBe('string');
      expect(read.body.summary_struct.likes).toEqual(['tea']);
      await ctx
        .http()
        .post('/memory/read')
        .set(key(agent))
        .send({ user_id: otherSubject, scope: 'preferences', purpose_class: 'recommendation' })
        .expect(200);
    });

    it('exports memories (expired included) and grants, never a token or its hash; audited as SUBJECT_EXPORT', async () => {
      const rid = `export-${randomUUID()}`;
      const res = await ctx.http().get('/memory/export').query({ user_id: subject }).set(key(agent)).set('X-Request-ID', rid);
      expect(res.status).toBe(200);
      expect(res.body.user_id).toBe(subject);
      expect(res.body.exported_at).toMatch(RFC3339_UTC);
      const exported = res.body.memories as ListedMemory[];
      expect(exported.map((m) => m.id).sort()).toEqual([...memoryIds].sort());
      for (const m of exported) {
        expect(Object.keys(m).sort()).toEqual(MEMORY_KEYS);
        expect(m.expired).toBe(m.id === memoryIds[2]);
      }
      expect(exported.find((m) => m.id === memoryIds[1])).toMatchObject({
        scope: 'schedule',
        domain: 'work',
        shape: 'schedule_windows',
        value: [{ day: 'mon' }],
      });
      expect(res.body.grants).toHaveLength(1);
      const [grant] = res.body.grants;
      expect(Object.keys(grant).sort()).toEqual(GRANT_KEYS);
      expect(grant).toMatchObject({
        user_id: subject,
        scope: 'preferences',
        domain: null,
        purpose_class: 'recommendation',
        agent_id: agent.agentId,
        revoked_at: null,
      });
      const tokenHash = createHash('sha256').update(token, 'utf8').digest('hex');
      expect(res.text).not.toContain(token);
      expect(res.text).not.toContain(tokenHash);
      expect(res.text.toLowerCase()).not.toContain('token');
      // Another subject's data is not in the export.
      expect(res.text).not.toContain(otherId);
      expect(res.text).not.toContain(otherSubject);

      const rows = await audits(`event_type = 'SUBJECT_EXPORT' AND request_id = $1`, [rid]);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ user_id: agent.userId, agent_id: agent.agentId, subject });
      expect([...(rows[0].memory_ids ?? [])].sort()).toEqual([...memoryIds].sort());
    });

    it('GET /memory/export answers 422 without user_id', async () => {
      expectValidationProblem(await ctx.http().get('/memory/export').set(key(agent)), 'user_id', /user_id/);
    });

    it('DELETE /memory?user_id= erases the subject’s memories and grants only; audited as SUBJECT_ERASE', async () => {
      const grantsBefore = await ctx.http().get('/memory/grants').query({ user_id: subject }).set(key(agent)).expect(200);
      expect(grantsBefore.body.grants).toHaveLength(1);

      const rid = `erase-${randomUUID()}`;
      const res = await ctx.http().delete('/memory').query({ user_id: subject }).set(key(agent)).set('X-Request-ID', rid);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ deleted: 3 });

      const [left] = await ctx.db.query(
        `SELECT (SELECT count(*) FROM scoped_memories WHERE user_id = $1 AND subject = $2)::int AS memories,
                (SELECT count(*) FROM read_grants WHERE user_id = $1 AND subject = $2)::int AS grants`,
        [agent.userId, subject],
      );
      expect(left).toEqual({ memories: 0, grants: 0 });
      expect((await list(agent, { user_id: subject, include_expired: true })).total).toBe(0);
      const grantsAfter = await ctx.http().get('/memory/grants').query({ user_id: subject }).set(key(agent)).expect(200);
      expect(grantsAfter.body.grants).toEqual([]);
      // The token is gone with its grant.
      expectProblem(
        await ctx.http().post('/memory/read/continue').set(key(agent)).send({ revocation_token: token }),
        404,
        /Revocation token not found/,
      );
      const exported = await ctx.http().get('/memory/export').query({ user_id: subject }).set(key(agent)).expect(200);
      expect(exported.body.memories).toEqual([]);
      expect(exported.body.grants).toEqual([]);

      // The other subject is untouched.
      expect(await memoryExists(otherId)).toBe(true);
      const [otherGrants] = await ctx.db.query(
        `SELECT count(*)::int AS n FROM read_grants WHERE user_id = $1 AND subject = $2`,
        [agent.userId, otherSubject],
      );
      expect(otherGrants.n).toBe(1);

      const rows = await audits(`event_type = 'SUBJECT_ERASE' AND request_id = $1`, [rid]);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ user_id: agent.userId, agent_id: agent.agentId, subject });
      expect([...(rows[0].memory_ids ?? [])].sort()).toEqual([...memoryIds].sort());
      expect(rows[0].meta).toMatchObject({ memories: 3, grants: 1 });

      // Erasing again deletes nothing.
      const again = await ctx.http().delete('/memory').query({ user_id: subject }).set(key(agent)).expect(200);
      expect(again.body).toEqual({ deleted: 0 });
    });

    it('DELETE /memory answers 422 without a valid user_id', async () => {
      const before = await counts();
      expectValidationProblem(await ctx.http().delete('/memory').set(key(agent)), 'user_id', /user_id/);
      expectValidationProblem(await ctx.http().delete('/memory').query({ user_id: '  ' }).set(key(agent)), 'user_id', /user_id/);
      expect(await counts()).toEqual(before);
      expect(await memoryExists(otherId)).toBe(true);
    });
  });

  describe('tenant isolation', () => {
    it('a tenant never lists, reads, exports, erases or deletes another tenant’s memories about the same subject', async () => {
      const a = await ctx.newUser();
      const b = await ctx.newUser();
      expect(a.userId).not.toBe(b.userId);
      const subject = uniqueName('shared-subject');

      const aPref = await created(a, { user_id: subject, value_json: { likes: ['secret-a'] } });
      const aRules = await created(a, { user_id: subject, scope: 'constraints', value_json: ['a-rule'] });
      const aRead = await ctx
        .http()
        .post('/memory/read')
        .set(key(a))
        .send({ user_id: subject, scope: 'preferences', purpose_class: 'recommendation' })
        .expect(200);
      expect(aRead.body.summary_struct.likes).toEqual(['secret-a']);

      // B sees nothing.
      const bList = await list(b, { user_id: subject, include_expired: true });
      expect(bList).toMatchObject({ memories: [], total: 0 });
      const bRead = await ctx
        .http()
        .post('/memory/read')
        .set(key(b))
        .send({ user_id: subject, scope: 'preferences', purpose_class: 'recommendation' })
        .expect(200);
      expect(bRead.body.summary_text).toBe('No memories found.');
      expect(bRead.body.confidence).toBe(0);
      expect(JSON.stringify(bRead.body)).not.toContain('secret-a');
      const bExport = await ctx.http().get('/memory/export').query({ user_id: subject }).set(key(b)).expect(200);
      expect(bExport.body.memories).toEqual([]);
      // B's own read grant only; A's grant is not there.
      expect(bExport.body.grants).toHaveLength(1);
      expect(bExport.body.grants[0].agent_id).toBe(b.agentId);
      expect(bExport.text).not.toContain(aPref.id);
      const bGrants = await ctx.http().get('/memory/grants').query({ user_id: subject }).set(key(b)).expect(200);
      expect(bGrants.body.grants.map((g: { agent_id: string }) => g.agent_id)).toEqual([b.agentId]);

      // B cannot continue or revoke A's grant.
      expectProblem(
        await ctx.http().post('/memory/read/continue').set(key(b)).send({ revocation_token: aRead.body.revocation_token }),
        404,
        /Revocation token not found/,
      );
      expectProblem(
        await ctx.http().post('/memory/revoke').set(key(b)).send({ revocation_token: aRead.body.revocation_token }),
        404,
      );

      // B cannot delete A's memory by id.
      expectProblem(await ctx.http().delete(`/memory/${aPref.id}`).set(key(b)), 404, 'Memory not found');
      expect(await memoryExists(aPref.id!)).toBe(true);
      expect(await audits(`event_type = 'MEMORY_DELETE' AND user_id = $1`, [b.userId])).toHaveLength(0);

      // B's erase deletes only B's memories about the subject.
      const bOwn = await created(b, { user_id: subject, value_json: { likes: ['b-thing'] } });
      const erased = await ctx.http().delete('/memory').query({ user_id: subject }).set(key(b)).expect(200);
      expect(erased.body).toEqual({ deleted: 1 });
      expect(await memoryExists(bOwn.id!)).toBe(false);
      expect(await memoryExists(aPref.id!)).toBe(true);
      expect(await memoryExists(aRules.id!)).toBe(true);

      // A still has everything, including the grant.
      const aList = await list(a, { user_id: subject });
      expect(aList.memories.map((m) => m.id).sort()).toEqual([aPref.id, aRules.id].sort());
      const aContinue = await ctx
        .http()
        .post('/memory/read/continue')
        .set(key(a))
        .send({ revocation_token: aRead.body.revocation_token })
        .expect(200);
      expect(aContinue.body.summary_struct.likes).toEqual(['secret-a']);
      const aExport = await ctx.http().get('/memory/export').query({ user_id: subject }).set(key(a)).expect(200);
      expect(aExport.body.memories).toHaveLength(2);
      expect(aExport.body.grants).toHaveLength(1);
      expect(aExport.text).not.toContain(bOwn.id);
    });

    it('agents of the same user share the tenant', async () => {
      const a = await ctx.newUser();
      const sibling = await ctx
        .http()
        .post(`/admin/users/${a.userId}/agents`)
        .set('Authorization', `Bearer ${ctx.adminToken}`)
        .send({ name: uniqueName('sibling') })
        .expect(201);
      const siblingKey = { 'X-Api-Key': sibling.body.api_key as string };
      const subject = uniqueName('shared');
      const m = await created(a, { user_id: subject, value_json: { likes: ['shared-like'] } });

      const listed = await ctx.http().get('/memory').query({ user_id: subject }).set(siblingKey).expect(200);
      expect(listed.body.memories.map((x: ListedMemory) => x.id)).toEqual([m.id]);
      const read = await ctx
        .http()
        .post('/memory/read')
        .set(siblingKey)
        .send({ user_id: subject, scope: 'preferences', purpose_class: 'content_generation' })
        .expect(200);
      expect(read.body.summary_struct.likes).toEqual(['shared-like']);

      // A memory the sibling writes is A's too, and the sibling may delete A's.
      const bySibling = await ctx.http().post('/memory').set(siblingKey).send(memoryBody({ user_id: subject })).expect(201);
      const [row] = await ctx.db.query(`SELECT user_id, created_by_agent_id FROM scoped_memories WHERE id = $1`, [
        bySibling.body.id,
      ]);
      expect(row).toEqual({ user_id: a.userId, created_by_agent_id: sibling.body.id });
      expect((await list(a, { user_id: subject })).total).toBe(2);
      await ctx.http().delete(`/memory/${m.id}`).set(siblingKey).expect(204);
      expect(await memoryExists(m.id!)).toBe(false);
      const [event] = await audits(`event_type = 'MEMORY_DELETE' AND user_id = $1`, [a.userId]);
      expect(event.agent_id).toBe(sibling.body.id);
    });
  });

});
