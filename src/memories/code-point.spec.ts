import fc from 'fast-check';
import { codePointLength, compareCodePoints } from './code-point';

/** Reference: compare the arrays of code points lexicographically (written independently of the service). */
function referenceCompare(a: string, b: string): number {
  const x = Array.from(a).map((c) => c.codePointAt(0)!);
  const y = Array.from(b).map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
}

/** Strings mixing ASCII, BMP, astral characters and lone surrogates. */
const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc
    .array(fc.constantFrom('a', 'A', 'z', '\uFFFF', '\uE000', '\u{1F600}', '\u{10000}', '\u{10FFFF}', '\uD800', '\uDFFF', 'é'), {
      maxLength: 6,
    })
    .map((parts) => parts.join('')),
);

describe('compareCodePoints', () => {
  it.each([
    ['a', 'b', -1],
    ['b', 'a', 1],
    ['a', 'a', 0],
    ['', '', 0],
    ['', 'a', -1],
    ['a', '', 1],
    ['ab', 'abc', -1],
    ['Coffee', 'apple', -1], // 'C' (U+0043) < 'a' (U+0061)
    ['Z', 'a', -1],
    ['apple', 'Äpfel', -1], // 'a' (U+0061) < 'Ä' (U+00C4)
    // Above U+FFFF code units and code points disagree: U+1F600 is > U+FFFF as a code point,
    // but its first UTF-16 unit (U+D83D) is < U+FFFF.
    ['\u{1F600}', '\uFFFF', 1],
    ['\uFFFF', '\u{1F600}', -1],
    ['\u{1F600}', '\uE000', 1],
    ['\u{10000}', '\u{1F600}', -1],
    ['x\u{1F600}', 'x\uFFFF', 1],
  ])('compare(%j, %j) has the sign %d', (a, b, sign) => {
    expect(Math.sign(compareCodePoints(a, b))).toBe(sign);
  });

  it('differs from UTF-16 code unit order above U+FFFF', () => {
    expect('\u{1F600}' < '\uFFFF').toBe(true); // JS string comparison (code units)
    expect(compareCodePoints('\u{1F600}', '\uFFFF')).toBeGreaterThan(0);
    expect(['\u{1F600}', '\uFFFF', 'a', '\uE000'].sort(compareCodePoints)).toEqual(['a', '\uE000', '\uFFFF', '\u{1F600}']);
  });

  it('agrees in sign with a reference comparison of code point arrays', () => {
    fc.assert(
      fc.property(anyString, anyString, (a, b) => {
        expect(Math.sign(compareCodePoints(a, b))).toBe(referenceCompare(a, b));
      }),
      { numRuns: 2000 },
    );
  });

  it('is a total order: antisymmetric, reflexive, transitive', () => {
    fc.assert(
      fc.property(anyString, anyString, anyString, (a, b, c) => {
        expect(compareCodePoints(a, a)).toBe(0);
        expect(Math.sign(compareCodePoints(a, b))).toBe(-Math.sign(compareCodePoints(b, a)) || 0);
        if (compareCodePoints(a, b) <= 0 && compareCodePoints(b, c) <= 0) {
          expect(compareCodePoints(a, c)).toBeLessThanOrEqual(0);
        }
        // 0 only for equal strings
        expect(compareCodePoints(a, b) === 0).toBe(a === b);
      }),
      { numRuns: 1000 },
    );
  });

  it('sorting with it gives the same order as sorting by the reference', () => {
    fc.assert(
      fc.property(fc.array(anyString, { maxLength: 20 }), (list) => {
        expect([...list].sort(compareCodePoints)).toEqual([...list].sort(referenceCompare));
      }),
    );
  });
});

describe('codePointLength', () => {
  it.each([
    ['', 0],
    ['abc', 3],
    ['é', 1],
    ['\u{1F600}', 1],
    ['a\u{1F600}b', 3],
    ['\uD800', 1], // a lone surrogate counts as one
  ])('codePointLength(%j) = %d', (s, n) => {
    expect(codePointLength(s)).toBe(n);
  });

  it('equals Array.from(s).length', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        expect(codePointLength(s)).toBe(Array.from(s).length);
      }),
    );
  });
});
