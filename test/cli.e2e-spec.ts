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

jest.setTimeout(60_000);

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], env: Record<string, string | undefined>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const cwd = env.MNEMO_HOME ?? path.dirname(CLI_JS);
    const child = spawn(process.execPath, [CLI_JS, ...args], { cwd, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
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

  it('user:list', async () => {
    const out = await cliOk(['user:list'], env);
    const lines = out.trim().split('\n');
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
    for (const r of [badName, unknownUser, notUuid, foreignKey]) {
      expect(r.code).not.toBe(0);
      expect(r.code).not.toBeNull();
      expect(r.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    }
    expect(badName.stderr.trim()).toBe('Error: name must be 1-64 characters of a-z, 0-9, _ and - (case-insensitive)');
    expect(unknownUser.stderr.trim()).toMatch(/^Error: User 'nobody-[0-9a-f]+' not found$/);
    expect(notUuid.stderr.trim()).toBe('Error: KEY_ID must be a UUID');
    expect(foreignKey.stderr.trim()).toBe('Error: Key not found');
  });

  it('a duplicate user or agent name exits non-zero with a clear message', async () => {
    const results = await Promise.all([runCli(['user:create', alice], env), runCli(['agent:create', bob, agent], env)]);
    for (const r of results) {
      expect(r.code).not.toBe(0);
      expect(r.code).not.toBeNull();
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(results[0].stderr.trim()).toBe('Error: A user with this name already exists');
    expect(results[1].stderr.trim()).toBe('Error: An agent with this name already exists');
  });

  it('no arguments or an unknown command: usage, non-zero exit', async () => {
    const [none, unknown] = await Promise.all([runCli([], env), runCli(['user:delete', alice], env)]);
    for (const r of [none, unknown]) {
      expect(r.code).not.toBe(0);
      expect(r.code).not.toBeNull();
      expect(r.stderr).toMatch(/^Usage: /m);
      expect(r.stderr).toContain('agent:create USER AGENT');
    }
    expect(unknown.stderr).toMatch(/Unknown command 'user:delete'/);
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
    const out = await cliOk(['user:create', carol], env);
    expect(out).toContain(`Created user ${carol}`);
    const created = printedKey(await cliOk(['agent:create', carol, agent], env));

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

    const out = await cliOk(['user:list'], env);
    expect(out).toContain(` ${carol} `);
    expect(out).toContain(' demo ');
    expect(postgresProcesses(pgdata)).toEqual([]);
    expect(fs.existsSync(path.join(home, 'mnemo.pid'))).toBe(false);
  });
});
