import fc from 'fast-check';
import { AppError } from '../errors/app-error';
import { JSON_MAX_DEPTH, lossyIntegerLiterals, PROTOTYPE_KEYS, refuseUnsafeJson } from './json-guard';

/** The field errors refuseUnsafeJson throws for `input`, or null when it accepts it. */
function refusal(input: unknown, lossy?: ReadonlySet<number>): { field: string; message: string }[] | null {
  try {
    refuseUnsafeJson(input, lossy);
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    const error = err as AppError;
    expect(error.status).toBe(422);
    expect(error.detail).toBe(error.errors?.[0].message);
    return error.errors ?? [];
  }
}

const PROTOTYPE_RULE = 'is not accepted: keys named after Object.prototype members (constructor, toString, __proto__, …) or prototype are refused';

const keysOf = (v: unknown): string[] =>
  typeof v === 'object' && v !== null ? [...(Array.isArray(v) ? [] : Object.keys(v)), ...Object.values(v).flatMap(keysOf)] : [];

/** JSON values with nothing unsafe in them (fast-check's JSON numbers are finite). */
const safeJson = fc
  .jsonValue()
  .filter((v) => !keysOf(v).some((k) => PROTOTYPE_KEYS.has(k)) && !JSON.stringify(v).includes('\\u0000'));

describe('refuseUnsafeJson', () => {
  it('accepts any JSON without unsafe parts, at any size', () => {
    fc.assert(fc.property(safeJson, (value) => expect(refusal(value)).toBeNull()), { seed: 14, numRuns: 300 });
  });

  it('refuses every key named after an Object.prototype member, or prototype, at any depth, naming its path', () => {
    expect(PROTOTYPE_KEYS).toEqual(new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']));
    for (const key of PROTOTYPE_KEYS) {
      const nested = JSON.parse(`{"a": [1, {"b": {${JSON.stringify(key)}: 1}}]}`) as unknown;
      expect(refusal(nested)).toEqual([{ field: `a.1.b.${key}`, message: `a.1.b.${key} ${PROTOTYPE_RULE}` }]);
      expect(refusal(JSON.parse(`{${JSON.stringify(key)}: {}}`))).toEqual([{ field: key, message: `${key} ${PROTOTYPE_RULE}` }]);
    }
    // Another case of the name is a different key, and fine.
    expect(refusal({ Constructor: 1, tostring: 2, PROTOTYPE: 3 })).toBeNull();
  });

  it('refuses non-finite numbers', () => {
    for (const n of [Infinity, -Infinity, NaN]) {
      expect(refusal({ limit: n })).toEqual([{ field: 'limit', message: 'limit must be a finite number' }]);
    }
    expect(refusal(JSON.parse('{"a":{"b":[1e309]}}'))).toEqual([{ field: 'a.b.0', message: 'a.b.0 must be a finite number' }]);
  });

  it('refuses the integers the parser noted as rounded, and only those', () => {
    const text = '{"id": 9223372036854775808, "big": 1e300, "safe": 9007199254740991}';
    const value = JSON.parse(text) as Record<string, unknown>;
    const lossy = lossyIntegerLiterals(text);
    expect(refusal(value, lossy)).toEqual([
      { field: 'id', message: 'id is an integer beyond ±9007199254740991, which JSON numbers cannot carry exactly (send it as a string)' },
    ]);
    expect(refusal({ big: 1e300, safe: 9007199254740991 }, lossy)).toBeNull();
    expect(refusal(value)).toBeNull();
  });

  it('refuses lone surrogates and U+0000, in strings and keys', () => {
    expect(refusal({ a: ['x', 'b\ud800'] })).toEqual([{ field: 'a.1', message: 'a.1 must be valid Unicode text (it holds a lone surrogate)' }]);
    expect(refusal({ a: 'x\u0000' })).toEqual([{ field: 'a', message: 'a may not contain U+0000' }]);
    expect(refusal({ a: { 'k\udc00': 1 } })).toEqual([{ field: 'a', message: 'a holds a key that is not valid Unicode text (a lone surrogate)' }]);
    expect(refusal({ a: { 'k\u0000': 1 } })).toEqual([{ field: 'a', message: 'a holds a key containing U+0000' }]);
    expect(refusal('top\u0000')).toEqual([{ field: 'body', message: 'body may not contain U+0000' }]);
    expect(refusal({ emoji: '\ud83d\ude00' })).toBeNull();
  });

  it('refuses nesting deeper than JSON_MAX_DEPTH, named by the top-level field, without recursing', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i += 1) deep = [deep];
    expect(refusal({ tz: deep })).toEqual([{ field: 'tz', message: `tz nests objects and arrays deeper than ${JSON_MAX_DEPTH} levels` }]);
    let ok: unknown = 1;
    for (let i = 0; i < JSON_MAX_DEPTH - 1; i += 1) ok = [ok];
    expect(refusal(ok)).toBeNull();
  });

  it('never echoes an arbitrary key: the path stops at the last plain name', () => {
    expect(refusal({ 'weird key!': { x: 'a\u0000' } })).toEqual([{ field: 'body', message: 'body may not contain U+0000' }]);
    expect(refusal({ ok: { 'a b': { c: 'a\u0000' } } })).toEqual([{ field: 'ok', message: 'ok may not contain U+0000' }]);
    expect(refusal(JSON.parse('{"ok": {"a b": {"toString": 1}}}'))).toEqual([
      { field: 'ok', message: `ok holds a key named toString, which is not accepted: ${PROTOTYPE_RULE.slice('is not accepted: '.length)}` },
    ]);
  });
});

describe('lossyIntegerLiterals', () => {
  const unsafe = fc.oneof(
    fc.bigInt({ min: BigInt(Number.MAX_SAFE_INTEGER) + 1n, max: 10n ** 40n }),
    fc.bigInt({ min: -(10n ** 40n), max: -BigInt(Number.MAX_SAFE_INTEGER) - 1n }),
  );
  const safe = fc.bigInt({ min: -BigInt(Number.MAX_SAFE_INTEGER), max: BigInt(Number.MAX_SAFE_INTEGER) });

  it('finds every integer literal beyond ±(2^53 − 1), wherever it stands', () => {
    fc.assert(
      fc.property(unsafe, safe, fc.string(), (big, small, s) => {
        const text = `{"s": ${JSON.stringify(s)}, "a": [${small}, {"b": ${big}}]}`;
        expect(lossyIntegerLiterals(text)).toEqual(new Set([Number(big)]));
      }),
      { seed: 14, numRuns: 300 },
    );
  });

  it('ignores safe integers, floats and exponents, and digits inside strings', () => {
    fc.assert(
      fc.property(safe, (small) => expect(lossyIntegerLiterals(`[${small}, 1e300, 12345678901234567890.5, "99999999999999999999", "\\"99999999999999999999"]`)).toEqual(new Set())),
      { seed: 14, numRuns: 100 },
    );
    expect(lossyIntegerLiterals('{"key 99999999999999999999": 1}')).toEqual(new Set());
  });
});
