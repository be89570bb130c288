import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DAY_MS, HOUR_MS, PeriodicJob } from '../common/periodic-job';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { ReadGrantsRepository } from './read-grants.repository';
import { ScopedMemoriesRepository } from '../memories/scoped-memories.repository';

/**
 * Keeping data past its TTL is a privacy bug: expired memories are never read,
 * and once expired for MEMORY_RETENTION_DAYS they (and expired grants) are
 * deleted, at start-up and hourly. Idempotent, so replicas may sweep together.
 */
@Injectable()
export class RetentionSweep implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionSweep.name);
  private readonly job = new PeriodicJob(this.logger, 'Retention sweep failed', async () => {
    const removed = await this.sweep();
    if (removed.memories || removed.grants) this.logger.log(removed, 'Deleted expired scoped memories and grants');
  });

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly memories: ScopedMemoriesRepository,
    private readonly grants: ReadGrantsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.job.start(HOUR_MS, { runNow: true });
  }

  onApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  /** Deletes what expired more than the retention period ago; returns what it deleted. */
  async sweep(now = new Date()): Promise<{ memories: number; grants: number }> {
    const cutoff = new Date(now.getTime() - this.config.memoryRetentionDays * DAY_MS);
    return this.db.transaction(async (em) => ({
      memories: await this.memories.removeExpiredBefore(em, cutoff),
      grants: await this.grants.removeExpiredBefore(em, cutoff),
    }));
  }
}
