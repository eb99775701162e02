import { call, createTestDatabase, eventually, type TestDatabase } from '@cec/testing';
import { enforceRetention } from './retention-job';
import { startMetricsService } from './testing/metrics-harness';

const DAY = 86_400_000;
const utcDay = (offset: number): string => new Date(Date.now() + offset * DAY).toISOString().slice(0, 10);
const partitionOf = (offset: number): string => `system_metrics_p${utcDay(offset).replace(/-/g, '')}`;

describe('the retention job', () => {
  let db: TestDatabase;
  let a: Awaited<ReturnType<typeof startMetricsService>>;
  let b: Awaited<ReturnType<typeof startMetricsService>>;

  const partitions = async (): Promise<string[]> =>
    (
      await db.query<{ name: string }>(
        "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'system_metrics'::regclass ORDER BY 1",
      )
    ).map((r) => r.name);
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => partitionOf(from + i));

  beforeAll(async () => {
    db = await createTestDatabase();
    // Two replicas over one database, their own jobs off: the test runs the job.
    [a, b] = await Promise.all([startMetricsService(db), startMetricsService(db)]);
    // Days 40 to 30 before today, a sample at noon of each day from 40 days ago to today.
    await db.query('SELECT ensure_system_metrics_partitions($1, $2)', [utcDay(-40), utcDay(0)]);
    await db.query(
      `INSERT INTO system_metrics (metric_name, metric_type, value, source, recorded_at)
       SELECT 'daily', 'gauge', d, 'test', (current_date - d) + time '12:00' AT TIME ZONE 'UTC' FROM generate_series(0, 40) d`,
    );
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
  });

  it('run by two replicas at once drops each day before the retention once, and no day inside it', async () => {
    await call(a.clients.metrics, 'updateRetention', { days: 35 });
    const runs = await Promise.all([enforceRetention(a.service.orm), enforceRetention(b.service.orm)]);
    // Days 40 to 36 before today are older than 35 days; day 35 is the first kept.
    expect(runs[0].dropped + runs[1].dropped).toBe(5);
    for (const run of runs) if (!run.skipped) expect(run.firstKeptDay).toBe(utcDay(-35));
    const left = await partitions();
    for (const gone of range(-40, -36)) expect(left).not.toContain(gone);
    expect(left).toEqual([...range(-35, 7)].sort());
    expect(await db.query<{ d: number }>("SELECT value::int AS d FROM system_metrics WHERE metric_name = 'daily' ORDER BY 1")).toEqual(
      Array.from({ length: 36 }, (_, d) => ({ d })),
    );
    // Again: nothing left to drop or make.
    const again = await Promise.all([enforceRetention(b.service.orm), enforceRetention(a.service.orm)]);
    expect(again.map((r) => r.dropped + r.made)).toEqual([0, 0]);
  });

  it('runs by itself every RETENTION_INTERVAL_MS: a shorter retention drops more, and a missing day ahead is made', async () => {
    await call(a.clients.metrics, 'updateRetention', { days: 33 });
    await db.query(`DROP TABLE ${partitionOf(7)}`);
    // Days 35 and 34 when the first test ran; any older day when it did not.
    const older = (await partitions()).filter((name) => name < partitionOf(-33)).length;
    const c = await startMetricsService(db, { env: { RETENTION_INTERVAL_MS: '100' } });
    try {
      await eventually(
        async () => {
          expect(await partitions()).toEqual([...range(-33, 7)].sort());
          const text = await (await fetch(`http://${c.metricsAddress}/metrics`)).text();
          expect(text).toMatch(new RegExp(`^metrics_partitions_dropped_total\\{[^}]*\\} ${older}$`, 'm'));
          expect(text).toMatch(/^metrics_partitions_made_total\{[^}]*\} 1$/m);
          return true;
        },
        { what: 'the job to drop the days before 33 days ago and make day 7 again', timeoutMs: 10_000 },
      );
    } finally {
      await c.stop();
    }
  });
});

describe('enforceRetention', () => {
  it('keeps the partitions of today and the next 7 days made', async () => {
    const db = await createTestDatabase();
    const kit = await startMetricsService(db);
    try {
      await db.query(`DROP TABLE ${partitionOf(6)}, ${partitionOf(7)}`);
      expect(await enforceRetention(kit.service.orm)).toMatchObject({ skipped: false, made: 2, dropped: 0 });
    } finally {
      await kit.stop();
      await db.drop();
    }
  });
});
