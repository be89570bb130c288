import { useFixtures } from './support/fixtures';
import { expectProblem } from './support/problems';
import { NOT_FOUND, KEY_RULE, VALUE_RULE, VALUE_NOT_STRING, READERS_RULE, READER_NAME_RULE, WRITE_ONLY_RULE, NOT_AN_OBJECT, writeOnly, notAReader, unknownReader, BLOB_OVERHEAD, NONCE, MAX_VALUE_BYTES, META_FIELDS, StoredSecret, marker, bytes, meta, vault } from './support/secrets';
import { TestAgent, uniqueName } from './support/test-app';

/*
 * The secrets vault over REST: GET /secrets, GET|PUT|DELETE /secrets/{key}. Values
 * are AES-256-GCM blobs (version ‖ key id ‖ 12-byte nonce ‖ ciphertext ‖ 16-byte tag)
 * bound to (user, key); reading is limited to the secret's readers and never allowed
 * for write-only secrets; tenants never see each other's. Audit: secrets-audit;
 * sealed vault and key rotation: secrets-keys. Fixtures per block: fresh users, so
 * lists and counts hold only that block's secrets.
 */

describe('Secrets vault (REST): GET /secrets, GET|PUT|DELETE /secrets/{key}', () => {
  const ctx = useFixtures();
  const v = vault(() => ctx.app);

  const user = (): Promise<TestAgent> => ctx.newUser({ userName: uniqueName('u'), agentName: uniqueName('a') });

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
      const [row] = await ctx.db.query(`SELECT updated_at > created_at AS moved FROM secrets WHERE user_id = $1 AND key = 'replaced'`, [a.userId]);
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

    it('DELETE answers 200 {deleted: key} (LucyAPI\'s shape) and the secret is gone (GET 404, not listed); a second DELETE is 404 "Secret not found"', async () => {
      await v.save(a, 'doomed', { value: 'bye' });
      const res = await v.del(a, 'doomed');
      expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { deleted: 'doomed' } });
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
      b = await ctx.newAgent(a, uniqueName('reader'));
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
      b = await ctx.newAgent(a, uniqueName('b'));
      c = await ctx.newAgent(a, uniqueName('c'));
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
      const [row] = await ctx.db.query(`SELECT count(*)::int AS n FROM secrets WHERE key = 'mine' AND user_id IN ($1, $2)`, [a.userId, x.userId]);
      expect(row.n).toBe(2);
      expect((await v.blob(a, 'mine'))!.equals(before!)).toBe(true);
      await v.expectValue(a, 'mine', 'first user value');
      expect((await v.list(a)).body.secrets).toEqual([meta('mine')]);

      await v.save(x, 'mine', { value: 'second user value 2', write_only: false }, 200);
      await v.expectValue(x, 'mine', 'second user value 2');
      await v.expectValue(a, 'mine', 'first user value');

      expect((await v.del(x, 'mine')).status).toBe(200);
      expect(await v.count(x)).toBe(0);
      await v.expectValue(a, 'mine', 'first user value');
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
        const res = await ctx.http().put('/secrets/lone').set('X-Api-Key', a.apiKey).set('Content-Type', 'application/json').send(body);
        expectProblem(res, 422, 'value must be valid Unicode text (it holds a lone surrogate)');
      }
      await v.save(a, 'pair', { value: '\ud83d\udd11' });
      await v.expectValue(a, 'pair', '🔑');
      await ctx.http().delete('/secrets/pair').set('X-Api-Key', a.apiKey).expect(200, { deleted: 'pair' });
      await expectUntouched(before);
    });

    it('a key of 200 characters, and one using every allowed kind of character, are accepted', async () => {
      await v.save(a, 'k'.repeat(200), { value: 'long' });
      await v.expectValue(a, 'k'.repeat(200), 'long');
      await v.save(a, 'Az09_.-', { value: 'all kinds' });
      await v.expectValue(a, 'Az09_.-', 'all kinds');
      expect((await v.del(a, 'k'.repeat(200))).body).toEqual({ deleted: 'k'.repeat(200) });
      expect((await v.del(a, 'Az09_.-')).body).toEqual({ deleted: 'Az09_.-' });
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
      ['no value', { readers: null }, 'value', 'value is required'],
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

});
