/**
 * Jest globalSetup: one PostgreSQL server for the whole run and one migrated template.
 * With DATABASE_URL the tests use that server (they only create and drop databases named
 * cec_tpl_*); without it they start a throw-away embedded server in the temp folder.
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { migrate, quoteIdent, startThrowAwayPostgres, withDatabase } from '@cec/db';
import { claimServer, reapAbandonedServers, SERVER_PREFIX } from './stale-servers';
import { TEST_ADMIN_URL, TEST_DATA_DIR, TEST_TEMPLATE } from './test-server';

export default async function globalSetup(): Promise<void> {
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  let adminUrl: string;
  if (process.env.DATABASE_URL) {
    adminUrl = withDatabase(process.env.DATABASE_URL, 'postgres');
  } else {
    await reapAbandonedServers();
    const dataDir = join(tmpdir(), `${SERVER_PREFIX}${runId}`);
    process.env[TEST_DATA_DIR] = dataDir;
    claimServer(dataDir);
    adminUrl = await startThrowAwayPostgres(dataDir);
  }
  const template = `cec_tpl_${runId}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${quoteIdent(template)}`);
  } finally {
    await admin.end();
  }
  await migrate(withDatabase(adminUrl, template));
  process.env[TEST_ADMIN_URL] = adminUrl;
  process.env[TEST_TEMPLATE] = template;
}
