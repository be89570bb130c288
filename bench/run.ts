import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, makeHome, removeHome, repoRoot, ServiceProcess, startService } from './service-process';

/**
 * `npm run bench`: starts the built service (`node dist/main.js`) on a
 * throw-away MNEMO_HOME (embedded PostgreSQL) and a free port, takes the agent
 * key from its banner, and loads three targets with autocannon, one after the
 * other: 50 connections, 10 s each, after a short warm-up. Prints a table and
 * the two throughput ratios the service must meet; then times three restarts on
 * the same home (target: second start under 3 s). Writes the figures to
 * bench/results/<timestamp>.json and bench/results/latest.json.
 *
 * Exit code 1 when a target is missed or a run saw errors.
 *
 * Each target is measured in each of BENCH_CYCLES (default 3) cycles over all
 * targets; a target's figures are its median cycle and each ratio is the median
 * of its per-cycle ratios, so that the drift in speed of a shared machine hits
 * numerator and denominator alike.
 *
 * Knobs (environment): BENCH_DURATION (s, default 10), BENCH_WARMUP (s, default 3),
 * BENCH_CONNECTIONS (default 50), BENCH_LOG_LEVEL (the service's LOG_LEVEL, default
 * info: one log line per request, as in production; its stdout goes to a pipe
 * this process drains).
 */

const DURATION_S = positive('BENCH_DURATION', 10);
const WARMUP_S = positive('BENCH_WARMUP', 3);
const CONNECTIONS = positive('BENCH_CONNECTIONS', 50);
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'info';

const RESULTS_DIR = path.join(repoRoot(), 'bench', 'results');
/** Restarts timed on the same home after the load runs (the median is judged). */
const RESTARTS = 3;
/** Measurement cycles over all targets; figures are the median cycle. */
const CYCLES = positive('BENCH_CYCLES', 3);

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

interface Target {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Does a response body show the request succeeded? (checked once before measuring) */
  check(body: unknown): boolean;
}

interface Measurement {
  target: string;
  method: string;
  path: string;
  req_per_sec: number;
  p50_ms: number;
  p99_ms: number;
  /** Non-2xx responses + connection errors/timeouts + bodies differing from the verified one. */
  errors: number;
  requests: number;
  duration_s: number;
  latency_avg_ms: number;
  latency_max_ms: number;
  non2xx: number;
  connection_errors: number;
  timeouts: number;
  body_mismatches: number;
  status_codes: Record<string, number>;
}

interface Ratio {
  name: string;
  numerator: string;
  denominator: string;
  ratio: number;
  per_cycle: number[];
  minimum: number;
  pass: boolean;
}

/** The middle element by `key` (the lower middle for an even count). */
function median<T>(items: T[], key: (item: T) => number): T {
  return [...items].sort((a, b) => key(a) - key(b))[Math.floor((items.length - 1) / 2)];
}

function targets(apiKey: string): Target[] {
  return [
    {
      name: 'GET /healthz/ready',
      method: 'GET',
      path: '/healthz/ready',
      headers: {},
      check: (b) => (b as { status?: string }).status === 'ready',
    },
    {
      name: 'GET /whoami',
      method: 'GET',
      path: '/whoami',
      headers: { 'X-Api-Key': apiKey },
      check: (b) => (b as { agent?: { name?: string } }).agent?.name === 'assistant',
    },
    {
      name: 'MCP tools/call whoami',
      method: 'POST',
      path: '/mcp',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-06-18',
        'X-Api-Key': apiKey,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } }),
      check: (b) => {
        const result = (b as { result?: { isError?: boolean; structuredContent?: { agent?: { name?: string } } } }).result;
        return !!result && result.isError !== true && result.structuredContent?.agent?.name === 'assistant';
      },
    },
  ];
}

/** One request with fetch: must be 200 with the expected body. Returns the raw body. */
async function verify(baseUrl: string, target: Target): Promise<string> {
  const res = await fetch(baseUrl + target.path, { method: target.method, headers: target.headers, body: target.body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (res.status !== 200 || parsed === undefined || !target.check(parsed)) {
    throw new Error(`${target.name}: expected 200 with a valid body before measuring, got ${res.status}: ${text.slice(0, 500)}`);
  }
  return text;
}

async function load(baseUrl: string, target: Target, durationS: number, expectBody: string | undefined) {
  return autocannon({
    url: baseUrl + target.path,
    title: target.name,
    method: target.method,
    headers: target.headers,
    body: target.body,
    connections: CONNECTIONS,
    duration: durationS,
    timeout: 10,
    expectBody,
  });
}

function summarise(target: Target, r: autocannon.Result): Measurement {
  const statusCodes = Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([code, s]) => [code, s.count]));
  return {
    target: target.name,
    method: target.method,
    path: target.path,
    req_per_sec: round(r.requests.average, 1),
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    errors: r.non2xx + r.errors + r.mismatches,
    requests: r.requests.total,
    duration_s: r.duration,
    latency_avg_ms: round(r.latency.average, 2),
    latency_max_ms: r.latency.max,
    non2xx: r.non2xx,
    connection_errors: r.errors,
    timeouts: r.timeouts,
    body_mismatches: r.mismatches,
    status_codes: statusCodes,
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

async function main(): Promise<number> {
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  const home = makeHome('mnemo-bench-');
  let service: ServiceProcess | undefined;
  const cleanUp = async () => {
    if (service && !service.exit) await service.stop('SIGTERM').catch((err: Error) => console.error(err.message));
    await removeHome(home);
  };
  const onSignal = () => {
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const port = await freePort();
    console.log(`Starting node dist/main.js on ${home} (embedded PostgreSQL), port ${port}, LOG_LEVEL=${LOG_LEVEL}`);
    service = startService({ home, port, env: { LOG_LEVEL }, keepOutput: false });
    const banner = await service.waitForBanner(60_000);
    if (!banner.agentKey) throw service.failure('printed no agent key on its first start');
    const baseUrl = service.baseUrl;

    const all = targets(banner.agentKey);
    const expectedBodies: (string | undefined)[] = [];
    for (const target of all) {
      const body = await verify(baseUrl, target);
      // The same request always gets the same answer, so every response can be compared with it.
      expectedBodies.push((await verify(baseUrl, target)) === body ? body : undefined);
      console.log(`${target.name}: warm-up ${WARMUP_S} s`);
      await load(baseUrl, target, WARMUP_S, expectedBodies.at(-1));
    }
    // Whole cycles over all targets, so that drift in machine speed (shared CPUs) hits every target alike.
    const cycles: Measurement[][] = [];
    for (let c = 1; c <= CYCLES; c++) {
      const row: Measurement[] = [];
      for (const [i, target] of all.entries()) {
        process.stdout.write(`cycle ${c}/${CYCLES}, ${target.name}: ${DURATION_S} s with ${CONNECTIONS} connections... `);
        const m = summarise(target, await load(baseUrl, target, DURATION_S, expectedBodies[i]));
        row.push(m);
        console.log(`${m.req_per_sec} req/s, ${m.errors} errors`);
      }
      cycles.push(row);
    }
    // Per target, the cycle with the median throughput.
    const measurements = all.map((_, i) => median(cycles.map((row) => row[i]), (m) => m.req_per_sec));
    const errorsOf = (i: number) => cycles.reduce((sum, row) => sum + row[i].errors, 0);
    const loadAfter = os.loadavg();
    const exit = await service.stop('SIGTERM');
    if (exit.code !== 0) console.error(`Warning: the service exited with ${exit.code ?? exit.signal}`);

    // Restart time: spawn of `node dist/main.js` on the same home until it logs "listening".
    const restarts: number[] = [];
    for (let i = 0; i < RESTARTS; i++) {
      service = startService({ home, port, env: { LOG_LEVEL }, keepOutput: false });
      restarts.push(Math.round(await service.waitForListening()));
      await service.stop('SIGTERM');
    }
    const restartMs = median(restarts, (ms) => ms);
    const startup = { restarts_ms: restarts, median_ms: restartMs, maximum_ms: 3000, pass: restartMs < 3000 };

    /** Throughput of target `num` over target `den`, per cycle; judged on the median cycle. */
    const ratio = (name: string, num: number, den: number, minimum: number): Ratio => {
      const perCycle = cycles.map((row) => round(row[num].req_per_sec / row[den].req_per_sec, 3));
      const value = median(perCycle, (r) => r);
      return {
        name,
        numerator: all[num].name,
        denominator: all[den].name,
        ratio: value,
        per_cycle: perCycle,
        minimum,
        pass: value >= minimum && errorsOf(num) === 0 && errorsOf(den) === 0,
      };
    };
    const ratios = [
      ratio('/whoami vs /healthz/ready throughput', 1, 0, 0.6),
      ratio('MCP whoami vs REST /whoami throughput', 2, 1, 0.4),
    ];

    console.log('');
    console.log(
      table([
        ['target', 'req/s', 'p50 ms', 'p99 ms', 'errors'],
        ...measurements.map((m) => [m.target, m.req_per_sec.toFixed(1), String(m.p50_ms), String(m.p99_ms), String(m.errors)]),
      ]),
    );
    console.log('');
    console.log(
      table([
        ['target', 'ratio', 'minimum', 'result'],
        ...ratios.map((r) => [
          `${r.name} (cycles: ${r.per_cycle.map((v) => `${(v * 100).toFixed(0)}%`).join(', ')})`,
          `${(r.ratio * 100).toFixed(1)}%`,
          `${r.minimum * 100}%`,
          r.pass ? 'PASS' : 'FAIL',
        ]),
        ['second start, spawn to listening (median)', `${startup.median_ms} ms`, '< 3000 ms', startup.pass ? 'PASS' : 'FAIL'],
      ]),
    );

    const cpus = os.cpus();
    const report = {
      timestamp: startedAt.toISOString(),
      service: { version: readVersion(), commit: gitCommit(), entry: 'node dist/main.js' },
      machine: {
        platform: os.platform(),
        release: os.release(),
        arch: os.arch(),
        cpus: cpus.length,
        cpu_model: cpus[0]?.model ?? 'unknown',
        memory_gb: round(os.totalmem() / 1024 ** 3, 1),
        node: process.version,
        load_average_before: loadBefore.map((v) => round(v, 2)),
        load_average_after: loadAfter.map((v) => round(v, 2)),
      },
      settings: {
        tool: 'autocannon (programmatic), in the same process that drains the service output',
        connections: CONNECTIONS,
        duration_s: DURATION_S,
        cycles: CYCLES,
        warmup_s: WARMUP_S,
        pipelining: 1,
        database: 'embedded PostgreSQL on a throw-away MNEMO_HOME',
        log_level: LOG_LEVEL,
        log_output: 'service stdout to a pipe drained by the bench process',
        req_per_sec: 'autocannon requests.average (mean of the per-second samples)',
        errors: 'non-2xx responses + connection errors/timeouts + bodies that differ from the verified response',
      },
      results: measurements,
      cycles,
      targets: ratios,
      startup,
      pass: ratios.every((r) => r.pass) && startup.pass,
    };
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    const file = path.join(RESULTS_DIR, `${startedAt.toISOString().replace(/:/g, '-')}.json`);
    const json = JSON.stringify(report, null, 2) + '\n';
    fs.writeFileSync(file, json);
    fs.writeFileSync(path.join(RESULTS_DIR, 'latest.json'), json);
    console.log(`\nWrote ${path.relative(repoRoot(), file)} and bench/results/latest.json`);
    return report.pass ? 0 : 1;
  } finally {
    await cleanUp();
  }
}

function readVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
