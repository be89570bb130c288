import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { PeriodicJob } from '../common/periodic-job';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { CANONICAL_COLUMNS, CanonicalEvent, chainIdOf, GENESIS, linkHash, lockChains } from './audit-chain';

/** DI token: whether the sealer runs on its own timer (the service) or only on demand (the CLI). */
export const AUDIT_SEALER_TIMER = Symbol('AUDIT_SEALER_TIMER');

/** Events linked per transaction. */
const BATCH = 5000;

/** A seq every event at or below which is final once the listed transactions have ended. */
interface Horizon {
  seq: number;
  xip: string[];
}

/**
 * Links newly committed audit events into their chains, in seq order, in the
 * background: request paths insert events and never wait on a chain lock.
 *
 * Events commit out of seq order, so the sealer only seals through a horizon:
 * it notes the last seq handed out, then the transactions in progress; seq is
 * drawn after the inserting transaction got its id (audit_next_seq), so once
 * those transactions end, no event can still appear at or below that seq. Each
 * tick seals through the horizon noted on the tick before.
 */
@Injectable()
export class AuditSealer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly job = new PeriodicJob(new Logger(AuditSealer.name), 'Audit sealing failed', async () => {
    await this.tick();
  });
  private pending: Horizon | null = null;
  private running: Promise<number> = Promise.resolve(0);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(AUDIT_SEALER_TIMER) private readonly timed: boolean,
  ) {}

  onApplicationBootstrap(): void {
    if (this.timed) this.job.start(this.config.auditSealIntervalMs, { runNow: false });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.job.stop();
    await this.running.catch(() => undefined);
  }

  /** One background step: seal through the last horizon if it is final, then note the next. Serialised. */
  tick(): Promise<number> {
    return this.serialised(async () => {
      let sealed = 0;
      if (this.pending && (await this.ended(this.pending.xip))) {
        sealed = await this.sealThrough(this.pending.seq);
        this.pending = null;
      }
      this.pending ??= await this.observe();
      return sealed;
    });
  }

  /** Seals everything committed before the call (waits for transactions in flight); for tests, the bench and the CLI. */
  sealNow(): Promise<number> {
    return this.serialised(async () => {
      const horizon = await this.observe();
      for (let waited = 0; !(await this.ended(horizon.xip)); waited += 20) {
        if (waited > 30_000) throw new Error('Audit sealing waited 30 s for transactions in flight');
        await new Promise((r) => setTimeout(r, 20));
      }
      return this.sealThrough(horizon.seq, true);
    });
  }

  private serialised(step: () => Promise<number>): Promise<number> {
    const run = this.running.catch(() => 0).then(step);
    this.running = run;
    return run;
  }

  /** The last seq handed out, then (in that order) the transactions in flight. */
  private async observe(): Promise<Horizon> {
    const [seq]: { last_value: string; is_called: boolean }[] = await this.db.query(`SELECT last_value, is_called FROM audit_event_seq`);
    const [snapshot]: { xip: string[] }[] = await this.db.query(`SELECT array(SELECT pg_snapshot_xip(pg_current_snapshot()))::text[] AS xip`);
    return { seq: Number(seq.last_value) - (seq.is_called ? 0 : 1), xip: snapshot.xip };
  }

  private async ended(xip: string[]): Promise<boolean> {
    if (xip.length === 0) return true;
    const [row]: { ended: boolean }[] = await this.db.query(
      `SELECT bool_and(coalesce(pg_xact_status(x::xid8), 'committed') <> 'in progress') AS ended FROM unnest($1::text[]) x`,
      [xip],
    );
    return row.ended;
  }

  /**
   * Links the events with seq up to `horizon`, in batches; returns how many.
   * Another replica sealing: returns at once, unless `wait` (then it goes on after it).
   */
  private async sealThrough(horizon: number, wait = false): Promise<number> {
    let total = 0;
    for (;;) {
      const step = await this.db.transaction(async (em) => {
        if (!(await lockChains(em, wait))) return null;
        const [state]: { sealed_through_seq: string }[] = await em.query(`SELECT sealed_through_seq FROM audit_seal_state FOR UPDATE`);
        const from = Number(state.sealed_through_seq);
        if (from >= horizon) return null;
        const to = Math.min(horizon, from + BATCH);
        const linked = await this.link(em, from, to);
        await em.query(`UPDATE audit_seal_state SET sealed_through_seq = $1`, [to]);
        return linked;
      });
      if (step === null) return total;
      total += step;
    }
  }

  /** Links the events with from < seq <= to, each to the head of its chain. */
  private async link(em: EntityManager, from: number, to: number): Promise<number> {
    let events: CanonicalEvent[] = await em.query(
      `SELECT ${CANONICAL_COLUMNS} FROM audit_events e WHERE e.seq > $1 AND e.seq <= $2 ORDER BY e.seq, e.id`,
      [from, to],
    );
    // seq is not unique: a row inserted by hand with a used seq gets no link (verify reports it) and cannot stop sealing.
    events = events.filter((e, i) => i === 0 || e.seq !== events[i - 1].seq);
    if (events.length === 0) return 0;
    const chainIds = [...new Set(events.map((e) => chainIdOf(e.user_id)))];
    const heads: { chain_id: string; hash: Buffer | null }[] = await em.query(
      `SELECT c.id::text AS chain_id,
              coalesce((SELECT hash FROM audit_chain WHERE chain_id = c.id ORDER BY seq DESC LIMIT 1),
                       (SELECT hash FROM audit_chain_anchors WHERE chain_id = c.id)) AS hash
         FROM unnest($1::uuid[]) AS c(id)`,
      [chainIds],
    );
    const head = new Map(heads.map((h) => [h.chain_id, h.hash ?? GENESIS]));
    const hashes = events.map((e) => {
      const chainId = chainIdOf(e.user_id);
      const hash = linkHash(head.get(chainId)!, e);
      head.set(chainId, hash);
      return hash.toString('hex');
    });
    await em.query(
      `INSERT INTO audit_chain (seq, chain_id, hash)
       SELECT seq, chain_id, decode(hash, 'hex') FROM unnest($1::bigint[], $2::uuid[], $3::text[]) AS l(seq, chain_id, hash)
       ON CONFLICT (seq) DO NOTHING`,
      [events.map((e) => e.seq), events.map((e) => chainIdOf(e.user_id)), hashes],
    );
    return events.length;
  }
}
