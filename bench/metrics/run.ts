/**
 * Metrics benchmark (npm run bench:metrics -w @cec/bench): BENCH_ROWS (10,000,000) rows of
 * system_metrics over the last 30 days (5 names, 4 channels x 3 regions of labels, made by
 * set-based SQL, one statement per day), then a one-day, hourly, p95 QueryMetrics of one name
 * through the metrics service (its own process, gRPC on loopback) next to the same SQL run
 * directly as metrics_svc on one connection, alternating, BENCH_RUNS times each after
 * BENCH_WARMUP runs. Reports the p50 of each and the ratio; goal: the RPC within 1.2x of the SQL
 * and under 100 ms. The answers are checked equal first. See bench/README.md.
 *
 * Settings (environment): BENCH_ROWS, BENCH_RUNS (default 30), BENCH_WARMUP (5),
 * DATABASE_URL (use that server instead of a throw-away embedded one).
 */
import { join, resolve } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { Client } from 'pg';
import { freePort, withUser } from '@cec/db';
import { metricsV1 } from '@cec/proto';
import { runMain, type Cleanup } from '../common/cleanup';
import { envNumber } from '../common/env';
import { isServing, unary } from '../common/grpc';
import { withClient } from '../common/pg';
import { createBenchDatabase } from '../customers/database';
import { startTs, waitUntilReady } from '../customers/processes';

const ROOT = resolve(__dirname, '..', '..');
const DAY = 86_400_000;
const NAMES = ['task_duration_ms', 'queue_depth', 'decisions_made', 'payments_recovered', 'engine_lag_seconds'];
const QUERIED = 'task_duration_ms';
const GOAL_RATIO = 1.2;
const GOAL_MS = 100;

const settings = {
  rows: Math.round(envNumber('BENCH_ROWS', 10_000_000, 1000)),
  runs: Math.round(envNumber('BENCH_RUNS', 30, 1)),
  warmup: Math.round(envNumber('BENCH_WARMUP', 5, 0)),
};

const log = (line: string): void => console.log(`[bench:metrics] ${line}`);
const interrupted = new AbortController();

/**
 * The service's statement for an hourly p95 without label filters: the text of
 * services/metrics/src/store/sample-store.ts bucketedQuerySql('p95', false), with $n for ?
 * (a bench may not import a service; keep the two in step).
 */
const QUERY_SQL = `SELECT date_bin($1::interval, recorded_at, '2000-01-01 00:00:00+00') AS bucket,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY value::float8) AS value, count(*) AS n
  FROM system_metrics
 WHERE metric_name = $2 AND recorded_at >= $3 AND recorded_at < $4
 GROUP BY 1 ORDER BY 1`;

/**
 * BENCH_ROWS samples spread evenly over the 30 days before now, in time order; name, channel
 * and region cycle (every name has every label pair), values 0-1000 with two decimals (seeded).
 * The indexes are dropped for the load and made again as they were (their definitions read
 * from the catalogue), then VACUUM ANALYZE, as a table that has lived a while would be.
 */
async function seed(url: string): Promise<{ seconds: number; partitions: number }> {
  const started = Date.now();
  return withClient(url, async (c) => {
    await c.query('SET TimeZone = UTC');
    await c.query("SELECT ensure_system_metrics_partitions(current_date - 31, current_date)");
    const indexes = (
      await c.query<{ name: string; def: string; pk: boolean }>(
        `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def, x.indisprimary AS pk
           FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
          WHERE x.indrelid = 'system_metrics'::regclass ORDER BY x.indisprimary DESC, i.relname`,
      )
    ).rows;
    const pk = (await c.query<{ def: string }>("SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'system_metrics'::regclass AND contype = 'p'")).rows[0].def;
    for (const index of indexes.filter((i) => !i.pk)) await c.query(`DROP INDEX ${index.name}`);
    await c.query('ALTER TABLE system_metrics DROP CONSTRAINT system_metrics_pkey');
    await c.query('SELECT setseed(0.4242)');
    const days = 30;
    const perDay = Math.ceil(settings.rows / days);
    const now = Date.now();
    const first = now - days * DAY;
    for (let d = 0; d < days && !interrupted.signal.aborted; d += 1) {
      const from = d * perDay;
      const to = Math.min(settings.rows, (d + 1) * perDay) - 1;
      await c.query(
        `INSERT INTO system_metrics (metric_name, metric_type, value, unit, labels, source, recorded_at)
         SELECT ($1::text[])[1 + i % 5], 'gauge', round((random() * 1000)::numeric, 2), 'ms',
                jsonb_build_object('channel', (ARRAY['email', 'sms', 'phone', 'letter'])[1 + (i / 5) % 4],
                                   'region', (ARRAY['eu', 'us', 'apac'])[1 + (i / 20) % 3]),
                'service:bench', to_timestamp(($4::float8 + i * $5::float8) / 1000)
           FROM generate_series($2::bigint, $3::bigint) i`,
        [NAMES, from, to, first, (days * DAY) / settings.rows],
      );
      if ((d + 1) % 5 === 0) log(`  ${d + 1}/${days} days inserted (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
    await c.query(`ALTER TABLE system_metrics ADD ${pk}`);
    // pg_get_indexdef names a partitioned table's index "ON ONLY system_metrics", which would make
    // the parent's index alone (invalid, no partition's): made on the table, every partition gets it.
    for (const index of indexes.filter((i) => !i.pk)) await c.query(index.def.replace(' ON ONLY ', ' ON '));
    const missing = await c.query<{ name: string }>(
      `SELECT i.relname AS name FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
        WHERE x.indrelid = 'system_metrics'::regclass AND NOT x.indisvalid`,
    );
    if (missing.rows.length) throw new Error(`indexes not made on every partition: ${missing.rows.map((r) => r.name).join(', ')}`);
    await c.query('VACUUM ANALYZE system_metrics');
    const partitions = Number((await c.query<{ n: string }>("SELECT count(*) AS n FROM pg_inherits WHERE inhparent = 'system_metrics'::regclass")).rows[0].n);
    return { seconds: (Date.now() - started) / 1000, partitions };
  });
}

const p50 = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function main(cleanup: Cleanup): Promise<number> {
  log(`${settings.rows.toLocaleString('en')} system_metrics rows over 30 days; a one-day hourly p95 QueryMetrics vs the same SQL, ${settings.runs} runs each after ${settings.warmup} warm-up runs`);
  const db = await createBenchDatabase(log);
  cleanup.add(() => db.dispose());
  const seeded = await seed(db.url);
  const [{ n: count }] = await withClient(db.url, async (c) => (await c.query<{ n: string }>('SELECT count(*) AS n FROM system_metrics')).rows);
  log(`seeded ${Number(count).toLocaleString('en')} rows in ${seeded.partitions} daily partitions in ${seeded.seconds.toFixed(0)} s`);

  const port = await freePort();
  const service = startTs('metrics service', join(ROOT, 'services', 'metrics', 'src', 'main.ts'), {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      METRICS_GRPC_HOST: '127.0.0.1',
      METRICS_GRPC_PORT: String(port),
      METRICS_METRICS_HOST: '127.0.0.1',
      METRICS_METRICS_PORT: '0',
      RETENTION_INTERVAL_MS: '0',
      LOG_LEVEL: 'warn',
    },
  });
  cleanup.add(() => service.stop());
  await waitUntilReady(service, () => isServing(`127.0.0.1:${port}`));
  const client = new metricsV1.MetricsServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  cleanup.add(async () => client.close());
  const direct = new Client({ connectionString: withUser(db.url, 'metrics_svc', process.env.METRICS_DB_PASSWORD || undefined), application_name: 'bench-direct' });
  await direct.connect();
  cleanup.add(() => direct.end());
  await direct.query('SET TimeZone = UTC');

  // Yesterday, a whole UTC day.
  const start = new Date(Math.floor(Date.now() / DAY) * DAY - DAY);
  const end = new Date(start.getTime() + DAY);
  const request = metricsV1.QueryMetricsRequest.fromPartial({
    name: QUERIED,
    startTime: start,
    endTime: end,
    bucket: metricsV1.TimeBucket.TIME_BUCKET_HOUR,
    aggregate: metricsV1.Aggregate.AGGREGATE_P95,
  });
  const viaRpc = async () => (await unary(client, client.queryMetrics, request, 30_000)).points.map((p) => [p.startTime?.toISOString(), p.value, Number(p.sampleCount)]);
  const viaSql = async () =>
    (await direct.query<{ bucket: Date; value: number; n: string }>(QUERY_SQL, ['1 hour', QUERIED, start.toISOString(), end.toISOString()])).rows.map((r) => [
      r.bucket.toISOString(),
      r.value,
      Number(r.n),
    ]);

  const a = await viaRpc();
  const b = await viaSql();
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`the RPC and the SQL disagree:\n${JSON.stringify(a)}\n${JSON.stringify(b)}`);
  const samples = a.reduce((n, p) => n + (p[2] as number), 0);
  log(`answers agree: ${a.length} hourly buckets, ${samples.toLocaleString('en')} samples of ${QUERIED} on ${start.toISOString().slice(0, 10)}`);
  const { rows: plan } = await direct.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${QUERY_SQL.replace(/\$1/, "'1 hour'").replace(/\$2/, `'${QUERIED}'`).replace(/\$3/, `'${start.toISOString()}'`).replace(/\$4/, `'${end.toISOString()}'`)}`);
  log(`plan: ${plan.map((r) => r['QUERY PLAN'].trim()).join(' | ')}`);

  const timed = async (work: () => Promise<unknown>): Promise<number> => {
    const t = process.hrtime.bigint();
    await work();
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  for (let i = 0; i < settings.warmup; i += 1) {
    await viaRpc();
    await viaSql();
  }
  const rpcMs: number[] = [];
  const sqlMs: number[] = [];
  for (let i = 0; i < settings.runs && !interrupted.signal.aborted; i += 1) {
    // Alternate which goes first, so a drift of the machine hits both alike.
    if (i % 2 === 0) {
      rpcMs.push(await timed(viaRpc));
      sqlMs.push(await timed(viaSql));
    } else {
      sqlMs.push(await timed(viaSql));
      rpcMs.push(await timed(viaRpc));
    }
  }
  const rpc = p50(rpcMs);
  const sqlP50 = p50(sqlMs);
  const ratio = rpc / sqlP50;
  const fmt = (ms: number) => ms.toFixed(1).padStart(7);
  console.log('');
  console.log(`one day (${start.toISOString().slice(0, 10)}), hourly, p95 of ${QUERIED}, over ${Number(count).toLocaleString('en')} rows (${settings.runs} runs each)`);
  console.log(`  QueryMetrics RPC   p50 ${fmt(rpc)} ms   min ${fmt(Math.min(...rpcMs))} ms   max ${fmt(Math.max(...rpcMs))} ms`);
  console.log(`  same SQL directly  p50 ${fmt(sqlP50)} ms   min ${fmt(Math.min(...sqlMs))} ms   max ${fmt(Math.max(...sqlMs))} ms`);
  console.log(`  ratio RPC / SQL    ${ratio.toFixed(2)} (goal <= ${GOAL_RATIO}): ${ratio <= GOAL_RATIO ? 'met' : 'NOT met'}`);
  console.log(`  RPC under ${GOAL_MS} ms: ${rpc < GOAL_MS ? 'met' : 'NOT met'}`);
  return 0;
}

runMain('[bench:metrics]', interrupted, main);
