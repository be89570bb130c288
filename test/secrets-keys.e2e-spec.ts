import type { Response } from 'supertest';
import { operatorActor } from '../src/common/auth/actor';
import { newKeyEntry } from '../src/secrets/key-ring';
import { SecretsService } from '../src/secrets/secrets.service';
import { newRid } from './support/agent-requests';
import { useFixtures } from './support/fixtures';
import { expectProblem } from './support/problems';
import { UNDECRYPTABLE, SEALED, writeOnly, notAReader, NONCE, marker, vault, keyMaterial } from './support/secrets';
import { TestAgent, uniqueName } from './support/test-app';

/*
 * The secrets vault's key ring: other apps on the same database play the sealed vault
 * (no key) and the key rotation (key 1 → keys 1,2 → key 2), with rewrap in between.
 */

describe('Secrets vault (REST): a sealed vault', () => {
  const ctx = useFixtures();
  const v = vault(() => ctx.app);

  const user = (): Promise<TestAgent> => ctx.newUser({ userName: uniqueName('u'), agentName: uniqueName('a') });

  // ------------------------------------------------------------------------------------------
  describe('sealed vault (SECRETS_KEYS empty: no key ring)', () => {
    let a: TestAgent;
    beforeAll(async () => {
      a = await user();
      await v.save(a, 'before-sealing', { value: 'written with a key' });
    });
    // Started after the write above (hooks run in order), on the same database.
    const sealed = useFixtures({ env: { SECRETS_KEYS: '' }, start: () => ({ databaseUrl: ctx.app.config.databaseUrl }) });
    const s = vault(() => sealed.app);

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
  const one = useFixtures({ env: { SECRETS_KEYS: k1 } });
  const both = useFixtures({ env: { SECRETS_KEYS: `${k1},${k2}` }, start: () => ({ databaseUrl: one.app.config.databaseUrl }) });
  const two = useFixtures({ env: { SECRETS_KEYS: k2 }, start: () => ({ databaseUrl: one.app.config.databaseUrl }) });
  const v1 = vault(() => one.app);
  const v12 = vault(() => both.app);
  const v2 = vault(() => two.app);

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
    ua = await one.newUser({ userName: uniqueName('rot-u'), agentName: uniqueName('ua') });
    ub = await one.newAgent(ua, uniqueName('ub'));
    wa = await one.newUser({ userName: uniqueName('rot-w'), agentName: uniqueName('wa') });

    await v1.save(ua, 'alpha', { value: values.alpha });
    await v1.save(ua, 'beta', { value: values.beta, readers: [ub.agentName] });
    await v1.save(ua, 'empty', { value: values.empty });
    await v1.save(ua, 'write-only', { value: values.writeOnly, write_only: true });
    await v1.save(wa, 'alpha', { value: values.otherAlpha });
  });

  const id = (agent: TestAgent, key: string) => `${agent.userId}/${key}`;
  const rewrap = (rid: string) => both.app.app.get(SecretsService).rewrap(operatorActor('cli', rid));

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
    for (const secret of [values.alpha, ...keyMaterial(one.app), ...keyMaterial(both.app), ...keyMaterial(two.app)]) {
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
    const service = one.app.app.get(SecretsService);
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
