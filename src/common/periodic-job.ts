import type { Logger } from '@nestjs/common';

export const HOUR_MS = 60 * 60 * 1000;
export const DAY_MS = 24 * HOUR_MS;

/**
 * A background job of this process (retention, sealing): run every interval,
 * and at once if asked. A failure is logged and the next run tries again; a
 * tick that comes while the last run is still going is skipped; stop() waits
 * for the run in flight, so shutdown does not close the pool under it.
 */
export class PeriodicJob {
  private timer?: NodeJS.Timeout;
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly logger: Logger,
    private readonly failure: string,
    private readonly job: () => Promise<void>,
  ) {}

  start(intervalMs: number, { runNow }: { runNow: boolean }): void {
    if (runNow) this.run();
    this.timer = setInterval(() => this.run(), intervalMs).unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.inFlight;
  }

  private run(): void {
    this.inFlight ??= this.job()
      .catch((err: unknown) => this.logger.error({ err }, this.failure))
      .finally(() => {
        this.inFlight = null;
      });
  }
}
