import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Response } from 'supertest';
import { AuditSealer } from '../src/audit/audit-sealer';
import { newRid } from './support/agent-requests';
import { useFixtures } from './support/fixtures';
import { expectProblem } from './support/problems';
import { toolJson } from './support/mcp-client';
import { TestAgent, uniqueName } from './support/test-app';

/*
 * The audit log as tenants read it (GET /audit and the MCP tool query_audit):
 * only the caller's tenant's events, newest first, cursor paging, the filters
 * (event_type, agent, subject, since, until) alone and together, and the 422s.
 * Events come from real routes (secrets, sessions, the admin API) unless a test
 * needs exact timestamps or hundreds of rows; expected texts are written out
 * here, never imported from src/.
 */

const LIMIT_RULE = 'limit must be an integer between 1 and 500';
const CURSOR_RULE = 'cursor must be the next_cursor of a previous page';
const TIME_RULE = (field: string) => `${field} must be an ISO 8601 date-time such as 2026-11-22T00:00:00Z`;
const EVENT_TYPE_RULE = 'event_type must be at most 64 characters';
const NUL_RULE = (field: string) => `${field} may not contain U+0000`;
const AGENT_RULE = 'agent must be an agent name (1-64 characters of a-z, 0-9, _ and - (case-insensitive))';
const EVENT_KEYS = [
  'agent',
  'domain',
  'event_type',
  'grant_id',
  'memory_ids',
  'meta',
  'occurred_at',
  'purpose',
  'purpose_class',
  'reason_code',
  'request_id',
  'scope',
  'seq',
  'subject',
];
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

interface AuditEvent {
  seq: number;
  occurred_at: string;
  event_type: string;
  agent: string | null;
  request_id: string | null;
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

interface AuditPage {
  events: AuditEvent[];
  next_cursor: string | null;
}

type Query = Record<string, string | number>;
type CallResult = Awaited<ReturnType<Client['callTool']>>;

/** An event as GET /audit shows it, with the fields a test does not name left null. */
function event(fields: Partial<AuditEvent> & Pick<AuditEvent, 'event_type'>): AuditEvent {
  return {
    seq: expect.any(Number),
    occurred_at: expect.stringMatching(ISO_MS),
    agent: null,
    request_id: expect.any(String),
    subject: null,
    scope: null,
    domain: null,
    purpose: null,
    purpose_class: null,
    memory_ids: null,
    grant_id: null,
    reason_code: null,
    meta: null,
    ...fields,
  };
}

const seqs = (events: AuditEvent[]) => events.map((e) => e.seq);
const types = (events: AuditEvent[]) => events.map((e) => e.event_type);

describe('Audit log: GET /audit and the MCP tools query_audit / verify_audit', () => {
  const ctx = useFixtures();
  const { as } = ctx;

  /** Tenant A: agents a1 and a1b; tenant B: agent b. */
  let a1: TestAgent;
  let a1b: TestAgent;
  let b: TestAgent;
  /** Request ids of A's requests, by step. */
  const rid = {
    writeAlpha: newRid('write-alpha'),
    readAlpha: newRid('read-alpha'),
    writeBeta: newRid('write-beta'),
    deniedBeta: newRid('denied-beta'),
    session: newRid('session'),
    deleteBeta: newRid('delete-beta'),
    missingGamma: newRid('missing-gamma'),
  };
  let sessionId: number;
  /** A's and B's events as the full first page shows them (limit 500). */
  let eventsA: AuditEvent[];
  let eventsB: AuditEvent[];

  function get(agent: TestAgent, query: Query = {}): Promise<Response> {
    return ctx.http().get('/audit').query(query).set('X-Api-Key', agent.apiKey);
  }

  async function page(agent: TestAgent, query: Query = {}): Promise<AuditPage> {
    const res = await get(agent, query);
    expect({ status: res.status, keys: Object.keys(res.body as object).sort() }).toEqual({ status: 200, keys: ['events', 'next_cursor'] });
    return res.body as AuditPage;
  }

  /** Every page of a query, following next_cursor until it is null. */
  async function walk(agent: TestAgent, query: Query): Promise<AuditPage[]> {
    const pages: AuditPage[] = [];
    let cursor: string | null = null;
    do {
      const next: AuditPage = await page(agent, cursor === null ? query : { ...query, cursor });
      pages.push(next);
      cursor = next.next_cursor;
      expect(pages.length).toBeLessThan(1000);
    } while (cursor !== null);
    return pages;
  }

  async function dbSeqs(userId: string): Promise<number[]> {
    const rows: { seq: number }[] = await ctx.db.query(`SELECT seq::int AS seq FROM audit_events WHERE user_id = $1 ORDER BY seq DESC`, [userId]);
    return rows.map((r) => r.seq);
  }

  beforeAll(async () => {
    a1 = await ctx.newUser({ userName: uniqueName('ua'), agentName: uniqueName('a1') });
    a1b = await ctx.newAgent(a1, uniqueName('a1b'));
    b = await ctx.newUser({ userName: uniqueName('ub'), agentName: uniqueName('b') });

    // Interleaved with B's requests, so A's seqs are not one contiguous run.
    await as(a1, 'put', '/secrets/alpha', { value: 'a-1' }, rid.writeAlpha).expect(201);
    await as(a1, 'get', '/secrets/alpha', undefined, rid.readAlpha).expect(200);
    await as(b, 'put', '/secrets/alpha', { value: 'b-1' }).expect(201);
    await as(a1b, 'put', '/secrets/beta', { value: 'a-2', readers: [a1.agentName] }, rid.writeBeta).expect(201);
    await as(a1b, 'get', '/secrets/beta', undefined, rid.deniedBeta).expect(403);
    await as(b, 'get', '/secrets/alpha').expect(200);
    const session = await as(a1b, 'post', '/sessions', { project: 'mnemo' }, rid.session).expect(201);
    sessionId = session.body.session_id as number;
    await as(a1, 'delete', '/secrets/beta', undefined, rid.deleteBeta).expect(200, { deleted: 'beta' });
    await as(a1, 'get', '/secrets/gamma', undefined, rid.missingGamma).expect(404);

    eventsA = (await page(a1, { limit: 500 })).events;
    eventsB = (await page(b, { limit: 500 })).events;
  });

  describe('the list', () => {
    it("answers the caller's tenant's events, newest first, each with every field", () => {
      const admin = { meta: { actor: 'admin' } };
      expect(eventsA).toEqual([
        event({ event_type: 'SECRET_READ_DENIED', agent: a1.agentName, request_id: rid.missingGamma, subject: 'gamma', reason_code: 'NOT_FOUND' }),
        event({ event_type: 'SECRET_DELETE', agent: a1.agentName, request_id: rid.deleteBeta, subject: 'beta' }),
        event({ event_type: 'SESSION_CREATE', agent: a1b.agentName, request_id: rid.session, subject: a1b.agentName, meta: { session_id: sessionId } }),
        event({ event_type: 'SECRET_READ_DENIED', agent: a1b.agentName, request_id: rid.deniedBeta, subject: 'beta', reason_code: 'NOT_A_READER' }),
        event({ event_type: 'SECRET_WRITE', agent: a1b.agentName, request_id: rid.writeBeta, subject: 'beta', meta: { key_id: 1, readers: [a1.agentName] } }),
        event({ event_type: 'SECRET_READ', agent: a1.agentName, request_id: rid.readAlpha, subject: 'alpha' }),
        event({ event_type: 'SECRET_WRITE', agent: a1.agentName, request_id: rid.writeAlpha, subject: 'alpha', meta: { key_id: 1 } }),
        event({ event_type: 'KEY_CREATE', subject: a1b.agentName, meta: { actor: 'admin', agent_id: a1b.agentId, key_id: a1b.keyId } }),
        event({ event_type: 'AGENT_CREATE', subject: a1b.agentName, meta: { actor: 'admin', agent_id: a1b.agentId } }),
        event({ event_type: 'KEY_CREATE', subject: a1.agentName, meta: { actor: 'admin', agent_id: a1.agentId, key_id: a1.keyId } }),
        event({ event_type: 'AGENT_CREATE', subject: a1.agentName, meta: { actor: 'admin', agent_id: a1.agentId } }),
        event({ event_type: 'USER_CREATE', subject: a1.userName, ...admin }),
      ]);
      for (const e of eventsA) expect(Object.keys(e).sort()).toEqual(EVENT_KEYS);
    });

    it('lists exactly the tenant’s rows, by strictly decreasing seq, with their stored times', async () => {
      expect(seqs(eventsA)).toEqual(await dbSeqs(a1.userId));
      expect(seqs(eventsB)).toEqual(await dbSeqs(b.userId));
      const rows: { seq: number; occurred_at: Date }[] = await ctx.db.query(
        `SELECT seq::int AS seq, occurred_at FROM audit_events WHERE user_id = $1 ORDER BY seq DESC`,
        [a1.userId],
      );
      expect(eventsA.map((e) => ({ seq: e.seq, occurred_at: e.occurred_at }))).toEqual(
        rows.map((r) => ({ seq: r.seq, occurred_at: r.occurred_at.toISOString() })),
      );
    });

    it("never shows another tenant's events (same subject, same event types)", () => {
      expect(types(eventsB)).toEqual(['SECRET_READ', 'SECRET_WRITE', 'KEY_CREATE', 'AGENT_CREATE', 'USER_CREATE']);
      expect(eventsB.filter((e) => e.agent !== null).map((e) => e.agent)).toEqual([b.agentName, b.agentName]);
      const seqsB = new Set(seqs(eventsB));
      expect(eventsA.filter((e) => seqsB.has(e.seq))).toEqual([]);
      // B's events sit between A's by seq: the isolation is by tenant, not by a seq range.
      expect(Math.min(...seqs(eventsB))).toBeLessThan(Math.max(...seqs(eventsA)));
      expect(Math.max(...seqs(eventsB))).toBeGreaterThan(Math.min(...seqs(eventsA)));
    });

    it('answers an empty list for a tenant whose agents did nothing but be created', async () => {
      const fresh = await ctx.newUser();
      expect(types((await page(fresh)).events)).toEqual(['KEY_CREATE', 'AGENT_CREATE', 'USER_CREATE']);
      expect(await page(fresh, { event_type: 'SECRET_READ' })).toEqual({ events: [], next_cursor: null });
    });

    it('shows every column as stored: memory ids as a list, meta with every digit, escapes and all', async () => {
      const stored = await ctx.newUser();
      const memoryIds = ['6f1c3c2e-8a4b-4c1d-9e2f-0a1b2c3d4e5f', '0b7e5a4d-3c2b-4a19-8f7e-6d5c4b3a2918'];
      const grantId = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';
      const subject = 'quote " backslash \\ newline \n tab \t é 🔑 \u2028';
      const meta = '{"big": 12345678901234567890123, "tiny": 0.1000000000000000000000001, "text": "a \\"b\\" \\\\ \\n 🔑", "nested": {"list": [1, null, true, -2.5e-7]}}';
      const [{ seq }]: { seq: number }[] = await ctx.db.query(
        `INSERT INTO audit_events (user_id, agent_id, request_id, event_type, subject, scope, domain, purpose, purpose_class, memory_ids, grant_id, reason_code, meta)
         VALUES ($1, $2, 'stored-1', 'MEMORY_READ', $3, 'preferences', 'food', 'plan dinner', 'personalization', $4, $5, 'OK', $6::jsonb)
         RETURNING seq::int AS seq`,
        [stored.userId, stored.agentId, subject, memoryIds, grantId, meta],
      );
      const res = await get(stored, { limit: 1 });
      expect(res.status).toBe(200);
      // Numbers beyond a double's precision reach the client digit for digit.
      expect(res.text).toMatch(/"big": ?12345678901234567890123[,}]/);
      expect(res.text).toMatch(/"tiny": ?0\.1000000000000000000000001[,}]/);
      expect((res.body as AuditPage).events).toEqual([
        {
          seq,
          occurred_at: expect.stringMatching(ISO_MS),
          event_type: 'MEMORY_READ',
          agent: stored.agentName,
          request_id: 'stored-1',
          subject,
          scope: 'preferences',
          domain: 'food',
          purpose: 'plan dinner',
          purpose_class: 'personalization',
          memory_ids: memoryIds,
          grant_id: grantId,
          reason_code: 'OK',
          meta: { big: Number('12345678901234567890123'), tiny: 0.1, text: 'a "b" \\ \n 🔑', nested: { list: [1, null, true, -2.5e-7] } },
        },
      ]);
      expect(Object.keys((res.body as AuditPage).events[0])).toEqual([
        'seq',
        'occurred_at',
        'event_type',
        'agent',
        'request_id',
        'subject',
        'scope',
        'domain',
        'purpose',
        'purpose_class',
        'memory_ids',
        'grant_id',
        'reason_code',
        'meta',
      ]);
      expect((res.body as AuditPage).next_cursor).toBe(String(seq));
    });

    it('needs an agent key (401 without one)', async () => {
      const res = await ctx.http().get('/audit');
      expectProblem(res, 401, 'API key required: send it as X-Api-Key: <key> or Authorization: Bearer <key>');
      expectProblem(await ctx.http().get('/audit/verify'), 401, 'API key required: send it as X-Api-Key: <key> or Authorization: Bearer <key>');
    });
  });

  describe('paging', () => {
    it('walks every event with a small limit: no duplicate, no gap, next_cursor null on the last page', async () => {
      const pages = await walk(a1, { limit: 5 });
      expect(pages.map((p) => p.events.length)).toEqual([5, 5, 2]);
      expect(pages.map((p) => p.next_cursor === null)).toEqual([false, false, true]);
      expect(pages.flatMap((p) => p.events)).toEqual(eventsA);
    });

    it('limit 1 pages one event at a time through the whole list', async () => {
      const pages = await walk(a1, { limit: 1 });
      expect(pages).toHaveLength(eventsA.length);
      expect(pages.flatMap((p) => p.events)).toEqual(eventsA);
    });

    it('a limit equal to the number of events answers one page with next_cursor null; one less leaves a page of one', async () => {
      expect(await page(a1, { limit: eventsA.length })).toEqual({ events: eventsA, next_cursor: null });
      const first = await page(a1, { limit: eventsA.length - 1 });
      expect(first.events).toEqual(eventsA.slice(0, -1));
      expect(first.next_cursor).toEqual(expect.any(String));
      expect(await page(a1, { limit: eventsA.length - 1, cursor: first.next_cursor! })).toEqual({ events: eventsA.slice(-1), next_cursor: null });
    });

    it('a cursor pages on from where the page before stopped, with any limit', async () => {
      const first = await page(a1, { limit: 3 });
      const rest = await page(a1, { limit: 500, cursor: first.next_cursor! });
      expect([...first.events, ...rest.events]).toEqual(eventsA);
      expect(rest.next_cursor).toBeNull();
    });

    it('a cursor past every event answers the whole list', async () => {
      expect(await page(a1, { limit: 500, cursor: '999999999999999999' })).toEqual({ events: eventsA, next_cursor: null });
    });

    describe('limits on a long history (events inserted with SQL)', () => {
      let bulk: TestAgent;
      let total: number;

      beforeAll(async () => {
        bulk = await ctx.newUser();
        await ctx.db.query(
          `INSERT INTO audit_events (user_id, event_type, subject) SELECT $1, 'BULK_TEST', 'bulk-' || g FROM generate_series(1, 520) g`,
          [bulk.userId],
        );
        total = 520 + 3;
      });

      it('answers 100 events by default', async () => {
        const first = await page(bulk);
        expect(first.events).toHaveLength(100);
        expect(first.events.slice(0, 2).map((e) => e.subject)).toEqual(['bulk-520', 'bulk-519']);
        expect(first.next_cursor).toEqual(expect.any(String));
      });

      it('answers at most 500 events a page, and pages through all of them', async () => {
        const pages = await walk(bulk, { limit: 500 });
        expect(pages.map((p) => p.events.length)).toEqual([500, total - 500]);
        const all = pages.flatMap((p) => p.events);
        expect(new Set(seqs(all)).size).toBe(total);
        expect(seqs(all)).toEqual(await dbSeqs(bulk.userId));
      });

      it('pages a filtered list without mixing in other event types', async () => {
        const pages = await walk(bulk, { event_type: 'BULK_TEST', limit: 200 });
        expect(pages.map((p) => p.events.length)).toEqual([200, 200, 120]);
        const subjects = pages.flatMap((p) => p.events).map((e) => e.subject);
        expect(subjects).toEqual(Array.from({ length: 520 }, (_, i) => `bulk-${520 - i}`));
      });
    });
  });

  describe('filters', () => {
    it('event_type: only events of that type', async () => {
      const { events, next_cursor } = await page(a1, { event_type: 'SECRET_WRITE' });
      expect(next_cursor).toBeNull();
      expect(events).toEqual(eventsA.filter((e) => e.event_type === 'SECRET_WRITE'));
      expect(events.map((e) => e.subject)).toEqual(['beta', 'alpha']);
      expect(await page(a1, { event_type: 'secret_write' })).toEqual({ events: [], next_cursor: null });
      expect(await page(a1, { event_type: 'NO_SUCH_EVENT' })).toEqual({ events: [], next_cursor: null });
    });

    it('agent: only events done by that agent of the tenant, by name in any case', async () => {
      const byA1b = eventsA.filter((e) => e.agent === a1b.agentName);
      expect(types(byA1b)).toEqual(['SESSION_CREATE', 'SECRET_READ_DENIED', 'SECRET_WRITE']);
      expect((await page(a1, { agent: a1b.agentName })).events).toEqual(byA1b);
      expect((await page(a1, { agent: ` ${a1b.agentName.toUpperCase()} ` })).events).toEqual(byA1b);
      expect((await page(a1b, { agent: a1.agentName })).events).toEqual(eventsA.filter((e) => e.agent === a1.agentName));
    });

    it('agent: an unknown agent, or an agent of another tenant, matches nothing', async () => {
      expect(await page(a1, { agent: uniqueName('nobody') })).toEqual({ events: [], next_cursor: null });
      expect(await page(a1, { agent: b.agentName })).toEqual({ events: [], next_cursor: null });
    });

    it('subject: only events about that subject, exactly', async () => {
      expect(types((await page(a1, { subject: 'alpha' })).events)).toEqual(['SECRET_READ', 'SECRET_WRITE']);
      expect(types((await page(a1, { subject: 'beta' })).events)).toEqual(['SECRET_DELETE', 'SECRET_READ_DENIED', 'SECRET_WRITE']);
      expect((await page(a1, { subject: 'alph' })).events).toEqual([]);
      expect((await page(b, { subject: 'alpha' })).events).toEqual(eventsB.filter((e) => e.subject === 'alpha'));
    });

    it('filters combine with AND', async () => {
      expect((await page(a1, { event_type: 'SECRET_WRITE', subject: 'beta' })).events).toEqual([
        eventsA.find((e) => e.request_id === rid.writeBeta),
      ]);
      expect((await page(a1, { event_type: 'SECRET_READ_DENIED', agent: a1.agentName })).events).toEqual([
        eventsA.find((e) => e.request_id === rid.missingGamma),
      ]);
      expect((await page(a1, { event_type: 'SECRET_WRITE', agent: a1.agentName, subject: 'alpha' })).events).toEqual([
        eventsA.find((e) => e.request_id === rid.writeAlpha),
      ]);
      expect((await page(a1, { event_type: 'SECRET_WRITE', agent: a1.agentName, subject: 'beta' })).events).toEqual([]);
      const since = eventsA.find((e) => e.request_id === rid.writeAlpha)!.occurred_at;
      expect(types((await page(a1, { subject: 'beta', since, agent: a1b.agentName })).events)).toEqual(['SECRET_READ_DENIED', 'SECRET_WRITE']);
    });

    it('a filtered list pages with its cursor', async () => {
      const pages = await walk(a1, { subject: 'beta', limit: 2 });
      expect(pages.map((p) => types(p.events))).toEqual([['SECRET_DELETE', 'SECRET_READ_DENIED'], ['SECRET_WRITE']]);
      expect(pages[1].next_cursor).toBeNull();
    });

    describe('since and until (events at set instants)', () => {
      let timed: TestAgent;
      /** The tenant's three events (USER_CREATE, AGENT_CREATE, KEY_CREATE) at T0, T0 + 1 s, T0 + 2 s. */
      const T = ['2026-03-01T10:00:00.000Z', '2026-03-01T10:00:01.000Z', '2026-03-01T10:00:02.000Z'];

      beforeAll(async () => {
        timed = await ctx.newUser();
        await ctx.db.query(
          `UPDATE audit_events e SET occurred_at = $2::timestamptz + (n.i - 1) * interval '1 second'
             FROM (SELECT seq, row_number() OVER (ORDER BY seq) AS i FROM audit_events WHERE user_id = $1) n
            WHERE e.seq = n.seq AND e.user_id = $1`,
          [timed.userId, T[0]],
        );
      });

      const at = async (query: Query) => (await page(timed, query)).events.map((e) => e.occurred_at);

      it('the events carry the set instants', async () => {
        expect(await at({})).toEqual([T[2], T[1], T[0]]);
      });

      it('since includes an event at exactly that instant', async () => {
        expect(await at({ since: T[1] })).toEqual([T[2], T[1]]);
        expect(await at({ since: '2026-03-01T10:00:01.001Z' })).toEqual([T[2]]);
        expect(await at({ since: '2026-03-01T10:00:00.999Z' })).toEqual([T[2], T[1]]);
      });

      it('until excludes an event at exactly that instant', async () => {
        expect(await at({ until: T[1] })).toEqual([T[0]]);
        expect(await at({ until: '2026-03-01T10:00:01.001Z' })).toEqual([T[1], T[0]]);
        expect(await at({ until: T[0] })).toEqual([]);
      });

      it('since and until together bound a half-open interval', async () => {
        expect(await at({ since: T[0], until: T[2] })).toEqual([T[1], T[0]]);
        expect(await at({ since: T[1], until: T[1] })).toEqual([]);
        expect(await at({ since: T[2], until: T[0] })).toEqual([]);
      });

      it('accepts offsets and dates without a time of day', async () => {
        expect(await at({ since: '2026-03-01T11:00:01+01:00' })).toEqual([T[2], T[1]]);
        expect(await at({ until: '2026-03-01T05:00:02-05:00' })).toEqual([T[1], T[0]]);
        expect(await at({ since: '2026-03-01', until: '2026-03-02' })).toEqual([T[2], T[1], T[0]]);
        expect(await at({ since: '2026-03-02' })).toEqual([]);
      });

      it('combines with the other filters and paging', async () => {
        expect(types((await page(timed, { since: T[1], event_type: 'KEY_CREATE' })).events)).toEqual(['KEY_CREATE']);
        expect(types((await page(timed, { until: T[2], event_type: 'KEY_CREATE' })).events)).toEqual([]);
        const pages = await walk(timed, { since: T[0], until: T[2], limit: 1 });
        expect(pages.map((p) => types(p.events))).toEqual([['AGENT_CREATE'], ['USER_CREATE']]);
      });
    });
  });

  describe('tenant isolation of cursors', () => {
    it("another tenant's cursor only pages through the caller's own events", async () => {
      const firstA = await page(a1, { limit: 2 });
      const cursor = Number(firstA.next_cursor);
      const fromB = await page(b, { limit: 500, cursor: firstA.next_cursor! });
      expect(fromB.events).toEqual(eventsB.filter((e) => e.seq < cursor));
      expect(fromB.events.length).toBeGreaterThan(0);
      const seqsA = new Set(seqs(eventsA));
      expect(fromB.events.filter((e) => seqsA.has(e.seq))).toEqual([]);
    });

    it("a tenant's cursor from B's page never reveals A's events either", async () => {
      const firstB = await page(b, { limit: 1 });
      const cursor = Number(firstB.next_cursor);
      const fromA = await page(a1, { limit: 500, cursor: firstB.next_cursor! });
      expect(fromA.events).toEqual(eventsA.filter((e) => e.seq < cursor));
      const seqsB = new Set(seqs(eventsB));
      expect(fromA.events.filter((e) => seqsB.has(e.seq))).toEqual([]);
    });
  });

  describe('bad parameters (422 problem)', () => {
    async function expectInvalid(query: Query, field: string, message: string): Promise<void> {
      const res = await get(a1, query);
      expectProblem(res, 422, message);
      expect(res.body).toEqual(expect.objectContaining({ code: 'validation_failed', errors: [{ field, message }] }));
    }

    it.each([['0'], ['501'], ['abc'], ['1.5'], ['-1'], ['']])('limit %j', async (limit) => {
      await expectInvalid({ limit }, 'limit', LIMIT_RULE);
    });

    it('limit 1 and 500 are accepted', async () => {
      expect((await page(a1, { limit: 1 })).events).toHaveLength(1);
      expect((await page(a1, { limit: 500 })).events).toEqual(eventsA);
    });

    it.each([['abc'], ['0'], ['-5'], ['012'], ['1.5'], ['9999999999999999999']])('cursor %j', async (cursor) => {
      await expectInvalid({ cursor }, 'cursor', CURSOR_RULE);
    });

    it.each([['yesterday'], ['2026-13-01T00:00:00Z'], ['2026-02-30T00:00:00Z'], ['1700000000']])('since %j', async (since) => {
      await expectInvalid({ since }, 'since', TIME_RULE('since'));
    });

    it('until "tomorrow"', async () => {
      await expectInvalid({ until: 'tomorrow' }, 'until', TIME_RULE('until'));
    });

    it('event_type longer than 64 characters (64 are accepted)', async () => {
      await expectInvalid({ event_type: 'E'.repeat(65) }, 'event_type', EVENT_TYPE_RULE);
      expect(await page(a1, { event_type: 'E'.repeat(64) })).toEqual({ events: [], next_cursor: null });
    });

    it('agent that is not an agent name', async () => {
      await expectInvalid({ agent: 'not a name!' }, 'agent', AGENT_RULE);
    });

    it('subject longer than 1000 characters', async () => {
      await expectInvalid({ subject: 's'.repeat(1001) }, 'subject', 'subject must be at most 1000 characters');
    });

    it.each([['subject'], ['event_type']])('%s holding U+0000 (which no stored event can hold)', async (field) => {
      await expectInvalid({ [field]: 'a\u0000b' }, field, NUL_RULE(field));
    });

    it('a parameter given twice', async () => {
      const res = await ctx.http().get('/audit?event_type=SECRET_READ&event_type=SECRET_WRITE').set('X-Api-Key', a1.apiKey);
      expectProblem(res, 422, 'event_type must be a string');
    });

    it('reports every bad parameter at once', async () => {
      const res = await get(a1, { limit: 0, cursor: 'abc', since: 'yesterday' });
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual(
        expect.arrayContaining([
          { field: 'limit', message: LIMIT_RULE },
          { field: 'cursor', message: CURSOR_RULE },
          { field: 'since', message: TIME_RULE('since') },
        ]),
      );
      expect(res.body.errors).toHaveLength(3);
    });
  });

  describe('MCP tools (official SDK client)', () => {
    let mcpA: Client;
    let mcpB: Client;

    beforeAll(async () => {
      mcpA = await ctx.mcp(a1);
      mcpB = await ctx.mcp(b);
    });

    const call = (client: Client, name: string, args: Record<string, unknown> = {}) => client.callTool({ name, arguments: args });

    function ok<T>(result: CallResult): T {
      if (result.isError) throw new Error(`tool failed: ${JSON.stringify(toolJson(result))}`);
      const json = toolJson(result);
      expect(result.structuredContent).toEqual(json);
      return json as T;
    }

    function toolError(result: CallResult): { code: string; message: string; errors?: unknown } {
      expect(result.isError).toBe(true);
      const json = toolJson(result) as { error: { code: string; message: string } };
      expect(Object.keys(json)).toEqual(['error']);
      return json.error;
    }

    it('lists both tools as read-only', async () => {
      const { tools } = await mcpA.listTools();
      const audit = tools.filter((tool) => ['query_audit', 'verify_audit'].includes(tool.name));
      expect(audit.map((tool) => tool.name).sort()).toEqual(['query_audit', 'verify_audit']);
      for (const tool of audit) expect(tool.annotations?.readOnlyHint).toBe(true);
    });

    it('query_audit answers what GET /audit answers', async () => {
      expect(ok(await call(mcpA, 'query_audit', { limit: 500 }))).toEqual({ events: eventsA, next_cursor: null });
      expect(ok(await call(mcpB, 'query_audit'))).toEqual({ events: eventsB, next_cursor: null });
    });

    it('query_audit takes the same filters and cursor', async () => {
      const args = { event_type: 'SECRET_READ_DENIED', agent: a1b.agentName, subject: 'beta' };
      expect(ok(await call(mcpA, 'query_audit', args))).toEqual(await page(a1, args));
      const first = ok<AuditPage>(await call(mcpA, 'query_audit', { limit: 4 }));
      expect(first.events).toEqual(eventsA.slice(0, 4));
      const second = ok<AuditPage>(await call(mcpA, 'query_audit', { limit: 100, cursor: first.next_cursor }));
      expect(second).toEqual({ events: eventsA.slice(4), next_cursor: null });
      const since = eventsA.find((e) => e.request_id === rid.session)!.occurred_at;
      expect(ok(await call(mcpA, 'query_audit', { since }))).toEqual(await page(a1, { since }));
      expect(ok(await call(mcpA, 'query_audit', { until: since }))).toEqual(await page(a1, { until: since }));
    });

    it("query_audit never shows another tenant's events, also with that tenant's cursor or agent", async () => {
      const firstA = ok<AuditPage>(await call(mcpA, 'query_audit', { limit: 2 }));
      const fromB = ok<AuditPage>(await call(mcpB, 'query_audit', { cursor: firstA.next_cursor }));
      expect(fromB.events).toEqual(eventsB.filter((e) => e.seq < Number(firstA.next_cursor)));
      expect(ok(await call(mcpB, 'query_audit', { agent: a1.agentName }))).toEqual({ events: [], next_cursor: null });
      expect(ok(await call(mcpB, 'query_audit', { subject: 'beta' }))).toEqual({ events: [], next_cursor: null });
    });

    it('query_audit with an agent_key argument answers for that key’s tenant', async () => {
      const bare = await ctx.connectMcp();
      expect(ok(await call(bare, 'query_audit', { agent_key: b.apiKey }))).toEqual({ events: eventsB, next_cursor: null });
      expect(ok(await call(bare, 'query_audit', { agent_key: a1.apiKey, limit: 500 }))).toEqual({ events: eventsA, next_cursor: null });
    });

    it('query_audit refuses bad arguments with the REST messages', async () => {
      expect(toolError(await call(mcpA, 'query_audit', { limit: 0 }))).toEqual({
        code: 'validation_failed',
        message: LIMIT_RULE,
        errors: [{ field: 'limit', message: LIMIT_RULE }],
      });
      expect(toolError(await call(mcpA, 'query_audit', { limit: 501 }))).toEqual(expect.objectContaining({ message: LIMIT_RULE }));
      expect(toolError(await call(mcpA, 'query_audit', { cursor: '0' }))).toEqual(expect.objectContaining({ message: CURSOR_RULE }));
      expect(toolError(await call(mcpA, 'query_audit', { since: 'yesterday' }))).toEqual(expect.objectContaining({ message: TIME_RULE('since') }));
      expect(toolError(await call(mcpA, 'query_audit', { event_type: 'E'.repeat(65) }))).toEqual(
        expect.objectContaining({ message: EVENT_TYPE_RULE }),
      );
      expect(toolError(await call(mcpA, 'query_audit', { subject: 'a\u0000b' }))).toEqual({
        code: 'validation_failed',
        message: NUL_RULE('subject'),
        errors: [{ field: 'subject', message: NUL_RULE('subject') }],
      });
    });

    it('query_audit without a key is refused', async () => {
      const anonymous = await ctx.connectMcp();
      expect(toolError(await call(anonymous, 'query_audit'))).toEqual({
        code: 'unauthorized',
        message: 'API key required: pass your agent key as the agent_key argument, or connect with the X-Api-Key or Authorization: Bearer header',
      });
    });

    it('verify_audit answers what GET /audit/verify answers, per tenant', async () => {
      await ctx.app.app.get(AuditSealer).sealNow();
      const restA = await ctx.http().get('/audit/verify').set('X-Api-Key', a1.apiKey).expect(200);
      expect(restA.body).toEqual({ ok: true, events_checked: eventsA.length, sealed_through_seq: expect.any(Number), first_bad_seq: null });
      expect(restA.body.sealed_through_seq).toBeGreaterThanOrEqual(Math.max(...seqs(eventsA)));
      expect(ok(await call(mcpA, 'verify_audit'))).toEqual(restA.body);
      const restB = await ctx.http().get('/audit/verify').set('X-Api-Key', b.apiKey).expect(200);
      expect(restB.body).toEqual({ ok: true, events_checked: eventsB.length, sealed_through_seq: restA.body.sealed_through_seq, first_bad_seq: null });
      expect(ok(await call(mcpB, 'verify_audit'))).toEqual(restB.body);
    });
  });
});
