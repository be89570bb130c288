/** User and agent names: lowercase letters, digits, `_` and `-`, 1–64 characters. */
export const NAME_PATTERN = /^[a-z0-9_-]{1,64}$/;
export const NAME_RULE = '1-64 characters of a-z, 0-9, _ and - (case-insensitive)';
/** A name as a client may send it in a path (any case), for the documentation. */
export const NAME_PARAM_PATTERN = '^[A-Za-z0-9_-]{1,64}$';

/** Names compare case-insensitively; they are stored lowercase. */
export function normalizeName(value: unknown): unknown {
  return typeof value === 'string' ? value.trim().toLowerCase() : value;
}
