import { Client } from 'pg';
import { databaseName, isLoopbackUrl, quoteIdent, redactUrl } from './database-url';
import type { DatabaseTarget } from './database-target';
import { migrate, type MigrationOptions } from './migrations/migrator';
import { seed } from './seeds';

/**
 * Development only: drops the database, recreates it, migrates it and (unless told not
 * to) seeds it. Refuses under NODE_ENV=production and for servers that are not on this
 * machine, so a stray DATABASE_URL cannot wipe a shared database.
 */
export async function resetDatabase(
  target: DatabaseTarget,
  options: MigrationOptions & { seed?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<void> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => undefined);
  if (env.NODE_ENV === 'production') throw new Error('db:reset refuses to run with NODE_ENV=production');
  if (!target.embedded && !isLoopbackUrl(target.databaseUrl)) {
    throw new Error(`db:reset only resets a database on this machine, not ${redactUrl(target.databaseUrl)}`);
  }
  const name = databaseName(target.databaseUrl);
  const admin = new Client({ connectionString: target.adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
  } finally {
    await admin.end();
  }
  log(`dropped and recreated database ${name}`);
  await migrate(target.databaseUrl, options);
  if (options.seed !== false) await seed(target.databaseUrl, options);
}
