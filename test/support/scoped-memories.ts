import type { Response } from 'supertest';
import { Fixtures } from './fixtures';
import { keyOf } from './mcp-client';
import { expectProblem } from './problems';
import { TestAgent } from './test-app';

/*
 * Shared by the memories*.e2e-spec files (MemoryScope v1 scoped memories): request
 * bodies, expected rules and texts (written out here, never imported from src/), and
 * the requests and SQL each file's app gets.
 */

export const SCOPES = ['preferences', 'constraints', 'communication', 'accessibility', 'schedule', 'attention'] as const;
export type Scope = (typeof SCOPES)[number];

export const SCOPE_MESSAGE =
  'scope must be one of preferences, constraints, communication, accessibility, schedule, attention';
export const SOURCE_MESSAGE = 'source must be one of explicit_user_input, user_setting';
export const NO_SHAPE = 'value_json does not match any allowed shape';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
export const DAY_MS = 24 * 60 * 60 * 1000;

export const CREATED_KEYS = ['created_at', 'domain', 'expires_at', 'id', 'scope', 'user_id'];
export const MEMORY_KEYS = [...CREATED_KEYS, 'expired', 'shape', 'source', 'ttl_days', 'value'].sort();
export const GRANT_KEYS = [
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

export interface MemoryBody {
  user_id?: unknown;
  scope?: unknown;
  domain?: unknown;
  source?: unknown;
  ttl_days?: unknown;
  value_json?: unknown;
  [extra: string]: unknown;
}

/** The MemoryScope columns of an audit event, as audit_events stores them. */
export interface ScopedAuditRow {
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
}

/** SQL: the select list of a ScopedAuditRow (from audit_events). */
export const SCOPED_AUDIT_COLUMNS = `user_id, agent_id, request_id, event_type, subject, scope, domain, purpose, purpose_class,
              memory_ids::text[] AS memory_ids, grant_id, reason_code`;

export interface AuditRow extends ScopedAuditRow {
  meta: Record<string, unknown> | null;
}

export interface ListedMemory {
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

export const key = keyOf;

export function memoryBody(overrides: MemoryBody = {}): MemoryBody {
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
export function nested(levels: number, kind: 'object' | 'array' = 'object'): unknown {
  let v: unknown = 'leaf';
  for (let i = 1; i < levels; i++) v = kind === 'object' ? { k: v } : [v];
  return { k: v };
}

/** A rules_list whose JSON text is exactly `bytes` bytes long (distinct rules, each ≤ 2,000 characters). */
export function rulesOfSize(bytes: number): string[] {
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

export function expectValidationProblem(res: Response, field: string, message: string | RegExp): void {
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

/** POST and GET /memory as an agent, and the rows and audit events behind them, for one app. */
export function memoryRequests(ctx: Fixtures) {
  const create = (agent: TestAgent, body: MemoryBody, requestId?: string) => {
    const req = ctx.http().post('/memory').set(key(agent));
    if (requestId) req.set('X-Request-ID', requestId);
    return req.send(body);
  };

  const created = async (agent: TestAgent, overrides: MemoryBody = {}): Promise<Record<string, string | null>> => {
    const res = await create(agent, memoryBody(overrides));
    expect(res.status).toBe(201);
    return res.body;
  };

  const list = async (agent: TestAgent, query: Record<string, string | number | boolean>) => {
    const res = await ctx.http().get('/memory').query(query).set(key(agent));
    expect(res.status).toBe(200);
    return res.body as { memories: ListedMemory[]; total: number; limit: number; offset: number };
  };

  const audits = (where: string, params: unknown[]): Promise<AuditRow[]> =>
    ctx.db.query(
      `SELECT ${SCOPED_AUDIT_COLUMNS}, meta FROM audit_events WHERE ${where} ORDER BY seq`,
      params,
    );

  const memoryExists = async (id: string): Promise<boolean> =>
    (await ctx.db.query(`SELECT 1 FROM scoped_memories WHERE id = $1`, [id])).length === 1;

  /** Moves a memory's expiry (and creation, keeping ttl_days) to `expiredAgo` before now. */
  const expire = async (id: string, expiredAgo: string): Promise<void> => {
    await ctx.db.query(
      `UPDATE scoped_memories
          SET expires_at = now() - $2::interval,
              created_at = now() - $2::interval - make_interval(days => ttl_days)
        WHERE id = $1`,
      [id, expiredAgo],
    );
  };

  const counts = async () => {
    const [row] = await ctx.db.query(
      `SELECT (SELECT count(*) FROM scoped_memories)::int AS memories,
              (SELECT count(*) FROM audit_events WHERE event_type = 'MEMORY_WRITE')::int AS writes`,
    );
    return row as { memories: number; writes: number };
  };

  return { create, created, list, audits, memoryExists, expire, counts };
}
