import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { PeriodicJob } from '../common/periodic-job';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { chainIdOf, GENESIS, linkHash, lockChains } from './audit-chain';
import { AuditChainRepository } from './audit-chain.repository';

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
    private readonly chains: AuditChainRepository,
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
  private observe(): Promise<Horizon> {
    return this.chains.horizon(this.db.manager);
  }

  private async ended(xip: string[]): Promise<boolean> {
    return xip.length === 0 || this.chains.transactionsEnded(this.db.manager, xip);
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
        const from = await this.chains.sealedThrough(em, true);
        if (from >= horizon) return null;
        const to = Math.min(horizon, from + BATCH);
        const linked = await this.link(em, from, to);
        await this.chains.setSealedThrough(em, to);
        return linked;
      });
      if (step === null) return total;
      total += step;
    }
  }

  /** Links the events with from < seq <= to, each to the head of its chain. */
  private async link(em: EntityManager, from: number, to: number): Promise<number> {
    let events = await this.chains.eventsBetween(em, from, to);
    // seq is not unique: a row inserted by hand with a used seq gets no link (verify reports it) and cannot stop sealing.
    events = events.filter((e, i) => i === 0 || e.seq !== events[i - 1].seq);
    if (events.length === 0) return 0;
    const chainIds = [...new Set(events.map((e) => chainIdOf(e.user_id)))];
    const heads = await this.chains.chainHeads(em, chainIds);
    const head = new Map(heads.map((h) => [h.chain_id, h.hash ?? GENESIS]));
    const links = events.map((e) => {
      const chainId = chainIdOf(e.user_id);
      const hash = linkHash(head.get(chainId)!, e);
      head.set(chainId, hash);
      return { seq: e.seq, chainId, hashHex: hash.toString('hex') };
    });
    await this.chains.insertLinks(em, links);
    return events.length;
  }
}
