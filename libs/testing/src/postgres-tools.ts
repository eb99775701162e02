import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Path of a PostgreSQL client program (psql, pg_dump). The embedded server ships only the
 * server binaries, so these come from the machine: PG_BIN_DIR, then PATH, then Debian's
 * /usr/lib/postgresql/<version>/bin (newest first). Missing is an error, never a skip:
 * install them with `apt-get install postgresql-client` (.ci/run does).
 */
export function postgresTool(name: 'psql' | 'pg_dump'): string {
  const candidates: string[] = [];
  if (process.env.PG_BIN_DIR) candidates.push(join(process.env.PG_BIN_DIR, name));
  try {
    candidates.push(execFileSync('which', [name], { encoding: 'utf8' }).trim());
  } catch {
    // not on PATH
  }
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    for (const version of readdirSync(debian).sort((a, b) => Number(b) - Number(a))) {
      candidates.push(join(debian, version, 'bin', name));
    }
  }
  const found = candidates.find((path) => path && existsSync(path));
  if (!found) {
    throw new Error(`${name} not found (PG_BIN_DIR, PATH, /usr/lib/postgresql/*/bin): apt-get install postgresql-client`);
  }
  return found;
}
