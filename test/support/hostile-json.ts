import fc from 'fast-check';

/**
 * Generators of hostile JSON, as raw text (1e309 and 2^63 cannot be written
 * with JSON.stringify): values that no field of any request may accept, so a
 * request holding one must be refused with a 422 naming that field.
 */

/** Keys that collide with Object.prototype members, and `prototype`. */
export const PROTOTYPE_KEYS = [...Object.getOwnPropertyNames(Object.prototype), 'prototype'];

const text = (s: string) => JSON.stringify(s);

const nonFinite = fc.constantFrom('1e309', '-1e309', '1e400', '-2e308', '179769313486231590000e289');
/** Integer literals beyond ±(2^53 − 1): JSON.parse would round them. */
const hugeInteger = fc.oneof(
  fc.constantFrom('9223372036854775808', '-9223372036854775809', '18446744073709551616', '9007199254740993'),
  fc.integer({ min: 17, max: 400 }).map((digits) => '9'.repeat(digits)),
);
/** JSON.stringify escapes lone surrogates, so these parse back into them. */
const loneSurrogate = fc.constantFrom('\ud800', 'a\udc00b', '\udbff', 'x\ud83d').map(text);
const nul = fc.constantFrom('\u0000', 'a\u0000b', '\u0000\u0000').map(text);
const plain = fc.constantFrom('1', '"x"', 'true', 'null', '{}', '[]', '{"p":1}');
const protoKeyed = fc
  .tuple(fc.constantFrom(...PROTOTYPE_KEYS), fc.oneof(plain, fc.constant('{"prototype":{"p":1}}')))
  .map(([key, value]) => `{${text(key)}:${value}}`);

/** Wraps a JSON text in `depth` random objects and arrays, beside harmless siblings. */
function nested(inner: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const step = fc.constantFrom(
    (x: string) => `{"a":${x}}`,
    (x: string) => `{"k":1,"v":${x}}`,
    (x: string) => `[${x}]`,
    (x: string) => `["s",${x}]`,
  );
  return fc.tuple(inner, fc.array(step, { maxLength: 5 })).map(([x, steps]) => steps.reduce((acc, wrap) => wrap(acc), x));
}

/** A hostile value at a random depth. */
export const hostileJson: fc.Arbitrary<string> = nested(
  fc.oneof(
    // Prototype-named keys come in a dozen names, each refused on its own path: weighted to be tried often.
    { arbitrary: protoKeyed, weight: 3 },
    { arbitrary: nonFinite, weight: 1 },
    { arbitrary: hugeInteger, weight: 1 },
    { arbitrary: loneSurrogate, weight: 1 },
    { arbitrary: nul, weight: 1 },
  ),
);

/** Out of range for an integer field with these bounds: beyond them, or not whole. */
export function outOfRange(schema: { minimum?: number; maximum?: number }): fc.Arbitrary<string> {
  const values = ['0.5', '1.5e0'];
  if (schema.maximum !== undefined) values.push(String(schema.maximum + 1), String(schema.maximum * 2 + 7));
  if (schema.minimum !== undefined) values.push(String(schema.minimum - 1));
  return fc.constantFrom(...values);
}

/** Spellings of integers that are not plain decimal digits, for query and path parameters. */
export const oddIntegerSpelling = fc.constantFrom(
  '0x10',
  '0b11',
  '0o7',
  '1e3',
  ' 1',
  '1 ',
  '+1',
  '1.0',
  '1_0',
  '１',
  'Infinity',
  'NaN',
  '',
  '99999999999999999999',
);

/** A JSON object text with these members (values already JSON text). */
export const objectText = (members: [key: string, value: string][]) => `{${members.map(([k, v]) => `${text(k)}:${v}`).join(',')}}`;
