import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { KeyRing } from './key-ring';

/** Blob layout: version ‖ key id ‖ nonce ‖ ciphertext ‖ GCM tag. */
export const BLOB_VERSION = 1;
const HEADER_BYTES = 2;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const BLOB_OVERHEAD = HEADER_BYTES + NONCE_BYTES + TAG_BYTES;

/** Why a blob did not decrypt; recorded in the audit event, never shown with any key material. */
export type DecryptFailure = 'MALFORMED_BLOB' | 'UNKNOWN_VERSION' | 'UNKNOWN_KEY_ID' | 'AUTHENTICATION_FAILED';

export class SecretDecryptError extends Error {
  constructor(
    readonly reason: DecryptFailure,
    readonly keyId: number | null,
  ) {
    super(`Secret could not be decrypted (${reason})`);
    this.name = 'SecretDecryptError';
  }
}

/**
 * Binds a blob to its row: the tenant and the secret's name. A blob copied to
 * another secret or tenant fails authentication instead of decrypting there.
 */
function associatedData(userId: string, key: string): Buffer {
  return Buffer.from(`${userId}\0${key}`, 'utf8');
}

function seal(material: Buffer, plaintext: Buffer, aad: Buffer | null): { nonce: Buffer; ciphertext: Buffer; tag: Buffer } {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', material, nonce);
  if (aad) cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { nonce, ciphertext, tag: cipher.getAuthTag() };
}

/** Null when authentication fails (wrong key, tampered bytes, other row's AAD). */
function open(material: Buffer, nonce: Buffer, ciphertext: Buffer, tag: Buffer, aad: Buffer | null): Buffer | null {
  try {
    const decipher = createDecipheriv('aes-256-gcm', material, nonce);
    if (aad) decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    return null;
  }
}

/** AES-256-GCM with a fresh 96-bit random nonce per encryption, under the ring's newest key. */
export function encryptSecret(ring: KeyRing, userId: string, key: string, value: string): Buffer {
  const { id, material } = ring.newest;
  const { nonce, ciphertext, tag } = seal(material, Buffer.from(value, 'utf8'), associatedData(userId, key));
  return Buffer.concat([Buffer.from([BLOB_VERSION, id]), nonce, ciphertext, tag]);
}

/** The key id a blob names (null when it is not a blob of ours). */
export function blobKeyId(blob: Buffer): number | null {
  return blob.length >= BLOB_OVERHEAD && blob[0] === BLOB_VERSION ? blob[1] : null;
}

export function decryptSecret(ring: KeyRing, userId: string, key: string, blob: Buffer): string {
  if (blob.length < BLOB_OVERHEAD) throw new SecretDecryptError('MALFORMED_BLOB', null);
  if (blob[0] !== BLOB_VERSION) throw new SecretDecryptError('UNKNOWN_VERSION', null);
  const keyId = blob[1];
  const material = ring.get(keyId);
  if (!material) throw new SecretDecryptError('UNKNOWN_KEY_ID', keyId);
  const nonce = blob.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES);
  const ciphertext = blob.subarray(HEADER_BYTES + NONCE_BYTES, blob.length - TAG_BYTES);
  const plaintext = open(material, nonce, ciphertext, blob.subarray(blob.length - TAG_BYTES), associatedData(userId, key));
  if (!plaintext) throw new SecretDecryptError('AUTHENTICATION_FAILED', keyId);
  return plaintext.toString('utf8');
}

/**
 * Reads LucyAPI's v1 format: nonce (12) ‖ ciphertext ‖ tag (16), no associated
 * data, under its single raw key. Only the importer uses it.
 */
export function decryptLucyApiBlob(material: Buffer, blob: Buffer): string {
  if (blob.length < NONCE_BYTES + TAG_BYTES) throw new SecretDecryptError('MALFORMED_BLOB', null);
  const plaintext = open(
    material,
    blob.subarray(0, NONCE_BYTES),
    blob.subarray(NONCE_BYTES, blob.length - TAG_BYTES),
    blob.subarray(blob.length - TAG_BYTES),
    null,
  );
  if (!plaintext) throw new SecretDecryptError('AUTHENTICATION_FAILED', null);
  return plaintext.toString('utf8');
}

