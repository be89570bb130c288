import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  AGENT_MEMORIES,
  ALWAYS_LOAD_NODES,
  contextTargetsDescription,
  mcpContextTarget,
  PREFERENCE_NODES,
  restContextTarget,
  seedContextAgent,
} from './context-targets';
import { AuditDatabase, auditOlderPagesTarget, auditPageTarget, SECRET_KEY, secretTarget, seedSecret } from './audit-targets';
import { knowledgeTargetsDescription, OWNED_PROJECTS, projectsTarget, projectTarget, SECTIONS, SHARED_PROJECTS, seedProjects } from './knowledge-targets';
import { READ_BODY, READ_SUBJECT, READ_SUBJECT_MEMORIES, readSubjectMemory, WRITE_BODY, WRITE_SUBJECT } from './memory-targets';
import { MEMORIES_PER_SUBJECT, READ_INDEX, ReadPlan, ScaleDatabase } from './scale';
import { Banner, freePort, makeHome, removeHome, repoRoot, ServiceProcess, startService } from './service-process';
import { mcpHeaders, Target, toolCall } from './target';

/**
 * `npm run bench`: starts the built service (`node dist/main.js`) on a
 * throw-away MNEMO_HOME (embedded PostgreSQL) and a free port, takes the agent
 * key from its banner, and loads ten targets with autocannon, one after the
 * other: 50 connections, 10 s each, after a short warm-up. Targets: the
 * readiness probe, /whoami over REST and MCP, reading a secret (decryption and
 * its audit event, bench/audit-targets.ts), storing a scoped memory
 * (POST /memory), a merged read of one subject's 50 memories of mixed shapes
 * (POST /memory/read: merge, grant, audit event), and the agent context
 * (GET /agents/{name}/context and MCP get_context) of an agent with 200
 * always-load nodes, 500 memories, 50 preferences, pending handoffs and a
 * session (bench/context-targets.ts), a project with 300 sections and the
 * list of 200 owned and 200 shared projects (bench/knowledge-targets.ts); all
 * seeded through the API first.
 * Prints a table, the throughput ratios and p99 latencies the service must meet.
 *
 * Then, on the same service, the scale measurement: read p50 (same read) with
 * about 1,000 memories in the table, then with BENCH_SCALE_ROWS bulk-loaded
 * memories (directly with SQL: 10,000 subjects x 100 memories by default),
 * judged on the ratio (at most 1.3) and on the read's query plan (EXPLAIN
 * ANALYZE: an index scan on scoped_memories_read_idx, no sequential scan).
 * See bench/scale.ts.
 *
 * Then the audit log: audit_events filled to 1,000,000 events, all sealed into
 * their hash chains by the service's sealer, and GET /audit?limit=100 measured
 * at 10 connections (p99 under 50 ms), the newest page and older pages from a
 * random cursor per request; then one GET /audit/verify, timed.
 *
 * Finally it times three restarts on the same home (target: second start under
 * 3 s). Writes the figures to bench/results/<timestamp>.json and
 * bench/results/latest.json.
 *
 * Exit code 1 when a target is missed or a run saw errors.
 *
 * Each target is measured in each of BENCH_CYCLES (default 5) cycles over all
 * targets; a target's figures are its median cycle and each ratio is the median
 * of its per-cycle ratios, so that the drift in speed of a shared machine hits
 * numerator and denominator alike.
 *
 * Knobs (environment): BENCH_DURATION (s, default 10), BENCH_WARMUP (s, default 3),
 * BENCH_CONNECTIONS (default 50), BENCH_LOG_LEVEL (the service's LOG_LEVEL, default
 * info: one log line per request, as in production; its stdout goes to a pipe
 * this process drains), BENCH_SCALE_ROWS (memories bulk-loaded for the scale
 * measurement, default 1000000; 0 skips it), BENCH_AUDIT_EVENTS (events in the
 * audit table for the audit page measurement, default 1000000).
 */

const DURATION_S = positive('BENCH_DURATION', 10);
const WARMUP_S = positive('BENCH_WARMUP', 3);
const CONNECTIONS = positive('BENCH_CONNECTIONS', 50);
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'info';
const SCALE_ROWS = wholeNumber('BENCH_SCALE_ROWS', 1_000_000);
/** Events in audit_events while the audit page is measured. */
const AUDIT_EVENTS = wholeNumber('BENCH_AUDIT_EVENTS', 1_000_000);
/** Memories in the table for the scale measurement's baseline. */
const SCALE_BASELINE_ROWS = 1000;
/** Largest accepted ratio of read p50 at scale over read p50 at the baseline. */
const SCALE_MAX_RATIO = 1.3;
/** p99 latency the memory targets must stay under (median cycle). */
const P99_MAXIMUM_MS = 100;

const RESULTS_DIR = path.join(repoRoot(), 'bench', 'results');
/** Restarts timed on the same home after the load runs (the median is judged). */
const RESTARTS = 3;
/** Measurement cycles over all targets; figures are the median cycle. */
const CYCLES = positive('BENCH_CYCLES', 5);
/** Connections of the light-load latency measurement. */
const LIGHT_CONNECTIONS = 5;

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

function wholeNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number`);
  return value;
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

interface LatencyCheck {
  name: string;
  target: string;
  /** p99 of the target's median cycle (by throughput). */
  p99_ms: number;
  per_cycle_ms: number[];
  maximum_ms: number;
  pass: boolean;
}

interface ScaleRun {
  /** Rows in scoped_memories while measuring. */
  rows: number;
  measurement: Measurement;
  /** GET /healthz/ready right after, for reference: how fast the machine was in this phase. */
  reference: Measurement;
}

interface Scale {
  target: string;
  body: string;
  baseline: ScaleRun;
  scaled: ScaleRun;
  bulk_rows: number;
  bulk_subjects: number;
  bulk_load_ms: number;
  vacuum_analyze_checkpoint_ms: number;
  table_size_mb: number;
  read_index_size_mb: number;
  /** scaled p50 / baseline p50 */
  p50_ratio: number;
  maximum_ratio: number;
  plan_baseline: ReadPlan;
  plan_scaled: ReadPlan;
  pass: boolean;
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

/**
 * Position of each target in targets() and so in every cycle. The readiness
 * probe, the denominator of six ratios, is in the middle, with numerators on
 * both sides; each MCP target close to its REST counterpart. Every ratio's two
 * sides are at most four targets apart.
 */
const SECRET = 0;
const WRITE = 1;
const PROJECT = 2;
const READ = 3;
const READY = 4;
const CONTEXT = 5;
const PROJECTS = 6;
const MCP_CONTEXT = 7;
const WHOAMI = 8;
const MCP_WHOAMI = 9;
const TARGET_COUNT = 10;

function targets(apiKey: string, agentName: string, projectId: number): Target[] {
  const json = { 'content-type': 'application/json', 'X-Api-Key': apiKey };
  const all: Target[] = [];
  all[READY] = {
    name: 'GET /healthz/ready',
    method: 'GET',
    path: '/healthz/ready',
    headers: {},
    check: (b) => (b as { status?: string }).status === 'ready',
  };
  all[READ] = readTarget(apiKey);
  all[SECRET] = secretTarget(apiKey);
  all[WRITE] = {
    name: 'POST /memory (write)',
    method: 'POST',
    path: '/memory',
    headers: json,
    body: WRITE_BODY,
    status: 201,
    variableResponse: true,
    check: (b) => {
      const m = b as { id?: unknown; user_id?: unknown; scope?: unknown; expires_at?: unknown };
      return typeof m.id === 'string' && m.user_id === WRITE_SUBJECT && m.scope === 'preferences' && typeof m.expires_at === 'string';
    },
  };
  all[CONTEXT] = restContextTarget(apiKey, agentName);
  all[PROJECT] = projectTarget(apiKey, projectId);
  all[PROJECTS] = projectsTarget(apiKey);
  all[MCP_CONTEXT] = mcpContextTarget(apiKey, agentName);
  all[WHOAMI] = {
    name: 'GET /whoami',
    method: 'GET',
    path: '/whoami',
    headers: { 'X-Api-Key': apiKey },
    check: (b) => (b as { agent?: { name?: string } }).agent?.name === agentName,
  };
  all[MCP_WHOAMI] = {
    name: 'MCP tools/call whoami',
    method: 'POST',
    path: '/mcp',
    headers: mcpHeaders(apiKey),
    body: toolCall('whoami'),
    check: (b) => {
      const result = (b as { result?: { isError?: boolean; structuredContent?: { agent?: { name?: string } } } }).result;
      return !!result && result.isError !== true && result.structuredContent?.agent?.name === agentName;
    },
  };
  if (all.length !== TARGET_COUNT || all.some((t) => t === undefined)) throw new Error('targets(): every position must hold one target');
  return all;
}

/** POST /memory/read of READ_SUBJECT's preferences (a merge of its 50 memories, a grant and an audit event). */
function readTarget(apiKey: string): Target {
  return {
    name: 'POST /memory/read (read)',
    method: 'POST',
    path: '/memory/read',
    headers: { 'content-type': 'application/json', 'X-Api-Key': apiKey },
    body: READ_BODY,
    variableResponse: true,
    check: (b) => {
      const r = b as {
        summary_text?: unknown;
        summary_struct?: { likes?: unknown[]; dislikes?: unknown[]; settings?: object };
        revocation_token?: unknown;
      };
      return (
        typeof r.summary_text === 'string' &&
        /^Likes: [1-9]\d*, Dislikes: [1-9]\d*, Settings: [1-9]\d*$/.test(r.summary_text) &&
        Array.isArray(r.summary_struct?.likes) &&
        typeof r.revocation_token === 'string' &&
        r.revocation_token.length >= 40
      );
    },
  };
}

interface Tenant {
  userId: string;
  userName: string;
  agentId: string;
  agentName: string;
}

/** The admin token the service printed, or the file it printed it into. */
function adminTokenOf(banner: Banner): string {
  if (banner.adminToken) return banner.adminToken;
  if (banner.adminTokenFile) return fs.readFileSync(banner.adminTokenFile, 'utf8').trim();
  throw new Error('The service printed no admin token');
}

/** The tenant (the agent key's user) and agent, from GET /whoami. */
async function whoami(baseUrl: string, apiKey: string): Promise<Tenant> {
  const res = await fetch(`${baseUrl}/whoami`, { headers: { 'X-Api-Key': apiKey } });
  const body = (await res.json()) as { user?: { id?: string; name?: string }; agent?: { id?: string; name?: string } };
  if (res.status !== 200 || !body.user?.id || !body.user.name || !body.agent?.id || !body.agent.name) {
    throw new Error(`GET /whoami: ${res.status} ${JSON.stringify(body)}`);
  }
  return { userId: body.user.id, userName: body.user.name, agentId: body.agent.id, agentName: body.agent.name };
}

/** Stores READ_SUBJECT's memories through the API and checks that exactly those are there. */
async function seedReadSubject(baseUrl: string, apiKey: string): Promise<void> {
  const headers = { 'content-type': 'application/json', 'X-Api-Key': apiKey };
  for (let i = 0; i < READ_SUBJECT_MEMORIES; i++) {
    const res = await fetch(`${baseUrl}/memory`, { method: 'POST', headers, body: readSubjectMemory(i) });
    if (res.status !== 201) throw new Error(`seeding memory ${i} of ${READ_SUBJECT}: ${res.status} ${await res.text()}`);
  }
  const res = await fetch(`${baseUrl}/memory?user_id=${READ_SUBJECT}&scope=preferences&limit=1`, { headers });
  const list = (await res.json()) as { total?: number };
  if (res.status !== 200 || list.total !== READ_SUBJECT_MEMORIES) {
    throw new Error(`${READ_SUBJECT} should have ${READ_SUBJECT_MEMORIES} memories, GET /memory says ${res.status} ${JSON.stringify(list)}`);
  }
}

/** One request with fetch: must have the target's status and a valid body. Returns the raw body. */
async function verify(baseUrl: string, target: Target): Promise<string> {
  const res = await fetch(baseUrl + target.path, { method: target.method, headers: target.headers, body: target.body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const status = target.status ?? 200;
  if (res.status !== status || parsed === undefined || !target.check(parsed)) {
    throw new Error(`${target.name}: expected ${status} with a valid body before measuring, got ${res.status}: ${text.slice(0, 500)}`);
  }
  return text;
}

async function load(
  baseUrl: string,
  target: Target,
  durationS: number,
  expectBody: string | undefined,
  connections = CONNECTIONS,
) {
  return autocannon({
    url: baseUrl + target.path,
    title: target.name,
    method: target.method,
    headers: target.headers,
    body: target.body,
    connections,
    duration: durationS,
    timeout: 10,
    expectBody,
    // autocannon refuses `requests` (even undefined) next to expectBody.
    ...(target.nextPath && { requests: [{ setupRequest: (request: { path: string }) => ({ ...request, path: target.nextPath!() }) }] }),
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

/** Uncommitted changes in the working tree (the build measured is the working tree, not the commit). */
function gitDirty(): boolean | null {
  try {
    return execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repoRoot(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
  } catch {
    return null;
  }
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

    const tenant = await whoami(baseUrl, banner.agentKey);
    console.log(`Seeding ${READ_SUBJECT_MEMORIES} memories of mixed shapes about ${READ_SUBJECT} through POST /memory`);
    await seedReadSubject(baseUrl, banner.agentKey);
    process.stdout.write(
      `Seeding agent ${tenant.agentName}: ${ALWAYS_LOAD_NODES} always-load nodes, ${AGENT_MEMORIES} memories, ` +
        `${PREFERENCE_NODES} preferences, handoffs and a session through the REST API... `,
    );
    const seedStart = performance.now();
    await seedContextAgent(baseUrl, banner.agentKey, tenant.agentName);
    console.log(`${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

    process.stdout.write(`Seeding ${OWNED_PROJECTS} projects (one with ${SECTIONS} sections) and ${SHARED_PROJECTS} shared by another user... `);
    const projectsStart = performance.now();
    const projectId = await seedProjects(baseUrl, banner.agentKey, adminTokenOf(banner), tenant.userName);
    console.log(`${((performance.now() - projectsStart) / 1000).toFixed(1)} s`);

    await seedSecret(baseUrl, banner.agentKey);
    const all = targets(banner.agentKey, tenant.agentName, projectId);
    const expectedBodies: (string | undefined)[] = [];
    for (const target of all) {
      const body = await verify(baseUrl, target);
      // The same request always gets the same answer, so every response can be compared with it
      // (except where each response is new: ids, tokens).
      const again = await verify(baseUrl, target);
      expectedBodies.push(!target.variableResponse && again === body ? body : undefined);
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
    // With 50 connections latency is mostly queueing (mean = 50 / throughput); at a lighter load
    // it shows the cost of one request. Reported for the memory targets, not judged.
    const lightLoad: Measurement[] = [];
    for (const i of [READY, READ, WRITE]) {
      process.stdout.write(`${all[i].name}: ${DURATION_S} s with ${LIGHT_CONNECTIONS} connections... `);
      const m = summarise(all[i], await load(baseUrl, all[i], DURATION_S, expectedBodies[i], LIGHT_CONNECTIONS));
      lightLoad.push(m);
      console.log(`${m.req_per_sec} req/s, p50 ${m.p50_ms} ms, p99 ${m.p99_ms} ms`);
    }
    const loadAfterCycles = os.loadavg();

    const scale = SCALE_ROWS > 0 ? await measureScale(baseUrl, service.options.home, tenant, readTarget(banner.agentKey), all[READY]) : null;
    const audit = await measureAudit(baseUrl, service.options.home, tenant, banner.agentKey);
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
    // Target order: see WRITE ... MCP_WHOAMI (each ratio's two sides measured close together in every cycle).
    const ratios = [
      ratio('secret read (decrypt + audit) vs /healthz/ready throughput', SECRET, READY, 0.4),
      ratio('/whoami vs /healthz/ready throughput', WHOAMI, READY, 0.6),
      ratio('MCP whoami vs REST /whoami throughput', MCP_WHOAMI, WHOAMI, 0.4),
      ratio('memory write vs /healthz/ready throughput', WRITE, READY, 0.5),
      ratio('memory read vs /healthz/ready throughput', READ, READY, 0.35),
      ratio('agent context vs /healthz/ready throughput', CONTEXT, READY, 0.4),
      ratio('MCP get_context vs REST agent context throughput', MCP_CONTEXT, CONTEXT, 0.4),
      ratio('project with 300 sections vs /healthz/ready throughput', PROJECT, READY, 0.3),
      ratio('project list (200 owned + 200 shared) vs /healthz/ready throughput', PROJECTS, READY, 0.3),
    ];
    /** p99 of target `i`'s median cycle under P99_MAXIMUM_MS, with no errors in any cycle. */
    const latencyCheck = (name: string, i: number): LatencyCheck => ({
      name,
      target: all[i].name,
      p99_ms: measurements[i].p99_ms,
      per_cycle_ms: cycles.map((row) => row[i].p99_ms),
      maximum_ms: P99_MAXIMUM_MS,
      pass: measurements[i].p99_ms < P99_MAXIMUM_MS && errorsOf(i) === 0,
    });
    const latencies = [latencyCheck('memory write p99', WRITE), latencyCheck('memory read p99', READ)];

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
        [`at ${LIGHT_CONNECTIONS} connections (not judged)`, 'req/s', 'p50 ms', 'p99 ms', 'errors'],
        ...lightLoad.map((m) => [m.target, m.req_per_sec.toFixed(1), String(m.p50_ms), String(m.p99_ms), String(m.errors)]),
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
        ...latencies.map((l) => [
          `${l.name} (cycles: ${l.per_cycle_ms.join(', ')} ms)`,
          `${l.p99_ms} ms`,
          `< ${l.maximum_ms} ms`,
          l.pass ? 'PASS' : 'FAIL',
        ]),
        ...(scale
          ? [
              [
                `read p50 at ${scale.scaled.rows.toLocaleString('en')} vs ${scale.baseline.rows.toLocaleString('en')} memories ` +
                  `(${scale.scaled.measurement.p50_ms} vs ${scale.baseline.measurement.p50_ms} ms)`,
                `${scale.p50_ratio.toFixed(2)}x`,
                `<= ${scale.maximum_ratio}x`,
                scale.p50_ratio <= scale.maximum_ratio && scale.baseline.measurement.errors + scale.scaled.measurement.errors === 0
                  ? 'PASS'
                  : 'FAIL',
              ],
              [
                `read's SELECT at ${scale.scaled.rows.toLocaleString('en')} memories: Index Scan using ` +
                  `${scale.plan_scaled.index ?? READ_INDEX}${scale.plan_scaled.seq_scan ? ', has a Seq Scan' : ', no Seq Scan'}`,
                scale.plan_scaled.index ? 'Index Scan' : scale.plan_scaled.seq_scan ? 'Seq Scan' : 'other',
                'Index Scan',
                scale.plan_scaled.pass ? 'PASS' : 'FAIL',
              ],
            ]
          : []),
        ...[audit.newest, audit.older].map((page) => [
          `${page.target} p99 at ${AUDIT_CONNECTIONS} connections, ${audit.events.toLocaleString('en')} events (runs: ${page.runs.map((m) => m.p99_ms).join(', ')} ms)`,
          `${page.measurement.p99_ms} ms`,
          `< ${audit.maximum_p99_ms} ms`,
          page.pass ? 'PASS' : 'FAIL',
        ]),
        ['second start, spawn to listening (median)', `${startup.median_ms} ms`, '< 3000 ms', startup.pass ? 'PASS' : 'FAIL'],
      ]),
    );
    if (scale) {
      console.log('');
      console.log(
        table([
          ['scale: POST /memory/read', 'memories', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'healthz req/s (reference)'],
          ...(
            [
              ['baseline', scale.baseline],
              ['bulk-loaded', scale.scaled],
            ] as const
          ).map(([label, { rows, measurement: m, reference }]) => [
            label,
            rows.toLocaleString('en'),
            m.req_per_sec.toFixed(1),
            String(m.p50_ms),
            String(m.p99_ms),
            String(m.errors),
            reference.req_per_sec.toFixed(1),
          ]),
        ]),
      );
      console.log(
        `bulk load: ${scale.bulk_rows.toLocaleString('en')} rows (${scale.bulk_subjects.toLocaleString('en')} subjects) in ` +
          `${(scale.bulk_load_ms / 1000).toFixed(1)} s, VACUUM ANALYZE + CHECKPOINT ${(scale.vacuum_analyze_checkpoint_ms / 1000).toFixed(1)} s; ` +
          `scoped_memories ${scale.table_size_mb} MB with indexes, ${READ_INDEX} ${scale.read_index_size_mb} MB`,
      );
      console.log(`\nEXPLAIN (ANALYZE, BUFFERS) of the read's SELECT at ${scale.scaled.rows.toLocaleString('en')} memories:`);
      console.log(scale.plan_scaled.plan.map((line) => `  ${line}`).join('\n'));
      if (scale.plan_scaled.sort) {
        console.log(
          `Note: the plan sorts. The index finds the rows, but its order (created_at DESC, id DESC) is not used for ` +
            `domain IS NULL (not an equality), so a domain-less read fetches and sorts every live memory of the subject ` +
            `in that scope, not just the newest ${READ_SUBJECT_MEMORIES}: cheap here, costly for subjects with thousands.`,
        );
      }
    }

    console.log(
      `\naudit: ${audit.added.toLocaleString('en')} events bulk-loaded in ${(audit.load_ms / 1000).toFixed(1)} s, sealed into their chains in ` +
        `${(audit.seal_ms / 1000).toFixed(1)} s; GET /audit/verify of the benchmark tenant (${audit.verify.events_checked.toLocaleString('en')} events): ` +
        `${(audit.verify.ms / 1000).toFixed(1)} s, ok ${audit.verify.ok}`,
    );

    const cpus = os.cpus();
    const report = {
      timestamp: startedAt.toISOString(),
      service: { version: readVersion(), commit: gitCommit(), uncommitted_changes: gitDirty(), entry: 'node dist/main.js' },
      machine: {
        platform: os.platform(),
        release: os.release(),
        arch: os.arch(),
        cpus: cpus.length,
        cpu_model: cpus[0]?.model ?? 'unknown',
        memory_gb: round(os.totalmem() / 1024 ** 3, 1),
        node: process.version,
        load_average_before: loadBefore.map((v) => round(v, 2)),
        load_average_after_cycles: loadAfterCycles.map((v) => round(v, 2)),
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
        errors:
          'non-2xx responses + connection errors/timeouts + bodies that differ from the verified response ' +
          '(write, read and context responses differ per request (ids, tokens, the time): no body comparison, ' +
          'their body is checked once before)',
        target_order: all.map((t) => t.name),
        memory_targets: {
          write: `POST /memory ${WRITE_BODY}`,
          read: `POST /memory/read ${READ_BODY}`,
          read_subject: `${READ_SUBJECT}: ${READ_SUBJECT_MEMORIES} memories in scope preferences (likes_dislikes, kv_map, boolean_flags, rules_list, schedule_windows), stored through POST /memory before measuring`,
        },
        context_targets: contextTargetsDescription(tenant.agentName),
        project_targets: knowledgeTargetsDescription(projectId),
        secret_target: `GET /secrets/${SECRET_KEY}: a 64-byte value stored through PUT before measuring`,
        audit_method:
          `after the scale measurement, on the same service: audit_events filled up to ${AUDIT_EVENTS.toLocaleString('en')} events ` +
          `(INSERT ... SELECT generate_series, half of them the benchmark tenant's, the rest over 1000 other tenants), ` +
          `waited until the sealer linked every event, VACUUM (ANALYZE) + CHECKPOINT, warm-up, then ${AUDIT_RUNS} runs of ` +
          `${DURATION_S} s at ${AUDIT_CONNECTIONS} connections of the newest page and ${AUDIT_RUNS} of older pages from a random ` +
          `cursor per request (each judged on its median run by p99), then GET /audit/verify once`,
        scale_rows: SCALE_ROWS,
        scale_baseline_rows: SCALE_BASELINE_ROWS,
        scale_method:
          `after the cycles, on the same service: the write target's memories deleted, bulk rows added up to about ` +
          `${SCALE_BASELINE_ROWS} memories, VACUUM (ANALYZE) + CHECKPOINT, read measured (warm-up, then ${DURATION_S} s, ` +
          `then GET /healthz/ready ${DURATION_S} s as a reference); then ${MEMORIES_PER_SUBJECT} memories per subject ` +
          `bulk-loaded with INSERT ... SELECT generate_series (all scopes, future expiry, created_at spread over 90 days; ` +
          `foreign-key triggers off for the load), VACUUM (ANALYZE) + CHECKPOINT, measured again; EXPLAIN (ANALYZE, BUFFERS) ` +
          `of the read's SELECT with the read's real parameters after each measurement`,
      },
      results: measurements,
      light_load: { connections: LIGHT_CONNECTIONS, results: lightLoad },
      cycles,
      targets: ratios,
      latency: latencies,
      scale,
      audit,
      startup,
      pass: ratios.every((r) => r.pass) && latencies.every((l) => l.pass) && (scale?.pass ?? true) && audit.pass && startup.pass,
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

/**
 * Read p50 with about SCALE_BASELINE_ROWS memories in the table, then with
 * SCALE_ROWS bulk-loaded ones (MEMORIES_PER_SUBJECT per subject, all scopes),
 * each after a warm-up; EXPLAIN (ANALYZE, BUFFERS) of the read's SELECT at both
 * sizes. The write target's memories are deleted first, so that the baseline
 * really has about SCALE_BASELINE_ROWS rows.
 */
async function measureScale(baseUrl: string, home: string, tenant: Tenant, target: Target, reference: Target): Promise<Scale> {
  const db = await ScaleDatabase.connect(home);
  try {
    const measureRead = async (rows: number): Promise<ScaleRun> => {
      const label = `${rows.toLocaleString('en')} memories`;
      await load(baseUrl, target, WARMUP_S, undefined);
      process.stdout.write(`scale, ${label}: ${target.name} ${DURATION_S} s with ${CONNECTIONS} connections... `);
      const m = summarise(target, await load(baseUrl, target, DURATION_S, undefined));
      console.log(`${m.req_per_sec} req/s, p50 ${m.p50_ms} ms, ${m.errors} errors`);
      process.stdout.write(`scale, ${label}: ${reference.name} (reference) ${DURATION_S} s... `);
      const r = summarise(reference, await load(baseUrl, reference, DURATION_S, undefined));
      console.log(`${r.req_per_sec} req/s, p50 ${r.p50_ms} ms, ${r.errors} errors`);
      return { rows, measurement: m, reference: r };
    };
    const limit = READ_SUBJECT_MEMORIES;

    const removed = await db.deleteSubject(tenant.userId, WRITE_SUBJECT);
    const fill = Math.max(0, Math.min(SCALE_ROWS, SCALE_BASELINE_ROWS - (await db.count())));
    await db.bulkLoad(tenant.userId, tenant.agentId, 0, fill);
    await db.settle();
    const baselineRows = await db.count();
    console.log(`\nscale: deleted the ${removed} memories of ${WRITE_SUBJECT}, loaded ${fill}: ${baselineRows} memories in the table`);
    const baseline = await measureRead(baselineRows);
    const planBaseline = await db.explainRead(tenant.userId, READ_SUBJECT, limit);

    process.stdout.write(`scale: bulk-loading ${(SCALE_ROWS - fill).toLocaleString('en')} memories... `);
    let shown = 0;
    const loadMs = await db.bulkLoad(tenant.userId, tenant.agentId, fill, SCALE_ROWS, (done, total) => {
      const percent = Math.floor((100 * done) / total);
      if (percent >= shown + 20 || done === total) process.stdout.write(`${(shown = percent)}% `);
    });
    const settleMs = await db.settle();
    const scaledRows = await db.count();
    const sizes = await db.sizes();
    console.log(`${(loadMs / 1000).toFixed(1)} s; VACUUM ANALYZE + CHECKPOINT ${(settleMs / 1000).toFixed(1)} s; ${scaledRows} memories`);
    const scaled = await measureRead(scaledRows);
    const planScaled = await db.explainRead(tenant.userId, READ_SUBJECT, limit);

    const p50Ratio = round(scaled.measurement.p50_ms / baseline.measurement.p50_ms, 3);
    return {
      target: target.name,
      body: target.body ?? '',
      baseline,
      scaled,
      bulk_rows: SCALE_ROWS,
      bulk_subjects: Math.ceil(SCALE_ROWS / MEMORIES_PER_SUBJECT),
      bulk_load_ms: Math.round(loadMs),
      vacuum_analyze_checkpoint_ms: Math.round(settleMs),
      table_size_mb: sizes.table_mb,
      read_index_size_mb: sizes.read_index_mb,
      p50_ratio: p50Ratio,
      maximum_ratio: SCALE_MAX_RATIO,
      plan_baseline: planBaseline,
      plan_scaled: planScaled,
      pass: p50Ratio <= SCALE_MAX_RATIO && planScaled.pass && baseline.measurement.errors === 0 && scaled.measurement.errors === 0,
    };
  } finally {
    await db.close();
  }
}

/** Connections of the audit page measurement, and the p99 it must stay under. */
const AUDIT_CONNECTIONS = 10;
const AUDIT_P99_MAXIMUM_MS = 50;
const AUDIT_RUNS = 3;

/** AUDIT_RUNS runs of one audit page target. */
interface AuditPageRuns {
  target: string;
  /** The run with the median p99. */
  measurement: Measurement;
  runs: Measurement[];
  pass: boolean;
}

interface AuditPhase {
  events: number;
  added: number;
  load_ms: number;
  seal_ms: number;
  /** The newest page, as the issue's target reads it. */
  newest: AuditPageRuns;
  /** Older pages, a random cursor per request. */
  older: AuditPageRuns;
  maximum_p99_ms: number;
  verify: { ms: number; ok: boolean; events_checked: number };
  pass: boolean;
}

/** Warm-up, then AUDIT_RUNS runs of `target`, judged on the run with the median p99. */
async function measureAuditPage(baseUrl: string, target: Target): Promise<AuditPageRuns> {
  await verify(baseUrl, target);
  await load(baseUrl, target, WARMUP_S, undefined, AUDIT_CONNECTIONS);
  const runs: Measurement[] = [];
  for (let run = 1; run <= AUDIT_RUNS; run++) {
    process.stdout.write(`audit, run ${run}/${AUDIT_RUNS}: ${target.name} ${DURATION_S} s with ${AUDIT_CONNECTIONS} connections... `);
    const m = summarise(target, await load(baseUrl, target, DURATION_S, undefined, AUDIT_CONNECTIONS));
    runs.push(m);
    console.log(`${m.req_per_sec} req/s, p50 ${m.p50_ms} ms, p99 ${m.p99_ms} ms, ${m.errors} errors`);
  }
  const measurement = median(runs, (m) => m.p99_ms);
  return { target: target.name, measurement, runs, pass: measurement.p99_ms < AUDIT_P99_MAXIMUM_MS && runs.every((m) => m.errors === 0) };
}

/**
 * GET /audit?limit=100 with AUDIT_EVENTS events in the table, all sealed: bulk
 * load, wait for the sealer, settle, then AUDIT_RUNS runs at AUDIT_CONNECTIONS
 * of the newest page and of older pages (measureAuditPage).
 * Then one GET /audit/verify of the benchmark tenant's chain, timed.
 */
async function measureAudit(baseUrl: string, home: string, tenant: Tenant, apiKey: string): Promise<AuditPhase> {
  const db = await AuditDatabase.connect(home);
  try {
    process.stdout.write(`\naudit: filling audit_events up to ${AUDIT_EVENTS.toLocaleString('en')} events... `);
    const { added, ms: loadMs } = await db.fillTo(AUDIT_EVENTS, tenant.userId, tenant.agentId);
    console.log(`${added.toLocaleString('en')} added in ${(loadMs / 1000).toFixed(1)} s`);
    process.stdout.write('audit: waiting for the sealer to link them... ');
    const sealMs = await db.waitUntilSealed(20 * 60_000);
    console.log(`${(sealMs / 1000).toFixed(1)} s`);
    await db.settle();
    const events = await db.count();
    const newest = await measureAuditPage(baseUrl, auditPageTarget(apiKey));
    const older = await measureAuditPage(baseUrl, auditOlderPagesTarget(apiKey, await db.tenantSeqs(tenant.userId)));
    const verifyStarted = performance.now();
    const res = await fetch(`${baseUrl}/audit/verify`, { headers: { 'X-Api-Key': apiKey } });
    const verified = (await res.json()) as { ok?: boolean; events_checked?: number };
    const verifyMs = performance.now() - verifyStarted;
    const tenantEvents = await db.tenantEvents(tenant.userId);
    return {
      events,
      added,
      load_ms: Math.round(loadMs),
      seal_ms: Math.round(sealMs),
      newest,
      older,
      maximum_p99_ms: AUDIT_P99_MAXIMUM_MS,
      verify: { ms: Math.round(verifyMs), ok: verified.ok === true, events_checked: verified.events_checked ?? 0 },
      pass: newest.pass && older.pass && verified.ok === true && verified.events_checked === tenantEvents,
    };
  } finally {
    await db.close();
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
