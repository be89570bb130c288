import { STATUS_CODES } from 'node:http';
import type { Response } from 'supertest';
import { startTestApp, TestApp, uniqueName } from './support/test-app';

/**
 * HTTP behaviour (issue 2, "Errors and HTTP behaviour"): the problem+json shape
 * of every error class, X-Request-ID, Cache-Control and CORS.
 */

const PROBLEM_KEYS = ['code', 'detail', 'instance', 'request_id', 'status', 'title', 'type'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Asserts an RFC 9457 problem response with exactly the documented keys; returns the body. */
function expectProblem(res: Response, status: number, code: string, instance: string): Record<string, unknown> {
  expect({ status: res.status, body: res.body }).toEqual({ status, body: expect.anything() });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json(;|$)/);
  const body = res.body as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(status === 422 ? [...PROBLEM_KEYS, 'errors'].sort() : PROBLEM_KEYS);
  expect(body.status).toBe(status);
  expect(body.code).toBe(code);
  expect(body.type).toBe(`urn:mnemo:problem:${code}`);
  expect(body.title).toBe(STATUS_CODES[status]);
  expect(typeof body.detail).toBe('string');
  expect((body.detail as string).length).toBeGreaterThan(0);
  expect(body.instance).toBe(instance);
  expect(typeof body.request_id).toBe('string');
  expect(body.request_id).toBe(res.headers['x-request-id']);
  return body;
}

/** A problem's `errors` list: only `{field, message}` string pairs. */
function fieldErrors(body: Record<string, unknown>): { field: string; message: string }[] {
  const errors = body.errors as { field: string; message: string }[];
  expect(Array.isArray(errors)).toBe(true);
  expect(errors.length).toBeGreaterThan(0);
  for (const e of errors) {
    expect(Object.keys(e).sort()).toEqual(['field', 'message']);
    expect(typeof e.field).toBe('string');
    expect(typeof e.message).toBe('string');
    expect(e.message.length).toBeGreaterThan(0);
  }
  return errors;
}

/** The structured request-log lines the app wrote for one request id. */
function logLinesFor(t: TestApp, requestId: string): Record<string, unknown>[] {
  return t.logs
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return undefined;
      }
    })
    .filter((l): l is Record<string, unknown> => l !== undefined && l.request_id === requestId);
}

/** JSON text of about `bytes` bytes that is a valid CreateUserDto apart from its size. */
function bigUserBody(bytes: number): string {
  return JSON.stringify({ name: uniqueName('big'), padding: 'x'.repeat(bytes) });
}

describe('HTTP behaviour', () => {
  let t: TestApp;
  let admin: { Authorization: string };

  beforeAll(async () => {
    t = await startTestApp();
    admin = { Authorization: `Bearer ${t.adminToken}` };
  });
  afterAll(() => t.close());

  describe('problem+json for each error class', () => {
    it('400: malformed JSON', async () => {
      const res = await t
        .http()
        .post('/admin/users')
        .set(admin)
        .set('Content-Type', 'application/json')
        .send('{bad');
      const body = expectProblem(res, 400, 'malformed_json', '/admin/users');
      expect(body.detail).toBe('Request body is not valid JSON');
      // The parser's own message (position, token) is not echoed.
      expect(res.text).not.toMatch(/Unexpected token|position|SyntaxError/i);
    });

    it('400: malformed JSON wins over a wrong or missing admin token (the body is parsed first)', async () => {
      const wrong = await t
        .http()
        .post('/admin/users')
        .set('Authorization', 'Bearer definitely-not-the-admin-token')
        .set('Content-Type', 'application/json')
        .send('{bad');
      expectProblem(wrong, 400, 'malformed_json', '/admin/users');
      const missing = await t.http().post('/admin/users').set('Content-Type', 'application/json').send('{"name":');
      expectProblem(missing, 400, 'malformed_json', '/admin/users');
    });

    it('401: missing agent key, invalid agent key, missing and wrong admin token', async () => {
      const noKey = await t.http().get('/whoami');
      expect(expectProblem(noKey, 401, 'unauthorized', '/whoami').detail).toBe('API key required');

      const badKey = await t.http().get('/whoami').set('X-Api-Key', 'mnemo_ak_not-a-real-key');
      expect(expectProblem(badKey, 401, 'unauthorized', '/whoami').detail).toBe('Invalid API key');

      const noToken = await t.http().get('/admin/users');
      expectProblem(noToken, 401, 'unauthorized', '/admin/users');

      const wrongToken = await t.http().get('/admin/users').set('Authorization', `Bearer ${t.adminToken}x`);
      expect(expectProblem(wrongToken, 401, 'unauthorized', '/admin/users').detail).toBe('Invalid admin token');

      // An agent key is not an admin token.
      const agent = await t.newAgent();
      const agentAsAdmin = await t.http().get('/admin/users').set('Authorization', `Bearer ${agent.apiKey}`);
      expectProblem(agentAsAdmin, 401, 'unauthorized', '/admin/users');
    });

    it('404: unknown route', async () => {
      const res = await t.http().get('/nope');
      expectProblem(res, 404, 'not_found', '/nope');

      const post = await t.http().post('/nope/deeper').set(admin).send({ a: 1 });
      expectProblem(post, 404, 'not_found', '/nope/deeper');
    });

    it('404: unknown id on a known route', async () => {
      const res = await t.http().delete('/admin/users/00000000-0000-4000-8000-000000000000').set(admin);
      const body = expectProblem(res, 404, 'not_found', '/admin/users/00000000-0000-4000-8000-000000000000');
      expect(body.detail).toBe('User not found');
    });

    it('instance is the path without the query string', async () => {
      const res = await t.http().get('/nope?x=1&y=2');
      expectProblem(res, 404, 'not_found', '/nope');

      const tz = await t.http().get('/time?tz=Mars/Base&foo=bar');
      expectProblem(tz, 422, 'validation_failed', '/time');

      const agents = await t.http().get('/admin/users/not-a-uuid/agents?limit=5').set(admin);
      expectProblem(agents, 422, 'validation_failed', '/admin/users/not-a-uuid/agents');
    });

    it('a problem never echoes the query string (it may hold an agent key)', async () => {
      const res = await t.http().get('/nope?agent_key=secret-value-123&x=1');
      expectProblem(res, 404, 'not_found', '/nope');
      expect(res.text).not.toContain('secret-value-123');
    });

    it('409: duplicate user name, with a safe message', async () => {
      const name = uniqueName('dup');
      await t.http().post('/admin/users').set(admin).send({ name }).expect(201);
      const res = await t.http().post('/admin/users').set(admin).send({ name });
      const body = expectProblem(res, 409, 'conflict', '/admin/users');
      expect(body.detail).toBe('A user with this name already exists');
      expect(res.text).not.toMatch(/duplicate key|users_name_key|constraint/i);

      // Names compare case-insensitively.
      const upper = await t.http().post('/admin/users').set(admin).send({ name: name.toUpperCase() });
      expectProblem(upper, 409, 'conflict', '/admin/users');
    });

    it('413: body over 1 MB', async () => {
      const res = await t
        .http()
        .post('/admin/users')
        .set(admin)
        .set('Content-Type', 'application/json')
        .set('X-Request-ID', 'too-large-1')
        .send(bigUserBody(1_100_000));
      const body = expectProblem(res, 413, 'payload_too_large', '/admin/users');
      expect(body.request_id).toBe('too-large-1');
      expect(res.headers['x-request-id']).toBe('too-large-1');
    });

    it('a body just under 1 MB is accepted (unknown fields ignored)', async () => {
      const res = await t
        .http()
        .post('/admin/users')
        .set(admin)
        .set('Content-Type', 'application/json')
        .send(bigUserBody(1_000_000));
      expect(res.status).toBe(201);
      expect(res.body).not.toHaveProperty('padding');
    });

    it('422: body validation lists every field error as {field, message}', async () => {
      const res = await t
        .http()
        .post('/admin/users')
        .set(admin)
        .send({ name: 'Not A Valid Name!', email: 'not-an-email', timezone: 'Mars/Base' });
      const body = expectProblem(res, 422, 'validation_failed', '/admin/users');
      const errors = fieldErrors(body);
      expect([...new Set(errors.map((e) => e.field))].sort()).toEqual(['email', 'name', 'timezone']);
    });

    it('422: a missing required field', async () => {
      const res = await t.http().post('/admin/users').set(admin).send({});
      const body = expectProblem(res, 422, 'validation_failed', '/admin/users');
      expect(fieldErrors(body).map((e) => e.field)).toContain('name');
    });

    it('422: a path parameter that is not a UUID', async () => {
      const res = await t.http().delete('/admin/users/not-a-uuid').set(admin);
      const body = expectProblem(res, 422, 'validation_failed', '/admin/users/not-a-uuid');
      expect(fieldErrors(body)).toEqual([{ field: 'id', message: expect.any(String) }]);
    });

    it('422: a query parameter out of range', async () => {
      const res = await t.http().get('/admin/users?limit=0').set(admin);
      const body = expectProblem(res, 422, 'validation_failed', '/admin/users');
      expect(fieldErrors(body).map((e) => e.field)).toContain('limit');
    });

    it('unknown body fields are ignored', async () => {
      const name = uniqueName('extra');
      const res = await t
        .http()
        .post('/admin/users')
        .set(admin)
        .send({ name, id: '00000000-0000-4000-8000-000000000000', is_admin: true, whatever: { a: 1 } })
        .expect(201);
      expect(res.body.name).toBe(name);
      expect(res.body.id).not.toBe('00000000-0000-4000-8000-000000000000');
      expect(res.body).not.toHaveProperty('is_admin');
      expect(res.body).not.toHaveProperty('whatever');
    });

    it('422 (not 500): a JSON array body to a DTO route', async () => {
      const res = await t
        .http()
        .post('/admin/users')
        .set(admin)
        .set('Content-Type', 'application/json')
        .send('[{"name":"x"}]');
      const body = expectProblem(res, 422, 'validation_failed', '/admin/users');
      expect(fieldErrors(body)).toEqual([{ field: 'body', message: expect.any(String) }]);
    });

    it('422 (not 500): a JSON string body to a DTO route', async () => {
      // `"just a string"` is well-formed JSON (RFC 8259), so it is a validation failure, not malformed JSON.
      const res = await t
        .http()
        .post('/admin/users')
        .set(admin)
        .set('Content-Type', 'application/json')
        .send('"just a string"');
      expect(res.status).not.toBe(500);
      const body = expectProblem(res, 422, 'validation_failed', '/admin/users');
      expect(fieldErrors(body)).toEqual([{ field: 'body', message: expect.any(String) }]);
    });

    it('422 (not 500): a JSON number body to a DTO route', async () => {
      const res = await t
        .http()
        .post('/admin/users/00000000-0000-4000-8000-000000000000/agents')
        .set(admin)
        .set('Content-Type', 'application/json')
        .send('42');
      expect(res.status).not.toBe(500);
      expectProblem(res, 422, 'validation_failed', '/admin/users/00000000-0000-4000-8000-000000000000/agents');
    });

    describe('422 (not 500): JSON that no validator could take safely', () => {
      /** `levels` nested arrays (or objects under "k") around 1, as JSON text: built without recursion. */
      const nestedJson = (levels: number, kind: 'array' | 'object') =>
        kind === 'array' ? '['.repeat(levels) + '1' + ']'.repeat(levels) : '{"k":'.repeat(levels) + '1' + '}'.repeat(levels);

      async function userCount(name: string): Promise<number> {
        const [row] = await t.db.query(`SELECT count(*)::int AS n FROM users WHERE name = $1`, [name]);
        return row.n as number;
      }

      function postUser(json: string) {
        return t.http().post('/admin/users').set(admin).set('Content-Type', 'application/json').send(json);
      }

      it.each([
        ['arrays', 'array'],
        ['objects', 'object'],
      ] as const)('a body nested thousands of levels deep in %s, in a known or an unknown field; nothing stored', async (_label, kind) => {
        for (const field of ['email', 'whatever']) {
          const name = uniqueName('deep');
          const res = await postUser(`{"name":"${name}","${field}":${nestedJson(5000, kind)}}`);
          const body = expectProblem(res, 422, 'validation_failed', '/admin/users');
          expect(fieldErrors(body)).toEqual([{ field, message: `${field} nests objects and arrays deeper than 64 levels` }]);
          expect(await userCount(name)).toBe(0);
        }
      });

      it('64 levels in all (the body is the first) are accepted; 65 are not', async () => {
        const accepted = uniqueName('deep');
        await postUser(`{"name":"${accepted}","whatever":${nestedJson(63, 'object')}}`).expect(201);
        const refused = uniqueName('deep');
        const res = await postUser(`{"name":"${refused}","whatever":${nestedJson(64, 'array')}}`);
        expectProblem(res, 422, 'validation_failed', '/admin/users');
        expect(await userCount(refused)).toBe(0);
      });

      it('a string or a key holding a lone UTF-16 surrogate (no UTF-8 form); nothing stored', async () => {
        const name = uniqueName('lone');
        for (const [json, field, message] of [
          [`{"name":"${name}","email":"a\\ud800@example.com"}`, 'email', 'email must be valid Unicode text (it holds a lone surrogate)'],
          [`{"name":"${name}","timezone":"x\\udc00"}`, 'timezone', 'timezone must be valid Unicode text (it holds a lone surrogate)'],
          [`{"name":"${name}","whatever":{"list":["ok","\\udfff"]}}`, 'whatever.list.1', 'whatever.list.1 must be valid Unicode text (it holds a lone surrogate)'],
          [`{"name":"${name}","whatever":{"\\ud83dk":1}}`, 'whatever', 'whatever holds a key that is not valid Unicode text (a lone surrogate)'],
        ]) {
          const res = await postUser(json);
          const body = expectProblem(res, 422, 'validation_failed', '/admin/users');
          expect({ json, errors: fieldErrors(body) }).toEqual({ json, errors: [{ field, message }] });
        }
        expect(await userCount(name)).toBe(0);
        // A surrogate pair is a character like any other.
        await postUser(`{"name":"${name}","whatever":{"\\ud83d\\ude00":"\\ud83d\\ude00"}}`).expect(201);
      });
    });

    it('500: an unexpected failure says only "Internal server error"; the cause is in the log', async () => {
      const requestId = `boom-${Date.now()}`;
      await t.db.query('ALTER TABLE users RENAME TO users_gone');
      let res: Response;
      try {
        res = await t.http().get('/admin/users').set(admin).set('X-Request-ID', requestId);
      } finally {
        await t.db.query('ALTER TABLE users_gone RENAME TO users');
      }
      const body = expectProblem(res, 500, 'internal_error', '/admin/users');
      expect(body.detail).toBe('Internal server error');
      expect(body.request_id).toBe(requestId);
      // Nothing of the database's error reaches the client.
      expect(res.text).not.toMatch(/relation|does not exist|users_gone|SELECT|FROM|QueryFailed|stack|at \w+ \(/i);

      // The cause is logged, with this request's id.
      const lines = logLinesFor(t, requestId);
      expect(lines.length).toBeGreaterThan(0);
      const logged = lines.find((l) => (l.res as { status?: number } | undefined)?.status === 500);
      expect(logged).toBeDefined();
      expect(logged?.level).toBe(50); // pino "error"
      expect(logged?.req).toEqual({ method: 'GET', path: '/admin/users' });
      expect((logged?.err as { message?: string } | undefined)?.message).toBe('relation "users" does not exist');

      // And the service recovers once the table is back.
      await t.http().get('/admin/users').set(admin).expect(200);
    });
  });

  describe('X-Request-ID', () => {
    it('a valid client value is echoed in the header and the problem body', async () => {
      const ok = await t.http().get('/healthz').set('X-Request-ID', 'abc-123:x.y').expect(200);
      expect(ok.headers['x-request-id']).toBe('abc-123:x.y');

      const problem = await t.http().get('/nope').set('X-Request-ID', 'abc-123:x.y');
      expect(expectProblem(problem, 404, 'not_found', '/nope').request_id).toBe('abc-123:x.y');
    });

    it('a value of exactly 128 allowed characters is kept', async () => {
      const id = `${'A1._:-'.repeat(21)}zz`;
      expect(id).toHaveLength(128);
      const res = await t.http().get('/healthz').set('X-Request-ID', id).expect(200);
      expect(res.headers['x-request-id']).toBe(id);
    });

    it.each([
      ['too long (129 chars)', 'a'.repeat(129)],
      ['with a space', 'abc def'],
      ['with a slash', 'abc/def'],
      ['with a quote', 'abc"def'],
      ['with a semicolon', 'abc;def'],
    ])('an invalid value (%s) is replaced by a generated UUID', async (_label, value) => {
      const ok = await t.http().get('/healthz').set('X-Request-ID', value).expect(200);
      expect(ok.headers['x-request-id']).toMatch(UUID);
      expect(ok.headers['x-request-id']).not.toBe(value);

      const problem = await t.http().get('/nope').set('X-Request-ID', value);
      const body = expectProblem(problem, 404, 'not_found', '/nope');
      expect(body.request_id).toMatch(UUID);
      expect(problem.text).not.toContain(value);
    });

    it('a request without it gets a fresh UUID each time', async () => {
      const a = await t.http().get('/healthz').expect(200);
      const b = await t.http().get('/healthz').expect(200);
      expect(a.headers['x-request-id']).toMatch(UUID);
      expect(b.headers['x-request-id']).toMatch(UUID);
      expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
    });

    it('every response carries it: 200, 201, 400, 401, 404, 413, 422', async () => {
      const responses: [number, Response][] = [
        [200, await t.http().get('/healthz')],
        [200, await t.http().get('/admin/users').set(admin)],
        [201, await t.http().post('/admin/users').set(admin).send({ name: uniqueName('rid') })],
        [
          400,
          await t.http().post('/admin/users').set(admin).set('Content-Type', 'application/json').send('{bad'),
        ],
        [401, await t.http().get('/whoami')],
        [404, await t.http().get('/nope')],
        [
          413,
          await t
            .http()
            .post('/admin/users')
            .set(admin)
            .set('Content-Type', 'application/json')
            .send(bigUserBody(1_100_000)),
        ],
        [422, await t.http().post('/admin/users').set(admin).send({ name: '!!' })],
      ];
      for (const [status, res] of responses) {
        expect({ expected: status, status: res.status }).toEqual({ expected: status, status });
        expect(res.headers['x-request-id']).toMatch(UUID);
        if (status >= 400) expect(res.body.request_id).toBe(res.headers['x-request-id']);
      }
    });

    it('the request log line carries the id, method, path (no query), status, duration and agent', async () => {
      const agent = await t.newAgent();
      await t
        .http()
        .get('/whoami?x=secret-query')
        .set('X-Api-Key', agent.apiKey)
        .set('X-Request-ID', 'log-line-1')
        .expect(200);
      const lines = logLinesFor(t, 'log-line-1');
      const line = lines.find((l) => (l.res as { status?: number } | undefined)?.status === 200);
      expect(line).toBeDefined();
      expect(line?.req).toEqual({ method: 'GET', path: '/whoami' });
      expect(typeof line?.duration_ms).toBe('number');
      expect(line?.agent).toBe(agent.agentName);
      const all = lines.map((l) => JSON.stringify(l)).join('\n');
      expect(all).not.toContain('secret-query');
      expect(all).not.toContain(agent.apiKey);
    });
  });

  describe('Cache-Control', () => {
    it('API responses carry Cache-Control: no-store, errors included', async () => {
      const agent = await t.newAgent();
      const responses = [
        await t.http().get('/healthz'),
        await t.http().get('/time'),
        await t.http().get('/whoami').set('X-Api-Key', agent.apiKey),
        await t.http().get('/admin/users').set(admin),
        await t.http().post('/admin/users').set(admin).send({ name: uniqueName('cache') }),
        await t.http().get('/whoami'),
        await t.http().get('/nope'),
        await t.http().post('/admin/users').set(admin).set('Content-Type', 'application/json').send('{bad'),
        await t.http().post('/admin/users').set(admin).send({}),
      ];
      expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 201, 401, 404, 400, 422]);
      for (const res of responses) expect(res.headers['cache-control']).toBe('no-store');
    });
  });

  describe('CORS without CORS_ORIGINS', () => {
    it('sends no CORS headers', async () => {
      const get = await t.http().get('/healthz').set('Origin', 'https://app.example.com').expect(200);
      expect(get.headers['access-control-allow-origin']).toBeUndefined();
      expect(get.headers['access-control-expose-headers']).toBeUndefined();

      const preflight = await t
        .http()
        .options('/whoami')
        .set('Origin', 'https://app.example.com')
        .set('Access-Control-Request-Method', 'GET');
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
    });
  });
});

describe('CORS with CORS_ORIGINS', () => {
  const allowed = 'https://app.example.com';
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ CORS_ORIGINS: `${allowed}, https://other.example.org` });
  });
  afterAll(() => t.close());

  it('answers a preflight from a listed origin', async () => {
    const res = await t
      .http()
      .options('/whoami')
      .set('Origin', allowed)
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'X-Api-Key, X-Request-ID');
    expect(res.status).toBeGreaterThanOrEqual(200);
    expect(res.status).toBeLessThan(300);
    expect(res.headers['access-control-allow-origin']).toBe(allowed);
    expect(res.headers['access-control-allow-methods']).toMatch(/GET/);
    const allowHeaders = String(res.headers['access-control-allow-headers']).toLowerCase();
    expect(allowHeaders).toContain('x-api-key');
    expect(allowHeaders).toContain('x-request-id');
    expect(allowHeaders).toContain('authorization');
  });

  it('a GET from a listed origin gets Allow-Origin and exposes X-Request-ID', async () => {
    for (const origin of [allowed, 'https://other.example.org']) {
      const res = await t.http().get('/healthz').set('Origin', origin).expect(200);
      expect(res.headers['access-control-allow-origin']).toBe(origin);
      const exposed = String(res.headers['access-control-expose-headers'])
        .split(',')
        .map((h) => h.trim().toLowerCase());
      expect(exposed).toContain('x-request-id');
    }
  });

  it('error responses to a listed origin carry the CORS headers too', async () => {
    const res = await t.http().get('/whoami').set('Origin', allowed);
    expectProblem(res, 401, 'unauthorized', '/whoami');
    expect(res.headers['access-control-allow-origin']).toBe(allowed);
    expect(String(res.headers['access-control-expose-headers']).toLowerCase()).toContain('x-request-id');
  });

  it('an unlisted origin gets no Allow-Origin header', async () => {
    const get = await t.http().get('/healthz').set('Origin', 'https://evil.example.net').expect(200);
    expect(get.headers['access-control-allow-origin']).toBeUndefined();

    const preflight = await t
      .http()
      .options('/whoami')
      .set('Origin', 'https://evil.example.net')
      .set('Access-Control-Request-Method', 'GET');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();

    // A look-alike of a listed origin is not listed.
    const lookalike = await t.http().get('/healthz').set('Origin', 'https://app.example.com.evil.net').expect(200);
    expect(lookalike.headers['access-control-allow-origin']).toBeUndefined();
  });
});
