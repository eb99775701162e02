import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@cec/testing';
import { databaseDir, migrate, migrationStatus, readMigrations, seed } from '@cec/db';

/** A private copy of database/ that a test may edit. */
function copyOfDatabaseDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cec-migrations-'));
  cpSync(databaseDir(), dir, { recursive: true });
  return dir;
}

const ALL = readMigrations().map((m) => m.name);

describe('migrate', () => {
  const made: TestDatabase[] = [];
  const dirs: string[] = [];
  const emptyDatabase = async () => {
    const db = await createTestDatabase({ empty: true });
    made.push(db);
    return db;
  };
  const editableDir = () => {
    const dir = copyOfDatabaseDir();
    dirs.push(dir);
    return dir;
  };

  afterAll(async () => {
    for (const db of made) await db.drop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('applies every migration in order, records version and checksum, and says so', async () => {
    const db = await emptyDatabase();
    const lines: string[] = [];
    const result = await migrate(db.url, { log: (l) => lines.push(l) });
    expect(result.applied).toEqual(ALL);
    expect(lines).toEqual(ALL.map((name) => expect.stringMatching(new RegExp(`^applied ${name} \\(\\d+ ms\\)$`))));
    const rows = await db.query('SELECT version, name, checksum FROM schema_migrations ORDER BY version');
    expect(rows).toEqual(readMigrations().map((m) => ({ version: m.version, name: m.name, checksum: m.checksum })));

    const again: string[] = [];
    expect((await migrate(db.url, { log: (l) => again.push(l) })).applied).toEqual([]);
    expect(again).toEqual([`database is up to date (${ALL.length} migrations applied)`]);
  });

  it('is safe when several runs start at once: each file is applied exactly once', async () => {
    const db = await emptyDatabase();
    const results = await Promise.all(Array.from({ length: 4 }, () => migrate(db.url)));
    expect(results.flatMap((r) => r.applied).sort()).toEqual([...ALL].sort());
    expect(results.filter((r) => r.applied.length > 0)).toHaveLength(1);
    const [{ n }] = await db.query<{ n: string }>('SELECT count(*) AS n FROM schema_migrations');
    expect(Number(n)).toBe(ALL.length);
  });

  it('refuses to run when an applied file has changed, and applies nothing', async () => {
    const db = await emptyDatabase();
    const dir = editableDir();
    await migrate(db.url, { databaseDir: dir });
    const file = join(dir, 'migrations', '002_create_campaigns_and_tasks.sql');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n-- an innocent-looking edit\n`);
    writeFileSync(join(dir, 'migrations', '099_add_widgets.sql'), 'CREATE TABLE widgets (id int);\n');

    await expect(migrate(db.url, { databaseDir: dir })).rejects.toThrow(
      /002_create_campaigns_and_tasks\.sql was changed after it was applied/,
    );
    expect(await db.query("SELECT to_regclass('widgets') AS t")).toEqual([{ t: null }]);
    const statuses = await migrationStatus(db.url, { databaseDir: dir });
    expect(statuses.find((s) => s.version === 2)?.state).toBe('changed');
    expect(statuses.find((s) => s.version === 99)?.state).toBe('pending');
  });

  it('adopts the new checksum of an applied file whose earlier wording is listed in superseded-checksums.json (a reworded comment)', async () => {
    const db = await emptyDatabase();
    const dir = editableDir();
    await migrate(db.url, { databaseDir: dir });
    const name = '002_create_campaigns_and_tasks';
    const file = join(dir, 'migrations', `${name}.sql`);
    const before = readMigrations(dir).find((m) => m.name === name)?.checksum as string;
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^-- /, '-- (reworded) '));
    const listed = join(dir, 'migrations', 'superseded-checksums.json');
    writeFileSync(listed, JSON.stringify({ ...JSON.parse(readFileSync(listed, 'utf8')), [name]: [before] }));
    expect((await migrationStatus(db.url, { databaseDir: dir })).find((s) => s.version === 2)?.state).toBe('unverified');

    const lines: string[] = [];
    expect((await migrate(db.url, { databaseDir: dir, log: (l) => lines.push(l) })).adopted).toEqual([name]);
    expect(lines).toContain(`recorded the checksum of ${name} (applied by run_all_migrations.sql, or an earlier wording of the file)`);
    const after = readMigrations(dir).find((m) => m.name === name)?.checksum;
    expect(after).not.toBe(before);
    expect(await db.query('SELECT checksum FROM schema_migrations WHERE version = 2')).toEqual([{ checksum: after }]);
    expect((await migrationStatus(db.url, { databaseDir: dir })).find((s) => s.version === 2)?.state).toBe('applied');
  });

  it('refuses to run when the database has a migration this checkout lacks', async () => {
    const db = await emptyDatabase();
    await migrate(db.url);
    await db.query("INSERT INTO schema_migrations (version, name, checksum) VALUES (999, '999_from_the_future', NULL)");
    await expect(migrate(db.url)).rejects.toThrow(/has migration 999 \(999_from_the_future\)/);
    expect((await migrationStatus(db.url)).at(-1)).toMatchObject({ version: 999, state: 'unknown' });
  });

  it('rolls back a failing migration whole and names the file and line', async () => {
    const db = await emptyDatabase();
    const dir = editableDir();
    writeFileSync(
      join(dir, 'migrations', '099_broken.sql'),
      'CREATE TABLE half_done (id int);\n\nCREATE TABLE oops (id int,);\n',
    );
    await expect(migrate(db.url, { databaseDir: dir })).rejects.toThrow(/^099_broken\.sql:3: syntax error/);
    expect(await db.query("SELECT to_regclass('half_done') AS t")).toEqual([{ t: null }]);
    const versions = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(versions.map((v) => v.version)).toEqual(readMigrations().map((m) => m.version));
  });

  it('rejects a file name it would otherwise skip', () => {
    const dir = editableDir();
    writeFileSync(join(dir, 'migrations', '7_add_things.sql'), 'SELECT 1;');
    expect(() => readMigrations(dir)).toThrow(/7_add_things\.sql: not a migration file name/);
  });

  it('refuses to seed while migrations are pending', async () => {
    const db = await emptyDatabase();
    await expect(seed(db.url)).rejects.toThrow(/run npm run db:migrate first/);
  });
});
