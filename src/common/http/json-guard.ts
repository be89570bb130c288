import { AppError } from '../errors/app-error';

/** How deeply request bodies and tool arguments may nest objects and arrays (the body itself is level 1). */
export const JSON_MAX_DEPTH = 64;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Keys that shadow or reach `Object.prototype`, and `prototype` (Nest's pipe deletes it silently). */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

const PROTOTYPE_RULE = 'keys named after Object.prototype members (constructor, toString, __proto__, …) or prototype are refused';

/**
 * A key that may appear in a field path as sent; other keys are not echoed, and
 * paths stop growing after MAX_PATH_SEGMENTS (the path names the parent then).
 */
const NAMEABLE_KEY = /^[A-Za-z0-9_]{1,64}$/;
const MAX_PATH_SEGMENTS = 16;

function refuse(field: string, problem: string): never {
  const message = `${field} ${problem}`;
  throw AppError.validation(message, [{ field, message }]);
}

function checkString(text: string, field: string): void {
  if (LONE_SURROGATE.test(text)) refuse(field, 'must be valid Unicode text (it holds a lone surrogate)');
  if (text.includes('\u0000')) refuse(field, 'may not contain U+0000');
}

function checkKey(key: string, field: string): void {
  if (LONE_SURROGATE.test(key)) refuse(field, 'holds a key that is not valid Unicode text (a lone surrogate)');
  if (key.includes('\u0000')) refuse(field, 'holds a key containing U+0000');
}

function checkNumber(n: number, field: string, lossyIntegers: ReadonlySet<number> | undefined): void {
  if (!Number.isFinite(n)) refuse(field, 'must be a finite number');
  if (lossyIntegers?.has(n) && !Number.isSafeInteger(n)) {
    refuse(field, `is an integer beyond ±${Number.MAX_SAFE_INTEGER}, which JSON numbers cannot carry exactly (send it as a string)`);
  }
}

/**
 * What no rule further down can handle safely in parsed JSON input (REST
 * bodies and queries, MCP tool arguments, CLI input), refused with a 422 that
 * names the field before any validation runs. Past this point each of these
 * would be dropped, changed or crash silently:
 *
 * - nesting deeper than JSON_MAX_DEPTH: class-transformer and Nest's pipe
 *   recurse, and would exhaust the stack;
 * - keys named after `Object.prototype` members (`constructor`, `toString`,
 *   `__proto__`, …) or `prototype`: class-transformer throws on them, Nest's
 *   pipe deletes some of them, and `__proto__` cannot be a plain object key;
 * - strings or keys holding a lone surrogate (no UTF-8 form: stored, they would
 *   become U+FFFD) or U+0000 (PostgreSQL text and jsonb cannot hold it);
 * - numbers that are not finite (`1e309` parses as Infinity, which JSON
 *   cannot carry back), and integers written beyond ±(2^53 − 1), which parsing
 *   has already rounded (see lossyIntegerLiterals).
 *
 * Throws a 422 AppError naming the first one found, as a dotted path
 * (`value_json.a.0`; the top level is `body`). `lossyIntegers`: the values of
 * integer literals the raw text held beyond the safe range (by default those
 * the body parser noted for `input`). Walked without recursion, so any depth
 * is safe.
 */
export function refuseUnsafeJson(input: unknown, lossyIntegers = lossyIntegersOf(input)): void {
  // `named`: false below a key that cannot be named, so that the path stays at the last one that can.
  const pending: [value: unknown, path: string, depth: number, named: boolean][] = [[input, '', 1, true]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [value, path, depth, named] = next;
    const field = path || 'body';
    if (typeof value === 'string') {
      checkString(value, field);
      continue;
    }
    if (typeof value === 'number') {
      checkNumber(value, field, lossyIntegers);
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    // Named by its top-level field: the path to it would be JSON_MAX_DEPTH segments long.
    if (depth > JSON_MAX_DEPTH) refuse(field.split('.')[0], `nests objects and arrays deeper than ${JSON_MAX_DEPTH} levels`);
    // Every own key, `__proto__` included (JSON.parse makes it an own property).
    for (const key of Object.getOwnPropertyNames(value)) {
      if (Array.isArray(value) && key === 'length') continue;
      const keyPath = path ? `${path}.${key}` : key;
      if (PROTOTYPE_KEYS.has(key)) {
        const where = named ? keyPath : path || 'body';
        refuse(where, `${named ? 'is not accepted' : `holds a key named ${key}, which is not accepted`}: ${PROTOTYPE_RULE}`);
      }
      const nameable = named && NAMEABLE_KEY.test(key) && depth <= MAX_PATH_SEGMENTS;
      const itemPath = nameable ? keyPath : path;
      checkKey(key, itemPath || 'body');
      pending.push([(value as Record<string, unknown>)[key], itemPath, depth + 1, nameable]);
    }
  }
}

/** Integer literals shorter than this are always exact as JavaScript numbers (2^53 has 16 digits). */
const LOSSY_DIGITS = 16;
const LONG_DIGIT_RUN = new RegExp(`[0-9]{${LOSSY_DIGITS}}`);
/** JSON strings (skipped) and numbers, in valid JSON text. */
const JSON_TOKEN = /"(?:[^"\\]|\\.)*"|-?\d+(\.\d+)?([eE][+-]?\d+)?/g;

/**
 * The parsed values of the integer literals in valid JSON `text` whose value
 * JSON.parse could not keep exactly (beyond ±(2^53 − 1)). A number written with
 * a fraction or an exponent is a float by intent and never counted. Only text
 * with a run of 16 digits is tokenized, so ordinary bodies cost one scan.
 */
export function lossyIntegerLiterals(text: string): Set<number> {
  const lossy = new Set<number>();
  if (!LONG_DIGIT_RUN.test(text)) return lossy;
  for (const [token, fraction, exponent] of text.matchAll(JSON_TOKEN)) {
    if (token[0] === '"' || fraction || exponent || token.replace('-', '').length < LOSSY_DIGITS) continue;
    const value = Number(token);
    if (!Number.isSafeInteger(value)) lossy.add(value);
  }
  return lossy;
}

/** Lossy integer literals of parsed request bodies, noted by the body parser (jsonBodyParser). */
const lossyByBody = new WeakMap<object, ReadonlySet<number>>();

export function noteLossyIntegers(body: unknown, lossy: ReadonlySet<number>): void {
  if (lossy.size && typeof body === 'object' && body !== null) lossyByBody.set(body, lossy);
}

/** The lossy integer literals noted for a parsed body (see lossyIntegerLiterals). */
export function lossyIntegersOf(body: unknown): ReadonlySet<number> | undefined {
  return typeof body === 'object' && body !== null ? lossyByBody.get(body) : undefined;
}
