import { Client } from 'pg';
import { TEMPLATE_DATABASE } from './database-url';

export default async function globalTeardown(): Promise<void> {
  const cluster = (globalThis as { __MNEMO_PG__?: { stop(): Promise<void> } }).__MNEMO_PG__;
  if (cluster) {
    await cluster.stop();
    return;
  }
  // An external server (DATABASE_URL): drop what the run created.
  const admin = new Client({ connectionString: process.env.MNEMO_TEST_ADMIN_URL });
  await admin.connect();
  const { rows } = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname LIKE 'mnemo_test_%' OR datname = $1`,
    [TEMPLATE_DATABASE],
  );
  for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  await admin.end();
}
