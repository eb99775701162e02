import { join } from 'node:path';
import { Client } from 'pg';
import { databaseDir } from './workspace';
import { lineAt, readSqlFiles } from './migrations/migration-files';
import { MigrationError, migrationStatus, type MigrationOptions } from './migrations/migrator';

/**
 * Loads database/seeds/NNN_*.sql in order. Each seed file is its own transaction
 * (BEGIN ... COMMIT inside the file, so psql -f behaves the same) and is written to be
 * loaded again without duplicating anything. Refuses while migrations are pending.
 */
export async function seed(databaseUrl: string, options: MigrationOptions = {}): Promise<string[]> {
  const log = options.log ?? (() => undefined);
  const dir = options.databaseDir ?? databaseDir();
  const notReady = (await migrationStatus(databaseUrl, options)).filter((s) => s.state !== 'applied' && s.state !== 'unverified');
  if (notReady.length) {
    throw new MigrationError(
      `refusing to seed: migrations are not up to date (${notReady.map((s) => `${s.name}: ${s.state}`).join(', ')}); run npm run db:migrate first`,
    );
  }
  const files = readSqlFiles(join(dir, 'seeds'));
  const client = new Client({ connectionString: databaseUrl, application_name: 'db:seed' });
  await client.connect();
  try {
    for (const file of files) {
      const started = Date.now();
      try {
        await client.query(file.sql);
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        const e = error as { message: string; position?: string };
        const line = lineAt(file.sql, e.position);
        throw new Error(`seeds/${file.name}.sql${line ? `:${line}` : ''}: ${e.message} (rolled back)`);
      }
      log(`loaded seeds/${file.name} (${Date.now() - started} ms)`);
    }
    return files.map((f) => f.name);
  } finally {
    await client.end();
  }
}
