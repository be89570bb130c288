import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { CONFIG_VARIABLES } from '../src/config/config';
import { DATABASE_NAME } from '../src/database/embedded-postgres';

/**
 * Runs the built service (`node dist/main.js`) as a child process, the way a
 * user does, and reads what it prints. Shared by the benchmark (bench/run.ts)
 * and the black-box e2e tests (test/embedded.e2e-spec.ts, test/cli.e2e-spec.ts).
 */

/** The repository root: the directory holding tsconfig.build.json (works from bench/ and from dist/bench/). */
export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'tsconfig.build.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`No tsconfig.build.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

export const MAIN_JS = path.join(repoRoot(), 'dist', 'main.js');
export const CLI_JS = path.join(repoRoot(), 'dist', 'cli.js');

/** The parent's environment without any Mnemo setting (every variable the service reads), plus `overrides` (an undefined value removes). */
export function childEnv(overrides: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CONFIG_VARIABLES) delete env[name];
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

export { freePort } from '../src/database/embedded-postgres';

/**
 * How to reach the embedded PostgreSQL of a running service's `home` directly
 * (bench only): port from pgdata/postmaster.pid (line 4), password from
 * pg-password, superuser `postgres`, database `mnemo`.
 */
export function embeddedConnection(home: string): { host: string; port: number; user: string; password: string; database: string } {
  const lines = fs.readFileSync(path.join(home, 'pgdata', 'postmaster.pid'), 'utf8').split('\n');
  const port = Number(lines[3]);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`No port in ${path.join(home, 'pgdata', 'postmaster.pid')}`);
  const password = fs.readFileSync(path.join(home, 'pg-password'), 'utf8').trim();
  return { host: '127.0.0.1', port, user: 'postgres', password, database: DATABASE_NAME };
}

/**
 * A fresh MNEMO_HOME under the temp directory. mkdtemp creates it 0700; the
 * embedded PostgreSQL runs as OS user `postgres` when we are root and must be
 * able to reach `pgdata/` inside it, hence 0755.
 */
export function makeHome(prefix = 'mnemo-home-'): string {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(home, 0o755);
  return home;
}

export interface Banner {
  baseUrl: string;
  swaggerUrl: string;
  mcpUrl: string;
  /** Only on the first start of an empty database. */
  agentKey?: string;
  /** Only on the start that generated it. */
  adminToken?: string;
  adminTokenFile?: string;
}

/** The banner as printed by main.ts; `undefined` until all of it has arrived. */
export function parseBanner(stdout: string): Banner | undefined {
  // The banner is one write; it ends with an empty line not followed by another indented banner line.
  const block = /\n {2}Mnemo is running at [\s\S]*?\n\n(?! {2})/.exec(stdout)?.[0];
  if (!block) return undefined;
  const admin = /Admin token: (\S+) +\(kept in (.+)\)/.exec(block);
  return {
    baseUrl: /Mnemo is running at (\S+)/.exec(block)![1],
    swaggerUrl: /Swagger UI: +(\S+)/.exec(block)?.[1] ?? '',
    mcpUrl: /MCP endpoint: +(\S+)/.exec(block)?.[1] ?? '',
    agentKey: /Agent key[^:\n]*: (mnemo_ak_[A-Za-z0-9_-]+)/.exec(block)?.[1],
    adminToken: admin?.[1],
    adminTokenFile: admin?.[2],
  };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceOptions {
  /** MNEMO_HOME (also the child's working directory, so no stray ./.env is loaded). */
  home: string;
  port: number;
  /** More variables; `DATABASE_URL` is removed unless given here. */
  env?: Record<string, string | undefined>;
  /**
   * Keep everything the service prints (tests). When false, stdout is still
   * drained but only the first 64 KiB (start-up logs and banner) are kept (bench).
   */
  keepOutput?: boolean;
}

const live = new Set<ServiceProcess>();

export class ServiceProcess {
  readonly child: ChildProcess;
  /** performance.now() at spawn. */
  readonly spawnedAt = performance.now();
  readonly exited: Promise<Exit>;
  exit: Exit | undefined;
  stdout = '';
  stderr = '';
  private readonly listeners = new Set<() => void>();

  constructor(readonly options: ServiceOptions) {
    const keep = options.keepOutput ?? true;
    this.child = spawn(process.execPath, [MAIN_JS], {
      cwd: options.home,
      env: childEnv({ MNEMO_HOME: options.home, PORT: String(options.port), ...options.env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(this);
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      if (keep || this.stdout.length < 65_536) this.stdout += chunk;
      this.notify();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      if (this.stderr.length < 65_536) this.stderr += chunk;
      this.notify();
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        live.delete(this);
        resolve(this.exit);
        this.notify();
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** Resolves with the first value `probe` returns (checked on every output chunk); rejects on exit or timeout. */
  waitUntil<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const done = (finish: () => void) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        finish();
      };
      const check = () => {
        const value = probe();
        if (value !== undefined) return done(() => resolve(value));
        if (this.exit) {
          done(() => reject(this.failure(`exited (${this.exit!.code ?? this.exit!.signal}) before ${what}`)));
        }
      };
      const timer = setTimeout(() => done(() => reject(this.failure(`no ${what} within ${timeoutMs} ms`))), timeoutMs);
      this.listeners.add(check);
      check();
    });
  }

  /** Milliseconds from spawn until stdout matched `pattern`. */
  async waitForStdout(pattern: RegExp, timeoutMs = 30_000): Promise<number> {
    await this.waitUntil(`output matching ${pattern}`, () => (pattern.test(this.stdout) ? true : undefined), timeoutMs);
    return performance.now() - this.spawnedAt;
  }

  /** Milliseconds from spawn until the "Mnemo listening on" log line. */
  waitForListening(timeoutMs = 30_000): Promise<number> {
    return this.waitForStdout(/Mnemo listening on /, timeoutMs);
  }

  waitForBanner(timeoutMs = 30_000): Promise<Banner> {
    return this.waitUntil('start-up banner', () => parseBanner(this.stdout), timeoutMs);
  }

  /** Sends `signal` and waits for the exit; SIGKILL after `timeoutMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<Exit> {
    if (this.exit) return this.exit;
    this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    const exit = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (exit) return exit;
    this.child.kill('SIGKILL');
    await this.exited;
    throw this.failure(`did not exit within ${timeoutMs} ms of ${signal}; killed`);
  }

  failure(message: string): Error {
    const tail = (s: string) => s.slice(-4000).trim();
    return new Error(
      `Mnemo (pid ${this.child.pid}, home ${this.options.home}) ${message}\n--- stdout ---\n${tail(this.stdout)}\n--- stderr ---\n${tail(this.stderr)}`,
    );
  }
}

/** Starts `node dist/main.js` on `home`. */
export function startService(options: ServiceOptions): ServiceProcess {
  return new ServiceProcess(options);
}

/** SIGKILLs every service this process started that is still running (test clean-up). */
export async function killAllServices(): Promise<void> {
  const running = [...live];
  for (const service of running) service.child.kill('SIGKILL');
  await Promise.all(running.map((s) => s.exited));
}

/** PIDs of PostgreSQL processes whose command line names `dataDir` (`postgres -D <dataDir> ...`), from /proc. */
export function postgresProcesses(dataDir: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args.includes(dataDir) && args.some((a) => /postgres/.test(path.basename(a)))) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Polls `condition` every 50 ms; false when it never held within `timeoutMs`. */
export async function eventually(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (condition()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Stops any PostgreSQL still running on `dataDir` (clean-up after a failed or killed run). */
export async function stopPostgres(dataDir: string): Promise<void> {
  const pids = postgresProcesses(dataDir);
  if (!pids.length) return;
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      // already gone
    }
  }
  if (await eventually(() => postgresProcesses(dataDir).length === 0, 10_000)) return;
  for (const pid of postgresProcesses(dataDir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await eventually(() => postgresProcesses(dataDir).length === 0, 5_000);
}

/** Stops what runs on `home` and deletes it. */
export async function removeHome(home: string): Promise<void> {
  await stopPostgres(path.join(home, 'pgdata'));
  fs.rmSync(home, { recursive: true, force: true });
}
