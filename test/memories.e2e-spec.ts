import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { useFixtures } from './support/fixtures';
import { expectProblem } from './support/problems';
import { SCOPES, Scope, SCOPE_MESSAGE, SOURCE_MESSAGE, NO_SHAPE, UUID, RFC3339_UTC, DAY_MS, CREATED_KEYS, MEMORY_KEYS, MemoryBody, ListedMemory, key, memoryBody, nested, rulesOfSize, expectValidationProblem, memoryRequests } from './support/scoped-memories';
import { TestAgent, uniqueName } from './support/test-app';

/**
 * MemoryScope v1 scoped memories over REST, against real PostgreSQL: writes
 * (every scope and shape as stored, normalization, validation, limits) and
 * their audit. Listing and erasure: memories-read; expiry: memories-expiry.
 */

describe('scoped memories (MemoryScope v1): writes, shapes and validation', () => {
  const ctx = useFixtures();
  const { create, created, list, audits, counts } = memoryRequests(ctx);

  describe('POST /memory', () => {
    let agent: TestAgent;
    beforeAll(async () => {
      agent = await ctx.newUser();
    });

    it('answers 201 with exactly {id, user_id, scope, domain, created_at, expires_at}; expiry is ttl_days later', async () => {
      const start = Date.now();
      const res = await create(
        agent,
        memoryBody({ user_id: 'user_123', scope: 'preferences', domain: 'food', ttl_days: 30 }),
      );
      const end = Date.now();
      expect(res.status).toBe(201);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(Object.keys(res.body).sort()).toEqual(CREATED_KEYS);
      expect(res.body.id).toMatch(UUID);
      expect(res.body.user_id).toBe('user_123');
      expect(res.body.scope).toBe('preferences');
      expect(res.body.domain).toBe('food');
      expect(res.body.created_at).toMatch(RFC3339_UTC);
      expect(res.body.expires_at).toMatch(RFC3339_UTC);
      const createdAt = Date.parse(res.body.created_at);
      expect(createdAt).toBeGreaterThanOrEqual(start - 5_000);
      expect(createdAt).toBeLessThanOrEqual(end + 5_000);
      expect(Date.parse(res.body.expires_at) - createdAt).toBe(30 * DAY_MS);

      // The row is there with what the response said.
      const [row] = await ctx.db.query(
        `SELECT user_id, subject, scope, domain, source, ttl_days, created_by_agent_id, created_at, expires_at
           FROM scoped_memories WHERE id = $1`,
        [res.body.id],
      );
      expect(row).toMatchObject({
        user_id: agent.userId,
        subject: 'user_123',
        scope: 'preferences',
        domain: 'food',
        source: 'explicit_user_input',
        ttl_days: 30,
        created_by_agent_id: agent.agentId,
      });
      expect((row.created_at as Date).toISOString()).toBe(res.body.created_at);
      expect((row.expires_at as Date).toISOString()).toBe(res.body.expires_at);
    });

    it.each([1, 7, 90, 180, 364, 365])('ttl_days=%i: expires_at - created_at is exactly that many days', async (ttl) => {
      const res = await create(agent, memoryBody({ ttl_days: ttl }));
      expect(res.status).toBe(201);
      expect(Date.parse(res.body.expires_at) - Date.parse(res.body.created_at)).toBe(ttl * DAY_MS);
    });

    it('defaults domain to null, and stores "" and whitespace-only domains as null', async () => {
      const subject = uniqueName('dom');
      const none = await created(agent, { user_id: subject });
      const empty = await created(agent, { user_id: subject, domain: '' });
      const blank = await created(agent, { user_id: subject, domain: '   ' });
      const explicitNull = await created(agent, { user_id: subject, domain: null });
      for (const m of [none, empty, blank, explicitNull]) expect(m.domain).toBeNull();
      const rows = await ctx.db.query(`SELECT domain FROM scoped_memories WHERE subject = $1`, [subject]);
      expect(rows).toHaveLength(4);
      for (const r of rows) expect(r.domain).toBeNull();
      // And they are listed as domain-less.
      const listed = await list(agent, { user_id: subject, domain: '' });
      expect(listed.total).toBe(4);
    });

    it('trims user_id and domain, and accepts ":" and "@" in user_id and the allowed domain characters', async () => {
      const m = await created(agent, { user_id: '  tenant:app@example.com  ', domain: '  Food/Drinks_2-x.y @home ' });
      expect(m.user_id).toBe('tenant:app@example.com');
      expect(m.domain).toBe('Food/Drinks_2-x.y @home');
    });

    it('accepts a 1024-character user_id and a 500-character domain', async () => {
      const subject = 'u'.repeat(1024);
      const domain = 'd'.repeat(500);
      const m = await created(agent, { user_id: subject, domain });
      expect(m.user_id).toBe(subject);
      expect(m.domain).toBe(domain);
      const listed = await list(agent, { user_id: subject });
      expect(listed.memories.map((x) => x.id)).toEqual([m.id]);
      expect(listed.memories[0].domain).toBe(domain);
    });

    it('accepts both sources and stores each', async () => {
      const subject = uniqueName('src');
      const a = await created(agent, { user_id: subject, source: 'explicit_user_input' });
      const b = await created(agent, { user_id: subject, source: 'user_setting' });
      const listed = await list(agent, { user_id: subject });
      const byId = new Map(listed.memories.map((m) => [m.id, m]));
      expect(byId.get(a.id!)!.source).toBe('explicit_user_input');
      expect(byId.get(b.id!)!.source).toBe('user_setting');
    });

    it('refuses unknown body fields with a 422 naming each one; nothing stored', async () => {
      const subject = uniqueName('extra');
      const before = await counts();
      const res = await create(
        agent,
        memoryBody({ user_id: subject, app_id: 'someone-else', id: randomUUID(), value_shape: 'rules_list', foo: { bar: 1 } }),
      );
      expectProblem(res, 422, { code: 'validation_failed', errors: true });
      expect(res.body.errors).toEqual([
        { field: 'app_id', message: 'app_id is not a known field' },
        { field: 'id', message: 'id is not a known field' },
        { field: 'value_shape', message: 'value_shape is not a known field' },
        { field: 'foo', message: 'foo is not a known field' },
      ]);
      expect(await ctx.db.query(`SELECT id FROM scoped_memories WHERE subject = $1`, [subject])).toEqual([]);
      expect(await counts()).toEqual(before);
    });

    it('requires an agent key', async () => {
      const before = await counts();
      const res = await ctx.http().post('/memory').send(memoryBody());
      expectProblem(res, 401);
      expect(await counts()).toEqual(before);
    });

    it('writes one MEMORY_WRITE audit event per create, with tenant, agent, request id, subject, scope, domain and id', async () => {
      const subject = uniqueName('audit');
      const rid1 = `write-${randomUUID()}`;
      const rid2 = `write-${randomUUID()}`;
      const first = await create(agent, memoryBody({ user_id: subject, scope: 'schedule', domain: 'work', value_json: [{ day: 'mon' }] }), rid1);
      const second = await create(agent, memoryBody({ user_id: subject, scope: 'attention' }), rid2);
      expect(first.status).toBe(201);
      expect(second.status).toBe(201);
      expect(first.headers['x-request-id']).toBe(rid1);

      const rows = await audits(`event_type = 'MEMORY_WRITE' AND subject = $1`, [subject]);
      expect(rows).toHaveLength(2);
      expect(rows[0]).toMatchObject({
        event_type: 'MEMORY_WRITE',
        user_id: agent.userId,
        agent_id: agent.agentId,
        request_id: rid1,
        subject,
        scope: 'schedule',
        domain: 'work',
        memory_ids: [first.body.id],
        purpose: null,
        purpose_class: null,
        grant_id: null,
        reason_code: null,
      });
      expect(rows[1]).toMatchObject({
        user_id: agent.userId,
        agent_id: agent.agentId,
        request_id: rid2,
        subject,
        scope: 'attention',
        domain: null,
        memory_ids: [second.body.id],
      });
    });

    it('accepts 20 parallel creates for one subject: all 201 and all 20 rows exist', async () => {
      const subject = uniqueName('parallel');
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) => create(agent, memoryBody({ user_id: subject, value_json: { likes: [`item${i}`] } }))),
      );
      for (const r of responses) expect(r.status).toBe(201);
      const ids = responses.map((r) => r.body.id as string);
      expect(new Set(ids).size).toBe(20);
      const rows: { id: string }[] = await ctx.db.query(
        `SELECT id FROM scoped_memories WHERE user_id = $1 AND subject = $2`,
        [agent.userId, subject],
      );
      expect(rows.map((r) => r.id).sort()).toEqual([...ids].sort());
      const events = await audits(`event_type = 'MEMORY_WRITE' AND subject = $1`, [subject]);
      expect(events).toHaveLength(20);
      const listed = await list(agent, { user_id: subject });
      expect(listed.total).toBe(20);
    });
  });

  describe('every scope × every shape, as stored', () => {
    let agent: TestAgent;
    beforeAll(async () => {
      agent = await ctx.newUser();
    });

    /** Each input, its detected shape and its normalized (stored) value. */
    const CASES: { name: string; input: unknown; shape: string; stored: unknown }[] = [
      {
        name: 'likes_dislikes',
        input: { likes: ['coffee', 'tea', 'coffee', 'Tea'], dislikes: ['milk', 'MILK', 'sugar'], note: 'dropped' },
        shape: 'likes_dislikes',
        stored: { likes: ['coffee', 'tea'], dislikes: ['milk', 'sugar'] },
      },
      {
        name: 'likes only, code-point sorted, trimmed, first spelling kept',
        input: { likes: ['apple', ' Coffee ', 'coffee', 'Zebra', 'banana'] },
        shape: 'likes_dislikes',
        stored: { likes: ['Coffee', 'Zebra', 'apple', 'banana'] },
      },
      {
        name: 'rules_list',
        input: ['rule1', 'rule2', 'rule1', 'rule3', 'Rule1'],
        shape: 'rules_list',
        stored: ['Rule1', 'rule1', 'rule2', 'rule3'],
      },
      {
        name: 'schedule_windows (array form)',
        input: [
          { start: '18:00', end: '20:00' },
          { start: '09:00', end: '17:00', day: 'weekday' },
          { day: 'weekday', end: '17:00', start: '09:00' },
          { start: '18:00', end: '20:00', day: 'weekend' },
        ],
        shape: 'schedule_windows',
        stored: [
          { start: '18:00', end: '20:00' },
          { start: '09:00', end: '17:00', day: 'weekday' },
          { start: '18:00', end: '20:00', day: 'weekend' },
        ],
      },
      {
        name: 'schedule_windows (object form)',
        input: {
          windows: [
            { start: '09:00', end: '17:00', day: 'weekday' },
            { end: '17:00', day: 'weekday', start: '09:00' },
            { start: '10:00', end: '14:00', day: 'saturday', flexible: true, priority: 2, note: null },
          ],
        },
        shape: 'schedule_windows',
        stored: [
          { start: '09:00', end: '17:00', day: 'weekday' },
          { start: '10:00', end: '14:00', day: 'saturday', flexible: true, priority: 2, note: null },
        ],
      },
      {
        name: 'boolean_flags',
        input: { EnableFeature: true, DisableOther: false },
        shape: 'boolean_flags',
        stored: { enablefeature: true, disableother: false },
      },
      {
        name: 'boolean_flags {}',
        input: {},
        shape: 'boolean_flags',
        stored: {},
      },
      {
        name: 'focus_mode/do_not_disturb all boolean is boolean_flags',
        input: { focus_mode: true, do_not_disturb: false },
        shape: 'boolean_flags',
        stored: { focus_mode: true, do_not_disturb: false },
      },
      {
        name: 'attention_settings',
        input: { focus_mode: 'Deep', do_not_disturb: true, Tags: ['WORK', 'urgent', 3], Level: 2 },
        shape: 'attention_settings',
        stored: { focus_mode: 'deep', do_not_disturb: true, tags: ['work', 'urgent', 3], level: 2 },
      },
      {
        name: 'kv_map',
        input: { Theme: 'Dark', UserTag: 'VIP', TAGS: 'A,B', Nested: { Inner: 'X' }, Count: 3, On: true },
        shape: 'kv_map',
        stored: { theme: 'Dark', usertag: 'vip', tags: 'a,b', nested: { Inner: 'X' }, count: 3, on: true },
      },
    ];

    it.each(SCOPES)('scope %s: every shape is accepted (201) and stored normalized', async (scope: Scope) => {
      const subject = uniqueName(`shapes-${scope}`);
      const ids = new Map<string, (typeof CASES)[number]>();
      for (const c of CASES) {
        const res = await create(agent, memoryBody({ user_id: subject, scope, value_json: c.input, ttl_days: 45 }));
        if (res.status !== 201) throw new Error(`${scope} / ${c.name}: ${res.status} ${res.text}`);
        expect(res.body.scope).toBe(scope);
        ids.set(res.body.id, c);
      }
      const listed = await list(agent, { user_id: subject, scope });
      expect(listed.total).toBe(CASES.length);
      expect(listed.memories).toHaveLength(CASES.length);
      for (const m of listed.memories) {
        const c = ids.get(m.id);
        expect(c).toBeDefined();
        expect(Object.keys(m).sort()).toEqual(MEMORY_KEYS);
        expect({ case: c!.name, shape: m.shape, value: m.value }).toEqual({ case: c!.name, shape: c!.shape, value: c!.stored });
        expect(m.scope).toBe(scope);
        expect(m.user_id).toBe(subject);
        expect(m.source).toBe('explicit_user_input');
        expect(m.ttl_days).toBe(45);
        expect(m.expired).toBe(false);
        expect(m.created_at).toMatch(RFC3339_UTC);
        expect(m.expires_at).toMatch(RFC3339_UTC);
        expect(Date.parse(m.expires_at) - Date.parse(m.created_at)).toBe(45 * DAY_MS);
      }
      // The stored row agrees with what was listed.
      const rows: { id: string; value_shape: string; value_json: unknown }[] = await ctx.db.query(
        `SELECT id, value_shape, value_json FROM scoped_memories WHERE subject = $1`,
        [subject],
      );
      for (const r of rows) {
        expect(r.value_shape).toBe(ids.get(r.id)!.shape);
        expect(r.value_json).toEqual(ids.get(r.id)!.stored);
      }
    });

    it('stores the time_slots object form as the array form', async () => {
      const subject = uniqueName('slots');
      await created(agent, { user_id: subject, scope: 'schedule', value_json: { time_slots: [{ start: '07:00' }, { start: '07:00' }] } });
      const [m] = (await list(agent, { user_id: subject })).memories;
      expect(m.shape).toBe('schedule_windows');
      expect(m.value).toEqual([{ start: '07:00' }]);
    });

    it('stores values raw: no HTML escaping of strings', async () => {
      const subject = uniqueName('raw');
      const raw = `<b>&</b> "quoted" it's <script>alert(1)</script> &amp;`;
      await created(agent, { user_id: subject, scope: 'communication', value_json: { note: raw, html: '<b>&</b>' } });
      await created(agent, { user_id: subject, scope: 'preferences', value_json: { likes: ['<b>&</b>', 'Tom & Jerry'] } });
      await created(agent, { user_id: subject, scope: 'constraints', value_json: ['<i>no "nuts"</i>'] });
      const listed = await list(agent, { user_id: subject });
      const values = listed.memories.map((m) => m.value);
      expect(values).toContainEqual({ note: raw, html: '<b>&</b>' });
      expect(values).toContainEqual({ likes: ['<b>&</b>', 'Tom & Jerry'] });
      expect(values).toContainEqual(['<i>no "nuts"</i>']);
      expect(JSON.stringify(values)).not.toContain('&amp;lt;');
      expect(JSON.stringify(values)).not.toContain('&lt;');
    });

    it('never silently drops a "__proto__" key: the value is stored with it, or rejected with 422', async () => {
      for (const value of [
        '{"__proto__": "x", "theme": "dark"}',
        '{"theme": "dark", "settings": {"__proto__": {"a": 1}, "b": 2}}',
        '{"__proto__": true, "dark_mode": true}',
      ]) {
        const subject = uniqueName('proto');
        const before = await counts();
        const res = await ctx
          .http()
          .post('/memory')
          .set(key(agent))
          .set('Content-Type', 'application/json')
          .send(`{"user_id": "${subject}", "scope": "preferences", "source": "user_setting", "ttl_days": 5, "value_json": ${value}}`);
        if (res.status === 422) {
          expectProblem(res, 422);
          expect(await counts()).toEqual(before);
          continue;
        }
        expect({ value, status: res.status }).toEqual({ value, status: 201 });
        const listed = await ctx.http().get('/memory').query({ user_id: subject }).set(key(agent)).expect(200);
        const stored = JSON.stringify((JSON.parse(listed.text) as { memories: ListedMemory[] }).memories[0].value);
        expect({ value, stored: stored.includes('"__proto__"') }).toEqual({ value, stored: true });
      }
    });

    it('keeps numbers and booleans in likes, deduplicated by type and value and sorted by their text', async () => {
      const subject = uniqueName('scalars');
      await created(agent, { user_id: subject, value_json: { likes: [2, '10', 1, 2, true, 'b'], dislikes: [] } });
      const [m] = (await list(agent, { user_id: subject })).memories;
      expect(m.value).toEqual({ likes: [1, '10', 2, 'b', true], dislikes: [] });
    });

    it('stores a value at the limits: 5,000 items, 2,000-character strings, exactly 256 KB', async () => {
      const subject = uniqueName('limits');
      const items = Array.from({ length: 5000 }, (_, i) => `r${String(i).padStart(5, '0')}`);
      await created(agent, { user_id: subject, scope: 'constraints', value_json: items });
      await created(agent, { user_id: subject, value_json: { k: 's'.repeat(2000) } });
      await created(agent, { user_id: subject, value_json: rulesOfSize(256 * 1024), scope: 'constraints' });
      const listed = await list(agent, { user_id: subject });
      expect(listed.total).toBe(3);
      expect(listed.memories.find((m) => Array.isArray(m.value) && m.value.length === 5000)?.value).toEqual(items);
    });

    it('stores a value nested 8 levels deep (objects and arrays)', async () => {
      const subject = uniqueName('depth');
      const deepObject = nested(8, 'object');
      const deepArray = nested(8, 'array');
      const a = await create(agent, memoryBody({ user_id: subject, value_json: deepObject }));
      const b = await create(agent, memoryBody({ user_id: subject, value_json: deepArray }));
      expect({ status: a.status, detail: a.body.detail }).toEqual({ status: 201, detail: undefined });
      expect({ status: b.status, detail: b.body.detail }).toEqual({ status: 201, detail: undefined });
      const values = (await list(agent, { user_id: subject })).memories.map((m) => m.value);
      expect(values).toContainEqual(deepObject);
      expect(values).toContainEqual(deepArray);
    });
  });

  describe('POST /memory validation (422, nothing stored, nothing audited)', () => {
    let agent: TestAgent;
    beforeAll(async () => {
      agent = await ctx.newUser();
    });

    /** Posts, expects a 422 naming `field`, and checks that no memory and no MEMORY_WRITE event appeared. */
    const rejects = async (body: MemoryBody, field: string, message: string | RegExp): Promise<Response> => {
      const before = await counts();
      const res = await create(agent, body);
      expectValidationProblem(res, field, message);
      expect(await counts()).toEqual(before);
      return res;
    };

    it('rejects a scope outside the six, naming them in a fixed order', async () => {
      for (const scope of ['bogus', 'Preferences', 'preferences ', '', null, 3]) {
        const res = await rejects(memoryBody({ scope }), 'scope', SCOPE_MESSAGE);
        expect(res.body.detail).toBe(SCOPE_MESSAGE);
      }
      const missing = await rejects(memoryBody({ scope: undefined }), 'scope', 'scope is required');
      expect(missing.body.detail).toBe('scope is required');
    });

    it('rejects an invalid or missing source', async () => {
      for (const source of ['explicit', 'USER_SETTING', '', null, 1]) {
        const res = await rejects(memoryBody({ source }), 'source', SOURCE_MESSAGE);
        expect(res.body.detail).toBe(SOURCE_MESSAGE);
      }
      const missing = await rejects(memoryBody({ source: undefined }), 'source', 'source is required');
      expect(missing.body.detail).toBe('source is required');
    });

    it('rejects ttl_days 0, 366, 1.5, -1, "30", null and missing', async () => {
      for (const ttl of [0, 366, 1.5, -1, '30', null, true, undefined]) {
        await rejects(memoryBody({ ttl_days: ttl }), 'ttl_days', /ttl_days/);
      }
    });

    it('rejects an empty, blank, too long or ill-formed user_id', async () => {
      for (const subject of ['', '   ', 'a b', 'a/b', 'x'.repeat(1025), 'émile', 'a\nb', 'a#b', 42, null, undefined]) {
        await rejects(memoryBody({ user_id: subject }), 'user_id', /user_id/);
      }
    });

    it('rejects a domain with invalid characters or longer than 500 characters', async () => {
      for (const domain of ['food!', 'a\tb', 'a\\b', 'x<y>', 'a#b', 'd'.repeat(501), 12]) {
        await rejects(memoryBody({ domain }), 'domain', /domain/);
      }
    });

    it('rejects value_json that is missing, not an object or array, or has no allowed shape', async () => {
      await rejects(memoryBody({ value_json: undefined }), 'value_json', /value_json/);
      await rejects(memoryBody({ value_json: null }), 'value_json', /value_json/);
      await rejects(memoryBody({ value_json: 'coffee' }), 'value_json', /value_json/);
      await rejects(memoryBody({ value_json: 42 }), 'value_json', /value_json/);
      await rejects(memoryBody({ value_json: true }), 'value_json', /value_json/);
      await rejects(memoryBody({ value_json: [] }), 'value_json', NO_SHAPE);
      await rejects(memoryBody({ value_json: [1, 2] }), 'value_json', NO_SHAPE);
      await rejects(memoryBody({ value_json: ['a', 1] }), 'value_json', NO_SHAPE);
      await rejects(memoryBody({ value_json: [['a']] }), 'value_json', NO_SHAPE);
      await rejects(memoryBody({ value_json: [{ from: '09:00' }] }), 'value_json', NO_SHAPE);
      await rejects(memoryBody({ value_json: [{ start: '09:00' }, 'x'] }), 'value_json', NO_SHAPE);
    });

    it('rejects likes/dislikes that are not arrays of scalars', async () => {
      for (const value of [
        { likes: 'coffee' },
        { likes: [{ a: 1 }] },
        { likes: [['tea']] },
        { likes: null },
        { likes: ['tea', null] },
        { dislikes: 3 },
        { likes: ['ok'], dislikes: [{ no: true }] },
      ]) {
        await rejects(memoryBody({ value_json: value }), 'value_json', /likes|dislikes|shape/);
      }
    });

    it('rejects schedule windows holding objects or arrays, and object forms with other keys', async () => {
      for (const value of [
        [{ start: '09:00', end: { h: 17 } }],
        [{ day: 'mon', hours: [9, 17] }],
        { windows: [{ start: '09:00', meta: { a: 1 } }] },
        { windows: [{ start: '09:00' }], x: 1 },
        { windows: [] },
        { windows: 'mon' },
        { windows: [{ from: '09:00' }] },
        { time_slots: [{ start: '09:00' }], windows: [{ start: '10:00' }] },
      ]) {
        await rejects(memoryBody({ scope: 'schedule', value_json: value }), 'value_json', /value_json|window|schedule/);
      }
    });

    it('rejects values over the limits: 5,001 items, 9 levels, 2,001 characters, more than 256 KB', async () => {
      const tooMany = Array.from({ length: 5001 }, (_, i) => `r${i}`);
      await rejects(memoryBody({ scope: 'constraints', value_json: tooMany }), 'value_json', /5,?000|items/);
      await rejects(memoryBody({ value_json: { list: tooMany.map((_, i) => i) } }), 'value_json', /5,?000|items/);
      await rejects(memoryBody({ value_json: { likes: tooMany } }), 'value_json', /5,?000|items/);
      await rejects(memoryBody({ value_json: nested(9, 'object') }), 'value_json', /nest|level|depth/);
      await rejects(memoryBody({ value_json: nested(9, 'array') }), 'value_json', /nest|level|depth/);
      await rejects(memoryBody({ value_json: nested(20, 'object') }), 'value_json', /nest|level|depth/);
      await rejects(memoryBody({ value_json: { k: 's'.repeat(2001) } }), 'value_json', /2,?000|characters/);
      await rejects(memoryBody({ value_json: { ['k'.repeat(2001)]: 'v' } }), 'value_json', /2,?000|characters/);
      await rejects(memoryBody({ value_json: { likes: ['x'.repeat(2001)] } }), 'value_json', /2,?000|characters/);
      await rejects(
        memoryBody({ scope: 'constraints', value_json: rulesOfSize(256 * 1024 + 1) }),
        'value_json',
        /256|KB|bytes|large/,
      );
    });

    it('rejects keys that change the shape once lower-cased', async () => {
      for (const value of [{ Likes: 1 }, { LIKES: ['tea'] }, { Focus_Mode: 'on' }, { Windows: [{ start: '09:00' }] }]) {
        await rejects(memoryBody({ value_json: value }), 'value_json', /value_json|likes|shape/);
      }
    });

    it('reports every invalid field at once', async () => {
      const res = await rejects({ user_id: ' ', scope: 'x', source: 'y', ttl_days: 0 }, 'scope', SCOPE_MESSAGE);
      const fields = (res.body.errors as { field: string }[]).map((e) => e.field).sort();
      expect(fields).toEqual(['scope', 'source', 'ttl_days', 'user_id', 'value_json']);
      expect(res.body.detail).toContain(SOURCE_MESSAGE);
    });

    it('rejects a body that is not a JSON object', async () => {
      for (const raw of ['[1]', '"text"', '42']) {
        const before = await counts();
        const res = await ctx.http().post('/memory').set(key(agent)).set('Content-Type', 'application/json').send(raw);
        expectProblem(res, 422);
        expect(await counts()).toEqual(before);
      }
    });
  });

});
