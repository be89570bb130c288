import { createHash, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { Response } from 'supertest';
import { startTestApp, TestAgent, TestApp, uniqueName } from './support/test-app';

/*
 * MemoryScope v1 scoped reads (issue 3, spec §2.1–§2.12): the purpose policy,
 * the deterministic merge, revocable read grants and their audit trail, over
 * HTTP against real PostgreSQL. Expected values are written out here, never
 * imported from src/, so a change to the service's constants fails the suite.
 */

const SCOPES = ['preferences', 'constraints', 'communication', 'accessibility', 'schedule', 'attention'] as const;
type Scope = (typeof SCOPES)[number];
const CLASSES = [
  'content_generation',
  'recommendation',
  'scheduling',
  'ui_rendering',
  'notification_delivery',
  'task_execution',
] as const;
type PurposeClass = (typeof CLASSES)[number];

/** Spec §2.1: scope -> allowed purpose classes; everything else is denied. */
const MATRIX: Record<Scope, PurposeClass[]> = {
  preferences: ['content_generation', 'recommendation'],
  constraints: ['recommendation', 'scheduling', 'task_execution'],
  communication: ['content_generation', 'ui_rendering', 'notification_delivery'],
  accessibility: ['content_generation', 'ui_rendering', 'notification_delivery'],
  schedule: ['scheduling', 'task_execution'],
  attention: ['ui_rendering', 'notification_delivery'],
};

/** Spec §2.2: ordered keyword rules (applied to words since issue 3). */
const RULES = [
  { purpose_class: 'content_generation', keywords: ['content', 'generate', 'create', 'write'] },
  { purpose_class: 'recommendation', keywords: ['recommend', 'suggest', 'recommendation'] },
  { purpose_class: 'scheduling', keywords: ['scheduling', 'schedule', 'calendar', 'time'] },
  { purpose_class: 'ui_rendering', keywords: ['ui', 'render', 'display', 'show'] },
  { purpose_class: 'notification_delivery', keywords: ['notify', 'notification', 'alert'] },
  { purpose_class: 'task_execution', keywords: ['task', 'execute', 'action', 'run'] },
];

/** Spec §2.8, `{"key":"value"}` stored in each scope. */
const KEY_VALUE_SUMMARY: Record<Scope, string> = {
  preferences: 'Likes: 0, Dislikes: 0, Settings: 1',
  constraints: 'Rules: 0, Constraints: 1',
  communication: 'Communication preferences: 1 settings',
  accessibility: 'Accessibility: 0 flags, 1 settings',
  schedule: 'Schedule: 0 time windows',
  attention: 'Attention settings: 1 preferences',
};

const SCOPE_RULE = 'scope must be one of preferences, constraints, communication, accessibility, schedule, attention';
const RESULT_KEYS = ['confidence', 'expires_at', 'revocation_token', 'summary_struct', 'summary_text'];
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
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const HOUR = 3_600_000;

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sorted = (ids: string[]) => [...ids].sort();
const isAllowed = (scope: Scope, purposeClass: PurposeClass) => MATRIX[scope].includes(purposeClass);

interface AuditRow {
  seq: string;
  event_type: string;
  user_id: string | null;
  agent_id: string | null;
  request_id: string | null;
  subject: string | null;
  scope: string | null;
  domain: string | null;
  purpose: string | null;
  purpose_class: string | null;
  memory_ids: string[] | null;
  grant_id: string | null;
  reason_code: string | null;
}

interface GrantRow {
  id: string;
  user_id: string;
  token_hash: string;
  subject: string;
  scope: string;
  domain: string | null;
  purpose: string | null;
  purpose_class: string;
  max_age_days: number | null;
  agent_id: string | null;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  revoke_reason: string | null;
}

/**
 * Waits until the sessions blocked on a row lock stop growing (every request that
 * could start has started and is waiting), at most a few seconds.
 */
async function waitForLockWaiters(client: Client): Promise<number> {
  let last = -1;
  let stable = 0;
  for (let i = 0; i < 100 && stable < 5; i += 1) {
    await sleep(50);
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
    );
    const n = rows[0].n;
    stable = n > 0 && n === last ? stable + 1 : 0;
    last = n;
  }
  return last;
}

/** Asserts an RFC 9457 problem with the given status and (exact or matching) detail. */
function expectProblem(res: Response, status: number, detail: string | RegExp): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.status).toBe(status);
  if (typeof detail === 'string') expect(res.body.detail).toBe(detail);
  else expect(res.body.detail).toMatch(detail);
}

function expectRevoked(res: Response): void {
  expectProblem(res, 403, 'REVOKED');
  expect(res.body.code).toBe('forbidden');
  expect(res.body).not.toHaveProperty('summary_struct');
}

/** Everything one app-backed suite needs: requests as an agent, and direct SQL. */
function harness(getApp: () => TestApp) {
  const t = () => getApp();

  const api = (agent: TestAgent) => ({
    store: (body: Record<string, unknown>) =>
      t().http().post('/memory').set('X-Api-Key', agent.apiKey).send(body),
    read: (body: Record<string, unknown>) => t().http().post('/memory/read').set('X-Api-Key', agent.apiKey).send(body),
    continueRead: (body: Record<string, unknown>) =>
      t().http().post('/memory/read/continue').set('X-Api-Key', agent.apiKey).send(body),
    revoke: (token: string) =>
      t().http().post('/memory/revoke').set('X-Api-Key', agent.apiKey).send({ revocation_token: token }),
    revokeAll: (subject: string) =>
      t().http().post('/memory/revoke-all').set('X-Api-Key', agent.apiKey).send({ user_id: subject }),
    grants: (subject: string) =>
      t().http().get('/memory/grants').query({ user_id: subject }).set('X-Api-Key', agent.apiKey),
  });

  /** Stores one memory and returns its id. */
  async function store(
    agent: TestAgent,
    subject: string,
    scope: Scope,
    value: unknown,
    domain?: string | null,
  ): Promise<string> {
    const body: Record<string, unknown> = {
      user_id: subject,
      scope,
      source: 'explicit_user_input',
      ttl_days: 30,
      value_json: value,
    };
    if (domain !== undefined) body.domain = domain;
    const res = await api(agent).store(body);
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  /**
   * Stores memories oldest first, then spaces their created_at one minute apart
   * (the last one newest) so that "newest wins" never depends on a tie.
   */
  async function storeSeries(
    agent: TestAgent,
    subject: string,
    scope: Scope,
    values: unknown[],
    domain?: string | null,
  ): Promise<string[]> {
    const ids: string[] = [];
    for (const v of values) ids.push(await store(agent, subject, scope, v, domain));
    for (const [i, id] of ids.entries()) {
      await setAge(id, (ids.length - i) * 60);
    }
    return ids;
  }

  /** Moves a memory's created_at `seconds` into the past (expires_at unchanged). */
  async function setAge(id: string, seconds: number): Promise<void> {
    await t().db.query(`UPDATE scoped_memories SET created_at = now() - make_interval(secs => $2) WHERE id = $1`, [
      id,
      seconds,
    ]);
  }

  /** A successful read: asserts 200 and the response shape. */
  async function readOk(agent: TestAgent, body: Record<string, unknown>) {
    const res = await api(agent).read(body);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(RESULT_KEYS);
    expect(res.body.revocation_token).toMatch(TOKEN);
    return res;
  }

  async function auditByRequest(res: Response): Promise<AuditRow[]> {
    const rid = res.headers['x-request-id'];
    expect(typeof rid).toBe('string');
    return t().db.query(
      `SELECT seq::text AS seq, event_type, user_id, agent_id, request_id, subject, scope, domain, purpose,
              purpose_class, memory_ids::text[] AS memory_ids, grant_id, reason_code
         FROM audit_events WHERE request_id = $1 ORDER BY seq`,
      [rid],
    );
  }

  async function auditByGrant(grantId: string): Promise<AuditRow[]> {
    return t().db.query(
      `SELECT seq::text AS seq, event_type, user_id, agent_id, request_id, subject, scope, domain, purpose,
              purpose_class, memory_ids::text[] AS memory_ids, grant_id, reason_code
         FROM audit_events WHERE grant_id = $1 ORDER BY seq`,
      [grantId],
    );
  }

  async function grantByToken(token: string): Promise<GrantRow> {
    const rows: GrantRow[] = await t().db.query(`SELECT * FROM read_grants WHERE token_hash = $1`, [sha256(token)]);
    expect(rows).toHaveLength(1);
    return rows[0];
  }

  async function grantCount(tenant: TestAgent): Promise<number> {
    const rows: { n: number }[] = await t().db.query(`SELECT count(*)::int AS n FROM read_grants WHERE user_id = $1`, [
      tenant.userId,
    ]);
    return rows[0].n;
  }

  async function auditCount(tenant: TestAgent): Promise<number> {
    const rows: { n: number }[] = await t().db.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE user_id = $1`,
      [tenant.userId],
    );
    return rows[0].n;
  }

  return { api, store, storeSeries, setAge, readOk, auditByRequest, auditByGrant, grantByToken, grantCount, auditCount };
}

describe('MemoryScope v1: policy-gated merged reads and revocable read grants', () => {
  let t: TestApp;
  let agent: TestAgent;
  const h = harness(() => t);
  const api = () => h.api(agent);
  const subject = () => uniqueName('subj');

  beforeAll(async () => {
    t = await startTestApp();
    agent = await t.newAgent();
  });
  afterAll(() => t.close());

  describe('GET /policy', () => {
    it('is public and returns the 6×6 matrix, the classification rules and unmatched_purpose deny', async () => {
      const res = await t.http().get('/policy').expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body.matrix).toEqual(MATRIX);
      expect(Object.keys(res.body.matrix)).toEqual([...SCOPES]);
      expect(res.body.classification).toEqual(RULES);
      expect(res.body.unmatched_purpose).toBe('deny');
      expect(res.body.scopes).toEqual([...SCOPES]);
      expect(res.body.purpose_classes).toEqual([...CLASSES]);

      // Every one of the 36 cells is decided by the matrix.
      let allowed = 0;
      for (const scope of SCOPES) {
        for (const c of res.body.matrix[scope] as string[]) {
          expect(CLASSES).toContain(c);
          allowed += 1;
        }
      }
      expect(allowed).toBe(15);
    });
  });

  describe('the policy matrix, cell by cell (explicit purpose_class)', () => {
    const matrixSubject = uniqueName('matrix');
    beforeAll(async () => {
      for (const scope of SCOPES) await h.store(agent, matrixSubject, scope, { key: 'value' });
    });

    const cells = SCOPES.flatMap((scope) => CLASSES.map((pc) => [scope, pc, isAllowed(scope, pc)] as const));
    it('has 36 cells, 15 allowed', () => {
      expect(cells).toHaveLength(36);
      expect(cells.filter(([, , allowed]) => allowed)).toHaveLength(15);
    });

    it.each(cells)('%s × %s (allowed: %s)', async (scope, purposeClass, allowed) => {
      const grantsBefore = await h.grantCount(agent);
      const res = await api().read({ user_id: matrixSubject, scope, purpose_class: purposeClass });
      const audit = await h.auditByRequest(res);
      expect(audit).toHaveLength(1);
      const [row] = audit;
      expect(row).toMatchObject({
        event_type: 'MEMORY_READ',
        user_id: agent.userId,
        agent_id: agent.agentId,
        subject: matrixSubject,
        scope,
        purpose_class: purposeClass,
      });
      if (allowed) {
        expect(res.status).toBe(200);
        expect(res.body.summary_text).toBe(KEY_VALUE_SUMMARY[scope]);
        expect(res.body.confidence).toBe(0.6);
        expect(await h.grantCount(agent)).toBe(grantsBefore + 1);
        const grant = await h.grantByToken(res.body.revocation_token);
        expect(grant).toMatchObject({ scope, purpose_class: purposeClass, subject: matrixSubject });
        expect(row.reason_code).toBeNull();
        expect(row.grant_id).toBe(grant.id);
      } else {
        expectProblem(res, 403, `Purpose class '${purposeClass}' not allowed for scope '${scope}'`);
        expect(res.body.code).toBe('forbidden');
        expect(res.body).not.toHaveProperty('revocation_token');
        expect(res.body).not.toHaveProperty('summary_struct');
        expect(row.reason_code).toBe('POLICY_DENIED');
        expect(row.grant_id).toBeNull();
        expect(row.memory_ids).toBeNull();
        expect(await h.grantCount(agent)).toBe(grantsBefore);
      }
    });
  });

  describe('purpose classification (words, fail closed)', () => {
    /** [purpose, class, a scope that allows it, a scope that denies it] */
    const classified: [string, PurposeClass, Scope, Scope][] = [
      ['generate personalized food recommendations', 'content_generation', 'preferences', 'schedule'],
      ['make recommendations', 'recommendation', 'preferences', 'communication'],
      ['render UI', 'ui_rendering', 'communication', 'preferences'],
      ['ui rendering', 'ui_rendering', 'attention', 'constraints'],
      ['send notifications', 'notification_delivery', 'attention', 'preferences'],
      ['notification delivery', 'notification_delivery', 'accessibility', 'schedule'],
      ['schedule meeting', 'scheduling', 'schedule', 'preferences'],
      ['execute task', 'task_execution', 'schedule', 'attention'],
      ['Show-time!', 'scheduling', 'constraints', 'communication'],
    ];

    it.each(classified)('"%s" → %s', async (purpose, purposeClass, allowedScope, deniedScope) => {
      const s = subject();
      const ok = await h.readOk(agent, { user_id: s, scope: allowedScope, purpose });
      const [row] = await h.auditByRequest(ok);
      expect(row).toMatchObject({ event_type: 'MEMORY_READ', purpose, purpose_class: purposeClass, reason_code: null });
      const grant = await h.grantByToken(ok.body.revocation_token);
      expect(grant.purpose_class).toBe(purposeClass);
      expect(grant.purpose).toBe(purpose);

      const denied = await api().read({ user_id: s, scope: deniedScope, purpose });
      expectProblem(denied, 403, `Purpose class '${purposeClass}' not allowed for scope '${deniedScope}'`);
      const [deniedRow] = await h.auditByRequest(denied);
      expect(deniedRow).toMatchObject({ reason_code: 'POLICY_DENIED', purpose, purpose_class: purposeClass });
    });

    const unclassified: [string, Scope][] = [
      ['build a report', 'communication'], // "ui" inside "build" no longer counts
      ['sometimes', 'schedule'], // "time" inside "sometimes" no longer counts
      ['', 'preferences'], // the original defaulted to content_generation
      ['   ', 'preferences'],
      ['guide the user', 'attention'],
      ['prune old entries', 'schedule'],
    ];

    it.each(unclassified)('"%s" is denied (fail closed) and audited without a class', async (purpose, scope) => {
      const s = subject();
      await h.store(agent, s, scope, { key: 'value' });
      const grantsBefore = await h.grantCount(agent);
      const res = await api().read({ user_id: s, scope, purpose });
      expectProblem(res, 403, /./);
      expect(res.body.code).toBe('forbidden');
      for (const c of CLASSES) expect(res.body.detail).toContain(c);
      expect(res.body).not.toHaveProperty('summary_struct');
      expect(await h.grantCount(agent)).toBe(grantsBefore);
      const audit = await h.auditByRequest(res);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        event_type: 'MEMORY_READ',
        reason_code: 'POLICY_DENIED',
        purpose_class: null,
        subject: s,
        scope,
        grant_id: null,
        memory_ids: null,
      });
    });

    it('purpose_class wins over purpose, both ways', async () => {
      const s = subject();
      // purpose alone would be allowed (content_generation); the named class is not.
      const denied = await api().read({
        user_id: s,
        scope: 'preferences',
        purpose: 'generate content',
        purpose_class: 'scheduling',
      });
      expectProblem(denied, 403, "Purpose class 'scheduling' not allowed for scope 'preferences'");
      const [deniedRow] = await h.auditByRequest(denied);
      expect(deniedRow).toMatchObject({ purpose: 'generate content', purpose_class: 'scheduling' });

      // purpose alone would be denied (scheduling); the named class is allowed.
      const ok = await h.readOk(agent, {
        user_id: s,
        scope: 'preferences',
        purpose: 'schedule meeting',
        purpose_class: 'recommendation',
      });
      const grant = await h.grantByToken(ok.body.revocation_token);
      expect(grant).toMatchObject({ purpose: 'schedule meeting', purpose_class: 'recommendation' });

      // And an unclassifiable purpose is fine when the class is named.
      await h.readOk(agent, { user_id: s, scope: 'preferences', purpose: 'sometimes', purpose_class: 'recommendation' });
    });

    it('neither purpose nor purpose_class → 422, not audited', async () => {
      const s = subject();
      const auditBefore = await h.auditCount(agent);
      const grantsBefore = await h.grantCount(agent);
      const res = await api().read({ user_id: s, scope: 'preferences' });
      expectProblem(res, 422, /purpose/);
      expect(res.body.code).toBe('validation_failed');
      const nulled = await api().read({ user_id: s, scope: 'preferences', purpose: null });
      expectProblem(nulled, 422, /purpose/);
      const nulledBoth = await api().read({ user_id: s, scope: 'preferences', purpose: null, purpose_class: null });
      expectProblem(nulledBoth, 422, /purpose/);
      expect(await h.auditCount(agent)).toBe(auditBefore);
      expect(await h.grantCount(agent)).toBe(grantsBefore);
    });

    it('schema errors take precedence over policy denials, and are not audited', async () => {
      const s = subject();
      const auditBefore = await h.auditCount(agent);
      const grantsBefore = await h.grantCount(agent);

      const badScope = await api().read({ user_id: s, scope: 'hobbies', purpose: 'schedule meeting' });
      expectProblem(badScope, 422, new RegExp(SCOPE_RULE));
      expect(badScope.body.code).toBe('validation_failed');

      const badScopeClass = await api().read({ user_id: s, scope: 'Preferences', purpose_class: 'scheduling' });
      expectProblem(badScopeClass, 422, new RegExp(SCOPE_RULE));

      const badSubject = await api().read({ user_id: 'not valid!', scope: 'preferences', purpose_class: 'scheduling' });
      expectProblem(badSubject, 422, /user_id/);
      expect(await h.auditByRequest(badSubject)).toEqual([]);

      const longSubject = await api().read({ user_id: 'a'.repeat(1025), scope: 'schedule', purpose: 'render UI' });
      expectProblem(longSubject, 422, /user_id/);

      const badClass = await api().read({ user_id: s, scope: 'schedule', purpose_class: 'marketing' });
      expectProblem(badClass, 422, /purpose_class/);

      const badMaxAge = await api().read({ user_id: s, scope: 'schedule', purpose: 'render UI', max_age_days: 0 });
      expectProblem(badMaxAge, 422, /max_age_days/);

      expect(await h.auditCount(agent)).toBe(auditBefore);
      expect(await h.grantCount(agent)).toBe(grantsBefore);
    });
  });

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
      await t.db.query(`UPDATE scoped_memories SET created_at = date_trunc('second', now()) WHERE id = ANY($1::uuid[])`, [
        ids,
      ]);
      const winner = ids.indexOf(sorted(ids)[2]);
      const first = await merged(s, 'communication');
      expect((first.summary_struct as { preferences: { tone: string } }).preferences.tone).toBe(
        ['first', 'second', 'third'][winner],
      );
      // Rewrite rows (new tuple versions, different physical order) and read again.
      for (const id of [...ids].reverse()) {
        await t.db.query(`UPDATE scoped_memories SET value_json = value_json WHERE id = $1`, [id]);
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
      await t.db.query(`UPDATE scoped_memories SET expires_at = now() - interval '1 second' WHERE id = $1`, [gone]);
      const r = await h.readOk(agent, { user_id: s, scope: 'attention', purpose_class: 'notification_delivery' });
      expect(r.body.summary_struct).toEqual({ settings: { quiet: 'yes' } });
      expect(r.body.confidence).toBe(0.6);
    });
  });

  describe('revocation tokens and read grants', () => {
    it('tokens are 256-bit base64url, different per read, stored only as SHA-256', async () => {
      const s = subject();
      await h.store(agent, s, 'preferences', { likes: ['coffee'] });
      const tokens: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        const before = Date.now();
        const res = await h.readOk(agent, {
          user_id: s,
          scope: 'preferences',
          purpose: 'make recommendations',
          domain: null,
        });
        const after = Date.now();
        const token = res.body.revocation_token as string;
        expect(token).toMatch(TOKEN);
        expect(Buffer.from(token, 'base64url')).toHaveLength(32);
        expect(Buffer.from(token, 'base64url').toString('base64url')).toBe(token);
        tokens.push(token);

        const grant = await h.grantByToken(token);
        expect(grant.token_hash).toBe(sha256(token));
        expect(grant).toMatchObject({
          user_id: agent.userId,
          subject: s,
          scope: 'preferences',
          domain: null,
          purpose: 'make recommendations',
          purpose_class: 'recommendation',
          max_age_days: null,
          agent_id: agent.agentId,
          revoked_at: null,
        });
        // expires_at ≈ now + 24 h, and what the response says.
        const expiresAt = Date.parse(res.body.expires_at as string);
        expect(expiresAt).toBe(grant.expires_at.getTime());
        expect(expiresAt).toBeGreaterThanOrEqual(before + 24 * HOUR - 5_000);
        expect(expiresAt).toBeLessThanOrEqual(after + 24 * HOUR + 5_000);
        expect(grant.expires_at.getTime() - grant.created_at.getTime()).toBe(24 * HOUR);
      }
      expect(new Set(tokens).size).toBe(tokens.length);

      // The token text appears nowhere in the database rows nor in the logs.
      const grants: { j: string }[] = await t.db.query(`SELECT row_to_json(g)::text AS j FROM read_grants g`);
      const audit: { j: string }[] = await t.db.query(`SELECT row_to_json(a)::text AS j FROM audit_events a`);
      expect(grants.length).toBeGreaterThanOrEqual(tokens.length);
      for (const token of tokens) {
        for (const row of [...grants, ...audit]) expect(row.j).not.toContain(token);
        for (const line of t.logs) expect(line).not.toContain(token);
      }
    });

    it('the grant records the sanitized parameters', async () => {
      const s = subject();
      const res = await h.readOk(agent, {
        user_id: `  ${s}  `,
        scope: 'communication',
        domain: '  work  ',
        purpose: 'render UI',
        max_age_days: 7,
        ignored_field: 'x',
      });
      const grant = await h.grantByToken(res.body.revocation_token);
      expect(grant).toMatchObject({
        subject: s,
        domain: 'work',
        purpose: 'render UI',
        purpose_class: 'ui_rendering',
        max_age_days: 7,
      });
    });
  });

  describe('POST /memory/read/continue', () => {
    it('same shape, same token, same expires_at; includes memories written after the read; audited', async () => {
      const s = subject();
      const first = await h.store(agent, s, 'preferences', { likes: ['coffee'] });
      const read = await h.readOk(agent, { user_id: s, scope: 'preferences', purpose: 'make recommendations' });
      const token = read.body.revocation_token as string;
      expect(read.body.summary_struct).toEqual({ likes: ['coffee'], dislikes: [], settings: {} });
      const grant = await h.grantByToken(token);

      const second = await h.store(agent, s, 'preferences', { dislikes: ['Coffee'], likes: ['tea'] });
      const cont = await api().continueRead({ revocation_token: token });
      expect(cont.status).toBe(200);
      expect(Object.keys(cont.body).sort()).toEqual(RESULT_KEYS);
      expect(cont.body.revocation_token).toBe(token);
      expect(cont.body.expires_at).toBe(read.body.expires_at);
      expect(cont.body.summary_text).toBe('Likes: 1, Dislikes: 1, Settings: 0');
      expect(cont.body.summary_struct).toEqual({ likes: ['tea'], dislikes: ['Coffee'], settings: {} });
      expect(cont.body.confidence).toBe(0.7);

      // No new grant, expiry not extended.
      expect(await h.grantByToken(token)).toEqual(grant);

      const audit = await h.auditByRequest(cont);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        event_type: 'MEMORY_READ',
        reason_code: 'CONTINUE',
        user_id: agent.userId,
        agent_id: agent.agentId,
        subject: s,
        scope: 'preferences',
        purpose: 'make recommendations',
        purpose_class: 'recommendation',
        grant_id: grant.id,
      });
      expect(sorted(audit[0].memory_ids ?? [])).toEqual(sorted([first, second]));

      // Any number of times.
      const again = await api().continueRead({ revocation_token: token });
      expect(again.status).toBe(200);
      expect(JSON.stringify(again.body.summary_struct)).toBe(JSON.stringify(cont.body.summary_struct));
    });

    it('honours a max_age_days override, else the grant’s own', async () => {
      const s = subject();
      const old = await h.store(agent, s, 'constraints', ['old rule']);
      await h.store(agent, s, 'constraints', ['new rule']);
      await h.setAge(old, 10 * 86_400);

      const open = await h.readOk(agent, { user_id: s, scope: 'constraints', purpose_class: 'task_execution' });
      expect(open.body.summary_struct.rules).toEqual(['new rule', 'old rule']);
      const token = open.body.revocation_token as string;
      const narrowed = await api().continueRead({ revocation_token: token, max_age_days: 5 });
      expect(narrowed.status).toBe(200);
      expect(narrowed.body.summary_struct.rules).toEqual(['new rule']);
      expect(narrowed.body.confidence).toBe(0.6);
      // The override is not persisted.
      const plain = await api().continueRead({ revocation_token: token });
      expect(plain.body.summary_struct.rules).toEqual(['new rule', 'old rule']);
      expect((await h.grantByToken(token)).max_age_days).toBeNull();

      const limited = await h.readOk(agent, {
        user_id: s,
        scope: 'constraints',
        purpose_class: 'task_execution',
        max_age_days: 5,
      });
      const limitedToken = limited.body.revocation_token as string;
      expect((await api().continueRead({ revocation_token: limitedToken })).body.summary_struct.rules).toEqual([
        'new rule',
      ]);
      const widened = await api().continueRead({ revocation_token: limitedToken, max_age_days: 30 });
      expect(widened.body.summary_struct.rules).toEqual(['new rule', 'old rule']);

      expectProblem(await api().continueRead({ revocation_token: token, max_age_days: 0 }), 422, /max_age_days/);
    });

    it('continues the grant’s domain only', async () => {
      const s = subject();
      await h.store(agent, s, 'preferences', { likes: ['pizza'] }, 'food');
      await h.store(agent, s, 'preferences', { likes: ['plain'] });
      const read = await h.readOk(agent, { user_id: s, scope: 'preferences', domain: 'food', purpose_class: 'recommendation' });
      await h.store(agent, s, 'preferences', { likes: ['ramen'] }, 'food');
      await h.store(agent, s, 'preferences', { likes: ['other'] }, 'Food');
      const cont = await api().continueRead({ revocation_token: read.body.revocation_token });
      expect(cont.body.summary_struct.likes).toEqual(['pizza', 'ramen']);
    });

    it('unknown token → 404; missing token → 422', async () => {
      for (const token of [randomBytes(32).toString('base64url'), 'x', 'not-a-token']) {
        const res = await api().continueRead({ revocation_token: token });
        expectProblem(res, 404, /Revocation token not found/);
      }
      expectProblem(await api().continueRead({}), 422, /revocation_token/);
    });

    it('revoked → 403 REVOKED; expired → 403 REVOKED; neither is audited as a read', async () => {
      const s = subject();
      await h.store(agent, s, 'schedule', [{ day: 'monday' }]);
      const a = await h.readOk(agent, { user_id: s, scope: 'schedule', purpose: 'schedule meeting' });
      const b = await h.readOk(agent, { user_id: s, scope: 'schedule', purpose: 'schedule meeting' });

      expect((await api().revoke(a.body.revocation_token)).status).toBe(200);
      const revoked = await api().continueRead({ revocation_token: a.body.revocation_token });
      expectRevoked(revoked);
      expect(await h.auditByRequest(revoked)).toEqual([]);

      expect((await api().continueRead({ revocation_token: b.body.revocation_token })).status).toBe(200);
      await t.db.query(`UPDATE read_grants SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, [
        sha256(b.body.revocation_token),
      ]);
      const expired = await api().continueRead({ revocation_token: b.body.revocation_token });
      expectRevoked(expired);
      expect(await h.auditByRequest(expired)).toEqual([]);
    });

    it('re-checks the policy: a grant for a denied (scope, class) → 403 and a POLICY_DENIED audit row', async () => {
      const s = subject();
      await h.store(agent, s, 'schedule', [{ start: '08:00', end: '12:00' }]);
      const token = randomBytes(32).toString('base64url');
      const inserted: { id: string }[] = await t.db.query(
        `INSERT INTO read_grants (user_id, token_hash, subject, scope, domain, purpose, purpose_class, max_age_days,
                                  agent_id, created_at, expires_at)
         VALUES ($1, $2, $3, 'schedule', NULL, 'legacy grant', 'recommendation', NULL, $4, now(), now() + interval '1 hour')
         RETURNING id`,
        [agent.userId, sha256(token), s, agent.agentId],
      );
      const res = await api().continueRead({ revocation_token: token });
      expectProblem(res, 403, "Purpose class 'recommendation' not allowed for scope 'schedule'");
      expect(res.body).not.toHaveProperty('summary_struct');
      expect(res.text).not.toContain('08:00');
      const audit = await h.auditByRequest(res);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        event_type: 'MEMORY_READ',
        reason_code: 'POLICY_DENIED',
        user_id: agent.userId,
        subject: s,
        scope: 'schedule',
        purpose_class: 'recommendation',
        memory_ids: null,
      });
      const continued = await h.auditByGrant(inserted[0].id);
      expect(continued.filter((r) => r.reason_code === 'CONTINUE')).toEqual([]);
    });
  });

  describe('POST /memory/revoke, GET /memory/grants, POST /memory/revoke-all', () => {
    it('revoke → 200 {revoked, revoked_at}; again → 404; unknown → 404; audited MEMORY_REVOKE', async () => {
      const s = subject();
      const read = await h.readOk(agent, { user_id: s, scope: 'attention', domain: 'work', purpose: 'send notifications' });
      const token = read.body.revocation_token as string;
      const grant = await h.grantByToken(token);

      const before = Date.now();
      const res = await api().revoke(token);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['revoked', 'revoked_at']);
      expect(res.body.revoked).toBe(true);
      const revokedAt = Date.parse(res.body.revoked_at as string);
      expect(Math.abs(revokedAt - before)).toBeLessThan(10_000);
      const after = await h.grantByToken(token);
      expect(after.revoked_at?.getTime()).toBe(revokedAt);
      expect(after.revoke_reason).toBe('user_requested');

      const audit = await h.auditByRequest(res);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        event_type: 'MEMORY_REVOKE',
        user_id: agent.userId,
        agent_id: agent.agentId,
        subject: s,
        scope: 'attention',
        domain: 'work',
        grant_id: grant.id,
      });

      const again = await api().revoke(token);
      expectProblem(again, 404, /Revocation token not found/);
      expect(await h.auditByRequest(again)).toEqual([]);
      expect((await h.grantByToken(token)).revoked_at?.getTime()).toBe(revokedAt);

      expectProblem(await api().revoke(randomBytes(32).toString('base64url')), 404, /Revocation token not found/);
      expectProblem(await api().revoke('nope'), 404, /Revocation token not found/);
    });

    it('an expired but unrevoked grant can still be revoked', async () => {
      const s = subject();
      const read = await h.readOk(agent, { user_id: s, scope: 'schedule', purpose_class: 'scheduling' });
      const token = read.body.revocation_token as string;
      await t.db.query(`UPDATE read_grants SET expires_at = now() - interval '1 hour' WHERE token_hash = $1`, [sha256(token)]);
      expect((await api().revoke(token)).status).toBe(200);
      expectRevoked(await api().continueRead({ revocation_token: token }));
    });

    it('GET /memory/grants lists active grants, never tokens', async () => {
      const s = subject();
      const r1 = await h.readOk(agent, { user_id: s, scope: 'preferences', purpose: 'make recommendations' });
      const r2 = await h.readOk(agent, { user_id: s, scope: 'schedule', domain: 'work', purpose_class: 'scheduling' });
      const r3 = await h.readOk(agent, { user_id: s, scope: 'attention', purpose_class: 'ui_rendering' });
      const r4 = await h.readOk(agent, { user_id: s, scope: 'constraints', purpose_class: 'scheduling' });
      await h.readOk(agent, { user_id: subject(), scope: 'preferences', purpose_class: 'recommendation' }); // another subject
      expect((await api().revoke(r3.body.revocation_token)).status).toBe(200);
      await t.db.query(`UPDATE read_grants SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, [
        sha256(r4.body.revocation_token),
      ]);

      const res = await api().grants(s);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual(['grants']);
      const g1 = await h.grantByToken(r1.body.revocation_token);
      const g2 = await h.grantByToken(r2.body.revocation_token);
      const listed = res.body.grants as Record<string, unknown>[];
      expect(sorted(listed.map((g) => g.id as string))).toEqual(sorted([g1.id, g2.id]));
      for (const g of listed) expect(Object.keys(g).sort()).toEqual(GRANT_KEYS);
      const listed2 = listed.find((g) => g.id === g2.id)!;
      expect(listed2).toMatchObject({
        user_id: s,
        scope: 'schedule',
        domain: 'work',
        purpose: null,
        purpose_class: 'scheduling',
        max_age_days: null,
        agent_id: agent.agentId,
        revoked_at: null,
        expires_at: r2.body.expires_at,
      });
      for (const r of [r1, r2, r3, r4]) {
        expect(res.text).not.toContain(r.body.revocation_token);
        expect(res.text).not.toContain(sha256(r.body.revocation_token));
      }
      expectProblem(await t.http().get('/memory/grants').query({ user_id: 'bad id!' }).set('X-Api-Key', agent.apiKey), 422, /user_id/);
    });

    it('POST /memory/revoke-all revokes every active grant of the subject; continues then fail', async () => {
      const s = subject();
      const other = subject();
      await h.store(agent, s, 'preferences', { likes: ['x'] });
      const tokens: string[] = [];
      for (const scope of ['preferences', 'communication', 'accessibility'] as const) {
        tokens.push((await h.readOk(agent, { user_id: s, scope, purpose_class: 'content_generation' })).body.revocation_token);
      }
      const alreadyRevoked = (await h.readOk(agent, { user_id: s, scope: 'schedule', purpose_class: 'scheduling' })).body
        .revocation_token as string;
      expect((await api().revoke(alreadyRevoked)).status).toBe(200);
      const otherToken = (await h.readOk(agent, { user_id: other, scope: 'preferences', purpose_class: 'recommendation' }))
        .body.revocation_token as string;

      const res = await api().revokeAll(s);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ revoked: 3 });
      const audit = await h.auditByRequest(res);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ event_type: 'MEMORY_REVOKE', user_id: agent.userId, subject: s });
      for (const token of [...tokens, alreadyRevoked]) expectRevoked(await api().continueRead({ revocation_token: token }));
      expect((await api().grants(s)).body).toEqual({ grants: [] });

      // Another subject's grant is untouched.
      expect((await api().continueRead({ revocation_token: otherToken })).status).toBe(200);
      expect((await api().grants(other)).body.grants).toHaveLength(1);

      expect((await api().revokeAll(s)).body).toEqual({ revoked: 0 });
      // Revoked tokens cannot be revoked one by one either.
      expectProblem(await api().revoke(tokens[0]), 404, /Revocation token not found/);
    });
  });

  describe('tenant isolation', () => {
    it('tokens, memories and grants of tenant A are invisible to tenant B', async () => {
      const a = agent;
      const b = await t.newAgent();
      const s = subject();
      await h.store(a, s, 'preferences', { likes: ['secret'] });
      const read = await h.readOk(a, { user_id: s, scope: 'preferences', purpose_class: 'recommendation' });
      const token = read.body.revocation_token as string;
      expect(read.body.summary_struct.likes).toEqual(['secret']);

      expectProblem(await h.api(b).continueRead({ revocation_token: token }), 404, /Revocation token not found/);
      expectProblem(await h.api(b).revoke(token), 404, /Revocation token not found/);
      expect((await h.api(b).revokeAll(s)).body).toEqual({ revoked: 0 });

      // A's grant is still usable and unrevoked.
      const cont = await h.api(a).continueRead({ revocation_token: token });
      expect(cont.status).toBe(200);
      expect(cont.body.summary_struct.likes).toEqual(['secret']);
      expect((await h.grantByToken(token)).revoked_at).toBeNull();

      // B reading the same subject name sees nothing of A's.
      const bRead = await h.readOk(b, { user_id: s, scope: 'preferences', purpose_class: 'recommendation' });
      expect(bRead.body.summary_text).toBe('No memories found.');
      expect(bRead.body.summary_struct).toEqual({});
      expect(bRead.text).not.toContain('secret');

      // B's grants list holds only B's own grant; A's holds only A's.
      const bGrants = (await h.api(b).grants(s)).body.grants as { id: string }[];
      const bGrant = await h.grantByToken(bRead.body.revocation_token);
      expect(bGrants.map((g) => g.id)).toEqual([bGrant.id]);
      const aGrants = (await h.api(a).grants(s)).body.grants as { id: string }[];
      expect(aGrants.map((g) => g.id)).toEqual([(await h.grantByToken(token)).id]);

      // And B's memories are not A's: B stores, A still sees only its own.
      await h.store(b, s, 'preferences', { likes: ['b-only'] });
      const again = await h.api(a).continueRead({ revocation_token: token });
      expect(again.body.summary_struct.likes).toEqual(['secret']);
      // A's token means nothing to B even after B has grants about the same subject.
      expectProblem(await h.api(b).continueRead({ revocation_token: token }), 404, /Revocation token not found/);
      // B can revoke its own.
      expect((await h.api(b).revoke(bRead.body.revocation_token)).status).toBe(200);
      expect((await h.api(a).continueRead({ revocation_token: token })).status).toBe(200);

      // A fresh tenant has no grants for the subject at all.
      const c = await t.newAgent();
      expect((await h.api(c).grants(s)).body).toEqual({ grants: [] });
    });
  });

  describe('concurrency', () => {
    it('20 parallel creates all succeed', async () => {
      const s = subject();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          api().store({
            user_id: s,
            scope: 'preferences',
            source: 'user_setting',
            ttl_days: 10,
            value_json: { likes: [`p${String(i).padStart(2, '0')}`] },
          }),
        ),
      );
      for (const res of results) expect(res.status).toBe(201);
      expect(new Set(results.map((r) => r.body.id)).size).toBe(20);
      const r = await h.readOk(agent, { user_id: s, scope: 'preferences', purpose_class: 'recommendation' });
      expect(r.body.summary_text).toBe('Likes: 20, Dislikes: 0, Settings: 0');
    });

    it('20 parallel allowed reads all return 200 with distinct tokens, one grant and one audit row each', async () => {
      const s = subject();
      await h.store(agent, s, 'communication', { channel: 'email' });
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          api().read({ user_id: s, scope: 'communication', purpose_class: CLASSES[[0, 3, 4][i % 3]] }),
        ),
      );
      for (const res of results) {
        expect(res.status).toBe(200);
        expect(res.body.summary_struct).toEqual({ preferences: { channel: 'email' } });
      }
      const tokens = results.map((r) => r.body.revocation_token as string);
      expect(new Set(tokens).size).toBe(20);
      const grants: { id: string; token_hash: string }[] = await t.db.query(
        `SELECT id, token_hash FROM read_grants WHERE user_id = $1 AND subject = $2`,
        [agent.userId, s],
      );
      expect(sorted(grants.map((g) => g.token_hash))).toEqual(sorted(tokens.map(sha256)));
      const audit: { grant_id: string }[] = await t.db.query(
        `SELECT grant_id FROM audit_events WHERE user_id = $1 AND subject = $2 AND event_type = 'MEMORY_READ'`,
        [agent.userId, s],
      );
      expect(sorted(audit.map((r) => r.grant_id))).toEqual(sorted(grants.map((g) => g.id)));
    });

    it('20 parallel denied reads and 20 parallel continues of a policy-denied grant all answer 403, each audited', async () => {
      const s = subject();
      await h.store(agent, s, 'attention', { quiet: 'yes' });
      const reads = await Promise.all(
        Array.from({ length: 20 }, () => api().read({ user_id: s, scope: 'attention', purpose_class: 'scheduling' })),
      );
      for (const res of reads) expectProblem(res, 403, "Purpose class 'scheduling' not allowed for scope 'attention'");

      // A grant the matrix denies (as if issued before a policy change): every continue is re-checked.
      const token = randomBytes(32).toString('base64url');
      const [grant]: { id: string }[] = await t.db.query(
        `INSERT INTO read_grants (user_id, token_hash, subject, scope, purpose_class, agent_id, created_at, expires_at)
         VALUES ($1, $2, $3, 'attention', 'scheduling', $4, now(), now() + interval '1 hour')
         RETURNING id`,
        [agent.userId, sha256(token), s, agent.agentId],
      );
      // Hold the grant row (as a revoke in progress does) so that the continues pile up
      // inside their transactions, then let them all through at once.
      const locker = new Client({ connectionString: t.config.databaseUrl });
      await locker.connect();
      let pending: Promise<Response[]>;
      try {
        await locker.query('BEGIN');
        await locker.query('SELECT 1 FROM read_grants WHERE id = $1 FOR UPDATE', [grant.id]);
        pending = Promise.all(Array.from({ length: 20 }, () => api().continueRead({ revocation_token: token })));
        await waitForLockWaiters(locker);
        await locker.query('COMMIT');
      } finally {
        await locker.end();
      }
      const continues = await pending;
      const statuses = continues.map((res) => `${res.status} ${res.body.detail}`);
      expect(statuses).toEqual(
        Array.from({ length: 20 }, () => "403 Purpose class 'scheduling' not allowed for scope 'attention'"),
      );
      const denied: { n: number }[] = await t.db.query(
        `SELECT count(*)::int AS n FROM audit_events
          WHERE user_id = $1 AND subject = $2 AND event_type = 'MEMORY_READ' AND reason_code = 'POLICY_DENIED'`,
        [agent.userId, s],
      );
      expect(denied[0].n).toBe(40);
      expect((await h.auditByGrant(grant.id)).filter((r) => r.reason_code === 'CONTINUE')).toEqual([]);
    });

    it('revoke racing continue: once revoke has answered, no continue succeeds', async () => {
      const s = subject();
      await h.store(agent, s, 'preferences', { likes: ['race'] });
      for (let round = 0; round < 3; round += 1) {
        const read = await h.readOk(agent, { user_id: s, scope: 'preferences', purpose_class: 'recommendation' });
        const token = read.body.revocation_token as string;
        const grant = await h.grantByToken(token);

        // JavaScript runs one callback at a time, so this flag orders "sent" against "revoke answered" exactly.
        let revokeAnswered = false;
        const outcomes: { afterRevoke: boolean; status: number; detail?: string; likes?: string[] }[] = [];
        const fire = () => {
          const afterRevoke = revokeAnswered;
          return api()
            .continueRead({ revocation_token: token })
            .then((res) => {
              outcomes.push({
                afterRevoke,
                status: res.status,
                detail: res.body.detail,
                likes: res.body.summary_struct?.likes,
              });
            });
        };

        const inflight: Promise<void>[] = [];
        for (let i = 0; i < 10; i += 1) inflight.push(fire());
        const revoke = api()
          .revoke(token)
          .then((res) => {
            revokeAnswered = true;
            return res;
          });
        // Keep firing while the revoke is in flight, and for a while after.
        for (let i = 0; i < 20; i += 1) {
          inflight.push(fire());
          await sleep(2);
        }
        const revoked = await revoke;
        expect(revoked.status).toBe(200);
        for (let i = 0; i < 10; i += 1) inflight.push(fire());
        await Promise.all(inflight);

        expect(outcomes).toHaveLength(40);
        for (const o of outcomes) {
          if (o.status === 200) expect(o.likes).toEqual(['race']);
          else {
            expect(o.status).toBe(403);
            expect(o.detail).toBe('REVOKED');
          }
        }
        const afterRevoke = outcomes.filter((o) => o.afterRevoke);
        expect(afterRevoke.length).toBeGreaterThanOrEqual(10);
        for (const o of afterRevoke) expect(o).toEqual({ afterRevoke: true, status: 403, detail: 'REVOKED', likes: undefined });

        // Server side: every successful continue committed before the revoke did.
        const audit = await h.auditByGrant(grant.id);
        const revokeRows = audit.filter((r) => r.event_type === 'MEMORY_REVOKE');
        expect(revokeRows).toHaveLength(1);
        const continues = audit.filter((r) => r.reason_code === 'CONTINUE');
        expect(continues).toHaveLength(outcomes.filter((o) => o.status === 200).length);
        for (const c of continues) expect(BigInt(c.seq)).toBeLessThan(BigInt(revokeRows[0].seq));
      }
    });
  });

  describe('audit rows belong to the same transaction as the change', () => {
    it('each successful read writes exactly one MEMORY_READ row with the new grant id and the merged ids', async () => {
      const s = subject();
      const ids = await h.storeSeries(agent, s, 'accessibility', [
        { high_contrast: true },
        { font: 'serif' },
        ['captions'],
      ]);
      const res = await h.readOk(agent, {
        user_id: s,
        scope: 'accessibility',
        purpose: 'render UI',
        max_age_days: 3,
      });
      const grant = await h.grantByToken(res.body.revocation_token);
      const audit = await h.auditByRequest(res);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        event_type: 'MEMORY_READ',
        user_id: agent.userId,
        agent_id: agent.agentId,
        request_id: res.headers['x-request-id'],
        subject: s,
        scope: 'accessibility',
        domain: null,
        purpose: 'render UI',
        purpose_class: 'ui_rendering',
        grant_id: grant.id,
        reason_code: null,
      });
      expect(sorted(audit[0].memory_ids ?? [])).toEqual(sorted(ids));
      expect(await h.auditByGrant(grant.id)).toHaveLength(1);
    });

    it('when the audit insert fails, the read creates no grant and the revoke revokes nothing', async () => {
      const poisoned = uniqueName('poison');
      await h.store(agent, poisoned, 'preferences', { likes: ['x'] });
      const read = await h.readOk(agent, { user_id: poisoned, scope: 'preferences', purpose_class: 'recommendation' });
      const token = read.body.revocation_token as string;
      const grantsBefore = await h.grantCount(agent);
      await t.db.query(
        `ALTER TABLE audit_events ADD CONSTRAINT scoped_reads_test_poison
           CHECK (subject IS DISTINCT FROM '${poisoned}' OR event_type = 'MEMORY_WRITE') NOT VALID`,
      );
      try {
        const failedRead = await api().read({ user_id: poisoned, scope: 'preferences', purpose_class: 'recommendation' });
        // The failure surfaces as an error (the service maps the check violation), never as a read.
        expect(failedRead.status).toBeGreaterThanOrEqual(400);
        expect(failedRead.body).not.toHaveProperty('revocation_token');
        expect(await h.grantCount(agent)).toBe(grantsBefore);

        const failedRevoke = await api().revoke(token);
        expect(failedRevoke.status).toBeGreaterThanOrEqual(400);
        expect(failedRevoke.body).not.toHaveProperty('revoked');
        expect((await h.grantByToken(token)).revoked_at).toBeNull();
      } finally {
        await t.db.query(`ALTER TABLE audit_events DROP CONSTRAINT scoped_reads_test_poison`);
      }
      expect((await api().continueRead({ revocation_token: token })).status).toBe(200);
      expect((await api().revoke(token)).status).toBe(200);
    });
  });
});

describe('MemoryScope v1 with MERGE_LIMIT=3', () => {
  let t: TestApp;
  let agent: TestAgent;
  const h = harness(() => t);

  beforeAll(async () => {
    t = await startTestApp({ MERGE_LIMIT: '3' });
    agent = await t.newAgent();
  });
  afterAll(() => t.close());

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
    await t.db.query(`UPDATE scoped_memories SET created_at = date_trunc('second', now()) WHERE id = ANY($1::uuid[])`, [
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

describe('MemoryScope v1 with GRANT_TTL_HOURS=1', () => {
  let t: TestApp;
  let agent: TestAgent;
  const h = harness(() => t);

  beforeAll(async () => {
    t = await startTestApp({ GRANT_TTL_HOURS: '1' });
    agent = await t.newAgent();
  });
  afterAll(() => t.close());

  it('grants expire one hour after the read, and continue keeps that expiry', async () => {
    const s = uniqueName('ttl');
    const before = Date.now();
    const res = await h.readOk(agent, { user_id: s, scope: 'attention', purpose: 'send notifications' });
    const after = Date.now();
    const expiresAt = Date.parse(res.body.expires_at as string);
    expect(expiresAt).toBeGreaterThanOrEqual(before + HOUR - 5_000);
    expect(expiresAt).toBeLessThanOrEqual(after + HOUR + 5_000);
    const grant = await h.grantByToken(res.body.revocation_token);
    expect(grant.expires_at.getTime() - grant.created_at.getTime()).toBe(HOUR);

    const cont = await h.api(agent).continueRead({ revocation_token: res.body.revocation_token });
    expect(cont.status).toBe(200);
    expect(cont.body.expires_at).toBe(res.body.expires_at);
  });
});
