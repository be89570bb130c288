import { codePointLength, compareCodePoints } from './code-point';

/**
 * The six shapes a scoped memory's `value_json` may have, detected and checked
 * strictly at write time so that no stored value can make a later read fail.
 */
export const SHAPES = [
  'likes_dislikes',
  'boolean_flags',
  'schedule_windows',
  'attention_settings',
  'kv_map',
  'rules_list',
] as const;
export type Shape = (typeof SHAPES)[number];

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
export type Scalar = string | number | boolean;

export const VALUE_LIMITS = {
  arrayItems: 5000,
  depth: 8,
  stringLength: 2000,
  bytes: 256 * 1024,
} as const;

export const NO_SHAPE = 'value_json does not match any allowed shape';

export class ValueError extends Error {}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isScalar(v: unknown): v is Scalar {
  return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean';
}

function checkString(s: string): void {
  // PostgreSQL's jsonb cannot hold U+0000.
  if (s.includes('\u0000')) throw new ValueError('value_json strings may not contain U+0000');
  if (codePointLength(s) > VALUE_LIMITS.stringLength) {
    throw new ValueError(`value_json strings may hold at most ${VALUE_LIMITS.stringLength} characters`);
  }
}

/**
 * Limits over the whole value: `depth` counts nested arrays and objects (the value
 * itself is level 1); array lengths; string lengths, keys included. Keys that are
 * `__proto__` in any case are refused: lower-cased, they cannot be plain object keys.
 */
function checkLimits(value: unknown, depth: number): void {
  if (typeof value === 'string') return checkString(value);
  if (!Array.isArray(value) && !isObject(value)) return;
  if (depth > VALUE_LIMITS.depth) throw new ValueError(`value_json may nest at most ${VALUE_LIMITS.depth} levels`);
  if (Array.isArray(value)) {
    if (value.length > VALUE_LIMITS.arrayItems) {
      throw new ValueError(`value_json arrays may hold at most ${VALUE_LIMITS.arrayItems} items`);
    }
    for (const item of value) checkLimits(item, depth + 1);
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (key.toLowerCase() === '__proto__') throw new ValueError('value_json keys may not be __proto__');
    checkString(key);
    checkLimits(item, depth + 1);
  }
}

const isWindow = (v: unknown): v is JsonObject =>
  isObject(v) && ('start' in v || 'end' in v || 'day' in v);

/** A schedule window: an object with start, end or day, whose values are scalars. */
function checkWindows(windows: Json[]): JsonObject[] {
  if (windows.length === 0 || !windows.every(isWindow)) throw new ValueError(NO_SHAPE);
  for (const w of windows) {
    if (!Object.values(w).every((v) => v === null || isScalar(v))) {
      throw new ValueError('schedule windows may only hold strings, numbers, booleans or null');
    }
  }
  return windows;
}

function checkScalarList(name: string, list: Json | undefined): void {
  if (list === undefined) return;
  if (!Array.isArray(list) || !list.every(isScalar)) {
    throw new ValueError(`${name} must be an array of strings, numbers or booleans`);
  }
}

/**
 * The shape of a value, per MemoryScope's precedence (object: likes/dislikes,
 * all-boolean, windows, attention keys, else key/value map; array: strings,
 * windows). Throws ValueError with a client-facing message when the value is
 * not storable.
 */
export function detectShape(value: unknown): Shape {
  if (!isObject(value) && !Array.isArray(value)) throw new ValueError('value_json must be a JSON object or array');
  checkLimits(value, 1);
  if (Buffer.byteLength(JSON.stringify(value), 'utf8') > VALUE_LIMITS.bytes) {
    throw new ValueError(`value_json may be at most ${VALUE_LIMITS.bytes / 1024} KB`);
  }
  if (Array.isArray(value)) {
    if (value.length > 0 && value.every((v) => typeof v === 'string')) return 'rules_list';
    checkWindows(value);
    return 'schedule_windows';
  }
  if ('likes' in value || 'dislikes' in value) {
    checkScalarList('likes', value.likes);
    checkScalarList('dislikes', value.dislikes);
    return 'likes_dislikes';
  }
  if (Object.values(value).every((v) => typeof v === 'boolean')) return 'boolean_flags';
  if ('windows' in value || 'time_slots' in value) {
    const keys = Object.keys(value);
    const list = value.windows ?? value.time_slots;
    if (keys.length !== 1 || !Array.isArray(list)) {
      throw new ValueError('the schedule object form must be exactly {"windows": [...]}');
    }
    checkWindows(list);
    return 'schedule_windows';
  }
  if ('focus_mode' in value || 'do_not_disturb' in value) return 'attention_settings';
  return 'kv_map';
}

/** The message when a value cannot be stored, or null when it can. */
export function valueProblem(value: unknown): string | null {
  try {
    normalizeValue(value);
    return null;
  } catch (err) {
    if (err instanceof ValueError) return err.message;
    throw err;
  }
}

/** Identity of a list item for case-insensitive de-duplication: trimmed, lower-cased strings; typed scalars. */
export function itemKey(item: Scalar): string {
  return typeof item === 'string' ? `s:${item.trim().toLowerCase()}` : `${typeof item}:${String(item)}`;
}

/** How list items sort: by their text, by code point. */
export function compareItems(a: Scalar, b: Scalar): number {
  return compareCodePoints(String(a), String(b)) || compareCodePoints(typeof a, typeof b);
}

function dedupeScalars(list: Scalar[]): Scalar[] {
  const seen = new Set<string>();
  const kept: Scalar[] = [];
  for (const raw of list) {
    const item = typeof raw === 'string' ? raw.trim() : raw;
    const key = itemKey(item);
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(item);
  }
  return kept.sort(compareItems);
}

/** A window's identity regardless of key order. */
export function windowKey(w: JsonObject): string {
  return JSON.stringify(Object.keys(w).sort(compareCodePoints).map((k) => [k, w[k]]));
}

export function dedupeWindows(windows: JsonObject[]): JsonObject[] {
  const seen = new Set<string>();
  return windows.filter((w) => {
    const key = windowKey(w);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function lowerKeys(obj: JsonObject, value: (key: string, v: Json) => Json = (_k, v) => v): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) {
    const key = k.toLowerCase();
    out[key] = value(key, v);
  }
  return out;
}

const lowerString = (v: Json): Json => (typeof v === 'string' ? v.toLowerCase() : v);

/**
 * The stored form of a value (MemoryScope's write-time normalization, stored raw,
 * no HTML escaping). Pure and idempotent: normalize(normalize(v)) == normalize(v).
 */
export function normalizeValue(value: unknown): { shape: Shape; value: Json } {
  const shape = detectShape(value);
  const normalized = normalizeAs(shape, value as Json);
  // Lower-casing keys must not turn a value into another shape (e.g. {"Likes": 1}
  // into a likes list): the stored form has to read back as what it was stored as.
  if (detectShape(normalized) !== shape) {
    throw new ValueError('value_json keys must not become likes, dislikes, windows, time_slots, focus_mode or do_not_disturb, or collide, once lower-cased');
  }
  return { shape, value: normalized };
}

function normalizeAs(shape: Shape, v: Json): Json {
  switch (shape) {
    case 'likes_dislikes': {
      const obj = v as JsonObject;
      const out: JsonObject = {};
      if (obj.likes !== undefined) out.likes = dedupeScalars(obj.likes as Scalar[]);
      if (obj.dislikes !== undefined) out.dislikes = dedupeScalars(obj.dislikes as Scalar[]);
      return out;
    }
    case 'rules_list':
      return [...new Set(v as string[])].sort(compareCodePoints);
    case 'schedule_windows': {
      const windows = Array.isArray(v) ? v : ((v as JsonObject).windows ?? (v as JsonObject).time_slots);
      return dedupeWindows(windows as JsonObject[]);
    }
    case 'boolean_flags':
      return lowerKeys(v as JsonObject);
    case 'attention_settings':
      return lowerKeys(v as JsonObject, (_k, item) => (Array.isArray(item) ? item.map(lowerString) : lowerString(item)));
    case 'kv_map':
      return lowerKeys(v as JsonObject, (k, item) => (k.includes('tag') ? lowerString(item) : item));
  }
}
