import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../config/config';
import { HOME_KEY_FILE, KeyRing, newKeyEntry, parseKeyList, resolveKeyRing } from './key-ring';

const b64 = (bytes: number) => randomBytes(bytes).toString('base64');

describe('parseKeyList (SECRETS_KEYS)', () => {
  it('reads id:base64 entries, newest last', () => {
    const [one, two] = [b64(32), b64(32)];
    const ring = parseKeyList(` 1:${one} , 7:${two}`);
    expect(ring.keys.map((k) => k.id)).toEqual([1, 7]);
    expect(ring.newest.id).toBe(7);
    expect(ring.get(1)?.toString('base64')).toBe(one);
    expect(ring.get(2)).toBeUndefined();
    expect(ring.describe()).toBe('key ids 1, 7 (newest 7)');
  });

  it.each([
    ['not id:base64', 'abc', /SECRETS_KEYS entry 1 must be id:base64/],
    ['id 0', `0:${b64(32)}`, /key id 0; ids are 1-255/],
    ['id 256', `256:${b64(32)}`, /key id 256; ids are 1-255/],
    ['a 16-byte key', `1:${b64(16)}`, /must be exactly 32 bytes in base64, got 16/],
    ['a 33-byte key', `1:${b64(33)}`, /got 33/],
    ['the same id twice', `3:${b64(32)},3:${b64(32)}`, /names key id 3 twice/],
    ['only commas', ' , ', /holds no key/],
  ])('refuses %s with a message that names the problem', (_case, value, message) => {
    expect(() => parseKeyList(value)).toThrow(ConfigError);
    expect(() => parseKeyList(value)).toThrow(message);
  });

  it('never puts key material in its messages', () => {
    const material = b64(16);
    try {
      parseKeyList(`1:${b64(32)},2:${material}`);
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain('entry 2');
      expect((err as Error).message).not.toContain(material);
    }
  });

  it('newKeyEntry makes an entry it accepts', () => {
    expect(parseKeyList(`${newKeyEntry(1)},${newKeyEntry(2)}`).newest.id).toBe(2);
  });
});

describe('resolveKeyRing', () => {
  let home: string;
  beforeEach(() => (home = fs.mkdtempSync(path.join(os.tmpdir(), 'mnemo-keys-'))));
  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

  it('uses SECRETS_KEY_FILE (32 raw bytes, the original format) as key id 1', () => {
    const file = path.join(home, 'lucy.key');
    const material = randomBytes(32);
    fs.writeFileSync(file, material);
    const ring = resolveKeyRing({ secretsKeyFile: file, home }, false) as KeyRing;
    expect(ring.newest.id).toBe(1);
    expect(ring.get(1)!.equals(material)).toBe(true);
  });

  it("keeps the original's messages for a missing or wrong-sized key file", () => {
    const file = path.join(home, 'short.key');
    expect(() => resolveKeyRing({ secretsKeyFile: path.join(home, 'none.key'), home }, false)).toThrow(/^Secrets key file not found: /);
    fs.writeFileSync(file, randomBytes(31));
    expect(() => resolveKeyRing({ secretsKeyFile: file, home }, false)).toThrow(/^Secrets key must be 32 bytes, got 31/);
  });

  it('refuses SECRETS_KEYS and SECRETS_KEY_FILE together', () => {
    expect(() => resolveKeyRing({ secretsKeys: newKeyEntry(1), secretsKeyFile: '/x', home }, true)).toThrow(/not both/);
  });

  it('generates a 0600 key file in MNEMO_HOME for the embedded database, and reuses it', () => {
    const first = resolveKeyRing({ home }, true)!;
    const file = path.join(home, HOME_KEY_FILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file).equals(first.get(1)!)).toBe(true);
    expect(resolveKeyRing({ home }, true)!.get(1)!.equals(first.get(1)!)).toBe(true);
  });

  it('stays sealed (null) with an external database and no key, and writes no file', () => {
    expect(resolveKeyRing({ home }, false)).toBeNull();
    expect(fs.existsSync(path.join(home, HOME_KEY_FILE))).toBe(false);
  });
});
