import { spawn } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { childEnv, CLI_JS } from '../bench/service-process';
import { newKeyEntry, parseKeyList } from '../src/secrets/key-ring';
import { encryptSecret } from '../src/secrets/secret-cipher';
import { SECRET_KEY_RULE } from '../src/secrets/secrets.dto';
import { createTestDatabase, startTestApp, TestAgent, TestApp, uniqueName } from './support/test-app';

/**
 * The secrets and audit commands of the operator CLI as built (`node dist/cli.js`):
 * importing a LucyAPI export, rewrapping under a new key, refusing a malformed
 * key configuration, and verifying the audit hash chain. Each describe works on
 * its own database, next to an in-process app on the same database (same keys)
 * that writes and reads the secrets over REST.
 */

jest.setTimeout(120_000);

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

type Env = Record<string, string | undefined>;

/** Every CLI run of this file: none may print a secret value or key material. */
const runs: { args: string[]; result: CliResult }[] = [];

function runCli(args: string[], env: Env): Promise<CliResult> {
  // Without DATABASE_URL the CLI would open an embedded PostgreSQL under MNEMO_HOME: never here.
  if (!env.DATABASE_URL) throw new Error('runCli needs DATABASE_URL');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_JS, ...args], {
      cwd: workDir, // no stray ./.env
      env: childEnv({ SECRETS_KEYS: undefined, SECRETS_KEY_FILE: undefined, ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      runs.push({ args, result: { code, stdout, stderr } });
      // A command that opens the database first names it on stderr (cli.e2e-spec.ts tests that line): left out here.
      const using = `Using DATABASE_URL ${maskedUrl(env.DATABASE_URL!)}\n`;
      resolve({ code, stdout, stderr: stderr.startsWith(using) ? stderr.slice(using.length) : stderr });
    });
  });
}

function maskedUrl(url: string): string {
  const { password } = new URL(url);
  return password ? url.replace(`:${password}@`, ':***@') : url;
}

/** Runs the CLI and requires success; returns stdout. */
async function cliOk(args: string[], env: Env): Promise<string> {
  const r = await runCli(args, env);
  if (r.code !== 0) throw new Error(`cli ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A failed run: exit code 1, nothing on stdout, a message (not a stack trace) on stderr; returns the message. */
function failure(r: CliResult): string {
  expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: '' });
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return r.stderr.trim();
}

let workDir: string;
/** Every secret value and every piece of key material used in this file. */
const sensitive: string[] = [];

beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mnemo-secrets-cli-'));
});

afterAll(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

/** Base64 of a key entry's material (`id:base64`), remembered as sensitive. */
function materialOf(entry: string): string {
  const material = entry.slice(entry.indexOf(':') + 1);
  sensitive.push(material);
  return material;
}

function keyEntry(id: number): string {
  const entry = newKeyEntry(id);
  materialOf(entry);
  return entry;
}

function writeFile(name: string, content: string | Buffer): string {
  const file = path.join(workDir, `${uniqueName(name)}`);
  fs.writeFileSync(file, content);
  return file;
}

/** A LucyAPI key file: 32 raw bytes. */
function lucyKeyFile(bytes = 32): { file: string; material: Buffer } {
  const material = randomBytes(bytes);
  sensitive.push(material.toString('base64'), material.toString('hex'));
  return { file: writeFile('lucy.key', material), material };
}

/** LucyAPI's format: AES-256-GCM, no associated data, nonce (12) ‖ ciphertext ‖ tag (16), base64. */
function lucyBlob(material: Buffer, value: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', material, nonce);
  const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, ciphertext, cipher.getAuthTag()]).toString('base64');
}

interface ExportEntry {
  key: string;
  encrypted_value_base64: string;
}

function lucyExport(material: Buffer, values: Record<string, string>): ExportEntry[] {
  return Object.entries(values).map(([key, value]) => {
    if (value.length >= 4) sensitive.push(value);
    return { key, encrypted_value_base64: lucyBlob(material, value) };
  });
}

const exportFile = (content: unknown) => writeFile('export.json', typeof content === 'string' ? content : JSON.stringify(content));

/** The agent key printed by `agent:create`. */
function printedKey(stdout: string): string {
  const key = /Agent key \(shown once\): (mnemo_ak_[A-Za-z0-9_-]+)/.exec(stdout)?.[1];
  if (!key) throw new Error(`No key in CLI output:\n${stdout}`);
  return key;
}

async function blobs(t: TestApp, userId?: string): Promise<Map<string, Buffer>> {
  const rows: { key: string; encrypted_value: Buffer }[] = userId
    ? await t.db.query(`SELECT key, encrypted_value FROM secrets WHERE user_id = $1 ORDER BY key`, [userId])
    : await t.db.query(`SELECT user_id || '/' || key AS key, encrypted_value FROM secrets ORDER BY user_id, key`);
  return new Map(rows.map((r) => [r.key, r.encrypted_value]));
}

const getSecret = (t: TestApp, apiKey: string, key: string) => t.http().get(`/secrets/${encodeURIComponent(key)}`).set('X-Api-Key', apiKey);
const putSecret = (t: TestApp, apiKey: string, key: string, body: Record<string, unknown>) =>
  t.http().put(`/secrets/${encodeURIComponent(key)}`).set('X-Api-Key', apiKey).send(body);

// ============================================================================================
describe('secrets:import-lucyapi FILE --user NAME --key-file F', () => {
  let t: TestApp;
  let env: Env;
  let lucy: { file: string; material: Buffer };
  const alice = uniqueName('alice');
  const aliceAgent = uniqueName('lucy');
  const aliceOther = uniqueName('helper');
  let aliceId: string;
  let aliceKey: string;
  let otherKey: string;

  /** Values of every kind LucyAPI may hold. */
  const FIXTURE: Record<string, string> = {
    slack_token: 'xoxb-2718281828-3141592653-AbCdEfGhIjKlMnOp',
    'greeting.multilingual': 'Grüße — ça coûte 5 € — 日本語のテキスト — Ελληνικά',
    emoji_key: '🔐🐙 deploy 🚀 👩‍👩‍👧‍👦 🇫🇷',
    'empty-value': '',
    'LONG.value-1': `${'long secret text, '.repeat(500)}end ✓`,
  };

  beforeAll(async () => {
    const databaseUrl = await createTestDatabase();
    const keys = `${keyEntry(1)},${keyEntry(2)}`; // newest last: new blobs carry key id 2
    t = await startTestApp({ SECRETS_KEYS: keys }, { databaseUrl });
    env = { DATABASE_URL: databaseUrl, SECRETS_KEYS: keys, LOG_LEVEL: 'warn' };
    lucy = lucyKeyFile();

    // The user and its agents, through the CLI.
    expect(await cliOk(['user:create', alice], env)).toMatch(new RegExp(`^Created user ${alice} \\(([0-9a-f-]{36})`));
    const [first, second] = await Promise.all([cliOk(['agent:create', alice, aliceAgent], env), cliOk(['agent:create', alice, aliceOther], env)]);
    aliceKey = printedKey(first);
    otherKey = printedKey(second);
    const [user]: { id: string }[] = await t.db.query(`SELECT id FROM users WHERE name = $1`, [alice]);
    aliceId = user.id;
  });

  afterAll(async () => {
    await t?.close();
  });

  it('imports every entry (ASCII, UTF-8, emoji, ""), readable over REST, stored in the vault format under the newest key', async () => {
    const entries = lucyExport(lucy.material, FIXTURE);
    const file = exportFile(entries);
    const out = await cliOk(['secrets:import-lucyapi', file, '--user', alice, '--key-file', lucy.file], env);
    expect(out.trim()).toBe(`Imported 5 secret(s) for user ${alice} (5 new, 0 replaced) under key id 2`);

    for (const [key, value] of Object.entries(FIXTURE)) {
      const res = await getSecret(t, aliceKey, key);
      expect({ key, status: res.status, body: res.body as unknown }).toEqual({ key, status: 200, body: { key, value } });
    }

    // Re-encrypted, not copied: version 1, key id 2, 2 + 12 + n + 16 bytes, none of the original bytes.
    const stored = await blobs(t, aliceId);
    expect([...stored.keys()].sort()).toEqual(Object.keys(FIXTURE).sort());
    for (const { key, encrypted_value_base64 } of entries) {
      const blob = stored.get(key)!;
      const original = Buffer.from(encrypted_value_base64, 'base64');
      expect({ key, version: blob[0], keyId: blob[1], length: blob.length }).toEqual({
        key,
        version: 1,
        keyId: 2,
        length: 30 + Buffer.byteLength(FIXTURE[key], 'utf8'),
      });
      expect(original.length).toBe(28 + Buffer.byteLength(FIXTURE[key], 'utf8'));
      expect(blob.includes(original.subarray(0, 12))).toBe(false); // not LucyAPI's nonce
      expect(blob.includes(original.subarray(original.length - 16))).toBe(false); // nor its tag
    }

    // Listed with the defaults of a new secret: every agent reads, not write-only.
    const listed = await t.http().get('/secrets').set('X-Api-Key', otherKey).expect(200);
    expect(listed.body.total).toBe(5);
    for (const s of listed.body.secrets) expect(s).toMatchObject({ readers: null, write_only: false });

    // Audited as operator writes (no agent), one per key, naming the key id and the source, never the value.
    const events: { event_type: string; agent_id: string | null; subject: string; meta: Record<string, unknown> }[] = await t.db.query(
      `SELECT event_type, agent_id, subject, meta FROM audit_events WHERE user_id = $1 AND event_type LIKE 'SECRET_%' ORDER BY seq`,
      [aliceId],
    );
    const writes = events.filter((e) => e.event_type === 'SECRET_WRITE');
    expect(writes.map((e) => e.subject).sort()).toEqual(Object.keys(FIXTURE).sort());
    for (const e of writes) expect(e).toMatchObject({ agent_id: null, meta: { key_id: 2, imported_from: 'lucyapi', actor: 'cli' } });
  });

  it('importing again replaces the values (reported as replaced), adds new keys, and keeps readers and write_only', async () => {
    // Settings made in Mnemo after the first import.
    await putSecret(t, aliceKey, 'emoji_key', { value: 'temporary', readers: [aliceOther] }).expect(200);
    await putSecret(t, aliceKey, 'empty-value', { value: 'temporary', write_only: true }).expect(200);

    const rotated = { ...FIXTURE, slack_token: 'xoxb-rotated-0000-ZyXwVuTsRqPo', added_later: 'a value added to LucyAPI later' };
    const out = await cliOk(['secrets:import-lucyapi', exportFile(lucyExport(lucy.material, rotated)), '--user', alice, '--key-file', lucy.file], env);
    expect(out.trim()).toBe(`Imported 6 secret(s) for user ${alice} (1 new, 5 replaced) under key id 2`);

    expect((await getSecret(t, aliceKey, 'slack_token').expect(200)).body.value).toBe(rotated.slack_token);
    expect((await getSecret(t, aliceKey, 'added_later').expect(200)).body.value).toBe(rotated.added_later);
    // Readers kept: only the other agent reads the emoji key, and it gets the imported value back.
    expect((await getSecret(t, otherKey, 'emoji_key').expect(200)).body.value).toBe(FIXTURE.emoji_key);
    expect((await getSecret(t, aliceKey, 'emoji_key').expect(403)).body.detail).toBe(`Agent '${aliceAgent}' is not among the readers of secret 'emoji_key'`);
    // write_only kept.
    expect((await getSecret(t, aliceKey, 'empty-value').expect(403)).body.detail).toMatch(/is write-only/);
    expect(await t.db.query(`SELECT count(*)::int AS n FROM secrets WHERE user_id = $1`, [aliceId])).toEqual([{ n: 6 }]);
  });

  it('an empty export imports nothing', async () => {
    const out = await cliOk(['secrets:import-lucyapi', exportFile([]), '--user', alice, '--key-file', lucy.file], env);
    expect(out.trim()).toBe(`Imported 0 secret(s) for user ${alice} (0 new, 0 replaced) under key id 2`);
  });

  describe('all or nothing', () => {
    const carol = uniqueName('carol');
    let carolId: string;

    beforeAll(async () => {
      await cliOk(['user:create', carol], env);
      const [user]: { id: string }[] = await t.db.query(`SELECT id FROM users WHERE name = $1`, [carol]);
      carolId = user.id;
    });

    const carolSecrets = async () => (await t.db.query(`SELECT count(*)::int AS n FROM secrets WHERE user_id = $1`, [carolId]))[0].n as number;
    const carolWrites = async () =>
      (await t.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE user_id = $1 AND event_type = 'SECRET_WRITE'`, [carolId]))[0].n as number;

    it('one entry encrypted under another key among good ones: exit 1, names the entry and key, nothing imported', async () => {
      const stranger = lucyKeyFile();
      const entries = [
        ...lucyExport(lucy.material, { first_good: 'good value number one', second_good: 'good value number two' }),
        ...lucyExport(stranger.material, { bad_one: 'encrypted under a different key' }),
        ...lucyExport(lucy.material, { last_good: 'good value number three' }),
      ];
      const r = await runCli(['secrets:import-lucyapi', exportFile(entries), '--user', carol, '--key-file', lucy.file], env);
      expect(failure(r)).toBe(`Entry 3 (key 'bad_one') could not be decrypted with ${lucy.file}: wrong key file or damaged value`);
      expect(await carolSecrets()).toBe(0);
      expect(await carolWrites()).toBe(0);
    });

    it('the whole file under another key file: entry 1 is named, nothing imported', async () => {
      const stranger = lucyKeyFile();
      const entries = lucyExport(lucy.material, { only_key: 'some value here', other_key: 'another value here' });
      const r = await runCli(['secrets:import-lucyapi', exportFile(entries), '--user', carol, '--key-file', stranger.file], env);
      expect(failure(r)).toBe(`Entry 1 (key 'only_key') could not be decrypted with ${stranger.file}: wrong key file or damaged value`);
      expect(await carolSecrets()).toBe(0);
    });

    it('a damaged value (flipped byte, truncated blob) stops the import; existing secrets stay unchanged', async () => {
      const before = await blobs(t, aliceId);
      const [good, flipped, truncated] = lucyExport(lucy.material, {
        slack_token: 'would replace the slack token',
        flipped: 'value with one flipped byte',
        truncated: 'value cut short',
      });
      const bytes = Buffer.from(flipped.encrypted_value_base64, 'base64');
      bytes[14] ^= 0x01;
      flipped.encrypted_value_base64 = bytes.toString('base64');
      truncated.encrypted_value_base64 = Buffer.from(truncated.encrypted_value_base64, 'base64').subarray(0, 20).toString('base64');

      const [r1, r2] = await Promise.all([
        runCli(['secrets:import-lucyapi', exportFile([good, flipped]), '--user', alice, '--key-file', lucy.file], env),
        runCli(['secrets:import-lucyapi', exportFile([good, truncated]), '--user', alice, '--key-file', lucy.file], env),
      ]);
      expect(failure(r1)).toBe(`Entry 2 (key 'flipped') could not be decrypted with ${lucy.file}: wrong key file or damaged value`);
      expect(failure(r2)).toBe(`Entry 2 (key 'truncated') could not be decrypted with ${lucy.file}: wrong key file or damaged value`);
      expect(await blobs(t, aliceId)).toEqual(before);
      expect((await getSecret(t, aliceKey, 'slack_token').expect(200)).body.value).toBe('xoxb-rotated-0000-ZyXwVuTsRqPo');
    });
  });

  it('a key file that is not 32 bytes, or missing: "Secrets key must be 32 bytes, got N"', async () => {
    const entries = exportFile(lucyExport(lucy.material, { some_key: 'some value' }));
    const short = lucyKeyFile(16);
    const long = lucyKeyFile(33);
    const empty = writeFile('empty.key', '');
    // A common mistake: the key written as base64 text (44 characters and a newline).
    const asText = writeFile('base64.key', `${lucy.material.toString('base64')}\n`);
    const missing = path.join(workDir, 'no-such.key');
    const results = await Promise.all(
      [short.file, long.file, empty, asText, missing].map((keyFile) => runCli(['secrets:import-lucyapi', entries, '--user', alice, '--key-file', keyFile], env)),
    );
    expect(results.map(failure)).toEqual([
      `Secrets key must be 32 bytes, got 16 (${short.file})`,
      `Secrets key must be 32 bytes, got 33 (${long.file})`,
      `Secrets key must be 32 bytes, got 0 (${empty})`,
      `Secrets key must be 32 bytes, got 45 (${asText})`,
      `Secrets key file not found: ${missing}`,
    ]);
    expect((await blobs(t, aliceId)).has('some_key')).toBe(false);
  });

  it('malformed JSON, a wrong shape or a bad key name: a clear error, nothing imported', async () => {
    const good = lucyExport(lucy.material, { fine_key: 'a fine value' })[0];
    const cases: [string, unknown, RegExp | string][] = [
      ['not JSON', '[{"key": "a", "encrypted_value_base64": ', /^Cannot read .+ as JSON: /],
      ['an object, not a list', { secrets: [good] }, /^Invalid export, the file: .+\. Expected \[\{"key": …, "encrypted_value_base64": …\}\]$/],
      ['a list of strings', ['fine_key'], /^Invalid export, entry 1: .+\. Expected \[\{"key"/],
      ['an entry without its value', [good, { key: 'no_value' }], /^Invalid export, entry 2 \(encrypted_value_base64\): .+\. Expected \[\{"key"/],
      ['an entry with another field name', [{ name: 'x', value_base64: good.encrypted_value_base64 }], /^Invalid export, entry 1 \(key\): /],
      ['a key with a space', [good, { ...good, key: 'bad key!' }], `Invalid export, entry 2 (key): ${SECRET_KEY_RULE}. Expected [{"key": …, "encrypted_value_base64": …}]`],
      ['a key of 201 characters', [{ ...good, key: 'k'.repeat(201) }], `Invalid export, entry 1 (key): ${SECRET_KEY_RULE}. Expected [{"key": …, "encrypted_value_base64": …}]`],
      ['a value that is not base64', [{ ...good, encrypted_value_base64: 'not base64!' }], /^Invalid export, entry 1 \(encrypted_value_base64\): encrypted_value_base64 must be base64\./],
      ['a key twice', [good, good], "Invalid export: key 'fine_key' appears twice"],
    ];
    const missingFile = path.join(workDir, 'no-such-export.json');
    const results = await Promise.all([
      ...cases.map(([, content]) => runCli(['secrets:import-lucyapi', exportFile(content), '--user', alice, '--key-file', lucy.file], env)),
      runCli(['secrets:import-lucyapi', missingFile, '--user', alice, '--key-file', lucy.file], env),
    ]);
    cases.forEach(([label, , expected], i) => {
      const message = failure(results[i]);
      expect({ label, message }).toEqual({ label, message: typeof expected === 'string' ? expected : expect.stringMatching(expected) });
    });
    expect(failure(results[cases.length])).toMatch(/^Cannot read .*no-such-export\.json as JSON: ENOENT/);
    expect((await blobs(t, aliceId)).has('fine_key')).toBe(false);
  });

  it('an unknown --user, or a missing --user / --key-file / FILE: an error, exit 1', async () => {
    const file = exportFile(lucyExport(lucy.material, { any_key: 'any value at all' }));
    const nobody = uniqueName('nobody');
    const [unknown, noUser, noKeyFile, noFile] = await Promise.all([
      runCli(['secrets:import-lucyapi', file, '--user', nobody, '--key-file', lucy.file], env),
      runCli(['secrets:import-lucyapi', file, '--key-file', lucy.file], env),
      runCli(['secrets:import-lucyapi', file, '--user', alice], env),
      runCli(['secrets:import-lucyapi', '--user', alice, '--key-file', lucy.file], env),
    ]);
    expect(failure(unknown)).toBe(`Error: User '${nobody}' not found`);
    expect(failure(noUser)).toMatch(/^Error: Missing option --user NAME\.\n\nUsage: npm run cli -- secrets:import-lucyapi FILE --user NAME --key-file F\n/);
    expect(failure(noKeyFile)).toMatch(/^Error: Missing option --key-file F\.\n\nUsage: npm run cli -- secrets:import-lucyapi FILE --user NAME --key-file F\n/);
    expect(failure(noFile)).toMatch(/^Error: Missing argument FILE\.\n\nUsage: npm run cli -- secrets:import-lucyapi FILE --user NAME --key-file F\n/);
    expect((await blobs(t, aliceId)).has('any_key')).toBe(false);
  });
});

// ============================================================================================
describe('secrets:rewrap', () => {
  let databaseUrl: string;
  let key1: string;
  let key2: string;
  let oldApp: TestApp;
  let u1: TestAgent;
  let u2: TestAgent;
  const VALUES: Record<string, string> = {
    ascii: 'plain ascii value 12345',
    utf8: 'Grüße — 日本語 — ça va',
    emoji: '🗝️🔒 rotate me 🔁',
    empty: '',
  };
  /** Secrets inserted straight into the table (encrypted with the source's own cipher): past one rewrap batch. */
  const BULK = 230;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
    key1 = keyEntry(1);
    key2 = keyEntry(2);
    oldApp = await startTestApp({ SECRETS_KEYS: key1 }, { databaseUrl });
    u1 = await oldApp.newAgent();
    u2 = await oldApp.newAgent();
    for (const [key, value] of Object.entries(VALUES)) {
      if (value) sensitive.push(value);
      await putSecret(oldApp, u1.apiKey, key, { value }).expect(201);
    }
    await putSecret(oldApp, u1.apiKey, 'write_only', { value: 'write-only value 777', write_only: true }).expect(201);
    sensitive.push('write-only value 777');
    await putSecret(oldApp, u2.apiKey, 'ascii', { value: 'the other user value', readers: [u2.agentName] }).expect(201);
    sensitive.push('the other user value');

    const ring = parseKeyList(key1);
    const keys = Array.from({ length: BULK }, (_, i) => `bulk_${String(i).padStart(3, '0')}`);
    await oldApp.db.query(
      `INSERT INTO secrets (user_id, key, encrypted_value) SELECT $1, k, v FROM unnest($2::text[], $3::bytea[]) AS b(k, v)`,
      [u2.userId, keys, keys.map((k) => encryptSecret(ring, u2.userId, k, `bulk value of ${k}`))],
    );
  });

  afterAll(async () => {
    await oldApp?.close();
  });

  const total = () => Object.keys(VALUES).length + 2 + BULK;

  it('with SECRETS_KEYS="1:…,2:…": "Rewrapped N secret(s) under key id 2"; every blob now carries key id 2', async () => {
    const before = await blobs(oldApp);
    expect(before.size).toBe(total());
    for (const blob of before.values()) expect([blob[0], blob[1]]).toEqual([1, 1]);

    const r = await runCli(['secrets:rewrap'], { DATABASE_URL: databaseUrl, SECRETS_KEYS: `${key1},${key2}`, LOG_LEVEL: 'warn' });
    expect(r).toEqual({ code: 0, stdout: `Rewrapped ${total()} secret(s) under key id 2\n`, stderr: '' });

    const after = await blobs(oldApp);
    expect([...after.keys()]).toEqual([...before.keys()]);
    for (const [key, blob] of after) {
      expect({ key, version: blob[0], keyId: blob[1], length: blob.length }).toEqual({ key, version: 1, keyId: 2, length: before.get(key)!.length });
      expect(blob.subarray(2, 14).equals(before.get(key)!.subarray(2, 14))).toBe(false); // a fresh nonce
    }

    // One SECRET_REWRAP event per secret, in its owner's trail, naming the key ids only.
    const events: { user_id: string; subject: string; agent_id: string | null; meta: Record<string, unknown> }[] = await oldApp.db.query(
      `SELECT user_id, subject, agent_id, meta FROM audit_events WHERE event_type = 'SECRET_REWRAP' ORDER BY seq`,
    );
    expect(events).toHaveLength(total());
    expect(events.filter((e) => e.user_id === u1.userId).map((e) => e.subject).sort()).toEqual([...Object.keys(VALUES), 'write_only'].sort());
    for (const e of events) expect(e).toMatchObject({ agent_id: null, meta: { from_key_id: 1, to_key_id: 2, actor: 'cli' } });
  });

  it('the values are unchanged when read by an app that holds only key 2; readers and write_only are kept', async () => {
    const newApp = await startTestApp({ SECRETS_KEYS: key2 }, { databaseUrl });
    try {
      for (const [key, value] of Object.entries(VALUES)) {
        const res = await getSecret(newApp, u1.apiKey, key);
        expect({ key, status: res.status, body: res.body as unknown }).toEqual({ key, status: 200, body: { key, value } });
      }
      expect((await getSecret(newApp, u2.apiKey, 'ascii').expect(200)).body.value).toBe('the other user value');
      expect((await getSecret(newApp, u2.apiKey, 'bulk_000').expect(200)).body.value).toBe('bulk value of bulk_000');
      expect((await getSecret(newApp, u2.apiKey, `bulk_${BULK - 1}`).expect(200)).body.value).toBe(`bulk value of bulk_${BULK - 1}`);
      expect((await getSecret(newApp, u1.apiKey, 'write_only').expect(403)).body.detail).toMatch(/is write-only/);
      const listed = await newApp.http().get('/secrets').set('X-Api-Key', u2.apiKey).expect(200);
      expect(listed.body.secrets.find((s: { key: string }) => s.key === 'ascii')).toMatchObject({ readers: [u2.agentName] });
    } finally {
      await newApp.close();
    }
    // The app that still holds only key 1 can no longer decrypt them.
    expect((await getSecret(oldApp, u1.apiKey, 'ascii').expect(500)).body.detail).toBe('Secret could not be decrypted');
  });

  it('running again rewraps 0, with the old key still listed or not', async () => {
    const before = await blobs(oldApp);
    const [withOld, withoutOld] = await Promise.all([
      runCli(['secrets:rewrap'], { DATABASE_URL: databaseUrl, SECRETS_KEYS: `${key1},${key2}` }),
      runCli(['secrets:rewrap'], { DATABASE_URL: databaseUrl, SECRETS_KEYS: key2 }),
    ]);
    for (const r of [withOld, withoutOld]) expect(r).toEqual({ code: 0, stdout: 'Rewrapped 0 secret(s) under key id 2\n', stderr: '' });
    expect(await blobs(oldApp)).toEqual(before);
  });

  it('a secret that does not decrypt is left as it is, counted on stderr, exit 1; the others are rewrapped', async () => {
    const key3 = keyEntry(3);
    await oldApp.db.query(
      `UPDATE secrets SET encrypted_value = set_byte(encrypted_value, 20, get_byte(encrypted_value, 20) # 1) WHERE user_id = $1 AND key = 'emoji'`,
      [u1.userId],
    );
    const damaged = (await blobs(oldApp, u1.userId)).get('emoji')!;
    const r = await runCli(['secrets:rewrap'], { DATABASE_URL: databaseUrl, SECRETS_KEYS: `${key2},${key3}` });
    expect(r).toEqual({
      code: 1,
      stdout: `Rewrapped ${total() - 1} secret(s) under key id 3\n`,
      stderr: '1 secret(s) could not be decrypted with the configured keys (see SECRET_DECRYPT_FAILED in the audit log)\n',
    });
    const after = await blobs(oldApp);
    expect(after.get(`${u1.userId}/emoji`)).toEqual(damaged);
    for (const [key, blob] of after) if (key !== `${u1.userId}/emoji`) expect({ key, keyId: blob[1] }).toEqual({ key, keyId: 3 });
    expect(
      await oldApp.db.query(`SELECT agent_id, reason_code, meta FROM audit_events WHERE user_id = $1 AND subject = 'emoji' AND event_type = 'SECRET_DECRYPT_FAILED'`, [
        u1.userId,
      ]),
    ).toEqual([{ agent_id: null, reason_code: 'AUTHENTICATION_FAILED', meta: { key_id: 2, actor: 'cli' } }]);
  });

  it('without any key configured: "Secrets are unavailable", exit 1', async () => {
    const r = await runCli(['secrets:rewrap'], { DATABASE_URL: databaseUrl });
    expect(failure(r)).toBe('Error: Secrets are unavailable: no encryption key is configured (set SECRETS_KEYS or SECRETS_KEY_FILE)');
  });
});

// ============================================================================================
describe('a malformed key configuration stops the CLI before it does anything', () => {
  let databaseUrl: string;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
  });

  const b64 = (bytes: number) => {
    const material = randomBytes(bytes).toString('base64');
    sensitive.push(material);
    return material;
  };

  it.each([
    ['not base64 of 32 bytes', () => '1:notbase64', 'Invalid configuration: SECRETS_KEYS entry 1 (key id 1) must be exactly 32 bytes in base64, got 6', 'notbase64'],
    ['key id 0', () => `0:${b64(32)}`, 'Invalid configuration: SECRETS_KEYS entry 1 has key id 0; ids are 1-255', null],
    ['key id 256', () => `256:${b64(32)}`, 'Invalid configuration: SECRETS_KEYS entry 1 has key id 256; ids are 1-255', null],
    ['a duplicate id', () => `1:${b64(32)},2:${b64(32)},1:${b64(32)}`, 'Invalid configuration: SECRETS_KEYS names key id 1 twice', null],
    ['a key of 16 bytes', () => `1:${b64(32)},2:${b64(16)}`, 'Invalid configuration: SECRETS_KEYS entry 2 (key id 2) must be exactly 32 bytes in base64, got 16', null],
    ['a key of 33 bytes', () => `1:${b64(33)}`, 'Invalid configuration: SECRETS_KEYS entry 1 (key id 1) must be exactly 32 bytes in base64, got 33', null],
    ['no id', () => b64(32), 'Invalid configuration: SECRETS_KEYS entry 1 must be id:base64 (id 1-255, 32 bytes of key in base64)', null],
    ['URL-safe base64', () => `1:${b64(32).replace(/\+/g, '-').replace(/\//g, '_')}-_`, 'Invalid configuration: SECRETS_KEYS entry 1 must be id:base64 (id 1-255, 32 bytes of key in base64)', null],
    ['only separators', () => ' , ,', 'Invalid configuration: SECRETS_KEYS holds no key', null],
  ])('%s → exit 1, "Invalid configuration: SECRETS_KEYS…", no key material echoed', async (_label, value, message, material) => {
    const keys = value();
    const [rewrap, userList] = await Promise.all([
      runCli(['secrets:rewrap'], { DATABASE_URL: databaseUrl, SECRETS_KEYS: keys }),
      runCli(['user:list'], { DATABASE_URL: databaseUrl, SECRETS_KEYS: keys }),
    ]);
    for (const r of [rewrap, userList]) {
      expect(failure(r)).toBe(message);
      expect(r.stderr).toMatch(/^Invalid configuration: SECRETS_KEYS/);
      for (const entry of keys.split(',')) {
        const part = entry.slice(entry.indexOf(':') + 1).trim();
        if (part.length >= 8) expect(r.stderr).not.toContain(part);
      }
      if (material) expect(r.stderr).not.toContain(material);
    }
  });

  it('SECRETS_KEYS and SECRETS_KEY_FILE both set → exit 1, "set one, not both"', async () => {
    const { file } = lucyKeyFile();
    const keys = keyEntry(1);
    const r = await runCli(['secrets:rewrap'], { DATABASE_URL: databaseUrl, SECRETS_KEYS: keys, SECRETS_KEY_FILE: file });
    expect(failure(r)).toBe(
      'Invalid configuration: set SECRETS_KEYS or SECRETS_KEY_FILE, not both (a key file is key id 1 in SECRETS_KEYS)',
    );
  });

  it('SECRETS_KEY_FILE alone: a file that is not 32 bytes, or missing, is refused; a good one is key id 1', async () => {
    const short = lucyKeyFile(31);
    const good = lucyKeyFile();
    const missing = path.join(workDir, 'absent.key');
    const [bad, absent, ok] = await Promise.all([
      runCli(['secrets:rewrap'], { DATABASE_URL: databaseUrl, SECRETS_KEY_FILE: short.file }),
      runCli(['secrets:rewrap'], { DATABASE_URL: databaseUrl, SECRETS_KEY_FILE: missing }),
      runCli(['secrets:rewrap'], { DATABASE_URL: databaseUrl, SECRETS_KEY_FILE: good.file }),
    ]);
    expect(failure(bad)).toBe(`Secrets key must be 32 bytes, got 31 (${short.file})`);
    expect(failure(absent)).toBe(`Secrets key file not found: ${missing}`);
    expect(ok).toEqual({ code: 0, stdout: 'Rewrapped 0 secret(s) under key id 1\n', stderr: '' });
  });
});

// ============================================================================================
describe('audit:verify [USER]', () => {
  let t: TestApp;
  let env: Env;
  let u1: TestAgent;
  let u2: TestAgent;

  const okLine = (name: string) => new RegExp(`^ok\\s+${name}: (\\d+) event\\(s\\) checked through seq (\\d+)$`, 'm');

  /** A sealed event of the user (linked into its chain), the n-th by seq. */
  async function sealedEvent(userId: string, n: number): Promise<{ seq: string; subject: string | null }> {
    const rows: { seq: string; subject: string | null }[] = await t.db.query(
      `SELECT e.seq::text AS seq, e.subject FROM audit_events e JOIN audit_chain c ON c.seq = e.seq WHERE e.user_id = $1 ORDER BY e.seq OFFSET $2 LIMIT 1`,
      [userId, n],
    );
    expect(rows).toHaveLength(1);
    return rows[0];
  }

  beforeAll(async () => {
    const databaseUrl = await createTestDatabase();
    const keys = keyEntry(1);
    // The app's own sealer would first run after a minute: here only the CLI seals.
    t = await startTestApp({ SECRETS_KEYS: keys, AUDIT_SEAL_INTERVAL_MS: '60000' }, { databaseUrl });
    env = { DATABASE_URL: databaseUrl, SECRETS_KEYS: keys };
    u1 = await t.newAgent();
    u2 = await t.newAgent();
    for (const agent of [u1, u2]) {
      for (const key of ['one', 'two', 'three']) {
        await putSecret(t, agent.apiKey, key, { value: `value ${key}` }).expect(201);
        await getSecret(t, agent.apiKey, key).expect(200);
      }
      await getSecret(t, agent.apiKey, 'missing').expect(404);
    }
  });

  afterAll(async () => {
    await t?.close();
  });

  it('an untampered user: "ok", exit 0 (the CLI seals the new events first)', async () => {
    const [{ max }]: { max: string }[] = await t.db.query(`SELECT max(seq)::text AS max FROM audit_events WHERE user_id = $1`, [u1.userId]);
    const [before]: { sealed_through_seq: string }[] = await t.db.query(`SELECT sealed_through_seq FROM audit_seal_state`);
    expect(Number(before.sealed_through_seq)).toBeLessThan(Number(max)); // nothing of this user sealed yet

    const one = await runCli(['audit:verify', u1.userName], env);
    expect({ code: one.code, stderr: one.stderr }).toEqual({ code: 0, stderr: '' });
    const [, checked, through] = okLine(u1.userName).exec(one.stdout)!;
    expect(one.stdout.trim().split('\n')).toHaveLength(1);
    expect(Number(through)).toBeGreaterThanOrEqual(Number(max));
    // Every event of the user was checked: at least the 3 writes, 3 reads and 1 denied read.
    const [{ n }]: { n: number }[] = await t.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE user_id = $1`, [u1.userId]);
    expect(Number(checked)).toBe(n);
    expect(n).toBeGreaterThanOrEqual(7);

    const all = await runCli(['audit:verify'], env);

    // Without USER: every user's chain and the operator chain.
    expect({ code: all.code, stderr: all.stderr }).toEqual({ code: 0, stderr: '' });
    expect(all.stdout).toMatch(okLine(u1.userName));
    expect(all.stdout).toMatch(okLine(u2.userName));
    expect(all.stdout).toMatch(okLine('\\(operator\\)'));
    expect(all.stdout).not.toContain('ALTERED');
  });

  it('an event altered by SQL: "ALTERED first bad seq <seq>", exit 1; the other user still verifies; restoring it verifies again', async () => {
    await cliOk(['audit:verify', u1.userName], env); // everything so far is sealed
    const target = await sealedEvent(u1.userId, 2);
    await t.db.query(`UPDATE audit_events SET subject = 'x' WHERE seq = $1`, [target.seq]);

    const [altered, other, all] = await Promise.all([
      runCli(['audit:verify', u1.userName], env),
      runCli(['audit:verify', u2.userName], env),
      runCli(['audit:verify'], env),
    ]);
    expect(altered.code).toBe(1);
    expect(altered.stdout).toMatch(new RegExp(`^ALTERED first bad seq ${target.seq}, ${u1.userName}: \\d+ event\\(s\\) checked through seq \\d+$`, 'm'));
    expect(altered.stderr.trim()).toBe('1 chain(s) do not verify');

    expect(other.code).toBe(0);
    expect(other.stdout).toMatch(okLine(u2.userName));

    expect(all.code).toBe(1);
    expect(all.stdout).toContain(`ALTERED first bad seq ${target.seq}, ${u1.userName}: `);
    expect(all.stdout).toMatch(okLine(u2.userName));
    expect(all.stderr.trim()).toBe('1 chain(s) do not verify');

    await t.db.query(`UPDATE audit_events SET subject = $2 WHERE seq = $1`, [target.seq, target.subject]);
    const restored = await runCli(['audit:verify', u1.userName], env);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toMatch(okLine(u1.userName));
  });

  it('a sealed event deleted by SQL: reported at its seq', async () => {
    const target = await sealedEvent(u2.userId, 1);
    await t.db.query(`DELETE FROM audit_events WHERE seq = $1`, [target.seq]);
    const r = await runCli(['audit:verify', u2.userName], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^ALTERED first bad seq ${target.seq}, ${u2.userName}: `, 'm'));
  });

  it('an unknown user, or two users: an error, exit 1', async () => {
    const nobody = uniqueName('nobody');
    const [unknown, two] = await Promise.all([runCli(['audit:verify', nobody], env), runCli(['audit:verify', u1.userName, u2.userName], env)]);
    expect(failure(unknown)).toBe(`Error: User '${nobody}' not found`);
    expect(failure(two)).toMatch(/^Error: Unexpected argument '.+'\.\n\nUsage: npm run cli -- audit:verify \[USER\]\n/);
  });
});

// ============================================================================================
describe('output hygiene', () => {
  it('no CLI run of this file printed a secret value or key material', () => {
    expect(runs.length).toBeGreaterThan(30);
    const values = sensitive.filter((s) => s.length >= 8);
    expect(values.length).toBeGreaterThan(20);
    for (const { args, result } of runs) {
      const printed = `${result.stdout}\n${result.stderr}`;
      for (const value of values) expect({ args, leaked: printed.includes(value) ? value : null }).toEqual({ args, leaked: null });
    }
  });
});
