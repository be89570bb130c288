import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { CONFLICTING_CREDENTIALS } from '../src/common/auth/authenticator';
import { SECRET_KEY_RULE } from '../src/secrets/secrets.dto';
import { useFixtures } from './support/fixtures';
import { toolJson } from './support/mcp-client';
import { TestAgent } from './support/test-app';

/**
 * The secrets vault through its MCP tools (list_secrets, get_secret,
 * set_secret, delete_secret) with the official SDK client: the same service,
 * rules, errors and audit as /secrets, values never in listings, audit rows or logs.
 */

type CallResult = Awaited<ReturnType<Client['callTool']>>;
type Json = Record<string, unknown>;
interface ToolError {
  code: string;
  message: string;
  errors?: { field: string; message: string }[];
}
interface SecretMeta {
  key: string;
  created_at: string;
  updated_at: string;
  readers: string[] | null;
  write_only: boolean;
}
interface AuditRow {
  event_type: string;
  agent_id: string | null;
  subject: string | null;
  reason_code: string | null;
  meta: Json | null;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const NOT_FOUND = { code: 'not_found', message: 'Secret not found' };
const UNDECRYPTABLE = { code: 'internal_error', message: 'Secret could not be decrypted' };
const VALUE_RULE = 'value must be at most 65536 bytes of UTF-8';
const SECRET_TOOLS = ['list_secrets', 'get_secret', 'set_secret', 'delete_secret'];

/** Asserts a successful tool result and returns its JSON (text and structuredContent agree). */
function ok<T = Json>(result: CallResult): T {
  if (result.isError) throw new Error(`tool failed: ${JSON.stringify(toolJson(result))}`);
  const json = toolJson(result);
  expect(result.structuredContent).toEqual(json);
  return json as T;
}

/** Asserts an `isError` tool result and returns its `error` object. */
function toolError(result: CallResult): ToolError {
  expect(result.isError).toBe(true);
  const json = toolJson(result) as { error: ToolError };
  expect(Object.keys(json)).toEqual(['error']);
  if (result.structuredContent !== undefined) expect(result.structuredContent).toEqual(json);
  return json.error;
}

/** Everything a tool result carries, as text (to prove a value is not in it). */
const resultText = (result: CallResult) => JSON.stringify(result);

const secretKey = (prefix: string) => `${prefix}_${randomUUID().slice(0, 8)}`;
/** A value that appears nowhere else, so finding it anywhere is a leak. */
const canary = (label: string) => `canary-${label}-${randomUUID()}`;

describe('Secrets MCP tools (official SDK client over HTTP)', () => {
  const ctx = useFixtures();
  /** User A: agent a (connected by header), its sibling a2, and a3 (through agent_key only). */
  let a: TestAgent;
  let a2: TestAgent;
  let a3: TestAgent;
  /** User B: another tenant. */
  let b: TestAgent;
  let mcpA: Client;
  let mcpA2: Client;
  let mcpB: Client;
  /** Every value written in this file: none may ever show up in an audit row or a log line. */
  const written = new Set<string>();

  const connect = (headers: Record<string, string> = {}): Promise<Client> => ctx.connectMcp(headers);

  const call = (client: Client, name: string, args: Json = {}) => client.callTool({ name, arguments: args });
  const header = (agent: TestAgent) => ({ 'X-Api-Key': agent.apiKey });

  const rest = {
    get: (agent: TestAgent, key: string) => ctx.http().get(`/secrets/${encodeURIComponent(key)}`).set(header(agent)),
    put: (agent: TestAgent, key: string, body: Json) => ctx.http().put(`/secrets/${encodeURIComponent(key)}`).set(header(agent)).send(body),
    delete: (agent: TestAgent, key: string) => ctx.http().delete(`/secrets/${encodeURIComponent(key)}`).set(header(agent)),
    list: (agent: TestAgent, query: Record<string, string> = {}) => ctx.http().get('/secrets').query(query).set(header(agent)),
  };

  function expectStatus(res: Response, status: number): Json {
    expect({ status: res.status, body: res.body as unknown }).toEqual({ status, body: expect.anything() });
    return res.body as Json;
  }

  /** Writes through set_secret and remembers the value for the leak checks. */
  async function set(client: Client, args: Json): Promise<{ created: boolean; saved: SecretMeta }> {
    if (typeof args.value === 'string') written.add(args.value);
    return ok(await call(client, 'set_secret', args));
  }

  async function getValue(client: Client, key: string): Promise<string> {
    const got = ok<{ key: string; value: string }>(await call(client, 'get_secret', { key }));
    expect(Object.keys(got).sort()).toEqual(['key', 'value']);
    expect(got.key).toBe(key);
    return got.value;
  }

  async function auditOf(userId: string, key: string): Promise<AuditRow[]> {
    return ctx.db.query(
      `SELECT event_type, agent_id, subject, reason_code, meta FROM audit_events WHERE user_id = $1 AND subject = $2 ORDER BY seq`,
      [userId, key],
    );
  }

  async function storedKeys(userId: string): Promise<string[]> {
    const rows: { key: string }[] = await ctx.db.query(`SELECT key FROM secrets WHERE user_id = $1 ORDER BY key`, [userId]);
    return rows.map((r) => r.key);
  }

  beforeAll(async () => {
    a = await ctx.newUser();
    a2 = await ctx.newAgent(a);
    a3 = await ctx.newAgent(a);
    b = await ctx.newUser();
    mcpA = await connect(header(a));
    mcpA2 = await connect(header(a2));
    mcpB = await connect(header(b));
  });

  // ------------------------------------------------------------------------------------------
  describe('tools/list', () => {
    it('advertises the four secret tools with their parameters, the optional agent_key, and annotations', async () => {
      const { tools } = await mcpA.listTools();
      const byName = new Map(tools.map((tool) => [tool.name, tool]));
      const expected: Record<string, { properties: string[]; required: string[]; readOnly: boolean; destructive: boolean }> = {
        list_secrets: { properties: ['limit', 'offset'], required: [], readOnly: true, destructive: false },
        get_secret: { properties: ['key'], required: ['key'], readOnly: true, destructive: false },
        set_secret: { properties: ['key', 'readers', 'value', 'write_only'], required: ['key', 'value'], readOnly: false, destructive: false },
        delete_secret: { properties: ['key'], required: ['key'], readOnly: false, destructive: true },
      };
      for (const name of SECRET_TOOLS) {
        const tool = byName.get(name);
        expect({ name, present: tool !== undefined }).toEqual({ name, present: true });
        expect(tool!.description).toEqual(expect.any(String));
        const properties = (tool!.inputSchema.properties ?? {}) as Record<string, Json>;
        const spec = expected[name];
        expect({ name, properties: Object.keys(properties).sort() }).toEqual({ name, properties: ['agent_key', ...spec.properties].sort() });
        expect({ name, required: [...(tool!.inputSchema.required ?? [])].sort() }).toEqual({ name, required: spec.required });
        expect(properties.agent_key).toMatchObject({ type: 'string' });
        const hints = tool!.annotations ?? {};
        expect({ name, readOnly: hints.readOnlyHint, destructive: hints.destructiveHint ?? false }).toEqual({
          name,
          readOnly: spec.readOnly,
          destructive: spec.destructive,
        });
      }
      const props = (name: string) => byName.get(name)!.inputSchema.properties as Record<string, Json>;
      expect(props('set_secret').value).toMatchObject({ type: 'string' });
      expect(props('set_secret').write_only).toMatchObject({ type: 'boolean' });
      expect(props('get_secret').key).toMatchObject({ type: 'string' });
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('set_secret, get_secret, list_secrets', () => {
    it('set_secret creates ({created: true}) then replaces ({created: false}) and keeps created_at', async () => {
      const key = secretKey('slack_token');
      const first = await set(mcpA, { key, value: canary('first') });
      expect(Object.keys(first).sort()).toEqual(['created', 'saved']);
      expect(first.created).toBe(true);
      expect(first.saved).toEqual({ key, created_at: expect.stringMatching(ISO), updated_at: expect.stringMatching(ISO), readers: null, write_only: false });

      const replacement = canary('second');
      const second = await set(mcpA2, { key, value: replacement }); // any agent of the user may write
      expect(second.created).toBe(false);
      expect(second.saved).toMatchObject({ key, created_at: first.saved.created_at, readers: null, write_only: false });
      expect(Date.parse(second.saved.updated_at)).toBeGreaterThanOrEqual(Date.parse(first.saved.updated_at));
      expect(await getValue(mcpA, key)).toBe(replacement);
      expect(await storedKeys(a.userId)).toContain(key);
    });

    it.each([
      ['ASCII', 'xoxb-1234567890-abcdefghij'],
      ['multi-byte UTF-8', 'Grüße, ça coûte 5 € — 日本語のテキスト — Ελληνικά'],
      ['emoji', '🔐🐙 key 👩‍👩‍👧‍👦 🇫🇷'],
      ['the empty string', ''],
      ['whitespace and newlines', '  line one\nline two\t\r\n  '],
      ['JSON-looking text', '{"value": "nested", "n": [1, 2, 3]}'],
    ])('get_secret returns %s exactly as written', async (_label, value) => {
      const key = secretKey('roundtrip');
      const { created } = await set(mcpA, { key, value });
      expect(created).toBe(true);
      expect(await getValue(mcpA, key)).toBe(value);
      expect(await getValue(mcpA2, key)).toBe(value); // readers null: every agent of the user
      // The same value through REST.
      expect(expectStatus(await rest.get(a, key), 200)).toEqual({ key, value });
    });

    it('a value of exactly 65536 bytes is accepted and read back', async () => {
      const key = secretKey('max');
      const value = `${'€'.repeat(21_845)}x`; // 21845 × 3 + 1 = 65536 bytes
      expect(Buffer.byteLength(value, 'utf8')).toBe(65_536);
      expect((await set(mcpA, { key, value })).created).toBe(true);
      expect(await getValue(mcpA, key)).toBe(value);
    });

    it('list_secrets shows names, readers and flags, never values, and equals GET /secrets', async () => {
      const fresh = await ctx.newUser();
      const client = await connect(header(fresh));
      const sibling = await ctx.newAgent(fresh);
      const values = { b_key: canary('list-b'), a_key: canary('list-a'), 'c.key-3': canary('list-c') };
      await set(client, { key: 'b_key', value: values.b_key, readers: [sibling.agentName] });
      await set(client, { key: 'a_key', value: values.a_key, write_only: true });
      await set(client, { key: 'c.key-3', value: values['c.key-3'] });

      const listed = await call(client, 'list_secrets');
      const body = ok<{ secrets: SecretMeta[]; total: number; limit: number; offset: number }>(listed);
      expect(Object.keys(body).sort()).toEqual(['limit', 'offset', 'secrets', 'total']);
      expect(body.total).toBe(3);
      expect(body.secrets.map((s) => s.key)).toEqual(['a_key', 'b_key', 'c.key-3']); // sorted by key
      for (const s of body.secrets) expect(Object.keys(s).sort()).toEqual(['created_at', 'key', 'readers', 'updated_at', 'write_only']);
      expect(body.secrets.map((s) => [s.key, s.readers, s.write_only])).toEqual([
        ['a_key', null, true],
        ['b_key', [sibling.agentName], false],
        ['c.key-3', null, false],
      ]);
      for (const value of Object.values(values)) expect(resultText(listed)).not.toContain(value);
      expect(expectStatus(await rest.list(fresh), 200)).toEqual(body);

      const page = ok<{ secrets: SecretMeta[]; total: number; limit: number; offset: number }>(await call(client, 'list_secrets', { limit: 1, offset: 1 }));
      expect(page).toMatchObject({ total: 3, limit: 1, offset: 1 });
      expect(page.secrets.map((s) => s.key)).toEqual(['b_key']);
      expect(page).toEqual(expectStatus(await rest.list(fresh, { limit: '1', offset: '1' }), 200));
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('readers and write_only (the same answers as REST)', () => {
    it('only the named readers may read; a writer that is not a reader gets forbidden, like REST 403', async () => {
      const key = secretKey('readers');
      const value = canary('readers');
      // Names are case-insensitive and stored lowercase.
      const { saved } = await set(mcpA, { key, value, readers: [a2.agentName.toUpperCase()] });
      expect(saved.readers).toEqual([a2.agentName]);
      expect(await getValue(mcpA2, key)).toBe(value);

      const denied = await call(mcpA, 'get_secret', { key });
      const error = toolError(denied);
      expect(error).toEqual({ code: 'forbidden', message: `Agent '${a.agentName}' is not among the readers of secret '${key}'` });
      expect(resultText(denied)).not.toContain(value);
      const res = await rest.get(a, key);
      expect(expectStatus(res, 403)).toMatchObject({ code: 'forbidden', detail: error.message });
      expect(res.text).not.toContain(value);
    });

    it('readers absent on replace keeps them; readers null opens the secret to every agent of the user', async () => {
      const key = secretKey('keep_readers');
      await set(mcpA, { key, value: canary('r1'), readers: [a2.agentName, a3.agentName] });
      const kept = await set(mcpA, { key, value: canary('r2') });
      expect(kept).toMatchObject({ created: false, saved: { readers: [a2.agentName, a3.agentName].sort() } });
      expect(toolError(await call(mcpA, 'get_secret', { key })).code).toBe('forbidden');

      const opened = await set(mcpA2, { key, value: canary('r3'), readers: null });
      expect(opened.saved.readers).toBeNull();
      expect(await getValue(mcpA, key)).toEqual(expect.stringMatching(/^canary-r3-/));
    });

    it('an empty readers list leaves the secret readable by no agent', async () => {
      const key = secretKey('no_readers');
      const { saved } = await set(mcpA, { key, value: canary('nobody') });
      expect(saved.readers).toBeNull();
      const closed = await set(mcpA, { key, value: canary('nobody'), readers: [] });
      expect(closed.saved.readers).toEqual([]);
      for (const [client, agent] of [
        [mcpA, a],
        [mcpA2, a2],
      ] as const) {
        const error = toolError(await call(client, 'get_secret', { key }));
        expect(error).toEqual({ code: 'forbidden', message: `Agent '${agent.agentName}' is not among the readers of secret '${key}'` });
      }
    });

    it('a write-only secret is never returned, to any agent, like REST 403; replacing without write_only keeps it', async () => {
      const key = secretKey('write_only');
      const value = canary('write-only');
      const created = await set(mcpA, { key, value, write_only: true });
      expect(created).toMatchObject({ created: true, saved: { write_only: true, readers: null } });

      for (const [client, agent] of [
        [mcpA, a],
        [mcpA2, a2],
      ] as const) {
        const denied = await call(client, 'get_secret', { key });
        const error = toolError(denied);
        expect(error).toEqual({
          code: 'forbidden',
          message: `Secret '${key}' is write-only: only the service itself uses it, it is never returned`,
        });
        expect(resultText(denied)).not.toContain(value);
        const res = await rest.get(agent, key);
        expect(expectStatus(res, 403)).toMatchObject({ code: 'forbidden', detail: error.message });
        expect(res.text).not.toContain(value);
      }

      const replaced = await set(mcpA, { key, value: canary('write-only-2') });
      expect(replaced).toMatchObject({ created: false, saved: { write_only: true } });
      expect(toolError(await call(mcpA, 'get_secret', { key })).code).toBe('forbidden');

      const readable = await set(mcpA, { key, value: canary('readable'), write_only: false });
      expect(readable.saved.write_only).toBe(false);
      expect(await getValue(mcpA, key)).toEqual(expect.stringMatching(/^canary-readable-/));
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('invalid arguments: validation_failed, nothing stored', () => {
    it.each([
      ['an empty key', ''],
      ['a key with a space', 'has space'],
      ['a key with a slash', 'a/b'],
      ['a non-ASCII key', 'clé'],
      ['a key of 201 characters', 'k'.repeat(201)],
    ])('%s is refused by every tool, as by REST', async (_label, key) => {
      const before = await storedKeys(a.userId);
      const value = canary('bad-key');
      const expected = { code: 'validation_failed', message: SECRET_KEY_RULE, errors: [{ field: 'key', message: SECRET_KEY_RULE }] };
      written.add(value);
      expect(toolError(await call(mcpA, 'set_secret', { key, value }))).toEqual(expected);
      expect(toolError(await call(mcpA, 'get_secret', { key }))).toEqual(expected);
      expect(toolError(await call(mcpA, 'delete_secret', { key }))).toEqual(expected);
      expect(await storedKeys(a.userId)).toEqual(before);
      if (key !== '') {
        // REST refuses the same key in the path with the same message.
        expect(expectStatus(await rest.put(a, key, { value }), 422)).toMatchObject({ code: 'validation_failed', detail: SECRET_KEY_RULE });
        expect(expectStatus(await rest.get(a, key), 422)).toMatchObject({ code: 'validation_failed', detail: SECRET_KEY_RULE });
      }
    });

    it('a missing or non-string key is refused', async () => {
      const cases: [Json, string][] = [
        [{ value: 'v' }, 'key is required'],
        [{ key: 42, value: 'v' }, SECRET_KEY_RULE],
        [{ key: null, value: 'v' }, SECRET_KEY_RULE],
      ];
      for (const [args, message] of cases) {
        expect({ args, error: toolError(await call(mcpA, 'set_secret', args)) }).toEqual({
          args,
          error: { code: 'validation_failed', message, errors: [{ field: 'key', message }] },
        });
      }
      expect(toolError(await call(mcpA, 'get_secret'))).toEqual({
        code: 'validation_failed',
        message: 'key is required',
        errors: [{ field: 'key', message: 'key is required' }],
      });
    });

    it('a value over 65536 bytes of UTF-8 is refused (also when under 65536 characters), as by REST', async () => {
      for (const value of ['x'.repeat(65_537), 'é'.repeat(32_769), `${'€'.repeat(21_845)}xy`]) {
        const key = secretKey('too_big');
        expect(Buffer.byteLength(value, 'utf8')).toBeGreaterThan(65_536);
        const error = toolError(await call(mcpA, 'set_secret', { key, value }));
        expect(error).toEqual({ code: 'validation_failed', message: VALUE_RULE, errors: [{ field: 'value', message: VALUE_RULE }] });
        const res = await rest.put(a, key, { value });
        expect(expectStatus(res, 422)).toMatchObject({ code: 'validation_failed', detail: VALUE_RULE, errors: error.errors });
        expect(await storedKeys(a.userId)).not.toContain(key);
        expect(await auditOf(a.userId, key)).toEqual([]);
      }
    });

    it('a missing or non-string value, bad readers or write_only are refused', async () => {
      const key = secretKey('bad_args');
      const cases: [Json, { field: string; message: string }][] = [
        [{ key }, { field: 'value', message: 'value is required' }],
        [{ key, value: 12 }, { field: 'value', message: 'value must be a string' }],
        [{ key, value: 'v', readers: 'lucy' }, { field: 'readers', message: 'readers must be a list of agent names, or null' }],
        [{ key, value: 'v', readers: ['not a name!'] }, { field: 'readers', message: expect.stringMatching(/^each reader must be an agent name/) }],
        [{ key, value: 'v', write_only: 'yes' }, { field: 'write_only', message: 'write_only must be true or false' }],
      ];
      for (const [args, fieldError] of cases) {
        const error = toolError(await call(mcpA, 'set_secret', args));
        expect({ args, error }).toEqual({ args, error: { code: 'validation_failed', message: expect.any(String), errors: [fieldError] } });
      }
      expect(await storedKeys(a.userId)).not.toContain(key);
    });

    it("a reader that is not one of the user's agents (unknown, or another user's) is refused, as by REST; nothing changes", async () => {
      const key = secretKey('unknown_reader');
      const original = canary('kept');
      await set(mcpA, { key, value: original });
      const auditBefore = await auditOf(a.userId, key);
      for (const reader of [`nobody-${randomUUID().slice(0, 8)}`, b.agentName]) {
        const message = `readers: your user has no agent named '${reader}'`;
        const attempt = canary('never-stored');
        written.add(attempt);
        const error = toolError(await call(mcpA, 'set_secret', { key, value: attempt, readers: [a2.agentName, reader] }));
        expect(error).toEqual({ code: 'validation_failed', message, errors: [{ field: 'readers', message }] });
        expect(expectStatus(await rest.put(a, key, { value: attempt, readers: [reader] }), 422)).toMatchObject({ code: 'validation_failed', detail: message });

        // Unknown readers on a new key: nothing stored.
        const fresh = secretKey('unknown_reader_new');
        expect(toolError(await call(mcpA, 'set_secret', { key: fresh, value: attempt, readers: [reader] })).code).toBe('validation_failed');
        expect(await storedKeys(a.userId)).not.toContain(fresh);
      }
      // The existing secret is untouched: same value, same readers, no new write event.
      expect(await getValue(mcpA, key)).toBe(original);
      expect(await auditOf(a.userId, key)).toHaveLength(auditBefore.length + 1); // + the SECRET_READ just made
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('delete_secret', () => {
    it('deletes ({deleted: key}); then get and delete answer not_found "Secret not found", as REST 404', async () => {
      const key = secretKey('to_delete');
      await set(mcpA, { key, value: canary('deleted') });
      expect(ok(await call(mcpA2, 'delete_secret', { key }))).toEqual({ deleted: key });
      expect(await storedKeys(a.userId)).not.toContain(key);

      expect(toolError(await call(mcpA, 'get_secret', { key }))).toEqual(NOT_FOUND);
      expect(toolError(await call(mcpA, 'delete_secret', { key }))).toEqual(NOT_FOUND);
      expect(expectStatus(await rest.get(a, key), 404)).toMatchObject({ code: 'not_found', detail: NOT_FOUND.message });
      expect(expectStatus(await rest.delete(a, key), 404)).toMatchObject({ code: 'not_found', detail: NOT_FOUND.message });
      const listed = ok<{ secrets: SecretMeta[] }>(await call(mcpA, 'list_secrets', { limit: 1000 }));
      expect(listed.secrets.map((s) => s.key)).not.toContain(key);
    });

    it('a never-written key: not_found', async () => {
      expect(toolError(await call(mcpA, 'delete_secret', { key: secretKey('never') }))).toEqual(NOT_FOUND);
      expect(toolError(await call(mcpA, 'get_secret', { key: secretKey('never') }))).toEqual(NOT_FOUND);
    });

    it('a write-only secret, or one the caller may not read, can still be deleted by any agent of the user', async () => {
      const writeOnly = secretKey('del_write_only');
      const restricted = secretKey('del_restricted');
      await set(mcpA, { key: writeOnly, value: canary('del-wo'), write_only: true });
      await set(mcpA, { key: restricted, value: canary('del-r'), readers: [a2.agentName] });
      expect(ok(await call(mcpA, 'delete_secret', { key: writeOnly }))).toEqual({ deleted: writeOnly });
      expect(ok(await call(mcpA, 'delete_secret', { key: restricted }))).toEqual({ deleted: restricted });
      expect(toolError(await call(mcpA2, 'get_secret', { key: restricted }))).toEqual(NOT_FOUND);
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('tenant isolation', () => {
    it("another user's agent cannot get, delete or list a secret; its set creates its own", async () => {
      const key = secretKey('shared_name');
      const valueA = canary('tenant-a');
      const valueB = canary('tenant-b');
      await set(mcpA, { key, value: valueA });

      // Not found, exactly as for a key that does not exist (no hint that A has it).
      const got = await call(mcpB, 'get_secret', { key });
      expect(toolError(got)).toEqual(NOT_FOUND);
      expect(resultText(got)).not.toContain(valueA);
      expect(toolError(await call(mcpB, 'delete_secret', { key }))).toEqual(NOT_FOUND);
      const listedB = await call(mcpB, 'list_secrets', { limit: 1000 });
      expect(ok<{ secrets: SecretMeta[] }>(listedB).secrets.map((s) => s.key)).not.toContain(key);
      expect(resultText(listedB)).not.toContain(valueA);

      // B's set_secret of the same name creates B's own secret.
      const created = await set(mcpB, { key, value: valueB });
      expect(created).toMatchObject({ created: true, saved: { key, readers: null, write_only: false } });
      expect(await getValue(mcpB, key)).toBe(valueB);
      expect(await getValue(mcpA, key)).toBe(valueA);

      // B deleting its own leaves A's.
      expect(ok(await call(mcpB, 'delete_secret', { key }))).toEqual({ deleted: key });
      expect(await getValue(mcpA, key)).toBe(valueA);
      expect(await storedKeys(b.userId)).not.toContain(key);
      expect(await storedKeys(a.userId)).toContain(key);
    });

    it("B cannot name A's agents as readers, and A's listing never shows B's secrets", async () => {
      const key = secretKey('b_only');
      const message = `readers: your user has no agent named '${a.agentName}'`;
      expect(toolError(await call(mcpB, 'set_secret', { key, value: canary('b'), readers: [a.agentName] }))).toMatchObject({
        code: 'validation_failed',
        message,
      });
      await set(mcpB, { key, value: canary('b-own') });
      const listedA = ok<{ secrets: SecretMeta[]; total: number }>(await call(mcpA, 'list_secrets', { limit: 1000 }));
      expect(listedA.secrets.map((s) => s.key)).not.toContain(key);
      expect(listedA.total).toBe((await storedKeys(a.userId)).length);
      expect(toolError(await call(mcpA, 'get_secret', { key }))).toEqual(NOT_FOUND);
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('authentication', () => {
    it('the agent_key argument names the caller on a connection without headers (readers follow that caller), and never overrides a header key', async () => {
      const bare = await connect();
      const key = secretKey('agent_key_arg');
      const value = canary('agent-key');
      written.add(value);
      const created = ok<{ created: boolean; saved: SecretMeta }>(
        await call(bare, 'set_secret', { agent_key: a3.apiKey, key, value, readers: [a3.agentName] }),
      );
      expect(created).toMatchObject({ created: true, saved: { readers: [a3.agentName] } });
      expect(ok(await call(bare, 'get_secret', { agent_key: a3.apiKey, key }))).toEqual({ key, value });
      expect(toolError(await call(bare, 'get_secret', { agent_key: a.apiKey, key }))).toEqual({
        code: 'forbidden',
        message: `Agent '${a.agentName}' is not among the readers of secret '${key}'`,
      });
      const listed = ok<{ secrets: SecretMeta[] }>(await call(bare, 'list_secrets', { agent_key: a3.apiKey, limit: 1000 }));
      expect(listed.secrets.map((s) => s.key)).toContain(key);

      // agent_key never overrides the connection's header: B's connection cannot act as a3.
      const conflict = await call(mcpB, 'get_secret', { agent_key: a3.apiKey, key });
      expect(toolError(conflict)).toEqual({ code: 'unauthorized', message: CONFLICTING_CREDENTIALS });
      expect(resultText(conflict)).not.toContain(value);
      // The same key as argument and header is fine.
      const byA3 = await connect(header(a3));
      expect(ok(await call(byA3, 'get_secret', { agent_key: a3.apiKey, key }))).toEqual({ key, value });

      // The events name a3 as the agent; the refused call left none.
      expect((await auditOf(a.userId, key)).map((e) => [e.event_type, e.agent_id])).toEqual([
        ['SECRET_WRITE', a3.agentId],
        ['SECRET_READ', a3.agentId],
        ['SECRET_READ_DENIED', a.agentId],
        ['SECRET_READ', a3.agentId],
      ]);
      expect(await auditOf(b.userId, key)).toEqual([]);
    });

    it('no key, or a bad key: unauthorized, for every tool', async () => {
      const bare = await connect();
      for (const name of SECRET_TOOLS) {
        const args = { key: 'anything', value: 'v' };
        expect({ name, error: toolError(await call(bare, name, args)) }).toEqual({
          name,
          error: {
            code: 'unauthorized',
            message: 'API key required: pass your agent key as the agent_key argument, or connect with the X-Api-Key or Authorization: Bearer header',
          },
        });
        expect({ name, error: toolError(await call(bare, name, { ...args, agent_key: 'mnemo_ak_not-a-real-key' })) }).toEqual({
          name,
          error: { code: 'unauthorized', message: 'Invalid API key' },
        });
      }
      expect(await storedKeys(a.userId)).not.toContain('anything');
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('audit', () => {
    it('every call is audited with the key as subject: SECRET_WRITE, SECRET_READ, SECRET_READ_DENIED, SECRET_DELETE', async () => {
      const key = secretKey('audited');
      const value = canary('audited');
      await set(mcpA, { key, value }); // write (create)
      await getValue(mcpA2, key); // read
      await set(mcpA, { key, value: canary('audited-2'), readers: [a2.agentName] }); // write (replace, readers)
      toolError(await call(mcpA, 'get_secret', { key })); // denied: not a reader
      await set(mcpA, { key, value: canary('audited-3'), write_only: true }); // write (write_only)
      toolError(await call(mcpA2, 'get_secret', { key })); // denied: write-only
      ok(await call(mcpA2, 'delete_secret', { key })); // delete
      toolError(await call(mcpA, 'get_secret', { key })); // denied: not found
      toolError(await call(mcpA, 'delete_secret', { key })); // nothing deleted: no event

      expect(await auditOf(a.userId, key)).toEqual([
        { event_type: 'SECRET_WRITE', agent_id: a.agentId, subject: key, reason_code: null, meta: { key_id: 1 } },
        { event_type: 'SECRET_READ', agent_id: a2.agentId, subject: key, reason_code: null, meta: null },
        { event_type: 'SECRET_WRITE', agent_id: a.agentId, subject: key, reason_code: null, meta: { key_id: 1, readers: [a2.agentName] } },
        { event_type: 'SECRET_READ_DENIED', agent_id: a.agentId, subject: key, reason_code: 'NOT_A_READER', meta: null },
        { event_type: 'SECRET_WRITE', agent_id: a.agentId, subject: key, reason_code: null, meta: { key_id: 1, write_only: true } },
        { event_type: 'SECRET_READ_DENIED', agent_id: a2.agentId, subject: key, reason_code: 'WRITE_ONLY', meta: null },
        { event_type: 'SECRET_DELETE', agent_id: a2.agentId, subject: key, reason_code: null, meta: null },
        { event_type: 'SECRET_READ_DENIED', agent_id: a.agentId, subject: key, reason_code: 'NOT_FOUND', meta: null },
      ]);
    });

    it("a read attempt on another user's key is audited in the caller's own trail, as not found", async () => {
      const key = secretKey('probe');
      await set(mcpA, { key, value: canary('probe') });
      toolError(await call(mcpB, 'get_secret', { key }));
      expect(await auditOf(b.userId, key)).toEqual([
        { event_type: 'SECRET_READ_DENIED', agent_id: b.agentId, subject: key, reason_code: 'NOT_FOUND', meta: null },
      ]);
      expect((await auditOf(a.userId, key)).map((r) => r.event_type)).toEqual(['SECRET_WRITE']);
    });

    it('calls with invalid arguments write no event', async () => {
      const key = secretKey('invalid');
      toolError(await call(mcpA, 'set_secret', { key, value: 'x'.repeat(65_537) }));
      toolError(await call(mcpA, 'set_secret', { key, value: 'v', readers: ['no-such-agent-here'] }));
      expect(await auditOf(a.userId, key)).toEqual([]);
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('a stored blob that does not decrypt', () => {
    async function blobOf(userId: string, key: string): Promise<Buffer> {
      const [row]: { encrypted_value: Buffer }[] = await ctx.db.query(`SELECT encrypted_value FROM secrets WHERE user_id = $1 AND key = $2`, [userId, key]);
      return row.encrypted_value;
    }

    it.each([
      ['a flipped ciphertext byte', 20, 'AUTHENTICATION_FAILED', 1],
      ['a flipped tag byte (last byte)', -1, 'AUTHENTICATION_FAILED', 1],
      ['a flipped nonce byte', 5, 'AUTHENTICATION_FAILED', 1],
      ['an unknown key id', 1, 'UNKNOWN_KEY_ID', 1 ^ 0xff],
      ['an unknown blob version', 0, 'UNKNOWN_VERSION', null],
    ])('%s → isError "Secret could not be decrypted", no plaintext, SECRET_DECRYPT_FAILED audited', async (_label, at, reason, keyId) => {
      const key = secretKey('corrupt');
      const value = canary('corrupt-value-long-enough-for-byte-20');
      await set(mcpA, { key, value });
      const blob = await blobOf(a.userId, key);
      expect(blob.length).toBe(30 + Buffer.byteLength(value));
      const index = at < 0 ? blob.length + at : at;
      // Flip every bit of one byte, in SQL.
      await ctx.db.query(`UPDATE secrets SET encrypted_value = set_byte(encrypted_value, $3, get_byte(encrypted_value, $3) # 255) WHERE user_id = $1 AND key = $2`, [
        a.userId,
        key,
        index,
      ]);
      expect((await blobOf(a.userId, key))[index]).toBe(blob[index] ^ 0xff);

      const result = await call(mcpA, 'get_secret', { key });
      expect(toolError(result)).toEqual(UNDECRYPTABLE);
      expect(resultText(result)).not.toContain(value);
      const res = await rest.get(a, key);
      expect(expectStatus(res, 500)).toMatchObject({ code: 'internal_error', detail: UNDECRYPTABLE.message });
      expect(res.text).not.toContain(value);

      const events = await auditOf(a.userId, key);
      expect(events.map((e) => e.event_type)).toEqual(['SECRET_WRITE', 'SECRET_READ', 'SECRET_DECRYPT_FAILED', 'SECRET_READ', 'SECRET_DECRYPT_FAILED']);
      expect(events[2]).toEqual({ event_type: 'SECRET_DECRYPT_FAILED', agent_id: a.agentId, subject: key, reason_code: reason, meta: { key_id: keyId } });

      // Listing and replacing still work: a new value heals the secret.
      const listed = ok<{ secrets: SecretMeta[] }>(await call(mcpA, 'list_secrets', { limit: 1000 }));
      expect(listed.secrets.map((s) => s.key)).toContain(key);
      const healed = canary('healed');
      expect((await set(mcpA, { key, value: healed })).created).toBe(false);
      expect(await getValue(mcpA, key)).toBe(healed);
    });

    it("a blob copied from another secret (same user) or another user's secret does not decrypt there", async () => {
      const source = secretKey('source');
      const target = secretKey('target');
      const sourceValue = canary('copied');
      await set(mcpA, { key: source, value: sourceValue });
      await set(mcpA, { key: target, value: canary('target') });
      await set(mcpB, { key: source, value: canary('b-source') });
      await ctx.db.query(
        `UPDATE secrets SET encrypted_value = (SELECT encrypted_value FROM secrets WHERE user_id = $1 AND key = $2) WHERE user_id = $1 AND key = $3`,
        [a.userId, source, target],
      );
      // B's row gets A's blob of the same key name.
      await ctx.db.query(
        `UPDATE secrets SET encrypted_value = (SELECT encrypted_value FROM secrets WHERE user_id = $1 AND key = $3) WHERE user_id = $2 AND key = $3`,
        [a.userId, b.userId, source],
      );
      for (const [client, key] of [
        [mcpA, target],
        [mcpB, source],
      ] as const) {
        const result = await call(client, 'get_secret', { key });
        expect(toolError(result)).toEqual(UNDECRYPTABLE);
        expect(resultText(result)).not.toContain(sourceValue);
      }
      expect(await getValue(mcpA, source)).toBe(sourceValue);
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('values never leave the vault except through get_secret', () => {
    it('no value written in this file is in any audit row or log line', async () => {
      const values = [...written].filter((v) => v.length >= 8);
      expect(values.length).toBeGreaterThan(20);
      const rows: { row: string }[] = await ctx.db.query(`SELECT row_to_json(e)::text AS row FROM audit_events e`);
      expect(rows.length).toBeGreaterThan(50);
      const audit = rows.map((r) => r.row).join('\n');
      expect(audit).toContain('SECRET_READ'); // the check below is not vacuous
      const logs = ctx.logs.join('\n');
      expect(logs).toContain('Secret could not be decrypted'); // the decrypt failures were logged…
      for (const value of values) {
        expect({ value, inAudit: audit.includes(value), inLogs: logs.includes(value) }).toEqual({ value, inAudit: false, inLogs: false });
      }
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('sealed vault (no key configured)', () => {
    const sealed = useFixtures({ env: { SECRETS_KEYS: '' }, start: () => ({ databaseUrl: ctx.app.config.databaseUrl }) });
    let agent: TestAgent;
    let client: Client;

    beforeAll(async () => {
      agent = a;
      client = await sealed.mcp(agent);
    });

    it('get_secret and set_secret answer service_unavailable; list_secrets and delete_secret still work', async () => {
      expect(sealed.app.config.secretKeyRing).toBeNull();
      const key = secretKey('sealed');
      const unavailable = {
        code: 'service_unavailable',
        message: 'Secrets are unavailable: no encryption key is configured (set SECRETS_KEYS or SECRETS_KEY_FILE)',
      };
      expect(toolError(await call(client, 'set_secret', { key, value: 'v' }))).toEqual(unavailable);
      expect(toolError(await call(client, 'get_secret', { key }))).toEqual(unavailable);
      const listed = ok<{ total: number }>(await call(client, 'list_secrets'));
      expect(listed.total).toBe((await storedKeys(agent.userId)).length);
      expect(await storedKeys(agent.userId)).not.toContain(key);

      // Deleting needs no key: a secret written while the vault was open can be removed while it is sealed.
      const written = secretKey('sealed_delete');
      await set(mcpA, { key: written, value: canary('sealed-delete') });
      expect(ok(await call(client, 'delete_secret', { key: written }))).toEqual({ deleted: written });
      expect(await storedKeys(agent.userId)).not.toContain(written);
    });
  });
});
