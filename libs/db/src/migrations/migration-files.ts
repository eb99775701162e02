import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One file of database/migrations (NNN_name.sql) or database/seeds. */
export interface SqlFile {
  version: number;
  /** File name without .sql, e.g. 001_create_core_tables. */
  name: string;
  path: string;
  sql: string;
  /** sha256 of the file's bytes, hex. */
  checksum: string;
}

const NUMBERED = /^(\d{3})_[a-z0-9_]+\.sql$/;
/** Files that live beside the migrations but are not migrations. */
const NOT_MIGRATIONS = new Set(['run_all_migrations.sql']);

/**
 * The numbered SQL files of a folder, in order. Any other .sql file, or two files with
 * the same number, is an error: a typo in a file name must not skip a migration.
 */
export function readSqlFiles(dir: string): SqlFile[] {
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.sql') && !NOT_MIGRATIONS.has(file))
    .sort();
  const seen = new Map<number, string>();
  return files.map((file) => {
    const match = NUMBERED.exec(file);
    if (!match) throw new Error(`${join(dir, file)}: not a migration file name (expected NNN_lower_snake_case.sql)`);
    const version = Number(match[1]);
    const other = seen.get(version);
    if (other) throw new Error(`${dir}: ${other} and ${file} have the same number ${match[1]}`);
    seen.set(version, file);
    const path = join(dir, file);
    const bytes = readFileSync(path);
    return {
      version,
      name: file.replace(/\.sql$/, ''),
      path,
      sql: bytes.toString('utf8'),
      checksum: createHash('sha256').update(bytes).digest('hex'),
    };
  });
}

/** The line of `sql` that a PostgreSQL error `position` (1-based character offset) points at. */
export function lineAt(sql: string, position: number | string | undefined): number | undefined {
  const offset = Number(position);
  if (!Number.isInteger(offset) || offset < 1) return undefined;
  return sql.slice(0, offset - 1).split('\n').length;
}
