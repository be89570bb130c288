import { createHash, randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { startTestApp, TestApp, uniqueName } from './support/test-app';

const PROBLEM_KEYS = ['code', 'detail', 'instance', 'request_id', 'status', 'title', 'type'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Asserts an RFC 9457 problem response of the given status and code. */
function expectProblem(res: Response, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(res.text) as Record<string, unknown>;
  for (const key of PROBLEM_KEYS) expect(body).toHaveProperty(key);
  expect(body.status).toBe(status);
  expect(body.code).toBe(code);
  expect(body.type).toBe(`urn:mnemo:problem:${code}`);
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  expect(body.request_id).toBe(res.headers['x-request-id']);
}

/** A request id the service accepts verbatim (matches ^[A-Za-z0-9._:-]{1,128}$). */
function requestId(label: string): string {
  return `e2e-${label}-${randomUUID()}`;
}

describe('admin API', () => {
  let t: TestApp;
  const admin = () => ({ Authorization: `Bearer ${t.adminToken}` });

  beforeAll(async () => {
    t = await startTestApp({ DEFAULT_TIMEZONE: 'Europe/Berlin' });
  });
  afterAll(() => t.close());

  async function createUser(body: Record<string, unknown> = {}): Promise<Response> {
    return t
      .http()
      .post('/admin/users')
      .set(admin())
      .send({ name: uniqueName('user'), ...body });
  }

  async function whoamiStatus(apiKey: string): Promise<number> {
    const res = await t.http().get('/whoami').set('X-Api-Key', apiKey);
    return res.status;
  }

  describe('POST /admin/users', () => {
    it('creates a user: 201 {id,name,email,timezone,created_at}, name lowercased, timezone canonical', async () => {
      const name = uniqueName('Mixed-Case');
      const before = Date.now();
      const res = await t
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

      const rows = await t.db.query('SELECT name, email, timezone FROM users WHERE id = $1', [res.body.id]);
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
      const rows = await t.db.query('SELECT timezone FROM users WHERE id = $1', [res.body.id]);
      expect(rows[0].timezone).toBe('Europe/Berlin');
    });

    it('refuses a duplicate name with 409, also when it differs only in case', async () => {
      const name = uniqueName('dup');
      await t.http().post('/admin/users').set(admin()).send({ name }).expect(201);

      const same = await t.http().post('/admin/users').set(admin()).send({ name });
      expectProblem(same, 409, 'conflict');
      expect(same.body.detail).toBe('A user with this name already exists');
      expect(same.body.instance).toBe('/admin/users');

      const upper = await t.http().post('/admin/users').set(admin()).send({ name: name.toUpperCase() });
      expectProblem(upper, 409, 'conflict');
      expect(upper.body.detail).toBe('A user with this name already exists');

      const rows = await t.db.query('SELECT count(*)::int AS n FROM users WHERE lower(name) = $1', [name]);
      expect(rows[0].n).toBe(1);
    });

    it('lets exactly one of two concurrent creations of the same name win', async () => {
      const name = uniqueName('race');
      const results = await Promise.all(
        [name, name.toUpperCase()].map((n) => t.http().post('/admin/users').set(admin()).send({ name: n })),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
      expectProblem(results.find((r) => r.status === 409)!, 409, 'conflict');
      const rows = await t.db.query('SELECT count(*)::int AS n FROM users WHERE lower(name) = $1', [name]);
      expect(rows[0].n).toBe(1);
    });

    it('refuses an invalid timezone with 422 and errors[{field: "timezone"}]', async () => {
      const name = uniqueName('badtz');
      for (const timezone of ['Mars/Olympus_Mons', '+02:00', '', 42]) {
        const res = await t.http().post('/admin/users').set(admin()).send({ name, timezone });
        expectProblem(res, 422, 'validation_failed');
        expect(Array.isArray(res.body.errors)).toBe(true);
        expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'timezone' })]));
        for (const e of res.body.errors) expect(typeof e.message).toBe('string');
      }
      const rows = await t.db.query('SELECT count(*)::int AS n FROM users WHERE name = $1', [name]);
      expect(rows[0].n).toBe(0);
    });

    it('refuses an invalid name with 422 naming the field', async () => {
      for (const name of ['has space', 'bad!name', 'x'.repeat(65), '', 123, null]) {
        const res = await t.http().post('/admin/users').set(admin()).send({ name });
        expectProblem(res, 422, 'validation_failed');
        expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'name' })]));
      }
      const missing = await t.http().post('/admin/users').set(admin()).send({ email: 'a@example.com' });
      expectProblem(missing, 422, 'validation_failed');
      expect(missing.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'name' })]));
    });

    it('refuses an invalid email with 422', async () => {
      const res = await createUser({ email: 'not-an-email' });
      expectProblem(res, 422, 'validation_failed');
      expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'email' })]));
    });

    it('ignores unknown body fields', async () => {
      const name = uniqueName('extra');
      const forcedId = randomUUID();
      const res = await t
        .http()
        .post('/admin/users')
        .set(admin())
        .send({ name, id: forcedId, created_at: '2000-01-01T00:00:00Z', favourite_colour: 'teal', admin: true })
        .expect(201);
      expect(Object.keys(res.body).sort()).toEqual(['created_at', 'email', 'id', 'name', 'timezone']);
      expect(res.body.name).toBe(name);
      expect(res.body.id).not.toBe(forcedId);
      expect(new Date(res.body.created_at).getUTCFullYear()).toBeGreaterThan(2000);
    });
  });

  describe('GET /admin/users', () => {
    it('lists users by name with total, limit and offset', async () => {
      const prefix = uniqueName('list');
      for (const suffix of ['c', 'a', 'b']) {
        await t.http().post('/admin/users').set(admin()).send({ name: `${prefix}-${suffix}` }).expect(201);
      }
      const [{ n }] = await t.db.query('SELECT count(*)::int AS n FROM users');

      const all = await t.http().get('/admin/users').set(admin()).expect(200);
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

      const page = await t.http().get('/admin/users?limit=2&offset=1').set(admin()).expect(200);
      expect(page.body.total).toBe(n);
      expect(page.body.limit).toBe(2);
      expect(page.body.offset).toBe(1);
      expect(page.body.users).toEqual(all.body.users.slice(1, 3));

      const past = await t.http().get(`/admin/users?offset=${n}`).set(admin()).expect(200);
      expect(past.body.users).toEqual([]);
      expect(past.body.total).toBe(n);

      const max = await t.http().get('/admin/users?limit=1000').set(admin()).expect(200);
      expect(max.body.limit).toBe(1000);
    });

    it.each(['limit=0', 'limit=1001', 'limit=-1', 'limit=abc', 'limit=1.5', 'offset=-1', 'offset=x'])(
      'refuses ?%s with 422 naming the parameter',
      async (query) => {
        const res = await t.http().get(`/admin/users?${query}`).set(admin());
        expectProblem(res, 422, 'validation_failed');
        const field = query.split('=')[0];
        expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      },
    );
  });

  describe('agents', () => {
    it('creates an agent: 201 {id,name,user_id,key_id,api_key}; only the key hash is stored', async () => {
      const user = (await createUser()).body;
      const name = uniqueName('Agent');
      const res = await t
        .http()
        .post(`/admin/users/${user.id}/agents`)
        .set(admin())
        .send({ name: name.toUpperCase(), unknown_field: 'ignored' })
        .expect(201);
      expect(Object.keys(res.body).sort()).toEqual(['api_key', 'id', 'key_id', 'name', 'user_id']);
      expect(res.body.id).toMatch(UUID);
      expect(res.body.key_id).toMatch(UUID);
      expect(res.body.name).toBe(name.toLowerCase());
      expect(res.body.user_id).toBe(user.id);
      expect(typeof res.body.api_key).toBe('string');
      // 256 random bits are at least 43 base64url characters.
      expect(res.body.api_key.length).toBeGreaterThanOrEqual(43);

      const keys = await t.db.query('SELECT id, key_hash, revoked_at FROM agent_keys WHERE agent_id = $1', [
        res.body.id,
      ]);
      expect(keys).toEqual([{ id: res.body.key_id, key_hash: sha256Hex(res.body.api_key), revoked_at: null }]);

      const who = await t.http().get('/whoami').set('X-Api-Key', res.body.api_key).expect(200);
      expect(who.body.agent).toEqual({ id: res.body.id, name: name.toLowerCase() });
      expect(who.body.user.id).toBe(user.id);
    });

    it('issues distinct keys to distinct agents', async () => {
      const a = await t.newAgent();
      const b = await t.newAgent();
      expect(a.apiKey).not.toBe(b.apiKey);
      expect(a.keyId).not.toBe(b.keyId);
    });

    it('refuses a duplicate agent name with 409, case-insensitively and across users', async () => {
      const first = await t.newAgent();
      const other = (await createUser()).body;

      const sameUser = await t
        .http()
        .post(`/admin/users/${first.userId}/agents`)
        .set(admin())
        .send({ name: first.agentName });
      expectProblem(sameUser, 409, 'conflict');
      expect(sameUser.body.detail).toBe('An agent with this name already exists');

      const otherUserUpper = await t
        .http()
        .post(`/admin/users/${other.id}/agents`)
        .set(admin())
        .send({ name: first.agentName.toUpperCase() });
      expectProblem(otherUserUpper, 409, 'conflict');
      expect(otherUserUpper.body.detail).toBe('An agent with this name already exists');

      const rows = await t.db.query('SELECT count(*)::int AS n FROM agents WHERE lower(name) = $1', [
        first.agentName,
      ]);
      expect(rows[0].n).toBe(1);
      const otherAgents = await t.db.query('SELECT count(*)::int AS n FROM agents WHERE user_id = $1', [other.id]);
      expect(otherAgents[0].n).toBe(0);
    });

    it('lets exactly one of two concurrent creations of the same agent name win, across users', async () => {
      const u1 = (await createUser()).body;
      const u2 = (await createUser()).body;
      const name = uniqueName('race-agent');
      const results = await Promise.all(
        [u1.id, u2.id].map((id: string) => t.http().post(`/admin/users/${id}/agents`).set(admin()).send({ name })),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
      expectProblem(results.find((r) => r.status === 409)!, 409, 'conflict');
      const rows = await t.db.query('SELECT count(*)::int AS n FROM agents WHERE lower(name) = $1', [name]);
      expect(rows[0].n).toBe(1);
      const keys = await t.db.query(
        'SELECT count(*)::int AS n FROM agent_keys k JOIN agents a ON a.id = k.agent_id WHERE a.user_id = ANY($1::uuid[])',
        [[u1.id, u2.id]],
      );
      expect(keys[0].n).toBe(1);
    });

    it('refuses an invalid agent name with 422', async () => {
      const user = (await createUser()).body;
      for (const name of ['no spaces', 'x'.repeat(65), '', 'ümlaut', 7]) {
        const res = await t.http().post(`/admin/users/${user.id}/agents`).set(admin()).send({ name });
        expectProblem(res, 422, 'validation_failed');
        expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'name' })]));
      }
    });

    it('answers 404 for an unknown user and 422 for a non-UUID id', async () => {
      const unknown = await t
        .http()
        .post(`/admin/users/${randomUUID()}/agents`)
        .set(admin())
        .send({ name: uniqueName('orphan') });
      expectProblem(unknown, 404, 'not_found');
      expect(unknown.body.detail).toBe('User not found');

      const notUuid = await t
        .http()
        .post('/admin/users/not-a-uuid/agents')
        .set(admin())
        .send({ name: uniqueName('orphan') });
      expectProblem(notUuid, 422, 'validation_failed');
      expect(notUuid.body.errors).toEqual([{ field: 'id', message: 'id must be a UUID' }]);

      const listUnknown = await t.http().get(`/admin/users/${randomUUID()}/agents`).set(admin());
      expectProblem(listUnknown, 404, 'not_found');
      const listNotUuid = await t.http().get('/admin/users/123/agents').set(admin());
      expectProblem(listNotUuid, 422, 'validation_failed');
    });

    it('lists agents with their keys, never key material or key hashes', async () => {
      const agent = await t.newAgent();
      const second = await t
        .http()
        .post(`/admin/agents/${agent.agentId}/keys`)
        .set(admin())
        .send({ label: 'laptop' })
        .expect(201);
      const other = await t
        .http()
        .post(`/admin/users/${agent.userId}/agents`)
        .set(admin())
        .send({ name: uniqueName('aaa') })
        .expect(201);

      const res = await t.http().get(`/admin/users/${agent.userId}/agents`).set(admin()).expect(200);
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
      const res = await t.http().get(`/admin/users/${user.id}/agents`).set(admin()).expect(200);
      expect(res.body).toEqual({ agents: [] });
    });
  });

  describe('keys', () => {
    it('issues a second working key with POST /admin/agents/{id}/keys', async () => {
      const agent = await t.newAgent();
      const res = await t
        .http()
        .post(`/admin/agents/${agent.agentId}/keys`)
        .set(admin())
        .send({ label: 'rotation' })
        .expect(201);
      expect(Object.keys(res.body).sort()).toEqual(['api_key', 'id']);
      expect(res.body.id).toMatch(UUID);
      expect(res.body.id).not.toBe(agent.keyId);
      expect(res.body.api_key).not.toBe(agent.apiKey);

      const viaNew = await t.http().get('/whoami').set('X-Api-Key', res.body.api_key).expect(200);
      const viaOld = await t.http().get('/whoami').set('X-Api-Key', agent.apiKey).expect(200);
      expect(viaNew.body).toEqual(viaOld.body);
      expect(viaNew.body.agent.id).toBe(agent.agentId);

      const rows = await t.db.query('SELECT key_hash, label FROM agent_keys WHERE id = $1', [res.body.id]);
      expect(rows).toEqual([{ key_hash: sha256Hex(res.body.api_key), label: 'rotation' }]);
    });

    it('issues a key for an empty body {} (label null); refuses a missing body, a too-long label and unknown agents', async () => {
      const agent = await t.newAgent();
      const keyCount = async () => (await t.db.query('SELECT count(*)::int AS n FROM agent_keys WHERE agent_id = $1', [agent.agentId]))[0].n as number;
      const keysBefore = await keyCount();
      for (const contentType of [undefined, 'application/json']) {
        const req = t.http().post(`/admin/agents/${agent.agentId}/keys`).set(admin());
        const noBody = await (contentType ? req.set('Content-Type', contentType) : req);
        expectProblem(noBody, 422, 'validation_failed');
        expect({ contentType, detail: noBody.body.detail, errors: noBody.body.errors }).toEqual({
          contentType,
          detail: 'Request body must be a JSON object',
          errors: [{ field: 'body', message: 'Request body must be a JSON object' }],
        });
      }
      expect(await keyCount()).toBe(keysBefore);

      const emptyBody = await t.http().post(`/admin/agents/${agent.agentId}/keys`).set(admin()).send({}).expect(201);
      const rows = await t.db.query('SELECT label FROM agent_keys WHERE id = $1', [emptyBody.body.id]);
      expect(rows).toEqual([{ label: null }]);

      const long = await t
        .http()
        .post(`/admin/agents/${agent.agentId}/keys`)
        .set(admin())
        .send({ label: 'x'.repeat(201) });
      expectProblem(long, 422, 'validation_failed');
      expect(long.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'label' })]));

      const unknown = await t.http().post(`/admin/agents/${randomUUID()}/keys`).set(admin()).send({});
      expectProblem(unknown, 404, 'not_found');
      expect(unknown.body.detail).toBe('Agent not found');

      const notUuid = await t.http().post('/admin/agents/nope/keys').set(admin()).send({});
      expectProblem(notUuid, 422, 'validation_failed');
    });

    it('revokes a key: 204, it fails at once, the other key keeps working, revoking again is 204', async () => {
      const agent = await t.newAgent();
      const second = await t.http().post(`/admin/agents/${agent.agentId}/keys`).set(admin()).send({}).expect(201);
      // Warm any key cache first: revocation must still take effect at once.
      expect(await whoamiStatus(agent.apiKey)).toBe(200);
      expect(await whoamiStatus(second.body.api_key)).toBe(200);

      const del = await t.http().delete(`/admin/agents/${agent.agentId}/keys/${agent.keyId}`).set(admin());
      expect(del.status).toBe(204);
      expect(del.text).toBe('');

      const revoked = await t.http().get('/whoami').set('X-Api-Key', agent.apiKey);
      expectProblem(revoked, 401, 'unauthorized');
      expect(revoked.body.detail).toBe('Invalid API key');
      const revokedBearer = await t.http().get('/whoami').set('Authorization', `Bearer ${agent.apiKey}`);
      expectProblem(revokedBearer, 401, 'unauthorized');

      const still = await t.http().get('/whoami').set('X-Api-Key', second.body.api_key).expect(200);
      expect(still.body.agent.id).toBe(agent.agentId);

      const [row] = await t.db.query('SELECT revoked_at FROM agent_keys WHERE id = $1', [agent.keyId]);
      expect(row.revoked_at).toBeInstanceOf(Date);

      const again = await t.http().delete(`/admin/agents/${agent.agentId}/keys/${agent.keyId}`).set(admin());
      expect(again.status).toBe(204);
      const [rowAgain] = await t.db.query('SELECT revoked_at FROM agent_keys WHERE id = $1', [agent.keyId]);
      expect((rowAgain.revoked_at as Date).getTime()).toBe((row.revoked_at as Date).getTime());
      expect(await whoamiStatus(agent.apiKey)).toBe(401);

      const listed = await t.http().get(`/admin/users/${agent.userId}/agents`).set(admin()).expect(200);
      const keys = listed.body.agents[0].keys;
      expect(keys.find((k: { id: string }) => k.id === agent.keyId).revoked_at).not.toBeNull();
      expect(keys.find((k: { id: string }) => k.id === second.body.id).revoked_at).toBeNull();
    });

    it('revokes at once also when the ids are sent in upper case', async () => {
      const agent = await t.newAgent();
      expect(await whoamiStatus(agent.apiKey)).toBe(200);
      await t
        .http()
        .delete(`/admin/agents/${agent.agentId.toUpperCase()}/keys/${agent.keyId.toUpperCase()}`)
        .set(admin())
        .expect(204);
      expect(await whoamiStatus(agent.apiKey)).toBe(401);
    });

    it('answers 404 for an unknown key, a key of another agent, and 422 for a non-UUID key id', async () => {
      const a = await t.newAgent();
      const b = await t.newAgent();
      const unknown = await t.http().delete(`/admin/agents/${a.agentId}/keys/${randomUUID()}`).set(admin());
      expectProblem(unknown, 404, 'not_found');
      expect(unknown.body.detail).toBe('Key not found');

      const foreign = await t.http().delete(`/admin/agents/${a.agentId}/keys/${b.keyId}`).set(admin());
      expectProblem(foreign, 404, 'not_found');
      expect(await whoamiStatus(b.apiKey)).toBe(200);

      const unknownAgent = await t.http().delete(`/admin/agents/${randomUUID()}/keys/${a.keyId}`).set(admin());
      expectProblem(unknownAgent, 404, 'not_found');
      expect(await whoamiStatus(a.apiKey)).toBe(200);

      const notUuid = await t.http().delete(`/admin/agents/${a.agentId}/keys/xyz`).set(admin());
      expectProblem(notUuid, 422, 'validation_failed');
      expect(notUuid.body.errors).toEqual([{ field: 'keyId', message: 'keyId must be a UUID' }]);
    });
  });

  describe('deletion', () => {
    it('DELETE /admin/agents/{id}: 204, all its keys fail at once, its rows are gone', async () => {
      const agent = await t.newAgent();
      const sibling = await t
        .http()
        .post(`/admin/users/${agent.userId}/agents`)
        .set(admin())
        .send({ name: uniqueName('sibling') })
        .expect(201);
      const second = await t.http().post(`/admin/agents/${agent.agentId}/keys`).set(admin()).send({}).expect(201);
      expect(await whoamiStatus(agent.apiKey)).toBe(200);
      expect(await whoamiStatus(second.body.api_key)).toBe(200);

      const del = await t.http().delete(`/admin/agents/${agent.agentId}`).set(admin());
      expect(del.status).toBe(204);
      expect(del.text).toBe('');

      for (const key of [agent.apiKey, second.body.api_key]) {
        const res = await t.http().get('/whoami').set('X-Api-Key', key);
        expectProblem(res, 401, 'unauthorized');
        expect(res.body.detail).toBe('Invalid API key');
      }
      expect(await whoamiStatus(sibling.body.api_key)).toBe(200);

      expect(await t.db.query('SELECT id FROM agents WHERE id = $1', [agent.agentId])).toEqual([]);
      expect(await t.db.query('SELECT id FROM agent_keys WHERE agent_id = $1', [agent.agentId])).toEqual([]);
      const users = await t.db.query('SELECT id FROM users WHERE id = $1', [agent.userId]);
      expect(users).toHaveLength(1);

      const again = await t.http().delete(`/admin/agents/${agent.agentId}`).set(admin());
      expectProblem(again, 404, 'not_found');
      expect(again.body.detail).toBe('Agent not found');
      const notUuid = await t.http().delete('/admin/agents/1234').set(admin());
      expectProblem(notUuid, 422, 'validation_failed');
    });

    it('DELETE /admin/users/{id}: 204, its agents keys fail at once, its rows are gone', async () => {
      const agent = await t.newAgent();
      const second = await t
        .http()
        .post(`/admin/users/${agent.userId}/agents`)
        .set(admin())
        .send({ name: uniqueName('second') })
        .expect(201);
      const extraKey = await t.http().post(`/admin/agents/${agent.agentId}/keys`).set(admin()).send({}).expect(201);
      const bystander = await t.newAgent();
      const secrets = [agent.apiKey, second.body.api_key, extraKey.body.api_key];
      for (const key of secrets) expect(await whoamiStatus(key)).toBe(200);

      const del = await t.http().delete(`/admin/users/${agent.userId}`).set(admin());
      expect(del.status).toBe(204);
      expect(del.text).toBe('');

      for (const key of secrets) {
        const res = await t.http().get('/whoami').set('Authorization', `Bearer ${key}`);
        expectProblem(res, 401, 'unauthorized');
        expect(res.body.detail).toBe('Invalid API key');
      }
      expect(await whoamiStatus(bystander.apiKey)).toBe(200);

      const agentIds = [agent.agentId, second.body.id];
      expect(await t.db.query('SELECT id FROM users WHERE id = $1', [agent.userId])).toEqual([]);
      expect(await t.db.query('SELECT id FROM agents WHERE user_id = $1', [agent.userId])).toEqual([]);
      expect(await t.db.query('SELECT id FROM agents WHERE id = ANY($1::uuid[])', [agentIds])).toEqual([]);
      expect(await t.db.query('SELECT id FROM agent_keys WHERE agent_id = ANY($1::uuid[])', [agentIds])).toEqual([]);
      // The tenant's audit trail is erased with it.
      expect(await t.db.query('SELECT id FROM audit_events WHERE user_id = $1', [agent.userId])).toEqual([]);
      expect(await t.db.query('SELECT id FROM users WHERE id = $1', [bystander.userId])).toHaveLength(1);

      const listed = await t.http().get('/admin/users?limit=1000').set(admin()).expect(200);
      expect(listed.body.users.map((u: { id: string }) => u.id)).not.toContain(agent.userId);

      const again = await t.http().delete(`/admin/users/${agent.userId}`).set(admin());
      expectProblem(again, 404, 'not_found');
      expect(again.body.detail).toBe('User not found');
      const notUuid = await t.http().delete('/admin/users/abc').set(admin());
      expectProblem(notUuid, 422, 'validation_failed');

      // The name is free again.
      await t.http().post('/admin/users').set(admin()).send({ name: agent.userName }).expect(201);
    });
  });

  describe('admin authentication', () => {
    let victim: Awaited<ReturnType<TestApp['newAgent']>>;
    let routes: { method: 'get' | 'post' | 'delete'; path: string; body?: object }[];

    beforeAll(async () => {
      victim = await t.newAgent();
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
      ['a wrong admin token', () => ({ Authorization: `Bearer ${t.adminToken}x` }), 'Invalid admin token'],
      ['a token prefix', () => ({ Authorization: `Bearer ${t.adminToken.slice(0, -1)}` }), 'Invalid admin token'],
      ['an agent key as bearer', () => ({ Authorization: `Bearer ${victim.apiKey}` }), 'Invalid admin token'],
      [
        'an agent key as X-Api-Key',
        () => ({ 'X-Api-Key': victim.apiKey }),
        'Admin token required (Authorization: Bearer <MNEMO_ADMIN_TOKEN>)',
      ],
      [
        'the admin token as X-Api-Key',
        () => ({ 'X-Api-Key': t.adminToken }),
        'Admin token required (Authorization: Bearer <MNEMO_ADMIN_TOKEN>)',
      ],
      [
        'the admin token with another scheme',
        () => ({ Authorization: `Basic ${t.adminToken}` }),
        'Admin token required (Authorization: Bearer <MNEMO_ADMIN_TOKEN>)',
      ],
    ];

    it.each(credentials)('answers 401 problem on every admin route with %s', async (_label, headers, detail) => {
      const [{ n: usersBefore }] = await t.db.query('SELECT count(*)::int AS n FROM users');
      const [{ n: agentsBefore }] = await t.db.query('SELECT count(*)::int AS n FROM agents');
      const [{ n: keysBefore }] = await t.db.query('SELECT count(*)::int AS n FROM agent_keys');
      for (const route of routes) {
        let req = t.http()[route.method](route.path).set(headers());
        if (route.body) req = req.send(route.body);
        const res = await req;
        expectProblem(res, 401, 'unauthorized');
        expect(res.body.detail).toBe(detail);
        expect(res.body.instance).toBe(route.path);
        expect(res.text).not.toContain(t.adminToken);
        expect(res.text).not.toContain(victim.apiKey);
      }
      // Nothing happened.
      expect((await t.db.query('SELECT count(*)::int AS n FROM users'))[0].n).toBe(usersBefore);
      expect((await t.db.query('SELECT count(*)::int AS n FROM agents'))[0].n).toBe(agentsBefore);
      expect((await t.db.query('SELECT count(*)::int AS n FROM agent_keys'))[0].n).toBe(keysBefore);
      const [key] = await t.db.query('SELECT revoked_at FROM agent_keys WHERE id = $1', [victim.keyId]);
      expect(key.revoked_at).toBeNull();
      expect(await whoamiStatus(victim.apiKey)).toBe(200);
    });

    it('the admin token is not an agent key', async () => {
      const res = await t.http().get('/whoami').set('X-Api-Key', t.adminToken);
      expectProblem(res, 401, 'unauthorized');
      expect(res.body.detail).toBe('Invalid API key');
    });

    it('never writes the admin token to the log', () => {
      expect(t.logs.length).toBeGreaterThan(0);
      for (const line of t.logs) expect(line).not.toContain(t.adminToken);
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
      return t.db.query(
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
      const user = await t
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
      const agent = await t
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

      const key = await t
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

      await t
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

      await t
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

      await t
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
      await t.http().post('/admin/users').set(admin()).send({ name }).expect(201);
      await t.http().post('/admin/users').set(admin()).set('X-Request-ID', rid).send({ name }).expect(409);
      expect(await auditFor(rid)).toEqual([]);

      const okId = requestId('ok');
      await t.http().post('/admin/users').set(admin()).set('X-Request-ID', okId).send({ name: uniqueName('x') });
      const [row] = await t.db.query(
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
      await t.db.query('DROP TRIGGER IF EXISTS fail_audit_trigger ON audit_events');
      await t.db.query('DROP FUNCTION IF EXISTS fail_audit()');
    });

    async function failAuditOf(eventType: string): Promise<void> {
      await t.db.query(
        `CREATE FUNCTION fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit down'; END $$`,
      );
      await t.db.query(
        `CREATE TRIGGER fail_audit_trigger BEFORE INSERT ON audit_events FOR EACH ROW
           WHEN (NEW.event_type = '${eventType}') EXECUTE FUNCTION fail_audit()`,
      );
    }

    function expectInternalError(res: Response): void {
      expectProblem(res, 500, 'internal_error');
      expect(res.body.detail).toBe('Internal server error');
      expect(res.text).not.toContain('audit down');
      expect(res.text).not.toContain('fail_audit');
    }

    it('a failing AGENT_CREATE audit insert rolls the agent back (500, agent absent)', async () => {
      const user = (await createUser()).body;
      const name = uniqueName('doomed');
      const rid = requestId('doomed');
      await failAuditOf('AGENT_CREATE');

      const res = await t
        .http()
        .post(`/admin/users/${user.id}/agents`)
        .set(admin())
        .set('X-Request-ID', rid)
        .send({ name });
      expectInternalError(res);
      expect(res.body.request_id).toBe(rid);
      expect(res.body.instance).toBe(`/admin/users/${user.id}/agents`);

      expect(await t.db.query('SELECT id FROM agents WHERE lower(name) = $1', [name])).toEqual([]);
      expect(
        await t.db.query('SELECT k.id FROM agent_keys k JOIN agents a ON a.id = k.agent_id WHERE a.user_id = $1', [
          user.id,
        ]),
      ).toEqual([]);
      expect(await t.db.query('SELECT id FROM audit_events WHERE request_id = $1', [rid])).toEqual([]);
      const listed = await t.http().get(`/admin/users/${user.id}/agents`).set(admin()).expect(200);
      expect(listed.body).toEqual({ agents: [] });

      // The cause is in the log, tied to the request id.
      const logged = t.logs.filter((line) => line.includes(rid));
      expect(logged.length).toBeGreaterThan(0);
      expect(logged.some((line) => line.includes('audit down'))).toBe(true);

      await t.db.query('DROP TRIGGER fail_audit_trigger ON audit_events');
      const retry = await t.http().post(`/admin/users/${user.id}/agents`).set(admin()).send({ name }).expect(201);
      expect(retry.body.name).toBe(name);
    });

    it('a failing KEY_CREATE audit insert rolls back the whole agent creation', async () => {
      const user = (await createUser()).body;
      const name = uniqueName('doomed-key');
      await failAuditOf('KEY_CREATE');
      const res = await t.http().post(`/admin/users/${user.id}/agents`).set(admin()).send({ name });
      expectInternalError(res);
      expect(await t.db.query('SELECT id FROM agents WHERE user_id = $1', [user.id])).toEqual([]);
    });

    it('a failing audit insert rolls back user creation, key issue, key revocation and deletions', async () => {
      const agent = await t.newAgent();
      const [{ n: keysBefore }] = await t.db.query('SELECT count(*)::int AS n FROM agent_keys WHERE agent_id = $1', [
        agent.agentId,
      ]);

      await failAuditOf('USER_CREATE');
      const userName = uniqueName('doomed-user');
      expectInternalError(await t.http().post('/admin/users').set(admin()).send({ name: userName }));
      expect(await t.db.query('SELECT id FROM users WHERE name = $1', [userName])).toEqual([]);
      await t.db.query('DROP TRIGGER fail_audit_trigger ON audit_events');
      await t.db.query('DROP FUNCTION fail_audit()');

      await failAuditOf('KEY_CREATE');
      expectInternalError(await t.http().post(`/admin/agents/${agent.agentId}/keys`).set(admin()).send({}));
      const [{ n: keysAfter }] = await t.db.query('SELECT count(*)::int AS n FROM agent_keys WHERE agent_id = $1', [
        agent.agentId,
      ]);
      expect(keysAfter).toBe(keysBefore);
      await t.db.query('DROP TRIGGER fail_audit_trigger ON audit_events');
      await t.db.query('DROP FUNCTION fail_audit()');

      await failAuditOf('KEY_REVOKE');
      expect(await whoamiStatus(agent.apiKey)).toBe(200);
      expectInternalError(await t.http().delete(`/admin/agents/${agent.agentId}/keys/${agent.keyId}`).set(admin()));
      const [key] = await t.db.query('SELECT revoked_at FROM agent_keys WHERE id = $1', [agent.keyId]);
      expect(key.revoked_at).toBeNull();
      expect(await whoamiStatus(agent.apiKey)).toBe(200);
      await t.db.query('DROP TRIGGER fail_audit_trigger ON audit_events');
      await t.db.query('DROP FUNCTION fail_audit()');

      await failAuditOf('AGENT_DELETE');
      expectInternalError(await t.http().delete(`/admin/agents/${agent.agentId}`).set(admin()));
      expect(await t.db.query('SELECT id FROM agents WHERE id = $1', [agent.agentId])).toHaveLength(1);
      await t.db.query('DROP TRIGGER fail_audit_trigger ON audit_events');
      await t.db.query('DROP FUNCTION fail_audit()');

      await failAuditOf('USER_DELETE');
      expectInternalError(await t.http().delete(`/admin/users/${agent.userId}`).set(admin()));
      expect(await t.db.query('SELECT id FROM users WHERE id = $1', [agent.userId])).toHaveLength(1);
      expect(await t.db.query('SELECT id FROM agents WHERE id = $1', [agent.agentId])).toHaveLength(1);
      // The tenant's earlier audit trail survives the rolled-back erasure.
      const trail = await t.db.query('SELECT event_type FROM audit_events WHERE user_id = $1', [agent.userId]);
      expect(trail.map((r: { event_type: string }) => r.event_type)).toEqual(
        expect.arrayContaining(['USER_CREATE', 'AGENT_CREATE', 'KEY_CREATE']),
      );
    });
  });
});
