import { Client } from 'pg';
import packageJson from '../package.json';
import { expectProblem, PROBLEM_KEYS } from './support/problems';
import { useFixtures } from './support/fixtures';

/**
 * System endpoints (issue 2, "System endpoints"): health probes, /time, the
 * manifest at GET /, and the OpenAPI document / Swagger UI it is generated from.
 */

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const LOCAL_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?[+-]\d{2}:\d{2}$/;
const UTC_RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

type Operation = {
  summary?: string;
  security?: Record<string, string[]>[];
  responses?: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
  requestBody?: unknown;
  'x-access'?: string;
};
type OpenApiDoc = {
  paths: Record<string, Partial<Record<(typeof HTTP_METHODS)[number], Operation>>>;
  components?: { schemas?: Record<string, unknown>; securitySchemes?: Record<string, unknown> };
};
type ManifestEndpoint = { method: string; path: string; auth: string; summary: string };

/** English weekday of the calendar date written in an ISO-8601 local time (independent of the service's code). */
function weekdayOf(local: string): string {
  const [y, m, d] = local.slice(0, 10).split('-').map(Number);
  return WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()];
}

function operations(doc: OpenApiDoc): { method: string; path: string; op: Operation }[] {
  const out: { method: string; path: string; op: Operation }[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (op) out.push({ method: method.toUpperCase(), path, op });
    }
  }
  return out;
}

/** Checks a /time body against the wall clock; returns it for zone-specific checks. */
function expectTimeView(body: Record<string, unknown>, before: number, after: number) {
  expect(Object.keys(body).sort()).toEqual(['day', 'local', 'tz', 'unix', 'utc']);
  const { utc, local, day, unix } = body as { utc: string; local: string; day: string; unix: number };
  expect(utc).toMatch(UTC_RFC3339);
  const utcMs = Date.parse(utc);
  expect(Number.isNaN(utcMs)).toBe(false);
  expect(utcMs).toBeGreaterThanOrEqual(before - 1000);
  expect(utcMs).toBeLessThanOrEqual(after + 1000);
  expect(local).toMatch(LOCAL_ISO);
  // Same instant as utc, only written with the zone's offset.
  expect(Math.abs(Date.parse(local) - utcMs)).toBeLessThan(1000);
  expect(day).toBe(weekdayOf(local));
  expect(Number.isInteger(unix)).toBe(true);
  expect(Math.abs(unix - utcMs / 1000)).toBeLessThan(1);
  expect(Math.abs(unix - Date.now() / 1000)).toBeLessThan(5);
}

describe('system endpoints', () => {
  const ctx = useFixtures();

  describe('health', () => {
    it('GET /healthz is exactly {"status":"ok"}', async () => {
      const res = await ctx.http().get('/healthz').expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.text).toBe('{"status":"ok"}');
    });

    it('GET /healthz/live is {"status":"alive"}', async () => {
      const res = await ctx.http().get('/healthz/live').expect(200);
      expect(res.body).toEqual({ status: 'alive' });
    });

    it('GET /healthz/ready is 200 while the database is up', async () => {
      const res = await ctx.http().get('/healthz/ready').expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual({ status: 'ready', database: 'up' });
    });

    it('GET /health reports the database as connected', async () => {
      const res = await ctx.http().get('/health').expect(200);
      expect(res.body).toEqual({ status: 'ok', database: 'connected' });
    });

    it('health endpoints are public: no key needed, a bad key is ignored', async () => {
      for (const path of ['/healthz', '/healthz/live', '/healthz/ready', '/health']) {
        await ctx.http().get(path).set('X-Api-Key', 'not-a-key').expect(200);
      }
    });
  });

  describe('GET /time', () => {
    it('without tz or key answers in the default zone (UTC)', async () => {
      const before = Date.now();
      const res = await ctx.http().get('/time').expect(200);
      expectTimeView(res.body, before, Date.now());
      expect(res.body.tz).toBe('UTC');
      expect(res.body.local).toMatch(/\+00:00$/);
      expect(res.body.local.slice(0, 19)).toBe(res.body.utc.slice(0, 19));
    });

    it('?tz=America/Denver answers in Denver time (same instant, -06:00 or -07:00)', async () => {
      const before = Date.now();
      const res = await ctx.http().get('/time').query({ tz: 'America/Denver' }).expect(200);
      expectTimeView(res.body, before, Date.now());
      expect(res.body.tz).toBe('America/Denver');
      expect(res.body.local).toMatch(/-0[67]:00$/);
      expect(Math.abs(Date.parse(res.body.local) - Date.parse(res.body.utc))).toBeLessThan(1000);
      expect(res.body.day).toBe(weekdayOf(res.body.local));
    });

    it('a zone whose date differs from UTC reports its own weekday', async () => {
      // Kiritimati (+14:00) and Pago Pago (-11:00) are always on different calendar days.
      const east = await ctx.http().get('/time').query({ tz: 'Pacific/Kiritimati' }).expect(200);
      const west = await ctx.http().get('/time').query({ tz: 'Pacific/Pago_Pago' }).expect(200);
      expect(east.body.local).toMatch(/\+14:00$/);
      expect(west.body.local).toMatch(/-11:00$/);
      expect(east.body.day).toBe(weekdayOf(east.body.local));
      expect(west.body.day).toBe(weekdayOf(west.body.local));
      expect(east.body.day).not.toBe(west.body.day);
    });

    it.each([['Mars/Base'], ['+02:00'], ['Europe/Nowhere'], ['-0700']])('?tz=%j is a 422 naming tz', async (tz) => {
      const res = await ctx.http().get('/time').query({ tz });
      expectProblem(res, 422, { errors: true });
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.type).toBe('urn:mnemo:problem:validation_failed');
      expect(res.body.instance).toBe('/time');
      expect(res.body.errors).toEqual([{ field: 'tz', message: expect.any(String) }]);
    });

    it('an empty ?tz= is never a 500 (default zone or 422)', async () => {
      const res = await ctx.http().get('/time?tz=');
      expect([200, 422]).toContain(res.status);
      if (res.status === 200) expect(res.body.tz).toBe('UTC');
      else expect(res.body.errors).toEqual([{ field: 'tz', message: expect.any(String) }]);
    });

    it('?tz=+02:00 sent unencoded (the + becomes a space) is a 422 too', async () => {
      const res = await ctx.http().get('/time?tz=+02:00');
      expectProblem(res, 422, { errors: true });
      expect(res.body.errors).toEqual([{ field: 'tz', message: expect.any(String) }]);
    });

    it("with a valid agent key answers in the caller's user timezone", async () => {
      const { apiKey: key } = await ctx.newUser({ timezone: 'Europe/Berlin' });

      const before = Date.now();
      const viaHeader = await ctx.http().get('/time').set('X-Api-Key', key).expect(200);
      expectTimeView(viaHeader.body, before, Date.now());
      expect(viaHeader.body.tz).toBe('Europe/Berlin');
      expect(viaHeader.body.local).toMatch(/\+0[12]:00$/);

      const viaBearer = await ctx.http().get('/time').set('Authorization', `Bearer ${key}`).expect(200);
      expect(viaBearer.body.tz).toBe('Europe/Berlin');

      // An explicit ?tz= wins over the caller's zone.
      const explicit = await ctx.http().get('/time').query({ tz: 'America/Denver' }).set('X-Api-Key', key).expect(200);
      expect(explicit.body.tz).toBe('America/Denver');
    });

    it('with an invalid key still answers 200 in the default zone', async () => {
      const res = await ctx.http().get('/time').set('X-Api-Key', 'mnemo_ak_definitely-not-a-real-key').expect(200);
      expect(res.body.tz).toBe('UTC');
      const bearer = await ctx.http().get('/time').set('Authorization', 'Bearer nonsense').expect(200);
      expect(bearer.body.tz).toBe('UTC');
    });
  });

  describe('manifest and OpenAPI', () => {
    let doc: OpenApiDoc;
    let manifest: {
      service: string;
      version: string;
      description: string;
      docs: string;
      openapi: string;
      auth: unknown;
      mcp: { endpoint: string; transport: string; tools: number };
      endpoints: ManifestEndpoint[];
    };

    beforeAll(async () => {
      doc = (await ctx.http().get('/docs-json').expect(200)).body;
      manifest = (await ctx.http().get('/').expect(200)).body;
    });

    it('GET / has the manifest shape', () => {
      expect(Object.keys(manifest).sort()).toEqual(
        ['auth', 'description', 'docs', 'endpoints', 'mcp', 'openapi', 'service', 'version'].sort(),
      );
      expect(manifest.service).toBe('Mnemo');
      expect(manifest.version).toBe(packageJson.version);
      expect(typeof manifest.description).toBe('string');
      expect(manifest.description.length).toBeGreaterThan(0);
      expect(manifest.docs).toBe('/docs');
      expect(manifest.openapi).toBe('/docs-json');
      expect(manifest.auth).toBeTruthy();
      expect(manifest.mcp).toEqual(
        expect.objectContaining({ endpoint: '/mcp', transport: expect.any(String), tools: expect.any(Number) }),
      );
      expect(manifest.mcp.transport.length).toBeGreaterThan(0);
      expect(Array.isArray(manifest.endpoints)).toBe(true);
      expect(manifest.endpoints.length).toBeGreaterThan(0);
      for (const e of manifest.endpoints) {
        expect(Object.keys(e).sort()).toEqual(['auth', 'method', 'path', 'summary']);
        expect(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).toContain(e.method);
        expect(e.path).toMatch(/^\//);
        expect(['public', 'optional-agent', 'agent', 'admin']).toContain(e.auth);
        expect(e.summary.length).toBeGreaterThan(0);
      }
    });

    it('GET / is public', async () => {
      await ctx.http().get('/').set('X-Api-Key', 'garbage').expect(200);
    });

    it('manifest endpoints and OpenAPI operations are the same set, with the same summaries', () => {
      const fromDoc = operations(doc).map(({ method, path }) => `${method} ${path}`).sort();
      const fromManifest = manifest.endpoints.map((e) => `${e.method} ${e.path}`).sort();
      expect(new Set(fromManifest).size).toBe(fromManifest.length);
      expect(fromManifest).toEqual(fromDoc);
      for (const { method, path, op } of operations(doc)) {
        const entry = manifest.endpoints.find((e) => e.method === method && e.path === path);
        expect(entry?.summary).toBe(op.summary);
      }
    });

    it('every route the app serves is documented (except /mcp and the docs themselves)', () => {
      const router = (
        ctx.app.app.getHttpAdapter().getInstance() as {
          router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
        }
      ).router;
      const served = new Set<string>();
      for (const layer of router.stack) {
        if (!layer.route) continue;
        const path = layer.route.path.replace(/:(\w+)/g, '{$1}');
        // Skip the MCP transport, Swagger's own pages and Nest's catch-all middleware mounts.
        if (path === '/mcp' || path.startsWith('/mcp/') || path.startsWith('/docs') || path.includes('{*')) continue;
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on && (HTTP_METHODS as readonly string[]).includes(method)) served.add(`${method.toUpperCase()} ${path}`);
        }
      }
      expect(served.size).toBeGreaterThan(5);
      const documented = new Set(manifest.endpoints.map((e) => `${e.method} ${e.path}`));
      expect([...served].filter((r) => !documented.has(r))).toEqual([]);
    });

    it('lists the known routes with the access they enforce', () => {
      const auth = (method: string, path: string) =>
        manifest.endpoints.find((e) => e.method === method && e.path === path)?.auth;
      expect(auth('GET', '/whoami')).toBe('agent');
      expect(auth('POST', '/admin/users')).toBe('admin');
      expect(auth('GET', '/admin/users')).toBe('admin');
      expect(auth('DELETE', '/admin/users/{user}')).toBe('admin');
      expect(auth('POST', '/admin/users/{user}/agents')).toBe('admin');
      expect(auth('GET', '/admin/users/{user}/agents')).toBe('admin');
      expect(auth('POST', '/admin/agents/{agent}/keys')).toBe('admin');
      expect(auth('DELETE', '/admin/agents/{agent}/keys/{keyId}')).toBe('admin');
      expect(auth('DELETE', '/admin/agents/{agent}')).toBe('admin');
      expect(auth('GET', '/healthz')).toBe('public');
      expect(auth('GET', '/healthz/live')).toBe('public');
      expect(auth('GET', '/healthz/ready')).toBe('public');
      expect(auth('GET', '/health')).toBe('public');
      expect(auth('GET', '/')).toBe('public');
      expect(auth('GET', '/time')).toBe('optional-agent');
      for (const e of manifest.endpoints) {
        if (e.path.startsWith('/admin/')) expect(e.auth).toBe('admin');
      }
    });

    it('the declared access matches what the server enforces', async () => {
      // A request with no credentials: 401 exactly on agent and admin routes.
      for (const e of manifest.endpoints.filter((x) => x.method === 'GET' && !x.path.includes('{'))) {
        const res = await ctx.http().get(e.path);
        const expected = e.auth === 'agent' || e.auth === 'admin' ? 401 : 200;
        expect({ path: e.path, status: res.status }).toEqual({ path: e.path, status: expected });
      }
    });

    it('mcp.tools is the number of tools a real tools/list returns', async () => {
      const agent = await ctx.newUser();
      const client = await ctx.connectMcp({ 'X-Api-Key': agent.apiKey });
      try {
        const { tools } = await client.listTools();
        expect(tools.length).toBeGreaterThan(0);
        expect(manifest.mcp.tools).toBe(tools.length);
        expect(tools.map((x) => x.name)).toEqual(expect.arrayContaining(['get_time', 'whoami']));
      } finally {
        await client.close();
      }
    });

    it('every operation has a summary and a documented success response', () => {
      for (const { method, path, op } of operations(doc)) {
        const where = `${method} ${path}`;
        const hasSummary = typeof op.summary === 'string' && op.summary.length > 0;
        expect({ where, hasSummary }).toEqual({ where, hasSummary: true });
        const codes = Object.keys(op.responses ?? {});
        const success = codes.some((c) => ['200', '201', '204'].includes(c));
        expect({ where, success }).toEqual({ where, success: true });
      }
    });

    it('security: set for agent/admin routes, empty for public ones; 401 documented where it can happen', () => {
      const schemes = Object.keys(doc.components?.securitySchemes ?? {});
      expect(schemes.length).toBeGreaterThan(0);
      for (const { method, path, op } of operations(doc)) {
        const where = `${method} ${path}`;
        const access = manifest.endpoints.find((e) => e.method === method && e.path === path)?.auth;
        const security = op.security;
        expect({ where, hasSecurity: Array.isArray(security) }).toEqual({ where, hasSecurity: true });
        for (const req of security ?? []) for (const name of Object.keys(req)) expect(schemes).toContain(name);
        if (access === 'public') {
          expect({ where, security }).toEqual({ where, security: [] });
        } else if (access === 'agent' || access === 'admin') {
          // Every alternative names at least one scheme: no anonymous access is advertised.
          expect(security!.length).toBeGreaterThan(0);
          for (const req of security!) {
            expect({ where, schemes: Object.keys(req).length > 0 }).toEqual({ where, schemes: true });
          }
          expect({ where, has401: '401' in (op.responses ?? {}) }).toEqual({ where, has401: true });
        } else if (access === 'optional-agent') {
          expect(security!.length).toBeGreaterThan(0);
        }
      }
      expect(doc.paths['/whoami'].get?.security).toEqual(expect.arrayContaining([{ 'agent-key': [] }]));
      expect(doc.paths['/admin/users'].get?.security).toEqual([{ 'admin-token': [] }]);
      expect(doc.paths['/healthz'].get?.security).toEqual([]);
    });

    it('routes with a body document a 422 problem response', () => {
      const withBody = operations(doc).filter(({ op }) => op.requestBody);
      expect(withBody.map(({ method, path }) => `${method} ${path}`)).toEqual(
        expect.arrayContaining(['POST /admin/users', 'POST /admin/users/{user}/agents']),
      );
      for (const { method, path, op } of withBody) {
        const where = `${method} ${path}`;
        const r422 = op.responses?.['422'];
        expect({ where, has422: Boolean(r422) }).toEqual({ where, has422: true });
        expect(r422?.content?.['application/problem+json']?.schema?.$ref).toBe('#/components/schemas/ProblemDto');
      }
    });

    it('components.schemas.ProblemDto describes the problem body', () => {
      const problem = doc.components?.schemas?.ProblemDto as { properties?: Record<string, unknown> } | undefined;
      expect(problem).toBeDefined();
      expect(Object.keys(problem?.properties ?? {})).toEqual(expect.arrayContaining([...PROBLEM_KEYS, 'errors']));
    });

    it('GET /docs serves Swagger UI as HTML', async () => {
      const res = await ctx.http().get('/docs').redirects(2).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toMatch(/swagger-ui/i);
      expect(res.text).toContain('Mnemo API');
    });
  });
});

describe('DEFAULT_TIMEZONE', () => {
  const ctx = useFixtures({ env: { DEFAULT_TIMEZONE: 'Asia/Kolkata' } });

  it('GET /time without tz or key answers in DEFAULT_TIMEZONE', async () => {
    const before = Date.now();
    const res = await ctx.http().get('/time').expect(200);
    expectTimeView(res.body, before, Date.now());
    expect(res.body.local).toMatch(/\+05:30$/);
    // The zone as configured: IANA's primary name, not ICU's legacy link "Asia/Calcutta".
    expect(res.body.tz).toBe('Asia/Kolkata');
  });

  it('an invalid key falls back to DEFAULT_TIMEZONE, ?tz= still wins', async () => {
    const bad = await ctx.http().get('/time').set('X-Api-Key', 'bogus').expect(200);
    expect(bad.body.local).toMatch(/\+05:30$/);
    expect(bad.body.tz).toBe('Asia/Kolkata');
    const utc = await ctx.http().get('/time').query({ tz: 'UTC' }).expect(200);
    expect(utc.body.tz).toBe('UTC');
    expect(utc.body.local).toMatch(/\+00:00$/);
  });

  it("a user created without a timezone gets DEFAULT_TIMEZONE, and /time follows the caller's zone", async () => {
    const agent = await ctx.newUser();
    const users = await ctx.http().get('/admin/users').set('Authorization', `Bearer ${ctx.adminToken}`).expect(200);
    const user = users.body.users.find((u: { id: string }) => u.id === agent.userId);
    const res = await ctx.http().get('/time').set('X-Api-Key', agent.apiKey).expect(200);
    expect(res.body.local).toMatch(/\+05:30$/);
    expect(user.timezone).toBe('Asia/Kolkata');
    expect(res.body.tz).toBe('Asia/Kolkata');
  });
});

describe('health with the database down', () => {
  const ctx = useFixtures();

  it('reports ready and healthy before, 503 after the database disappears', async () => {
    await ctx.http().get('/healthz/ready').expect(200);
    await ctx.http().get('/health').expect(200);

    const name = new URL(ctx.app.config.databaseUrl).pathname.slice(1);
    expect(name).toMatch(/^mnemo_test_[0-9a-f]+$/);
    const admin = new Client({ connectionString: process.env.MNEMO_TEST_ADMIN_URL });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    } finally {
      await admin.end();
    }

    const started = Date.now();
    const ready = await ctx.http().get('/healthz/ready').set('X-Request-ID', 'ready-db-down');
    expectProblem(ready, 503, { errors: false });
    expect(ready.body.code).toBe('service_unavailable');
    expect(ready.body.type).toBe('urn:mnemo:problem:service_unavailable');
    expect(ready.body.title).toBe('Service Unavailable');
    expect(ready.body.instance).toBe('/healthz/ready');
    expect(ready.body.request_id).toBe('ready-db-down');
    expect(ready.headers['cache-control']).toBe('no-store');

    const health = await ctx.http().get('/health');
    expect(health.status).toBe(503);
    expect(health.headers['content-type']).toMatch(/^application\/json/);
    expect(health.body).toEqual({ status: 'degraded', database: 'error' });
    // Probes answer promptly even when the database is gone.
    expect(Date.now() - started).toBeLessThan(10_000);

    // Liveness and process health do not depend on the database.
    await ctx.http().get('/healthz').expect(200, { status: 'ok' });
    await ctx.http().get('/healthz/live').expect(200, { status: 'alive' });
  });
});
