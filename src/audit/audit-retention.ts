import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DAY_MS, HOUR_MS, PeriodicJob } from '../common/periodic-job';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { lockChains } from './audit-chain';
import { AuditChainRepository } from './audit-chain.repository';

/** Events removed per transaction. */
const BATCH = 10_000;

/**
 * Deletes audit events older than AUDIT_RETENTION_DAYS, at start-up and hourly.
 * Only a sealed prefix (by seq) is pruned, with its links; each chain keeps its
 * last pruned link as the anchor it is verified from, and gets an AUDIT_PRUNED
 * event saying how much went.
 */
@Injectable()
export class AuditRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditRetention.name);
  private readonly job = new PeriodicJob(this.logger, 'Audit retention failed', async () => {
    const pruned = await this.prune();
    if (pruned) this.logger.log({ pruned, retentionDays: this.config.auditRetentionDays }, 'Pruned audit events past retention');
  });

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly chains: AuditChainRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.job.start(HOUR_MS, { runNow: true });
  }

  onApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  /** Prunes what is older than the retention period at `now`; returns how many events went. */
  async prune(now = new Date()): Promise<number> {
    // A day of margin: seq is drawn after occurred_at, so only a prefix well past the cutoff is surely all old.
    const cutoff = new Date(now.getTime() - (this.config.auditRetentionDays + 1) * DAY_MS);
    const requestId = `audit-retention-${randomUUID()}`;
    let total = 0;
    for (;;) {
      const pruned = await this.db.transaction(async (em) => {
        await lockChains(em, true);
        const bounds = await this.chains.pruneBounds(em, cutoff, BATCH);
        if (bounds.old === null || bounds.through === null) return 0;
        const counts = await this.chains.prune(em, bounds.through);
        await this.chains.insertPrunedEvents(em, requestId, bounds.through, this.config.auditRetentionDays, counts);
        return counts.reduce((sum, c) => sum + c.n, 0);
      });
      if (pruned === 0) return total;
      total += pruned;
    }
  }
}
