import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { pgTimestampRequired, sql } from '@cec/orm';
import type { Aggregate, Bucket, MetricPoint, MetricQuery } from '../domain/queries';
import { daysOf, type MetricType, type Sample } from '../domain/samples';

/** What each aggregate computes over a bucket's samples (value is numeric; answers are float8). */
export const AGGREGATE_SQL: Record<Aggregate, string> = {
  count: 'count(*)::float8',
  sum: 'sum(value)::float8',
  avg: 'avg(value)::float8',
  min: 'min(value)::float8',
  max: 'max(value)::float8',
  p95: 'percentile_cont(0.95) WITHIN GROUP (ORDER BY value::float8)',
};

export const BUCKET_INTERVAL: Record<Bucket, string> = { minute: '1 minute', hour: '1 hour', day: '1 day' };

/**
 * The bucketed query (bench/metrics runs the same text directly). Parameters: bucket interval,
 * name, start, end, then the label filter (jsonb) when `withLabels`. Buckets start at whole UTC
 * minutes, hours and days (date_bin from a UTC midnight).
 */
export function bucketedQuerySql(aggregate: Aggregate, withLabels: boolean): string {
  return `SELECT date_bin(?::interval, recorded_at, '2000-01-01 00:00:00+00') AS bucket,
       ${AGGREGATE_SQL[aggregate]} AS value, count(*) AS n
  FROM system_metrics
 WHERE metric_name = ? AND recorded_at >= ? AND recorded_at < ?${withLabels ? ' AND labels @> ?::jsonb' : ''}
 GROUP BY 1 ORDER BY 1`;
}

export interface MetricNameRecord {
  name: string;
  type: MetricType;
  unit: string | null;
  lastSampleTime: Date;
}

/** The insert of a batch, one statement: all or nothing; samples recorded before are skipped. */
const INSERT = `WITH s AS (
  SELECT * FROM unnest(?::text[], ?::text[], ?::numeric[], ?::text[], ?::jsonb[], ?::timestamptz[], ?::text[])
           AS s(metric_name, metric_type, value, unit, labels, recorded_at, client_key)
), ins AS (
  INSERT INTO system_metrics (metric_name, metric_type, value, unit, labels, source, recorded_at, client_key)
  SELECT metric_name, metric_type, value, unit, labels, ?, recorded_at, client_key FROM s
  ON CONFLICT (source, client_key, recorded_at) WHERE client_key IS NOT NULL DO NOTHING
  RETURNING 1
)
SELECT count(*)::int AS recorded FROM ins`;

/** Makes the partitions of the given UTC days that are missing (migration 013's function). */
const ENSURE_DAYS = 'SELECT coalesce(sum(ensure_system_metrics_partitions(d, d)), 0)::int AS made FROM unnest(?::date[]) d';

const isMissingPartition = (error: unknown): boolean =>
  (error as { code?: string }).code === '23514' && /no partition/.test((error as Error).message ?? '');

/** system_metrics: samples in, buckets and names out. */
export class SampleStore {
  constructor(private readonly orm: MikroORM) {}

  private em(): EntityManager {
    return this.orm.em.fork() as EntityManager;
  }

  /**
   * Records the batch in one statement (all or nothing) as `source`; returns how many were new.
   * A day without a partition yet (the retention job makes them 7 days ahead; a late sample of
   * a day before the service's first start) is made, and the batch tried once more.
   */
  async record(samples: readonly Sample[], source: string): Promise<number> {
    const params = [
      samples.map((s) => s.name),
      samples.map((s) => s.type),
      samples.map((s) => String(s.value)),
      samples.map((s) => s.unit),
      samples.map((s) => JSON.stringify(s.labels)),
      samples.map((s) => s.time.toISOString()),
      samples.map((s) => s.clientKey),
      source,
    ];
    try {
      return (await sql<{ recorded: number }>(this.em(), INSERT, params))[0].recorded;
    } catch (error) {
      if (!isMissingPartition(error)) throw error;
      await this.ensurePartitions(daysOf(samples.map((s) => s.time)));
      return (await sql<{ recorded: number }>(this.em(), INSERT, params))[0].recorded;
    }
  }

  /** Makes the missing partitions of these UTC days; returns how many it made. */
  async ensurePartitions(days: readonly string[]): Promise<number> {
    return (await sql<{ made: number }>(this.em(), ENSURE_DAYS, [days]))[0].made;
  }

  /** One point per bucket with samples, oldest first. */
  async query(q: MetricQuery): Promise<MetricPoint[]> {
    const withLabels = Object.keys(q.labels).length > 0;
    const params: unknown[] = [BUCKET_INTERVAL[q.bucket], q.name, q.start.toISOString(), q.end.toISOString()];
    if (withLabels) params.push(JSON.stringify(q.labels));
    const rows = await sql<{ bucket: string | Date; value: number; n: string }>(this.em(), bucketedQuerySql(q.aggregate, withLabels), params);
    return rows.map((r) => ({ start: pgTimestampRequired(r.bucket), value: r.value, count: Number(r.n) }));
  }

  /** Whether any sample has this name. */
  async hasName(name: string): Promise<boolean> {
    const [row] = await sql<{ found: boolean }>(this.em(), 'SELECT EXISTS (SELECT 1 FROM system_metrics WHERE metric_name = ?) AS found', [name]);
    return row.found;
  }

  /**
   * The names after `after` in name order, at most `limit`, each with its newest sample's type,
   * unit and time. Distinct names by skipping through the name index (one probe per name),
   * never a scan of the table.
   */
  async listNames(after: string, limit: number): Promise<MetricNameRecord[]> {
    const rows = await sql<{ name: string; metric_type: MetricType; unit: string | null; recorded_at: string }>(
      this.em(),
      `WITH RECURSIVE names(name) AS (
         SELECT min(metric_name) FROM system_metrics WHERE metric_name > ?
         UNION ALL
         SELECT (SELECT min(metric_name) FROM system_metrics WHERE metric_name > names.name) FROM names WHERE names.name IS NOT NULL
       )
       SELECT n.name, last.metric_type, last.unit, last.recorded_at::text
         FROM (SELECT name FROM names WHERE name IS NOT NULL LIMIT ?) n
        CROSS JOIN LATERAL (SELECT metric_type, unit, recorded_at FROM system_metrics s
                             WHERE s.metric_name = n.name ORDER BY recorded_at DESC LIMIT 1) last
        ORDER BY n.name`,
      [after, limit],
    );
    return rows.map((r) => ({ name: r.name, type: r.metric_type, unit: r.unit, lastSampleTime: pgTimestampRequired(r.recorded_at) }));
  }
}
