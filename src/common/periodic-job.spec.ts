import { Logger } from '@nestjs/common';
import { PeriodicJob } from './periodic-job';

/** A job whose runs end when the test says so. */
function controlledJob() {
  const finish: (() => void)[] = [];
  let runs = 0;
  const job = () => {
    runs += 1;
    return new Promise<void>((resolve) => finish.push(resolve));
  };
  return { job, runs: () => runs, finishRun: () => finish.shift()?.() };
}

describe('PeriodicJob', () => {
  const logger = new Logger('test');
  let errors: unknown[];

  beforeEach(() => {
    jest.useFakeTimers();
    errors = [];
    jest.spyOn(logger, 'error').mockImplementation((...args: unknown[]) => void errors.push(args));
  });
  afterEach(() => jest.useRealTimers());

  it('runs at once when asked, then every interval', async () => {
    const c = controlledJob();
    const periodic = new PeriodicJob(logger, 'failed', c.job);
    periodic.start(1000, { runNow: true });
    expect(c.runs()).toBe(1);
    c.finishRun();
    await Promise.resolve();
    await jest.advanceTimersByTimeAsync(1000);
    expect(c.runs()).toBe(2);
    c.finishRun();
    await periodic.stop();
  });

  it('does not run at start unless asked', async () => {
    const c = controlledJob();
    const periodic = new PeriodicJob(logger, 'failed', c.job);
    periodic.start(1000, { runNow: false });
    expect(c.runs()).toBe(0);
    await jest.advanceTimersByTimeAsync(1000);
    expect(c.runs()).toBe(1);
    c.finishRun();
    await periodic.stop();
  });

  it('skips ticks while a run is still going, and runs again after it', async () => {
    const c = controlledJob();
    const periodic = new PeriodicJob(logger, 'failed', c.job);
    periodic.start(1000, { runNow: false });
    await jest.advanceTimersByTimeAsync(3500);
    expect(c.runs()).toBe(1);
    c.finishRun();
    await jest.advanceTimersByTimeAsync(1000);
    expect(c.runs()).toBe(2);
    c.finishRun();
    await periodic.stop();
  });

  it('logs a failed run with its message and keeps running', async () => {
    let runs = 0;
    const boom = new Error('boom');
    const periodic = new PeriodicJob(logger, 'Job failed', () => {
      runs += 1;
      return Promise.reject(boom);
    });
    periodic.start(1000, { runNow: true });
    await jest.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(2);
    expect(errors).toEqual([
      [{ err: boom }, 'Job failed'],
      [{ err: boom }, 'Job failed'],
    ]);
    await periodic.stop();
  });

  it('stop() waits for the run in flight, and no run starts after it', async () => {
    const c = controlledJob();
    const periodic = new PeriodicJob(logger, 'failed', c.job);
    periodic.start(1000, { runNow: true });
    let stopped = false;
    const stopping = periodic.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(5000);
    expect(stopped).toBe(false);
    c.finishRun();
    await stopping;
    expect({ stopped, runs: c.runs() }).toEqual({ stopped: true, runs: 1 });
  });
});
