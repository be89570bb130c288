import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { expectProblem } from './support/problems';
import { useFixtures } from './support/fixtures';
import { TestApp, uniqueName } from './support/test-app';

/**
 * HTTP behaviour (issue 2, "Errors and HTTP behaviour"): the problem+json shape
 * of every error class, X-Request-ID, Cache-Control and CORS.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
  const ctx = useFixtures();
  let admin: { Authorization: string };

  beforeAll(() => {
    admin = { Authorization: `Bearer ${ctx.adminToken}` };
  });

  describe('problem+json for each error class', () => {
    it('400: malformed JSON', async () => {
      const res = await ctx
        .http()
        .post('/admin/users')
        .set(admin)
        .set('Content-Type', 'application/json')
        .send('{bad');
      const body = expectProblem(res, 400, { code: 'malformed_json', instance: '/admin/users' });
      expect(body.detail).toBe('Request body is not valid JSON');
      // The parser's own message (position, token) is not echoed.
      expect(res.text).not.toMatch(/Unexpected token|position|SyntaxError/i);
    });

    it('400: malformed JSON wins over a wrong or missing admin token (the body is parsed first)', async () => {
      const wrong = await ctx
        .http()
        .post('/admin/users')
        .set('Authorization', 'Bearer definitely-not-the-admin-token')
        .set('Content-Type', 'application/json')
        .send('{bad');
      expectProblem(wrong, 400, { code: 'malformed_json', instance: '/admin/users' });
      const missing = await ctx.http().post('/admin/users').set('Content-Type', 'application/json').send('{"name":');
      expectProblem(missing, 400, { code: 'malformed_json', instance: '/admin/users' });
    });

    it('401: missing agent key, invalid agent key, missing and wrong admin token', async () => {
      const noKey = await ctx.http().get('/whoami');
      expect(expectProblem(noKey, 401, { code: 'unauthorized', instance: '/whoami' }).detail).toBe(
        'API key required: send it as X-Api-Key: <key> or Authorization: Bearer <key>',
      );

      const badKey = await ctx.http().get('/whoami').set('X-Api-Key', 'mnemo_ak_not-a-real-key');
      expect(expectProblem(badKey, 401, { code: 'unauthorized', instance: '/whoami' }).detail).toBe('Invalid API key');

      const noToken = await ctx.http().get('/admin/users');
      expectProblem(noToken, 401, { code: 'unauthorized', instance: '/admin/users' });

      const wrongToken = await ctx.http().get('/admin/users').set('Authorization', `Bearer ${ctx.adminToken}x`);
      expect(expectProblem(wrongToken, 401, { code: 'unauthorized', instance: '/admin/users' }).detail).toBe('Invalid admin token');

      // An agent key is not an admin token.
      const agent = await ctx.newUser();
      const agentAsAdmin = await ctx.http().get('/admin/users').set('Authorization', `Bearer ${agent.apiKey}`);
      expectProblem(agentAsAdmin, 401, { code: 'unauthorized', instance: '/admin/users' });
    });

    it('404: unknown route', async () => {
      const res = await ctx.http().get('/nope');
      expectProblem(res, 404, { code: 'not_found', instance: '/nope' });

      const post = await ctx.http().post('/nope/deeper').set(admin).send({ a: 1 });
      expectProblem(post, 404, { code: 'not_found', instance: '/nope/deeper' });
    });

    it('404: unknown id on a known route', async () => {
      const res = await ctx.http().delete('/admin/users/00000000-0000-4000-8000-000000000000').set(admin);
      const body = expectProblem(res, 404, { code: 'not_found', instance: '/admin/users/00000000-0000-4000-8000-000000000000' });
      expect(body.detail).toBe('User not found');
    });

    it('instance is the path without the query string', async () => {
      const res = await ctx.http().get('/nope?x=1&y=2');
      expectProblem(res, 404, { code: 'not_found', instance: '/nope' });

      const tz = await ctx.http().get('/time?tz=Mars/Base&foo=bar');
      expectProblem(tz, 422, { code: 'validation_failed', instance: '/time', errors: true });

      const agents = await ctx.http().get('/admin/users/not.a.name/agents?limit=5').set(admin);
      expectProblem(agents, 422, { code: 'validation_failed', instance: '/admin/users/not.a.name/agents', errors: true });
    });

    it('a problem never echoes the query string (it may hold an agent key)', async () => {
      const res = await ctx.http().get('/nope?agent_key=secret-value-123&x=1');
      expectProblem(res, 404, { code: 'not_found', instance: '/nope' });
      expect(res.text).not.toContain('secret-value-123');
    });

    it('409: duplicate user name, with a safe message', async () => {
      const name = uniqueName('dup');
      await ctx.http().post('/admin/users').set(admin).send({ name }).expect(201);
      const res = await ctx.http().post('/admin/users').set(admin).send({ name });
      const body = expectProblem(res, 409, { code: 'conflict', instance: '/admin/users' });
      expect(body.detail).toBe('A user with this name already exists');
      expect(res.text).not.toMatch(/duplicate key|users_name_key|constraint/i);

      // Names compare case-insensitively.
      const upper = await ctx.http().post('/admin/users').set(admin).send({ name: name.toUpperCase() });
      expectProblem(upper, 409, { code: 'conflict', instance: '/admin/users' });
    });

    it('413: body over 1 MB', async () => {
      const res = await ctx
        .http()
        .post('/admin/users')
        .set(admin)
        .set('Content-Type', 'application/json')
        .set('X-Request-ID', 'too-large-1')
        .send(bigUserBody(1_100_000));
      const body = expectProblem(res, 413, { code: 'payload_too_large', instance: '/admin/users' });
      expect(body.request_id).toBe('too-large-1');
      expect(res.headers['x-request-id']).toBe('too-large-1');
    });

    it('a body just under 1 MB is accepted (padded with JSON whitespace: unknown fields are refused)', async () => {
      const name = uniqueName('big');
      const res = await ctx
        .http()
        .post('/admin/users')
        .set(admin)
        .set('Content-Type', 'application/json')
        .send(`{"name":"${name}"${' '.repeat(1_000_000)}}`);
      expect(res.status).toBe(201);
      expect(res.body.name).toBe(name);
    });

    it('422: body validation lists every field error as {field, message}', async () => {
      const res = await ctx
        .http()
        .post('/admin/users')
        .set(admin)
        .send({ name: 'Not A Valid Name!', email: 'not-an-email', timezone: 'Mars/Base' });
      const body = expectProblem(res, 422, { code: 'validation_failed', instance: '/admin/users', errors: true });
      const errors = fieldErrors(body);
      expect([...new Set(errors.map((e) => e.field))].sort()).toEqual(['email', 'name', 'timezone']);
    });

    it('422: a missing required field', async () => {
      const res = await ctx.http().post('/admin/users').set(admin).send({});
      const body = expectProblem(res, 422, { code: 'validation_failed', instance: '/admin/users', errors: true });
      expect(fieldErrors(body)).toEqual([{ field: 'name', message: 'name is required' }]);
    });

    it('422: a path parameter that is not a UUID', async () => {
      const path = `/admin/agents/${randomUUID()}/keys/not-a-uuid`;
      const res = await ctx.http().delete(path).set(admin);
      const body = expectProblem(res, 422, { code: 'validation_failed', instance: path, errors: true });
      expect(fieldErrors(body)).toEqual([{ field: 'keyId', message: 'keyId must be a UUID' }]);
    });

    it('422: a query parameter out of range', async () => {
      const res = await ctx.http().get('/admin/users?limit=0').set(admin);
      const body = expectProblem(res, 422, { code: 'validation_failed', instance: '/admin/users', errors: true });
      expect(fieldErrors(body).map((e) => e.field)).toContain('limit');
    });

    it('unknown body fields are refused: a 422 naming each one; nothing stored', async () => {
      const name = uniqueName('extra');
      const res = await ctx
        .http()
        .post('/admin/users')
        .set(admin)
        .send({ name, id: '00000000-0000-4000-8000-000000000000', is_admin: true, whatever: { a: 1 } });
      const body = expectProblem(res, 422, { code: 'validation_failed', instance: '/admin/users', errors: true });
      expect(fieldErrors(body)).toEqual([
        { field: 'id', message: 'id is not a known field' },
        { field: 'is_admin', message: 'is_admin is not a known field' },
        { field: 'whatever', message: 'whatever is not a known field' },
      ]);
      const [row] = await ctx.db.query(`SELECT count(*)::int AS n FROM users WHERE name = $1`, [name]);
      expect(row.n).toBe(0);
    });

    it('422 (not 500): a JSON array body to a DTO route', async () => {
      const res = await ctx
        .http()
        .post('/admin/users')
        .set(admin)
        .set('Content-Type', 'application/json')
        .send('[{"name":"x"}]');
      const body = expectProblem(res, 422, { code: 'validation_failed', instance: '/admin/users', errors: true });
      expect(fieldErrors(body)).toEqual([{ field: 'body', message: expect.any(String) }]);
    });

    it('422 (not 500): a JSON string body to a DTO route', async () => {
      // `"just a string"` is well-formed JSON (RFC 8259), so it is a validation failure, not malformed JSON.
      const res = await ctx
        .http()
        .post('/admin/users')
        .set(admin)
        .set('Content-Type', 'application/json')
        .send('"just a string"');
      expect(res.status).not.toBe(500);
      const body = expectProblem(res, 422, { code: 'validation_failed', instance: '/admin/users', errors: true });
      expect(fieldErrors(body)).toEqual([{ field: 'body', message: expect.any(String) }]);
    });

    it('422 (not 500): a JSON number body to a DTO route', async () => {
      const res = await ctx
        .http()
        .post('/admin/users/00000000-0000-4000-8000-000000000000/agents')
        .set(admin)
        .set('Content-Type', 'application/json')
        .send('42');
      expect(res.status).not.toBe(500);
      expectProblem(res, 422, { code: 'validation_failed', instance: '/admin/users/00000000-0000-4000-8000-000000000000/agents', errors: true });
    });

    describe('422 (not 500): JSON that no validator could take safely', () => {
      /** `levels` nested arrays (or objects under "k") around 1, as JSON text: built without recursion. */
      const nestedJson = (levels: number, kind: 'array' | 'object') =>
        kind === 'array' ? '['.repeat(levels) + '1' + ']'.repeat(levels) : '{"k":'.repeat(levels) + '1' + '}'.repeat(levels);

      async function userCount(name: string): Promise<number> {
        const [row] = await ctx.db.query(`SELECT count(*)::int AS n FROM users WHERE name = $1`, [name]);
        return row.n as number;
      }

      function postUser(json: string) {
        return ctx.http().post('/admin/users').set(admin).set('Content-Type', 'application/json').send(json);
      }

      it.each([
        ['arrays', 'array'],
        ['objects', 'object'],
      ] as const)('a body nested thousands of levels deep in %s, in a known or an unknown field; nothing stored', async (_label, kind) => {
        for (const field of ['email', 'whatever']) {
          const name = uniqueName('deep');
          const res = await postUser(`{"name":"${name}","${field}":${nestedJson(5000, kind)}}`);
          const body = expectProblem(res, 422, { code: 'validation_failed', instance: '/admin/users', errors: true });
          expect(fieldErrors(body)).toEqual([{ field, message: `${field} nests objects and arrays deeper than 64 levels` }]);
          expect(await userCount(name)).toBe(0);
        }
      });

      it('64 levels in all (the body is the first) pass the depth check; 65 are not', async () => {
        // No field of this body takes nested JSON, so the 64 levels meet only the unknown-field refusal.
        const passed = uniqueName('deep');
        const within = await postUser(`{"name":"${passed}","whatever":${nestedJson(63, 'object')}}`);
        const withinBody = expectProblem(within, 422, { code: 'validation_failed', instance: '/admin/users', errors: true });
        expect(fieldErrors(withinBody)).toEqual([{ field: 'whatever', message: 'whatever is not a known field' }]);
        const refused = uniqueName('deep');
        const res = await postUser(`{"name":"${refused}","whatever":${nestedJson(64, 'array')}}`);
        const body = expectProblem(res, 422, { code: 'validation_failed', instance: '/admin/users', errors: true });
        expect(fieldErrors(body)).toEqual([{ field: 'whatever', message: 'whatever nests objects and arrays deeper than 64 levels' }]);
        expect(await userCount(passed)).toBe(0);
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
          const body = expectProblem(res, 422, { code: 'validation_failed', instance: '/admin/users', errors: true });
          expect({ json, errors: fieldErrors(body) }).toEqual({ json, errors: [{ field, message }] });
        }
        expect(await userCount(name)).toBe(0);
        // A surrogate pair is a character like any other: the only refusal left is the unknown field.
        const pair = await postUser(`{"name":"${name}","whatever":{"\\ud83d\\ude00":"\\ud83d\\ude00"}}`);
        const pairBody = expectProblem(pair, 422, { code: 'validation_failed', instance: '/admin/users', errors: true });
        expect(fieldErrors(pairBody)).toEqual([{ field: 'whatever', message: 'whatever is not a known field' }]);
      });
    });

    it('500: an unexpected failure says only "Internal server error"; the cause is in the log', async () => {
      const requestId = `boom-${Date.now()}`;
      await ctx.db.query('ALTER TABLE users RENAME TO users_gone');
      let res: Response;
      try {
        res = await ctx.http().get('/admin/users').set(admin).set('X-Request-ID', requestId);
      } finally {
        await ctx.db.query('ALTER TABLE users_gone RENAME TO users');
      }
      const body = expectProblem(res, 500, { code: 'internal_error', instance: '/admin/users' });
      expect(body.detail).toBe('Internal server error');
      expect(body.request_id).toBe(requestId);
      // Nothing of the database's error reaches the client.
      expect(res.text).not.toMatch(/relation|does not exist|users_gone|SELECT|FROM|QueryFailed|stack|at \w+ \(/i);

      // The cause is logged, with this request's id.
      const lines = logLinesFor(ctx.app, requestId);
      expect(lines.length).toBeGreaterThan(0);
      const logged = lines.find((l) => (l.res as { status?: number } | undefined)?.status === 500);
      expect(logged).toBeDefined();
      expect(logged?.level).toBe(50); // pino "error"
      expect(logged?.req).toEqual({ method: 'GET', path: '/admin/users' });
      expect((logged?.err as { message?: string } | undefined)?.message).toBe('relation "users" does not exist');

      // And the service recovers once the table is back.
      await ctx.http().get('/admin/users').set(admin).expect(200);
    });
  });

  describe('X-Request-ID', () => {
    it('a valid client value is echoed in the header and the problem body', async () => {
      const ok = await ctx.http().get('/healthz').set('X-Request-ID', 'abc-123:x.y').expect(200);
      expect(ok.headers['x-request-id']).toBe('abc-123:x.y');

      const problem = await ctx.http().get('/nope').set('X-Request-ID', 'abc-123:x.y');
      expect(expectProblem(problem, 404, { code: 'not_found', instance: '/nope' }).request_id).toBe('abc-123:x.y');
    });

    it('a value of exactly 128 allowed characters is kept', async () => {
      const id = `${'A1._:-'.repeat(21)}zz`;
      expect(id).toHaveLength(128);
      const res = await ctx.http().get('/healthz').set('X-Request-ID', id).expect(200);
      expect(res.headers['x-request-id']).toBe(id);
    });

    it.each([
      ['too long (129 chars)', 'a'.repeat(129)],
      ['with a space', 'abc def'],
      ['with a slash', 'abc/def'],
      ['with a quote', 'abc"def'],
      ['with a semicolon', 'abc;def'],
    ])('an invalid value (%s) is replaced by a generated UUID', async (_label, value) => {
      const ok = await ctx.http().get('/healthz').set('X-Request-ID', value).expect(200);
      expect(ok.headers['x-request-id']).toMatch(UUID);
      expect(ok.headers['x-request-id']).not.toBe(value);

      const problem = await ctx.http().get('/nope').set('X-Request-ID', value);
      const body = expectProblem(problem, 404, { code: 'not_found', instance: '/nope' });
      expect(body.request_id).toMatch(UUID);
      expect(problem.text).not.toContain(value);
    });

    it('a request without it gets a fresh UUID each time', async () => {
      const a = await ctx.http().get('/healthz').expect(200);
      const b = await ctx.http().get('/healthz').expect(200);
      expect(a.headers['x-request-id']).toMatch(UUID);
      expect(b.headers['x-request-id']).toMatch(UUID);
      expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
    });

    it('every response carries it: 200, 201, 400, 401, 404, 413, 422', async () => {
      const responses: [number, Response][] = [
        [200, await ctx.http().get('/healthz')],
        [200, await ctx.http().get('/admin/users').set(admin)],
        [201, await ctx.http().post('/admin/users').set(admin).send({ name: uniqueName('rid') })],
        [
          400,
          await ctx.http().post('/admin/users').set(admin).set('Content-Type', 'application/json').send('{bad'),
        ],
        [401, await ctx.http().get('/whoami')],
        [404, await ctx.http().get('/nope')],
        [
          413,
          await ctx
            .http()
            .post('/admin/users')
            .set(admin)
            .set('Content-Type', 'application/json')
            .send(bigUserBody(1_100_000)),
        ],
        [422, await ctx.http().post('/admin/users').set(admin).send({ name: '!!' })],
      ];
      for (const [status, res] of responses) {
        expect({ expected: status, status: res.status }).toEqual({ expected: status, status });
        expect(res.headers['x-request-id']).toMatch(UUID);
        if (status >= 400) expect(res.body.request_id).toBe(res.headers['x-request-id']);
      }
    });

    it('the request log line carries the id, method, path (no query), status, duration and agent', async () => {
      const agent = await ctx.newUser();
      await ctx
        .http()
        .get('/whoami?x=secret-query')
        .set('X-Api-Key', agent.apiKey)
        .set('X-Request-ID', 'log-line-1')
        .expect(200);
      const lines = logLinesFor(ctx.app, 'log-line-1');
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
      const agent = await ctx.newUser();
      const responses = [
        await ctx.http().get('/healthz'),
        await ctx.http().get('/time'),
        await ctx.http().get('/whoami').set('X-Api-Key', agent.apiKey),
        await ctx.http().get('/admin/users').set(admin),
        await ctx.http().post('/admin/users').set(admin).send({ name: uniqueName('cache') }),
        await ctx.http().get('/whoami'),
        await ctx.http().get('/nope'),
        await ctx.http().post('/admin/users').set(admin).set('Content-Type', 'application/json').send('{bad'),
        await ctx.http().post('/admin/users').set(admin).send({}),
      ];
      expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 201, 401, 404, 400, 422]);
      for (const res of responses) expect(res.headers['cache-control']).toBe('no-store');
    });
  });

  describe('CORS without CORS_ORIGINS', () => {
    it('sends no CORS headers', async () => {
      const get = await ctx.http().get('/healthz').set('Origin', 'https://app.example.com').expect(200);
      expect(get.headers['access-control-allow-origin']).toBeUndefined();
      expect(get.headers['access-control-expose-headers']).toBeUndefined();

      const preflight = await ctx
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
  const ctx = useFixtures({ env: { CORS_ORIGINS: `${allowed}, https://other.example.org` } });

  it('answers a preflight from a listed origin', async () => {
    const res = await ctx
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
      const res = await ctx.http().get('/healthz').set('Origin', origin).expect(200);
      expect(res.headers['access-control-allow-origin']).toBe(origin);
      const exposed = String(res.headers['access-control-expose-headers'])
        .split(',')
        .map((h) => h.trim().toLowerCase());
      expect(exposed).toContain('x-request-id');
    }
  });

  it('error responses to a listed origin carry the CORS headers too', async () => {
    const res = await ctx.http().get('/whoami').set('Origin', allowed);
    expectProblem(res, 401, { code: 'unauthorized', instance: '/whoami' });
    expect(res.headers['access-control-allow-origin']).toBe(allowed);
    expect(String(res.headers['access-control-expose-headers']).toLowerCase()).toContain('x-request-id');
  });

  it('an unlisted origin gets no Allow-Origin header', async () => {
    const get = await ctx.http().get('/healthz').set('Origin', 'https://evil.example.net').expect(200);
    expect(get.headers['access-control-allow-origin']).toBeUndefined();

    const preflight = await ctx
      .http()
      .options('/whoami')
      .set('Origin', 'https://evil.example.net')
      .set('Access-Control-Request-Method', 'GET');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();

    // A look-alike of a listed origin is not listed.
    const lookalike = await ctx.http().get('/healthz').set('Origin', 'https://app.example.com.evil.net').expect(200);
    expect(lookalike.headers['access-control-allow-origin']).toBeUndefined();
  });
});
