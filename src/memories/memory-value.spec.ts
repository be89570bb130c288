import fc from 'fast-check';
import {
  detectShape,
  Json,
  JsonObject,
  NO_SHAPE,
  normalizeValue,
  Scalar,
  Shape,
  SHAPES,
  VALUE_LIMITS,
  ValueError,
  valueProblem,
} from './memory-value';

// ---------------------------------------------------------------------------
// Independent helpers
// ---------------------------------------------------------------------------

/** Code point order, written independently of src/memories/code-point.ts. */
function byCodePoint(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

const asJson = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function expectRejected(value: unknown, message?: string | RegExp): void {
  expect(() => normalizeValue(value)).toThrow(ValueError);
  if (message !== undefined) expect(() => normalizeValue(value)).toThrow(message);
  expect(valueProblem(value)).toEqual(expect.any(String));
}

function expectAccepted(value: unknown, shape?: Shape): void {
  expect(valueProblem(value)).toBeNull();
  if (shape) expect(normalizeValue(value).shape).toBe(shape);
}

/** `levels` nested containers (objects, or arrays when `arrays`), the innermost holding one scalar. */
function nested(levels: number, arrays = false): Json {
  let v: Json = 'leaf';
  for (let i = 0; i < levels; i++) v = arrays ? [v] : { k: v };
  return v;
}

/** A rules_list whose JSON text is exactly `bytes` UTF-8 bytes (distinct ASCII strings of ≤ 2,000 characters). */
function rulesOfBytes(bytes: number): string[] {
  const rules: string[] = [];
  const size = () => Buffer.byteLength(JSON.stringify(rules), 'utf8');
  rules.push('first');
  // Each further string adds a comma, two quotes and its characters.
  while (bytes - size() > 2003) rules.push(`${rules.length}-`.padEnd(2000, 'x'));
  if (bytes - size() < 3) {
    rules.pop();
    rules.push('y'.repeat(1000));
  }
  rules.push('z'.repeat(bytes - size() - 3));
  expect(size()).toBe(bytes);
  return rules;
}

// ---------------------------------------------------------------------------
// Arbitraries: valid values of every shape, built so that normalizeValue accepts them
// ---------------------------------------------------------------------------

const RESERVED = ['likes', 'dislikes', 'windows', 'time_slots', 'focus_mode', 'do_not_disturb', '__proto__'];

/** Storable text: anything but U+0000, which PostgreSQL's jsonb cannot hold (refused at write). */
const storable = (s: string) => !s.includes('\u0000');
const text = fc.oneof(
  fc.constantFrom('coffee', 'Coffee', ' COFFEE ', 'tea', 'Tea', 'apple', 'Äpfel', '\u{1F600}', '\uFFFF', 'item_1', 'item_10'),
  fc.string({ unit: 'grapheme', maxLength: 10 }).filter(storable),
  fc.string({ unit: 'binary', maxLength: 6 }).filter(storable),
);
const scalar = fc.oneof(text, fc.integer({ min: -1000, max: 1000 }), fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true }));

const key = fc
  .oneof(
    fc.constantFrom('theme', 'Theme', 'favorite_food', 'Favorite Food', 'favorite-food', 'UserTag', 'tags', 'Lang', 'a', 'B'),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }),
  )
  .filter((k) => storable(k) && !RESERVED.includes(k.toLowerCase()));

/** Keys that stay distinct once lower-cased (so lower-casing cannot merge or re-shape them). */
const caseUnique = (obj: Record<string, unknown>) =>
  new Set(Object.keys(obj).map((k) => k.toLowerCase())).size === Object.keys(obj).length;

/** Any JSON, without "__proto__" keys (in any case) or U+0000: both are refused at any depth. */
const anyJson = (maxDepth: number) =>
  fc
    .jsonValue({ maxDepth })
    .map(asJson)
    .filter((v) => !/"__proto__"|\\u0000/i.test(JSON.stringify(v)));

const likesDislikes = fc
  .oneof(
    fc.record({ likes: fc.array(scalar, { maxLength: 8 }) }),
    fc.record({ dislikes: fc.array(scalar, { maxLength: 8 }) }),
    fc.record({ likes: fc.array(scalar, { maxLength: 8 }), dislikes: fc.array(scalar, { maxLength: 8 }) }),
    fc.record({ likes: fc.array(scalar, { maxLength: 4 }), note: anyJson(2) }),
  )
  .map(asJson);

const windowValue = fc.oneof(
  fc.constantFrom('09:00', '17:00', '12:30'),
  fc.constantFrom('mon', 'tue', 'weekday'),
  fc.integer({ min: 0, max: 23 }),
  fc.boolean(),
);
const window = fc
  .record(
    { start: windowValue, end: windowValue, day: windowValue, label: fc.oneof(text, fc.integer()) },
    { requiredKeys: [] },
  )
  .filter((w) => 'start' in w || 'end' in w || 'day' in w);
const scheduleWindows = fc.oneof(
  fc.array(window, { minLength: 1, maxLength: 6 }),
  fc.array(window, { minLength: 1, maxLength: 6 }).map((windows) => ({ windows })),
);

const booleanFlags = fc.dictionary(key, fc.boolean(), { maxKeys: 6, noNullPrototype: true }).filter(caseUnique);

const attentionValue = fc.oneof(text, fc.boolean(), fc.integer(), fc.array(fc.oneof(text, fc.integer()), { maxLength: 4 }));
const attentionSettings = fc
  .tuple(
    fc.record({ focus_mode: attentionValue, do_not_disturb: attentionValue }, { requiredKeys: [] }),
    fc.dictionary(key, attentionValue, { maxKeys: 4, noNullPrototype: true }),
  )
  .map(([reserved, extra]) => asJson({ ...extra, ...reserved }))
  .filter(
    (v) =>
      ('focus_mode' in v || 'do_not_disturb' in v) &&
      caseUnique(v) &&
      Object.values(v).some((x) => typeof x !== 'boolean'),
  );

const kvMap = fc
  .dictionary(key, anyJson(3), { minKeys: 1, maxKeys: 6, noNullPrototype: true })
  .map(asJson)
  .filter((v) => caseUnique(v) && Object.values(v).some((x) => typeof x !== 'boolean'));

const rulesList = fc.array(text, { minLength: 1, maxLength: 8 });

/** [the shape the value was built as, the value] */
const shapedValue: fc.Arbitrary<[Shape, Json]> = fc.oneof(
  likesDislikes.map((v): [Shape, Json] => ['likes_dislikes', v as Json]),
  scheduleWindows.map((v): [Shape, Json] => ['schedule_windows', asJson(v) as Json]),
  booleanFlags.map((v): [Shape, Json] => ['boolean_flags', v]),
  attentionSettings.map((v): [Shape, Json] => ['attention_settings', v as Json]),
  kvMap.map((v): [Shape, Json] => ['kv_map', v as Json]),
  rulesList.map((v): [Shape, Json] => ['rules_list', v]),
);

// ---------------------------------------------------------------------------
// detectShape
// ---------------------------------------------------------------------------

describe('detectShape: precedence (spec §2.4)', () => {
  it.each<[string, unknown, Shape]>([
    ['likes only', { likes: ['coffee'] }, 'likes_dislikes'],
    ['dislikes only', { dislikes: ['milk'] }, 'likes_dislikes'],
    ['empty likes list', { likes: [] }, 'likes_dislikes'],
    ['likes before attention keys', { likes: ['a'], focus_mode: 'deep' }, 'likes_dislikes'],
    ['likes before windows', { likes: ['a'], windows: [{ day: 'mon' }] }, 'likes_dislikes'],
    ['likes with other keys', { likes: ['a'], note: { any: [1, { x: null }] } }, 'likes_dislikes'],
    ['likes of booleans (likes before all-boolean)', { likes: [true] }, 'likes_dislikes'],
    ['empty object (vacuously all-boolean)', {}, 'boolean_flags'],
    ['all booleans', { dark_mode: true, beta: false }, 'boolean_flags'],
    ['attention keys with booleans only', { focus_mode: true, do_not_disturb: false }, 'boolean_flags'],
    ['windows: true is a flag', { windows: true }, 'boolean_flags'],
    ['object form', { windows: [{ start: '09:00', end: '17:00' }] }, 'schedule_windows'],
    ['focus_mode', { focus_mode: 'deep' }, 'attention_settings'],
    ['do_not_disturb with another key', { do_not_disturb: 1, theme: 'dark' }, 'attention_settings'],
    ['attention with a boolean and a string', { focus_mode: true, level: 'high' }, 'attention_settings'],
    ['key/value map', { theme: 'dark' }, 'kv_map'],
    ['booleans and a number', { a: true, b: 1 }, 'kv_map'],
    ['keys are case-sensitive', { Likes: 'x' }, 'kv_map'],
    ['nested values', { profile: { likes: ['x'] }, n: null }, 'kv_map'],
    ['strings', ['no peanuts'], 'rules_list'],
    ['duplicate strings', ['a', 'a'], 'rules_list'],
    ['windows by day', [{ day: 'mon' }], 'schedule_windows'],
    ['windows by start or end', [{ start: '09:00' }, { end: '17:00', note: 'x' }], 'schedule_windows'],
  ])('%s -> %s', (_name, value, shape) => {
    expect(detectShape(value)).toBe(shape);
  });

  it('lists the six shapes', () => {
    expect([...SHAPES].sort()).toEqual(
      ['attention_settings', 'boolean_flags', 'kv_map', 'likes_dislikes', 'rules_list', 'schedule_windows'].sort(),
    );
  });
});

describe('strict rules: values that are not storable', () => {
  it.each<[string, unknown]>([
    ['a string', 'coffee'],
    ['a number', 1],
    ['a boolean', true],
    ['null', null],
    ['undefined', undefined],
  ])('%s is not an object or array', (_name, value) => {
    expectRejected(value);
    expect(() => detectShape(value)).toThrow(ValueError);
  });

  it.each<[string, unknown]>([
    ['empty array', []],
    ['numbers', [1, 2]],
    ['mixed strings and numbers', ['a', 1]],
    ['nested arrays', [['a']]],
    ['nulls', [null]],
    ['objects without start/end/day', [{ foo: 1 }]],
    ['a window and a string', [{ day: 'mon' }, 'x']],
    ['a window and an object without start/end/day', [{ day: 'mon' }, { foo: 1 }]],
    ['object form with an empty list', { windows: [] }],
    ['object form with numbers', { windows: [1] }],
    ['object form with non-windows', { windows: [{ foo: 1 }] }],
  ])('%s: no shape', (_name, value) => {
    expectRejected(value, NO_SHAPE);
  });

  it.each<[string, unknown]>([
    ['likes a string', { likes: 'coffee' }],
    ['likes null', { likes: null }],
    ['likes a number', { likes: 1 }],
    ['likes an object', { likes: { a: 1 } }],
    ['likes holding an object', { likes: [{ a: 1 }] }],
    ['likes holding an array', { likes: [['a']] }],
    ['dislikes holding an object', { likes: ['a'], dislikes: [{}] }],
    ['dislikes a string', { dislikes: 'milk' }],
    ['dislikes holding an array among strings', { dislikes: ['milk', ['x']] }],
  ])('likes/dislikes must be arrays of scalars: %s', (_name, value) => {
    expectRejected(value);
  });

  it.each<[string, unknown]>([
    ['an object value', [{ start: { h: 9 } }]],
    ['an array value', [{ day: 'mon', tags: ['a'] }]],
    ['a bad second window', [{ day: 'mon' }, { day: 'tue', at: {} }]],
    ['in the object form', { windows: [{ day: 'mon', extra: [1] }] }],
  ])('windows must be objects of scalars: %s', (_name, value) => {
    expectRejected(value);
  });

  it.each<[string, unknown]>([
    ['an extra key', { windows: [{ day: 'mon' }], note: 'x' }],
    ['an attention key too', { windows: [{ day: 'mon' }], focus_mode: 'deep' }],
    ['windows a string', { windows: 'mon' }],
    ['windows an object', { windows: { day: 'mon' } }],
    ['windows null', { windows: null }],
  ])('the object form must be exactly {"windows": [...]}: %s', (_name, value) => {
    expectRejected(value);
  });

  describe('limits', () => {
    it(`arrays: ${VALUE_LIMITS.arrayItems} items accepted, one more rejected`, () => {
      expect(VALUE_LIMITS.arrayItems).toBe(5000);
      const rules = Array.from({ length: 5000 }, (_, i) => `r${i}`);
      expectAccepted(rules, 'rules_list');
      expectRejected([...rules, 'one more']);
      expectAccepted({ likes: Array.from({ length: 5000 }, (_, i) => i) }, 'likes_dislikes');
      expectRejected({ likes: Array.from({ length: 5001 }, (_, i) => i) });
      // Nested arrays count too.
      expectAccepted({ data: Array.from({ length: 5000 }, () => 0) }, 'kv_map');
      expectRejected({ data: Array.from({ length: 5001 }, () => 0) });
      expectRejected({ data: { deeper: Array.from({ length: 5001 }, () => null) } });
    });

    it('strings: 2,000 characters accepted, 2,001 rejected (values and keys, counted in code points)', () => {
      expect(VALUE_LIMITS.stringLength).toBe(2000);
      expectAccepted(['x'.repeat(2000)], 'rules_list');
      expectRejected(['x'.repeat(2001)]);
      // 2,000 astral characters are 4,000 UTF-16 units but 2,000 characters.
      expectAccepted(['\u{1F600}'.repeat(2000)], 'rules_list');
      expectRejected(['\u{1F600}'.repeat(2001)]);
      expectAccepted({ likes: ['é'.repeat(2000)] }, 'likes_dislikes');
      expectRejected({ likes: ['é'.repeat(2001)] });
      expectAccepted({ ['k'.repeat(2000)]: 'v' }, 'kv_map');
      expectRejected({ ['k'.repeat(2001)]: 'v' });
      expectRejected({ nested: { deep: ['x'.repeat(2001)] } });
      expectRejected([{ day: 'x'.repeat(2001) }]);
    });

    it('depth: 8 levels of nesting accepted', () => {
      expect(VALUE_LIMITS.depth).toBe(8);
      expectAccepted(nested(7), 'kv_map');
      // 8 nested containers: {"k": {"k": ... {"k": "leaf"}}} and {"k": [[[... ["leaf"]]]]}
      expectAccepted(nested(8), 'kv_map');
      expectAccepted({ k: nested(7, true) }, 'kv_map');
    });

    it('depth: 9 levels of nesting rejected', () => {
      expectRejected(nested(9));
      expectRejected({ k: nested(8, true) });
      expectRejected(nested(12));
      expectRejected({ likes: ['a'], note: nested(9) });
    });

    it('size: 256 KB of JSON accepted, one byte more rejected', () => {
      expect(VALUE_LIMITS.bytes).toBe(256 * 1024);
      expectAccepted(rulesOfBytes(256 * 1024), 'rules_list');
      expectRejected(rulesOfBytes(256 * 1024 + 1));
    });

    it('size is counted in UTF-8 bytes, not characters', () => {
      // 80 strings of ~1,000 emoji (2,000 UTF-16 units): 160,000 units, 320,000+ bytes.
      const rules = Array.from({ length: 80 }, (_, i) => `${i}`.padEnd(2000, '\u{1F600}'));
      expect(rules.join('').length).toBeLessThan(256 * 1024);
      expectRejected(rules);
    });
  });
});

// ---------------------------------------------------------------------------
// normalizeValue
// ---------------------------------------------------------------------------

describe('normalizeValue: spec §2.5 examples with the issue’s changes', () => {
  it('likes/dislikes: case-insensitive dedupe (first spelling kept), code-point sort', () => {
    expect(normalizeValue({ likes: ['coffee', 'tea', 'coffee', 'Tea'], dislikes: ['milk', 'MILK', 'sugar'] })).toEqual({
      shape: 'likes_dislikes',
      value: { likes: ['coffee', 'tea'], dislikes: ['milk', 'sugar'] },
    });
  });

  it('likes/dislikes: items are trimmed before de-duplication', () => {
    expect(normalizeValue({ likes: [' coffee ', 'Coffee', 'tea\t', '  TEA'] }).value).toEqual({ likes: ['coffee', 'tea'] });
  });

  it('likes/dislikes: sorted by code point ("Coffee" < "apple" < "Äpfel" < U+FFFF < U+1F600)', () => {
    expect(normalizeValue({ likes: ['\u{1F600}', 'b', 'apple', '\uFFFF', 'Äpfel', 'Coffee'] }).value).toEqual({
      likes: ['Coffee', 'apple', 'b', 'Äpfel', '\uFFFF', '\u{1F600}'],
    });
  });

  it('likes/dislikes: only the lists that were present are kept, other keys dropped', () => {
    expect(normalizeValue({ dislikes: ['olives'], note: 'x', focus_mode: 'deep' })).toEqual({
      shape: 'likes_dislikes',
      value: { dislikes: ['olives'] },
    });
    expect(normalizeValue({ likes: [] }).value).toEqual({ likes: [] });
  });

  it('likes/dislikes: numbers and booleans are kept as scalars and sorted by their text', () => {
    expect(normalizeValue({ likes: ['b', 2, true, 10] }).value).toEqual({ likes: [10, 2, 'b', true] });
  });

  it('likes: no fuzzy matching', () => {
    expect(normalizeValue({ likes: ['item_10', 'item_11', 'item_1', 'pizza', 'pizzas'] }).value).toEqual({
      likes: ['item_1', 'item_10', 'item_11', 'pizza', 'pizzas'],
    });
  });

  it('rules_list: exact (case-sensitive) dedupe, then code-point sort', () => {
    expect(normalizeValue(['rule1', 'rule2', 'rule1', 'rule3'])).toEqual({
      shape: 'rules_list',
      value: ['rule1', 'rule2', 'rule3'],
    });
    expect(normalizeValue(['b', 'B', 'a', 'b', '\u{1F600}', '\uFFFF']).value).toEqual(['B', 'a', 'b', '\uFFFF', '\u{1F600}']);
  });

  it('schedule_windows (array): duplicates by unordered key/value pairs dropped, order preserved (not sorted)', () => {
    expect(
      normalizeValue([
        { start: '10:00', day: 'tue' },
        { start: '09:00', end: '17:00', day: 'mon' },
        { day: 'tue', start: '10:00' },
        { start: '10:00', day: 'tue', end: '11:00' },
      ]),
    ).toEqual({
      shape: 'schedule_windows',
      value: [
        { start: '10:00', day: 'tue' },
        { start: '09:00', end: '17:00', day: 'mon' },
        { start: '10:00', day: 'tue', end: '11:00' },
      ],
    });
  });

  it('schedule_windows (object form) is stored as the array form', () => {
    const windows = [
      { start: '09:00', end: '17:00', day: 'weekday' },
      { end: '17:00', day: 'weekday', start: '09:00' },
      { start: '10:00', end: '14:00', day: 'saturday' },
    ];
    expect(normalizeValue({ windows })).toEqual({
      shape: 'schedule_windows',
      value: [windows[0], windows[2]],
    });
    expect(normalizeValue({ windows })).toEqual(normalizeValue(windows));
  });

  it('boolean_flags: top-level keys lower-cased, values unchanged', () => {
    expect(normalizeValue({ EnableFeature: true, DisableOther: false })).toEqual({
      shape: 'boolean_flags',
      value: { enablefeature: true, disableother: false },
    });
    expect(normalizeValue({})).toEqual({ shape: 'boolean_flags', value: {} });
  });

  it('attention_settings: keys and string values lower-cased (also inside arrays), other values unchanged', () => {
    expect(
      normalizeValue({ focus_mode: 'Enabled', Tags: ['WORK', 'urgent', 3], do_not_disturb: true, Level: 2, Extra: { Deep: 'X' } }),
    ).toEqual({
      shape: 'attention_settings',
      value: { focus_mode: 'enabled', tags: ['work', 'urgent', 3], do_not_disturb: true, level: 2, extra: { Deep: 'X' } },
    });
  });

  it('kv_map: keys lower-cased, string values of keys containing "tag" lower-cased, nested values untouched', () => {
    expect(normalizeValue({ Theme: 'Dark', UserTag: 'VIP' })).toEqual({
      shape: 'kv_map',
      value: { theme: 'Dark', usertag: 'vip' },
    });
    expect(normalizeValue({ Profile: { Name: 'Ann', Tag: 'X' }, Hashtags: ['A', 'B'], Count: 3 }).value).toEqual({
      profile: { Name: 'Ann', Tag: 'X' },
      hashtags: ['A', 'B'],
      count: 3,
    });
  });

  it('stores values raw: no HTML escaping', () => {
    const markup = '<b>Tom & "Jerry"</b> \'s <script>alert(1)</script>';
    expect(normalizeValue({ note: markup }).value).toEqual({ note: markup });
    expect(normalizeValue({ likes: [markup] }).value).toEqual({ likes: [markup] });
    expect(normalizeValue([markup]).value).toEqual([markup]);
    expect(normalizeValue([{ day: markup }]).value).toEqual([{ day: markup }]);
  });

  it.each([
    ['{"__proto__": "x", "theme": "dark"}'],
    ['{"__PROTO__": "x", "theme": "dark"}'],
    ['{"__Proto__": {"a": 1}, "theme": "dark"}'],
    ['{"__PROTO__": true, "dark": false}'],
    ['{"focus_mode": "deep", "__Proto__": "x"}'],
  ])('does not lose a key that is "__proto__" once lower-cased: %s (kept as an own key, or rejected)', (text) => {
    const value = JSON.parse(text) as unknown;
    let normalized: Json | undefined;
    try {
      normalized = normalizeValue(value).value;
    } catch (err) {
      expect(err).toBeInstanceOf(ValueError);
      return;
    }
    expect(Object.prototype.hasOwnProperty.call(normalized, '__proto__')).toBe(true);
    expect(JSON.stringify(normalized)).toContain('"__proto__"');
    const proto = Object.getPrototypeOf(normalized) as object | null;
    expect(proto === null || proto === Object.prototype).toBe(true);
  });
});

describe('normalizeValue: properties', () => {
  it('accepts every generated value of every shape, as the shape it was built as', () => {
    fc.assert(
      fc.property(shapedValue, ([shape, value]) => {
        expect(valueProblem(value)).toBeNull();
        expect(detectShape(value)).toBe(shape);
        expect(normalizeValue(value).shape).toBe(shape);
      }),
      { numRuns: 1000 },
    );
  });

  it('is idempotent: normalize(normalize(v).value) equals normalize(v)', () => {
    fc.assert(
      fc.property(shapedValue, ([, value]) => {
        const once = normalizeValue(value);
        const twice = normalizeValue(once.value);
        expect(twice).toEqual(once);
        expect(JSON.stringify(twice)).toBe(JSON.stringify(once));
      }),
      { numRuns: 1000 },
    );
  });

  it('is deterministic and does not modify its input', () => {
    fc.assert(
      fc.property(shapedValue, ([, value]) => {
        const before = JSON.stringify(value);
        const a = JSON.stringify(normalizeValue(value));
        const b = JSON.stringify(normalizeValue(structuredClone(value)));
        expect(a).toBe(b);
        expect(JSON.stringify(value)).toBe(before);
      }),
      { numRuns: 500 },
    );
  });

  it('survives a JSON round trip (what the database gives back normalizes to itself)', () => {
    fc.assert(
      fc.property(shapedValue, ([, value]) => {
        const stored = normalizeValue(value);
        expect(normalizeValue(asJson(stored.value))).toEqual(asJson(stored));
      }),
      { numRuns: 500 },
    );
  });

  it('likes/dislikes come out trimmed, unique without case, and sorted by code point', () => {
    fc.assert(
      fc.property(likesDislikes, (value) => {
        const out = normalizeValue(value).value as { likes?: Scalar[]; dislikes?: Scalar[] };
        expect(Object.keys(out).every((k) => k === 'likes' || k === 'dislikes')).toBe(true);
        for (const list of [out.likes, out.dislikes]) {
          if (!list) continue;
          const keys = list.map((item) => (typeof item === 'string' ? `s:${item.toLowerCase()}` : `${typeof item}:${String(item)}`));
          expect(new Set(keys).size).toBe(keys.length);
          for (const item of list) if (typeof item === 'string') expect(item).toBe(item.trim());
          for (let i = 1; i < list.length; i++) {
            expect(byCodePoint(String(list[i - 1]), String(list[i]))).toBeLessThanOrEqual(0);
          }
        }
        // Every input item survives (up to case and surrounding whitespace).
        for (const name of ['likes', 'dislikes'] as const) {
          const input = (value as Record<string, Scalar[] | undefined>)[name];
          if (!input) continue;
          const kept = new Set((out[name] ?? []).map((i) => (typeof i === 'string' ? i.toLowerCase() : i)));
          for (const item of input) expect(kept.has(typeof item === 'string' ? item.trim().toLowerCase() : item)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('rules come out unique and sorted by code point, nothing lost', () => {
    fc.assert(
      fc.property(rulesList, (rules) => {
        const out = normalizeValue(rules).value as string[];
        expect(out).toEqual([...new Set(rules)].sort(byCodePoint));
      }),
    );
  });

  it('the object form and the array form of the same windows are stored alike', () => {
    fc.assert(
      fc.property(fc.array(window, { minLength: 1, maxLength: 6 }), (windows) => {
        const asArray = normalizeValue(asJson(windows));
        expect(normalizeValue(asJson({ windows }))).toEqual(asArray);
        expect(Array.isArray(asArray.value)).toBe(true);
      }),
    );
  });

  it('rejects any likes list holding an object or array', () => {
    fc.assert(
      fc.property(
        fc.array(scalar, { maxLength: 5 }),
        fc.oneof(fc.dictionary(key, scalar, { noNullPrototype: true }), fc.array(scalar)),
        fc.nat(),
        fc.constantFrom('likes', 'dislikes'),
        (items, bad, at, name) => {
          const list: unknown[] = [...items];
          list.splice(at % (list.length + 1), 0, bad);
          expectRejected(asJson({ [name]: list }));
        },
      ),
    );
  });

  it('rejects any window holding an object or array value', () => {
    fc.assert(
      fc.property(
        fc.array(window, { minLength: 1, maxLength: 4 }),
        fc.oneof(fc.dictionary(key, scalar, { noNullPrototype: true }), fc.array(scalar)),
        fc.nat(),
        fc.boolean(),
        (windows, bad, at, objectForm) => {
          const ws = asJson(windows) as JsonObject[];
          ws[at % ws.length] = { ...ws[at % ws.length], extra: asJson(bad) };
          expectRejected(objectForm ? { windows: ws } : ws);
        },
      ),
    );
  });
});
