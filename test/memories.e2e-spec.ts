import { Client } from 'pg';
import { createHash, randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { RetentionSweep } from '../src/memories/retention-sweep';
import { startTestApp, TestAgent, TestApp, uniqueName } from './support/test-app';

/**
 * MemoryScope v1 scoped memories over REST, against real PostgreSQL: writes
 * (shapes, normalization, validation, limits), listing, deletion, erasure,
 * export, audit, tenant isolation, expiry and the retention sweep.
 */

const SCOPES = ['preferences', 'constraints', 'communication', 'accessibility', 'schedule', 'attention'] as const;
type Scope = (typeof SCOPES)[number];

const SCOPE_MESSAGE =
  'scope must be one of preferences, constraints, communication, accessibility, schedule, attention';
const SOURCE_MESSAGE = 'source must be one of explicit_user_input, user_setting';
const NO_SHAPE = 'value_json does not match any allowed shape';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const DAY_MS = 24 * 60 * 60 * 1000;

const CREATED_KEYS = ['created_at', 'domain', 'expires_at', 'id', 'scope', 'user_id'];
const MEMORY_KEYS = [...CREATED_KEYS, 'expired', 'shape', 'source', 'ttl_days', 'value'].sort();
const GRANT_KEYS = [
  'agent_id',
  'created_at',
  'domain',
  'expires_at',
  'id',
  'max_age_days',
  'purpose',
  'purpose_class',
  'revoked_at',
  'scope',
  'user_id',
];

interface MemoryBody {
  user_id?: unknown;
  scope?: unknown;
  domain?: unknown;
  source?: unknown;
  ttl_days?: unknown;
  value_json?: unknown;
  [extra: string]: unknown;
}

interface AuditRow {
  user_id: string | null;
  agent_id: string | null;
  request_id: string | null;
  event_type: string;
  subject: string | null;
  scope: string | null;
  domain: string | null;
  purpose: string | null;
  purpose_class: string | null;
  memory_ids: string[] | null;
  grant_id: string | null;
  reason_code: string | null;
  meta: Record<string, unknown> | null;
}

interface ListedMemory {
  id: string;
  user_id: string;
  scope: string;
  domain: string | null;
  created_at: string;
  expires_at: string;
  shape: string;
  value: unknown;
  source: string;
  ttl_days: number;
  expired: boolean;
}

const key = (agent: TestAgent) => ({ 'X-Api-Key': agent.apiKey });

function memoryBody(overrides: MemoryBody = {}): MemoryBody {
  return {
    user_id: 'subject_1',
    scope: 'preferences',
    source: 'explicit_user_input',
    ttl_days: 30,
    value_json: { likes: ['coffee'] },
    ...overrides,
  };
}

/** Builds `levels` nested containers (objects, or arrays under one key) around a scalar leaf. */
function nested(levels: number, kind: 'object' | 'array' = 'object'): unknown {
  let v: unknown = 'leaf';
  for (let i = 1; i < levels; i++) v = kind === 'object' ? { k: v } : [v];
  return { k: v };
}

/** A rules_list whose JSON text is exactly `bytes` bytes long (distinct rules, each ≤ 2,000 characters). */
function rulesOfSize(bytes: number): string[] {
  const rules: string[] = [];
  let size = 2; // []
  let i = 0;
  // Stop while 10 to 1,920 bytes remain, so that the last rule is 7 to 1,917 characters long.
  while (bytes - size >= 1_920) {
    const rule = `${String(i).padStart(6, '0')}-${'r'.repeat(1_900)}`;
    size += JSON.stringify(rule).length + (rules.length ? 1 : 0);
    rules.push(rule);
    i += 1;
  }
  // The last rule makes up the difference: quotes and a comma take 3 bytes.
  rules.push(`z${'r'.repeat(bytes - size - 4)}`);
  const actual = Buffer.byteLength(JSON.stringify(rules), 'utf8');
  if (actual !== bytes) throw new Error(`rulesOfSize(${bytes}) built ${actual} bytes`);
  return rules;
}

function expectProblem(res: Response, status: number, detail?: string | RegExp): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(res.text) as Record<string, unknown>;
  expect(body.status).toBe(status);
  expect(typeof body.detail).toBe('string');
  if (typeof detail === 'string') expect(body.detail).toBe(detail);
  else if (detail) expect(body.detail).toMatch(detail);
}

function expectValidationProblem(res: Response, field: string, message: string | RegExp): void {
  expectProblem(res, 422);
  expect(res.body.code).toBe('validation_failed');
  expect(Array.isArray(res.body.errors)).toBe(true);
  const entry = (res.body.errors as { field: string; message: string }[]).find((e) => e.field === field);
  expect(entry).toBeDefined();
  if (typeof message === 'string') {
    expect(entry!.message).toBe(message);
    expect(res.body.detail).toContain(message);
  } else {
    expect(entry!.message).toMatch(message);
    expect(res.body.detail).toMatch(message);
  }
}

describe('scoped memories (MemoryScope v1)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const create = (agent: TestAgent, body: MemoryBody, requestId?: string) => {
    const req = t.http().post('/memory').set(key(agent));
    if (requestId) req.set('X-Request-ID', requestId);
    return req.send(body);
  };

  const created = async (agent: TestAgent, overrides: MemoryBody = {}): Promise<Record<string, string | null>> => {
    const res = await create(agent, memoryBody(overrides));
    expect(res.status).toBe(201);
    return res.body;
  };

  const list = async (agent: TestAgent, query: Record<string, string | number | boolean>) => {
    const res = await t.http().get('/memory').query(query).set(key(agent));
    expect(res.status).toBe(200);
    return res.body as { memories: ListedMemory[]; total: number; limit: number; offset: number };
  };

  const audits = (where: string, params: unknown[]): Promise<AuditRow[]> =>
    t.db.query(
      `SELECT user_id, agent_id, request_id, event_type, subject, scope, domain, purpose, purpose_class,
              memory_ids::text[] AS memory_ids, grant_id, reason_code, meta
         FROM audit_events WHERE ${where} ORDER BY seq`,
      params,
    );

  const memoryExists = async (id: string): Promise<boolean> =>
    (await t.db.query(`SELECT 1 FROM scoped_memories WHERE id = $1`, [id])).length === 1;

  /** Moves a memory's expiry (and creation, keeping ttl_days) to `expiredAgo` before now. */
  const expire = async (id: string, expiredAgo: string): Promise<void> => {
    await t.db.query(
      `UPDATE scoped_memories
          SET expires_at = now() - $2::interval,
              created_at = now() - $2::interval - make_interval(days => ttl_days)
        WHERE id = $1`,
      [id, expiredAgo],
    );
  };

  const counts = async () => {
    const [row] = await t.db.query(
      `SELECT (SELECT count(*) FROM scoped_memories)::int AS memories,
              (SELECT count(*) FROM audit_events WHERE event_type = 'MEMORY_WRITE')::int AS writes`,
    );
    return row as { memories: number; writes: number };
  };

  describe('POST /memory', () => {
    let agent: TestAgent;
    beforeAll(async () => {
      agent = await t.newAgent();
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
      const [row] = await t.db.query(
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
      const rows = await t.db.query(`SELECT domain FROM scoped_memories WHERE subject = $1`, [subject]);
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

    it('ignores unknown body fields', async () => {
      const subject = uniqueName('extra');
      const res = await create(
        agent,
        memoryBody({ user_id: subject, app_id: 'someone-else', id: randomUUID(), value_shape: 'rules_list', foo: { bar: 1 } }),
      );
      expect(res.status).toBe(201);
      expect(Object.keys(res.body).sort()).toEqual(CREATED_KEYS);
      const [row] = await t.db.query(`SELECT id, user_id, value_shape FROM scoped_memories WHERE subject = $1`, [subject]);
      expect(row.id).toBe(res.body.id);
      expect(row.user_id).toBe(agent.userId);
      expect(row.value_shape).toBe('likes_dislikes');
    });

    it('requires an agent key', async () => {
      const before = await counts();
      const res = await t.http().post('/memory').send(memoryBody());
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
      const rows: { id: string }[] = await t.db.query(
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
      agent = await t.newAgent();
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
      const rows: { id: string; value_shape: string; value_json: unknown }[] = await t.db.query(
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
        const res = await t
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
        const listed = await t.http().get('/memory').query({ user_id: subject }).set(key(agent)).expect(200);
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
      agent = await t.newAgent();
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
      await rejects(memoryBody({ scope: undefined }), 'scope', SCOPE_MESSAGE);
    });

    it('rejects an invalid or missing source', async () => {
      for (const source of ['explicit', 'USER_SETTING', '', null, 1]) {
        const res = await rejects(memoryBody({ source }), 'source', SOURCE_MESSAGE);
        expect(res.body.detail).toBe(SOURCE_MESSAGE);
      }
      await rejects(memoryBody({ source: undefined }), 'source', SOURCE_MESSAGE);
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
        const res = await t.http().post('/memory').set(key(agent)).set('Content-Type', 'application/json').send(raw);
        expectProblem(res, 422);
        expect(await counts()).toEqual(before);
      }
    });
  });

  describe('GET /memory', () => {
    let agent: TestAgent;
    let subject: string;
    /** id by label, created oldest first. */
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      agent = await t.newAgent();
      subject = uniqueName('list');
      const specs: [string, MemoryBody][] = [
        ['prefNoDomain', { scope: 'preferences' }],
        ['prefFood', { scope: 'preferences', domain: 'food' }],
        ['constraintsFood', { scope: 'constraints', domain: 'food', value_json: ['no nuts'] }],
        ['prefTravel', { scope: 'preferences', domain: 'travel' }],
        ['scheduleNoDomain', { scope: 'schedule', value_json: [{ day: 'mon' }] }],
        ['expiredPref', { scope: 'preferences' }],
      ];
      for (const [label, overrides] of specs) ids[label] = (await created(agent, { user_id: subject, ...overrides })).id!;
      // Distinct, known creation times: oldest first in `specs` order.
      let minutesAgo = 60;
      for (const [label] of specs) {
        await t.db.query(
          `UPDATE scoped_memories SET created_at = now() - make_interval(mins => $2),
                                      expires_at = now() - make_interval(mins => $2) + make_interval(days => ttl_days)
            WHERE id = $1`,
          [ids[label], minutesAgo],
        );
        minutesAgo -= 5;
      }
      await expire(ids.expiredPref, '1 hour');
      // Another subject of the same tenant, never listed with this one.
      await created(agent, { user_id: `${subject}-other` });
    });

    it('lists the live memories of a subject newest first, with total, limit and offset', async () => {
      const res = await list(agent, { user_id: subject });
      expect(Object.keys(res).sort()).toEqual(['limit', 'memories', 'offset', 'total']);
      expect(res.memories.map((m) => m.id)).toEqual([
        ids.scheduleNoDomain,
        ids.prefTravel,
        ids.constraintsFood,
        ids.prefFood,
        ids.prefNoDomain,
      ]);
      expect(res.total).toBe(5);
      expect(res.limit).toBe(200);
      expect(res.offset).toBe(0);
      for (const m of res.memories) {
        expect(m.user_id).toBe(subject);
        expect(m.expired).toBe(false);
      }
      const times = res.memories.map((m) => Date.parse(m.created_at));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
    });

    it('filters by scope and domain (absent = all, empty = only domain-less)', async () => {
      const ofScope = await list(agent, { user_id: subject, scope: 'preferences' });
      expect(ofScope.memories.map((m) => m.id)).toEqual([ids.prefTravel, ids.prefFood, ids.prefNoDomain]);
      expect(ofScope.total).toBe(3);

      const food = await list(agent, { user_id: subject, domain: 'food' });
      expect(food.memories.map((m) => m.id)).toEqual([ids.constraintsFood, ids.prefFood]);

      const prefFood = await list(agent, { user_id: subject, scope: 'preferences', domain: 'food' });
      expect(prefFood.memories.map((m) => m.id)).toEqual([ids.prefFood]);

      const domainless = await list(agent, { user_id: subject, domain: '' });
      expect(domainless.memories.map((m) => m.id)).toEqual([ids.scheduleNoDomain, ids.prefNoDomain]);
      for (const m of domainless.memories) expect(m.domain).toBeNull();

      const domainlessPrefs = await list(agent, { user_id: subject, scope: 'preferences', domain: '' });
      expect(domainlessPrefs.memories.map((m) => m.id)).toEqual([ids.prefNoDomain]);

      // Domains match exactly.
      expect((await list(agent, { user_id: subject, domain: 'Food' })).total).toBe(0);
      expect((await list(agent, { user_id: subject, scope: 'attention' })).total).toBe(0);
    });

    it('includes expired memories, flagged, only with include_expired=true', async () => {
      const withExpired = await list(agent, { user_id: subject, include_expired: true });
      expect(withExpired.total).toBe(6);
      expect(withExpired.memories.map((m) => m.id)).toContain(ids.expiredPref);
      for (const m of withExpired.memories) expect(m.expired).toBe(m.id === ids.expiredPref);

      const without = await list(agent, { user_id: subject, include_expired: false });
      expect(without.total).toBe(5);
      expect(without.memories.map((m) => m.id)).not.toContain(ids.expiredPref);

      const prefsExpired = await list(agent, { user_id: subject, scope: 'preferences', domain: '', include_expired: true });
      expect(prefsExpired.memories.map((m) => m.id)).toEqual([ids.prefNoDomain, ids.expiredPref]);
    });

    it('pages with limit and offset; total counts every match', async () => {
      const all = (await list(agent, { user_id: subject })).memories.map((m) => m.id);
      const page = await list(agent, { user_id: subject, limit: 2, offset: 1 });
      expect(page.memories.map((m) => m.id)).toEqual(all.slice(1, 3));
      expect(page.total).toBe(5);
      expect(page.limit).toBe(2);
      expect(page.offset).toBe(1);
      const last = await list(agent, { user_id: subject, limit: 2, offset: 4 });
      expect(last.memories.map((m) => m.id)).toEqual(all.slice(4));
      const beyond = await list(agent, { user_id: subject, offset: 10 });
      expect(beyond.memories).toEqual([]);
      expect(beyond.total).toBe(5);
    });

    it('answers 422 without user_id or with invalid filters', async () => {
      expectValidationProblem(await t.http().get('/memory').set(key(agent)), 'user_id', /user_id/);
      expectValidationProblem(await t.http().get('/memory').query({ user_id: '' }).set(key(agent)), 'user_id', /user_id/);
      expectValidationProblem(await t.http().get('/memory').query({ user_id: 'a b' }).set(key(agent)), 'user_id', /user_id/);
      expectValidationProblem(
        await t.http().get('/memory').query({ user_id: subject, scope: 'bogus' }).set(key(agent)),
        'scope',
        SCOPE_MESSAGE,
      );
      expectValidationProblem(
        await t.http().get('/memory').query({ user_id: subject, domain: 'bad!' }).set(key(agent)),
        'domain',
        /domain/,
      );
      expectValidationProblem(
        await t.http().get('/memory').query({ user_id: subject, include_expired: 'maybe' }).set(key(agent)),
        'include_expired',
        /include_expired/,
      );
      for (const q of [{ limit: 0 }, { limit: 1001 }, { limit: 'x' }, { offset: -1 }]) {
        expectProblem(await t.http().get('/memory').query({ user_id: subject, ...q }).set(key(agent)), 422);
      }
    });

    it('audits each list as MEMORY_LIST with the listed ids', async () => {
      const rid = `list-${randomUUID()}`;
      const res = await t
        .http()
        .get('/memory')
        .query({ user_id: subject, scope: 'preferences', domain: 'food' })
        .set(key(agent))
        .set('X-Request-ID', rid)
        .expect(200);
      const rows = await audits(`event_type = 'MEMORY_LIST' AND request_id = $1`, [rid]);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        user_id: agent.userId,
        agent_id: agent.agentId,
        subject,
        scope: 'preferences',
        domain: 'food',
        memory_ids: res.body.memories.map((m: ListedMemory) => m.id),
      });
      expect(rows[0].memory_ids).toEqual([ids.prefFood]);
    });
  });

  describe('DELETE /memory/{id}', () => {
    it('deletes one memory (204), then 404; audited as MEMORY_DELETE', async () => {
      const agent = await t.newAgent();
      const subject = uniqueName('del');
      const keep = await created(agent, { user_id: subject });
      const gone = await created(agent, { user_id: subject, scope: 'constraints', domain: 'diet', value_json: ['x'] });
      const rid = `del-${randomUUID()}`;

      const res = await t.http().delete(`/memory/${gone.id}`).set(key(agent)).set('X-Request-ID', rid);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect(await memoryExists(gone.id!)).toBe(false);
      expect(await memoryExists(keep.id!)).toBe(true);
      expect((await list(agent, { user_id: subject, include_expired: true })).memories.map((m) => m.id)).toEqual([keep.id]);

      const again = await t.http().delete(`/memory/${gone.id}`).set(key(agent));
      expectProblem(again, 404, 'Memory not found');
      expectProblem(await t.http().delete(`/memory/${randomUUID()}`).set(key(agent)), 404);

      const rows = await audits(`event_type = 'MEMORY_DELETE' AND user_id = $1`, [agent.userId]);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        agent_id: agent.agentId,
        request_id: rid,
        subject,
        scope: 'constraints',
        domain: 'diet',
        memory_ids: [gone.id],
      });
    });

    it('deletes an expired memory too, and accepts an upper-case UUID', async () => {
      const agent = await t.newAgent();
      const m = await created(agent, { user_id: uniqueName('del-exp') });
      await expire(m.id!, '2 days');
      await t.http().delete(`/memory/${m.id!.toUpperCase()}`).set(key(agent)).expect(204);
      expect(await memoryExists(m.id!)).toBe(false);
    });

    it('answers 422 for an id that is not a UUID', async () => {
      const agent = await t.newAgent();
      for (const id of ['not-a-uuid', '123', `${randomUUID()}x`]) {
        const res = await t.http().delete(`/memory/${id}`).set(key(agent));
        expectValidationProblem(res, 'id', /UUID/);
      }
      expect(await audits(`event_type = 'MEMORY_DELETE' AND user_id = $1`, [agent.userId])).toHaveLength(0);
    });
  });

  describe('erasure and export of a subject', () => {
    let agent: TestAgent;
    let subject: string;
    let otherSubject: string;
    let token: string;
    let memoryIds: string[];
    let otherId: string;

    beforeAll(async () => {
      agent = await t.newAgent();
      subject = uniqueName('erase');
      otherSubject = uniqueName('keep');
      memoryIds = [
        (await created(agent, { user_id: subject, value_json: { likes: ['tea'] } })).id!,
        (await created(agent, { user_id: subject, scope: 'schedule', domain: 'work', value_json: [{ day: 'mon' }] })).id!,
        (await created(agent, { user_id: subject, value_json: { likes: ['old'] } })).id!,
      ];
      await expire(memoryIds[2], '3 days');
      otherId = (await created(agent, { user_id: otherSubject })).id!;

      const read = await t
        .http()
        .post('/memory/read')
        .set(key(agent))
        .send({ user_id: subject, scope: 'preferences', purpose_class: 'recommendation', purpose: 'suggest drinks' })
        .expect(200);
      token = read.body.revocation_token;
      expect(typeof token).toBe('string');
      expect(read.body.summary_struct.likes).toEqual(['tea']);
      await t
        .http()
        .post('/memory/read')
        .set(key(agent))
        .send({ user_id: otherSubject, scope: 'preferences', purpose_class: 'recommendation' })
        .expect(200);
    });

    it('exports memories (expired included) and grants, never a token or its hash; audited as SUBJECT_EXPORT', async () => {
      const rid = `export-${randomUUID()}`;
      const res = await t.http().get('/memory/export').query({ user_id: subject }).set(key(agent)).set('X-Request-ID', rid);
      expect(res.status).toBe(200);
      expect(res.body.user_id).toBe(subject);
      expect(res.body.exported_at).toMatch(RFC3339_UTC);
      const exported = res.body.memories as ListedMemory[];
      expect(exported.map((m) => m.id).sort()).toEqual([...memoryIds].sort());
      for (const m of exported) {
        expect(Object.keys(m).sort()).toEqual(MEMORY_KEYS);
        expect(m.expired).toBe(m.id === memoryIds[2]);
      }
      expect(exported.find((m) => m.id === memoryIds[1])).toMatchObject({
        scope: 'schedule',
        domain: 'work',
        shape: 'schedule_windows',
        value: [{ day: 'mon' }],
      });
      expect(res.body.grants).toHaveLength(1);
      const [grant] = res.body.grants;
      expect(Object.keys(grant).sort()).toEqual(GRANT_KEYS);
      expect(grant).toMatchObject({
        user_id: subject,
        scope: 'preferences',
        domain: null,
        purpose_class: 'recommendation',
        agent_id: agent.agentId,
        revoked_at: null,
      });
      const tokenHash = createHash('sha256').update(token, 'utf8').digest('hex');
      expect(res.text).not.toContain(token);
      expect(res.text).not.toContain(tokenHash);
      expect(res.text.toLowerCase()).not.toContain('token');
      // Another subject's data is not in the export.
      expect(res.text).not.toContain(otherId);
      expect(res.text).not.toContain(otherSubject);

      const rows = await audits(`event_type = 'SUBJECT_EXPORT' AND request_id = $1`, [rid]);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ user_id: agent.userId, agent_id: agent.agentId, subject });
      expect([...(rows[0].memory_ids ?? [])].sort()).toEqual([...memoryIds].sort());
    });

    it('GET /memory/export answers 422 without user_id', async () => {
      expectValidationProblem(await t.http().get('/memory/export').set(key(agent)), 'user_id', /user_id/);
    });

    it('DELETE /memory?user_id= erases the subject’s memories and grants only; audited as SUBJECT_ERASE', async () => {
      const grantsBefore = await t.http().get('/memory/grants').query({ user_id: subject }).set(key(agent)).expect(200);
      expect(grantsBefore.body.grants).toHaveLength(1);

      const rid = `erase-${randomUUID()}`;
      const res = await t.http().delete('/memory').query({ user_id: subject }).set(key(agent)).set('X-Request-ID', rid);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ deleted: 3 });

      const [left] = await t.db.query(
        `SELECT (SELECT count(*) FROM scoped_memories WHERE user_id = $1 AND subject = $2)::int AS memories,
                (SELECT count(*) FROM read_grants WHERE user_id = $1 AND subject = $2)::int AS grants`,
        [agent.userId, subject],
      );
      expect(left).toEqual({ memories: 0, grants: 0 });
      expect((await list(agent, { user_id: subject, include_expired: true })).total).toBe(0);
      const grantsAfter = await t.http().get('/memory/grants').query({ user_id: subject }).set(key(agent)).expect(200);
      expect(grantsAfter.body.grants).toEqual([]);
      // The token is gone with its grant.
      expectProblem(
        await t.http().post('/memory/read/continue').set(key(agent)).send({ revocation_token: token }),
        404,
        /Revocation token not found/,
      );
      const exported = await t.http().get('/memory/export').query({ user_id: subject }).set(key(agent)).expect(200);
      expect(exported.body.memories).toEqual([]);
      expect(exported.body.grants).toEqual([]);

      // The other subject is untouched.
      expect(await memoryExists(otherId)).toBe(true);
      const [otherGrants] = await t.db.query(
        `SELECT count(*)::int AS n FROM read_grants WHERE user_id = $1 AND subject = $2`,
        [agent.userId, otherSubject],
      );
      expect(otherGrants.n).toBe(1);

      const rows = await audits(`event_type = 'SUBJECT_ERASE' AND request_id = $1`, [rid]);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ user_id: agent.userId, agent_id: agent.agentId, subject });
      expect([...(rows[0].memory_ids ?? [])].sort()).toEqual([...memoryIds].sort());
      expect(rows[0].meta).toMatchObject({ memories: 3, grants: 1 });

      // Erasing again deletes nothing.
      const again = await t.http().delete('/memory').query({ user_id: subject }).set(key(agent)).expect(200);
      expect(again.body).toEqual({ deleted: 0 });
    });

    it('DELETE /memory answers 422 without a valid user_id', async () => {
      const before = await counts();
      expectValidationProblem(await t.http().delete('/memory').set(key(agent)), 'user_id', /user_id/);
      expectValidationProblem(await t.http().delete('/memory').query({ user_id: '  ' }).set(key(agent)), 'user_id', /user_id/);
      expect(await counts()).toEqual(before);
      expect(await memoryExists(otherId)).toBe(true);
    });
  });

  describe('tenant isolation', () => {
    it('a tenant never lists, reads, exports, erases or deletes another tenant’s memories about the same subject', async () => {
      const a = await t.newAgent();
      const b = await t.newAgent();
      expect(a.userId).not.toBe(b.userId);
      const subject = uniqueName('shared-subject');

      const aPref = await created(a, { user_id: subject, value_json: { likes: ['secret-a'] } });
      const aRules = await created(a, { user_id: subject, scope: 'constraints', value_json: ['a-rule'] });
      const aRead = await t
        .http()
        .post('/memory/read')
        .set(key(a))
        .send({ user_id: subject, scope: 'preferences', purpose_class: 'recommendation' })
        .expect(200);
      expect(aRead.body.summary_struct.likes).toEqual(['secret-a']);

      // B sees nothing.
      const bList = await list(b, { user_id: subject, include_expired: true });
      expect(bList).toMatchObject({ memories: [], total: 0 });
      const bRead = await t
        .http()
        .post('/memory/read')
        .set(key(b))
        .send({ user_id: subject, scope: 'preferences', purpose_class: 'recommendation' })
        .expect(200);
      expect(bRead.body.summary_text).toBe('No memories found.');
      expect(bRead.body.confidence).toBe(0);
      expect(JSON.stringify(bRead.body)).not.toContain('secret-a');
      const bExport = await t.http().get('/memory/export').query({ user_id: subject }).set(key(b)).expect(200);
      expect(bExport.body.memories).toEqual([]);
      // B's own read grant only; A's grant is not there.
      expect(bExport.body.grants).toHaveLength(1);
      expect(bExport.body.grants[0].agent_id).toBe(b.agentId);
      expect(bExport.text).not.toContain(aPref.id);
      const bGrants = await t.http().get('/memory/grants').query({ user_id: subject }).set(key(b)).expect(200);
      expect(bGrants.body.grants.map((g: { agent_id: string }) => g.agent_id)).toEqual([b.agentId]);

      // B cannot continue or revoke A's grant.
      expectProblem(
        await t.http().post('/memory/read/continue').set(key(b)).send({ revocation_token: aRead.body.revocation_token }),
        404,
        /Revocation token not found/,
      );
      expectProblem(
        await t.http().post('/memory/revoke').set(key(b)).send({ revocation_token: aRead.body.revocation_token }),
        404,
      );

      // B cannot delete A's memory by id.
      expectProblem(await t.http().delete(`/memory/${aPref.id}`).set(key(b)), 404, 'Memory not found');
      expect(await memoryExists(aPref.id!)).toBe(true);
      expect(await audits(`event_type = 'MEMORY_DELETE' AND user_id = $1`, [b.userId])).toHaveLength(0);

      // B's erase deletes only B's memories about the subject.
      const bOwn = await created(b, { user_id: subject, value_json: { likes: ['b-thing'] } });
      const erased = await t.http().delete('/memory').query({ user_id: subject }).set(key(b)).expect(200);
      expect(erased.body).toEqual({ deleted: 1 });
      expect(await memoryExists(bOwn.id!)).toBe(false);
      expect(await memoryExists(aPref.id!)).toBe(true);
      expect(await memoryExists(aRules.id!)).toBe(true);

      // A still has everything, including the grant.
      const aList = await list(a, { user_id: subject });
      expect(aList.memories.map((m) => m.id).sort()).toEqual([aPref.id, aRules.id].sort());
      const aContinue = await t
        .http()
        .post('/memory/read/continue')
        .set(key(a))
        .send({ revocation_token: aRead.body.revocation_token })
        .expect(200);
      expect(aContinue.body.summary_struct.likes).toEqual(['secret-a']);
      const aExport = await t.http().get('/memory/export').query({ user_id: subject }).set(key(a)).expect(200);
      expect(aExport.body.memories).toHaveLength(2);
      expect(aExport.body.grants).toHaveLength(1);
      expect(aExport.text).not.toContain(bOwn.id);
    });

    it('agents of the same user share the tenant', async () => {
      const a = await t.newAgent();
      const sibling = await t
        .http()
        .post(`/admin/users/${a.userId}/agents`)
        .set('Authorization', `Bearer ${t.adminToken}`)
        .send({ name: uniqueName('sibling') })
        .expect(201);
      const siblingKey = { 'X-Api-Key': sibling.body.api_key as string };
      const subject = uniqueName('shared');
      const m = await created(a, { user_id: subject, value_json: { likes: ['shared-like'] } });

      const listed = await t.http().get('/memory').query({ user_id: subject }).set(siblingKey).expect(200);
      expect(listed.body.memories.map((x: ListedMemory) => x.id)).toEqual([m.id]);
      const read = await t
        .http()
        .post('/memory/read')
        .set(siblingKey)
        .send({ user_id: subject, scope: 'preferences', purpose_class: 'content_generation' })
        .expect(200);
      expect(read.body.summary_struct.likes).toEqual(['shared-like']);

      // A memory the sibling writes is A's too, and the sibling may delete A's.
      const bySibling = await t.http().post('/memory').set(siblingKey).send(memoryBody({ user_id: subject })).expect(201);
      const [row] = await t.db.query(`SELECT user_id, created_by_agent_id FROM scoped_memories WHERE id = $1`, [
        bySibling.body.id,
      ]);
      expect(row).toEqual({ user_id: a.userId, created_by_agent_id: sibling.body.id });
      expect((await list(a, { user_id: subject })).total).toBe(2);
      await t.http().delete(`/memory/${m.id}`).set(siblingKey).expect(204);
      expect(await memoryExists(m.id!)).toBe(false);
      const [event] = await audits(`event_type = 'MEMORY_DELETE' AND user_id = $1`, [a.userId]);
      expect(event.agent_id).toBe(sibling.body.id);
    });
  });

  describe('TTL and expiry', () => {
    it('an expired memory is not merged by a read, and is flagged expired in the list', async () => {
      const agent = await t.newAgent();
      const subject = uniqueName('ttl');
      const live = await created(agent, { user_id: subject, value_json: { likes: ['tea'] } });
      const old = await created(agent, { user_id: subject, value_json: { likes: ['coffee'], dislikes: ['milk'] } });

      const readBody = { user_id: subject, scope: 'preferences', purpose_class: 'recommendation' };
      const before = await t.http().post('/memory/read').set(key(agent)).send(readBody).expect(200);
      expect(before.body.summary_struct).toEqual({ likes: ['coffee', 'tea'], dislikes: ['milk'], settings: {} });
      expect(before.body.confidence).toBe(0.7);

      await expire(old.id!, '1 second');
      const rid = `ttl-read-${randomUUID()}`;
      const after = await t.http().post('/memory/read').set(key(agent)).set('X-Request-ID', rid).send(readBody).expect(200);
      expect(after.body.summary_text).toBe('Likes: 1, Dislikes: 0, Settings: 0');
      expect(after.body.summary_struct).toEqual({ likes: ['tea'], dislikes: [], settings: {} });
      expect(after.body.confidence).toBe(0.6);
      const [event] = await audits(`event_type = 'MEMORY_READ' AND request_id = $1`, [rid]);
      expect(event.memory_ids).toEqual([live.id]);

      // Continue under the earlier grant does not see it either.
      const cont = await t
        .http()
        .post('/memory/read/continue')
        .set(key(agent))
        .send({ revocation_token: before.body.revocation_token })
        .expect(200);
      expect(cont.body.summary_struct).toEqual({ likes: ['tea'], dislikes: [], settings: {} });

      const listed = await list(agent, { user_id: subject, include_expired: true });
      const byId = new Map(listed.memories.map((m) => [m.id, m]));
      expect(byId.get(old.id!)!.expired).toBe(true);
      expect(Date.parse(byId.get(old.id!)!.expires_at)).toBeLessThan(Date.now());
      expect(byId.get(live.id!)!.expired).toBe(false);
      expect((await list(agent, { user_id: subject })).memories.map((m) => m.id)).toEqual([live.id]);

      // When everything has expired, nothing is found.
      await expire(live.id!, '1 minute');
      const none = await t.http().post('/memory/read').set(key(agent)).send(readBody).expect(200);
      expect(none.body.summary_text).toBe('No memories found.');
      expect(none.body.summary_struct).toEqual({});
      expect(none.body.confidence).toBe(0);
    });

    it('the retention sweep deletes memories expired longer than MEMORY_RETENTION_DAYS (30) ago and keeps the rest', async () => {
      expect(t.config.memoryRetentionDays).toBe(30);
      const agent = await t.newAgent();
      const other = await t.newAgent();
      const subject = uniqueName('sweep');
      const longExpired = await created(agent, { user_id: subject });
      const longExpiredOtherTenant = await created(other, { user_id: subject });
      const recentlyExpired = await created(agent, { user_id: subject });
      const justInside = await created(agent, { user_id: subject });
      const live = await created(agent, { user_id: subject });
      await expire(longExpired.id!, '31 days');
      await expire(longExpiredOtherTenant.id!, '45 days');
      await expire(recentlyExpired.id!, '29 days');
      await expire(justInside.id!, '29 days 23 hours');

      const removed = await t.app.get(RetentionSweep).sweep();
      expect(removed.memories).toBeGreaterThanOrEqual(2);
      expect(await memoryExists(longExpired.id!)).toBe(false);
      expect(await memoryExists(longExpiredOtherTenant.id!)).toBe(false);
      expect(await memoryExists(recentlyExpired.id!)).toBe(true);
      expect(await memoryExists(justInside.id!)).toBe(true);
      expect(await memoryExists(live.id!)).toBe(true);

      const listed = await list(agent, { user_id: subject, include_expired: true });
      expect(listed.memories.map((m) => m.id).sort()).toEqual([recentlyExpired.id, justInside.id, live.id].sort());

      // Idempotent: a second sweep deletes nothing more of these.
      await t.app.get(RetentionSweep).sweep();
      expect(await memoryExists(recentlyExpired.id!)).toBe(true);
    });
  });
});

describe('scoped memories with MEMORY_RETENTION_DAYS=0', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ MEMORY_RETENTION_DAYS: '0' });
  });
  afterAll(() => t.close());

  it('the sweep deletes anything expired and keeps live memories', async () => {
    expect(t.config.memoryRetentionDays).toBe(0);
    const agent = await t.newAgent();
    const post = (body: MemoryBody) => t.http().post('/memory').set(key(agent)).send(memoryBody(body)).expect(201);
    const expired = (await post({ user_id: 's0' })).body.id as string;
    const live = (await post({ user_id: 's0' })).body.id as string;
    await t.db.query(`UPDATE scoped_memories SET expires_at = now() - interval '1 second' WHERE id = $1`, [expired]);

    const removed = await t.app.get(RetentionSweep).sweep();
    expect(removed.memories).toBe(1);
    const rows: { id: string }[] = await t.db.query(`SELECT id FROM scoped_memories`);
    expect(rows.map((r) => r.id)).toEqual([live]);
  });
});

describe('scoped memory expiry when the database session is not in UTC', () => {
  let t: TestApp;
  const previous = process.env.PGOPTIONS;

  beforeAll(async () => {
    // A PostgreSQL server configured with a local time zone (with daylight saving time).
    process.env.PGOPTIONS = '-c TimeZone=America/New_York';
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
    if (previous === undefined) delete process.env.PGOPTIONS;
    else process.env.PGOPTIONS = previous;
  });

  it('expires_at - created_at is exactly ttl_days × 24 h, also when the expiry falls after a DST change', async () => {
    // The server default (PGOPTIONS) says New York; the service's own sessions are pinned to UTC.
    const probe = new Client({ connectionString: t.config.databaseUrl });
    await probe.connect();
    const [{ TimeZone: serverDefault }] = (await probe.query<{ TimeZone: string }>('SHOW TimeZone')).rows;
    await probe.end();
    expect(serverDefault).toBe('America/New_York');
    const [{ TimeZone }] = await t.db.query('SHOW TimeZone');
    expect(TimeZone).toBe('UTC');
    // The ttl_days whose expiry has another UTC offset in New York than now, whatever today is.
    const offset = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', timeZoneName: 'shortOffset' });
    const offsetAt = (ms: number) => offset.formatToParts(ms).find((p) => p.type === 'timeZoneName')!.value;
    const now = Date.now();
    const crossing = Array.from({ length: 365 }, (_, i) => i + 1).filter((d) => offsetAt(now + d * DAY_MS) !== offsetAt(now));
    expect(crossing.length).toBeGreaterThan(0);
    const ttls = [...new Set([1, 30, 365, crossing[0], crossing[crossing.length - 1]])];

    const agent = await t.newAgent();
    const wrong: { ttl_days: number; hours: number }[] = [];
    for (const ttl of ttls) {
      const res = await t.http().post('/memory').set(key(agent)).send(memoryBody({ user_id: 'dst', ttl_days: ttl }));
      expect(res.status).toBe(201);
      const hours = (Date.parse(res.body.expires_at) - Date.parse(res.body.created_at)) / 3_600_000;
      if (hours !== ttl * 24) wrong.push({ ttl_days: ttl, hours });
    }
    expect(wrong).toEqual([]);
  });
});
