import { createCipheriv, randomBytes } from 'node:crypto';
import { KeyRing } from './key-ring';
import { BLOB_OVERHEAD, blobKeyId, decryptLucyApiBlob, decryptSecret, encryptSecret, SecretDecryptError } from './secret-cipher';

const key = (id: number) => ({ id, material: randomBytes(32) });
const USER = '6f1c2a9e-0000-4000-8000-000000000001';
const OTHER_USER = '6f1c2a9e-0000-4000-8000-000000000002';

function failure(fn: () => unknown): SecretDecryptError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SecretDecryptError) return err;
    throw err;
  }
  throw new Error('expected a SecretDecryptError');
}

describe('secret blobs (version ‖ key id ‖ nonce ‖ ciphertext ‖ tag, AAD = tenant + name)', () => {
  const k1 = key(1);
  const k2 = key(2);
  const ring = new KeyRing([k1, k2]);

  it.each(['plain ascii', 'héllo wörld ñ 日本語', '🔑🎉', ''])('round-trips %j', (value) => {
    const blob = encryptSecret(ring, USER, 'name', value);
    expect(blob.length).toBe(BLOB_OVERHEAD + Buffer.byteLength(value, 'utf8'));
    expect(blob[0]).toBe(1);
    expect(blobKeyId(blob)).toBe(2);
    expect(decryptSecret(ring, USER, 'name', blob)).toBe(value);
  });

  it('uses a fresh nonce: equal values give different blobs', () => {
    const a = encryptSecret(ring, USER, 'name', 'same');
    const b = encryptSecret(ring, USER, 'name', 'same');
    expect(a.equals(b)).toBe(false);
    expect(a.subarray(2, 14).equals(b.subarray(2, 14))).toBe(false);
  });

  it('fails authentication under another name or tenant (a copied blob does not decrypt)', () => {
    const blob = encryptSecret(ring, USER, 'name', 'value');
    expect(failure(() => decryptSecret(ring, USER, 'other', blob)).reason).toBe('AUTHENTICATION_FAILED');
    expect(failure(() => decryptSecret(ring, OTHER_USER, 'name', blob)).reason).toBe('AUTHENTICATION_FAILED');
  });

  it('detects every flipped byte', () => {
    const blob = encryptSecret(ring, USER, 'name', 'value');
    for (let i = 2; i < blob.length; i++) {
      const bad = Buffer.from(blob);
      bad[i] ^= 0x01;
      expect(failure(() => decryptSecret(ring, USER, 'name', bad)).reason).toBe('AUTHENTICATION_FAILED');
    }
  });

  it('names unknown key ids, unknown versions and short blobs', () => {
    const blob = encryptSecret(ring, USER, 'name', 'value');
    const onlyOld = new KeyRing([k1]);
    expect(failure(() => decryptSecret(onlyOld, USER, 'name', blob))).toMatchObject({ reason: 'UNKNOWN_KEY_ID', keyId: 2 });
    const version2 = Buffer.from(blob);
    version2[0] = 2;
    expect(failure(() => decryptSecret(ring, USER, 'name', version2)).reason).toBe('UNKNOWN_VERSION');
    expect(failure(() => decryptSecret(ring, USER, 'name', blob.subarray(0, BLOB_OVERHEAD - 1))).reason).toBe('MALFORMED_BLOB');
  });

  it('keeps decrypting old blobs after rotation, and writes with the newest key', () => {
    const old = encryptSecret(new KeyRing([k1]), USER, 'name', 'before rotation');
    expect(blobKeyId(old)).toBe(1);
    expect(decryptSecret(ring, USER, 'name', old)).toBe('before rotation');
  });
});

describe("LucyAPI's v1 blobs (nonce ‖ ciphertext ‖ tag, no AAD)", () => {
  /** Encrypts the way the original did, with Node's crypto. */
  function lucyBlob(material: Buffer, value: string): Buffer {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', material, nonce);
    const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return Buffer.concat([nonce, ciphertext, cipher.getAuthTag()]);
  }

  it('decrypts them with the original key and refuses another key or a damaged blob', () => {
    const material = randomBytes(32);
    const blob = lucyBlob(material, 'refresh-token 🔑');
    expect(blob.length).toBe(12 + Buffer.byteLength('refresh-token 🔑') + 16);
    expect(decryptLucyApiBlob(material, blob)).toBe('refresh-token 🔑');
    expect(failure(() => decryptLucyApiBlob(randomBytes(32), blob)).reason).toBe('AUTHENTICATION_FAILED');
    expect(failure(() => decryptLucyApiBlob(material, blob.subarray(0, 27))).reason).toBe('MALFORMED_BLOB');
  });
});
