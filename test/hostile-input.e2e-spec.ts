import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { useFixtures } from './support/fixtures';
import { hostileJson, objectText, oddIntegerSpelling, outOfRange, PROTOTYPE_KEYS } from './support/hostile-json';
import type { TestAgent, TestApp } from './support/test-app';

/**
 * Every REST operation of the OpenAPI document and every MCP tool of tools/list,
 * fed hostile input as an attacker would: prototype-named keys at random
 * depths, non-finite and huge numbers, out-of-range integers, odd integer
 * spellings, empty and non-JSON bodies, lone surrogates and U+0000. Each must
 * be refused with a 422 problem (or an isError result) that names a field it
 * was sent in (a body sent with a non-JSON Content-Type: a 415 saying to send
 * JSON), with no error-level log line, and nothing stored.
 *
 * Runs FUZZ_RUNS cases per operation and tool (default 12) from FUZZ_SEED.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20261204);
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);

type Schema = {
  type?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  anyOf?: Schema[];
  oneOf?: Schema[];
  items?: Schema;
  $ref?: string;
};
interface Parameter {
  name: string;
  in: 'path' | 'query';
  schema?: Schema;
}
interface Operation {
  method: 'get' | 'post' | 'put' | 'delete' | 'patch';
  path: string;
  access: string;
  parameters: Parameter[];
  body?: Schema;
}

/** A request a case makes, and the fields it made hostile. */
interface Attempt {
  describe: string;
  fields: string[];
  /** A body sent with a non-JSON Content-Type: refused with a 415 (send it as JSON), not a 422. */
  notJson?: boolean;
  send(): Promise<Response>;
}

const BODY_CONTENT_TYPES = [
  undefined,
  'application/json',
  'application/json; charset=utf-8',
  'application/merge-patch+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
];

const ctx = useFixtures();
let agent: TestAgent;
let document: { paths: Record<string, Record<string, Record<string, unknown>>>; components: { schemas: Record<string, Schema> } };

beforeAll(async () => {
  agent = await ctx.newUser();
  document = (await ctx.http().get('/docs-json').expect(200)).body;
});

const resolve = (schema: Schema | undefined): Schema | undefined =>
  schema?.$ref ? document.components.schemas[schema.$ref.split('/').pop()!] : schema;

function operations(): Operation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    (['get', 'post', 'put', 'delete', 'patch'] as const)
      .filter((method) => item[method])
      .map((method) => {
        const op = item[method] as { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> }; 'x-access': string };
        return {
          method,
          path,
          access: op['x-access'],
          parameters: op.parameters ?? [],
          body: resolve(op.requestBody?.content['application/json']?.schema),
        };
      }),
  );
}

/** A valid-looking value for each path parameter, so that a case reaches the part it makes hostile. */
function pathValue(param: Parameter): string {
  if (param.schema?.type === 'integer' || param.schema?.type === 'number') return '1';
  if (param.schema?.format === 'uuid') return randomUUID();
  if (param.name === 'name') return agent.agentName;
  return 'k1';
}

const integerSchema = (schema: Schema | undefined): Schema | undefined =>
  [schema, ...(schema?.anyOf ?? [])].find((s) => s?.type === 'integer');

/** Hostile text for a field: anything hostile, or (integer fields) out of its range. */
const hostileFor = (schema: Schema | undefined) => {
  const integer = integerSchema(schema);
  return integer ? fc.oneof(hostileJson, outOfRange(integer)) : hostileJson;
};

/**
 * Members of a hostile object: one of the schema's fields made hostile, or a
 * top-level prototype-named key. One at a time, so that the 422 must name
 * exactly what was made hostile (several would let one mask another).
 */
function hostileMembers(properties: Record<string, Schema>): fc.Arbitrary<[string, string][]> {
  const names = Object.keys(properties);
  const protoKey = fc.tuple(fc.constantFrom(...PROTOTYPE_KEYS), hostileJson);
  const field = names.length ? [fc.constantFrom(...names).chain((n) => hostileFor(properties[n]).map((v): [string, string] => [n, v]))] : [];
  return fc.oneof(protoKey, ...field).map((member) => [member]);
}

/** Cases every run starts with, whatever the seed: each field holding a prototype-named key, shallow and nested. */
function regressionMembers(properties: Record<string, Schema>): [string, string][][] {
  return Object.keys(properties).flatMap((name) => [
    [[name, '{"constructor":{"prototype":{"p":1}}}']],
    [[name, '{"a":[{"toString":1}]}']],
  ]);
}

function request(op: Operation, pathValues: Record<string, string>, query = ''): ReturnType<ReturnType<TestApp['http']>['get']> {
  const url = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => pathValues[name]) + query;
  const req = ctx.http()[op.method](url);
  if (op.access === 'admin') req.set('Authorization', `Bearer ${ctx.adminToken}`);
  else if (op.access !== 'public') req.set('X-Api-Key', agent.apiKey);
  return req;
}

/** The cases of one target, and those it always starts with. */
interface Target {
  name: string;
  cases: fc.Arbitrary<Attempt>;
  examples: Attempt[];
}

/** The cases of one operation: hostile bodies, empty or non-JSON bodies, hostile query and path parameters. */
function restTarget(op: Operation): Target | null {
  const validPath = Object.fromEntries(op.parameters.filter((p) => p.in === 'path').map((p) => [p.name, encodeURIComponent(pathValue(p))]));
  const bodyAttempt = (members: [string, string][]): Attempt => ({
    describe: `body ${objectText(members)}`,
    fields: members.map(([name]) => name),
    send: () => request(op, validPath).set('Content-Type', 'application/json').send(objectText(members)),
  });
  const kinds: fc.Arbitrary<Attempt>[] = [];
  if (op.body) {
    kinds.push(
      hostileMembers(op.body.properties ?? {}).map(bodyAttempt),
      fc
        .tuple(fc.constantFrom(...BODY_CONTENT_TYPES), fc.constantFrom('', '{}', '{"title":"x"}'))
        // An empty body counts as none whatever its Content-Type (a 422); a body that is not sent as JSON is a 415.
        .filter(([type, raw]) => raw === '' || !type?.includes('json'))
        .map(([type, raw]) => ({
          describe: `body ${JSON.stringify(raw)} as ${type ?? 'no Content-Type'}`,
          fields: ['body'],
          notJson: raw !== '',
          send: () => {
            const req = request(op, validPath);
            return (type ? req.set('Content-Type', type) : req).send(raw);
          },
        })),
    );
  }
  // A parameter case sends no body: where the operation takes one, its absence may be what the 422 names.
  const alsoBody = op.body ? ['body'] : [];
  for (const param of op.parameters) {
    const integer = integerSchema(param.schema);
    const values = fc.oneof(
      fc.constantFrom('\u0000', 'a\u0000b'),
      ...(integer ? [oddIntegerSpelling, outOfRange(integer)] : []),
      ...(param.schema?.format === 'uuid' ? [fc.constantFrom('x', `${randomUUID()}0`, '0x10')] : []),
      ...(param.schema?.type === 'boolean' ? [fc.constantFrom('yes', '2', 'on')] : []),
    );
    if (param.in === 'query') {
      kinds.push(
        fc.tuple(values, fc.boolean()).map(([value, twice]) => ({
          describe: `?${param.name}=${JSON.stringify(value)}${twice ? ' (twice)' : ''}`,
          fields: [param.name, ...alsoBody],
          send: () => {
            const one = `${param.name}=${encodeURIComponent(value)}`;
            return request(op, validPath, `?${one}${twice ? `&${one}` : ''}`);
          },
        })),
      );
    } else {
      kinds.push(
        values
          .filter((v) => v.trim() !== '')
          .map((value) => ({
            describe: `path ${param.name}=${JSON.stringify(value)}`,
            fields: [param.name, ...alsoBody],
            send: () => request(op, { ...validPath, [param.name]: encodeURIComponent(value) }),
          })),
      );
    }
  }
  const name = `${op.method.toUpperCase()} ${op.path}`;
  const examples = op.body ? regressionMembers(op.body.properties ?? {}).map(bodyAttempt) : [];
  return kinds.length ? { name, cases: fc.oneof(...kinds), examples } : null;
}

/** The cases of one MCP tool: hostile arguments, sent as raw JSON-RPC (the SDK client would rewrite 1e309 as null). */
function toolTarget(tool: { name: string; inputSchema: { properties?: Record<string, unknown> } }): Target {
  const properties = { ...((tool.inputSchema.properties ?? {}) as Record<string, Schema>) };
  delete properties.agent_key;
  const attempt = (members: [string, string][]): Attempt => ({
    describe: objectText(members),
    fields: members.map(([name]) => name),
    send: () =>
      ctx
        .http()
        .post('/mcp')
        .set('Content-Type', 'application/json')
        .set('Accept', 'application/json, text/event-stream')
        .set('Mcp-Protocol-Version', '2025-06-18')
        .set('X-Api-Key', agent.apiKey)
        .send(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":${JSON.stringify(tool.name)},"arguments":${objectText(members)}}}`),
  });
  return { name: `tool ${tool.name}`, cases: hostileMembers(properties).map(attempt), examples: regressionMembers(properties).map(attempt) };
}

/** A digest of every table a request could write (the sealer's chain and key/agent last-use times excluded). */
async function fingerprint(): Promise<string> {
  const tables: { name: string }[] = await ctx.db.query(
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
        AND table_name NOT IN ('audit_chain', 'audit_chain_anchors', 'audit_seal_state') ORDER BY 1`,
  );
  const parts = await Promise.all(
    tables.map(async ({ name }) => {
      const [row] = await ctx.db.query(
        `SELECT count(*) AS n, md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) AS digest
           FROM (SELECT to_jsonb(x) - 'last_used_at' - 'last_seen_at' AS r FROM "${name}" x) rows`,
      );
      return `${name}:${row.n}:${row.digest}`;
    }),
  );
  return parts.join('\n');
}

/** Error-level (and worse) log lines written since `from`. */
function errorLogsSince(from: number): string[] {
  return ctx.logs.slice(from).filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
}

interface FieldError {
  field: string;
}

const namesAField = (errors: FieldError[] | undefined, fields: string[]) =>
  (errors ?? []).some((e) => fields.some((f) => e.field === f || e.field.startsWith(`${f}.`)));

function expectRefused(what: string, status: number, body: { code?: string; errors?: FieldError[] }, fields: string[]): void {
  const verdict = status === 422 && body.code === 'validation_failed' && namesAField(body.errors, fields);
  if (!verdict) throw new Error(`${what}: expected a 422 naming one of ${fields.join(', ')}; got ${status} ${JSON.stringify(body)}`);
}

/** A body sent as anything but JSON: the 415 saying how to send it, with no field errors. */
function expectNotJsonRefused(what: string, status: number, body: { code?: string; detail?: string; errors?: FieldError[] }): void {
  const verdict =
    status === 415 &&
    body.code === 'unsupported_media_type' &&
    body.detail === 'Send the request body as JSON, with Content-Type: application/json' &&
    body.errors === undefined;
  if (!verdict) throw new Error(`${what}: expected a 415 unsupported_media_type; got ${status} ${JSON.stringify(body)}`);
}

/** Runs the cases of one target; afterwards nothing may be stored and nothing logged at error level. */
async function fuzz(target: Target, check: (what: string, a: Attempt, res: Response) => void): Promise<void> {
  const before = await fingerprint();
  const logStart = ctx.logs.length;
  await fc.assert(
    fc.asyncProperty(target.cases, async (attempt) => check(`${target.name} with ${attempt.describe}`, attempt, await attempt.send())),
    { seed: SEED, numRuns: RUNS + target.examples.length, examples: target.examples.map((e) => [e]), endOnFailure: true },
  );
  await new Promise((resolve) => setTimeout(resolve, 20)); // request log lines land when responses finish
  expect({ target: target.name, errorLogs: errorLogsSince(logStart) }).toEqual({ target: target.name, errorLogs: [] });
  expect({ target: target.name, state: await fingerprint() }).toEqual({ target: target.name, state: before });
}

describe('hostile input, REST and MCP (property-based)', () => {
  it('every integer field, parameter and tool argument states an upper bound', async () => {
    const unbounded: string[] = [];
    const walk = (schema: Schema | undefined, where: string) => {
      const s = resolve(schema);
      if (!s) return;
      if ((s.type === 'integer' || s.type === 'number') && s.maximum === undefined && !s.enum) unbounded.push(where);
      for (const [name, prop] of Object.entries(s.properties ?? {})) walk(prop, `${where}.${name}`);
      for (const branch of [...(s.anyOf ?? []), ...(s.oneOf ?? [])]) walk(branch, where);
      if (s.items) walk(s.items, `${where}[]`);
    };
    const ops = operations();
    for (const op of ops) {
      if (op.body) walk(op.body, `${op.method} ${op.path} body`);
      for (const p of op.parameters) walk(p.schema, `${op.method} ${op.path} ${p.name}`);
    }
    const client = await ctx.connectMcp();
    const { tools } = await client.listTools();
    for (const tool of tools) walk(tool.inputSchema, tool.name);
    expect(unbounded).toEqual([]);
    // The walk saw the integers it should: path ids, paging and body fields, REST and MCP.
    expect(ops.find((o) => o.path === '/projects/{id}')?.parameters[0].schema).toEqual({ type: 'integer', minimum: 1, maximum: 2147483647 });
    expect(tools.find((tool) => tool.name === 'get_project')?.inputSchema.properties?.project_id).toMatchObject({ type: 'integer', maximum: 2147483647 });
  });

  it('every REST operation refuses hostile bodies, parameters and empty bodies with a 422 naming the field, and non-JSON bodies with a 415', async () => {
    const targets = operations()
      .map(restTarget)
      .filter((target): target is Target => target !== null);
    expect(targets.length).toBeGreaterThan(80);
    for (const target of targets) {
      await fuzz(target, (what, attempt, res) => {
        if (res.status >= 500) throw new Error(`${what}: ${res.status} ${res.text}`);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        const problem = JSON.parse(res.text) as { code?: string; detail?: string; errors?: FieldError[] };
        if (attempt.notJson) expectNotJsonRefused(what, res.status, problem);
        else expectRefused(what, res.status, problem, attempt.fields);
      });
    }
  }, 240_000);

  it('every MCP tool refuses hostile arguments with an isError result naming the argument', async () => {
    const client = await ctx.connectMcp();
    const { tools } = await client.listTools();
    expect(tools.length).toBeGreaterThan(70);
    for (const tool of tools) {
      await fuzz(toolTarget(tool), (what, attempt, res) => {
        if (res.status !== 200) throw new Error(`${what}: HTTP ${res.status} ${res.text}`);
        const result = (res.body as { result?: { isError?: boolean; structuredContent?: { error?: { code?: string; errors?: FieldError[] } } } }).result;
        if (!result?.isError) throw new Error(`${what}: not refused: ${res.text}`);
        expectRefused(what, 422, result.structuredContent?.error ?? {}, attempt.fields);
      });
    }
  }, 240_000);
});
