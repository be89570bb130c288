import type { Response } from 'supertest';
import { UUID, requestId, adminRequests } from './support/admin';
import { useFixtures } from './support/fixtures';
import { expectProblem } from './support/problems';
import { TestAgent, uniqueName } from './support/test-app';

/*
 * The admin API's authentication (the admin token, never logged, never an agent key)
 * and its audit trail: every admin action recorded in the same transaction.
 */

describe('admin API: authentication and audit', () => {
  const ctx = useFixtures({ env: { DEFAULT_TIMEZONE: 'Europe/Berlin' } });
  const { admin, createUser, whoamiStatus } = adminRequests(ctx);

  describe('admin authentication', () => {
    let victim: TestAgent;
    let routes: { method: 'get' | 'post' | 'delete'; path: string; body?: object }[];

    beforeAll(async () => {
      victim = await ctx.newUser();
      routes = [
        { method: 'post', path: '/admin/users', body: { name: uniqueName('intruder') } },
        { method: 'get', path: '/admin/users' },
        { method: 'delete', path: `/admin/users/${victim.userId}` },
        { method: 'post', path: `/admin/users/${victim.userId}/agents`, body: { name: uniqueName('intruder') } },
        { method: 'get', path: `/admin/users/${victim.userId}/agents` },
        { method: 'delete', path: `/admin/agents/${victim.agentId}` },
        { method: 'post', path: `/admin/agents/${victim.agentId}/keys`, body: {} },
        { method: 'delete', path: `/admin/agents/${victim.agentId}/keys/${victim.keyId}` },
      ];
    });

    const credentials: [string, () => Record<string, string>, string][] = [
      ['no credentials', () => ({}), 'Admin token required (Authorization: Bearer <MNEMO_ADMIN_TOKEN>)'],
      ['a wrong admin token', () => ({ Authorization: `Bearer ${ctx.adminToken}x` }), 'Invalid admin token'],
      ['a token prefix', () => ({ Authorization: `Bearer ${ctx.adminToken.slice(0, -1)}` }), 'Invalid admin token'],
      ['an agent key as bearer', () => ({ Authorization: `Bearer ${victim.apiKey}` }), 'Invalid admin token'],
      [
        'an agent key as X-Api-Key',
        () => ({ 'X-Api-Key': victim.apiKey }),
        'Admin token required (Authorization: Bearer <MNEMO_ADMIN_TOKEN>)',
      ],
      [
        'the admin token as X-Api-Key',
        () => ({ 'X-Api-Key': ctx.adminToken }),
        'Admin token required (Authorization: Bearer <MNEMO_ADMIN_TOKEN>)',
      ],
      [
        'the admin token with another scheme',
        () => ({ Authorization: `Basic ${ctx.adminToken}` }),
        'Admin token required (Authorization: Bearer <MNEMO_ADMIN_TOKEN>)',
      ],
    ];

    it.each(credentials)('answers 401 problem on every admin route with %s', async (_label, headers, detail) => {
      const [{ n: usersBefore }] = await ctx.db.query('SELECT count(*)::int AS n FROM users');
      const [{ n: agentsBefore }] = await ctx.db.query('SELECT count(*)::int AS n FROM agents');
      const [{ n: keysBefore }] = await ctx.db.query('SELECT count(*)::int AS n FROM agent_keys');
      for (const route of routes) {
        let req = ctx.http()[route.method](route.path).set(headers());
        if (route.body) req = req.send(route.body);
        const res = await req;
        expectProblem(res, 401, { code: 'unauthorized' });
        expect(res.body.detail).toBe(detail);
        expect(res.body.instance).toBe(route.path);
        expect(res.text).not.toContain(ctx.adminToken);
        expect(res.text).not.toContain(victim.apiKey);
      }
      // Nothing happened.
      expect((await ctx.db.query('SELECT count(*)::int AS n FROM users'))[0].n).toBe(usersBefore);
      expect((await ctx.db.query('SELECT count(*)::int AS n FROM agents'))[0].n).toBe(agentsBefore);
      expect((await ctx.db.query('SELECT count(*)::int AS n FROM agent_keys'))[0].n).toBe(keysBefore);
      const [key] = await ctx.db.query('SELECT revoked_at FROM agent_keys WHERE id = $1', [victim.keyId]);
      expect(key.revoked_at).toBeNull();
      expect(await whoamiStatus(victim.apiKey)).toBe(200);
    });

    it('the admin token is not an agent key', async () => {
      const res = await ctx.http().get('/whoami').set('X-Api-Key', ctx.adminToken);
      expectProblem(res, 401, { code: 'unauthorized' });
      expect(res.body.detail).toBe(
        'This route takes an agent key, not the admin token: create an agent (POST /admin/users/{user}/agents) and send its key',
      );
    });

    it('never writes the admin token to the log', () => {
      expect(ctx.logs.length).toBeGreaterThan(0);
      for (const line of ctx.logs) expect(line).not.toContain(ctx.adminToken);
    });
  });

  describe('audit', () => {
    interface AuditRow {
      event_type: string;
      user_id: string | null;
      agent_id: string | null;
      subject: string | null;
      meta: Record<string, unknown> | null;
    }

    async function auditFor(rid: string): Promise<AuditRow[]> {
      return ctx.db.query(
        `SELECT event_type, user_id, agent_id, subject, meta FROM audit_events WHERE request_id = $1 ORDER BY seq`,
        [rid],
      );
    }

    it('records every admin action with the request id and actor admin', async () => {
      const ids = {
        userCreate: requestId('user-create'),
        agentCreate: requestId('agent-create'),
        keyCreate: requestId('key-create'),
        keyRevoke: requestId('key-revoke'),
        agentDelete: requestId('agent-delete'),
        userDelete: requestId('user-delete'),
      };
      const userName = uniqueName('audited');
      const user = await ctx
        .http()
        .post('/admin/users')
        .set(admin())
        .set('X-Request-ID', ids.userCreate)
        .send({ name: userName })
        .expect(201);
      expect(user.headers['x-request-id']).toBe(ids.userCreate);
      expect(await auditFor(ids.userCreate)).toEqual([
        { event_type: 'USER_CREATE', user_id: user.body.id, agent_id: null, subject: userName, meta: { actor: 'admin' } },
      ]);

      const agentName = uniqueName('audited-agent');
      const agent = await ctx
        .http()
        .post(`/admin/users/${user.body.id}/agents`)
        .set(admin())
        .set('X-Request-ID', ids.agentCreate)
        .send({ name: agentName })
        .expect(201);
      const agentEvents = await auditFor(ids.agentCreate);
      expect(agentEvents.map((e) => e.event_type)).toEqual(['AGENT_CREATE', 'KEY_CREATE']);
      for (const e of agentEvents) {
        expect(e.user_id).toBe(user.body.id);
        expect(e.agent_id).toBeNull();
        expect(e.subject).toBe(agentName);
        expect(e.meta).toMatchObject({ actor: 'admin', agent_id: agent.body.id });
      }
      expect(agentEvents[1].meta).toMatchObject({ key_id: agent.body.key_id });

      const key = await ctx
        .http()
        .post(`/admin/agents/${agent.body.id}/keys`)
        .set(admin())
        .set('X-Request-ID', ids.keyCreate)
        .send({ label: 'audited' })
        .expect(201);
      expect(await auditFor(ids.keyCreate)).toEqual([
        {
          event_type: 'KEY_CREATE',
          user_id: user.body.id,
          agent_id: null,
          subject: agentName,
          meta: { actor: 'admin', agent_id: agent.body.id, key_id: key.body.id },
        },
      ]);

      await ctx
        .http()
        .delete(`/admin/agents/${agent.body.id}/keys/${key.body.id}`)
        .set(admin())
        .set('X-Request-ID', ids.keyRevoke)
        .expect(204);
      expect(await auditFor(ids.keyRevoke)).toEqual([
        {
          event_type: 'KEY_REVOKE',
          user_id: user.body.id,
          agent_id: null,
          subject: agentName,
          meta: { actor: 'admin', agent_id: agent.body.id, key_id: key.body.id },
        },
      ]);

      await ctx
        .http()
        .delete(`/admin/agents/${agent.body.id}`)
        .set(admin())
        .set('X-Request-ID', ids.agentDelete)
        .expect(204);
      expect(await auditFor(ids.agentDelete)).toEqual([
        {
          event_type: 'AGENT_DELETE',
          user_id: user.body.id,
          agent_id: null,
          subject: agentName,
          meta: { actor: 'admin', agent_id: agent.body.id },
        },
      ]);

      await ctx
        .http()
        .delete(`/admin/users/${user.body.id}`)
        .set(admin())
        .set('X-Request-ID', ids.userDelete)
        .expect(204);
      const deleted = await auditFor(ids.userDelete);
      expect(deleted).toHaveLength(1);
      expect(deleted[0]).toMatchObject({ event_type: 'USER_DELETE', agent_id: null, subject: user.body.id });
      expect(deleted[0].meta).toMatchObject({ actor: 'admin' });
    });

    it('fills id, seq and occurred_at, and does not audit a refused request', async () => {
      const rid = requestId('conflict');
      const name = uniqueName('once');
      await ctx.http().post('/admin/users').set(admin()).send({ name }).expect(201);
      await ctx.http().post('/admin/users').set(admin()).set('X-Request-ID', rid).send({ name }).expect(409);
      expect(await auditFor(rid)).toEqual([]);

      const okId = requestId('ok');
      await ctx.http().post('/admin/users').set(admin()).set('X-Request-ID', okId).send({ name: uniqueName('x') });
      const [row] = await ctx.db.query(
        'SELECT id, seq, occurred_at FROM audit_events WHERE request_id = $1',
        [okId],
      );
      expect(row.id).toMatch(UUID);
      expect(Number(row.seq)).toBeGreaterThan(0);
      expect(row.occurred_at).toBeInstanceOf(Date);
    });
  });

  describe('transactional audit', () => {
    afterEach(async () => {
      await ctx.db.query('DROP TRIGGER IF EXISTS fail_audit_trigger ON audit_events');
      await ctx.db.query('DROP FUNCTION IF EXISTS fail_audit()');
    });

    async function failAuditOf(eventType: string): Promise<void> {
      await ctx.db.query(
        `CREATE FUNCTION fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit down'; END $$`,
      );
      await ctx.db.query(
        `CREATE TRIGGER fail_audit_trigger BEFORE INSERT ON audit_events FOR EACH ROW
           WHEN (NEW.event_type = '${eventType}') EXECUTE FUNCTION fail_audit()`,
      );
    }

    function expectInternalError(res: Response): void {
      expectProblem(res, 500, { code: 'internal_error' });
      expect(res.body.detail).toBe('Internal server error');
      expect(res.text).not.toContain('audit down');
      expect(res.text).not.toContain('fail_audit');
    }

    it('a failing AGENT_CREATE audit insert rolls the agent back (500, agent absent)', async () => {
      const user = (await createUser()).body;
      const name = uniqueName('doomed');
      const rid = requestId('doomed');
      await failAuditOf('AGENT_CREATE');

      const res = await ctx
        .http()
        .post(`/admin/users/${user.id}/agents`)
        .set(admin())
        .set('X-Request-ID', rid)
        .send({ name });
      expectInternalError(res);
      expect(res.body.request_id).toBe(rid);
      expect(res.body.instance).toBe(`/admin/users/${user.id}/agents`);

      expect(await ctx.db.query('SELECT id FROM agents WHERE lower(name) = $1', [name])).toEqual([]);
      expect(
        await ctx.db.query('SELECT k.id FROM agent_keys k JOIN agents a ON a.id = k.agent_id WHERE a.user_id = $1', [
          user.id,
        ]),
      ).toEqual([]);
      expect(await ctx.db.query('SELECT id FROM audit_events WHERE request_id = $1', [rid])).toEqual([]);
      const listed = await ctx.http().get(`/admin/users/${user.id}/agents`).set(admin()).expect(200);
      expect(listed.body).toEqual({ agents: [] });

      // The cause is in the log, tied to the request id.
      const logged = ctx.logs.filter((line) => line.includes(rid));
      expect(logged.length).toBeGreaterThan(0);
      expect(logged.some((line) => line.includes('audit down'))).toBe(true);

      await ctx.db.query('DROP TRIGGER fail_audit_trigger ON audit_events');
      const retry = await ctx.http().post(`/admin/users/${user.id}/agents`).set(admin()).send({ name }).expect(201);
      expect(retry.body.name).toBe(name);
    });

    it('a failing KEY_CREATE audit insert rolls back the whole agent creation', async () => {
      const user = (await createUser()).body;
      const name = uniqueName('doomed-key');
      await failAuditOf('KEY_CREATE');
      const res = await ctx.http().post(`/admin/users/${user.id}/agents`).set(admin()).send({ name });
      expectInternalError(res);
      expect(await ctx.db.query('SELECT id FROM agents WHERE user_id = $1', [user.id])).toEqual([]);
    });

    it('a failing audit insert rolls back user creation, key issue, key revocation and deletions', async () => {
      const agent = await ctx.newUser();
      const [{ n: keysBefore }] = await ctx.db.query('SELECT count(*)::int AS n FROM agent_keys WHERE agent_id = $1', [
        agent.agentId,
      ]);

      await failAuditOf('USER_CREATE');
      const userName = uniqueName('doomed-user');
      expectInternalError(await ctx.http().post('/admin/users').set(admin()).send({ name: userName }));
      expect(await ctx.db.query('SELECT id FROM users WHERE name = $1', [userName])).toEqual([]);
      await ctx.db.query('DROP TRIGGER fail_audit_trigger ON audit_events');
      await ctx.db.query('DROP FUNCTION fail_audit()');

      await failAuditOf('KEY_CREATE');
      expectInternalError(await ctx.http().post(`/admin/agents/${agent.agentId}/keys`).set(admin()).send({}));
      const [{ n: keysAfter }] = await ctx.db.query('SELECT count(*)::int AS n FROM agent_keys WHERE agent_id = $1', [
        agent.agentId,
      ]);
      expect(keysAfter).toBe(keysBefore);
      await ctx.db.query('DROP TRIGGER fail_audit_trigger ON audit_events');
      await ctx.db.query('DROP FUNCTION fail_audit()');

      await failAuditOf('KEY_REVOKE');
      expect(await whoamiStatus(agent.apiKey)).toBe(200);
      expectInternalError(await ctx.http().delete(`/admin/agents/${agent.agentId}/keys/${agent.keyId}`).set(admin()));
      const [key] = await ctx.db.query('SELECT revoked_at FROM agent_keys WHERE id = $1', [agent.keyId]);
      expect(key.revoked_at).toBeNull();
      expect(await whoamiStatus(agent.apiKey)).toBe(200);
      await ctx.db.query('DROP TRIGGER fail_audit_trigger ON audit_events');
      await ctx.db.query('DROP FUNCTION fail_audit()');

      await failAuditOf('AGENT_DELETE');
      expectInternalError(await ctx.http().delete(`/admin/agents/${agent.agentId}`).set(admin()));
      expect(await ctx.db.query('SELECT id FROM agents WHERE id = $1', [agent.agentId])).toHaveLength(1);
      await ctx.db.query('DROP TRIGGER fail_audit_trigger ON audit_events');
      await ctx.db.query('DROP FUNCTION fail_audit()');

      await failAuditOf('USER_DELETE');
      expectInternalError(await ctx.http().delete(`/admin/users/${agent.userId}`).set(admin()));
      expect(await ctx.db.query('SELECT id FROM users WHERE id = $1', [agent.userId])).toHaveLength(1);
      expect(await ctx.db.query('SELECT id FROM agents WHERE id = $1', [agent.agentId])).toHaveLength(1);
      // The tenant's earlier audit trail survives the rolled-back erasure.
      const trail = await ctx.db.query('SELECT event_type FROM audit_events WHERE user_id = $1', [agent.userId]);
      expect(trail.map((r: { event_type: string }) => r.event_type)).toEqual(
        expect.arrayContaining(['USER_CREATE', 'AGENT_CREATE', 'KEY_CREATE']),
      );
    });
  });
});
