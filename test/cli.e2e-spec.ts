import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  childEnv,
  CLI_JS,
  eventually,
  freePort,
  killAllServices,
  makeHome,
  postgresProcesses,
  removeHome,
  ServiceProcess,
  startService,
} from '../bench/service-process';
import { createTestDatabase } from './support/test-app';

/**
 * The operator CLI as built (`node dist/cli.js`), on the same database as a
 * running service: with DATABASE_URL, and on an embedded MNEMO_HOME whose
 * PostgreSQL the running service owns (the CLI joins it).
 */

// Generous: on a loaded machine a CLI start (Nest, migrations check) can take tens of seconds.
jest.setTimeout(120_000);

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], env: Record<string, string | undefined>, cwd = env.MNEMO_HOME ?? path.dirname(CLI_JS)): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_JS, ...args], { cwd, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs the CLI and requires success; returns stdout. */
async function cliOk(args: string[], env: Record<string, string | undefined>): Promise<string> {
  const r = await runCli(args, env);
  if (r.code !== 0) throw new Error(`cli ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/**
 * The line a command prints on stderr before it opens the database, for a
 * DATABASE_URL: with the password (if any) replaced by `***`.
 */
function usingDatabaseUrl(url: string): string {
  const { password } = new URL(url);
  return `Using DATABASE_URL ${password ? url.replace(`:${password}@`, ':***@') : url}`;
}

/** Requires the "Using …" line first on stderr; returns the rest of stderr. */
function afterUsingLine(r: CliResult, line: string): string {
  expect(r.stderr.split('\n')[0]).toBe(line);
  return r.stderr.slice(line.length + 1);
}

function printedKey(stdout: string): { keyId: string; apiKey: string } {
  const keyId = /Key id: ([0-9a-f-]{36})/.exec(stdout)?.[1];
  const apiKey = /Agent key \(shown once\): (mnemo_ak_[A-Za-z0-9_-]+)/.exec(stdout)?.[1];
  if (!keyId || !apiKey) throw new Error(`No key in CLI output:\n${stdout}`);
  return { keyId, apiKey };
}

async function whoami(service: ServiceProcess, apiKey: string) {
  const res = await fetch(`${service.baseUrl}/whoami`, { headers: { 'X-Api-Key': apiKey } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const suffix = () => randomBytes(3).toString('hex');
const homes: string[] = [];

afterAll(async () => {
  await killAllServices();
  for (const home of homes) await removeHome(home);
});

/** Every command, its usage line (after `npm run cli -- `) and the arguments and options its help explains. */
const COMMAND_USAGE: [command: string, usage: string, explained: string[]][] = [
  ['user:create', 'user:create NAME [--email E] [--timezone TZ]', ['NAME', '--email E', '--timezone TZ']],
  ['user:list', 'user:list', []],
  ['agent:create', 'agent:create USER AGENT', ['USER', 'AGENT']],
  ['key:create', 'key:create AGENT [--label L]', ['AGENT', '--label L']],
  ['key:revoke', 'key:revoke AGENT KEY_ID', ['AGENT', 'KEY_ID']],
  ['secrets:rewrap', 'secrets:rewrap', []],
  ['secrets:import-lucyapi', 'secrets:import-lucyapi FILE --user NAME --key-file F', ['FILE', '--user NAME', '--key-file F']],
  ['audit:verify', 'audit:verify [USER]', ['USER']],
];

const noDatabase = (home: string) => `No Mnemo database under ${home} (set MNEMO_HOME to the service's home, or DATABASE_URL)\n`;

describe('CLI help, command-line errors and a missing database: no database opened or created', () => {
  /** Empty, and must stay so: the homes below are (inside) it. */
  let dir: string;
  let home: string;
  /** A DATABASE_URL nothing listens on: a command that tried it would print "Using …" and fail after retrying. */
  let unreachable: string;
  const password = `pw-${randomBytes(8).toString('hex')}`;

  beforeAll(async () => {
    dir = makeHome('mnemo-e2e-cli-none-');
    homes.push(dir);
    home = path.join(dir, 'home');
    unreachable = `postgres://mnemo:${password}@127.0.0.1:${await freePort()}/mnemo`;
  });

  afterEach(() => {
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('--help, -h and help: the usage of every command on stdout, exit 0', async () => {
    const results = await Promise.all([
      runCli(['--help'], { MNEMO_HOME: home }, dir),
      runCli(['-h'], {}, dir), // MNEMO_HOME unset: ./.mnemo
      runCli(['help'], { DATABASE_URL: unreachable }, dir),
    ]);
    for (const r of results) {
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      expect(r.stdout).toMatch(/^Usage: npm run cli -- <command> \[arguments\]\n/);
      for (const [, usage] of COMMAND_USAGE) expect(r.stdout).toMatch(new RegExp(`^  ${usage.replace(/[[\]]/g, '\\$&')}  `, 'm'));
    }
    expect(fs.existsSync(home)).toBe(false);
    expect(fs.existsSync(path.join(dir, '.mnemo'))).toBe(false);
  });

  it.each(COMMAND_USAGE)('%s: --help, -h and help <command> print its own usage on stdout, exit 0', async (command, usage, explained) => {
    const results = await Promise.all([
      runCli([command, '--help'], { MNEMO_HOME: home }, dir),
      runCli([command, '-h', 'too', 'many', 'arguments', '--and-an-unknown-option'], {}, dir),
      runCli(['help', command], { DATABASE_URL: unreachable }, dir),
    ]);
    for (const r of results) {
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      expect(r.stdout.startsWith(`Usage: npm run cli -- ${usage}\n`)).toBe(true);
      for (const name of explained) expect(r.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
      expect(r.stdout).toMatch(/^ {2}-h, --help +\S/m);
      for (const [other] of COMMAND_USAGE) if (other !== command) expect(r.stdout).not.toContain(other);
    }
    expect(fs.existsSync(home)).toBe(false);
  });

  it('an unknown command, no command, or an unknown, misplaced or incomplete option: error and usage on stderr, exit 2', async () => {
    const env = { MNEMO_HOME: home };
    const [unknown, none, bogus, misplaced, incomplete, helpUnknown] = await Promise.all([
      runCli(['user:delete', 'alice'], env, dir),
      runCli([], env, dir),
      runCli(['user:list', '--bogus'], env, dir),
      runCli(['user:create', 'alice', '--label', 'laptop'], env, dir),
      runCli(['user:create', 'alice', '--email'], env, dir),
      runCli(['help', 'user:delete'], env, dir),
    ]);
    for (const r of [unknown, none, bogus, misplaced, incomplete, helpUnknown]) {
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: '' });
      expect(r.stderr).not.toContain('Using ');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(unknown.stderr).toMatch(/^Error: Unknown command 'user:delete'\. Commands: user:create, user:list, .*\n\nUsage: npm run cli -- <command> /);
    expect(helpUnknown.stderr).toMatch(/^Error: Unknown command 'user:delete'\. /);
    expect(none.stderr).toMatch(/^Usage: npm run cli -- <command> [\s\S]*\n {2}agent:create USER AGENT /);
    expect(bogus.stderr).toMatch(/^Error: Unknown option '--bogus'\.\n\nUsage: npm run cli -- user:list\n/);
    expect(misplaced.stderr).toMatch(/^Error: Option --label does not apply to user:create\.\n\nUsage: npm run cli -- user:create NAME /);
    expect(incomplete.stderr).toMatch(/^Error: Option '--email <value>' argument missing\n\nUsage: npm run cli -- user:create NAME /);
    expect(fs.existsSync(home)).toBe(false);
  });

  it("a missing argument or a surplus one: error and the command's usage on stderr, exit 1", async () => {
    const env = { MNEMO_HOME: home };
    const [missing, surplus] = await Promise.all([runCli(['agent:create', 'alice'], env, dir), runCli(['user:list', 'alice'], env, dir)]);
    for (const r of [missing, surplus]) expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: '' });
    expect(missing.stderr).toMatch(/^Error: Missing argument AGENT\.\n\nUsage: npm run cli -- agent:create USER AGENT\n/);
    expect(surplus.stderr).toMatch(/^Error: Unexpected argument 'alice'\.\n\nUsage: npm run cli -- user:list\n/);
    expect(fs.existsSync(home)).toBe(false);
  });

  it('user:list and audit:verify without a database: "No Mnemo database under <absolute MNEMO_HOME>", exit 1, nothing created', async () => {
    const cases: [args: string[], env: Record<string, string>, home: string][] = [
      [['user:list'], { MNEMO_HOME: home }, home],
      [['audit:verify'], { MNEMO_HOME: home }, home],
      [['audit:verify', 'alice'], { MNEMO_HOME: home }, home],
      [['user:list'], {}, path.join(dir, '.mnemo')], // the default, resolved against the working directory as the service does
      [['user:list'], { MNEMO_HOME: 'relative/home' }, path.join(dir, 'relative', 'home')],
      [['user:list'], { MNEMO_HOME: dir }, dir], // exists, but holds no database
      [['audit:verify'], { MNEMO_HOME: dir }, dir],
    ];
    const results = await Promise.all(cases.map(([args, env]) => runCli(args, env, dir)));
    results.forEach((r, i) => {
      const [args, env, expectedHome] = cases[i];
      expect({ args, env, ...r }).toEqual({ args, env, code: 1, stdout: '', stderr: noDatabase(expectedHome) });
    });
    expect(fs.existsSync(home)).toBe(false);
  });

  it('a command on DATABASE_URL names it with the password masked, before it opens it', async () => {
    const r = await runCli(['user:list'], { DATABASE_URL: unreachable, MNEMO_HOME: home }, dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe(`Using DATABASE_URL ${unreachable.replace(password, '***')}`);
    expect(r.stderr).toMatch(/^Using DATABASE_URL postgres:\/\/mnemo:\*\*\*@127\.0\.0\.1:\d+\/mnemo\n/);
    expect(r.stderr).toContain('ECONNREFUSED');
    expect(r.stderr).not.toContain(password);
    expect(fs.existsSync(home)).toBe(false);
  });
});

describe('CLI with DATABASE_URL, next to a running service on the same database', () => {
  let env: Record<string, string | undefined>;
  let service: ServiceProcess;
  let adminToken: string;
  const alice = `alice-${suffix()}`;
  const bob = `bob-${suffix()}`;
  const agent = `helper-${suffix()}`;
  let firstKey: { keyId: string; apiKey: string };
  let secondKey: { keyId: string; apiKey: string };
  let unusedKey: { keyId: string; apiKey: string };

  beforeAll(async () => {
    env = { DATABASE_URL: await createTestDatabase() };
    const home = makeHome('mnemo-e2e-cli-');
    homes.push(home);
    adminToken = `cli-test-admin-${randomBytes(16).toString('hex')}`;
    service = startService({
      home,
      port: await freePort(),
      env: { ...env, MNEMO_ADMIN_TOKEN: adminToken, LOG_LEVEL: 'warn' },
    });
    await service.waitForBanner();
  });

  afterAll(async () => {
    await service?.stop('SIGTERM');
  });

  it('user:create NAME [--timezone TZ]', async () => {
    const [withTz, plain] = await Promise.all([
      cliOk(['user:create', alice, '--timezone', 'Europe/Paris'], env),
      cliOk(['user:create', bob.toUpperCase()], env), // names are stored lowercase
    ]);
    expect(withTz).toMatch(new RegExp(`Created user ${alice} \\([0-9a-f-]{36}, timezone Europe/Paris\\)`));
    expect(plain).toMatch(new RegExp(`Created user ${bob} \\([0-9a-f-]{36}, timezone UTC\\)`));

    // The running service sees them.
    const res = await fetch(`${service.baseUrl}/admin/users`, { headers: { Authorization: `Bearer ${adminToken}` } });
    const { users } = (await res.json()) as { users: { name: string; timezone: string }[] };
    expect(users).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: alice, timezone: 'Europe/Paris' }),
        expect.objectContaining({ name: bob, timezone: 'UTC' }),
      ]),
    );
  });

  it('user:list; the database it uses on stderr, its password masked', async () => {
    const r = await runCli(['user:list'], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`${usingDatabaseUrl(env.DATABASE_URL!)}\n`);
    expect(r.stderr).toMatch(/^Using DATABASE_URL postgres(ql)?:\/\/\S+\n$/);
    const { password } = new URL(env.DATABASE_URL!);
    if (password) {
      expect(r.stderr).toContain(':***@');
      for (const form of [password, decodeURIComponent(password)]) expect(`${r.stdout}${r.stderr}`).not.toContain(form);
    }
    const lines = r.stdout.trim().split('\n');
    expect(lines.find((l) => l.includes(` ${alice} `))).toMatch(/^[0-9a-f-]{36}\s+\S+\s+Europe\/Paris/);
    expect(lines.find((l) => l.includes(` ${bob} `))).toMatch(/\bUTC\b/);
    expect(lines.at(-1)).toBe(`${lines.length - 1} user(s)`);
  });

  it('agent:create USER AGENT prints a key that works against the running service', async () => {
    const out = await cliOk(['agent:create', alice, agent], env);
    expect(out).toMatch(new RegExp(`Created agent ${agent} \\([0-9a-f-]{36}\\) for user ${alice}`));
    firstKey = printedKey(out);
    const me = await whoami(service, firstKey.apiKey);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ agent: { name: agent }, user: { name: alice, timezone: 'Europe/Paris' } });
  });

  it('key:create AGENT [--label L] issues more live keys', async () => {
    [secondKey, unusedKey] = (
      await Promise.all([cliOk(['key:create', agent, '--label', 'laptop'], env), cliOk(['key:create', agent], env)])
    ).map(printedKey);
    expect(new Set([firstKey.keyId, secondKey.keyId, unusedKey.keyId]).size).toBe(3);
    expect(new Set([firstKey.apiKey, secondKey.apiKey, unusedKey.apiKey]).size).toBe(3);
    expect((await whoami(service, secondKey.apiKey)).status).toBe(200);
    expect((await whoami(service, firstKey.apiKey)).status).toBe(200);

    const res = await fetch(`${service.baseUrl}/admin/users`, { headers: { Authorization: `Bearer ${adminToken}` } });
    const user = ((await res.json()) as { users: { id: string; name: string }[] }).users.find((u) => u.name === alice)!;
    const agents = await fetch(`${service.baseUrl}/admin/users/${user.id}/agents`, {
      headers: { Authorization: `Bearer ${adminToken}` },
    });
    const keys = ((await agents.json()) as { agents: { keys: { id: string; label: string | null }[] }[] }).agents[0].keys;
    expect(keys).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: firstKey.keyId, label: null }),
        expect.objectContaining({ id: secondKey.keyId, label: 'laptop' }),
        expect.objectContaining({ id: unusedKey.keyId }),
      ]),
    );
  });

  it('key:revoke AGENT KEY_ID: the key then fails with 401, the other keys keep working', async () => {
    const outs = await Promise.all([
      cliOk(['key:revoke', agent, secondKey.keyId], env),
      cliOk(['key:revoke', agent, unusedKey.keyId], env),
    ]);
    const revokedAt = performance.now();
    expect(outs[0]).toContain(`Revoked key ${secondKey.keyId} of agent ${agent}`);

    // A key the service never saw fails at once.
    const unused = await whoami(service, unusedKey.apiKey);
    expect(unused.status).toBe(401);
    expect(unused.body.detail).toBe('Invalid API key');

    // The revoked key was just used, so the service holds it in its key cache: a revocation made by another
    // process (the CLI) reaches it when that entry expires (AgentKeyCache.TTL_MS, 5 s), not at once.
    let last = await whoami(service, secondKey.apiKey);
    while (last.status === 200 && performance.now() - revokedAt < 7_000) {
      await new Promise((r) => setTimeout(r, 200));
      last = await whoami(service, secondKey.apiKey);
    }
    expect(last.status).toBe(401);
    expect(last.body.detail).toBe('Invalid API key');
    expect((await whoami(service, firstKey.apiKey)).status).toBe(200);
  });

  it('bad input exits non-zero with a clear message', async () => {
    const [badName, unknownUser, notUuid, foreignKey] = await Promise.all([
      runCli(['user:create', 'no spaces!'], env),
      runCli(['agent:create', `nobody-${suffix()}`, `x-${suffix()}`], env),
      runCli(['key:revoke', agent, 'not-a-uuid'], env),
      runCli(['key:revoke', agent, randomUUID()], env),
    ]);
    const using = usingDatabaseUrl(env.DATABASE_URL!);
    for (const r of [badName, unknownUser, notUuid, foreignKey]) {
      expect(r.code).toBe(1);
      expect(r.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    }
    expect(afterUsingLine(badName, using).trim()).toBe('Error: name must be 1-64 characters of a-z, 0-9, _ and - (case-insensitive)');
    expect(afterUsingLine(unknownUser, using).trim()).toMatch(/^Error: User 'nobody-[0-9a-f]+' not found$/);
    expect(afterUsingLine(notUuid, using).trim()).toBe('Error: KEY_ID must be a UUID');
    expect(afterUsingLine(foreignKey, using).trim()).toBe('Error: Key not found');
  });

  it('a duplicate user or agent name exits non-zero with a clear message', async () => {
    const results = await Promise.all([runCli(['user:create', alice], env), runCli(['agent:create', bob, agent], env)]);
    const using = usingDatabaseUrl(env.DATABASE_URL!);
    for (const r of results) {
      expect(r.code).toBe(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(afterUsingLine(results[0], using).trim()).toBe('Error: A user with this name already exists');
    expect(afterUsingLine(results[1], using).trim()).toBe('Error: An agent with this name already exists');
  });

  it('no arguments or an unknown command: usage on stderr, exit 2, the database not opened', async () => {
    const [none, unknown] = await Promise.all([runCli([], env), runCli(['user:delete', alice], env)]);
    for (const r of [none, unknown]) {
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^Usage: /m);
      expect(r.stderr).toContain('agent:create USER AGENT');
      expect(r.stderr).not.toContain('Using ');
    }
    expect(none.stderr).toMatch(/^Usage: /);
    expect(unknown.stderr).toMatch(/^Error: Unknown command 'user:delete'/);
  });
});

describe('CLI on an embedded MNEMO_HOME', () => {
  let home: string;
  let pgdata: string;
  let env: Record<string, string | undefined>;
  let service: ServiceProcess;
  let adminToken: string;
  let postmaster: number;
  const carol = `carol-${suffix()}`;
  const agent = `carols-agent-${suffix()}`;

  beforeAll(async () => {
    home = makeHome('mnemo-e2e-cli-home-');
    homes.push(home);
    pgdata = path.join(home, 'pgdata');
    env = { MNEMO_HOME: home };
    service = startService({ home, port: await freePort(), env: { LOG_LEVEL: 'warn' } });
    adminToken = (await service.waitForBanner()).adminToken!;
    [postmaster] = postgresProcesses(pgdata);
  });

  afterAll(async () => {
    await service?.stop('SIGTERM');
  });

  it('joins the PostgreSQL of the running service instead of starting a second one', async () => {
    expect(postmaster).toBeGreaterThan(0);
    const user = await runCli(['user:create', carol], env);
    expect(user).toMatchObject({ code: 0, stderr: `Using the embedded PostgreSQL under ${home}\n` });
    expect(user.stdout).toContain(`Created user ${carol}`);
    const withKey = await runCli(['agent:create', carol, agent], env);
    // Only the key output on stdout, so that scripts can read it.
    expect(withKey).toMatchObject({ code: 0, stderr: `Using the embedded PostgreSQL under ${home}\n` });
    expect(withKey.stdout).not.toContain('Using');
    const created = printedKey(withKey.stdout);

    // Still the service's postmaster, still running, and the service still owns the home.
    expect(postgresProcesses(pgdata)).toEqual([postmaster]);
    expect(fs.readFileSync(path.join(home, 'mnemo.pid'), 'utf8').trim()).toBe(String(service.pid));
    expect(service.exit).toBeUndefined();

    const me = await whoami(service, created.apiKey);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ agent: { name: agent }, user: { name: carol } });
    const res = await fetch(`${service.baseUrl}/admin/users`, { headers: { Authorization: `Bearer ${adminToken}` } });
    expect(((await res.json()) as { users: { name: string }[] }).users.map((u) => u.name)).toContain(carol);
  });

  it('with the service stopped, starts PostgreSQL for itself and stops it again', async () => {
    expect(await service.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(await eventually(() => postgresProcesses(pgdata).length === 0, 2_000)).toBe(true);

    const r = await runCli(['user:list'], env);
    expect(r).toMatchObject({ code: 0, stderr: `Using the embedded PostgreSQL under ${home}\n` });
    const out = r.stdout;
    expect(out).toContain(` ${carol} `);
    expect(out).toContain(' demo ');
    expect(postgresProcesses(pgdata)).toEqual([]);
    expect(fs.existsSync(path.join(home, 'mnemo.pid'))).toBe(false);
  });
});
