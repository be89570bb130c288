import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { CONFLICTING_CREDENTIALS } from '../src/common/auth/authenticator';
import { newRid } from './support/agent-requests';
import { useFixtures } from './support/fixtures';
import { expectProblem } from './support/problems';
import { toolJson } from './support/mcp-client';
import { startTestApp, TestAgent } from './support/test-app';

/**
 * One regression test per finding of the input probe (issue 14): each request
 * below was answered with a 500, an internal_error, a silent change or a
 * silent success before. The property-based sweep over every operation and
 * tool is hostile-input.e2e-spec.ts.
 */

type CallResult = Awaited<ReturnType<Client['callTool']>>;
interface FieldError {
  field: string;
  message: string;
}
interface ToolError {
  code: string;
  message: string;
  errors?: FieldError[];
}

const PROTOTYPE_RULE = 'is not accepted: keys named after Object.prototype members (constructor, toString, __proto__, …) or prototype are refused';

const ctx = useFixtures();
const { as, audit } = ctx;
let a: TestAgent;
let mcp: Client;

beforeAll(async () => {
  a = await ctx.newUser();
  mcp = await ctx.mcp(a);
});

function toolError(result: CallResult): ToolError {
  expect(result.isError).toBe(true);
  return (toolJson(result) as { error: ToolError }).error;
}

function fieldErrors(res: Response): FieldError[] {
  return (JSON.parse(res.text) as { errors?: FieldError[] }).errors ?? [];
}

const errorLogs = (from: number) => ctx.logs.slice(from).filter((line) => (JSON.parse(line) as { level: number }).level >= 50);

/** Sends raw JSON text (numbers such as 1e309 have no JSON.stringify form). */
function sendJson(method: 'post' | 'put', path: string, text: string, key = a.apiKey) {
  return ctx.http()[method](path).set('X-Api-Key', key).set('Content-Type', 'application/json').send(text);
}

/** A raw MCP tools/call, as the SDK client cannot send it (1e309, __proto__ keys, batches). */
function rawToolCall(body: string, key = a.apiKey) {
  return ctx
    .http()
    .post('/mcp')
    .set('Content-Type', 'application/json')
    .set('Accept', 'application/json, text/event-stream')
    .set('Mcp-Protocol-Version', '2025-06-18')
    .set('X-Api-Key', key)
    .send(body);
}

const count = async (sql: string, params: unknown[]) => Number((await ctx.db.query(sql, params))[0].n);

describe('keys named after Object.prototype members', () => {
  it('POST /memory/read {"user_id": {"constructor": 1}} is a 422 naming the field, not a 500, with no error log', async () => {
    const logStart = ctx.logs.length;
    const res = await as(a, 'post', '/memory/read', { user_id: { constructor: 1 }, scope: 'preferences', purpose: 'make recommendations' });
    expectProblem(res, 422, `user_id.constructor ${PROTOTYPE_RULE}`);
    expect(fieldErrors(res)).toEqual([{ field: 'user_id.constructor', message: `user_id.constructor ${PROTOTYPE_RULE}` }]);
    expect(errorLogs(logStart)).toEqual([]);
  });

  it('set_secret with value {"constructor": {"prototype": …}} is validation_failed, not internal_error; nothing stored', async () => {
    const logStart = ctx.logs.length;
    const error = toolError(await mcp.callTool({ name: 'set_secret', arguments: { key: 'proto', value: { constructor: { prototype: { p: 1 } } } } }));
    expect(error).toEqual({
      code: 'validation_failed',
      message: `value.constructor ${PROTOTYPE_RULE}`,
      errors: [{ field: 'value.constructor', message: `value.constructor ${PROTOTYPE_RULE}` }],
    });
    expect(await count(`SELECT count(*) AS n FROM secrets WHERE user_id = $1`, [a.userId])).toBe(0);
    expect(errorLogs(logStart)).toEqual([]);
  });

  it.each([
    ['{"focus_mode": true, "constructor": true}', 'value_json.constructor'],
    ['{"theme": "dark", "prefs": {"toString": "x"}}', 'value_json.prefs.toString'],
    ['{"theme": "dark", "hasOwnProperty": 1}', 'value_json.hasOwnProperty'],
    ['{"a": [{"prototype": {"p": 1}}]}', 'value_json.a.0.prototype'],
  ])('a scoped memory whose value_json holds %s is refused (never stored without the key)', async (value, field) => {
    const subject = `proto-${randomUUID()}`;
    const res = await sendJson('post', '/memory', `{"user_id":"${subject}","scope":"attention","source":"user_setting","ttl_days":3,"value_json":${value}}`);
    expectProblem(res, 422, `${field} ${PROTOTYPE_RULE}`);
    expect(await count(`SELECT count(*) AS n FROM scoped_memories WHERE subject = $1`, [subject])).toBe(0);
    // The same key under another name is stored and read back whole.
    const kept = JSON.parse(value.replace(/constructor|toString|hasOwnProperty|prototype/, 'builder')) as Record<string, unknown>;
    await as(a, 'post', '/memory', { user_id: subject, scope: 'attention', source: 'user_setting', ttl_days: 3, value_json: kept }).expect(201);
    const list = await as(a, 'get', `/memory?user_id=${subject}`).expect(200);
    expect(JSON.stringify(list.body.memories[0].value)).toContain('"builder"');
  });

  it('create_project {"__proto__": {"x": 1}, "title": …} over MCP is refused, not created without the key', async () => {
    const title = `proto-${randomUUID()}`;
    for (const proto of ['{"x":1}', '1', 'null']) {
      const res = await rawToolCall(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"create_project","arguments":{"__proto__":${proto},"title":"${title}"}}}`);
      expect(res.status).toBe(200);
      const result = res.body.result as CallResult;
      expect(toolError(result)).toEqual({
        code: 'validation_failed',
        message: `__proto__ ${PROTOTYPE_RULE}`,
        errors: [{ field: '__proto__', message: `__proto__ ${PROTOTYPE_RULE}` }],
      });
    }
    // The official client sends such a key as it was given, and is refused alike.
    const viaSdk = JSON.parse(`{"__proto__": {"x": 1}, "title": "${title}"}`) as Record<string, unknown>;
    expect(toolError(await mcp.callTool({ name: 'create_project', arguments: viaSdk })).code).toBe('validation_failed');
    expect(await count(`SELECT count(*) AS n FROM projects WHERE title = $1`, [title])).toBe(0);
  });

  it('in a JSON-RPC batch, only the call that holds __proto__ is refused', async () => {
    const title = `batch-${randomUUID()}`;
    const call = (id: number, args: string) => `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"create_project","arguments":${args}}}`;
    const res = await rawToolCall(`[${call(1, `{"title":"${title}-ok"}`)},${call(2, `{"__proto__":{"x":1},"title":"${title}-bad"}`)}]`);
    expect(res.status).toBe(200);
    const byId = new Map((res.body as { id: number; result: CallResult }[]).map((r) => [r.id, r.result]));
    expect(byId.get(1)?.isError).toBeFalsy();
    expect(toolError(byId.get(2)!).code).toBe('validation_failed');
    const titles: { title: string }[] = await ctx.db.query(`SELECT title FROM projects WHERE title LIKE $1 ORDER BY title`, [`${title}%`]);
    expect(titles).toEqual([{ title: `${title}-ok` }]);
  });
});

describe('non-finite and out-of-range numbers', () => {
  const read = (maxAge: string) =>
    `{"user_id":"nums","scope":"preferences","purpose_class":"recommendation","max_age_days":${maxAge}}`;
  const AGE_RULE = 'max_age_days must be an integer between 1 and 2147483647';

  it.each([
    ['1e309', 'max_age_days must be a finite number'],
    ['-1e309', 'max_age_days must be a finite number'],
    ['9223372036854775808', 'max_age_days is an integer beyond ±9007199254740991, which JSON numbers cannot carry exactly (send it as a string)'],
    ['1'.padEnd(40, '0'), 'max_age_days is an integer beyond ±9007199254740991, which JSON numbers cannot carry exactly (send it as a string)'],
    ['2147483648', AGE_RULE],
    ['4e9', AGE_RULE],
  ])('max_age_days %s is refused on /memory/read, /memory/read/continue and read_scoped_memories', async (maxAge, message) => {
    const rid = newRid();
    const res = await sendJson('post', '/memory/read', read(maxAge)).set('X-Request-ID', rid);
    expectProblem(res, 422, message);
    expect(fieldErrors(res)).toEqual([{ field: 'max_age_days', message }]);
    expect(await audit(rid)).toEqual([]);
    const grant = await as(a, 'post', '/memory/read', { user_id: 'nums', scope: 'preferences', purpose_class: 'recommendation' }).expect(200);
    const cont = await sendJson('post', '/memory/read/continue', `{"revocation_token":"${grant.body.revocation_token}","max_age_days":${maxAge}}`);
    expectProblem(cont, 422, message);
    const res2 = await rawToolCall(
      `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read_scoped_memories","arguments":${read(maxAge)}}}`,
    );
    expect(toolError(res2.body.result as CallResult)).toEqual({ code: 'validation_failed', message, errors: [{ field: 'max_age_days', message }] });
  });

  it('the largest max_age_days is accepted and kept on the grant as sent', async () => {
    const res = await sendJson('post', '/memory/read', read('2147483647')).expect(200);
    const [grant] = await ctx.db.query(`SELECT max_age_days FROM read_grants WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1`, [a.userId]);
    expect(grant.max_age_days).toBe(2147483647);
    expect(res.body.revocation_token).toEqual(expect.any(String));
  });

  it('an integer beyond 2^53 anywhere in value_json is refused (it would be stored rounded); as a string, or as a float, it is kept', async () => {
    const subject = `big-${randomUUID()}`;
    const write = (value: string) =>
      sendJson('post', '/memory', `{"user_id":"${subject}","scope":"preferences","source":"user_setting","ttl_days":3,"value_json":${value}}`);
    const res = await write('{"ids":{"order":[1,92233720368547758070]}}');
    expectProblem(res, 422, 'value_json.ids.order.1 is an integer beyond ±9007199254740991, which JSON numbers cannot carry exactly (send it as a string)');
    expect(await count(`SELECT count(*) AS n FROM scoped_memories WHERE subject = $1`, [subject])).toBe(0);
    await write('{"ids":{"order":"92233720368547758070"},"avogadro":6.02214076e23,"safe":9007199254740991}').expect(201);
    const list = await as(a, 'get', `/memory?user_id=${subject}`).expect(200);
    expect(list.body.memories[0].value).toEqual({ ids: { order: '92233720368547758070' }, avogadro: 6.02214076e23, safe: 9007199254740991 });
  });
});

describe('query integers and booleans', () => {
  it.each(['0x10', '0b11', '0o7', '1e3', ' 1', '1 ', '+1', '1.0', 'Infinity', ''])('limit=%j is a 422 naming limit', async (limit) => {
    const res = await as(a, 'get', `/projects?limit=${encodeURIComponent(limit)}`);
    expectProblem(res, 422, 'limit must be an integer between 1 and 1000');
    expect(fieldErrors(res)).toEqual([{ field: 'limit', message: 'limit must be an integer between 1 and 1000' }]);
  });

  it('plain decimal digits are read as the number', async () => {
    const res = await as(a, 'get', '/secrets?limit=016&offset=0002').expect(200);
    expect(res.body).toMatchObject({ limit: 16, offset: 2 });
    expectProblem(await as(a, 'get', '/secrets?offset=2147483648'), 422, 'offset must be an integer between 0 and 2147483647');
  });

  it('start_session takes true/1 or false/0, nothing else (no silent false)', async () => {
    for (const value of ['yes', '2', 'TRUE', '']) {
      const res = await as(a, 'get', `/agents/${a.agentName}/context?start_session=${value}`);
      expectProblem(res, 422, 'start_session must be true or false');
    }
    await as(a, 'get', `/agents/${a.agentName}/context?start_session=1`).expect(200);
  });
});

describe('empty and non-JSON bodies', () => {
  it.each([
    ['application/json', ''],
    ['application/json; charset=utf-8', ''],
    ['application/merge-patch+json', ''],
    ['text/plain', ''],
  ])('POST /sessions as %s with body %j is a 422 (a body is required whatever the headers); no session', async (type, body) => {
    const before = await count(`SELECT count(*) AS n FROM sessions WHERE agent_id = $1`, [a.agentId]);
    const res = await ctx.http().post('/sessions').set('X-Api-Key', a.apiKey).set('Content-Type', type).send(body);
    expectProblem(res, 422, 'Request body must be a JSON object');
    expect(fieldErrors(res)).toEqual([{ field: 'body', message: 'Request body must be a JSON object' }]);
    expect(await count(`SELECT count(*) AS n FROM sessions WHERE agent_id = $1`, [a.agentId])).toBe(before);
  });

  it.each([
    ['text/plain', '{"project":"x"}'],
    ['application/x-www-form-urlencoded', 'project=x'],
  ])('POST /sessions as %s with body %j is a 415 (send the body as JSON); no session', async (type, body) => {
    const before = await count(`SELECT count(*) AS n FROM sessions WHERE agent_id = $1`, [a.agentId]);
    const res = await ctx.http().post('/sessions').set('X-Api-Key', a.apiKey).set('Content-Type', type).send(body);
    expectProblem(res, 415, {
      detail: 'Send the request body as JSON, with Content-Type: application/json',
      code: 'unsupported_media_type',
      errors: false,
    });
    expect(await count(`SELECT count(*) AS n FROM sessions WHERE agent_id = $1`, [a.agentId])).toBe(before);
  });

  it('`{}` is the empty body', async () => {
    await sendJson('post', '/sessions', '{}').expect(201);
  });
});

/** A header key with a different argument, the same key twice, and REST's two headers: mcp.e2e-spec.ts and auth.e2e-spec.ts. */
describe('conflicting credentials on MCP', () => {
  const whoami = (headers: Record<string, string>, agentKey: string) =>
    ctx
      .http()
      .post('/mcp')
      .set({ 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'Mcp-Protocol-Version': '2025-06-18', ...headers })
      .send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: { agent_key: agentKey } } });

  it('a revoked or garbage header key is refused whatever the argument says', async () => {
    const revoked = await ctx.newUser();
    await ctx.http().delete(`/admin/agents/${revoked.agentId}/keys/${revoked.keyId}`).set('Authorization', `Bearer ${ctx.adminToken}`).expect(204);
    for (const header of [revoked.apiKey, 'garbage']) {
      const res = await whoami({ 'X-Api-Key': header }, a.apiKey);
      expect(toolError(res.body.result as CallResult)).toEqual({ code: 'unauthorized', message: CONFLICTING_CREDENTIALS });
      expect(res.text).not.toContain(a.agentId);
      // The same key as header and argument is still that (refused) key.
      expect(toolError((await whoami({ 'X-Api-Key': header }, header)).body.result as CallResult)).toEqual({
        code: 'unauthorized',
        message: 'Invalid API key',
      });
    }
  });
});

describe('probing user names through sharing', () => {
  it('every share attempt by name is audited with the name tried, found or not, over REST and MCP', async () => {
    const target = await ctx.newUser();
    const projectId = (await ctx.newProject(a, { title: 'probe' })).project_id;
    const missing = `nobody-${randomUUID().slice(0, 8)}`;

    const ridMissing = newRid();
    const res = await as(a, 'post', '/sharing', { object_type_id: 1, object_id: projectId, shared_to_user_name: missing }, ridMissing);
    expectProblem(res, 404, 'Target user not found');
    const ridFound = newRid();
    await as(a, 'post', '/sharing', { object_type_id: 1, object_id: projectId, shared_to_user_name: ` ${target.userName.toUpperCase()} ` }, ridFound).expect(201);
    toolError(await mcp.callTool({ name: 'share_object', arguments: { object_type_id: 1, object_id: projectId, shared_to_user_name: `${missing}-mcp` } }));

    const lookups: { subject: string; reason_code: string | null; agent_id: string; request_id: string }[] = await ctx.db.query(
      `SELECT subject, reason_code, agent_id, request_id FROM audit_events WHERE user_id = $1 AND event_type = 'SHARE_NAME_LOOKUP' ORDER BY seq`,
      [a.userId],
    );
    expect(lookups).toEqual([
      { subject: missing, reason_code: 'TARGET_NOT_FOUND', agent_id: a.agentId, request_id: ridMissing },
      { subject: target.userName.toUpperCase(), reason_code: null, agent_id: a.agentId, request_id: ridFound },
      { subject: `${missing}-mcp`, reason_code: 'TARGET_NOT_FOUND', agent_id: a.agentId, request_id: expect.any(String) },
    ]);
    // The prober's own trail shows the probing; the target's trail shows nothing of it.
    const page = await as(a, 'get', '/audit?event_type=SHARE_NAME_LOOKUP').expect(200);
    expect(page.body.events).toHaveLength(3);
    expect(await count(`SELECT count(*) AS n FROM audit_events WHERE user_id = $1 AND event_type = 'SHARE_NAME_LOOKUP'`, [target.userId])).toBe(0);
  });
});

describe('security headers', () => {
  const API_CSP = "default-src 'none';frame-ancestors 'none'";

  it('JSON, problem and MCP responses carry nosniff, no framing, no referrer and a CSP that allows nothing', async () => {
    const responses = [
      await as(a, 'get', '/whoami').expect(200),
      await ctx.http().get('/whoami').expect(401),
      await as(a, 'get', '/no-such-route').expect(404),
      await sendJson('post', '/sessions', '{"project":').expect(400),
      await rawToolCall('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{}}}').expect(200),
    ];
    for (const res of responses) {
      expect(res.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'content-security-policy': API_CSP,
        'cross-origin-resource-policy': 'same-origin',
        'cache-control': 'no-store',
      });
      // Plain HTTP: no HSTS (see the https case below).
      expect(res.headers['strict-transport-security']).toBeUndefined();
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('the Swagger UI gets a CSP that lets it run its own scripts and call this API, and nothing else', async () => {
    const res = await ctx.http().get('/docs/').expect(200);
    const csp = res.headers['content-security-policy'];
    expect(csp.split(';')).toEqual(
      expect.arrayContaining(["default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'", `connect-src 'self' ${new URL(ctx.app.config.publicBaseUrl).origin}`]),
    );
    expect(csp).not.toContain("'unsafe-eval'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    // The page runs only scripts of its own origin (no inline script, which script-src 'self' would block).
    const scripts = [...res.text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThanOrEqual(3);
    for (const [, attributes, inline] of scripts) {
      expect({ attributes, inline: inline.trim() }).toEqual({ attributes: expect.stringMatching(/^ src="\.\/[\w.-]+\.js"$/), inline: '' });
    }
    const init = await ctx.http().get('/docs/swagger-ui-init.js').expect(200);
    expect(init.headers['content-type']).toMatch(/javascript/);
  });

  it('document pages keep their own, stricter CSP', async () => {
    const project = await ctx.newProject(a, { title: 'doc' });
    const res = await as(a, 'get', `/projects/${project.project_id}/document`).expect(200);
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('HSTS (without includeSubDomains) when the service is reached over HTTPS', async () => {
    const https = await startTestApp({ PUBLIC_BASE_URL: 'https://mnemo.example' });
    try {
      const res = await https.http().get('/healthz/live');
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
    } finally {
      await https.close();
    }
  });
});

describe('path parameters', () => {
  it('U+0000 in a name parameter is a 422 naming it, not a database error', async () => {
    const res = await as(a, 'get', '/agents/a%00b/memories');
    expectProblem(res, 422, 'name may not contain U+0000');
    expect(fieldErrors(res)).toEqual([{ field: 'name', message: 'name may not contain U+0000' }]);
  });
});
