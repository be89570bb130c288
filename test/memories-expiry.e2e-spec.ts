import { Client } from 'pg';
import { randomUUID } from 'node:crypto';
import { RetentionSweep } from '../src/grants/retention-sweep';
import { useFixtures } from './support/fixtures';
import { DAY_MS, MemoryBody, key, memoryBody, memoryRequests } from './support/scoped-memories';
import { uniqueName } from './support/test-app';

/**
 * MemoryScope v1 scoped memories over REST, against real PostgreSQL: TTL and
 * expiry, and the retention sweep (MEMORY_RETENTION_DAYS), also with a database
 * session whose time zone is not UTC.
 */

describe('scoped memories (MemoryScope v1): TTL and expiry', () => {
  const ctx = useFixtures();
  const { created, list, audits, memoryExists, expire } = memoryRequests(ctx);

  describe('TTL and expiry', () => {
    it('an expired memory is not merged by a read, and is flagged expired in the list', async () => {
      const agent = await ctx.newUser();
      const subject = uniqueName('ttl');
      const live = await created(agent, { user_id: subject, value_json: { likes: ['tea'] } });
      const old = await created(agent, { user_id: subject, value_json: { likes: ['coffee'], dislikes: ['milk'] } });

      const readBody = { user_id: subject, scope: 'preferences', purpose_class: 'recommendation' };
      const before = await ctx.http().post('/memory/read').set(key(agent)).send(readBody).expect(200);
      expect(before.body.summary_struct).toEqual({ likes: ['coffee', 'tea'], dislikes: ['milk'], settings: {} });
      expect(before.body.confidence).toBe(0.7);

      await expire(old.id!, '1 second');
      const rid = `ttl-read-${randomUUID()}`;
      const after = await ctx.http().post('/memory/read').set(key(agent)).set('X-Request-ID', rid).send(readBody).expect(200);
      expect(after.body.summary_text).toBe('Likes: 1, Dislikes: 0, Settings: 0');
      expect(after.body.summary_struct).toEqual({ likes: ['tea'], dislikes: [], settings: {} });
      expect(after.body.confidence).toBe(0.6);
      const [event] = await audits(`event_type = 'MEMORY_READ' AND request_id = $1`, [rid]);
      expect(event.memory_ids).toEqual([live.id]);

      // Continue under the earlier grant does not see it either.
      const cont = await ctx
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
      const none = await ctx.http().post('/memory/read').set(key(agent)).send(readBody).expect(200);
      expect(none.body.summary_text).toBe('No memories found.');
      expect(none.body.summary_struct).toEqual({});
      expect(none.body.confidence).toBe(0);
    });

    it('the retention sweep deletes memories expired longer than MEMORY_RETENTION_DAYS (30) ago and keeps the rest', async () => {
      expect(ctx.app.config.memoryRetentionDays).toBe(30);
      const agent = await ctx.newUser();
      const other = await ctx.newUser();
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

      const removed = await ctx.app.app.get(RetentionSweep).sweep();
      expect(removed.memories).toBeGreaterThanOrEqual(2);
      expect(await memoryExists(longExpired.id!)).toBe(false);
      expect(await memoryExists(longExpiredOtherTenant.id!)).toBe(false);
      expect(await memoryExists(recentlyExpired.id!)).toBe(true);
      expect(await memoryExists(justInside.id!)).toBe(true);
      expect(await memoryExists(live.id!)).toBe(true);

      const listed = await list(agent, { user_id: subject, include_expired: true });
      expect(listed.memories.map((m) => m.id).sort()).toEqual([recentlyExpired.id, justInside.id, live.id].sort());

      // Idempotent: a second sweep deletes nothing more of these.
      await ctx.app.app.get(RetentionSweep).sweep();
      expect(await memoryExists(recentlyExpired.id!)).toBe(true);
    });
  });
});

describe('scoped memories with MEMORY_RETENTION_DAYS=0', () => {
  const ctx = useFixtures({ env: { MEMORY_RETENTION_DAYS: '0' } });

  it('the sweep deletes anything expired and keeps live memories', async () => {
    expect(ctx.app.config.memoryRetentionDays).toBe(0);
    const agent = await ctx.newUser();
    const post = (body: MemoryBody) => ctx.http().post('/memory').set(key(agent)).send(memoryBody(body)).expect(201);
    const expired = (await post({ user_id: 's0' })).body.id as string;
    const live = (await post({ user_id: 's0' })).body.id as string;
    await ctx.db.query(`UPDATE scoped_memories SET expires_at = now() - interval '1 second' WHERE id = $1`, [expired]);

    const removed = await ctx.app.app.get(RetentionSweep).sweep();
    expect(removed.memories).toBe(1);
    const rows: { id: string }[] = await ctx.db.query(`SELECT id FROM scoped_memories`);
    expect(rows.map((r) => r.id)).toEqual([live]);
  });
});

describe('scoped memory expiry when the database session is not in UTC', () => {
  const previous = process.env.PGOPTIONS;

  beforeAll(() => {
    // A PostgreSQL server configured with a local time zone (with daylight saving time), before the app starts.
    process.env.PGOPTIONS = '-c TimeZone=America/New_York';
  });
  const ctx = useFixtures();
  afterAll(() => {
    // After the app closed (hooks run in order).
    if (previous === undefined) delete process.env.PGOPTIONS;
    else process.env.PGOPTIONS = previous;
  });

  it('expires_at - created_at is exactly ttl_days × 24 h, also when the expiry falls after a DST change', async () => {
    // The server default (PGOPTIONS) says New York; the service's own sessions are pinned to UTC.
    const probe = new Client({ connectionString: ctx.app.config.databaseUrl });
    await probe.connect();
    const [{ TimeZone: serverDefault }] = (await probe.query<{ TimeZone: string }>('SHOW TimeZone')).rows;
    await probe.end();
    expect(serverDefault).toBe('America/New_York');
    const [{ TimeZone }] = await ctx.db.query('SHOW TimeZone');
    expect(TimeZone).toBe('UTC');
    // The ttl_days whose expiry has another UTC offset in New York than now, whatever today is.
    const offset = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', timeZoneName: 'shortOffset' });
    const offsetAt = (ms: number) => offset.formatToParts(ms).find((p) => p.type === 'timeZoneName')!.value;
    const now = Date.now();
    const crossing = Array.from({ length: 365 }, (_, i) => i + 1).filter((d) => offsetAt(now + d * DAY_MS) !== offsetAt(now));
    expect(crossing.length).toBeGreaterThan(0);
    const ttls = [...new Set([1, 30, 365, crossing[0], crossing[crossing.length - 1]])];

    const agent = await ctx.newUser();
    const wrong: { ttl_days: number; hours: number }[] = [];
    for (const ttl of ttls) {
      const res = await ctx.http().post('/memory').set(key(agent)).send(memoryBody({ user_id: 'dst', ttl_days: ttl }));
      expect(res.status).toBe(201);
      const hours = (Date.parse(res.body.expires_at) - Date.parse(res.body.created_at)) / 3_600_000;
      if (hours !== ttl * 24) wrong.push({ ttl_days: ttl, hours });
    }
    expect(wrong).toEqual([]);
  });
});
