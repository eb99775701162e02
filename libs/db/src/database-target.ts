import { join } from 'node:path';
import { Client } from 'pg';
import { port, readEnv, str, url } from '@cec/config';
import { databaseName, quoteIdent, withDatabase } from './database-url';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
import { workspaceRoot } from './workspace';

export const DEFAULT_DATABASE = 'client_escalation_calls';
export const DEFAULT_EMBEDDED_PORT = 54320;

export const databaseEnvSpecs = {
  DATABASE_URL: url({
    default: undefined,
    desc: 'PostgreSQL server and database, e.g. postgres://postgres@127.0.0.1:5432/client_escalation_calls. Unset: an embedded server.',
  }),
  EMBEDDED_PG_PORT: port({ default: DEFAULT_EMBEDDED_PORT, desc: 'Port of the embedded server (only without DATABASE_URL).' }),
  EMBEDDED_PG_DIR: str({ default: '', desc: 'Data directory of the embedded server; default .data/postgres.' }),
};

/** Where the database is: the URL to use, and the server's maintenance database. */
export interface DatabaseTarget {
  /** The application database (as the migration role / superuser). */
  databaseUrl: string;
  /** The server's `postgres` database, for CREATE/DROP DATABASE. */
  adminUrl: string;
  /** Set when the server is the embedded one. */
  embedded?: EmbeddedPostgres;
}

export function embeddedDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const { EMBEDDED_PG_DIR } = readEnv(databaseEnvSpecs, env);
  return EMBEDDED_PG_DIR || join(workspaceRoot(), '.data', 'postgres');
}

/**
 * DATABASE_URL when it is set; otherwise the embedded development server (started, and
 * initialised on first use, if it is not running) and its client_escalation_calls database.
 */
export async function resolveDatabaseTarget(env: NodeJS.ProcessEnv = process.env): Promise<DatabaseTarget> {
  const config = readEnv(databaseEnvSpecs, env);
  if (config.DATABASE_URL) {
    return { databaseUrl: config.DATABASE_URL, adminUrl: withDatabase(config.DATABASE_URL, 'postgres') };
  }
  const embedded = await startEmbeddedPostgres({ dataDir: embeddedDataDir(env), port: config.EMBEDDED_PG_PORT });
  return { databaseUrl: withDatabase(embedded.adminUrl, DEFAULT_DATABASE), adminUrl: embedded.adminUrl, embedded };
}

/** Creates the target's database when it does not exist; true when it was created. */
export async function ensureDatabaseExists(target: DatabaseTarget): Promise<boolean> {
  const name = databaseName(target.databaseUrl);
  const client = new Client({ connectionString: target.adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === '42P04') return false; // created concurrently
      throw error;
    }
  } finally {
    await client.end();
  }
}
