import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { operatorActor } from '../src/common/auth/actor';
import { newKeyEntry } from '../src/secrets/key-ring';
import { SecretsService } from '../src/secrets/secrets.service';
import { agentRequests, AUDIT_FAIL, expectProblem, newRid, refuseAuditFor } from './support/agent-requests';
import { startTestApp, TestAgent, TestApp, uniqueName } from './support/test-app';

/*
 * The secrets vault over REST: GET /secrets, GET|PUT|DELETE /secrets/{key}.
 * Values are AES-256-GCM blobs (version ‖ key id ‖ 12-byte nonce ‖ ciphertext ‖
 * 16-byte tag) bound to (user, key); reading is limited to the secret's readers
 * and never allowed for write-only secrets; every read, denial, write, delete and
 * decrypt failure is audited, and no value ever reaches an audit row or a log line.
 * Blobs are read and damaged with SQL. Other apps on the same database play the
 * sealed vault (no key) and the key rotation (key 1 → keys 1,2 → key 2).
 * Fixtures per block: fresh users, so lists and counts hold only that block's secrets.
 * Expected texts are written out here, never imported from src/.
 */

const NOT_FOUND = 'Secret not found';
const UNDECRYPTABLE = 'Secret could not be decrypted';
const INTERNAL = 'Internal server error';
const KEY_RULE = 'key must be 1-200 characters of A-Z, a-z, 0-9, _, . and -';
const VALUE_RULE = 'value must be at most 65536 bytes of UTF-8';
const VALUE_NOT_STRING = 'value must be a string';
const READERS_RULE = 'readers must be a list of agent names, or null';
const READER_NAME_RULE = 'each reader must be an agent name (1-64 characters of a-z, 0-9, _ and - (case-insensitive))';
const WRITE_ONLY_RULE = 'write_only must be true or false';
const NOT_AN_OBJECT = 'Request body must be a JSON object';
const SEALED = /^Secrets are unavailable: no encryption key is configured/;
const writeOnly = (key: string) => `Secret '${key}' is write-only: only the service itself uses it, it is never returned`;
const notAReader = (agent: TestAgent, key: string) => `Agent '${agent.agentName}' is not among the readers of secret '${key}'`;
const unknownReader = (name: string) => `readers: your user has no agent named '${name}'`;

/** version (1) + key id (1) + nonce (12) + tag (16) */
const BLOB_OVERHEAD = 30;
const NONCE = { start: 2, end: 14 };
const MAX_VALUE_BYTES = 65536;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
const META_FIELDS = ['created_at', 'key', 'readers', 'updated_at', 'write_only'];

interface AuditEvent {
  event_type: string;
  user_id: string | null;
  agent_id: string | null;
  subject: string | null;
  reason_code: string | null;
  meta: Record<string, unknown> | null;
}

interface StoredSecret {
  blob: Buffer;
  reader_agent_ids: string[] | null;
  write_only: boolean;
}

/** A value no other request uses, so logs and audit rows can be searched for it. */
const marker = (label: string) => `${label}-${randomUUID()}`;

const bytes = (value: string) => Buffer.byteLength(value, 'utf8');

/** `saved` / list entry of a secret: metadata only. */
function meta(key: string, readers: string[] | null = null, write_only = false) {
  return { key, created_at: expect.stringMatching(ISO_UTC), updated_at: expect.stringMatching(ISO_UTC), readers, write_only };
}

/** The vault's requests and rows for one app (read at call time, so it works for any app on the database). */
function vault(app: () => TestApp) {
  const { as } = agentRequests(app);
  const path = (key: string) => `/secrets/${encodeURIComponent(key)}`;

  const put = (agent: TestAgent, key: string, body: unknown, rid?: string) => as(agent, 'put', path(key), body, rid);
  const get = (agent: TestAgent, key: string, rid?: string) => as(agent, 'get', path(key), undefined, rid);
  const del = (agent: TestAgent, key: string, rid?: string) => as(agent, 'delete', path(key), undefined, rid);
  const list = (agent: TestAgent, query = '') => as(agent, 'get', `/secrets${query}`);

  /** PUT that must succeed with `status` (201 created, 200 replaced). */
  async function save(agent: TestAgent, key: string, body: Record<string, unknown>, status = 201): Promise<Response> {
    const res = await put(agent, key, body);
    expect({ key, status: res.status }).toEqual({ key, status });
    return res;
  }

  /** GET that must answer 200 with this value. */
  async function expectValue(agent: TestAgent, key: string, value: string): Promise<void> {
    const res = await get(agent, key);
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { key, value } });
  }

  async function stored(owner: TestAgent, key: string): Promise<StoredSecret | undefined> {
    const [row] = await app().db.query(
      `SELECT encrypted_value AS blob, reader_agent_ids, write_only FROM secrets WHERE user_id = $1 AND key = $2`,
      [owner.userId, key],
    );
    return row as StoredSecret | undefined;
  }

  async function blob(owner: TestAgent, key: string): Promise<Buffer | undefined> {
    return (await stored(owner, key))?.blob;
  }

  async function setBlob(owner: TestAgent, key: string, value: Buffer): Promise<void> {
    const [, count] = await app().db.query(`UPDATE secrets SET encrypted_value = $3 WHERE user_id = $1 AND key = $2`, [owner.userId, key, value]);
    expect(count).toBe(1);
  }

  /** Key id (byte 1) of every secret of the database, by "user/key". */
  async function keyIds(): Promise<Record<string, number>> {
    const rows: { user_id: string; key: string; key_id: number }[] = await app().db.query(
      `SELECT user_id, key, get_byte(encrypted_value, 1) AS key_id FROM secrets ORDER BY user_id, key`,
    );
    return Object.fromEntries(rows.map((r) => [`${r.user_id}/${r.key}`, r.key_id]));
  }

  async function count(owner: TestAgent): Promise<number> {
    const [row] = await app().db.query(`SELECT count(*)::int AS n FROM secrets WHERE user_id = $1`, [owner.userId]);
    return row.n as number;
  }

  async function events(rid: string): Promise<AuditEvent[]> {
    return app().db.query(
      `SELECT event_type, user_id, agent_id, subject, reason_code, meta FROM audit_events WHERE request_id = $1 ORDER BY seq`,
      [rid],
    );
  }

  /** Where a value turns up: audit rows (any column) and log lines. */
  async function traces(value: string): Promise<{ auditRows: number; logLines: number }> {
    const [row] = await app().db.query(`SELECT count(*)::int AS n FROM audit_events a WHERE strpos(to_jsonb(a)::text, $1) > 0`, [value]);
    return { auditRows: row.n as number, logLines: app().logs.filter((line) => line.includes(value)).length };
  }

  return { as, put, get, del, list, save, expectValue, stored, blob, setBlob, keyIds, count, events, traces };
}

/** The base64 and hex of each key of an app's SECRETS_KEYS: must never be logged or answered. */
function keyMaterial(app: TestApp): string[] {
  return (app.config.secretsKeys ?? '')
    .split(',')
    .map((entry) => entry.split(':')[1])
    .flatMap((b64) => [b64, Buffer.from(b64, 'base64').toString('hex')]);
}

describe('Secrets vault (REST): GET /secrets, GET|PUT|DELETE /secrets/{key}', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());
  const v = vault(() => t);

  async function user(): Promise<TestAgent> {
    return t.newAgent({ userName: uniqueName('u'), agentName: uniqueName('a') });
  }

  // ------------------------------------------------------------------------------------------
  describe('round trips and the stored blob', () => {
    let a: TestAgent;
    beforeAll(async () => {
      a = await user();
    });

    it.each([
      { label: 'ASCII', key: 'rt-ascii', value: 'plain ascii value', utf8Bytes: 17 },
      { label: 'multi-byte UTF-8', key: 'rt-utf8', value: 'héllo wörld ñ 日本語', utf8Bytes: 26 },
      { label: 'emoji', key: 'rt-emoji', value: '🔑🎉', utf8Bytes: 8 },
      { label: 'the empty string', key: 'rt-empty', value: '', utf8Bytes: 0 },
    ])('$label: PUT 201 {saved: meta}, GET returns it exactly, blob = 1 ‖ key id 1 ‖ nonce ‖ $utf8Bytes-byte ciphertext ‖ tag', async ({ key, value, utf8Bytes }) => {
      const res = await v.put(a, key, { value });
      expect({ status: res.status, body: res.body }).toEqual({ status: 201, body: { saved: meta(key) } });
      await v.expectValue(a, key, value);

      const blob = (await v.blob(a, key))!;
      expect(bytes(value)).toBe(utf8Bytes);
      expect(blob.length).toBe(BLOB_OVERHEAD + utf8Bytes);
      expect({ version: blob[0], keyId: blob[1] }).toEqual({ version: 1, keyId: 1 });
      if (value) expect(blob.includes(Buffer.from(value, 'utf8'))).toBe(false);
    });

    it('accepts a value of exactly 65536 UTF-8 bytes; refuses 65537 bytes (counted in bytes, not characters) with 422 and stores nothing', async () => {
      const exact = 'é'.repeat(MAX_VALUE_BYTES / 2);
      expect(bytes(exact)).toBe(MAX_VALUE_BYTES);
      await v.save(a, 'big', { value: exact });
      await v.expectValue(a, 'big', exact);
      expect((await v.blob(a, 'big'))!.length).toBe(BLOB_OVERHEAD + MAX_VALUE_BYTES);
      const before = await v.blob(a, 'big');

      // 32,769 UTF-16 code units but 65,537 bytes; and the plain ASCII case.
      const over = ['🔑'.repeat(MAX_VALUE_BYTES / 4) + 'a', 'x'.repeat(MAX_VALUE_BYTES + 1)];
      for (const value of over) {
        expect(bytes(value)).toBe(MAX_VALUE_BYTES + 1);
        const created = await v.put(a, 'too-big', { value });
        expectProblem(created, 422, VALUE_RULE);
        expect(created.body.errors).toEqual([{ field: 'value', message: VALUE_RULE }]);
        expectProblem(await v.put(a, 'big', { value }), 422, VALUE_RULE);
      }
      expect(await v.blob(a, 'too-big')).toBeUndefined();
      expectProblem(await v.get(a, 'too-big'), 404, NOT_FOUND);
      expect((await v.blob(a, 'big'))!.equals(before!)).toBe(true);
    });

    it('PUT answers 201 when it creates and 200 when it replaces: the new value is served, created_at stays, updated_at moves', async () => {
      const first = await v.save(a, 'replaced', { value: 'first' }, 201);
      const second = await v.save(a, 'replaced', { value: 'second' }, 200);
      expect(second.body).toEqual({ saved: meta('replaced') });
      expect(second.body.saved.created_at).toBe(first.body.saved.created_at);
      await v.expectValue(a, 'replaced', 'second');
      const [row] = await t.db.query(`SELECT updated_at > created_at AS moved FROM secrets WHERE user_id = $1 AND key = 'replaced'`, [a.userId]);
      expect(row.moved).toBe(true);
    });

    it('keys are case-sensitive: "Case" and "case" are two secrets', async () => {
      await v.save(a, 'Case', { value: 'upper' }, 201);
      await v.save(a, 'case', { value: 'lower' }, 201);
      await v.expectValue(a, 'Case', 'upper');
      await v.expectValue(a, 'case', 'lower');
    });

    it('two PUTs of the same value give different blobs (fresh nonce each time), both decrypting to it', async () => {
      await v.save(a, 'nonce', { value: 'same value' });
      const one = (await v.blob(a, 'nonce'))!;
      await v.save(a, 'nonce', { value: 'same value' }, 200);
      const two = (await v.blob(a, 'nonce'))!;
      expect(one.length).toBe(two.length);
      expect(one.equals(two)).toBe(false);
      expect(one.subarray(NONCE.start, NONCE.end).equals(two.subarray(NONCE.start, NONCE.end))).toBe(false);
      await v.expectValue(a, 'nonce', 'same value');
    });

    it('DELETE answers 204 and the secret is gone (GET 404, not listed); a second DELETE is 404 "Secret not found"', async () => {
      await v.save(a, 'doomed', { value: 'bye' });
      const res = await v.del(a, 'doomed');
      expect({ status: res.status, text: res.text }).toEqual({ status: 204, text: '' });
      expect(await v.blob(a, 'doomed')).toBeUndefined();
      expectProblem(await v.get(a, 'doomed'), 404, NOT_FOUND);
      expect((await v.list(a)).body.secrets.map((s: { key: string }) => s.key)).not.toContain('doomed');
      expectProblem(await v.del(a, 'doomed'), 404, NOT_FOUND);
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('GET /secrets: sorted by key, metadata only, paged', () => {
    let a: TestAgent;
    let b: TestAgent;
    /** In code-point order: - . 0-9 A-Z _ a-z, and a prefix before its extensions. */
    const SORTED = ['-y', '.z', '0', 'B', '_x', 'a', 'a-b', 'a.b', 'a_b', 'b'];
    const values = new Map(SORTED.map((key) => [key, marker(`list-value-${key}`)]));

    beforeAll(async () => {
      a = await user();
      b = await t.newSibling(a, uniqueName('reader'));
      for (const key of ['b', 'a_b', '0', 'B', '.z', 'a', '_x', 'a.b', '-y', 'a-b']) {
        const settings = key === '_x' ? { readers: [b.agentName], write_only: true } : {};
        await v.save(a, key, { value: values.get(key), ...settings });
      }
    });

    it('lists every secret of the user in code-point order of key, with {key, created_at, updated_at, readers, write_only} and no value', async () => {
      const res = await v.list(b);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ secrets: SORTED.map((key) => expect.objectContaining({ key })), total: 10, limit: 200, offset: 0 });
      for (const entry of res.body.secrets) expect(Object.keys(entry).sort()).toEqual(META_FIELDS);
      expect(res.body.secrets[4]).toEqual(meta('_x', [b.agentName], true));
      expect(res.body.secrets[5]).toEqual(meta('a'));
      for (const value of values.values()) expect(res.text).not.toContain(value);
    });

    it('pages with limit and offset; total counts all of them, also past the end', async () => {
      const page = async (query: string) => {
        const res = await v.list(a, query);
        expect(res.status).toBe(200);
        return { keys: res.body.secrets.map((s: { key: string }) => s.key), total: res.body.total, limit: res.body.limit, offset: res.body.offset };
      };
      expect(await page('?limit=3')).toEqual({ keys: ['-y', '.z', '0'], total: 10, limit: 3, offset: 0 });
      expect(await page('?limit=3&offset=3')).toEqual({ keys: ['B', '_x', 'a'], total: 10, limit: 3, offset: 3 });
      expect(await page('?limit=3&offset=9')).toEqual({ keys: ['b'], total: 10, limit: 3, offset: 9 });
      expect(await page('?offset=10')).toEqual({ keys: [], total: 10, limit: 200, offset: 10 });
    });

    it.each(['?limit=0', '?limit=1001', '?offset=-1', '?limit=abc'])('refuses %s with 422', async (query) => {
      expectProblem(await v.list(a, query), 422);
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('readers and write-only', () => {
    let a: TestAgent; // the writer
    let b: TestAgent;
    let c: TestAgent;
    let x: TestAgent; // another user
    beforeAll(async () => {
      a = await user();
      b = await t.newSibling(a, uniqueName('b'));
      c = await t.newSibling(a, uniqueName('c'));
      x = await user();
    });

    it('without readers every agent of the user reads it', async () => {
      await v.save(a, 'everyone', { value: 'for all' });
      for (const agent of [a, b, c]) await v.expectValue(agent, 'everyone', 'for all');
    });

    it('with readers only those agents read it; the others, the writer included, get 403 without the value', async () => {
      const res = await v.save(a, 'only-b', { value: 'b only', readers: [b.agentName] });
      expect(res.body).toEqual({ saved: meta('only-b', [b.agentName]) });
      await v.expectValue(b, 'only-b', 'b only');
      for (const agent of [a, c]) {
        const denied = await v.get(agent, 'only-b');
        expectProblem(denied, 403, notAReader(agent, 'only-b'));
        expect(denied.text).not.toContain('b only');
      }
    });

    it('readers: [] lets no agent read it (the list shows readers: [])', async () => {
      const res = await v.save(a, 'nobody', { value: 'unread', readers: [] });
      expect(res.body).toEqual({ saved: meta('nobody', []) });
      for (const agent of [a, b, c]) expectProblem(await v.get(agent, 'nobody'), 403, notAReader(agent, 'nobody'));
    });

    it('reader names compare case-insensitively and are listed as stored (lowercase, sorted)', async () => {
      const res = await v.save(a, 'shouted', { value: 'v', readers: [c.agentName.toUpperCase(), ` ${b.agentName} `] });
      expect(res.body.saved.readers).toEqual([b.agentName, c.agentName].sort());
      await v.expectValue(c, 'shouted', 'v');
      expectProblem(await v.get(a, 'shouted'), 403, notAReader(a, 'shouted'));
    });

    it('replacing without readers keeps them; readers: null gives every agent of the user access again', async () => {
      await v.save(a, 'kept-readers', { value: 'one', readers: [b.agentName] });
      const kept = await v.save(a, 'kept-readers', { value: 'two' }, 200);
      expect(kept.body).toEqual({ saved: meta('kept-readers', [b.agentName]) });
      expectProblem(await v.get(c, 'kept-readers'), 403, notAReader(c, 'kept-readers'));
      await v.expectValue(b, 'kept-readers', 'two');

      const reset = await v.save(a, 'kept-readers', { value: 'three', readers: null }, 200);
      expect(reset.body).toEqual({ saved: meta('kept-readers', null) });
      for (const agent of [a, b, c]) await v.expectValue(agent, 'kept-readers', 'three');
    });

    it('a non-reader may still overwrite it (any agent of the user writes); the readers stay', async () => {
      await v.save(a, 'overwritten', { value: 'by a', readers: [b.agentName] });
      const res = await v.save(c, 'overwritten', { value: 'by c' }, 200);
      expect(res.body).toEqual({ saved: meta('overwritten', [b.agentName]) });
      await v.expectValue(b, 'overwritten', 'by c');
      expectProblem(await v.get(c, 'overwritten'), 403, notAReader(c, 'overwritten'));
    });

    it("an unknown reader name, or another user's agent, is a 422 naming it; nothing is stored or changed", async () => {
      await v.save(a, 'guarded', { value: 'original', readers: [b.agentName] });
      const before = await v.stored(a, 'guarded');
      for (const name of ['no-such-agent', x.agentName]) {
        const created = await v.put(a, 'never-created', { value: 'v', readers: [b.agentName, name] });
        expectProblem(created, 422, unknownReader(name));
        expect(created.body.errors).toEqual([{ field: 'readers', message: unknownReader(name) }]);
        expectProblem(await v.put(a, 'guarded', { value: 'changed', readers: [name] }), 422, unknownReader(name));
      }
      expect(await v.stored(a, 'never-created')).toBeUndefined();
      expect(await v.stored(a, 'guarded')).toEqual(before);
      await v.expectValue(b, 'guarded', 'original');
    });

    it('write_only: GET is 403 for every agent, the writer and a named reader included; the list shows the flag', async () => {
      const value = marker('write-only');
      const res = await v.save(a, 'wo', { value, readers: [b.agentName], write_only: true });
      expect(res.body).toEqual({ saved: meta('wo', [b.agentName], true) });
      for (const agent of [a, b, c]) {
        const denied = await v.get(agent, 'wo');
        expectProblem(denied, 403, writeOnly('wo'));
        expect(denied.text).not.toContain(value);
      }
      const listed = (await v.list(c)).body.secrets.find((s: { key: string }) => s.key === 'wo');
      expect(listed).toEqual(meta('wo', [b.agentName], true));
    });

    it('write_only stays when a replace leaves it out; write_only: false makes the secret readable again', async () => {
      await v.save(a, 'wo-kept', { value: 'one', write_only: true });
      const kept = await v.save(b, 'wo-kept', { value: 'two' }, 200);
      expect(kept.body).toEqual({ saved: meta('wo-kept', null, true) });
      for (const agent of [a, b]) expectProblem(await v.get(agent, 'wo-kept'), 403, writeOnly('wo-kept'));

      const cleared = await v.save(a, 'wo-kept', { value: 'three', write_only: false }, 200);
      expect(cleared.body).toEqual({ saved: meta('wo-kept', null, false) });
      await v.expectValue(b, 'wo-kept', 'three');
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('tenant isolation', () => {
    let a: TestAgent;
    let x: TestAgent; // another user
    beforeAll(async () => {
      a = await user();
      x = await user();
      await v.save(a, 'mine', { value: 'first user value' });
    });

    it("another user's agent gets 404 for GET and DELETE (as for a missing key) and an empty list; nothing changes", async () => {
      const before = await v.blob(a, 'mine');
      for (const res of [await v.get(x, 'mine'), await v.del(x, 'mine')]) {
        expectProblem(res, 404, NOT_FOUND);
        expect(res.text).not.toContain('first user value');
      }
      expectProblem(await v.get(x, 'nothing-here'), 404, NOT_FOUND);
      expect((await v.list(x)).body).toEqual({ secrets: [], total: 0, limit: 200, offset: 0 });
      expect((await v.blob(a, 'mine'))!.equals(before!)).toBe(true);
      await v.expectValue(a, 'mine', 'first user value');
    });

    it("its PUT of the same key creates its own secret (201) and leaves the first user's alone; its DELETE removes only its own", async () => {
      const before = await v.blob(a, 'mine');
      const res = await v.save(x, 'mine', { value: 'second user value', write_only: true }, 201);
      expect(res.body).toEqual({ saved: meta('mine', null, true) });
      const [row] = await t.db.query(`SELECT count(*)::int AS n FROM secrets WHERE key = 'mine' AND user_id IN ($1, $2)`, [a.userId, x.userId]);
      expect(row.n).toBe(2);
      expect((await v.blob(a, 'mine'))!.equals(before!)).toBe(true);
      await v.expectValue(a, 'mine', 'first user value');
      expect((await v.list(a)).body.secrets).toEqual([meta('mine')]);

      await v.save(x, 'mine', { value: 'second user value 2', write_only: false }, 200);
      await v.expectValue(x, 'mine', 'second user value 2');
      await v.expectValue(a, 'mine', 'first user value');

      expect((await v.del(x, 'mine')).status).toBe(204);
      expect(await v.count(x)).toBe(0);
      await v.expectValue(a, 'mine', 'first user value');
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('audit trail', () => {
    let a: TestAgent;
    let b: TestAgent;
    let x: TestAgent; // another user
    beforeAll(async () => {
      a = await user();
      b = await t.newSibling(a, uniqueName('b'));
      x = await user();
    });

    const event = (agent: TestAgent, event_type: string, subject: string, reason_code: string | null = null, meta: Record<string, unknown> | null = null) => ({
      event_type,
      user_id: agent.userId,
      agent_id: agent.agentId,
      subject,
      reason_code,
      meta,
    });

    it('PUT → SECRET_WRITE with subject = key and the key id (plus readers and write_only when given), never the value', async () => {
      const value = marker('audited-write');
      const rid1 = newRid('write');
      expect((await v.put(a, 'audited', { value }, rid1)).status).toBe(201);
      expect(await v.events(rid1)).toEqual([event(a, 'SECRET_WRITE', 'audited', null, { key_id: 1 })]);

      const rid2 = newRid('replace');
      expect((await v.put(b, 'audited', { value, readers: [b.agentName], write_only: false }, rid2)).status).toBe(200);
      expect(await v.events(rid2)).toEqual([event(b, 'SECRET_WRITE', 'audited', null, { key_id: 1, readers: [b.agentName], write_only: false })]);
      expect(await v.traces(value)).toEqual({ auditRows: 0, logLines: 0 });
    });

    it('GET → SECRET_READ for the reading agent', async () => {
      const value = marker('audited-read');
      await v.save(a, 'read-me', { value });
      const rid = newRid('read');
      expect((await v.get(b, 'read-me', rid)).body).toEqual({ key: 'read-me', value });
      expect(await v.events(rid)).toEqual([event(b, 'SECRET_READ', 'read-me')]);
      expect(await v.traces(value)).toEqual({ auditRows: 0, logLines: 0 });
    });

    it('refused GETs → SECRET_READ_DENIED with reason NOT_FOUND, WRITE_ONLY or NOT_A_READER; another tenant’s attempt is recorded under its own user', async () => {
      const value = marker('audited-denied');
      await v.save(a, 'wo', { value, write_only: true });
      await v.save(a, 'b-only', { value, readers: [b.agentName] });
      const cases: [TestAgent, string, number, string][] = [
        [a, 'missing', 404, 'NOT_FOUND'],
        [a, 'wo', 403, 'WRITE_ONLY'],
        [a, 'b-only', 403, 'NOT_A_READER'],
        [x, 'b-only', 404, 'NOT_FOUND'],
      ];
      for (const [agent, key, status, reason] of cases) {
        const rid = newRid('denied');
        const res = await v.get(agent, key, rid);
        expect({ key, status: res.status }).toEqual({ key, status });
        expect(await v.events(rid)).toEqual([event(agent, 'SECRET_READ_DENIED', key, reason)]);
      }
      expect(await v.traces(value)).toEqual({ auditRows: 0, logLines: 0 });
    });

    it('DELETE → SECRET_DELETE', async () => {
      await v.save(a, 'deleted', { value: 'x' });
      const rid = newRid('delete');
      expect((await v.del(b, 'deleted', rid)).status).toBe(204);
      expect(await v.events(rid)).toEqual([event(b, 'SECRET_DELETE', 'deleted')]);
    });

    it('a request refused by validation records nothing', async () => {
      for (const [method, key, body] of [
        ['put', 'ok-key', { value: 1 }],
        ['put', 'a%20b', { value: 'v' }],
        ['get', 'a%20b', undefined],
      ] as const) {
        const rid = newRid('invalid');
        expect((await v.as(a, method, `/secrets/${key}`, body, rid)).status).toBe(422);
        expect(await v.events(rid)).toEqual([]);
      }
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('a change and its audit event commit together', () => {
    let a: TestAgent;
    const original = marker('rollback-original');
    const replacement = marker('rollback-replacement');
    beforeAll(async () => {
      a = await user();
      await v.save(a, 'kept', { value: original });
    });
    refuseAuditFor(() => t);

    /** The request failed on its refused audit insert (500, cause logged under its request id), leaking no value. */
    function expectRefusedAudit(res: Response, rid: string): void {
      expectProblem(res, 500, INTERNAL);
      expect(res.text).not.toContain('audit refused');
      for (const value of [original, replacement]) expect(res.text).not.toContain(value);
      expect(t.logs.some((line) => line.includes(rid) && line.includes('audit refused by test'))).toBe(true);
    }

    it('a PUT creating a secret: 500, nothing stored', async () => {
      const rid = newRid(AUDIT_FAIL);
      expectRefusedAudit(await v.put(a, 'ghost', { value: replacement }, rid), rid);
      expect(await v.stored(a, 'ghost')).toBeUndefined();
      expect(await v.count(a)).toBe(1);
    });

    it('a PUT replacing value, readers and write_only: 500, the blob and settings unchanged', async () => {
      const before = await v.stored(a, 'kept');
      const rid = newRid(AUDIT_FAIL);
      expectRefusedAudit(await v.put(a, 'kept', { value: replacement, readers: [a.agentName], write_only: true }, rid), rid);
      expect(await v.stored(a, 'kept')).toEqual(before);
      await v.expectValue(a, 'kept', original);
    });

    it('a DELETE: 500, the secret is still there', async () => {
      const rid = newRid(AUDIT_FAIL);
      expectRefusedAudit(await v.del(a, 'kept', rid), rid);
      await v.expectValue(a, 'kept', original);
    });

    it('a GET whose read cannot be recorded does not return the value', async () => {
      const rid = newRid(AUDIT_FAIL);
      expectRefusedAudit(await v.get(a, 'kept', rid), rid);
    });

    it('no value reached an audit row or a log line; with an ordinary request id the replace goes through', async () => {
      for (const value of [original, replacement]) expect(await v.traces(value)).toEqual({ auditRows: 0, logLines: 0 });
      await v.save(a, 'kept', { value: replacement }, 200);
      await v.expectValue(a, 'kept', replacement);
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('decrypt failures: a clean 500, a committed SECRET_DECRYPT_FAILED, no value or key anywhere', () => {
    let a: TestAgent;
    let x: TestAgent; // another user
    beforeAll(async () => {
      a = await user();
      x = await user();
    });

    /** GET fails with the generic detail; the failure event is on record; body and logs hold neither value nor key. */
    async function expectDecryptFailure(agent: TestAgent, key: string, reason: string, keyId: number | null, values: string[]): Promise<void> {
      const rid = newRid('decrypt');
      const res = await v.get(agent, key, rid);
      expectProblem(res, 500, UNDECRYPTABLE);
      const failures = (await v.events(rid)).filter((e) => e.event_type === 'SECRET_DECRYPT_FAILED');
      expect(failures).toEqual([
        { event_type: 'SECRET_DECRYPT_FAILED', user_id: agent.userId, agent_id: agent.agentId, subject: key, reason_code: reason, meta: { key_id: keyId } },
      ]);
      const logged = t.logs.filter((line) => line.includes(rid));
      expect(logged.length).toBeGreaterThan(0);
      for (const secret of [...values, ...keyMaterial(t)]) {
        expect(res.text).not.toContain(secret);
        expect(await v.traces(secret)).toEqual({ auditRows: 0, logLines: 0 });
      }
    }

    it('a flipped byte in the nonce, the ciphertext or the tag → AUTHENTICATION_FAILED; the restored blob reads again', async () => {
      const value = marker('flipped');
      await v.save(a, 'flipped', { value });
      const good = (await v.blob(a, 'flipped'))!;
      for (const at of [NONCE.start, NONCE.end - 1, NONCE.end, good.length - 1]) {
        const bad = Buffer.from(good);
        bad[at] ^= 0x01;
        await v.setBlob(a, 'flipped', bad);
        await expectDecryptFailure(a, 'flipped', 'AUTHENTICATION_FAILED', 1, [value]);
      }
      await v.setBlob(a, 'flipped', good);
      await v.expectValue(a, 'flipped', value);
    });

    it('an unknown key id → UNKNOWN_KEY_ID naming it; an unknown version → UNKNOWN_VERSION; a truncated blob → MALFORMED_BLOB', async () => {
      const value = marker('damaged');
      await v.save(a, 'damaged', { value });
      const good = (await v.blob(a, 'damaged'))!;

      const otherKey = Buffer.from(good);
      otherKey[1] = 9;
      await v.setBlob(a, 'damaged', otherKey);
      await expectDecryptFailure(a, 'damaged', 'UNKNOWN_KEY_ID', 9, [value]);

      const otherVersion = Buffer.from(good);
      otherVersion[0] = 2;
      await v.setBlob(a, 'damaged', otherVersion);
      await expectDecryptFailure(a, 'damaged', 'UNKNOWN_VERSION', null, [value]);

      for (const length of [BLOB_OVERHEAD - 1, 0]) {
        await v.setBlob(a, 'damaged', good.subarray(0, length));
        await expectDecryptFailure(a, 'damaged', 'MALFORMED_BLOB', null, [value]);
      }
    });

    it("a blob copied onto another key of the same user does not decrypt there (AAD binds the key); the original still reads", async () => {
      const [one, two] = [marker('aad-one'), marker('aad-two')];
      await v.save(a, 'aad-one', { value: one });
      await v.save(a, 'aad-two', { value: two });
      await v.setBlob(a, 'aad-two', (await v.blob(a, 'aad-one'))!);
      await expectDecryptFailure(a, 'aad-two', 'AUTHENTICATION_FAILED', 1, [one, two]);
      await v.expectValue(a, 'aad-one', one);
    });

    it("a blob copied onto another user's row of the same key does not decrypt there (AAD binds the user)", async () => {
      const [mine, theirs] = [marker('aad-mine'), marker('aad-theirs')];
      await v.save(a, 'aad-tenant', { value: mine });
      await v.save(x, 'aad-tenant', { value: theirs });
      await v.setBlob(x, 'aad-tenant', (await v.blob(a, 'aad-tenant'))!);
      await expectDecryptFailure(x, 'aad-tenant', 'AUTHENTICATION_FAILED', 1, [mine, theirs]);
      await v.expectValue(a, 'aad-tenant', mine);
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('validation', () => {
    let a: TestAgent;
    const KEPT = 'kept.Key-1_';
    beforeAll(async () => {
      a = await user();
      await v.save(a, KEPT, { value: 'kept value' });
    });

    /** Nothing but KEPT is stored, and KEPT is unchanged. */
    async function expectUntouched(before: StoredSecret | undefined): Promise<void> {
      expect(await v.count(a)).toBe(1);
      expect(await v.stored(a, KEPT)).toEqual(before);
    }

    it('a value holding a lone UTF-16 surrogate is refused (it has no UTF-8 form), nothing stored', async () => {
      const before = await v.stored(a, KEPT);
      for (const body of ['{"value":"\\ud800x"}', '{"value":"x\\udc00"}']) {
        const res = await t.http().put('/secrets/lone').set('X-Api-Key', a.apiKey).set('Content-Type', 'application/json').send(body);
        expectProblem(res, 422, 'value must be valid Unicode text (it holds a lone surrogate)');
      }
      await v.save(a, 'pair', { value: '\ud83d\udd11' });
      await v.expectValue(a, 'pair', '🔑');
      await t.http().delete('/secrets/pair').set('X-Api-Key', a.apiKey).expect(204);
      await expectUntouched(before);
    });

    it('a key of 200 characters, and one using every allowed kind of character, are accepted', async () => {
      await v.save(a, 'k'.repeat(200), { value: 'long' });
      await v.expectValue(a, 'k'.repeat(200), 'long');
      await v.save(a, 'Az09_.-', { value: 'all kinds' });
      await v.expectValue(a, 'Az09_.-', 'all kinds');
      expect((await v.del(a, 'k'.repeat(200))).status).toBe(204);
      expect((await v.del(a, 'Az09_.-')).status).toBe(204);
    });

    it.each([
      ['a space', 'a%20b'],
      ['a slash', 'x%2Fy'],
      ['201 characters', 'k'.repeat(201)],
      ['non-ASCII letters', encodeURIComponent('ключ')],
      ['a colon', 'a:b'],
      ['a plus', 'a+b'],
      ['a percent sign', 'a%25b'],
    ])('a key with %s → 422 for GET, PUT and DELETE, nothing stored', async (_case, rawKey) => {
      const before = await v.stored(a, KEPT);
      for (const [method, body] of [
        ['get', undefined],
        ['put', { value: 'v' }],
        ['delete', undefined],
      ] as const) {
        const res = await v.as(a, method, `/secrets/${rawKey}`, body);
        expectProblem(res, 422, KEY_RULE);
        expect(res.body.errors).toEqual([{ field: 'key', message: KEY_RULE }]);
      }
      await expectUntouched(before);
    });

    it.each([
      ['value not a string', { value: 123 }, 'value', VALUE_NOT_STRING],
      ['value null', { value: null }, 'value', VALUE_NOT_STRING],
      ['no value', { readers: null }, 'value', VALUE_NOT_STRING],
      ['readers not an array', { value: 'v', readers: 'someone' }, 'readers', READERS_RULE],
      ['readers holding a number', { value: 'v', readers: [1] }, 'readers', READERS_RULE],
      ['a reader name breaking the name rule', { value: 'v', readers: ['not a name'] }, 'readers', READER_NAME_RULE],
      ['write_only not a boolean', { value: 'v', write_only: 'yes' }, 'write_only', WRITE_ONLY_RULE],
      ['write_only a number', { value: 'v', write_only: 1 }, 'write_only', WRITE_ONLY_RULE],
      ['a JSON array body', [], 'body', NOT_AN_OBJECT],
      ['a JSON string body', 'just text', 'body', NOT_AN_OBJECT],
      ['no body', undefined, 'body', NOT_AN_OBJECT],
    ])('PUT with %s → 422 naming the field; no secret created or changed', async (_case, body, field, message) => {
      const before = await v.stored(a, KEPT);
      for (const key of ['fresh', KEPT]) {
        const res = await v.put(a, key, body);
        expectProblem(res, 422, message);
        expect(res.body.errors).toEqual([{ field, message }]);
      }
      await expectUntouched(before);
      await v.expectValue(a, KEPT, 'kept value');
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('sealed vault (SECRETS_KEYS empty: no key ring)', () => {
    let sealed: TestApp;
    let a: TestAgent;
    const s = vault(() => sealed);
    beforeAll(async () => {
      a = await user();
      await v.save(a, 'before-sealing', { value: 'written with a key' });
      sealed = await startTestApp({ SECRETS_KEYS: '' }, { databaseUrl: t.config.databaseUrl });
    });
    afterAll(() => sealed?.close());

    it('GET and PUT answer 503 (not 500), write nothing and record nothing; the stored secret is untouched', async () => {
      const before = await s.stored(a, 'before-sealing');
      const requests: [string, (rid: string) => Promise<Response>][] = [
        ['GET existing', (rid) => s.get(a, 'before-sealing', rid)],
        ['GET missing', (rid) => s.get(a, 'missing', rid)],
        ['PUT new', (rid) => s.put(a, 'sealed-new', { value: 'v' }, rid)],
        ['PUT replace', (rid) => s.put(a, 'before-sealing', { value: 'replaced while sealed' }, rid)],
      ];
      for (const [label, send] of requests) {
        const rid = newRid('sealed');
        const res = await send(rid);
        expect({ label, status: res.status }).toEqual({ label, status: 503 });
        expectProblem(res, 503, SEALED);
        expect(res.text).not.toContain('written with a key');
        expect(await s.events(rid)).toEqual([]);
      }
      expect(await s.stored(a, 'sealed-new')).toBeUndefined();
      expect(await s.stored(a, 'before-sealing')).toEqual(before);
      // The app with the key still reads it.
      await v.expectValue(a, 'before-sealing', 'written with a key');
    });
  });
});

// ------------------------------------------------------------------------------------------
describe('Secrets key rotation: key 1 → keys 1,2 → rewrap → key 2 alone', () => {
  const [k1, k2] = [newKeyEntry(1), newKeyEntry(2)];
  let one: TestApp; // SECRETS_KEYS = key 1
  let both: TestApp; // SECRETS_KEYS = key 1, key 2 (newest)
  let two: TestApp; // SECRETS_KEYS = key 2
  const v1 = vault(() => one);
  const v12 = vault(() => both);
  const v2 = vault(() => two);

  let ua: TestAgent;
  let ub: TestAgent; // ua's sibling, the only reader of 'beta'
  let wa: TestAgent; // another user
  const values = {
    alpha: marker('alpha'),
    beta: `héllo wörld ñ 日本語 ${marker('beta')}`,
    empty: '',
    writeOnly: marker('write-only'),
    gamma: marker('gamma'),
    otherAlpha: marker('other-alpha'),
    otherAlpha2: marker('other-alpha-2'),
  };

  beforeAll(async () => {
    one = await startTestApp({ SECRETS_KEYS: k1 });
    both = await startTestApp({ SECRETS_KEYS: `${k1},${k2}` }, { databaseUrl: one.config.databaseUrl });
    two = await startTestApp({ SECRETS_KEYS: k2 }, { databaseUrl: one.config.databaseUrl });
    ua = await one.newAgent({ userName: uniqueName('rot-u'), agentName: uniqueName('ua') });
    ub = await one.newSibling(ua, uniqueName('ub'));
    wa = await one.newAgent({ userName: uniqueName('rot-w'), agentName: uniqueName('wa') });

    await v1.save(ua, 'alpha', { value: values.alpha });
    await v1.save(ua, 'beta', { value: values.beta, readers: [ub.agentName] });
    await v1.save(ua, 'empty', { value: values.empty });
    await v1.save(ua, 'write-only', { value: values.writeOnly, write_only: true });
    await v1.save(wa, 'alpha', { value: values.otherAlpha });
  });
  afterAll(async () => {
    await two?.close();
    await both?.close();
    await one?.close();
  });

  const id = (agent: TestAgent, key: string) => `${agent.userId}/${key}`;
  const rewrap = (rid: string) => both.app.get(SecretsService).rewrap(operatorActor('cli', rid));

  it('secrets written under key 1 stay readable once key 2 is added; new writes and replaces use key 2', async () => {
    expect(Object.values(await v1.keyIds())).toEqual([1, 1, 1, 1, 1]);
    await v12.expectValue(ua, 'alpha', values.alpha);
    await v12.expectValue(ub, 'beta', values.beta);
    await v12.expectValue(ua, 'empty', '');
    await v12.expectValue(wa, 'alpha', values.otherAlpha);

    await v12.save(ua, 'gamma', { value: values.gamma }, 201);
    await v12.save(wa, 'alpha', { value: values.otherAlpha2 }, 200);
    expect(await v12.keyIds()).toEqual({
      [id(ua, 'alpha')]: 1,
      [id(ua, 'beta')]: 1,
      [id(ua, 'empty')]: 1,
      [id(ua, 'write-only')]: 1,
      [id(ua, 'gamma')]: 2,
      [id(wa, 'alpha')]: 2,
    });
    await v12.expectValue(ua, 'gamma', values.gamma);
    await v12.expectValue(wa, 'alpha', values.otherAlpha2);
  });

  it('rewrap re-encrypts every key-1 secret under key 2 (settings kept), one SECRET_REWRAP per secret without values; a second run has nothing to do', async () => {
    const settingsBefore = await one.db.query(`SELECT user_id, key, reader_agent_ids, write_only, updated_at FROM secrets ORDER BY user_id, key`);
    const rid = newRid('rewrap');
    expect(await rewrap(rid)).toEqual({ rewrapped: 4, failed: 0 });
    expect(Object.values(await v12.keyIds())).toEqual([2, 2, 2, 2, 2, 2]);
    expect(await one.db.query(`SELECT user_id, key, reader_agent_ids, write_only, updated_at FROM secrets ORDER BY user_id, key`)).toEqual(settingsBefore);

    const events = (await v12.events(rid)).sort((p, q) => (p.subject! < q.subject! ? -1 : 1));
    expect(events).toEqual(
      ['alpha', 'beta', 'empty', 'write-only'].map((subject) => ({
        event_type: 'SECRET_REWRAP',
        user_id: ua.userId,
        agent_id: null,
        subject,
        reason_code: null,
        meta: { from_key_id: 1, to_key_id: 2, actor: 'cli' },
      })),
    );
    for (const value of Object.values(values).filter(Boolean)) {
      for (const app of [v1, v12, v2]) expect(await app.traces(value)).toEqual({ auditRows: 0, logLines: 0 });
    }

    const again = newRid('rewrap-again');
    expect(await rewrap(again)).toEqual({ rewrapped: 0, failed: 0 });
    expect(await v12.events(again)).toEqual([]);
  });

  it('after rewrap an app with key 2 alone reads every value; write-only stays write-only', async () => {
    await v2.expectValue(ua, 'alpha', values.alpha);
    await v2.expectValue(ub, 'beta', values.beta);
    await v2.expectValue(ua, 'empty', '');
    await v2.expectValue(ua, 'gamma', values.gamma);
    await v2.expectValue(wa, 'alpha', values.otherAlpha2);
    expectProblem(await v2.get(ua, 'write-only'), 403, writeOnly('write-only'));
    expectProblem(await v2.get(ua, 'beta'), 403, notAReader(ua, 'beta'));
  });

  it('an app with key 1 alone gets 500 "Secret could not be decrypted" for a key-2 blob, with SECRET_DECRYPT_FAILED UNKNOWN_KEY_ID', async () => {
    const rid = newRid('old-key');
    const res = await v1.get(ua, 'alpha', rid);
    expectProblem(res, 500, UNDECRYPTABLE);
    expect(res.text).not.toContain(values.alpha);
    const failures = (await v1.events(rid)).filter((e) => e.event_type === 'SECRET_DECRYPT_FAILED');
    expect(failures).toEqual([
      { event_type: 'SECRET_DECRYPT_FAILED', user_id: ua.userId, agent_id: ua.agentId, subject: 'alpha', reason_code: 'UNKNOWN_KEY_ID', meta: { key_id: 2 } },
    ]);
    for (const secret of [values.alpha, ...keyMaterial(one), ...keyMaterial(both), ...keyMaterial(two)]) {
      for (const app of [one, both, two]) expect(app.logs.filter((line) => line.includes(secret))).toEqual([]);
    }
  });

  it('rewrap counts a blob that does not decrypt as failed, records SECRET_DECRYPT_FAILED and leaves it as it was; the others move on', async () => {
    const good = marker('late-good');
    await v1.save(ua, 'late-good', { value: good });
    await v1.save(ua, 'late-bad', { value: marker('late-bad') });
    const bad = Buffer.from((await v1.blob(ua, 'late-bad'))!);
    bad[NONCE.end] ^= 0x01;
    await v1.setBlob(ua, 'late-bad', bad);

    const rid = newRid('rewrap-failing');
    expect(await rewrap(rid)).toEqual({ rewrapped: 1, failed: 1 });
    expect((await v12.events(rid)).sort((p, q) => (p.subject! < q.subject! ? -1 : 1))).toEqual([
      { event_type: 'SECRET_DECRYPT_FAILED', user_id: ua.userId, agent_id: null, subject: 'late-bad', reason_code: 'AUTHENTICATION_FAILED', meta: { key_id: 1, actor: 'cli' } },
      { event_type: 'SECRET_REWRAP', user_id: ua.userId, agent_id: null, subject: 'late-good', reason_code: null, meta: { from_key_id: 1, to_key_id: 2, actor: 'cli' } },
    ]);
    expect((await v12.blob(ua, 'late-bad'))!.equals(bad)).toBe(true);
    expect((await v12.keyIds())[id(ua, 'late-good')]).toBe(2);
    await v2.expectValue(ua, 'late-good', good);
  });

  it('rewrap works through more than one batch of rows (230 secrets of two users), retrying the one that still fails', async () => {
    const service = one.app.get(SecretsService);
    const bulk = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `bulk-${String(i).padStart(3, '0')}`, value: `bulk value ${i}` }));
    await service.importValues(ua.userId, bulk(150), operatorActor('cli', newRid('import')));
    await service.importValues(wa.userId, bulk(80), operatorActor('cli', newRid('import')));
    const keyIdsBefore = Object.values(await v1.keyIds());
    expect(keyIdsBefore.filter((keyId) => keyId === 1)).toHaveLength(231);

    const rid = newRid('rewrap-bulk');
    expect(await rewrap(rid)).toEqual({ rewrapped: 230, failed: 1 });
    const [row] = await one.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE request_id = $1 AND event_type = 'SECRET_REWRAP'`, [rid]);
    expect(row.n).toBe(230);
    const stillOne = Object.entries(await v12.keyIds()).filter(([, keyId]) => keyId !== 2);
    expect(stillOne).toEqual([[id(ua, 'late-bad'), 1]]);
    for (const i of [0, 99, 100, 149]) await v2.expectValue(ua, bulk(150)[i].key, bulk(150)[i].value);
    for (const i of [0, 79]) await v2.expectValue(wa, bulk(80)[i].key, bulk(80)[i].value);
  });
});
