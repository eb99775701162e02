import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, testServer, type TestDatabase } from '@cec/testing';
import { quoteIdent, withDatabase, workspaceRoot } from '@cec/db';

/** Runs the db:* command line as `npm run db:<command>` does. */
function cli(command: string, databaseUrl: string) {
  const root = workspaceRoot();
  return spawnSync(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'libs/db/src/cli.ts'), command], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    encoding: 'utf8',
  });
}

describe('db:* commands', () => {
  let db: TestDatabase;
  const missing = `${testServer().template}_cli_new`;

  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
  });

  afterAll(async () => {
    await db.drop();
    const admin = new Client({ connectionString: testServer().adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(missing)} WITH (FORCE)`);
    await admin.end();
  });

  it('migrate creates a missing database, applies, then reports up to date; status lists each file', () => {
    const url = withDatabase(testServer().adminUrl, missing);
    const first = cli('migrate', url);
    expect(first.status).toBe(0);
    expect(first.stdout).toContain('created the database');
    expect(first.stdout).toMatch(/applied 001_create_core_tables \(\d+ ms\)/);
    const second = cli('migrate', url);
    expect(second.stdout).toMatch(/database is up to date \(\d+ migrations applied\)/);
    const status = cli('status', url);
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(/^applied\s+006_create_service_roles/m);
  });

  it('status shows pending migrations; seed refuses until migrated', () => {
    const status = cli('status', db.url);
    expect(status.stdout).toMatch(/^pending\s+001_create_core_tables/m);
    const seeded = cli('seed', db.url);
    expect(seeded.status).toBe(1);
    expect(seeded.stderr).toMatch(/refusing to seed: migrations are not up to date/);
  });

  it('reset refuses a database on another machine', () => {
    const result = cli('reset', 'postgres://postgres@db.example.com:5432/client_escalation_calls');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('only resets a database on this machine');
  });

  it('answers an unknown command with its usage', () => {
    const result = cli('frobnicate', db.url);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('usage:');
  });
});
