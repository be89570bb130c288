import { randomUUID } from 'node:crypto';
import { UUID, sha256Hex, adminRequests } from './support/admin';
import { useFixtures } from './support/fixtures';
import { expectProblem } from './support/problems';
import { uniqueName } from './support/test-app';

/*
 * The admin API (operator-only, admin token): users, agents, keys and deletion, their
 * validation and conflicts. Authentication and the audit of admin actions: admin-audit.
 */

describe('admin API: users, agents, keys, deletion', () => {
  const ctx = useFixtures({ env: { DEFAULT_TIMEZONE: 'Europe/Berlin' } });
  const { admin, createUser, whoamiStatus } = adminRequests(ctx);

  describe('POST /admin/users', () => {
    it('creates a user: 201 {id,name,email,timezone,created_at}, name lowercased, timezone canonical', async () => {
      const name = uniqueName('Mixed-Case');
      const before = Date.now();
      const res = await ctx
        .http()
        .post('/admin/users')
        .set(admin())
        .send({ name: name.toUpperCase(), email: 'rick@example.com', timezone: 'america/denver' })
        .expect(201);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(Object.keys(res.body).sort()).toEqual(['created_at', 'email', 'id', 'name', 'timezone']);
      expect(res.body.id).toMatch(UUID);
      expect(res.body.name).toBe(name.toLowerCase());
      expect(res.body.email).toBe('rick@example.com');
      expect(res.body.timezone).toBe('America/Denver');
      const createdAt = Date.parse(res.body.created_at);
      expect(createdAt).toBeGreaterThanOrEqual(before - 5_000);
      expect(createdAt).toBeLessThanOrEqual(Date.now() + 5_000);

      const rows = await ctx.db.query('SELECT name, email, timezone FROM users WHERE id = $1', [res.body.id]);
      expect(rows).toEqual([{ name: name.toLowerCase(), email: 'rick@example.com', timezone: 'America/Denver' }]);
    });

    it('canonicalises a lowercase zone name (utc -> UTC)', async () => {
      const res = await createUser({ timezone: 'utc' });
      expect(res.status).toBe(201);
      expect(res.body.timezone).toBe('UTC');
    });

    it('defaults the timezone to DEFAULT_TIMEZONE and the email to null', async () => {
      const res = await createUser();
      expect(res.status).toBe(201);
      expect(res.body.timezone).toBe('Europe/Berlin');
      expect(res.body.email).toBeNull();
      const rows = await ctx.db.query('SELECT timezone FROM users WHERE id = $1', [res.body.id]);
      expect(rows[0].timezone).toBe('Europe/Berlin');
    });

    it('refuses a duplicate name with 409, also when it differs only in case', async () => {
      const name = uniqueName('dup');
      await ctx.http().post('/admin/users').set(admin()).send({ name }).expect(201);

      const same = await ctx.http().post('/admin/users').set(admin()).send({ name });
      expectProblem(same, 409, { code: 'conflict' });
      expect(same.body.detail).toBe('A user with this name already exists');
      expect(same.body.instance).toBe('/admin/users');

      const upper = await ctx.http().post('/admin/users').set(admin()).send({ name: name.toUpperCase() });
      expectProblem(upper, 409, { code: 'conflict' });
      expect(upper.body.detail).toBe('A user with this name already exists');

      const rows = await ctx.db.query('SELECT count(*)::int AS n FROM users WHERE lower(name) = $1', [name]);
      expect(rows[0].n).toBe(1);
    });

    it('lets exactly one of two concurrent creations of the same name win', async () => {
      const name = uniqueName('race');
      const results = await Promise.all(
        [name, name.toUpperCase()].map((n) => ctx.http().post('/admin/users').set(admin()).send({ name: n })),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
      expectProblem(results.find((r) => r.status === 409)!, 409, { code: 'conflict' });
      const rows = await ctx.db.query('SELECT count(*)::int AS n FROM users WHERE lower(name) = $1', [name]);
      expect(rows[0].n).toBe(1);
    });

    it('refuses an invalid timezone with 422 and errors[{field: "timezone"}]', async () => {
      const name = uniqueName('badtz');
      for (const timezone of ['Mars/Olympus_Mons', '+02:00', '', 42]) {
        const res = await ctx.http().post('/admin/users').set(admin()).send({ name, timezone });
        expectProblem(res, 422, { code: 'validation_failed' });
        expect(Array.isArray(res.body.errors)).toBe(true);
        expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'timezone' })]));
        for (const e of res.body.errors) expect(typeof e.message).toBe('string');
      }
      const rows = await ctx.db.query('SELECT count(*)::int AS n FROM users WHERE name = $1', [name]);
      expect(rows[0].n).toBe(0);
    });

    it('refuses an invalid name with 422 naming the field', async () => {
      for (const name of ['has space', 'bad!name', 'x'.repeat(65), '', 123, null]) {
        const res = await ctx.http().post('/admin/users').set(admin()).send({ name });
        expectProblem(res, 422, { code: 'validation_failed' });
        expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'name' })]));
      }
      const missing = await ctx.http().post('/admin/users').set(admin()).send({ email: 'a@example.com' });
      expectProblem(missing, 422, { code: 'validation_failed' });
      expect(missing.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'name' })]));
    });

    it('refuses an invalid email with 422', async () => {
      const res = await createUser({ email: 'not-an-email' });
      expectProblem(res, 422, { code: 'validation_failed' });
      expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'email' })]));
    });

    it('refuses unknown body fields with a 422 naming each one; nothing stored', async () => {
      const name = uniqueName('extra');
      const forcedId = randomUUID();
      const res = await ctx
        .http()
        .post('/admin/users')
        .set(admin())
        .send({ name, id: forcedId, created_at: '2000-01-01T00:00:00Z', favourite_colour: 'teal', admin: true });
      expectProblem(res, 422, { code: 'validation_failed', errors: true });
      expect(res.body.errors).toEqual([
        { field: 'id', message: 'id is not a known field' },
        { field: 'created_at', message: 'created_at is not a known field' },
        { field: 'favourite_colour', message: 'favourite_colour is not a known field' },
        { field: 'admin', message: 'admin is not a known field' },
      ]);
      expect(await ctx.db.query('SELECT id FROM users WHERE name = $1 OR id = $2', [name, forcedId])).toEqual([]);
    });
  });

  describe('GET /admin/users', () => {
    it('lists users by name with total, limit and offset', async () => {
      const prefix = uniqueName('list');
      for (const suffix of ['c', 'a', 'b']) {
        await ctx.http().post('/admin/users').set(admin()).send({ name: `${prefix}-${suffix}` }).expect(201);
      }
      const [{ n }] = await ctx.db.query('SELECT count(*)::int AS n FROM users');

      const all = await ctx.http().get('/admin/users').set(admin()).expect(200);
      expect(Object.keys(all.body).sort()).toEqual(['limit', 'offset', 'total', 'users']);
      expect(all.body.total).toBe(n);
      expect(all.body.limit).toBe(200);
      expect(all.body.offset).toBe(0);
      expect(all.body.users).toHaveLength(n);
      const names: string[] = all.body.users.map((u: { name: string }) => u.name);
      expect(names).toEqual([...names].sort());
      expect(names).toEqual(expect.arrayContaining([`${prefix}-a`, `${prefix}-b`, `${prefix}-c`]));
      for (const u of all.body.users) {
        expect(Object.keys(u).sort()).toEqual(['created_at', 'email', 'id', 'name', 'timezone']);
      }

      const page = await ctx.http().get('/admin/users?limit=2&offset=1').set(admin()).expect(200);
      expect(page.body.total).toBe(n);
      expect(page.body.limit).toBe(2);
      expect(page.body.offset).toBe(1);
      expect(page.body.users).toEqual(all.body.users.slice(1, 3));

      const past = await ctx.http().get(`/admin/users?offset=${n}`).set(admin()).expect(200);
      expect(past.body.users).toEqual([]);
      expect(past.body.total).toBe(n);

      const max = await ctx.http().get('/admin/users?limit=1000').set(admin()).expect(200);
      expect(max.body.limit).toBe(1000);
    });

    it.each(['limit=0', 'limit=1001', 'limit=-1', 'limit=abc', 'limit=1.5', 'offset=-1', 'offset=x'])(
      'refuses ?%s with 422 naming the parameter',
      async (query) => {
        const res = await ctx.http().get(`/admin/users?${query}`).set(admin());
        expectProblem(res, 422, { code: 'validation_failed' });
        const field = query.split('=')[0];
        expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      },
    );
  });

  describe('agents', () => {
    it('creates an agent: 201 {id,name,user_id,key_id,api_key}; only the key hash is stored', async () => {
      const user = (await createUser()).body;
      const name = uniqueName('Agent');
      // An unknown field is refused, naming it; no agent is made.
      const refused = await ctx.http().post(`/admin/users/${user.id}/agents`).set(admin()).send({ name: name.toUpperCase(), unknown_field: 'refused' });
      expectProblem(refused, 422, { code: 'validation_failed', errors: true });
      expect(refused.body.errors).toEqual([{ field: 'unknown_field', message: 'unknown_field is not a known field' }]);
      expect(await ctx.db.query('SELECT id FROM agents WHERE user_id = $1', [user.id])).toEqual([]);

      const res = await ctx
        .http()
        .post(`/admin/users/${user.id}/agents`)
        .set(admin())
        .send({ name: name.toUpperCase() })
        .expect(201);
      expect(Object.keys(res.body).sort()).toEqual(['api_key', 'id', 'key_id', 'name', 'user_id']);
      expect(res.body.id).toMatch(UUID);
      expect(res.body.key_id).toMatch(UUID);
      expect(res.body.name).toBe(name.toLowerCase());
      expect(res.body.user_id).toBe(user.id);
      expect(typeof res.body.api_key).toBe('string');
      // 256 random bits are at least 43 base64url characters.
      expect(res.body.api_key.length).toBeGreaterThanOrEqual(43);

      const keys = await ctx.db.query('SELECT id, key_hash, revoked_at FROM agent_keys WHERE agent_id = $1', [
        res.body.id,
      ]);
      expect(keys).toEqual([{ id: res.body.key_id, key_hash: sha256Hex(res.body.api_key), revoked_at: null }]);

      const who = await ctx.http().get('/whoami').set('X-Api-Key', res.body.api_key).expect(200);
      expect(who.body.agent).toEqual({ id: res.body.id, name: name.toLowerCase() });
      expect(who.body.user.id).toBe(user.id);
    });

    it('issues distinct keys to distinct agents', async () => {
      const a = await ctx.newUser();
      const b = await ctx.newUser();
      expect(a.apiKey).not.toBe(b.apiKey);
      expect(a.keyId).not.toBe(b.keyId);
    });

    it('refuses a duplicate agent name with 409, case-insensitively and across users', async () => {
      const first = await ctx.newUser();
      const other = (await createUser()).body;

      const sameUser = await ctx
        .http()
        .post(`/admin/users/${first.userId}/agents`)
        .set(admin())
        .send({ name: first.agentName });
      expectProblem(sameUser, 409, { code: 'conflict' });
      expect(sameUser.body.detail).toBe('An agent with this name already exists');

      const otherUserUpper = await ctx
        .http()
        .post(`/admin/users/${other.id}/agents`)
        .set(admin())
        .send({ name: first.agentName.toUpperCase() });
      expectProblem(otherUserUpper, 409, { code: 'conflict' });
      expect(otherUserUpper.body.detail).toBe('An agent with this name already exists');

      const rows = await ctx.db.query('SELECT count(*)::int AS n FROM agents WHERE lower(name) = $1', [
        first.agentName,
      ]);
      expect(rows[0].n).toBe(1);
      const otherAgents = await ctx.db.query('SELECT count(*)::int AS n FROM agents WHERE user_id = $1', [other.id]);
      expect(otherAgents[0].n).toBe(0);
    });

    it('lets exactly one of two concurrent creations of the same agent name win, across users', async () => {
      const u1 = (await createUser()).body;
      const u2 = (await createUser()).body;
      const name = uniqueName('race-agent');
      const results = await Promise.all(
        [u1.id, u2.id].map((id: string) => ctx.http().post(`/admin/users/${id}/agents`).set(admin()).send({ name })),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
      expectProblem(results.find((r) => r.status === 409)!, 409, { code: 'conflict' });
      const rows = await ctx.db.query('SELECT count(*)::int AS n FROM agents WHERE lower(name) = $1', [name]);
      expect(rows[0].n).toBe(1);
      const keys = await ctx.db.query(
        'SELECT count(*)::int AS n FROM agent_keys k JOIN agents a ON a.id = k.agent_id WHERE a.user_id = ANY($1::uuid[])',
        [[u1.id, u2.id]],
      );
      expect(keys[0].n).toBe(1);
    });

    it('refuses an invalid agent name with 422', async () => {
      const user = (await createUser()).body;
      for (const name of ['no spaces', 'x'.repeat(65), '', 'ümlaut', 7]) {
        const res = await ctx.http().post(`/admin/users/${user.id}/agents`).set(admin()).send({ name });
        expectProblem(res, 422, { code: 'validation_failed' });
        expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'name' })]));
      }
    });

    it('answers 404 for an unknown user (by id or by name) and 422 for a reference that is neither', async () => {
      const unknown = await ctx
        .http()
        .post(`/admin/users/${randomUUID()}/agents`)
        .set(admin())
        .send({ name: uniqueName('orphan') });
      expectProblem(unknown, 404, 'User not found');

      const unknownName = await ctx
        .http()
        .post('/admin/users/not-a-user/agents')
        .set(admin())
        .send({ name: uniqueName('orphan') });
      expectProblem(unknownName, 404, "User 'not-a-user' not found");

      const neither = await ctx.http().post('/admin/users/no.dots/agents').set(admin()).send({ name: uniqueName('orphan') });
      expectProblem(neither, 422, { code: 'validation_failed' });
      expect(neither.body.errors).toEqual([
        { field: 'user', message: 'user must be a UUID or a name (1-64 characters of a-z, 0-9, _ and - (case-insensitive))' },
      ]);

      const listUnknown = await ctx.http().get(`/admin/users/${randomUUID()}/agents`).set(admin());
      expectProblem(listUnknown, 404, 'User not found');
      const listTooLong = await ctx.http().get(`/admin/users/${'x'.repeat(65)}/agents`).set(admin());
      expectProblem(listTooLong, 422, { code: 'validation_failed' });
      expect(await ctx.db.query("SELECT 1 FROM agents WHERE name LIKE 'orphan%'")).toEqual([]);
    });

    it('takes user and agent names where the CLI does, case-insensitively, as well as ids', async () => {
      const owner = await ctx.newUser();
      const created = await ctx
        .http()
        .post(`/admin/users/${owner.userName.toUpperCase()}/agents`)
        .set(admin())
        .send({ name: uniqueName('by-name') })
        .expect(201);
      expect(created.body.user_id).toBe(owner.userId);

      const listed = await ctx.http().get(`/admin/users/${owner.userName}/agents`).set(admin()).expect(200);
      expect(listed.body.agents.map((a: { id: string }) => a.id).sort()).toEqual([owner.agentId, created.body.id].sort());

      const key = await ctx.http().post(`/admin/agents/${owner.agentName}/keys`).set(admin()).send({ label: 'named' }).expect(201);
      expect(await whoamiStatus(key.body.api_key)).toBe(200);
      await ctx.http().delete(`/admin/agents/${owner.agentName.toUpperCase()}/keys/${key.body.id}`).set(admin()).expect(204);
      expect(await whoamiStatus(key.body.api_key)).toBe(401);

      expectProblem(await ctx.http().post('/admin/agents/no-such-agent/keys').set(admin()).send({}), 404, "Agent 'no-such-agent' not found");
      await ctx.http().delete(`/admin/agents/${created.body.name}`).set(admin()).expect(204);
      expect(await ctx.db.query('SELECT 1 FROM agents WHERE id = $1', [created.body.id])).toEqual([]);
      await ctx.http().delete(`/admin/users/${owner.userName}`).set(admin()).expect(204);
      expect(await ctx.db.query('SELECT 1 FROM users WHERE id = $1', [owner.userId])).toEqual([]);
      expect(await whoamiStatus(owner.apiKey)).toBe(401);
    });

    it('lists agents with their keys, never key material or key hashes', async () => {
      const agent = await ctx.newUser();
      const second = await ctx
        .http()
        .post(`/admin/agents/${agent.agentId}/keys`)
        .set(admin())
        .send({ label: 'laptop' })
        .expect(201);
      const other = await ctx
        .http()
        .post(`/admin/users/${agent.userId}/agents`)
        .set(admin())
        .send({ name: uniqueName('aaa') })
        .expect(201);

      const res = await ctx.http().get(`/admin/users/${agent.userId}/agents`).set(admin()).expect(200);
      expect(Object.keys(res.body)).toEqual(['agents']);
      expect(res.body.agents).toHaveLength(2);
      const names = res.body.agents.map((a: { name: string }) => a.name);
      expect(names).toEqual([...names].sort());

      const listed = res.body.agents.find((a: { id: string }) => a.id === agent.agentId);
      expect(Object.keys(listed).sort()).toEqual(['created_at', 'id', 'keys', 'last_seen_at', 'name', 'user_id']);
      expect(listed.name).toBe(agent.agentName);
      expect(listed.user_id).toBe(agent.userId);
      expect(listed.keys.map((k: { id: string }) => k.id)).toEqual([agent.keyId, second.body.id]);
      for (const k of listed.keys) {
        expect(Object.keys(k).sort()).toEqual(['created_at', 'id', 'label', 'last_used_at', 'revoked_at']);
        expect(k.revoked_at).toBeNull();
      }
      expect(listed.keys[0].label).toBeNull();
      expect(listed.keys[1].label).toBe('laptop');
      const otherListed = res.body.agents.find((a: { id: string }) => a.id === other.body.id);
      expect(otherListed.keys.map((k: { id: string }) => k.id)).toEqual([other.body.key_id]);

      for (const secret of [agent.apiKey, second.body.api_key, other.body.api_key]) {
        expect(res.text).not.toContain(secret);
        expect(res.text).not.toContain(sha256Hex(secret));
        expect(res.text).not.toContain(sha256Hex(secret).toUpperCase());
      }
      expect(res.text).not.toContain('key_hash');
      expect(res.text).not.toContain('api_key');
    });

    it('lists an empty agent list for a user without agents', async () => {
      const user = (await createUser()).body;
      const res = await ctx.http().get(`/admin/users/${user.id}/agents`).set(admin()).expect(200);
      expect(res.body).toEqual({ agents: [] });
    });
  });

  describe('keys', () => {
    it('issues a second working key with POST /admin/agents/{id}/keys', async () => {
      const agent = await ctx.newUser();
      const res = await ctx
        .http()
        .post(`/admin/agents/${agent.agentId}/keys`)
        .set(admin())
        .send({ label: 'rotation' })
        .expect(201);
      expect(Object.keys(res.body).sort()).toEqual(['api_key', 'id']);
      expect(res.body.id).toMatch(UUID);
      expect(res.body.id).not.toBe(agent.keyId);
      expect(res.body.api_key).not.toBe(agent.apiKey);

      const viaNew = await ctx.http().get('/whoami').set('X-Api-Key', res.body.api_key).expect(200);
      const viaOld = await ctx.http().get('/whoami').set('X-Api-Key', agent.apiKey).expect(200);
      expect(viaNew.body).toEqual(viaOld.body);
      expect(viaNew.body.agent.id).toBe(agent.agentId);

      const rows = await ctx.db.query('SELECT key_hash, label FROM agent_keys WHERE id = $1', [res.body.id]);
      expect(rows).toEqual([{ key_hash: sha256Hex(res.body.api_key), label: 'rotation' }]);
    });

    it('issues a key for an empty body {} (label null); refuses a missing body, a too-long label and unknown agents', async () => {
      const agent = await ctx.newUser();
      const keyCount = async () => (await ctx.db.query('SELECT count(*)::int AS n FROM agent_keys WHERE agent_id = $1', [agent.agentId]))[0].n as number;
      const keysBefore = await keyCount();
      for (const contentType of [undefined, 'application/json']) {
        const req = ctx.http().post(`/admin/agents/${agent.agentId}/keys`).set(admin());
        const noBody = await (contentType ? req.set('Content-Type', contentType) : req);
        expectProblem(noBody, 422, { code: 'validation_failed' });
        expect({ contentType, detail: noBody.body.detail, errors: noBody.body.errors }).toEqual({
          contentType,
          detail: 'Request body must be a JSON object',
          errors: [{ field: 'body', message: 'Request body must be a JSON object' }],
        });
      }
      expect(await keyCount()).toBe(keysBefore);

      const emptyBody = await ctx.http().post(`/admin/agents/${agent.agentId}/keys`).set(admin()).send({}).expect(201);
      const rows = await ctx.db.query('SELECT label FROM agent_keys WHERE id = $1', [emptyBody.body.id]);
      expect(rows).toEqual([{ label: null }]);

      const long = await ctx
        .http()
        .post(`/admin/agents/${agent.agentId}/keys`)
        .set(admin())
        .send({ label: 'x'.repeat(201) });
      expectProblem(long, 422, { code: 'validation_failed' });
      expect(long.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'label' })]));

      const unknown = await ctx.http().post(`/admin/agents/${randomUUID()}/keys`).set(admin()).send({});
      expectProblem(unknown, 404, { code: 'not_found' });
      expect(unknown.body.detail).toBe('Agent not found');

      expectProblem(await ctx.http().post('/admin/agents/nope/keys').set(admin()).send({}), 404, "Agent 'nope' not found");
      const neither = await ctx.http().post('/admin/agents/no%20pe/keys').set(admin()).send({});
      expectProblem(neither, 422, { code: 'validation_failed' });
    });

    it('revokes a key: 204, it fails at once, the other key keeps working, revoking again is 204', async () => {
      const agent = await ctx.newUser();
      const second = await ctx.http().post(`/admin/agents/${agent.agentId}/keys`).set(admin()).send({}).expect(201);
      // Warm any key cache first: revocation must still take effect at once.
      expect(await whoamiStatus(agent.apiKey)).toBe(200);
      expect(await whoamiStatus(second.body.api_key)).toBe(200);

      const del = await ctx.http().delete(`/admin/agents/${agent.agentId}/keys/${agent.keyId}`).set(admin());
      expect(del.status).toBe(204);
      expect(del.text).toBe('');

      const revoked = await ctx.http().get('/whoami').set('X-Api-Key', agent.apiKey);
      expectProblem(revoked, 401, { code: 'unauthorized' });
      expect(revoked.body.detail).toBe('Invalid API key');
      const revokedBearer = await ctx.http().get('/whoami').set('Authorization', `Bearer ${agent.apiKey}`);
      expectProblem(revokedBearer, 401, { code: 'unauthorized' });

      const still = await ctx.http().get('/whoami').set('X-Api-Key', second.body.api_key).expect(200);
      expect(still.body.agent.id).toBe(agent.agentId);

      const [row] = await ctx.db.query('SELECT revoked_at FROM agent_keys WHERE id = $1', [agent.keyId]);
      expect(row.revoked_at).toBeInstanceOf(Date);

      const again = await ctx.http().delete(`/admin/agents/${agent.agentId}/keys/${agent.keyId}`).set(admin());
      expect(again.status).toBe(204);
      const [rowAgain] = await ctx.db.query('SELECT revoked_at FROM agent_keys WHERE id = $1', [agent.keyId]);
      expect((rowAgain.revoked_at as Date).getTime()).toBe((row.revoked_at as Date).getTime());
      expect(await whoamiStatus(agent.apiKey)).toBe(401);

      const listed = await ctx.http().get(`/admin/users/${agent.userId}/agents`).set(admin()).expect(200);
      const keys = listed.body.agents[0].keys;
      expect(keys.find((k: { id: string }) => k.id === agent.keyId).revoked_at).not.toBeNull();
      expect(keys.find((k: { id: string }) => k.id === second.body.id).revoked_at).toBeNull();
    });

    it('revokes at once also when the ids are sent in upper case', async () => {
      const agent = await ctx.newUser();
      expect(await whoamiStatus(agent.apiKey)).toBe(200);
      await ctx
        .http()
        .delete(`/admin/agents/${agent.agentId.toUpperCase()}/keys/${agent.keyId.toUpperCase()}`)
        .set(admin())
        .expect(204);
      expect(await whoamiStatus(agent.apiKey)).toBe(401);
    });

    it('answers 404 for an unknown key, a key of another agent, and 422 for a non-UUID key id', async () => {
      const a = await ctx.newUser();
      const b = await ctx.newUser();
      const unknown = await ctx.http().delete(`/admin/agents/${a.agentId}/keys/${randomUUID()}`).set(admin());
      expectProblem(unknown, 404, { code: 'not_found' });
      expect(unknown.body.detail).toBe('Key not found');

      const foreign = await ctx.http().delete(`/admin/agents/${a.agentId}/keys/${b.keyId}`).set(admin());
      expectProblem(foreign, 404, { code: 'not_found' });
      expect(await whoamiStatus(b.apiKey)).toBe(200);

      const unknownAgent = await ctx.http().delete(`/admin/agents/${randomUUID()}/keys/${a.keyId}`).set(admin());
      expectProblem(unknownAgent, 404, { code: 'not_found' });
      expect(await whoamiStatus(a.apiKey)).toBe(200);

      const notUuid = await ctx.http().delete(`/admin/agents/${a.agentId}/keys/xyz`).set(admin());
      expectProblem(notUuid, 422, { code: 'validation_failed' });
      expect(notUuid.body.errors).toEqual([{ field: 'keyId', message: 'keyId must be a UUID' }]);
    });
  });

  describe('deletion', () => {
    it('DELETE /admin/agents/{id}: 204, all its keys fail at once, its rows are gone', async () => {
      const agent = await ctx.newUser();
      const sibling = await ctx
        .http()
        .post(`/admin/users/${agent.userId}/agents`)
        .set(admin())
        .send({ name: uniqueName('sibling') })
        .expect(201);
      const second = await ctx.http().post(`/admin/agents/${agent.agentId}/keys`).set(admin()).send({}).expect(201);
      expect(await whoamiStatus(agent.apiKey)).toBe(200);
      expect(await whoamiStatus(second.body.api_key)).toBe(200);

      const del = await ctx.http().delete(`/admin/agents/${agent.agentId}`).set(admin());
      expect(del.status).toBe(204);
      expect(del.text).toBe('');

      for (const key of [agent.apiKey, second.body.api_key]) {
        const res = await ctx.http().get('/whoami').set('X-Api-Key', key);
        expectProblem(res, 401, { code: 'unauthorized' });
        expect(res.body.detail).toBe('Invalid API key');
      }
      expect(await whoamiStatus(sibling.body.api_key)).toBe(200);

      expect(await ctx.db.query('SELECT id FROM agents WHERE id = $1', [agent.agentId])).toEqual([]);
      expect(await ctx.db.query('SELECT id FROM agent_keys WHERE agent_id = $1', [agent.agentId])).toEqual([]);
      const users = await ctx.db.query('SELECT id FROM users WHERE id = $1', [agent.userId]);
      expect(users).toHaveLength(1);

      const again = await ctx.http().delete(`/admin/agents/${agent.agentId}`).set(admin());
      expectProblem(again, 404, { code: 'not_found' });
      expect(again.body.detail).toBe('Agent not found');
      expectProblem(await ctx.http().delete('/admin/agents/1234').set(admin()), 404, "Agent '1234' not found");
      expectProblem(await ctx.http().delete('/admin/agents/12.34').set(admin()), 422, { code: 'validation_failed' });
    });

    it('DELETE /admin/users/{id}: 204, its agents keys fail at once, its rows are gone', async () => {
      const agent = await ctx.newUser();
      const second = await ctx
        .http()
        .post(`/admin/users/${agent.userId}/agents`)
        .set(admin())
        .send({ name: uniqueName('second') })
        .expect(201);
      const extraKey = await ctx.http().post(`/admin/agents/${agent.agentId}/keys`).set(admin()).send({}).expect(201);
      const bystander = await ctx.newUser();
      const secrets = [agent.apiKey, second.body.api_key, extraKey.body.api_key];
      for (const key of secrets) expect(await whoamiStatus(key)).toBe(200);

      const del = await ctx.http().delete(`/admin/users/${agent.userId}`).set(admin());
      expect(del.status).toBe(204);
      expect(del.text).toBe('');

      for (const key of secrets) {
        const res = await ctx.http().get('/whoami').set('Authorization', `Bearer ${key}`);
        expectProblem(res, 401, { code: 'unauthorized' });
        expect(res.body.detail).toBe('Invalid API key');
      }
      expect(await whoamiStatus(bystander.apiKey)).toBe(200);

      const agentIds = [agent.agentId, second.body.id];
      expect(await ctx.db.query('SELECT id FROM users WHERE id = $1', [agent.userId])).toEqual([]);
      expect(await ctx.db.query('SELECT id FROM agents WHERE user_id = $1', [agent.userId])).toEqual([]);
      expect(await ctx.db.query('SELECT id FROM agents WHERE id = ANY($1::uuid[])', [agentIds])).toEqual([]);
      expect(await ctx.db.query('SELECT id FROM agent_keys WHERE agent_id = ANY($1::uuid[])', [agentIds])).toEqual([]);
      // The tenant's audit trail is erased with it.
      expect(await ctx.db.query('SELECT id FROM audit_events WHERE user_id = $1', [agent.userId])).toEqual([]);
      expect(await ctx.db.query('SELECT id FROM users WHERE id = $1', [bystander.userId])).toHaveLength(1);

      const listed = await ctx.http().get('/admin/users?limit=1000').set(admin()).expect(200);
      expect(listed.body.users.map((u: { id: string }) => u.id)).not.toContain(agent.userId);

      const again = await ctx.http().delete(`/admin/users/${agent.userId}`).set(admin());
      expectProblem(again, 404, { code: 'not_found' });
      expect(again.body.detail).toBe('User not found');
      expectProblem(await ctx.http().delete(`/admin/users/${agent.userName}`).set(admin()), 404, `User '${agent.userName}' not found`);
      expectProblem(await ctx.http().delete('/admin/users/a+b').set(admin()), 422, { code: 'validation_failed' });

      // The name is free again.
      await ctx.http().post('/admin/users').set(admin()).send({ name: agent.userName }).expect(201);
    });
  });

});
