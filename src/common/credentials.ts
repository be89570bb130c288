import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Keys carry a recognisable prefix so secret scanners and people can spot a leaked one. */
export const AGENT_KEY_PREFIX = 'mnemo_ak_';

/** A new agent key: 256 bits from the CSPRNG, base64url-encoded. Shown once, never stored. */
export function generateAgentKey(): string {
  return AGENT_KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** A new operator token for the admin API. */
export function generateAdminToken(): string {
  return 'mnemo_admin_' + randomBytes(32).toString('base64url');
}

/** A new bearer token (e.g. a revocation token): 256 bits from the CSPRNG, base64url. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What is stored and indexed for a key or token: SHA-256 of its UTF-8 bytes, lowercase hex. */
export function sha256Hex(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time comparison of two secrets of any length (compares their digests). */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}
