import { createHash } from 'node:crypto';
import { AGENT_KEY_PREFIX, generateAdminToken, generateAgentKey, sha256Hex, secretsEqual } from './credentials';

describe('generateAgentKey', () => {
  it('starts with the recognisable prefix', () => {
    expect(AGENT_KEY_PREFIX).toBe('mnemo_ak_');
    expect(generateAgentKey().startsWith('mnemo_ak_')).toBe(true);
  });

  it('carries 256 bits as unpadded base64url (43 characters after the prefix)', () => {
    const key = generateAgentKey();
    const body = key.slice(AGENT_KEY_PREFIX.length);
    expect(body).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(key).toHaveLength(AGENT_KEY_PREFIX.length + 43);
    expect(Buffer.from(body, 'base64url')).toHaveLength(32);
  });

  it('is safe in headers and URLs', () => {
    const key = generateAgentKey();
    expect(encodeURIComponent(key)).toBe(key);
    expect(key).not.toMatch(/\s/);
  });

  it('never repeats', () => {
    const keys = new Set(Array.from({ length: 2000 }, () => generateAgentKey()));
    expect(keys.size).toBe(2000);
  });

  it('uses the whole alphabet (random, not a counter)', () => {
    const chars = new Set(
      Array.from({ length: 200 }, () => generateAgentKey().slice(AGENT_KEY_PREFIX.length))
        .join('')
        .split(''),
    );
    expect(chars.size).toBeGreaterThan(60);
  });
});

describe('generateAdminToken', () => {
  it('is prefixed, 256-bit, unique and long enough for MNEMO_ADMIN_TOKEN', () => {
    const token = generateAdminToken();
    expect(token).toMatch(/^mnemo_admin_[A-Za-z0-9_-]{43}$/);
    expect(token.length).toBeGreaterThanOrEqual(24);
    expect(generateAdminToken()).not.toBe(token);
  });
});

describe('sha256Hex', () => {
  it('is SHA-256 in lowercase hex', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('matches node:crypto for a generated key', () => {
    const key = generateAgentKey();
    expect(sha256Hex(key)).toBe(createHash('sha256').update(key).digest('hex'));
    expect(sha256Hex(key)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is deterministic and distinguishes keys', () => {
    const a = generateAgentKey();
    const b = generateAgentKey();
    expect(sha256Hex(a)).toBe(sha256Hex(a));
    expect(sha256Hex(a)).not.toBe(sha256Hex(b));
  });

  it('hashes UTF-8', () => {
    expect(sha256Hex('é')).toBe(createHash('sha256').update(Buffer.from('é', 'utf8')).digest('hex'));
  });

  it('does not contain the key', () => {
    const key = generateAgentKey();
    expect(sha256Hex(key)).not.toContain(key.slice(AGENT_KEY_PREFIX.length, AGENT_KEY_PREFIX.length + 8));
  });
});

describe('secretsEqual', () => {
  it('accepts equal secrets', () => {
    const token = generateAdminToken();
    expect(secretsEqual(token, `${token}`)).toBe(true);
    expect(secretsEqual('', '')).toBe(true);
  });

  it('refuses different secrets of the same length', () => {
    expect(secretsEqual('secret-token-a', 'secret-token-b')).toBe(false);
  });

  it('refuses secrets of different lengths without throwing', () => {
    expect(secretsEqual('short', 'a-much-longer-secret')).toBe(false);
    expect(secretsEqual('a-much-longer-secret', 'short')).toBe(false);
    expect(secretsEqual('', 'x')).toBe(false);
    expect(secretsEqual('prefix', 'prefix-and-more')).toBe(false);
  });

  it('is case-sensitive', () => {
    expect(secretsEqual('Token', 'token')).toBe(false);
  });
});
