import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseDir, migrate } from '@cec/db';
import { createTestDatabase, useTestDatabase, type TestDatabase } from '@cec/testing';
import { asRole } from './fixtures';

/**
 * Migration 013: system_metrics partitioned by UTC day, the partition functions metrics_svc
 * runs (SECURITY DEFINER), idempotent recording by client key, the retention row.
 */
const DAY = 86_400_000;
const utcDay = (offsetDays: number): string => new Date(Date.now() + offsetDays * DAY).toISOString().slice(0, 10);
const partitionOf = (day: string): string => `system_metrics_p${day.replace(/-/g, '')}`;

async function partitions(db: TestDatabase): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'system_metrics'::regclass ORDER BY 1",
  );
  return rows.map((r) => r.name);
}

describe('migration 013 on a system_metrics that 005 made', () => {
  let db: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    dir = mkdtempSync(join(tmpdir(), 'cec-metrics-013-'));
    cpSync(databaseDir(), dir, { recursive: true });
    for (const file of readdirSync(join(dir, 'migrations'))) {
      const version = Number(file.slice(0, 3));
      if (Number.isInteger(version) && version >= 13) rmSync(join(dir, 'migrations', file));
    }
  });

  afterAll(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every row and id, each in the partition of its UTC day, makes the next 7 days, and new ids follow the old', async () => {
    await migrate(db.url, { databaseDir: dir });
    await db.query(
      `INSERT INTO system_metrics (metric_name, metric_type, value, unit, labels, source, recorded_at) VALUES
         ('queue_depth', 'gauge', 3, NULL, '{"queue": "sms"}', 'campaigns', '2026-03-01 23:59:59.999+00'),
         ('queue_depth', 'gauge', 4, NULL, '{"queue": "sms"}', 'campaigns', '2026-03-02 00:00:00+00'),
         ('payments_recovered', 'counter', 1250.5, 'EUR', '{}', 'customers', '2026-03-02 00:00:00+01')`,
    );
    const before = await db.query('SELECT id, metric_name, metric_type, value, unit, labels, source, recorded_at FROM system_metrics ORDER BY id');
    cpSync(join(databaseDir(), 'migrations', '013_metrics_service.sql'), join(dir, 'migrations', '013_metrics_service.sql'));
    await migrate(db.url, { databaseDir: dir });

    expect(await db.query('SELECT id, metric_name, metric_type, value, unit, labels, source, recorded_at FROM system_metrics ORDER BY id')).toEqual(before);
    expect(await db.query<{ id: string; part: string }>('SELECT id, tableoid::regclass::text AS part FROM system_metrics ORDER BY id')).toEqual([
      { id: '1', part: 'system_metrics_p20260301' },
      { id: '2', part: 'system_metrics_p20260302' },
      // 00:00 at +01:00 is 23:00 UTC the day before.
      { id: '3', part: 'system_metrics_p20260301' },
    ]);
    const week = Array.from({ length: 8 }, (_, i) => partitionOf(utcDay(i)));
    expect(await partitions(db)).toEqual(['system_metrics_p20260301', 'system_metrics_p20260302', ...week].sort());
    expect(await db.query("SELECT relkind FROM pg_class WHERE relname = 'system_metrics'")).toEqual([{ relkind: 'p' }]);
    expect(await db.query("SELECT to_regclass('system_metrics_unpartitioned') AS t")).toEqual([{ t: null }]);
    // Every partition has the four indexes, the client key's unique one included.
    const indexes = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_indexes WHERE tablename = 'system_metrics_p20260301'");
    expect(indexes).toEqual([{ n: 5 }]);
    const [{ id }] = await db.query<{ id: string }>("INSERT INTO system_metrics (metric_name, metric_type, value, source) VALUES ('queue_depth', 'gauge', 1, 'campaigns') RETURNING id");
    expect(id).toBe('4');
    expect(await db.query('SELECT days, set_by FROM metrics_retention')).toEqual([{ days: 90, set_by: null }]);
  });
});

describe('system_metrics partitions and metrics_svc', () => {
  const db = useTestDatabase();
  const as = <T>(work: Parameters<typeof asRole<T>>[2]) => asRole<T>(db, 'metrics_svc', work);

  it('records a (source, client_key, time) once; a sample without a key each time', async () => {
    await as(async (c) => {
      const insert = (key: string | null, source = 'campaigns') =>
        c.query(
          `INSERT INTO system_metrics (metric_name, metric_type, value, source, recorded_at, client_key)
           VALUES ('tasks_created', 'counter', 1, $2, date_trunc('second', now()), $1)
           ON CONFLICT (source, client_key, recorded_at) WHERE client_key IS NOT NULL DO NOTHING RETURNING id`,
          [key, source],
        );
      expect((await insert('k1')).rowCount).toBe(1);
      expect((await insert('k1')).rowCount).toBe(0);
      expect((await insert('k1', 'compliance')).rowCount).toBe(1);
      expect((await insert(null)).rowCount).toBe(1);
      expect((await insert(null)).rowCount).toBe(1);
    });
  });

  it('makes missing partitions only, through the SECURITY DEFINER function, within its limits', async () => {
    await as(async (c) => {
      const ensure = async (from: string, to: string) => (await c.query('SELECT ensure_system_metrics_partitions($1, $2) AS n', [from, to])).rows[0].n;
      expect(await ensure(utcDay(-3), utcDay(1))).toBe(3);
      expect(await ensure(utcDay(-3), utcDay(1))).toBe(0);
      await expect(ensure(utcDay(0), utcDay(40))).rejects.toMatchObject({ code: '22023' });
      await expect(ensure(utcDay(-500), utcDay(-50))).rejects.toMatchObject({ code: '22023' });
      await expect(ensure(utcDay(1), utcDay(0))).rejects.toMatchObject({ code: '22023' });
      // Not by hand: the role owns nothing and creates nothing.
      await expect(c.query('CREATE TABLE system_metrics_p20200101 PARTITION OF system_metrics FOR VALUES FROM (\'2020-01-01\') TO (\'2020-01-02\')')).rejects.toMatchObject({ code: '42501' });
      await expect(c.query(`DROP TABLE ${partitionOf(utcDay(-3))}`)).rejects.toMatchObject({ code: '42501' });
      await expect(c.query(`SELECT 1 FROM ${partitionOf(utcDay(0))}`)).rejects.toMatchObject({ code: '42501' });
    });
    expect(await partitions(db)).toEqual(expect.arrayContaining([-3, -2, -1, 0, 1].map((d) => partitionOf(utcDay(d)))));
  });

  it('refuses a sample of a day without a partition (23514, "no partition"), and there is no default partition', async () => {
    await as(async (c) => {
      await expect(
        c.query("INSERT INTO system_metrics (metric_name, metric_type, value, source, recorded_at) VALUES ('x', 'gauge', 1, 's', '2001-01-01')"),
      ).rejects.toMatchObject({ code: '23514', message: expect.stringContaining('no partition') });
    });
  });

  it('drops the partitions before a day with their rows, each once when two sessions drop at once, never yesterday or today', async () => {
    await as(async (c) => {
      await c.query('SELECT ensure_system_metrics_partitions($1, $2)', [utcDay(-12), utcDay(0)]);
      await c.query(
        "INSERT INTO system_metrics (metric_name, metric_type, value, source, recorded_at) SELECT 'old', 'gauge', d, 's', now() - d * interval '1 day' FROM generate_series(0, 12) d",
      );
    });
    const old = [-12, -11, -10].map((d) => partitionOf(utcDay(d)));
    const dropped = await Promise.all([0, 1].map(() => as(async (c) => (await c.query('SELECT drop_system_metrics_partitions_before($1) AS n', [utcDay(-9)])).rows[0].n as number)));
    expect(dropped[0] + dropped[1]).toBe(3);
    const left = await partitions(db);
    for (const name of old) expect(left).not.toContain(name);
    expect(left).toEqual(expect.arrayContaining([-9, -8, -1, 0].map((d) => partitionOf(utcDay(d)))));
    expect(await db.query<{ d: number }>("SELECT value::int AS d FROM system_metrics WHERE metric_name = 'old' ORDER BY 1")).toEqual(
      Array.from({ length: 10 }, (_, d) => ({ d })),
    );
    await as(async (c) => {
      await expect(c.query('SELECT drop_system_metrics_partitions_before($1)', [utcDay(0)])).rejects.toMatchObject({ code: '22023' });
      // Days -9 to -2.
      expect((await c.query('SELECT drop_system_metrics_partitions_before($1) AS n', [utcDay(-1)])).rows[0].n).toBe(8);
    });
    expect(await partitions(db)).toEqual(expect.arrayContaining([-1, 0, 1].map((d) => partitionOf(utcDay(d)))));
  });

  it('lets metrics_svc read and set the retention within 1-3650 days, and nobody else', async () => {
    await as(async (c) => {
      expect((await c.query('UPDATE metrics_retention SET days = 30, set_by = $1 RETURNING days', ['user:ops'])).rows).toEqual([{ days: 30 }]);
      await expect(c.query('UPDATE metrics_retention SET days = 0')).rejects.toMatchObject({ code: '23514' });
      await expect(c.query('INSERT INTO metrics_retention (singleton, days) VALUES (false, 5)')).rejects.toMatchObject({ code: '42501' });
    });
    await asRole(db, 'campaigns_svc', async (c) => {
      await expect(c.query('SELECT days FROM metrics_retention')).rejects.toMatchObject({ code: '42501' });
      await expect(c.query('SELECT ensure_system_metrics_partitions(current_date, current_date)')).rejects.toMatchObject({ code: '42501' });
    });
  });
});
