import { randomBytes } from 'node:crypto';
import { Client, Pool, type QueryResultRow } from 'pg';
import { quoteIdent, withDatabase, withUser } from '@cec/db';
import { testServer } from './test-server';

export interface TestDatabase {
  name: string;
  /** URL as the migration role (the server's superuser in tests). */
  url: string;
  /** URL of this database as another login role, e.g. 'customers_svc'. */
  urlAs(role: string): string;
  /** A pool as the migration role; closed by drop(). */
  pool: Pool;
  query<R extends QueryResultRow = QueryResultRow>(text: string, params?: unknown[]): Promise<R[]>;
  drop(): Promise<void>;
}

let counter = 0;

async function createDatabase(adminUrl: string, name: string, template: string): Promise<void> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await admin.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}`);
        return;
      } catch (error) {
        // 55006: "source database is being accessed by other users" - a concurrent clone; try again.
        if ((error as { code?: string }).code !== '55006' || attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
      }
    }
  } finally {
    await admin.end();
  }
}

/**
 * A new database that no other test file sees: a clone of the migrated template, or
 * with `{ empty: true }` a database with no schema at all (for migration tests).
 */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const { adminUrl, template } = testServer();
  counter += 1;
  const name = `${template}_w${process.env.JEST_WORKER_ID ?? '0'}_${counter}_${randomBytes(2).toString('hex')}`;
  await createDatabase(adminUrl, name, options.empty ? 'template0' : template);
  const url = withDatabase(adminUrl, name);
  const pool = new Pool({ connectionString: url, max: 5 });
  // An idle connection the server ends (drop()'s DROP DATABASE … WITH (FORCE) can reach one that
  // pool.end() has not finished closing) must not become an unhandled 'error' that fails a test.
  pool.on('error', () => undefined);
  return {
    name,
    url,
    urlAs: (role) => withUser(url, role),
    pool,
    query: async (text, params) => (await pool.query(text, params)).rows,
    drop: async () => {
      await pool.end();
      const admin = new Client({ connectionString: adminUrl });
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}

/**
 * In a test file: `const db = useTestDatabase();` gives the file its own database,
 * created before the first test and dropped after the last. Use it inside tests/hooks.
 */
export function useTestDatabase(): TestDatabase {
  const handle = {} as TestDatabase;
  let created: TestDatabase | undefined;
  beforeAll(async () => {
    created = await createTestDatabase();
    Object.assign(handle, created);
  });
  afterAll(async () => {
    await created?.drop();
  });
  return handle;
}
