/**
 * Jest globalSetup: one PostgreSQL server for the whole run and one migrated template.
 * With DATABASE_URL the tests use that server (they only create and drop databases named
 * cec_tpl_*); without it they start a throw-away embedded server in the temp folder.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { migrate, quoteIdent, startEmbeddedPostgres, withDatabase } from '@cec/db';
import { TEST_ADMIN_URL, TEST_DATA_DIR, TEST_TEMPLATE } from './test-server';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function startThrowAwayServer(dataDir: string): Promise<string> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      return (await startEmbeddedPostgres({ dataDir, port: await freePort(), ephemeral: true })).adminUrl;
    } catch (error) {
      lastError = error; // most likely the port was taken between probing and starting
    }
  }
  throw lastError;
}

export default async function globalSetup(): Promise<void> {
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  let adminUrl: string;
  if (process.env.DATABASE_URL) {
    adminUrl = withDatabase(process.env.DATABASE_URL, 'postgres');
  } else {
    const dataDir = join(tmpdir(), `cec-test-pg-${runId}`);
    process.env[TEST_DATA_DIR] = dataDir;
    adminUrl = await startThrowAwayServer(dataDir);
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
