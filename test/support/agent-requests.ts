import { randomUUID } from 'node:crypto';
import type { Test } from 'supertest';
import { expectProblem, ProblemExpectation } from './problems';
import { TestAgent, TestApp } from './test-app';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** A request a test sends: method, path and (for a write) the body. */
export type Call = [method: Method, path: string, body?: unknown];

export interface AuditRow {
  event_type: string;
  agent_id: string | null;
  user_id: string | null;
}

/** A fresh X-Request-ID, so a test can find the audit events of one request. */
export const newRid = (label = 'req') => `${label}-${randomUUID()}`;

/** The SHARE_NAME_LOOKUP event as audit_events stores it (see shareNameLookup). */
export interface ShareNameLookupRow {
  event_type: 'SHARE_NAME_LOOKUP';
  user_id: string;
  agent_id: string;
  subject: string;
  reason_code: 'TARGET_NOT_FOUND' | null;
}

/**
 * The event every share by user name records once it is past validation and the
 * one-recipient check, whatever the outcome: the caller's user and agent, the
 * name tried (trimmed) as subject, reason TARGET_NOT_FOUND when no user has it.
 */
export function shareNameLookup(agent: Pick<TestAgent, 'userId' | 'agentId'>, name: string, found: boolean): ShareNameLookupRow {
  return {
    event_type: 'SHARE_NAME_LOOKUP',
    user_id: agent.userId,
    agent_id: agent.agentId,
    subject: name,
    reason_code: found ? null : 'TARGET_NOT_FOUND',
  };
}

/** REST requests as an agent, and the audit events they left (by request id); `app` is read at call time. */
export function agentRequests(app: () => TestApp) {
  /** A request as `agent`, with a fresh (or the given) X-Request-ID; non-object JSON bodies are sent raw. */
  function as(agent: TestAgent, method: Method, path: string, body?: unknown, rid: string = newRid()): Test {
    const req = app().http()[method](path).set('X-Api-Key', agent.apiKey).set('X-Request-ID', rid);
    if (body === undefined) return req;
    if (typeof body === 'object' && body !== null) return req.send(body);
    return req.set('Content-Type', 'application/json').send(JSON.stringify(body));
  }

  function audit(rid: string): Promise<AuditRow[]> {
    return app().db.query(`SELECT event_type, agent_id, user_id FROM audit_events WHERE request_id = $1 ORDER BY seq`, [rid]);
  }

  /** The newest audit sequence number, as text (events after it belong to what a test does next). */
  async function lastAuditSeq(): Promise<string> {
    const [row] = await app().db.query(`SELECT coalesce(max(seq), 0)::text AS seq FROM audit_events`);
    return row.seq as string;
  }

  async function expectAudited(rid: string, eventType: string, agent: TestAgent): Promise<void> {
    expect(await audit(rid)).toEqual([{ event_type: eventType, agent_id: agent.agentId, user_id: agent.userId }]);
  }

  async function expectNotAudited(rid: string): Promise<void> {
    expect(await audit(rid)).toEqual([]);
  }

  /** A refused share by user name: exactly its SHARE_NAME_LOOKUP event (see shareNameLookup), nothing else. */
  async function expectOnlyShareNameLookup(rid: string, agent: TestAgent, name: string, found: boolean): Promise<void> {
    const rows: unknown[] = await app().db.query(
      `SELECT event_type, user_id, agent_id, subject, reason_code FROM audit_events WHERE request_id = $1 ORDER BY seq`,
      [rid],
    );
    expect(rows).toEqual([shareNameLookup(agent, name, found)]);
  }

  /**
   * Each call as `agent` is refused with `status` and audits nothing. With `problem`
   * (a detail, or what expectProblem takes) each answer must be that problem; without,
   * the status is compared with the call named, so a failure says which call it was.
   */
  async function expectRefused(agent: TestAgent, calls: Call[], status: number, problem?: string | RegExp | ProblemExpectation): Promise<void> {
    for (const [method, path, body] of calls) {
      const rid = newRid('refused');
      const res = await as(agent, method, path, body, rid);
      if (problem === undefined) expect({ method, path, body, status: res.status }).toEqual({ method, path, body, status });
      else expectProblem(res, status, problem);
      await expectNotAudited(rid);
    }
  }

  /** Each call without any credentials is a 401 (a write sends a body, so that only the key is missing). */
  async function expectKeyRequired(calls: Call[]): Promise<void> {
    for (const [method, path, body = method === 'get' || method === 'delete' ? undefined : { title: 'x' }] of calls) {
      const req = app().http()[method](path);
      const res = body === undefined ? await req : await req.send(body as object);
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 401 });
    }
  }

  /**
   * Each call by its agent, sent with an AUDIT_FAIL request id inside a refuseAuditFor
   * block, answers a 500 that does not tell why, and the log names the refused insert.
   */
  async function expectRolledBack(calls: [TestAgent, ...Call][]): Promise<void> {
    for (const [agent, method, path, body] of calls) {
      const rid = newRid(AUDIT_FAIL);
      const res = await as(agent, method, path, body, rid);
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 500 });
      expect(res.text).not.toContain('audit refused');
      expect({ path, logged: app().logs.some((l) => l.includes(rid) && l.includes('audit refused by test')) }).toEqual({ path, logged: true });
    }
  }

  return { as, audit, lastAuditSeq, expectAudited, expectNotAudited, expectOnlyShareNameLookup, expectRefused, expectKeyRequired, expectRolledBack };
}

/** Request ids starting with this prefix get their audit insert refused (see refuseAuditFor). */
export const AUDIT_FAIL = 'audit-fail';

/**
 * Makes the database refuse every audit event of a request whose id starts with
 * AUDIT_FAIL, for the enclosing describe block: proves a write rolls back with its event.
 */
export function refuseAuditFor(app: () => TestApp): void {
  beforeAll(async () => {
    await app().db.query(`
      CREATE FUNCTION test_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.request_id LIKE '${AUDIT_FAIL}-%' THEN RAISE EXCEPTION 'audit refused by test'; END IF;
        RETURN NEW;
      END $$`);
    await app().db.query(`CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION test_refuse_audit()`);
  });
  afterAll(async () => {
    await app().db.query(`DROP TRIGGER IF EXISTS test_refuse_audit ON audit_events`);
    await app().db.query(`DROP FUNCTION IF EXISTS test_refuse_audit()`);
  });
}
