import type { NestExpressApplication } from '@nestjs/platform-express';
import { getDataSourceToken } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Client } from 'pg';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { createApp, ResolvedConfig } from '../../src/bootstrap';
import { loadConfig } from '../../src/config/config';
import { newKeyEntry, resolveKeyRing } from '../../src/secrets/key-ring';
import { TEMPLATE_DATABASE, withDatabase } from './database-url';

export interface TestApp {
  app: NestExpressApplication;
  config: ResolvedConfig;
  /** http://127.0.0.1:<port> of the listening app (for the MCP client SDK). */
  baseUrl: string;
  adminToken: string;
  db: DataSource;
  /** Every log line the app wrote (JSON strings). */
  logs: string[];
  http(): ReturnType<typeof request>;
  /** Creates a user and an agent through the admin API; returns ids and the agent key. */
  newAgent(options?: NewAgentOptions): Promise<TestAgent>;
  /** Another agent of `of`'s user, through the admin API. */
  newSibling(of: TestAgent, agentName?: string): Promise<TestAgent>;
  close(): Promise<void>;
}

export interface NewAgentOptions {
  userName?: string;
  agentName?: string;
  /** The user's IANA time zone (default: DEFAULT_TIMEZONE). */
  timezone?: string;
}

export interface TestAgent {
  userId: string;
  userName: string;
  agentId: string;
  agentName: string;
  keyId: string;
  apiKey: string;
}

/** A fresh database copied from the migrated template: each test file gets its own. */
export async function createTestDatabase(): Promise<string> {
  const adminUrl = process.env.MNEMO_TEST_ADMIN_URL;
  if (!adminUrl) throw new Error('MNEMO_TEST_ADMIN_URL is not set: run the tests through jest (global setup)');
  const name = `mnemo_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`);
  } finally {
    await admin.end();
  }
  return withDatabase(adminUrl, name);
}

let counter = 0;
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${randomBytes(3).toString('hex')}`;
}

export interface StartOptions {
  /** Reuse this database (e.g. another app's `config.databaseUrl`: a restart with other keys) instead of a fresh one. */
  databaseUrl?: string;
}

/**
 * The app on a fresh database. Secrets get a fresh key ring (key id 1) unless
 * `env` sets SECRETS_KEYS or SECRETS_KEY_FILE; SECRETS_KEYS '' starts it sealed.
 */
export async function startTestApp(env: NodeJS.ProcessEnv = {}, options: StartOptions = {}): Promise<TestApp> {
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase());
  const adminToken = `test-admin-${randomBytes(16).toString('hex')}`;
  const loaded = loadConfig({ LOG_LEVEL: 'info', ...(env.SECRETS_KEY_FILE ? {} : { SECRETS_KEYS: newKeyEntry(1) }), ...env });
  const config: ResolvedConfig = {
    ...loaded,
    secretKeyRing: resolveKeyRing(loaded, false),
    databaseUrl,
    adminToken,
    docLinkSecret: `test-doc-links-${randomBytes(24).toString('hex')}`,
  };
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const app = await createApp(config, { logStream });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const http = () => request(app.getHttpServer());

  return {
    app,
    config,
    baseUrl: `http://127.0.0.1:${port}`,
    adminToken,
    db: app.get<DataSource>(getDataSourceToken()),
    logs,
    http,
    async newAgent({ userName = uniqueName('user'), agentName = uniqueName('agent'), timezone }: NewAgentOptions = {}) {
      const auth = { Authorization: `Bearer ${adminToken}` };
      const user = await http().post('/admin/users').set(auth).send({ name: userName, timezone }).expect(201);
      const agent = await http()
        .post(`/admin/users/${user.body.id}/agents`)
        .set(auth)
        .send({ name: agentName })
        .expect(201);
      return {
        userId: user.body.id,
        userName: user.body.name,
        agentId: agent.body.id,
        agentName: agent.body.name,
        keyId: agent.body.key_id,
        apiKey: agent.body.api_key,
      };
    },
    async newSibling(of: TestAgent, agentName = uniqueName('agent')) {
      const agent = await http()
        .post(`/admin/users/${of.userId}/agents`)
        .set({ Authorization: `Bearer ${adminToken}` })
        .send({ name: agentName })
        .expect(201);
      return { ...of, agentId: agent.body.id, agentName: agent.body.name, keyId: agent.body.key_id, apiKey: agent.body.api_key };
    },
    close: () => app.close(),
  };
}
