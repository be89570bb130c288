import fc from 'fast-check';
import { SCOPES, type Scope } from '../policy/policy.constants';
import { Json, JsonObject, normalizeValue, Scalar } from './memory-value';
import { mergeMemories, MergeInput } from './merge';

// ---------------------------------------------------------------------------
// Independent helpers and models
// ---------------------------------------------------------------------------

/** Code point order, written independently of src/memories/code-point.ts. */
function byCodePoint(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

function expectSortedByCodePoint(list: string[]): void {
  for (let i = 1; i < list.length; i++) expect(byCodePoint(list[i - 1], list[i])).toBeLessThan(0);
}

const asJson = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
let seq = 0;
/** A stored memory: the raw value normalized as at write time, `minutes` after T0. */
function memory(raw: unknown, minutes: number, id?: string): MergeInput {
  seq += 1;
  const { shape, value } = normalizeValue(raw);
  return {
    id: id ?? `00000000-0000-4000-8000-${seq.toString(16).padStart(12, '0')}`,
    createdAt: new Date(T0 + minutes * 60_000),
    shape,
    value,
  };
}

/** Oldest first: created_at, then id (spec §2.8). */
function chronological(ms: MergeInput[]): MergeInput[] {
  return [...ms].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || byCodePoint(a.id, b.id));
}

const isObj = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Shallow merge, the newest memory winning per key. */
function newestWins(values: Json[]): Record<string, Json> {
  const out = new Map<string, Json>();
  for (const v of values) for (const [k, x] of Object.entries(v as JsonObject)) out.set(k, x);
  return Object.fromEntries(out);
}

function windowIdentity(w: JsonObject): string {
  return JSON.stringify(
    Object.keys(w)
      .sort(byCodePoint)
      .map((k) => [k, w[k]]),
  );
}

// ---------------------------------------------------------------------------
// Arbitraries: valid stored memories of every shape (normalized by normalizeValue), with uuids and dates
// ---------------------------------------------------------------------------

const RESERVED = ['likes', 'dislikes', 'windows', 'time_slots', 'focus_mode', 'do_not_disturb', '__proto__'];

const item = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      ...['coffee', 'Coffee', ' COFFEE ', 'tea', 'TEA', 'apple', 'Äpfel', '\u{1F600}', '\uFFFF'],
      ...['item_1', 'item_10', 'item_11', '1', 'True', 'b'],
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom<string | number | boolean>(1, true, 2.5, false) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }) },
);
const key = fc
  .oneof(
    fc.constantFrom('theme', 'Theme', 'favorite_food', 'Favorite Food', 'favorite-food', 'FavoriteFood', 'lang', 'tag', 'a', 'B'),
    fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 6 }),
  )
  .filter((k) => !RESERVED.includes(k.toLowerCase()));
const caseUnique = (obj: Record<string, unknown>) =>
  new Set(Object.keys(obj).map((k) => k.toLowerCase())).size === Object.keys(obj).length;
const smallJson = fc.oneof(
  fc.constantFrom<Json>('dark', 'light', 'email', 'sms', 1, 2, null),
  fc
    .jsonValue({ maxDepth: 2 })
    .map((v) => asJson(v) as Json)
    .filter((v) => !JSON.stringify(v).includes('"__proto__"')),
);

const likesDislikes = fc.record(
  { likes: fc.array(item, { maxLength: 5 }), dislikes: fc.array(item, { maxLength: 5 }) },
  { requiredKeys: [] },
).filter((v) => 'likes' in v || 'dislikes' in v);
const windowValue = fc.constantFrom('09:00', '17:00', 'mon', 'tue', 9, true);
const window = fc
  .record({ start: windowValue, end: windowValue, day: windowValue }, { requiredKeys: [] })
  .filter((w) => Object.keys(w).length > 0);
const scheduleWindows = fc.oneof(
  fc.array(window, { minLength: 1, maxLength: 4 }),
  fc.array(window, { minLength: 1, maxLength: 4 }).map((windows) => ({ windows })),
);
const booleanFlags = fc.dictionary(key, fc.boolean(), { maxKeys: 4, noNullPrototype: true }).filter(caseUnique);
const attentionSettings = fc
  .record(
    {
      focus_mode: fc.oneof(fc.constantFrom('Deep', 'off'), fc.boolean()),
      do_not_disturb: fc.oneof(fc.constantFrom('Always', 'never'), fc.boolean()),
      level: fc.integer({ min: 0, max: 3 }),
    },
    { requiredKeys: [] },
  )
  .filter((v) => ('focus_mode' in v || 'do_not_disturb' in v) && Object.values(v).some((x) => typeof x !== 'boolean'));
const kvMap = fc
  .dictionary(key, smallJson, { minKeys: 1, maxKeys: 4, noNullPrototype: true })
  .map(asJson)
  .filter((v) => caseUnique(v) && Object.values(v).some((x) => typeof x !== 'boolean'));
const rulesList = fc.array(fc.constantFrom('no peanuts', 'No peanuts', 'vegan', 'rule1', 'rule2', '\u{1F600}', '\uFFFF'), {
  minLength: 1,
  maxLength: 4,
});

const rawValue: fc.Arbitrary<unknown> = fc.oneof(
  likesDislikes,
  likesDislikes,
  scheduleWindows,
  booleanFlags,
  attentionSettings,
  kvMap,
  kvMap,
  rulesList,
);

const D = [T0, T0 + 1000, T0 + 60_000].map((t) => new Date(t));
const createdAt = fc.oneof(
  fc.constantFrom(...D), // equal timestamps: the id breaks the tie
  fc.date({ min: new Date('2025-01-01T00:00:00Z'), max: new Date('2026-12-31T00:00:00Z'), noInvalidDate: true }),
);

const storedMemory: fc.Arbitrary<MergeInput> = fc
  .record({ id: fc.uuid(), createdAt, raw: rawValue })
  .map(({ id, createdAt: at, raw }) => ({ id, createdAt: at, ...normalizeValue(asJson(raw)) }));

const memories = fc.uniqueArray(storedMemory, { selector: (m) => m.id, maxLength: 12 });
/** At least one memory (an empty merge has an empty summary_struct). */
const someMemories = fc.uniqueArray(storedMemory, { selector: (m) => m.id, minLength: 1, maxLength: 12 });
const scope = fc.constantFrom(...SCOPES);

/** Memories and a permutation of them. */
const memoriesAndShuffle = memories.chain((ms) =>
  fc.tuple(fc.constant(ms), fc.shuffledSubarray(ms, { minLength: ms.length, maxLength: ms.length })),
);

// ---------------------------------------------------------------------------
// Examples
// ---------------------------------------------------------------------------

describe('mergeMemories: empty input', () => {
  it.each(SCOPES)('%s: "No memories found.", {}, confidence 0', (s) => {
    expect(mergeMemories(s, [])).toEqual({ summary_text: 'No memories found.', summary_struct: {}, confidence: 0 });
  });
});

describe('mergeMemories: worked outputs of spec §2.8 (with the issue’s changes)', () => {
  it('preferences, one memory of likes', () => {
    expect(mergeMemories('preferences', [memory({ likes: ['coffee', 'tea'] }, 0)])).toEqual({
      summary_text: 'Likes: 2, Dislikes: 0, Settings: 0',
      summary_struct: { likes: ['coffee', 'tea'], dislikes: [], settings: {} },
      confidence: 0.6,
    });
  });

  it('preferences, three memories of likes and dislikes', () => {
    const ms = [0, 1, 2].map((i) => memory({ likes: [`item${i}`], dislikes: [`bad${i}`] }, i));
    expect(mergeMemories('preferences', ms)).toEqual({
      summary_text: 'Likes: 3, Dislikes: 3, Settings: 0',
      summary_struct: { likes: ['item0', 'item1', 'item2'], dislikes: ['bad0', 'bad1', 'bad2'], settings: {} },
      confidence: 0.8,
    });
  });

  it('constraints, rules', () => {
    expect(mergeMemories('constraints', [memory(['rule1', 'rule2'], 0)])).toEqual({
      summary_text: 'Rules: 2, Constraints: 0',
      summary_struct: { rules: ['rule1', 'rule2'], constraints: {} },
      confidence: 0.6,
    });
  });

  it('schedule, one window', () => {
    expect(mergeMemories('schedule', [memory([{ start: '09:00', end: '17:00', day: 'weekday' }], 0)])).toEqual({
      summary_text: 'Schedule: 1 time windows',
      summary_struct: { windows: [{ start: '09:00', end: '17:00', day: 'weekday' }] },
      confidence: 0.6,
    });
  });

  it('schedule, the object form merges like the array form (no crash)', () => {
    const ms = [
      memory({ windows: [{ start: '09:00', end: '17:00', day: 'weekday' }] }, 0),
      memory([{ day: 'weekday', end: '17:00', start: '09:00' }, { start: '10:00', day: 'sat' }], 1),
    ];
    expect(mergeMemories('schedule', ms)).toEqual({
      summary_text: 'Schedule: 2 time windows',
      summary_struct: { windows: [{ start: '09:00', end: '17:00', day: 'weekday' }, { start: '10:00', day: 'sat' }] },
      confidence: 0.7,
    });
  });

  it('communication', () => {
    expect(mergeMemories('communication', [memory({ preferred_channel: 'email' }, 0)])).toEqual({
      summary_text: 'Communication preferences: 1 settings',
      summary_struct: { preferences: { preferred_channel: 'email' } },
      confidence: 0.6,
    });
  });

  it('accessibility', () => {
    expect(mergeMemories('accessibility', [memory({ high_contrast: true, large_text: false }, 0)])).toEqual({
      summary_text: 'Accessibility: 2 flags, 0 settings',
      summary_struct: { flags: { high_contrast: true, large_text: false }, settings: {} },
      confidence: 0.6,
    });
  });

  it('attention', () => {
    expect(mergeMemories('attention', [memory({ focus_mode: true, do_not_disturb: false }, 0)])).toEqual({
      summary_text: 'Attention settings: 2 preferences',
      summary_struct: { settings: { focus_mode: true, do_not_disturb: false } },
      confidence: 0.6,
    });
  });

  it.each<[Scope, string, JsonObject]>([
    ['preferences', 'Likes: 0, Dislikes: 0, Settings: 1', { likes: [], dislikes: [], settings: { key: 'value' } }],
    ['constraints', 'Rules: 0, Constraints: 1', { rules: [], constraints: { key: 'value' } }],
    ['communication', 'Communication preferences: 1 settings', { preferences: { key: 'value' } }],
    ['accessibility', 'Accessibility: 0 flags, 1 settings', { flags: {}, settings: { key: 'value' } }],
    ['schedule', 'Schedule: 0 time windows', { windows: [] }],
    ['attention', 'Attention settings: 1 preferences', { settings: { key: 'value' } }],
  ])('{"key":"value"} in %s -> %j', (s, text, struct) => {
    expect(mergeMemories(s, [memory({ key: 'value' }, 0)])).toEqual({
      summary_text: text,
      summary_struct: struct,
      confidence: 0.6,
    });
  });

  it('preferences settings: key normalization, the existing key keeps its spelling (spec example)', () => {
    const ms = [
      memory({ favorite_food: 'pizza', Theme: 'dark' }, 0),
      memory({ FavoriteFood: 'sushi', 'favorite-food': 'ramen' }, 1),
    ];
    const merged = mergeMemories('preferences', ms);
    expect(JSON.stringify(merged.summary_struct.settings)).toBe('{"favorite_food":"ramen","theme":"dark"}');
    expect(merged.summary_text).toBe('Likes: 0, Dislikes: 0, Settings: 2');
    expect(merged.confidence).toBe(0.7);
  });

  it('preferences settings: spaces, "_" and "-" are ignored in keys', () => {
    const ms = [memory({ 'dark mode': 'on' }, 0), memory({ dark_mode: 'off', 'Dark-Mode ': 'auto' }, 1)];
    expect(mergeMemories('preferences', ms).summary_struct.settings).toEqual({ 'dark mode': 'auto' });
  });

  it('preferences: no fuzzy matching', () => {
    const merged = mergeMemories('preferences', [memory({ likes: ['item_10', 'item_11', 'item_1'] }, 0)]);
    expect(merged.summary_struct.likes).toEqual(['item_1', 'item_10', 'item_11']);
    expect(merged.summary_text).toBe('Likes: 3, Dislikes: 0, Settings: 0');

    const spec = mergeMemories('preferences', [memory({ likes: ['Pizza', 'pizzas', 'pizza ', 'Coffee', 'coffe', 'tea', 'Tea'] }, 0)]);
    expect(spec.summary_struct.likes).toEqual(['Coffee', 'Pizza', 'coffe', 'pizzas', 'tea']);

    const many = mergeMemories('preferences', [memory({ likes: Array.from({ length: 50 }, (_, i) => `item_${i}`) }, 0)]);
    expect(many.summary_struct.likes).toHaveLength(50);
    const cats = mergeMemories('preferences', [memory({ likes: ['cat', 'car', 'bat', 'item0', 'item1', 'item2'] }, 0)]);
    expect(cats.summary_struct.likes).toEqual(['bat', 'car', 'cat', 'item0', 'item1', 'item2']);
  });

  it('preferences: de-duplicated across memories without case, after trimming', () => {
    const ms = [memory({ likes: ['Coffee', 'tea'] }, 0), memory({ likes: ['coffee ', ' TEA', 'water'] }, 1)];
    const merged = mergeMemories('preferences', ms);
    expect(merged.summary_struct.likes).toEqual(['TEA', 'coffee', 'water']);
    expect(merged.summary_text).toBe('Likes: 3, Dislikes: 0, Settings: 0');
  });

  it('preferences: the newest spelling is kept', () => {
    const older = memory({ likes: ['Coffee'] }, 0);
    const newer = memory({ likes: ['COFFEE'] }, 5);
    expect(mergeMemories('preferences', [older, newer]).summary_struct.likes).toEqual(['COFFEE']);
    expect(mergeMemories('preferences', [newer, older]).summary_struct.likes).toEqual(['COFFEE']);
    const newest = memory({ likes: ['cOFFEE'] }, 10);
    expect(mergeMemories('preferences', [newest, older, newer]).summary_struct.likes).toEqual(['cOFFEE']);
  });

  it('preferences: newest stance wins — liked, then disliked', () => {
    const ms = [memory({ likes: ['Coffee', 'tea'] }, 0), memory({ dislikes: ['coffee'] }, 1)];
    const merged = mergeMemories('preferences', ms);
    expect(merged.summary_struct).toEqual({ likes: ['tea'], dislikes: ['coffee'], settings: {} });
    expect(merged.summary_text).toBe('Likes: 1, Dislikes: 1, Settings: 0');
  });

  it('preferences: newest stance wins — disliked, then liked', () => {
    const ms = [memory({ dislikes: ['Olives', 'milk'] }, 0), memory({ likes: ['olives '] }, 1)];
    const merged = mergeMemories('preferences', [...ms].reverse());
    expect(merged.summary_struct).toEqual({ likes: ['olives'], dislikes: ['milk'], settings: {} });
  });

  it('preferences: stances flip back and forth, the last one wins', () => {
    const ms = [
      memory({ likes: ['sushi'] }, 0),
      memory({ dislikes: ['Sushi'] }, 1),
      memory({ likes: ['SUSHI'] }, 2),
      memory({ dislikes: ['sushi'] }, 3),
    ];
    expect(mergeMemories('preferences', ms).summary_struct).toEqual({ likes: [], dislikes: ['sushi'], settings: {} });
    expect(mergeMemories('preferences', ms.slice(0, 3)).summary_struct).toEqual({ likes: ['SUSHI'], dislikes: [], settings: {} });
  });

  it('equal timestamps: the greater id is the newer memory', () => {
    const a = memory({ likes: ['coffee'] }, 0, '00000000-0000-4000-8000-00000000000a');
    const b = memory({ dislikes: ['Coffee'] }, 0, '00000000-0000-4000-8000-00000000000b');
    expect(mergeMemories('preferences', [a, b]).summary_struct).toEqual({ likes: [], dislikes: ['Coffee'], settings: {} });
    expect(mergeMemories('preferences', [b, a]).summary_struct).toEqual({ likes: [], dislikes: ['Coffee'], settings: {} });
    const c = memory({ likes: ['COFFEE'] }, 0, '00000000-0000-4000-8000-00000000000c');
    expect(mergeMemories('preferences', [c, b, a]).summary_struct).toEqual({ likes: ['COFFEE'], dislikes: [], settings: {} });
  });

  it('preferences: lists sorted by code point, items as strings', () => {
    const ms = [memory({ likes: ['\u{1F600}', 'b', 'apple', '\uFFFF', 'Äpfel', 'Coffee', 10, true] }, 0)];
    expect(mergeMemories('preferences', ms).summary_struct.likes).toEqual(
      ['10', 'Coffee', 'apple', 'b', 'true', 'Äpfel', '\uFFFF', '\u{1F600}'],
    );
  });

  it('preferences ignores shapes it does not understand, but counts them in the confidence', () => {
    const ms = [
      memory(['no peanuts'], 0),
      memory({ dark: true }, 1),
      memory([{ day: 'mon' }], 2),
      memory({ focus_mode: 'deep' }, 3),
      memory({ likes: ['tea'] }, 4),
    ];
    expect(mergeMemories('preferences', ms)).toEqual({
      summary_text: 'Likes: 1, Dislikes: 0, Settings: 0',
      summary_struct: { likes: ['tea'], dislikes: [], settings: {} },
      confidence: 0.9,
    });
  });

  it('constraints: rules pooled, exact dedupe, sorted by code point; kv_map merged newest first; other shapes ignored', () => {
    const ms = [
      memory(['vegan', 'No peanuts'], 0),
      memory(['no peanuts', 'vegan', '\u{1F600}', '\uFFFF'], 1),
      memory({ max_price: 20, currency: 'EUR' }, 2),
      memory({ max_price: 30 }, 3),
      memory({ strict: true }, 4),
    ];
    expect(mergeMemories('constraints', ms)).toEqual({
      summary_text: 'Rules: 5, Constraints: 2',
      summary_struct: {
        rules: ['No peanuts', 'no peanuts', 'vegan', '\uFFFF', '\u{1F600}'],
        constraints: { max_price: 30, currency: 'EUR' },
      },
      confidence: 0.9,
    });
  });

  it('communication: every object value merged, newest wins; arrays ignored', () => {
    const ms = [
      memory({ channel: 'email', tone: 'formal' }, 0),
      memory({ channel: 'sms' }, 1),
      memory(['x'], 2),
      memory({ emoji: false }, 3),
    ];
    expect(mergeMemories('communication', ms)).toEqual({
      summary_text: 'Communication preferences: 3 settings',
      summary_struct: { preferences: { channel: 'sms', tone: 'formal', emoji: false } },
      confidence: 0.9,
    });
  });

  it('accessibility: boolean flags apart from other settings', () => {
    const ms = [memory({ high_contrast: true }, 0), memory({ font_size: 18 }, 1), memory({ high_contrast: false, captions: true }, 2)];
    expect(mergeMemories('accessibility', ms)).toEqual({
      summary_text: 'Accessibility: 2 flags, 1 settings',
      summary_struct: { flags: { high_contrast: false, captions: true }, settings: { font_size: 18 } },
      confidence: 0.8,
    });
  });

  it('attention: every object value merged, newest wins', () => {
    const ms = [memory({ focus_mode: 'Deep', level: 2 }, 0), memory({ focus_mode: 'off' }, 1)];
    expect(mergeMemories('attention', ms)).toEqual({
      summary_text: 'Attention settings: 2 preferences',
      summary_struct: { settings: { focus_mode: 'off', level: 2 } },
      confidence: 0.7,
    });
  });

  it('confidence = min(0.9, 0.5 + 0.1·n)', () => {
    const values = [1, 2, 3, 4, 5, 50].map((n) =>
      mergeMemories('preferences', Array.from({ length: n }, (_, i) => memory({ likes: [`x${i}`] }, i))).confidence,
    );
    expect(values).toEqual([0.6, 0.7, 0.8, 0.9, 0.9, 0.9]);
  });
});

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

describe('mergeMemories: properties', () => {
  it('is deterministic and independent of the order of the input array', () => {
    fc.assert(
      fc.property(scope, memoriesAndShuffle, (s, [ms, shuffled]) => {
        const a = JSON.stringify(mergeMemories(s, ms));
        const b = JSON.stringify(mergeMemories(s, shuffled));
        expect(b).toBe(a);
      }),
      { numRuns: 1000 },
    );
  });

  it('merging the same set twice gives byte-identical JSON, and the input is not modified', () => {
    fc.assert(
      fc.property(scope, memories, (s, ms) => {
        const before = JSON.stringify(ms);
        const first = JSON.stringify(mergeMemories(s, ms));
        const again = JSON.stringify(mergeMemories(s, structuredClone(ms)));
        expect(again).toBe(first);
        expect(JSON.stringify(mergeMemories(s, ms))).toBe(first);
        expect(JSON.stringify(ms)).toBe(before);
      }),
      { numRuns: 500 },
    );
  });

  it('reads back alike from JSON (as rows come from the database)', () => {
    fc.assert(
      fc.property(scope, memories, (s, ms) => {
        const fromDb = ms.map((m) => ({ ...m, value: asJson(m.value) }));
        expect(JSON.stringify(mergeMemories(s, fromDb))).toBe(JSON.stringify(mergeMemories(s, ms)));
      }),
      { numRuns: 300 },
    );
  });

  it('confidence = min(0.9, 0.5 + 0.1·n), 0 for none', () => {
    fc.assert(
      fc.property(scope, memories, (s, ms) => {
        const { confidence } = mergeMemories(s, ms);
        expect(confidence).toBe(ms.length === 0 ? 0 : Math.min(0.9, 0.5 + 0.1 * ms.length));
        expect([0, 0.6, 0.7, 0.8, 0.9]).toContain(confidence);
      }),
    );
  });

  it('summary_text has the scope’s format, with the counts of summary_struct', () => {
    fc.assert(
      fc.property(scope, memories, (s, ms) => {
        const { summary_text: text, summary_struct: st } = mergeMemories(s, ms);
        if (ms.length === 0) {
          expect(text).toBe('No memories found.');
          return;
        }
        const n = (v: Json) => (Array.isArray(v) ? v.length : Object.keys(v as JsonObject).length);
        const expected: Record<Scope, () => string> = {
          preferences: () => `Likes: ${n(st.likes)}, Dislikes: ${n(st.dislikes)}, Settings: ${n(st.settings)}`,
          constraints: () => `Rules: ${n(st.rules)}, Constraints: ${n(st.constraints)}`,
          communication: () => `Communication preferences: ${n(st.preferences)} settings`,
          accessibility: () => `Accessibility: ${n(st.flags)} flags, ${n(st.settings)} settings`,
          schedule: () => `Schedule: ${n(st.windows)} time windows`,
          attention: () => `Attention settings: ${n(st.settings)} preferences`,
        };
        expect(text).toBe(expected[s]());
        const keys: Record<Scope, string[]> = {
          preferences: ['dislikes', 'likes', 'settings'],
          constraints: ['constraints', 'rules'],
          communication: ['preferences'],
          accessibility: ['flags', 'settings'],
          schedule: ['windows'],
          attention: ['settings'],
        };
        expect(Object.keys(st).sort()).toEqual(keys[s]);
      }),
      { numRuns: 500 },
    );
  });

  it('preferences: newest stance and newest spelling win; lists unique without case and sorted by code point', () => {
    fc.assert(
      fc.property(someMemories, (ms) => {
        const { summary_struct: st } = mergeMemories('preferences', ms);
        const likes = st.likes as string[];
        const dislikes = st.dislikes as string[];
        for (const list of [likes, dislikes]) {
          for (const x of list) expect(typeof x).toBe('string');
          expectSortedByCodePoint(list);
        }

        // The model: for every item (trimmed, without case), the mentions in the newest memory that mentions it.
        const newest = new Map<string, { memory: string; stances: Set<boolean>; texts: Set<string> }>();
        for (const m of chronological(ms)) {
          if (m.shape !== 'likes_dislikes') continue;
          const v = m.value as { likes?: Scalar[]; dislikes?: Scalar[] };
          for (const [list, liked] of [
            [v.likes ?? [], true],
            [v.dislikes ?? [], false],
          ] as const) {
            for (const raw of list) {
              const t = String(raw).trim();
              if (t === '') continue;
              const k = t.toLowerCase();
              let entry = newest.get(k);
              if (entry?.memory !== m.id) newest.set(k, (entry = { memory: m.id, stances: new Set(), texts: new Set() }));
              entry.stances.add(liked);
              entry.texts.add(t);
            }
          }
        }

        const all = [...likes.map((t) => [t, true] as const), ...dislikes.map((t) => [t, false] as const)];
        expect(new Set(all.map(([t]) => t.toLowerCase())).size).toBe(all.length); // never in both lists, never twice
        expect(all.map(([t]) => t.toLowerCase()).sort()).toEqual([...newest.keys()].sort());
        for (const [t, liked] of all) {
          const entry = newest.get(t.toLowerCase())!;
          expect(entry.texts.has(t)).toBe(true);
          if (entry.stances.size === 1) expect(liked).toBe([...entry.stances][0]);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('preferences settings: keys compared without case, spaces, "_" and "-"; the first spelling and the newest value kept', () => {
    fc.assert(
      fc.property(someMemories, (ms) => {
        const expected = new Map<string, [string, Json]>();
        for (const m of chronological(ms)) {
          if (m.shape !== 'kv_map') continue;
          for (const [raw, value] of Object.entries(m.value as JsonObject)) {
            const k1 = raw.toLowerCase().trim();
            const loose = k1.replace(/[_ -]/g, '');
            const existing = expected.get(loose);
            expected.set(loose, [existing ? existing[0] : k1, value]);
          }
        }
        const settings = mergeMemories('preferences', ms).summary_struct.settings;
        expect(settings).toEqual(Object.fromEntries([...expected.values()]));
      }),
      { numRuns: 500 },
    );
  });

  it('constraints: rules are the union of all rules, exact-deduped and sorted by code point; kv_map newest wins', () => {
    fc.assert(
      fc.property(someMemories, (ms) => {
        const st = mergeMemories('constraints', ms).summary_struct;
        const rules = ms.filter((m) => m.shape === 'rules_list').flatMap((m) => m.value as string[]);
        expect(st.rules).toEqual([...new Set(rules)].sort(byCodePoint));
        expectSortedByCodePoint(st.rules as string[]);
        const kv = chronological(ms).filter((m) => m.shape === 'kv_map').map((m) => m.value);
        expect(st.constraints).toEqual(newestWins(kv));
      }),
      { numRuns: 300 },
    );
  });

  it('communication, attention and accessibility: object values merged, the newest memory wins per key', () => {
    fc.assert(
      fc.property(someMemories, (ms) => {
        const objects = chronological(ms).filter((m) => isObj(m.value));
        expect(mergeMemories('communication', ms).summary_struct).toEqual({
          preferences: newestWins(objects.map((m) => m.value)),
        });
        expect(mergeMemories('attention', ms).summary_struct).toEqual({ settings: newestWins(objects.map((m) => m.value)) });
        expect(mergeMemories('accessibility', ms).summary_struct).toEqual({
          flags: newestWins(objects.filter((m) => m.shape === 'boolean_flags').map((m) => m.value)),
          settings: newestWins(objects.filter((m) => m.shape !== 'boolean_flags').map((m) => m.value)),
        });
      }),
      { numRuns: 300 },
    );
  });

  it('schedule: all windows, oldest memory first, duplicates (unordered key/value pairs) dropped', () => {
    fc.assert(
      fc.property(someMemories, (ms) => {
        const seen = new Set<string>();
        const windows: JsonObject[] = [];
        for (const m of chronological(ms)) {
          if (m.shape !== 'schedule_windows') continue;
          for (const w of m.value as JsonObject[]) {
            const id = windowIdentity(w);
            if (!seen.has(id)) windows.push(w);
            seen.add(id);
          }
        }
        expect(mergeMemories('schedule', ms).summary_struct).toEqual({ windows });
      }),
      { numRuns: 300 },
    );
  });
});
