import { SCOPES, Scope, MATRIX, KEY_VALUE_SUMMARY, sorted, useScopedReads } from './support/scoped-reads';
import { uniqueName } from './support/test-app';

/*
 * MemoryScope v1 scoped reads (issue 3, spec §2.3–§2.8): the deterministic merge of
 * a subject's memories into summary_struct and summary_text, isolation by subject,
 * scope and domain, max_age_days and expiry, and MERGE_LIMIT.
 */

describe('MemoryScope v1 reads: merged results and what a read may see', () => {
  const { ctx, h, agent, api, subject } = useScopedReads();

  describe('merged read results (spec §2.8 with the issue 3 changes)', () => {
    /** Reads with an allowed class and returns the body. */
    async function merged(s: string, scope: Scope, extra: Record<string, unknown> = {}) {
      const res = await h.readOk(agent, { user_id: s, scope, purpose_class: MATRIX[scope][0], ...extra });
      return res.body as { summary_text: string; summary_struct: unknown; confidence: number; revocation_token: string };
    }

    it('preferences: one memory of likes', async () => {
      const s = subject();
      await h.store(agent, s, 'preferences', { likes: ['coffee', 'tea'] });
      const r = await merged(s, 'preferences');
      expect(r.summary_text).toBe('Likes: 2, Dislikes: 0, Settings: 0');
      expect(r.summary_struct).toEqual({ likes: ['coffee', 'tea'], dislikes: [], settings: {} });
      expect(r.confidence).toBe(0.6);
    });

    it('preferences: three memories of likes and dislikes', async () => {
      const s = subject();
      await h.storeSeries(
        agent,
        s,
        'preferences',
        [0, 1, 2].map((i) => ({ likes: [`item${i}`], dislikes: [`bad${i}`] })),
      );
      const r = await merged(s, 'preferences');
      expect(r.summary_text).toBe('Likes: 3, Dislikes: 3, Settings: 0');
      expect(r.summary_struct).toEqual({ likes: ['item0', 'item1', 'item2'], dislikes: ['bad0', 'bad1', 'bad2'], settings: {} });
      expect(r.confidence).toBe(0.8);
    });

    it('likes: no fuzzy matching (item_10, item_11, item_1 all kept, code-point order)', async () => {
      const s = subject();
      await h.store(agent, s, 'preferences', { likes: ['item_10', 'item_11', 'item_1'] });
      const r = await merged(s, 'preferences');
      expect(r.summary_struct).toEqual({ likes: ['item_1', 'item_10', 'item_11'], dislikes: [], settings: {} });

      // Across memories too, and for the spec's 50-item example.
      const s2 = subject();
      await h.store(agent, s2, 'preferences', { likes: Array.from({ length: 25 }, (_, i) => `item_${i}`) });
      await h.store(agent, s2, 'preferences', {
        likes: Array.from({ length: 25 }, (_, i) => `item_${i + 25}`),
        dislikes: Array.from({ length: 50 }, (_, i) => `bad_item_${i}`),
      });
      const r2 = await merged(s2, 'preferences');
      expect(r2.summary_text).toBe('Likes: 50, Dislikes: 50, Settings: 0');
    });

    it('likes: case-insensitive dedupe after trimming, no plural folding', async () => {
      const s = subject();
      await h.store(agent, s, 'preferences', { likes: ['Pizza', 'pizzas', 'pizza '] });
      const r = await merged(s, 'preferences');
      expect(r.summary_struct).toEqual({ likes: ['Pizza', 'pizzas'], dislikes: [], settings: {} });
      expect(r.summary_text).toBe('Likes: 2, Dislikes: 0, Settings: 0');

      const s2 = subject();
      await h.store(agent, s2, 'preferences', { likes: ['Pizza', 'pizzas', 'pizza ', 'Coffee', 'coffe', 'tea', 'Tea'] });
      const r2 = await merged(s2, 'preferences');
      expect(r2.summary_struct).toEqual({
        likes: ['Coffee', 'Pizza', 'coffe', 'pizzas', 'tea'],
        dislikes: [],
        settings: {},
      });
    });

    it('likes: the newest spelling is kept across memories', async () => {
      const s = subject();
      await h.storeSeries(agent, s, 'preferences', [
        { likes: ['Coffee', 'TEA'] },
        { likes: ['  coffee  '] },
        { likes: ['Tea'], dislikes: ['MILK'] },
        { dislikes: ['milk'] },
      ]);
      const r = await merged(s, 'preferences');
      expect(r.summary_struct).toEqual({ likes: ['Tea', 'coffee'], dislikes: ['milk'], settings: {} });
      expect(r.confidence).toBe(0.9);
    });

    it('likes vs dislikes: the newest stance wins, both ways', async () => {
      const s = subject();
      await h.storeSeries(agent, s, 'preferences', [
        { likes: ['Sushi', 'tea'], dislikes: ['Olives', 'beets'] },
        { dislikes: ['sushi'], likes: ['olives'] },
      ]);
      const r = await merged(s, 'preferences');
      expect(r.summary_struct).toEqual({ likes: ['olives', 'tea'], dislikes: ['beets', 'sushi'], settings: {} });
      expect(r.summary_text).toBe('Likes: 2, Dislikes: 2, Settings: 0');

      // And back again.
      await h.store(agent, s, 'preferences', { likes: ['SUSHI'] });
      const r2 = await merged(s, 'preferences');
      expect(r2.summary_struct).toEqual({ likes: ['SUSHI', 'olives', 'tea'], dislikes: ['beets'], settings: {} });
    });

    it('likes: sorted by code point (not locale, not UTF-16 units)', async () => {
      const s = subject();
      // U+FF21 (fullwidth A) < U+1D49C (script A) by code point, but not by UTF-16 code unit.
      await h.store(agent, s, 'preferences', {
        likes: ['banana', 'Apple', 'apple pie', 'Zebra', 'éclair', '\u{1D49C}', '\uFF21', 'ñ'],
      });
      const r = await merged(s, 'preferences');
      expect(r.summary_struct).toEqual({
        likes: ['Apple', 'Zebra', 'apple pie', 'banana', 'éclair', 'ñ', '\uFF21', '\u{1D49C}'],
        dislikes: [],
        settings: {},
      });
    });

    it('preferences: settings key normalization (spec example), newest value wins', async () => {
      const s = subject();
      await h.storeSeries(agent, s, 'preferences', [
        { favorite_food: 'pizza', Theme: 'dark' },
        { FavoriteFood: 'sushi', 'favorite-food': 'ramen' },
      ]);
      const r = await merged(s, 'preferences');
      expect(r.summary_text).toBe('Likes: 0, Dislikes: 0, Settings: 2');
      expect(r.summary_struct).toEqual({ likes: [], dislikes: [], settings: { favorite_food: 'ramen', theme: 'dark' } });
      expect(r.confidence).toBe(0.7);
    });

    it('confidence is 0.6/0.7/0.8/0.9 for 1/2/3/≥4 memories', async () => {
      const s = subject();
      const expected = [0.6, 0.7, 0.8, 0.9, 0.9, 0.9];
      for (const [i, confidence] of expected.entries()) {
        await h.store(agent, s, 'constraints', [`rule${i}`]);
        const r = await merged(s, 'constraints');
        expect(r.confidence).toBe(confidence);
        expect(r.summary_text).toBe(`Rules: ${i + 1}, Constraints: 0`);
      }
    });

    it('no memories: "No memories found.", {}, 0 — still 200, still a grant, audited without ids', async () => {
      const s = subject();
      for (const scope of SCOPES) {
        const res = await h.readOk(agent, { user_id: s, scope, purpose_class: MATRIX[scope][0] });
        expect(res.body.summary_text).toBe('No memories found.');
        expect(res.body.summary_struct).toEqual({});
        expect(res.body.confidence).toBe(0);
        const grant = await h.grantByToken(res.body.revocation_token);
        expect(grant).toMatchObject({ subject: s, scope });
        const audit = await h.auditByRequest(res);
        expect(audit).toHaveLength(1);
        expect(audit[0]).toMatchObject({ grant_id: grant.id, memory_ids: null, reason_code: null });
      }
    });

    it('constraints: rules pooled, exact-deduped and sorted; key/value maps merged newest wins; flags ignored', async () => {
      const s = subject();
      await h.storeSeries(agent, s, 'constraints', [
        ['rule1', 'rule2'],
        ['no nuts', 'No dairy', 'rule1'],
        { budget: 20 },
        { budget: 30, max_distance_km: 5 },
        { strict: true },
      ]);
      const r = await merged(s, 'constraints');
      expect(r.summary_text).toBe('Rules: 4, Constraints: 2');
      expect(r.summary_struct).toEqual({
        rules: ['No dairy', 'no nuts', 'rule1', 'rule2'],
        constraints: { budget: 30, max_distance_km: 5 },
      });
      expect(r.confidence).toBe(0.9);

      const single = subject();
      await h.store(agent, single, 'constraints', ['rule1', 'rule2']);
      const r2 = await merged(single, 'constraints');
      expect(r2.summary_text).toBe('Rules: 2, Constraints: 0');
      expect(r2.summary_struct).toEqual({ rules: ['rule1', 'rule2'], constraints: {} });
      expect(r2.confidence).toBe(0.6);
    });

    it('schedule: one window (spec example)', async () => {
      const s = subject();
      await h.store(agent, s, 'schedule', [{ start: '09:00', end: '17:00', day: 'weekday' }]);
      const r = await merged(s, 'schedule');
      expect(r.summary_text).toBe('Schedule: 1 time windows');
      expect(r.summary_struct).toEqual({ windows: [{ start: '09:00', end: '17:00', day: 'weekday' }] });
      expect(r.confidence).toBe(0.6);
    });

    it('schedule: windows deduped across memories regardless of key order, oldest first; object form stored as array', async () => {
      const s = subject();
      await h.storeSeries(agent, s, 'schedule', [
        [{ start: '09:00', end: '17:00', day: 'weekday' }],
        [
          { day: 'weekday', end: '17:00', start: '09:00' },
          { start: '10:00', end: '14:00', day: 'saturday' },
        ],
        { windows: [{ end: '17:00', start: '09:00', day: 'weekday' }, { start: '18:00' }] },
        { focus: 'ignored in schedule' },
      ]);
      const r = await merged(s, 'schedule');
      expect(r.summary_text).toBe('Schedule: 3 time windows');
      expect(r.summary_struct).toEqual({
        windows: [
          { start: '09:00', end: '17:00', day: 'weekday' },
          { start: '10:00', end: '14:00', day: 'saturday' },
          { start: '18:00' },
        ],
      });
      expect(r.confidence).toBe(0.9);
    });

    it('communication: every object shallow-merged, newest wins; arrays ignored but counted', async () => {
      const s = subject();
      await h.store(agent, s, 'communication', { preferred_channel: 'email' });
      const one = await merged(s, 'communication');
      expect(one.summary_text).toBe('Communication preferences: 1 settings');
      expect(one.summary_struct).toEqual({ preferences: { preferred_channel: 'email' } });

      const s2 = subject();
      await h.storeSeries(agent, s2, 'communication', [
        { preferred_channel: 'email', tone: 'formal' },
        { tone: 'casual' },
        { emoji: false },
        ['no calls after 9pm'],
      ]);
      const r = await merged(s2, 'communication');
      expect(r.summary_text).toBe('Communication preferences: 3 settings');
      expect(r.summary_struct).toEqual({ preferences: { preferred_channel: 'email', tone: 'casual', emoji: false } });
      expect(r.confidence).toBe(0.9);
    });

    it('accessibility: boolean flags vs settings', async () => {
      const s = subject();
      await h.store(agent, s, 'accessibility', { high_contrast: true, large_text: false });
      const one = await merged(s, 'accessibility');
      expect(one.summary_text).toBe('Accessibility: 2 flags, 0 settings');
      expect(one.summary_struct).toEqual({ flags: { high_contrast: true, large_text: false }, settings: {} });

      const s2 = subject();
      await h.storeSeries(agent, s2, 'accessibility', [
        { High_Contrast: true, large_text: false },
        { font_size: 'large', screen_reader: 'nvda' },
        { large_text: true },
        { font_size: 'x-large' },
        ['use captions'],
      ]);
      const r = await merged(s2, 'accessibility');
      expect(r.summary_text).toBe('Accessibility: 2 flags, 2 settings');
      expect(r.summary_struct).toEqual({
        flags: { high_contrast: true, large_text: true },
        settings: { font_size: 'x-large', screen_reader: 'nvda' },
      });
      expect(r.confidence).toBe(0.9);
    });

    it('attention: every object shallow-merged, newest wins', async () => {
      const s = subject();
      await h.store(agent, s, 'attention', { focus_mode: true, do_not_disturb: false });
      const one = await merged(s, 'attention');
      expect(one.summary_text).toBe('Attention settings: 2 preferences');
      expect(one.summary_struct).toEqual({ settings: { focus_mode: true, do_not_disturb: false } });

      const s2 = subject();
      await h.storeSeries(agent, s2, 'attention', [
        { focus_mode: 'Deep', do_not_disturb: '22:00-07:00' },
        { focus_mode: true },
        { quiet_hours: 'weekends' },
      ]);
      const r = await merged(s2, 'attention');
      expect(r.summary_text).toBe('Attention settings: 3 preferences');
      expect(r.summary_struct).toEqual({
        settings: { focus_mode: true, do_not_disturb: '22:00-07:00', quiet_hours: 'weekends' },
      });
      expect(r.confidence).toBe(0.8);
    });

    it('{"key":"value"} in each scope (spec worked outputs)', async () => {
      const s = subject();
      for (const scope of SCOPES) {
        await h.store(agent, s, scope, { key: 'value' });
        const r = await merged(s, scope);
        expect(r.summary_text).toBe(KEY_VALUE_SUMMARY[scope]);
        expect(r.confidence).toBe(0.6);
      }
    });

    it('only the newest 50 (MERGE_LIMIT) memories are merged', async () => {
      const s = subject();
      const ids: string[] = [];
      for (let i = 0; i < 55; i += 1) ids.push(await h.store(agent, s, 'preferences', { likes: [`like_${i}`] }));
      // like_0 is the oldest, like_54 the newest, one minute apart.
      for (const [i, id] of ids.entries()) await h.setAge(id, (55 - i) * 60);

      const res = await h.readOk(agent, { user_id: s, scope: 'preferences', purpose_class: 'recommendation' });
      const expectedLikes = Array.from({ length: 50 }, (_, i) => `like_${i + 5}`).sort();
      expect(res.body.summary_text).toBe('Likes: 50, Dislikes: 0, Settings: 0');
      expect(res.body.summary_struct).toEqual({ likes: expectedLikes, dislikes: [], settings: {} });
      expect(res.body.confidence).toBe(0.9);
      const [row] = await h.auditByRequest(res);
      expect(sorted(row.memory_ids ?? [])).toEqual(sorted(ids.slice(5)));
    });

    it('is byte-identical for the same data, whatever order rows come back in (ties broken by id)', async () => {
      const s = subject();
      const ids = [
        await h.store(agent, s, 'communication', { tone: 'first' }),
        await h.store(agent, s, 'communication', { tone: 'second', channel: 'sms' }),
        await h.store(agent, s, 'communication', { tone: 'third', emoji: true, channel: 'email' }),
      ];
      // The same created_at for all three: the tie-break makes the greatest id the newest.
      await ctx.db.query(`UPDATE scoped_memories SET created_at = date_trunc('second', now()) WHERE id = ANY($1::uuid[])`, [
        ids,
      ]);
      const winner = ids.indexOf(sorted(ids)[2]);
      const first = await merged(s, 'communication');
      expect((first.summary_struct as { preferences: { tone: string } }).preferences.tone).toBe(
        ['first', 'second', 'third'][winner],
      );
      // Rewrite rows (new tuple versions, different physical order) and read again.
      for (const id of [...ids].reverse()) {
        await ctx.db.query(`UPDATE scoped_memories SET value_json = value_json WHERE id = $1`, [id]);
      }
      const second = await merged(s, 'communication');
      expect(JSON.stringify(second.summary_struct)).toBe(JSON.stringify(first.summary_struct));
      expect(second.summary_text).toBe(first.summary_text);
      expect(second.confidence).toBe(first.confidence);

      // Preferences with conflicting stances and spellings.
      const p = subject();
      await h.storeSeries(agent, p, 'preferences', [
        { likes: ['B', 'a', 'Ü', 'c'], dislikes: ['x'] },
        { likes: ['X', 'b'], dislikes: ['A'] },
        { theme: 'dark', 'Font Size': 12 },
        { font_size: 14 },
      ]);
      const a = await h.readOk(agent, { user_id: p, scope: 'preferences', purpose_class: 'recommendation' });
      const b = await h.readOk(agent, { user_id: p, scope: 'preferences', purpose_class: 'content_generation' });
      expect(JSON.stringify(b.body.summary_struct)).toBe(JSON.stringify(a.body.summary_struct));
      expect(b.body.summary_text).toBe(a.body.summary_text);
      expect(a.body.summary_struct).toEqual({
        likes: ['X', 'b', 'c', 'Ü'],
        dislikes: ['A'],
        settings: { 'font size': 14, theme: 'dark' },
      });
      expect(a.body.revocation_token).not.toBe(b.body.revocation_token);
    });
  });

  describe('isolation by subject, scope and domain; max_age_days; expiry', () => {
    it('a read sees only its subject', async () => {
      const s1 = subject();
      const s2 = subject();
      await h.store(agent, s1, 'preferences', { likes: ['one'] });
      await h.store(agent, s2, 'preferences', { likes: ['two'] });
      const r1 = await h.readOk(agent, { user_id: s1, scope: 'preferences', purpose_class: 'recommendation' });
      expect(r1.body.summary_struct.likes).toEqual(['one']);
      const r2 = await h.readOk(agent, { user_id: s2, scope: 'preferences', purpose_class: 'recommendation' });
      expect(r2.body.summary_struct.likes).toEqual(['two']);
      // Subjects are exact: no prefix or case folding.
      const r3 = await h.readOk(agent, { user_id: s1.toUpperCase(), scope: 'preferences', purpose_class: 'recommendation' });
      expect(r3.body.summary_text).toBe('No memories found.');
      // Surrounding whitespace is trimmed.
      const r4 = await h.readOk(agent, { user_id: `  ${s1} `, scope: 'preferences', purpose_class: 'recommendation' });
      expect(r4.body.summary_struct.likes).toEqual(['one']);
    });

    it('a read sees only its scope', async () => {
      const s = subject();
      await h.store(agent, s, 'communication', { channel: 'email' });
      await h.store(agent, s, 'attention', { quiet: 'yes' });
      const comm = await h.readOk(agent, { user_id: s, scope: 'communication', purpose_class: 'ui_rendering' });
      expect(comm.body.summary_struct).toEqual({ preferences: { channel: 'email' } });
      const att = await h.readOk(agent, { user_id: s, scope: 'attention', purpose_class: 'ui_rendering' });
      expect(att.body.summary_struct).toEqual({ settings: { quiet: 'yes' } });
      const acc = await h.readOk(agent, { user_id: s, scope: 'accessibility', purpose_class: 'ui_rendering' });
      expect(acc.body.summary_text).toBe('No memories found.');
    });

    it('domain: exact and case-sensitive; domain-less and domain reads never mix', async () => {
      const s = subject();
      const plain = await h.store(agent, s, 'preferences', { likes: ['plain'] });
      const food = await h.store(agent, s, 'preferences', { likes: ['pizza'] }, 'food');
      await h.store(agent, s, 'preferences', { likes: ['burger'] }, 'Food');
      await h.store(agent, s, 'preferences', { likes: ['pasta'] }, 'food/italian');
      await h.store(agent, s, 'preferences', { likes: ['blank'] }, '   '); // whitespace = no domain

      const likes = async (domain?: string | null) => {
        const body: Record<string, unknown> = { user_id: s, scope: 'preferences', purpose_class: 'recommendation' };
        if (domain !== undefined) body.domain = domain;
        const res = await h.readOk(agent, body);
        return res;
      };
      const none = await likes();
      expect(none.body.summary_struct.likes).toEqual(['blank', 'plain']);
      const [noneRow] = await h.auditByRequest(none);
      expect(noneRow.memory_ids).toContain(plain);
      expect(noneRow.memory_ids).not.toContain(food);
      expect(noneRow.domain).toBeNull();
      expect((await likes(null)).body.summary_struct.likes).toEqual(['blank', 'plain']);
      expect((await likes('')).body.summary_struct.likes).toEqual(['blank', 'plain']);
      expect((await likes('  ')).body.summary_struct.likes).toEqual(['blank', 'plain']);

      const foodRead = await likes('food');
      expect(foodRead.body.summary_struct.likes).toEqual(['pizza']);
      const [foodRow] = await h.auditByRequest(foodRead);
      expect(foodRow).toMatchObject({ domain: 'food', memory_ids: [food] });
      expect((await h.grantByToken(foodRead.body.revocation_token)).domain).toBe('food');

      expect((await likes(' food ')).body.summary_struct.likes).toEqual(['pizza']);
      expect((await likes('Food')).body.summary_struct.likes).toEqual(['burger']);
      expect((await likes('FOOD')).body.summary_text).toBe('No memories found.');
      expect((await likes('foo')).body.summary_text).toBe('No memories found.');
      expect((await likes('food/italian')).body.summary_struct.likes).toEqual(['pasta']);
    });

    it('max_age_days excludes older memories', async () => {
      const s = subject();
      const old = await h.store(agent, s, 'preferences', { likes: ['old'] });
      const recent = await h.store(agent, s, 'preferences', { likes: ['new'] });
      await h.setAge(old, 10 * 86_400);
      await h.setAge(recent, 3600);

      const all = await h.readOk(agent, { user_id: s, scope: 'preferences', purpose_class: 'recommendation' });
      expect(all.body.summary_struct.likes).toEqual(['new', 'old']);
      expect(all.body.confidence).toBe(0.7);

      const young = await h.readOk(agent, {
        user_id: s,
        scope: 'preferences',
        purpose_class: 'recommendation',
        max_age_days: 5,
      });
      expect(young.body.summary_struct.likes).toEqual(['new']);
      expect(young.body.confidence).toBe(0.6);
      const [row] = await h.auditByRequest(young);
      expect(row.memory_ids).toEqual([recent]);
      expect((await h.grantByToken(young.body.revocation_token)).max_age_days).toBe(5);

      const eleven = await h.readOk(agent, {
        user_id: s,
        scope: 'preferences',
        purpose_class: 'recommendation',
        max_age_days: 11,
      });
      expect(eleven.body.summary_struct.likes).toEqual(['new', 'old']);
    });

    it('max_age_days has no upper bound (spec §2.7), on read and on continue', async () => {
      const s = subject();
      const old = await h.store(agent, s, 'preferences', { likes: ['old'] });
      await h.setAge(old, 4000 * 86_400);
      await h.store(agent, s, 'preferences', { likes: ['new'] });
      for (const maxAge of [3650, 3651, 36_500, 1_000_000, 2_147_483_647]) {
        const res = await api().read({ user_id: s, scope: 'preferences', purpose_class: 'recommendation', max_age_days: maxAge });
        expect(`${maxAge}: ${res.status}`).toBe(`${maxAge}: 200`);
        expect(res.body.summary_struct.likes).toEqual(maxAge > 4000 ? ['new', 'old'] : ['new']);
        const cont = await api().continueRead({ revocation_token: res.body.revocation_token, max_age_days: maxAge });
        expect(`${maxAge}: ${cont.status}`).toBe(`${maxAge}: 200`);
        expect(cont.body.summary_struct.likes).toEqual(res.body.summary_struct.likes);
      }
    });

    it('expired memories are never returned', async () => {
      const s = subject();
      const gone = await h.store(agent, s, 'attention', { focus_mode: 'on', do_not_disturb: 'always' });
      await h.store(agent, s, 'attention', { quiet: 'yes' });
      await ctx.db.query(`UPDATE scoped_memories SET expires_at = now() - interval '1 second' WHERE id = $1`, [gone]);
      const r = await h.readOk(agent, { user_id: s, scope: 'attention', purpose_class: 'notification_delivery' });
      expect(r.body.summary_struct).toEqual({ settings: { quiet: 'yes' } });
      expect(r.body.confidence).toBe(0.6);
    });
  });

});

describe('MemoryScope v1 with MERGE_LIMIT=3', () => {
  const { ctx, h, agent } = useScopedReads({ env: { MERGE_LIMIT: '3' } });

  it('merges only the newest 3 memories', async () => {
    const s = uniqueName('limit');
    const ids = await h.storeSeries(
      agent,
      s,
      'preferences',
      [0, 1, 2, 3, 4].map((i) => ({ likes: [`like_${i}`] })),
    );
    const res = await h.readOk(agent, { user_id: s, scope: 'preferences', purpose_class: 'recommendation' });
    expect(res.body.summary_struct).toEqual({ likes: ['like_2', 'like_3', 'like_4'], dislikes: [], settings: {} });
    expect(res.body.summary_text).toBe('Likes: 3, Dislikes: 0, Settings: 0');
    expect(res.body.confidence).toBe(0.8);
    const [row] = await h.auditByRequest(res);
    expect(sorted(row.memory_ids ?? [])).toEqual(sorted(ids.slice(2)));

    // Continue applies the same limit.
    await h.store(agent, s, 'preferences', { likes: ['like_5'] });
    const cont = await h.api(agent).continueRead({ revocation_token: res.body.revocation_token });
    expect(cont.body.summary_struct.likes).toEqual(['like_3', 'like_4', 'like_5']);
  });

  it('breaks created_at ties by id (greatest ids are the newest)', async () => {
    const s = uniqueName('ties');
    const ids: string[] = [];
    for (let i = 0; i < 6; i += 1) ids.push(await h.store(agent, s, 'constraints', [`rule_${i}`]));
    await ctx.db.query(`UPDATE scoped_memories SET created_at = date_trunc('second', now()) WHERE id = ANY($1::uuid[])`, [
      ids,
    ]);
    const newest = sorted(ids).slice(3);
    const expectedRules = newest.map((id) => `rule_${ids.indexOf(id)}`).sort();
    for (let i = 0; i < 3; i += 1) {
      const res = await h.readOk(agent, { user_id: s, scope: 'constraints', purpose_class: 'scheduling' });
      expect(res.body.summary_struct).toEqual({ rules: expectedRules, constraints: {} });
      const [row] = await h.auditByRequest(res);
      expect(sorted(row.memory_ids ?? [])).toEqual(newest);
    }
  });
});
