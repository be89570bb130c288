import { Client } from 'pg';
import { performance } from 'node:perf_hooks';
import { embeddedConnection } from './service-process';

/**
 * Direct SQL on the benchmark's embedded PostgreSQL, for the scale measurement:
 * bulk-loads realistic scoped memories (many subjects, every scope) and
 * explains the read's SELECT.
 */

/** Memories per bulk-loaded subject. */
export const MEMORIES_PER_SUBJECT = 100;
/** Rows per INSERT ... SELECT generate_series statement. */
const CHUNK_ROWS = 50_000;
/** Connections inserting chunks side by side (the service is idle meanwhile: use both cores). */
const LOADERS = 2;

/**
 * The read's SELECT, as ScopedMemoriesRepository.selectForMerge sends it for a
 * domain-less read (`domain IS NULL`): $1 tenant, $2 subject, $3 scope,
 * $4 max_age_days (null), $5 limit (MERGE_LIMIT).
 */
export const READ_SELECT = `SELECT id, created_at, value_shape, value_json
         FROM scoped_memories
        WHERE user_id = $1 AND subject = $2 AND scope = $3 AND domain IS NULL
          AND expires_at > now()
          AND ($4::int IS NULL OR created_at >= now() - make_interval(days => $4::int))
        ORDER BY created_at DESC, id DESC
        LIMIT $5`;

/** The index a read must use. */
export const READ_INDEX = 'scoped_memories_read_idx';
/**
 * An index scan the plan check accepts: on READ_INDEX, or on another index of the
 * same family (`scoped_memories_read_*`, e.g. a partial index for domain-less reads).
 */
const READ_INDEX_SCAN = /Index (?:Only )?Scan (?:Backward )?using (scoped_memories_read\w*) on scoped_memories\b/;

/** Distinct (scope, domain, shape, value) rows the bulk data cycles through: 10 subjects' worth. */
const VARIANTS = 10 * MEMORIES_PER_SUBJECT;

/**
 * Rows `from` ≤ i < `to` of the bulk data set: subject `scale-subject-NNNNN` =
 * i / 100, and per subject 100 memories over all six scopes: 40 domain-less
 * preferences (likes/dislikes, key/value settings, boolean flags), 10
 * preferences with a domain, 10 each of constraints, communication,
 * accessibility, schedule and attention, in their stored (normalized) form.
 * The values are built once per statement (VARIANTS of them, picked by
 * i % VARIANTS); created_at is spread over the last 90 days, ttl_days 120–365,
 * so none has expired. $1 tenant, $2 creating agent, $3 from, $4 to.
 */
const BULK_INSERT = `
  WITH variant AS MATERIALIZED (
    SELECT k,
           CASE WHEN n % 10 < 4 OR n % 10 = 9 THEN 'preferences'
                WHEN n % 10 = 4 THEN 'constraints' WHEN n % 10 = 5 THEN 'communication'
                WHEN n % 10 = 6 THEN 'accessibility' WHEN n % 10 = 7 THEN 'schedule'
                ELSE 'attention' END AS scope,
           CASE WHEN n % 10 = 9 THEN (ARRAY['music', 'food', 'travel'])[1 + (k / ${MEMORIES_PER_SUBJECT}) % 3] END AS domain,
           CASE
             WHEN n % 10 = 9 OR (n % 10 < 4 AND (n / 10) % 4 < 2) THEN
               jsonb_build_object('likes', jsonb_build_array(like1, like2), 'dislikes', jsonb_build_array(dislike))
             WHEN n % 10 < 4 AND (n / 10) % 4 = 2 THEN
               jsonb_build_object('language', (ARRAY['de', 'en', 'fr'])[1 + k % 3],
                                  'units', CASE WHEN k % 4 = 0 THEN 'imperial' ELSE 'metric' END,
                                  'max_distance_km', 1 + k % 50)
             WHEN n % 10 < 4 THEN jsonb_build_object('vegetarian', k % 7 = 0, 'spicy_food', k % 2 = 0)
             WHEN n % 10 = 4 AND k % 2 = 0 THEN
               jsonb_build_array('budget under ' || (20 + k % 80) || ' EUR', 'no flights')
             WHEN n % 10 = 4 THEN jsonb_build_object('max_budget', 20 + k % 80, 'currency', 'EUR')
             WHEN n % 10 = 5 THEN
               jsonb_build_object('tone', (ARRAY['casual', 'formal', 'friendly'])[1 + k % 3], 'channel', 'email')
             WHEN n % 10 = 6 THEN jsonb_build_object('high_contrast', k % 5 = 0, 'screen_reader', false)
             WHEN n % 10 = 7 THEN
               jsonb_build_array(jsonb_build_object('day', (ARRAY['mon', 'tue', 'wed', 'thu', 'fri'])[1 + k % 5],
                                                    'end', '17:00', 'start', '09:00'))
             ELSE jsonb_build_object('focus_mode', k % 2 = 0, 'quiet_hours', '22:00-07:00')
           END AS value,
           CASE
             WHEN n % 10 = 9 OR (n % 10 < 4 AND (n / 10) % 4 < 2) THEN 'likes_dislikes'
             WHEN n % 10 < 4 AND (n / 10) % 4 = 2 THEN 'kv_map'
             WHEN n % 10 < 4 THEN 'boolean_flags'
             WHEN n % 10 = 4 AND k % 2 = 0 THEN 'rules_list'
             WHEN n % 10 IN (4, 5) THEN 'kv_map'
             WHEN n % 10 = 6 THEN 'boolean_flags'
             WHEN n % 10 = 7 THEN 'schedule_windows'
             ELSE 'attention_settings'
           END AS shape
      FROM generate_series(0, ${VARIANTS - 1}) AS k,
           LATERAL (SELECT k % ${MEMORIES_PER_SUBJECT} AS n,
                           (ARRAY['books', 'coffee', 'cycling', 'hiking', 'jazz', 'movies', 'pasta', 'sushi', 'tea', 'yoga'])[1 + (k * 7) % 9] AS like1,
                           (ARRAY['books', 'coffee', 'cycling', 'hiking', 'jazz', 'movies', 'pasta', 'sushi', 'tea', 'yoga'])[2 + (k * 7) % 9] AS like2,
                           (ARRAY['anchovies', 'cilantro', 'crowds', 'horror films', 'olives', 'opera'])[1 + (k * 5) % 6] AS dislike) AS p
  )
  INSERT INTO scoped_memories (user_id, subject, scope, domain, value_json, value_shape, source, ttl_days,
                               created_by_agent_id, created_at, expires_at)
  SELECT $1::uuid, 'scale-subject-' || lpad((i / ${MEMORIES_PER_SUBJECT})::text, 5, '0'),
         v.scope, v.domain, v.value, v.shape,
         CASE WHEN i % 3 = 0 THEN 'user_setting' ELSE 'explicit_user_input' END,
         t.ttl, $2::uuid, t.created_at, t.created_at + make_interval(days => t.ttl)
    FROM generate_series($3::int, $4::int - 1) AS i
    JOIN variant AS v ON v.k = i % ${VARIANTS}
    CROSS JOIN LATERAL (
      SELECT 120 + (i * 13) % 246 AS ttl,
             date_trunc('milliseconds', now() - make_interval(mins => ((i::bigint * 7919) % 129600)::int,
                                                              secs => (i % 997) / 10.0)) AS created_at) AS t`;

export interface ReadPlan {
  /** EXPLAIN (ANALYZE, BUFFERS) output, one line per element. */
  plan: string[];
  parameters: unknown[];
  /** The scoped_memories_read* index scanned, or null. */
  index: string | null;
  uses_read_index: boolean;
  seq_scan: boolean;
  /** A Sort node: the index delivers the rows but not in the ORDER BY order (every matching row is read). */
  sort: boolean;
  execution_ms: number | null;
  /** An index scan on READ_INDEX and no sequential scan. */
  pass: boolean;
}

/** A session on the embedded PostgreSQL of `home` (database mnemo, user postgres). */
async function session(home: string): Promise<Client> {
  const client = new Client({ ...embeddedConnection(home), application_name: 'mnemo-bench' });
  // Errors reach the pending query; without a listener a dropped connection would crash the bench.
  client.on('error', () => undefined);
  await client.connect();
  // A bench-only session: a lost commit on a crash does not matter here.
  await client.query('SET synchronous_commit = off');
  return client;
}

export class ScaleDatabase {
  private constructor(
    private readonly home: string,
    private readonly client: Client,
  ) {}

  static async connect(home: string): Promise<ScaleDatabase> {
    return new ScaleDatabase(home, await session(home));
  }

  async close(): Promise<void> {
    await this.client.end();
  }

  async count(): Promise<number> {
    const r = await this.client.query<{ n: string }>('SELECT count(*) AS n FROM scoped_memories');
    return Number(r.rows[0].n);
  }

  async deleteSubject(tenant: string, subject: string): Promise<number> {
    const r = await this.client.query('DELETE FROM scoped_memories WHERE user_id = $1 AND subject = $2', [tenant, subject]);
    return r.rowCount ?? 0;
  }

  /** Inserts bulk rows `from` ≤ i < `to` (see BULK_INSERT) in chunks; `progress` after each. */
  async bulkLoad(
    tenant: string,
    agentId: string,
    from: number,
    to: number,
    progress?: (done: number, total: number) => void,
  ): Promise<number> {
    const started = performance.now();
    const chunks: [number, number][] = [];
    for (let start = from; start < to; start += CHUNK_ROWS) chunks.push([start, Math.min(to, start + CHUNK_ROWS)]);
    let done = 0;
    const loader = async () => {
      const client = await session(this.home);
      try {
        // Every row references the same, existing user and agent: skip the per-row
        // foreign-key triggers (about half the cost of the load). Superuser only.
        await client.query('SET session_replication_role = replica');
        for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) {
          await client.query(BULK_INSERT, [tenant, agentId, chunk[0], chunk[1]]);
          done += chunk[1] - chunk[0];
          progress?.(done, to - from);
        }
      } catch (err) {
        chunks.length = 0; // the other loaders stop after their current chunk
        throw err;
      } finally {
        await client.end();
      }
    };
    const results = await Promise.allSettled(Array.from({ length: Math.min(LOADERS, chunks.length) }, loader));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return performance.now() - started;
  }

  /**
   * VACUUM (sets hint bits and the visibility map, so neither the measurement nor
   * autovacuum pays for that later), ANALYZE (fresh statistics for the planner),
   * then CHECKPOINT (flushes the load's dirty pages now rather than during the
   * measurement or the shutdown).
   */
  async settle(): Promise<number> {
    const started = performance.now();
    await this.client.query('VACUUM (ANALYZE) scoped_memories');
    await this.client.query('CHECKPOINT');
    return performance.now() - started;
  }

  async sizes(): Promise<{ table_mb: number; read_index_mb: number }> {
    const r = await this.client.query<{ t: string; i: string }>(
      `SELECT pg_total_relation_size('scoped_memories') AS t, pg_relation_size($1::regclass) AS i`,
      [READ_INDEX],
    );
    const mb = (bytes: string) => Math.round(Number(bytes) / 1024 ** 2);
    return { table_mb: mb(r.rows[0].t), read_index_mb: mb(r.rows[0].i) };
  }

  /** EXPLAIN (ANALYZE, BUFFERS) of the read's SELECT with real parameters (planned as the service's unnamed statement is). */
  async explainRead(tenant: string, subject: string, limit: number): Promise<ReadPlan> {
    const parameters = [tenant, subject, 'preferences', null, limit];
    const r = await this.client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${READ_SELECT}`, parameters);
    const plan = r.rows.map((row) => row['QUERY PLAN']);
    const text = plan.join('\n');
    const index = READ_INDEX_SCAN.exec(text)?.[1] ?? null;
    const seqScan = /Seq Scan/.test(text);
    const executionMs = /Execution Time: ([\d.]+) ms/.exec(text);
    return {
      plan,
      parameters,
      index,
      uses_read_index: index !== null,
      seq_scan: seqScan,
      sort: /\bSort\b/.test(text),
      execution_ms: executionMs ? Number(executionMs[1]) : null,
      pass: index !== null && !seqScan,
    };
  }
}
