import 'reflect-metadata';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { DataSource } from 'typeorm';
import { createApp } from './bootstrap';
import { loadDotEnv } from './common/dotenv';
import { createRootLogger } from './common/http/logging';
import { resolveAdminToken, resolveDocLinkSecret } from './config/admin-token';
import { ConfigError, loadConfig } from './config/config';
import { EmbeddedDatabase, EmbeddedInstanceRunning, openEmbeddedDatabase } from './database/embedded-postgres';
import { AgentsService } from './identity/agents.service';
import { DEMO_AGENT, DEMO_USER, seedDemoIfEmpty } from './identity/demo-seed';
import { UsersService } from './identity/users.service';
import { resolveKeyRing } from './secrets/key-ring';

const SHUTDOWN_TIMEOUT_MS = 10_000;

async function main(): Promise<void> {
  const startedAt = Date.now();
  loadDotEnv();
  const config = loadConfig();
  const log = createRootLogger(config).child({ context: 'Main' });
  const admin = resolveAdminToken(config);
  const docLinkSecret = resolveDocLinkSecret(config).value;
  // Before PostgreSQL starts: malformed keys stop the start with a clear message.
  const secretKeyRing = resolveKeyRing(config, !config.databaseUrl);
  if (secretKeyRing) log.info(`Secrets vault: ${secretKeyRing.describe()}`);
  else log.warn('Secrets vault sealed: no SECRETS_KEYS or SECRETS_KEY_FILE; secret reads and writes answer 503');

  let embedded: EmbeddedDatabase | undefined;
  let app: NestExpressApplication | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal} received, shutting down`);
    setTimeout(() => process.exit(1), SHUTDOWN_TIMEOUT_MS).unref();
    await app?.close().catch((err) => log.error({ err }, 'Error while closing the HTTP server'));
    await embedded?.stop().catch((err) => log.error({ err }, 'Error while stopping PostgreSQL'));
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  try {
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      embedded = await openEmbeddedDatabase({ home: config.home, role: 'server', log: (m) => log.info(m) });
      databaseUrl = embedded.url;
    }
    app = await createApp({ ...config, databaseUrl, adminToken: admin.token, docLinkSecret, secretKeyRing });
    const seeded = await seedDemoIfEmpty(
      app.get<DataSource>(getDataSourceToken()),
      app.get(UsersService),
      app.get(AgentsService),
    );
    await app.listen(config.port, config.host);
    log.info(`Mnemo listening on http://${config.host}:${config.port} (ready in ${Date.now() - startedAt} ms)`);
    printBanner(config.publicBaseUrl, seeded?.apiKey, admin.generated ? admin : undefined);
  } catch (err) {
    await app?.close().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    throw err;
  }
}

/** Printed to stdout, not logged: keys must never reach log lines. */
function printBanner(baseUrl: string, demoKey?: string, admin?: { token: string; file: string | null }): void {
  const lines = [
    '',
    `  Mnemo is running at ${baseUrl}`,
    `  Swagger UI:   ${baseUrl}/docs`,
    `  MCP endpoint: ${baseUrl}/mcp`,
  ];
  if (demoKey) {
    lines.push(
      '',
      `  First start: created user "${DEMO_USER}" with agent "${DEMO_AGENT}".`,
      `  Agent key (shown once, keep it): ${demoKey}`,
    );
  }
  if (admin) lines.push(`  Admin token: ${admin.token}  (kept in ${admin.file})`);
  process.stdout.write(lines.join('\n') + '\n\n');
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof EmbeddedInstanceRunning) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`Mnemo failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
});
