import { rm } from 'node:fs/promises';
import { Client } from 'pg';
import { quoteIdent, stopEmbeddedPostgres } from '@cec/db';
import { TEST_ADMIN_URL, TEST_DATA_DIR, TEST_TEMPLATE } from './test-server';

/** Drops this run's databases (template and any clone a crashed file left) and stops the throw-away server. */
export default async function globalTeardown(): Promise<void> {
  const adminUrl = process.env[TEST_ADMIN_URL];
  const template = process.env[TEST_TEMPLATE];
  const dataDir = process.env[TEST_DATA_DIR];
  if (dataDir) {
    await stopEmbeddedPostgres(dataDir, 'immediate');
    await rm(dataDir, { recursive: true, force: true });
    await rm(`${dataDir}.owner`, { force: true });
    return;
  }
  if (!adminUrl || !template) return;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $1 || '\\_%'",
      [template],
    );
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(datname)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
