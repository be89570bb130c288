import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import {
  eventually,
  freePort,
  isAlive,
  killAllServices,
  makeHome,
  postgresProcesses,
  removeHome,
  ServiceProcess,
  startService,
} from '../bench/service-process';
import { withDatabase } from './support/database-url';

/**
 * Black-box test of the built service: `node dist/main.js` (built by `npm test`
 * before jest runs) on a fresh MNEMO_HOME with the embedded PostgreSQL, as a
 * new user runs it. The steps share one home and run in order.
 */

jest.setTimeout(45_000);

type Body = Record<string, unknown>;
interface UserList {
  users: { name: string }[];
}

async function get<T = Body>(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: body as T };
}

async function post(url: string, headers: Record<string, string>, payload: unknown) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(payload),
  });
  return { status: res.status, body: (await res.json()) as Body };
}

/** A postmaster.pid written by PostgreSQL: first line is the postmaster's PID. */
function postmasterPid(dataDir: string): number | undefined {
  try {
    return Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
}

describe('embedded start-up of the built service (node dist/main.js)', () => {
  const homes: string[] = [];
  const databases: string[] = [];
  let home: string;
  let pgdata: string;
  let service: ServiceProcess | undefined;
  /** From the first start's banner. */
  let agentKey: string;
  let adminToken: string;
  const extraUser = `user-${randomBytes(4).toString('hex')}`;

  const newHome = () => {
    const dir = makeHome('mnemo-e2e-home-');
    homes.push(dir);
    return dir;
  };

  const start = async (env: Record<string, string | undefined> = {}, dir = home) =>
    startService({ home: dir, port: await freePort(), env: { LOG_LEVEL: 'info', ...env } });

  beforeAll(() => {
    home = newHome();
    pgdata = path.join(home, 'pgdata');
  });

  // The steps share one running service, so clean-up is here: whatever a failed step left running is killed.
  afterAll(async () => {
    await killAllServices();
    for (const dir of homes) await removeHome(dir);
    if (databases.length && process.env.MNEMO_TEST_ADMIN_URL) {
      const admin = new Client({ connectionString: process.env.MNEMO_TEST_ADMIN_URL });
      await admin.connect();
      for (const db of databases) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
      await admin.end();
    }
  });

  it('first start: banner with agent key, admin token and Swagger URL; admin token kept with mode 0600', async () => {
    service = await start();
    const banner = await service.waitForBanner();
    expect(banner.baseUrl).toBe(service.baseUrl);
    expect(banner.swaggerUrl).toBe(`${service.baseUrl}/docs`);
    expect(banner.mcpUrl).toBe(`${service.baseUrl}/mcp`);
    expect(banner.agentKey).toMatch(/^mnemo_ak_[A-Za-z0-9_-]{20,}$/);
    expect(banner.adminToken).toBeDefined();
    agentKey = banner.agentKey!;
    adminToken = banner.adminToken!;

    const tokenFile = path.join(home, 'admin-token');
    expect(banner.adminTokenFile).toBe(tokenFile);
    expect(fs.statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(tokenFile, 'utf8').trim()).toBe(adminToken);
    // Keys are printed, never logged.
    expect(service.stdout.split('\n').filter((l) => l.startsWith('{') && l.includes(agentKey))).toEqual([]);

    expect(fs.existsSync(path.join(pgdata, 'PG_VERSION'))).toBe(true);
    expect(fs.readFileSync(path.join(home, 'mnemo.pid'), 'utf8').trim()).toBe(String(service.pid));
    expect(postgresProcesses(pgdata)).toHaveLength(1);
  });

  it('serves the printed key and the admin API', async () => {
    const me = await get(`${service!.baseUrl}/whoami`, { 'X-Api-Key': agentKey });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ agent: { name: 'assistant' }, user: { name: 'demo' } });

    const created = await post(`${service!.baseUrl}/admin/users`, { Authorization: `Bearer ${adminToken}` }, {
      name: extraUser,
      timezone: 'Europe/Paris',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: extraUser, timezone: 'Europe/Paris' });
  });

  it('refuses a second service on the same MNEMO_HOME while the first runs', async () => {
    const second = await start();
    const exit = await second.exited;
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    expect(second.stderr).toMatch(/another mnemo.*running/i);
    // The first one is untouched.
    expect(service!.exit).toBeUndefined();
    expect((await get(`${service!.baseUrl}/healthz`)).status).toBe(200);
    expect(fs.readFileSync(path.join(home, 'mnemo.pid'), 'utf8').trim()).toBe(String(service!.pid));
  });

  it('SIGTERM: exits 0, stops PostgreSQL and removes mnemo.pid', async () => {
    const exit = await service!.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(postgresProcesses(pgdata)).toEqual([]);
    expect(fs.existsSync(path.join(pgdata, 'postmaster.pid'))).toBe(false);
    expect(fs.existsSync(path.join(home, 'mnemo.pid'))).toBe(false);
  });

  it('second start on the same home: no new key, data kept', async () => {
    // Start-up time is a benchmark figure (npm run bench), not a timed test.
    const svc = await start();
    await svc.waitForListening();
    service = svc;
    const banner = await svc.waitForBanner();
    expect(banner.agentKey).toBeUndefined();
    expect(banner.adminToken).toBeUndefined();
    expect(svc.stdout).not.toMatch(/mnemo_ak_/);
    expect(svc.stdout).not.toMatch(/Initialising PostgreSQL/);

    const me = await get(`${svc.baseUrl}/whoami`, { 'X-Api-Key': agentKey });
    expect(me.status).toBe(200);
    const users = await get<UserList>(`${svc.baseUrl}/admin/users`, { Authorization: `Bearer ${adminToken}` });
    expect(users.status).toBe(200);
    expect(users.body.users.map((u) => u.name).sort()).toEqual(['demo', extraUser].sort());
  });

  it('SIGKILL leaves the postmaster orphaned; the next start stops it and starts fine', async () => {
    const orphan = postmasterPid(pgdata)!;
    expect(orphan).toBeGreaterThan(0);
    const exit = await service!.stop('SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    // Nothing stopped PostgreSQL: it is still running, and mnemo.pid names a dead process.
    expect(isAlive(orphan)).toBe(true);
    expect(postgresProcesses(pgdata)).toEqual([orphan]);
    expect(fs.readFileSync(path.join(home, 'mnemo.pid'), 'utf8').trim()).toBe(String(service!.pid));

    service = await start();
    await service.waitForBanner();
    expect(service.stdout).toMatch(new RegExp(`Stopping PostgreSQL \\(pid ${orphan}\\) left behind`));
    expect(isAlive(orphan)).toBe(false);
    const now = postgresProcesses(pgdata);
    expect(now).toHaveLength(1);
    expect(now[0]).not.toBe(orphan);
    expect(service.stdout).not.toMatch(/mnemo_ak_/);

    expect((await get(`${service.baseUrl}/whoami`, { 'X-Api-Key': agentKey })).status).toBe(200);
    const users = await get<UserList>(`${service.baseUrl}/admin/users`, { Authorization: `Bearer ${adminToken}` });
    expect(users.body.users.map((u) => u.name)).toContain(extraUser);

    expect(await service.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(await eventually(() => postgresProcesses(pgdata).length === 0, 2_000)).toBe(true);
  });

  it('invalid configuration (PORT=abc): exits non-zero and names PORT', async () => {
    const dir = newHome();
    service = startService({ home: dir, port: 1, env: { PORT: 'abc' } });
    const exit = await service.exited;
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    expect(service.stderr).toMatch(/\bPORT\b/);
    expect(service.stdout).not.toMatch(/listening/);
    expect(fs.existsSync(path.join(dir, 'pgdata'))).toBe(false);
  });

  it('with DATABASE_URL: starts no embedded PostgreSQL and is ready', async () => {
    const adminUrl = process.env.MNEMO_TEST_ADMIN_URL;
    if (!adminUrl) throw new Error('MNEMO_TEST_ADMIN_URL is not set: run through jest (global setup)');
    // An empty database: the service runs the migrations itself.
    const name = `mnemo_test_ext_${randomBytes(6).toString('hex')}`;
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    databases.push(name);

    const dir = newHome();
    service = await start({ DATABASE_URL: withDatabase(adminUrl, name) }, dir);
    const banner = await service.waitForBanner();
    expect(banner.agentKey).toMatch(/^mnemo_ak_/);
    const ready = await get(`${service.baseUrl}/healthz/ready`);
    expect(ready.status).toBe(200);
    expect((await get(`${service.baseUrl}/whoami`, { 'X-Api-Key': banner.agentKey! })).status).toBe(200);

    expect(fs.existsSync(path.join(dir, 'pgdata'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'mnemo.pid'))).toBe(false);
    expect(service.stdout).not.toMatch(/Initialising PostgreSQL|PostgreSQL ready/);
    expect(postgresProcesses(path.join(dir, 'pgdata'))).toEqual([]);

    expect(await service.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
