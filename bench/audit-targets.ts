import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { embeddedConnection } from './service-process';
import { Target } from './target';

/**
 * The secrets and audit side of the benchmark (bench/run.ts): a secret read
 * (decryption and its audit event), and a page of the audit log once the table
 * holds BENCH_AUDIT_EVENTS events, all of them sealed into their hash chains.
 */

export const SECRET_KEY = 'bench_api_token';
/** A 64-byte value: about the size of an API token. */
const SECRET_VALUE = 'sk-bench-' + 'x7Yq2'.repeat(11);
/** Share of the bulk-loaded events that belong to the benchmark tenant; the rest spread over BULK_TENANTS others. */
const TENANT_SHARE = 0.5;
const BULK_TENANTS = 1000;
const CHUNK_EVENTS = 100_000;

/** Stores the secret the read target reads, through the API. */
export async function seedSecret(baseUrl: string, apiKey: string): Promise<void> {
  const res = await fetch(`${baseUrl}/secrets/${SECRET_KEY}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'X-Api-Key': apiKey },
    body: JSON.stringify({ value: SECRET_VALUE }),
  });
  if (res.status !== 201 && res.status !== 200) throw new Error(`seeding the secret: PUT answered ${res.status}: ${await res.text()}`);
}

/** GET /secrets/{key}: look-up, reader check and audit event in one statement, then AES-256-GCM decryption. */
export function secretTarget(apiKey: string): Target {
  return {
    name: 'GET /secrets/{key} (decrypt + audit)',
    method: 'GET',
    path: `/secrets/${SECRET_KEY}`,
    headers: { 'X-Api-Key': apiKey },
    check: (b) => {
      const s = b as { key?: unknown; value?: unknown };
      return s.key === SECRET_KEY && s.value === SECRET_VALUE;
    },
  };
}

/** The newest 100 events of the benchmark tenant. */
export function auditPageTarget(apiKey: string): Target {
  return {
    name: 'GET /audit?limit=100',
    method: 'GET',
    path: '/audit?limit=100',
    headers: { 'X-Api-Key': apiKey },
    check: (b) => {
      const page = b as { events?: { seq?: unknown }[]; next_cursor?: unknown };
      return Array.isArray(page.events) && page.events.length === 100 && typeof page.next_cursor === 'string';
    },
  };
}

/**
 * Pages of 100 further back, from a random cursor each request: reading
 * through the history, mostly from pages the newest-page runs did not touch.
 * `seqs`: the benchmark tenant's lowest and highest seq.
 */
export function auditOlderPagesTarget(apiKey: string, seqs: { min: number; max: number }): Target {
  // Far enough above the lowest seq for a full page (the tenant holds about every other event).
  const low = seqs.min + 1000;
  const pathAt = (cursor: number) => `/audit?limit=100&cursor=${cursor}`;
  return {
    ...auditPageTarget(apiKey),
    name: 'GET /audit?limit=100&cursor={random}',
    path: pathAt(seqs.max),
    nextPath: () => pathAt(low + Math.floor(Math.random() * (seqs.max - low))),
  };
}

/** Direct SQL on the service's embedded PostgreSQL, for the bulk load and the sealing progress. */
export class AuditDatabase {
  private constructor(private readonly client: Client) {}

  static async connect(home: string): Promise<AuditDatabase> {
    const client = new Client({ ...embeddedConnection(home), application_name: 'mnemo-bench' });
    client.on('error', () => undefined);
    await client.connect();
    await client.query('SET synchronous_commit = off');
    return new AuditDatabase(client);
  }

  async close(): Promise<void> {
    await this.client.end();
  }

  async count(): Promise<number> {
    const r = await this.client.query<{ n: string }>('SELECT count(*) AS n FROM audit_events');
    return Number(r.rows[0].n);
  }

  /**
   * Adds events until the table holds `total`: half of them the tenant's, the
   * rest spread over other tenants, with a mix of types, subjects and meta.
   * The sealer links them like any other events (see waitUntilSealed).
   */
  async fillTo(total: number, tenant: string, agentId: string): Promise<{ added: number; ms: number }> {
    const started = performance.now();
    const missing = Math.max(0, total - (await this.count()));
    for (let from = 0; from < missing; from += CHUNK_EVENTS) {
      await this.client.query(
        `INSERT INTO audit_events (user_id, agent_id, request_id, event_type, subject, meta)
         SELECT CASE WHEN i % 1000 < $5 THEN $1::uuid ELSE md5('bench-tenant-' || (i % $6))::uuid END,
                CASE WHEN i % 1000 < $5 THEN $2::uuid END,
                'bench-' || i,
                (ARRAY['MEMORY_WRITE', 'MEMORY_READ', 'SECRET_READ', 'PROJECT_UPDATE', 'SESSION_CREATE'])[1 + i % 5],
                'subject-' || (i % 997),
                jsonb_build_object('i', i, 'note', 'bulk-loaded by the benchmark')
           FROM generate_series($3::int, $4::int - 1) AS i`,
        [tenant, agentId, from, Math.min(missing, from + CHUNK_EVENTS), Math.round(TENANT_SHARE * 1000), BULK_TENANTS],
      );
    }
    return { added: missing, ms: performance.now() - started };
  }

  /** Waits until the sealer has linked every event inserted so far; returns the time it took. */
  async waitUntilSealed(timeoutMs: number, progress?: (sealed: number, last: number) => void): Promise<number> {
    const started = performance.now();
    const { rows } = await this.client.query<{ last: string }>(`SELECT last_value AS last FROM audit_event_seq`);
    const last = Number(rows[0].last);
    for (;;) {
      const r = await this.client.query<{ sealed: string }>(`SELECT sealed_through_seq AS sealed FROM audit_seal_state`);
      const sealed = Number(r.rows[0].sealed);
      progress?.(sealed, last);
      if (sealed >= last) return performance.now() - started;
      if (performance.now() - started > timeoutMs) throw new Error(`audit sealing: sealed through ${sealed} of ${last} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  async settle(): Promise<void> {
    await this.client.query('VACUUM (ANALYZE) audit_events');
    await this.client.query('VACUUM (ANALYZE) audit_chain');
    await this.client.query('CHECKPOINT');
  }

  async tenantSeqs(tenant: string): Promise<{ min: number; max: number }> {
    const r = await this.client.query<{ min: string; max: string }>('SELECT min(seq), max(seq) FROM audit_events WHERE user_id = $1', [tenant]);
    return { min: Number(r.rows[0].min), max: Number(r.rows[0].max) };
  }

  async tenantEvents(tenant: string): Promise<number> {
    const r = await this.client.query<{ n: string }>('SELECT count(*) AS n FROM audit_events WHERE user_id = $1', [tenant]);
    return Number(r.rows[0].n);
  }
}
