import { createHash } from 'node:crypto';
import { Client } from 'pg';
import type { Response } from 'supertest';
import { FixtureOptions, Fixtures, perBlock, useFixtures } from './fixtures';
import { expectProblem } from './problems';
import { SCOPE_MESSAGE, SCOPED_AUDIT_COLUMNS, ScopedAuditRow, Scope } from './scoped-memories';
import { TestAgent, uniqueName } from './test-app';

/*
 * Shared by the scoped-reads-*.e2e-spec files (MemoryScope v1 scoped reads, issue 3,
 * spec §2.1–§2.12): the expected policy and summaries, written out here and never
 * imported from src/ (so a change to the service's constants fails the suite),
 * and the harness of requests and SQL each file's app gets.
 */

export { GRANT_KEYS, SCOPES } from './scoped-memories';
export type { Scope } from './scoped-memories';
export const CLASSES = [
  'content_generation',
  'recommendation',
  'scheduling',
  'ui_rendering',
  'notification_delivery',
  'task_execution',
] as const;
export type PurposeClass = (typeof CLASSES)[number];

/** Spec §2.1: scope -> allowed purpose classes; everything else is denied. */
export const MATRIX: Record<Scope, PurposeClass[]> = {
  preferences: ['content_generation', 'recommendation'],
  constraints: ['recommendation', 'scheduling', 'task_execution'],
  communication: ['content_generation', 'ui_rendering', 'notification_delivery'],
  accessibility: ['content_generation', 'ui_rendering', 'notification_delivery'],
  schedule: ['scheduling', 'task_execution'],
  attention: ['ui_rendering', 'notification_delivery'],
};

/** Spec §2.2: ordered keyword rules (applied to words since issue 3). */
export const RULES = [
  { purpose_class: 'content_generation', keywords: ['content', 'generate', 'create', 'write'] },
  { purpose_class: 'recommendation', keywords: ['recommend', 'suggest', 'recommendation'] },
  { purpose_class: 'scheduling', keywords: ['scheduling', 'schedule', 'calendar', 'time'] },
  { purpose_class: 'ui_rendering', keywords: ['ui', 'render', 'display', 'show'] },
  { purpose_class: 'notification_delivery', keywords: ['notify', 'notification', 'alert'] },
  { purpose_class: 'task_execution', keywords: ['task', 'execute', 'action', 'run'] },
];

/** Spec §2.8, `{"key":"value"}` stored in each scope. */
export const KEY_VALUE_SUMMARY: Record<Scope, string> = {
  preferences: 'Likes: 0, Dislikes: 0, Settings: 1',
  constraints: 'Rules: 0, Constraints: 1',
  communication: 'Communication preferences: 1 settings',
  accessibility: 'Accessibility: 0 flags, 1 settings',
  schedule: 'Schedule: 0 time windows',
  attention: 'Attention settings: 1 preferences',
};

export const SCOPE_RULE = SCOPE_MESSAGE;
export const RESULT_KEYS = ['confidence', 'expires_at', 'revocation_token', 'summary_struct', 'summary_text'];
export const TOKEN = /^[A-Za-z0-9_-]{43}$/;
export const HOUR = 3_600_000;

export const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const sorted = (ids: string[]) => [...ids].sort();
export const isAllowed = (scope: Scope, purposeClass: PurposeClass) => MATRIX[scope].includes(purposeClass);

export interface AuditRow extends ScopedAuditRow {
  seq: string;
}

export interface GrantRow {
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
export async function waitForLockWaiters(client: Client): Promise<number> {
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

export function expectRevoked(res: Response): void {
  expectProblem(res, 403, 'REVOKED');
  expect(res.body.code).toBe('forbidden');
  expect(res.body).not.toHaveProperty('summary_struct');
}

/** Everything one app-backed suite needs: requests as an agent, and direct SQL. */
export function harness(ctx: Fixtures) {

  const api = (agent: TestAgent) => ({
    store: (body: Record<string, unknown>) =>
      ctx.http().post('/memory').set('X-Api-Key', agent.apiKey).send(body),
    read: (body: Record<string, unknown>) => ctx.http().post('/memory/read').set('X-Api-Key', agent.apiKey).send(body),
    continueRead: (body: Record<string, unknown>) =>
      ctx.http().post('/memory/read/continue').set('X-Api-Key', agent.apiKey).send(body),
    revoke: (token: string) =>
      ctx.http().post('/memory/revoke').set('X-Api-Key', agent.apiKey).send({ revocation_token: token }),
    revokeAll: (subject: string) =>
      ctx.http().post('/memory/revoke-all').set('X-Api-Key', agent.apiKey).send({ user_id: subject }),
    grants: (subject: string) =>
      ctx.http().get('/memory/grants').query({ user_id: subject }).set('X-Api-Key', agent.apiKey),
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
    return (await ctx.newScopedMemory(agent, body)).id;
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
    await ctx.db.query(`UPDATE scoped_memories SET created_at = now() - make_interval(secs => $2) WHERE id = $1`, [
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
    return ctx.db.query(
      `SELECT seq::text AS seq, ${SCOPED_AUDIT_COLUMNS} FROM audit_events WHERE request_id = $1 ORDER BY seq`,
      [rid],
    );
  }

  async function auditByGrant(grantId: string): Promise<AuditRow[]> {
    return ctx.db.query(
      `SELECT seq::text AS seq, ${SCOPED_AUDIT_COLUMNS} FROM audit_events WHERE grant_id = $1 ORDER BY seq`,
      [grantId],
    );
  }

  async function grantByToken(token: string): Promise<GrantRow> {
    const rows: GrantRow[] = await ctx.db.query(`SELECT * FROM read_grants WHERE token_hash = $1`, [sha256(token)]);
    expect(rows).toHaveLength(1);
    return rows[0];
  }

  async function grantCount(tenant: TestAgent): Promise<number> {
    const rows: { n: number }[] = await ctx.db.query(`SELECT count(*)::int AS n FROM read_grants WHERE user_id = $1`, [
      tenant.userId,
    ]);
    return rows[0].n;
  }

  async function auditCount(tenant: TestAgent): Promise<number> {
    const rows: { n: number }[] = await ctx.db.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE user_id = $1`,
      [tenant.userId],
    );
    return rows[0].n;
  }

  return { api, store, storeSeries, setAge, readOk, auditByRequest, auditByGrant, grantByToken, grantCount, auditCount };
}

/**
 * The preamble of every scoped-reads file: the app (started with `options`), its
 * harness, and one user of the describe block's own (`agent`, filled in by a
 * beforeAll); `api()` requests as that user, `subject()` is a fresh subject.
 */
export function useScopedReads(options: FixtureOptions = {}) {
  const ctx = useFixtures(options);
  const h = harness(ctx);
  const agent = perBlock(() => ctx.newUser());
  return { ctx, h, agent, api: () => h.api(agent), subject: () => uniqueName('subj') };
}
