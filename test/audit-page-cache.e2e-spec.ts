import type { QueryRunner } from 'typeorm';
import { AuditRetention } from '../src/audit/audit-retention';
import { AuditSealer } from '../src/audit/audit-sealer';
import { Sql } from '../src/database/sql';
import { agentRequests } from './support/agent-requests';
import { connectMcp, toolJson } from './support/mcp-client';
import { startTestApp, TestAgent, TestApp, uniqueName } from './support/test-app';

/*
 * GET /audit keeps a page it rendered once every event up to the tenant's
 * newest is sealed, and serves it again while that newest seq holds. These
 * tests pin what must never be served stale: new events (sealed or not), an
 * event whose transaction commits after a later one, a deleted agent's name,
 * pruned events, another tenant's or another query's page. The sealer's timer
 * is slow here (AUDIT_SEAL_INTERVAL_MS 60000): each test seals when it needs to.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

interface AuditEvent {
  seq: number;
  event_type: string;
  agent: string | null;
  subject: string | null;
}

interface AuditPage {
  events: AuditEvent[];
  next_cursor: string | null;
}

describe('Audit log: pages kept between reads', () => {
  let t: TestApp;
  const { as } = agentRequests(() => t);
  const seal = () => t.app.get(AuditSealer).sealNow();
  let a: TestAgent;
  let sibling: TestAgent;
  let b: TestAgent;

  async function page(agent: TestAgent, query: Record<string, string | number> = {}): Promise<AuditPage> {
    const res = await t.http().get('/audit').query(query).set('X-Api-Key', agent.apiKey);
    expect(res.status).toBe(200);
    return res.body as AuditPage;
  }

  /** The seqs, newest first, of the tenant's events as the database holds them (at most `limit`). */
  async function dbSeqs(agent: TestAgent, limit = 100): Promise<number[]> {
    const rows: { seq: number }[] = await t.db.query(`SELECT seq::int AS seq FROM audit_events WHERE user_id = $1 ORDER BY seq DESC LIMIT $2`, [
      agent.userId,
      limit,
    ]);
    return rows.map((r) => r.seq);
  }

  const seqs = (p: AuditPage) => p.events.map((e) => e.seq);

  /** Counts the page renders (the statement that builds a page's JSON) while `run` runs. */
  async function rendersDuring(run: () => Promise<unknown>): Promise<number> {
    const spy = jest.spyOn(t.app.get(Sql), 'query');
    try {
      await run();
      return spy.mock.calls.filter(([text]) => text.includes('json_agg(shown')).length;
    } finally {
      spy.mockRestore();
    }
  }

  let round = 0;
  /** A secret written and read by `agent`: two events of its tenant. */
  async function activity(agent: TestAgent): Promise<void> {
    round += 1;
    await as(agent, 'put', `/secrets/cache${round}`, { value: `v${round}` }).expect(201);
    await as(agent, 'get', `/secrets/cache${round}`).expect(200);
  }

  beforeAll(async () => {
    t = await startTestApp({ AUDIT_SEAL_INTERVAL_MS: '60000' });
    a = await t.newAgent({ userName: uniqueName('uca'), agentName: uniqueName('ca') });
    sibling = await t.newSibling(a, uniqueName('cas'));
    b = await t.newAgent({ userName: uniqueName('ucb'), agentName: uniqueName('cb') });
    await activity(a);
    await activity(b);
  });
  afterAll(() => t?.close());

  it('serves a sealed, unchanged page again without rendering it, byte for byte', async () => {
    await seal();
    const first = await t.http().get('/audit').set('X-Api-Key', a.apiKey).expect(200);
    const renders = await rendersDuring(async () => {
      for (let i = 0; i < 3; i++) {
        const again = await t.http().get('/audit').set('X-Api-Key', a.apiKey).expect(200);
        expect(again.text).toBe(first.text);
      }
    });
    expect(renders).toBe(0);
    expect(seqs(first.body as AuditPage)).toEqual(await dbSeqs(a));
  });

  it('renders again while the newest events are not sealed yet, and shows each new event at once', async () => {
    await seal();
    await page(a);
    await activity(a);
    const renders = await rendersDuring(async () => {
      expect(seqs(await page(a))).toEqual(await dbSeqs(a));
      expect(seqs(await page(a))).toEqual(await dbSeqs(a));
    });
    expect(renders).toBe(2);
  });

  it('shows a new event on the next read after a kept page, sealed or not', async () => {
    await seal();
    const kept = await page(a);
    await as(a, 'put', '/secrets/fresh', { value: 'x' }).expect(201);
    const unsealed = await page(a);
    expect(unsealed.events[0]).toMatchObject({ event_type: 'SECRET_WRITE', subject: 'fresh' });
    expect(seqs(unsealed).slice(1)).toEqual(seqs(kept).slice(0, 99));
    await seal();
    await page(a);
    await as(a, 'delete', '/secrets/fresh').expect(204);
    await seal();
    expect((await page(a)).events[0]).toMatchObject({ event_type: 'SECRET_DELETE', subject: 'fresh' });
    expect(seqs(await page(a))).toEqual(await dbSeqs(a));
  });

  describe('an event whose transaction commits after a later event did', () => {
    let late: QueryRunner;
    afterEach(async () => {
      if (late.isTransactionActive) await late.rollbackTransaction();
      await late.release();
    });

    it('is shown once it commits: a page read while it was in flight was not kept', async () => {
      await seal();
      await page(a);
      late = t.db.createQueryRunner();
      await late.connect();
      await late.startTransaction();
      const [{ seq: lateSeq }]: { seq: number }[] = await late.query(
        `INSERT INTO audit_events (user_id, agent_id, request_id, event_type, subject) VALUES ($1, $2, 'late', 'LATE_COMMIT', 'late') RETURNING seq::int AS seq`,
        [a.userId, a.agentId],
      );
      await as(a, 'put', '/secrets/after-late', { value: 'x' }).expect(201);
      const during = await page(a);
      expect(during.events[0]).toMatchObject({ event_type: 'SECRET_WRITE', subject: 'after-late' });
      expect(during.events[0].seq).toBeGreaterThan(lateSeq);
      expect(seqs(during)).not.toContain(lateSeq);
      expect(seqs(await page(a))).not.toContain(lateSeq);

      await late.commitTransaction();
      const after = await page(a);
      expect(after.events.slice(0, 2)).toEqual([
        expect.objectContaining({ event_type: 'SECRET_WRITE', subject: 'after-late' }),
        expect.objectContaining({ seq: lateSeq, event_type: 'LATE_COMMIT' }),
      ]);
      await seal();
      expect(seqs(await page(a))).toEqual(await dbSeqs(a));
    });
  });

  it("shows a deleted agent's events with agent null at once", async () => {
    const doomed = await t.newSibling(a, uniqueName('doomed'));
    await as(doomed, 'put', '/secrets/by-doomed', { value: 'x' }).expect(201);
    await seal();
    const before = await page(a, { subject: 'by-doomed' });
    expect(before.events).toEqual([expect.objectContaining({ event_type: 'SECRET_WRITE', agent: doomed.agentName })]);
    await page(a, { subject: 'by-doomed' });
    await t.http().delete(`/admin/agents/${doomed.agentId}`).set({ Authorization: `Bearer ${t.adminToken}` }).expect(204);
    await seal();
    const after = await page(a, { subject: 'by-doomed' });
    expect(after.events).toEqual([expect.objectContaining({ seq: before.events[0].seq, event_type: 'SECRET_WRITE', agent: null })]);
  });

  it('keeps each tenant and each query apart', async () => {
    await activity(sibling);
    await activity(b);
    await seal();
    const pages = async () => ({
      a: await page(a, { limit: 3 }),
      b: await page(b, { limit: 3 }),
      aRead: await page(a, { limit: 3, event_type: 'SECRET_READ' }),
      aSibling: await page(a, { limit: 3, agent: sibling.agentName }),
      aTwo: await page(a, { limit: 2 }),
    });
    const first = await pages();
    const second = await pages();
    expect(second).toEqual(first);
    expect(seqs(first.a)).toEqual(await dbSeqs(a, 3));
    expect(seqs(first.b)).toEqual(await dbSeqs(b, 3));
    expect(seqs(first.aTwo)).toEqual(await dbSeqs(a, 2));
    expect(first.aRead.events.map((e) => e.event_type)).toEqual(['SECRET_READ', 'SECRET_READ', 'SECRET_READ']);
    expect(first.aSibling.events.map((e) => e.agent)).toEqual([sibling.agentName, sibling.agentName]);
    const next = await page(a, { limit: 3, cursor: first.a.next_cursor! });
    expect(seqs(next)).toEqual((await dbSeqs(a, 6)).slice(3));
  });

  it('MCP query_audit shares the pages and their freshness with GET /audit', async () => {
    await seal();
    const rest = await t.http().get('/audit').query({ limit: 5 }).set('X-Api-Key', a.apiKey).expect(200);
    const mcp = await connectMcp(t.baseUrl, { 'X-Api-Key': a.apiKey });
    try {
      expect(toolJson(await mcp.callTool({ name: 'query_audit', arguments: { limit: 5 } }))).toEqual(rest.body);
      await as(a, 'put', '/secrets/via-mcp-check', { value: 'x' }).expect(201);
      const fresh = toolJson(await mcp.callTool({ name: 'query_audit', arguments: { limit: 5 } })) as AuditPage;
      expect(fresh.events[0]).toMatchObject({ event_type: 'SECRET_WRITE', subject: 'via-mcp-check' });
    } finally {
      await mcp.close();
    }
  });

  it('drops pruned events from a kept page at once', async () => {
    await seal();
    const kept = await page(a, { limit: 500 });
    expect(kept.events.length).toBeGreaterThan(5);
    await page(a, { limit: 500 });
    const pruned = await t.app.get(AuditRetention).prune(new Date(Date.now() + 400 * DAY_MS));
    expect(pruned).toBeGreaterThan(0);
    const after = await page(a, { limit: 500 });
    expect(after.events).toEqual([expect.objectContaining({ event_type: 'AUDIT_PRUNED', agent: null })]);
    expect(seqs(after)).toEqual(await dbSeqs(a));
  });
});
