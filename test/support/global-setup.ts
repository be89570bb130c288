import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, runMigrations } from '../../src/database/data-source';
import { startThrowawayPostgres } from '../../src/database/embedded-postgres';
import { TEMPLATE_DATABASE, withDatabase } from './database-url';

/**
 * Once per test run: a throw-away embedded PostgreSQL (or the server in
 * DATABASE_URL), and a migrated template database each test file copies.
 */
export default async function globalSetup(): Promise<void> {
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const cluster = await startThrowawayPostgres();
    (globalThis as { __MNEMO_PG__?: unknown }).__MNEMO_PG__ = cluster;
    adminUrl = cluster.url;
  }
  process.env.MNEMO_TEST_ADMIN_URL = adminUrl;

  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE}`);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  await admin.end();

  const template = new DataSource(dataSourceOptions(withDatabase(adminUrl, TEMPLATE_DATABASE)));
  await template.initialize();
  await runMigrations(template);
  await template.destroy();
}
