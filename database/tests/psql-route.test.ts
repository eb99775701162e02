/**
 * The seed README's manual route: `cd database/migrations && psql ... -f run_all_migrations.sql`
 * (and `cd database/seeds && psql ... -f 001_seed_test_data.sql`) must work as written and
 * give exactly the schema that `npm run db:migrate` gives.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrate, migrationStatus, readMigrations } from '@cec/db';
import { createTestDatabase, postgresTool, type TestDatabase } from '@cec/testing';

const DATABASE_DIR = join(__dirname, '..');
const MIGRATIONS_DIR = join(DATABASE_DIR, 'migrations');

function psql(url: string, file: string, cwd: string) {
  return spawnSync(postgresTool('psql'), ['-X', '-q', '-d', url, '-f', file], { cwd, encoding: 'utf8' });
}

/** pg_dump --schema-only, without the per-run \restrict keys newer pg_dump versions print. */
function schemaOf(url: string): string {
  return execFileSync(postgresTool('pg_dump'), ['--schema-only', '-d', url], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter((line) => !line.startsWith('\\restrict') && !line.startsWith('\\unrestrict'))
    .join('\n');
}

describe('run_all_migrations.sql', () => {
  const made: TestDatabase[] = [];
  const fresh = async () => {
    const db = await createTestDatabase({ empty: true });
    made.push(db);
    return db;
  };

  afterAll(async () => {
    for (const db of made) await db.drop();
  });

  it('includes every migration file, in order, and records each one', () => {
    const script = readFileSync(join(MIGRATIONS_DIR, 'run_all_migrations.sql'), 'utf8');
    const names = readMigrations(DATABASE_DIR).map((m) => m.name);
    const included = [...script.matchAll(/^\\ir (\d{3}_[a-z0-9_]+)\.sql$/gm)].map((m) => m[1]);
    const recorded = [...script.matchAll(/^\s*\((\d+), '(\d{3}_[a-z0-9_]+)'/gm)].map((m) => [Number(m[1]), m[2]]);
    expect(included).toEqual(names);
    expect(recorded).toEqual(readMigrations(DATABASE_DIR).map((m) => [m.version, m.name]));
  });

  it('gives the same schema through psql as through the runner', async () => {
    const viaPsql = await fresh();
    const viaRunner = await fresh();
    const result = psql(viaPsql.url, 'run_all_migrations.sql', MIGRATIONS_DIR);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    await migrate(viaRunner.url);
    const a = schemaOf(viaPsql.url);
    const b = schemaOf(viaRunner.url);
    expect(a).toContain('CREATE TABLE public.audit_logs');
    expect(a).toEqual(b);
  });

  it('refuses a second run and changes nothing; the runner then adopts the psql-applied files', async () => {
    const db = await fresh();
    expect(psql(db.url, 'run_all_migrations.sql', MIGRATIONS_DIR).status).toBe(0);
    expect((await migrationStatus(db.url)).every((s) => s.state === 'unverified')).toBe(true);
    const before = schemaOf(db.url);

    const again = psql(db.url, 'run_all_migrations.sql', MIGRATIONS_DIR);
    expect(again.status).not.toBe(0);
    expect(again.stderr).toContain('already has migrations');
    expect(schemaOf(db.url)).toEqual(before);

    const result = await migrate(db.url);
    expect(result.applied).toEqual([]);
    expect(result.adopted).toEqual(readMigrations(DATABASE_DIR).map((m) => m.name));
    expect((await migrationStatus(db.url)).every((s) => s.state === 'applied')).toBe(true);
  });

  it('loads the seed through psql as the README shows, and a second load duplicates nothing', async () => {
    const db = await fresh();
    expect(psql(db.url, 'run_all_migrations.sql', MIGRATIONS_DIR).status).toBe(0);
    const seedsDir = join(DATABASE_DIR, 'seeds');
    const first = psql(db.url, '001_seed_test_data.sql', seedsDir);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const count = async () => (await db.query<{ n: string }>('SELECT (SELECT count(*) FROM customers) + (SELECT count(*) FROM payment_records) + (SELECT count(*) FROM audit_logs) AS n'))[0].n;
    const afterFirst = await count();
    expect(Number(afterFirst)).toBeGreaterThan(12);
    expect(psql(db.url, '001_seed_test_data.sql', seedsDir).status).toBe(0);
    expect(await count()).toBe(afterFirst);
  });
});
