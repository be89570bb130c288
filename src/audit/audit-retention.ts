import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DAY_MS, HOUR_MS, PeriodicJob } from '../common/periodic-job';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { lockChains } from './audit-chain';

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
        // LEAST skips NULLs: with no event older than the cutoff there is nothing to prune, whatever is sealed.
        const [bounds]: { old: string | null; through: string | null }[] = await em.query(
          `WITH old AS (SELECT max(seq) AS seq FROM audit_events WHERE occurred_at < $1)
           SELECT old.seq AS old,
                  least(old.seq, (SELECT sealed_through_seq FROM audit_seal_state), (SELECT min(seq) FROM audit_events) + ${BATCH - 1}) AS through
             FROM old`,
          [cutoff],
        );
        if (bounds.old === null || bounds.through === null) return 0;
        await em.query(
          `INSERT INTO audit_chain_anchors AS a (chain_id, seq, hash)
           SELECT DISTINCT ON (chain_id) chain_id, seq, hash FROM audit_chain WHERE seq <= $1 ORDER BY chain_id, seq DESC
           ON CONFLICT (chain_id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash`,
          [bounds.through],
        );
        await em.query(`DELETE FROM audit_chain WHERE seq <= $1`, [bounds.through]);
        const counts: { user_id: string | null; n: number }[] = await em.query(
          `WITH gone AS (DELETE FROM audit_events WHERE seq <= $1 RETURNING user_id)
           SELECT user_id, count(*)::int AS n FROM gone GROUP BY user_id`,
          [bounds.through],
        );
        await em.query(
          `INSERT INTO audit_events (user_id, request_id, event_type, meta)
           SELECT user_id, $2, 'AUDIT_PRUNED', jsonb_build_object('actor', 'system', 'through_seq', $1::bigint, 'events', n, 'retention_days', $3::int)
             FROM unnest($4::uuid[], $5::int[]) AS c(user_id, n)`,
          [bounds.through, requestId, this.config.auditRetentionDays, counts.map((c) => c.user_id), counts.map((c) => c.n)],
        );
        return counts.reduce((sum, c) => sum + c.n, 0);
      });
      if (pruned === 0) return total;
      total += pruned;
    }
  }
}
