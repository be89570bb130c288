import { randomBytes, randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { CONFLICTING_CREDENTIALS } from '../src/common/auth/authenticator';
import { useFixtures } from './support/fixtures';
import { expectProblem } from './support/problems';
import { TestAgent, uniqueName } from './support/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The 401 details that say how to send the key. */
const KEY_REQUIRED = 'API key required: send it as X-Api-Key: <key> or Authorization: Bearer <key>';
const BEARER_EXPECTED = 'Authorization must be "Bearer <agent key>" (or send the key as X-Api-Key: <key>)';
const ADMIN_TOKEN_AS_AGENT_KEY =
  'This route takes an agent key, not the admin token: create an agent (POST /admin/users/{user}/agents) and send its key';

/** A 401 problem+json (code unauthorized, no field errors) with this detail. */
const expectUnauthorized = (res: Response, detail: string | RegExp) => expectProblem(res, 401, { detail, code: 'unauthorized', errors: false });

/** A string shaped like an agent key that was never issued. */
function forgedKey(): string {
  return `mnemo_ak_${randomBytes(32).toString('base64url')}`;
}

describe('agent authentication', () => {
  const ctx = useFixtures();
  let agent: TestAgent;

  beforeAll(async () => {
    agent = await ctx.newUser();
  });

  const expectedWhoami = () => ({
    agent: { id: agent.agentId, name: agent.agentName },
    user: { id: agent.userId, name: agent.userName, timezone: 'UTC' },
  });

  describe('GET /whoami', () => {
    it('answers 401 "API key required" without a key, saying how to send one', async () => {
      expectUnauthorized(await ctx.http().get('/whoami'), KEY_REQUIRED);
      expectUnauthorized(await ctx.http().get('/whoami').set('Authorization', 'Bearer'), BEARER_EXPECTED);
      expectUnauthorized(await ctx.http().get('/whoami').set('Authorization', 'Bearer   '), BEARER_EXPECTED);
      expectUnauthorized(
        await ctx.http().get('/whoami').set('Authorization', `Basic ${Buffer.from('a:b').toString('base64')}`),
        BEARER_EXPECTED,
      );
      expectUnauthorized(await ctx.http().get('/whoami').set('X-Api-Key', '   '), KEY_REQUIRED);
    });

    it('answers 401 "Invalid API key" for an unknown key', async () => {
      expectUnauthorized(await ctx.http().get('/whoami').set('X-Api-Key', forgedKey()), 'Invalid API key');
      expectUnauthorized(await ctx.http().get('/whoami').set('Authorization', `Bearer ${forgedKey()}`), 'Invalid API key');
      expectUnauthorized(await ctx.http().get('/whoami').set('X-Api-Key', 'x'), 'Invalid API key');
      expectUnauthorized(await ctx.http().get('/whoami').set('X-Api-Key', 'k'.repeat(5000)), 'Invalid API key');
      // Almost right is wrong.
      expectUnauthorized(await ctx.http().get('/whoami').set('X-Api-Key', agent.apiKey.slice(0, -1)), 'Invalid API key');
      expectUnauthorized(await ctx.http().get('/whoami').set('X-Api-Key', `${agent.apiKey}x`), 'Invalid API key');
      expectUnauthorized(await ctx.http().get('/whoami').set('X-Api-Key', agent.apiKey.toUpperCase()), 'Invalid API key');
      // The admin token is not an agent key, and the refusal says so.
      expectUnauthorized(await ctx.http().get('/whoami').set('Authorization', `Bearer ${ctx.adminToken}`), ADMIN_TOKEN_AS_AGENT_KEY);
      expectUnauthorized(await ctx.http().get('/whoami').set('X-Api-Key', ctx.adminToken), ADMIN_TOKEN_AS_AGENT_KEY);
    });

    it('accepts the key in X-Api-Key', async () => {
      const res = await ctx.http().get('/whoami').set('X-Api-Key', agent.apiKey).expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual(expectedWhoami());
    });

    it('accepts the key as Authorization: Bearer', async () => {
      const res = await ctx.http().get('/whoami').set('Authorization', `Bearer ${agent.apiKey}`).expect(200);
      expect(res.body).toEqual(expectedWhoami());
    });

    it('refuses different keys in X-Api-Key and Authorization (401, conflicting credentials), whichever is valid', async () => {
      const forged = forgedKey();
      const other = await ctx.newUser();
      for (const [apiKey, bearer] of [
        [forged, agent.apiKey],
        [agent.apiKey, forged],
        [agent.apiKey, other.apiKey],
      ]) {
        const res = await ctx.http().get('/whoami').set('X-Api-Key', apiKey).set('Authorization', `Bearer ${bearer}`);
        expectUnauthorized(res, CONFLICTING_CREDENTIALS);
        expect(res.text).not.toContain(apiKey);
        expect(res.text).not.toContain(bearer);
      }
    });

    it('accepts the same key in X-Api-Key and Authorization', async () => {
      const res = await ctx
        .http()
        .get('/whoami')
        .set('X-Api-Key', agent.apiKey)
        .set('Authorization', `Bearer ${agent.apiKey}`)
        .expect(200);
      expect(res.body).toEqual(expectedWhoami());
    });

    it('refuses ?agent_key= by default, even with a valid key, and does not echo the key', async () => {
      const res = await ctx.http().get(`/whoami?agent_key=${encodeURIComponent(agent.apiKey)}`);
      expectUnauthorized(res, /query string/);
      expect(res.body.instance).toBe('/whoami');
      expect(res.text).not.toContain(agent.apiKey);

      // Also when a valid header key is sent alongside it.
      const both = await ctx
        .http()
        .get(`/whoami?agent_key=${encodeURIComponent(agent.apiKey)}`)
        .set('X-Api-Key', agent.apiKey);
      expectUnauthorized(both, /query string/);
    });

    it('identifies each key with its own agent and user only', async () => {
      const a = await ctx.newUser({ timezone: 'America/Denver' });
      const b = await ctx.newUser({ timezone: 'Asia/Tokyo' });
      const a2 = await ctx
        .http()
        .post(`/admin/users/${a.userId}/agents`)
        .set('Authorization', `Bearer ${ctx.adminToken}`)
        .send({ name: uniqueName('second') })
        .expect(201);

      const whoA = await ctx.http().get('/whoami').set('X-Api-Key', a.apiKey).expect(200);
      expect(whoA.body).toEqual({
        agent: { id: a.agentId, name: a.agentName },
        user: { id: a.userId, name: a.userName, timezone: 'America/Denver' },
      });
      const whoB = await ctx.http().get('/whoami').set('Authorization', `Bearer ${b.apiKey}`).expect(200);
      expect(whoB.body).toEqual({
        agent: { id: b.agentId, name: b.agentName },
        user: { id: b.userId, name: b.userName, timezone: 'Asia/Tokyo' },
      });
      const whoA2 = await ctx.http().get('/whoami').set('X-Api-Key', a2.body.api_key).expect(200);
      expect(whoA2.body).toEqual({
        agent: { id: a2.body.id, name: a2.body.name },
        user: { id: a.userId, name: a.userName, timezone: 'America/Denver' },
      });
      // Interleaved again, so a cache cannot mix them up.
      expect((await ctx.http().get('/whoami').set('X-Api-Key', b.apiKey).expect(200)).body.user.id).toBe(b.userId);
      expect((await ctx.http().get('/whoami').set('X-Api-Key', a.apiKey).expect(200)).body.user.id).toBe(a.userId);

      // /time follows the caller's timezone.
      const timeA = await ctx.http().get('/time').set('X-Api-Key', a.apiKey).expect(200);
      expect(timeA.body.tz).toBe('America/Denver');
      const timeB = await ctx.http().get('/time').set('X-Api-Key', b.apiKey).expect(200);
      expect(timeB.body.tz).toBe('Asia/Tokyo');
    });

    it('a revoked key fails immediately', async () => {
      const fresh = await ctx.newUser();
      await ctx.http().get('/whoami').set('X-Api-Key', fresh.apiKey).expect(200);
      await ctx
        .http()
        .delete(`/admin/agents/${fresh.agentId}/keys/${fresh.keyId}`)
        .set('Authorization', `Bearer ${ctx.adminToken}`)
        .expect(204);
      expectUnauthorized(await ctx.http().get('/whoami').set('X-Api-Key', fresh.apiKey), 'Invalid API key');
      expectUnauthorized(
        await ctx.http().get('/whoami').set('Authorization', `Bearer ${fresh.apiKey}`),
        'Invalid API key',
      );
    });
  });

  describe('401 problem shape', () => {
    it('carries type, title, status, detail, instance, code and the request id', async () => {
      const rid = `auth-${randomUUID()}`;
      const res = await ctx.http().get('/whoami').set('X-Request-ID', rid);
      expectUnauthorized(res, KEY_REQUIRED);
      expect(res.headers['x-request-id']).toBe(rid);
      expect(res.body.request_id).toBe(rid);
      expect(res.body.instance).toBe('/whoami');
      expect(res.headers['cache-control']).toBe('no-store');

      const bad = await ctx.http().get('/whoami').set('X-Request-ID', 'not valid!').set('X-Api-Key', forgedKey());
      expectUnauthorized(bad, 'Invalid API key');
      expect(bad.body.request_id).toMatch(UUID);
      expect(bad.headers['x-request-id']).toBe(bad.body.request_id);
    });
  });

  describe('key use bookkeeping', () => {
    it('sets last_used_at on the key and last_seen_at on the agent', async () => {
      const fresh = await ctx.newUser();
      const admin = { Authorization: `Bearer ${ctx.adminToken}` };
      const unused = await ctx.http().post(`/admin/agents/${fresh.agentId}/keys`).set(admin).send({}).expect(201);

      const before = await ctx.http().get(`/admin/users/${fresh.userId}/agents`).set(admin).expect(200);
      expect(before.body.agents[0].last_seen_at).toBeNull();
      for (const k of before.body.agents[0].keys) expect(k.last_used_at).toBeNull();

      const start = Date.now();
      await ctx.http().get('/whoami').set('X-Api-Key', fresh.apiKey).expect(200);
      const end = Date.now();

      const after = await ctx.http().get(`/admin/users/${fresh.userId}/agents`).set(admin).expect(200);
      const listed = after.body.agents[0];
      expect(listed.id).toBe(fresh.agentId);
      expect(typeof listed.last_seen_at).toBe('string');
      const seen = Date.parse(listed.last_seen_at);
      expect(seen).toBeGreaterThanOrEqual(start - 5_000);
      expect(seen).toBeLessThanOrEqual(end + 5_000);

      const used = listed.keys.find((k: { id: string }) => k.id === fresh.keyId);
      expect(typeof used.last_used_at).toBe('string');
      const usedAt = Date.parse(used.last_used_at);
      expect(usedAt).toBeGreaterThanOrEqual(start - 5_000);
      expect(usedAt).toBeLessThanOrEqual(end + 5_000);

      const other = listed.keys.find((k: { id: string }) => k.id === unused.body.id);
      expect(other.last_used_at).toBeNull();
    });
  });

  describe('public routes', () => {
    it('GET /healthz needs no key', async () => {
      const res = await ctx.http().get('/healthz').expect(200);
      expect(res.text).toBe('{"status":"ok"}');
      await ctx.http().get('/healthz').set('X-Api-Key', forgedKey()).expect(200);
    });

    it('GET /healthz/live, /healthz/ready and /health need no key', async () => {
      expect((await ctx.http().get('/healthz/live').expect(200)).body).toEqual({ status: 'alive' });
      await ctx.http().get('/healthz/ready').expect(200);
      expect((await ctx.http().get('/health').expect(200)).body).toEqual({ status: 'ok', database: 'connected' });
    });

    it('GET /time needs no key (and ignores an invalid one)', async () => {
      const res = await ctx.http().get('/time').expect(200);
      expect(res.body.tz).toBe('UTC');
      expect(Object.keys(res.body).sort()).toEqual(['day', 'local', 'tz', 'unix', 'utc']);
      const withBad = await ctx.http().get('/time').set('X-Api-Key', forgedKey()).expect(200);
      expect(withBad.body.tz).toBe('UTC');
    });

    it('GET / needs no key', async () => {
      const res = await ctx.http().get('/').expect(200);
      expect(res.body.docs).toBe('/docs');
      expect(res.body.openapi).toBe('/docs-json');
      expect(Array.isArray(res.body.endpoints)).toBe(true);
      const whoami = res.body.endpoints.find((e: { path: string }) => e.path === '/whoami');
      expect(whoami).toBeDefined();
    });

    it('GET /docs-json needs no key', async () => {
      const res = await ctx.http().get('/docs-json').expect(200);
      expect(typeof res.body.openapi).toBe('string');
      expect(res.body.paths).toHaveProperty('/whoami');
    });
  });

  describe('logs', () => {
    it('never contain an agent key, however it was sent', async () => {
      const fresh = await ctx.newUser();
      const forged = forgedKey();
      const key = fresh.apiKey;
      const q = encodeURIComponent(key);

      await ctx.http().get('/whoami').set('X-Api-Key', key).expect(200);
      await ctx.http().get('/whoami').set('Authorization', `Bearer ${key}`).expect(200);
      await ctx.http().get(`/whoami?agent_key=${q}`).expect(401);
      await ctx.http().get(`/whoami?agent_key=${q}&x=1`).set('X-Api-Key', key).expect(401);
      await ctx.http().get(`/time?agent_key=${q}`).expect(200);
      await ctx.http().get(`/no-such-route?agent_key=${q}`).set('X-Api-Key', key).expect(404);
      await ctx.http().get('/whoami').set('X-Api-Key', forged).expect(401);
      await ctx.http().get(`/whoami?agent_key=${forged}`).expect(401);
      await ctx
        .http()
        .post('/admin/users')
        .set('Authorization', `Bearer ${ctx.adminToken}`)
        .set('Content-Type', 'application/json')
        .send(`{"name": "${key}",`)
        .expect(400);

      // The requests above were logged, so the check below is not vacuous.
      expect(ctx.logs.some((line) => line.includes('/whoami') && line.includes('"status":401'))).toBe(true);
      expect(ctx.logs.some((line) => line.includes('/no-such-route'))).toBe(true);
      for (const line of ctx.logs) {
        expect(line).not.toContain(key);
        expect(line).not.toContain(q);
        expect(line).not.toContain(forged);
      }
    });
  });
});

describe('agent authentication with MNEMO_ALLOW_QUERY_KEYS=true', () => {
  const ctx = useFixtures({ env: { MNEMO_ALLOW_QUERY_KEYS: 'true', LOG_LEVEL: 'trace' } });
  let agent: TestAgent;

  beforeAll(async () => {
    agent = await ctx.newUser();
  });

  it('accepts a valid ?agent_key=', async () => {
    const res = await ctx.http().get(`/whoami?agent_key=${encodeURIComponent(agent.apiKey)}`).expect(200);
    expect(res.body).toEqual({
      agent: { id: agent.agentId, name: agent.agentName },
      user: { id: agent.userId, name: agent.userName, timezone: 'UTC' },
    });
  });

  it('refuses an unknown ?agent_key= with 401 "Invalid API key"', async () => {
    const forged = forgedKey();
    const res = await ctx.http().get(`/whoami?agent_key=${forged}`);
    expectUnauthorized(res, 'Invalid API key');
    expect(res.body.instance).toBe('/whoami');
    expect(res.text).not.toContain(forged);
  });

  it('still accepts the headers, and still requires a key', async () => {
    await ctx.http().get('/whoami').set('X-Api-Key', agent.apiKey).expect(200);
    await ctx.http().get('/whoami').set('Authorization', `Bearer ${agent.apiKey}`).expect(200);
    expectUnauthorized(await ctx.http().get('/whoami'), KEY_REQUIRED);
    expectUnauthorized(await ctx.http().get('/whoami?agent_key='), KEY_REQUIRED);
  });

  it('refuses a ?agent_key= that differs from the header key (401, conflicting credentials); the same key is fine', async () => {
    const other = await ctx.newUser();
    const q = encodeURIComponent(other.apiKey);
    expectUnauthorized(await ctx.http().get(`/whoami?agent_key=${q}`).set('X-Api-Key', agent.apiKey), CONFLICTING_CREDENTIALS);
    expectUnauthorized(
      await ctx.http().get(`/whoami?agent_key=${q}`).set('Authorization', `Bearer ${agent.apiKey}`),
      CONFLICTING_CREDENTIALS,
    );
    const same = await ctx.http().get(`/whoami?agent_key=${q}`).set('X-Api-Key', other.apiKey).expect(200);
    expect(same.body.agent.id).toBe(other.agentId);
  });

  it('never logs a query-string key, even at LOG_LEVEL=trace', async () => {
    const q = encodeURIComponent(agent.apiKey);
    await ctx.http().get(`/whoami?agent_key=${q}`).expect(200);
    await ctx.http().get(`/time?agent_key=${q}&tz=UTC`).expect(200);
    await ctx.http().get(`/whoami?agent_key=${q}`).set('X-Api-Key', agent.apiKey).expect(200);
    await ctx.http().get(`/whoami?agent_key=${q}x`).expect(401);
    expect(ctx.logs.some((line) => line.includes('/whoami'))).toBe(true);
    for (const line of ctx.logs) {
      expect(line).not.toContain(agent.apiKey);
      expect(line).not.toContain(q);
    }
  });
});
