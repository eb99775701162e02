import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { databaseDir } from '../workspace';
import { lineAt, readSqlFiles, type SqlFile } from './migration-files';

export type Log = (line: string) => void;

/** Both advisory-lock keys are derived in SQL so psql users can take the same lock. */
const LOCK = "hashtext('client_escalation_calls'), hashtext('schema_migrations')";

export interface MigrationOptions {
  log?: Log;
  /** The database/ folder (migrations/ and schema_migrations.sql); default: the repository's. */
  databaseDir?: string;
}

export function readMigrations(dir = databaseDir()): SqlFile[] {
  return readSqlFiles(join(dir, 'migrations'));
}

/**
 * database/migrations/superseded-checksums.json: per migration name, checksums of earlier
 * wordings of an applied file whose change did not touch what it does (a comment reworded).
 * A database that applied an earlier wording is not refused: the new checksum is adopted at the
 * next migrate. Any other change to an applied file is still refused.
 */
function readSupersededChecksums(dir: string): Map<string, string[]> {
  const path = join(dir, 'migrations', 'superseded-checksums.json');
  if (!existsSync(path)) return new Map();
  return new Map(Object.entries(JSON.parse(readFileSync(path, 'utf8')) as Record<string, string[]>));
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string | null;
  applied_at: Date;
}

export type MigrationState = 'applied' | 'pending' | 'changed' | 'unverified' | 'unknown';

export interface MigrationStatus {
  version: number;
  name: string;
  /**
   * applied; pending; changed (the file differs from what was applied); unverified (applied
   * by run_all_migrations.sql, or an earlier wording listed in superseded-checksums.json:
   * the file's checksum is adopted at the next migrate); unknown (in the
   * database, but this checkout has no such file).
   */
  state: MigrationState;
  appliedAt?: Date;
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

async function readApplied(client: Client): Promise<AppliedRow[]> {
  const exists = await client.query("SELECT to_regclass('public.schema_migrations') AS t");
  if (!exists.rows[0].t) return [];
  const { rows } = await client.query<AppliedRow>(
    'SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version',
  );
  return rows;
}

function compare(files: SqlFile[], applied: AppliedRow[], superseded: Map<string, string[]>): MigrationStatus[] {
  const byVersion = new Map(applied.map((row) => [row.version, row]));
  const statuses: MigrationStatus[] = files.map((file) => {
    const row = byVersion.get(file.version);
    if (!row) return { version: file.version, name: file.name, state: 'pending' };
    byVersion.delete(file.version);
    const reworded = row.checksum !== null && (superseded.get(file.name) ?? []).includes(row.checksum);
    const state: MigrationState =
      row.name !== file.name ? 'changed' : row.checksum === null || reworded ? 'unverified' : row.checksum === file.checksum ? 'applied' : 'changed';
    return { version: file.version, name: file.name, state, appliedAt: row.applied_at };
  });
  for (const row of byVersion.values()) {
    statuses.push({ version: row.version, name: row.name, state: 'unknown', appliedAt: row.applied_at });
  }
  return statuses.sort((a, b) => a.version - b.version);
}

/** Where each migration stands in the database at `databaseUrl`. */
export async function migrationStatus(databaseUrl: string, options: MigrationOptions = {}): Promise<MigrationStatus[]> {
  const dir = options.databaseDir ?? databaseDir();
  const files = readMigrations(dir);
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return compare(files, await readApplied(client), readSupersededChecksums(dir));
  } finally {
    await client.end();
  }
}

function refuseDrift(statuses: MigrationStatus[]): void {
  const changed = statuses.filter((s) => s.state === 'changed');
  const unknown = statuses.filter((s) => s.state === 'unknown');
  const problems = [
    ...changed.map(
      (s) => `${s.name}.sql was changed after it was applied (applied migrations are immutable: restore the file and add a new migration)`,
    ),
    ...unknown.map((s) => `the database has migration ${s.version} (${s.name}) that this checkout does not have (the code is older than the database)`),
  ];
  if (problems.length) throw new MigrationError(`refusing to migrate:\n  ${problems.join('\n  ')}`);
}

export interface MigrateResult {
  applied: string[];
  adopted: string[];
  upToDate: number;
}

/**
 * Applies pending migrations in order, each in its own transaction, under a session
 * advisory lock so concurrent runs (several replicas starting at once) apply each file
 * exactly once. Refuses, before applying anything, when an applied file has changed.
 */
export async function migrate(databaseUrl: string, options: MigrationOptions = {}): Promise<MigrateResult> {
  const log = options.log ?? (() => undefined);
  const dir = options.databaseDir ?? databaseDir();
  const files = readMigrations(dir);
  const client = new Client({ connectionString: databaseUrl, application_name: 'db:migrate' });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT pg_try_advisory_lock(${LOCK}) AS locked`);
    if (!rows[0].locked) {
      log('another migration run holds the lock; waiting for it to finish');
      await client.query(`SELECT pg_advisory_lock(${LOCK})`);
    }
    try {
      await client.query(readFileSync(join(dir, 'schema_migrations.sql'), 'utf8'));
      const statuses = compare(files, await readApplied(client), readSupersededChecksums(dir));
      refuseDrift(statuses);

      const adopted: string[] = [];
      for (const status of statuses.filter((s) => s.state === 'unverified')) {
        const file = files.find((f) => f.version === status.version) as SqlFile;
        await client.query('UPDATE schema_migrations SET checksum = $1 WHERE version = $2', [file.checksum, file.version]);
        adopted.push(file.name);
        log(`recorded the checksum of ${file.name} (applied by run_all_migrations.sql, or an earlier wording of the file)`);
      }

      const applied: string[] = [];
      for (const file of files.filter((f) => statuses.find((s) => s.version === f.version)?.state === 'pending')) {
        const started = Date.now();
        try {
          await client.query('BEGIN');
          await client.query(file.sql);
          await client.query(
            'INSERT INTO schema_migrations (version, name, checksum, execution_ms) VALUES ($1, $2, $3, $4)',
            [file.version, file.name, file.checksum, Date.now() - started],
          );
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          const e = error as { message: string; position?: string };
          const line = lineAt(file.sql, e.position);
          throw new MigrationError(
            `${file.name}.sql${line ? `:${line}` : ''}: ${e.message} (rolled back; ${applied.length} earlier migration(s) of this run stay applied)`,
          );
        }
        applied.push(file.name);
        log(`applied ${file.name} (${Date.now() - started} ms)`);
      }
      const upToDate = statuses.filter((s) => s.state === 'applied' || s.state === 'unverified').length;
      if (!applied.length) log(`database is up to date (${upToDate} migrations applied)`);
      return { applied, adopted, upToDate };
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${LOCK})`).catch(() => undefined);
    }
  } finally {
    await client.end();
  }
}
