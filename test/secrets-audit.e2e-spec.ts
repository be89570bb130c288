import type { Response } from 'supertest';
import { AUDIT_FAIL, newRid, refuseAuditFor } from './support/agent-requests';
import { useFixtures } from './support/fixtures';
import { expectProblem } from './support/problems';
import { UNDECRYPTABLE, INTERNAL, BLOB_OVERHEAD, NONCE, marker, vault, keyMaterial } from './support/secrets';
import { TestAgent, uniqueName } from './support/test-app';

/*
 * The secrets vault's audit: every read, denial, write, delete and decrypt failure is
 * audited in the same transaction as the change, and no value or key ever reaches an
 * audit row or a log line. Blobs are read and damaged with SQL.
 */

describe('Secrets vault (REST): the audit trail, its transaction, decrypt failures', () => {
  const ctx = useFixtures();
  const v = vault(() => ctx.app);

  const user = (): Promise<TestAgent> => ctx.newUser({ userName: uniqueName('u'), agentName: uniqueName('a') });

  // ------------------------------------------------------------------------------------------
  describe('audit trail', () => {
    let a: TestAgent;
    let b: TestAgent;
    let x: TestAgent; // another user
    beforeAll(async () => {
      a = await user();
      b = await ctx.newAgent(a, uniqueName('b'));
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
      expect((await v.del(b, 'deleted', rid)).status).toBe(200);
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
    refuseAuditFor(() => ctx.app);

    /** The request failed on its refused audit insert (500, cause logged under its request id), leaking no value. */
    function expectRefusedAudit(res: Response, rid: string): void {
      expectProblem(res, 500, INTERNAL);
      expect(res.text).not.toContain('audit refused');
      for (const value of [original, replacement]) expect(res.text).not.toContain(value);
      expect(ctx.logs.some((line) => line.includes(rid) && line.includes('audit refused by test'))).toBe(true);
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
      const logged = ctx.logs.filter((line) => line.includes(rid));
      expect(logged.length).toBeGreaterThan(0);
      for (const secret of [...values, ...keyMaterial(ctx.app)]) {
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

});
