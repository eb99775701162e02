import { createHash, randomUUID } from 'node:crypto';
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Counter, Gauge } from 'prom-client';
import { intInRange } from '@cec/config';
import { systemCall } from '@cec/context';
import type { Logger, ServiceMetrics } from '@cec/observability';
import { pgTimestampRequired, runStatement } from '@cec/orm';
import { metricsV1 } from '@cec/proto';
import { repeatEvery } from './repeat-every';
import type { BackgroundWork } from './start-service';

/*
 * The business metrics feed: what a business owner wants over time (tasks created, decisions,
 * payments, ...) sent to the metrics service (RecordMetrics) off the request path.
 *
 * Nothing is kept in memory that a crash could lose: every run asks the service's OWN tables
 * for the per-minute aggregates of the whole UTC minutes not sent yet, and sends them with a
 * client_key that names the metric, its labels and its minute. The metrics service records a
 * (source, client_key, time) once, so a minute sent twice (a retry, a restart that looks back,
 * a second replica doing the same) is recorded once.
 */

/** The variables of the feed, for a service's spec.env. */
export const METRICS_FEED_ENV = {
  METRICS_FEED_INTERVAL_MS: intInRange(0, 3_600_000)({
    default: 60_000,
    desc: "How often the service sends its business metrics (per-minute aggregates of its own tables) to the metrics service (0: never). Safe on every replica.",
  }),
  METRICS_FEED_LOOKBACK_MS: intInRange(60_000, 23 * 3_600_000)({
    default: 3_600_000,
    desc: 'How far back the feed looks at start and after an outage of the metrics service: minutes older than this are not sent (at most 23 h: the shortest retention of the metrics service is 1 day).',
  }),
};

/** The client of the metrics service the feed sends with, for a service's spec.clients (`METRICS_ADDRESS`). */
export const METRICS_FEED_CLIENT = { peer: 'metrics', client: metricsV1.MetricsServiceClient } as const;

/** Samples per RecordMetrics call: the most the metrics service takes. */
export const MAX_BATCH = 1000;
/**
 * A minute is sent once it ended this long ago. Rows carry the time their transaction
 * started (created_at DEFAULT now()), and a transaction commits after it started: a row of
 * 12:00 may become visible at 12:01:05. Reading 12:00 at 12:01:30 sees every transaction of
 * 12:00 that took less than 30 s (the platform's calls end within their deadlines, 5-30 s).
 */
export const DEFAULT_SETTLE_MS = 30_000;

/** A range of whole UTC minutes: [from, to). */
export interface MinuteRange {
  from: Date;
  to: Date;
}

/** One aggregate of one minute, as a collector answers it. */
export interface FeedSample {
  /** e.g. "tasks_created" (a-z, 0-9, _). */
  name: string;
  /** counter: what happened within the minute (a count, a sum); gauge: a level at the minute. */
  type: 'counter' | 'gauge';
  value: number;
  /** e.g. "EUR"; empty for counts. */
  unit?: string;
  /** Bounded dimensions only (task type, result, currency): never customer data. */
  labels: Record<string, string>;
  /** The minute's first instant (a whole UTC minute within the range asked for). */
  minute: Date;
}

/** Reads the per-minute aggregates of a range from the service's own tables. */
export type MetricsCollector = (range: MinuteRange) => Promise<FeedSample[]>;

/** What one run did. */
export interface FeedRun {
  /** The minutes looked at (none when no whole minute was due). */
  range?: MinuteRange;
  /** Samples acknowledged by the metrics service (new and already recorded). */
  sent: number;
  recorded: number;
  duplicates: number;
  /** Why the run stopped early (it is tried again at the next run, from the same minute). */
  error?: string;
}

export interface MetricsFeed extends BackgroundWork {
  /** One run now (after the one running, if any): for tests and for a last send. */
  runOnce(): Promise<FeedRun>;
  /** The first minute not sent yet. */
  watermark(): Date;
}

export interface MetricsFeedOptions {
  /** The calling service (logs, the collector's system call). */
  service: string;
  collector: MetricsCollector;
  client: metricsV1.MetricsServiceClient;
  logger: Logger;
  /** The service's registry: metrics_feed_* are added to it. */
  metrics: ServiceMetrics;
  /** 0: no loop (runOnce still works). */
  intervalMs: number;
  lookbackMs: number;
  settleMs?: number;
  /** At most MAX_BATCH. */
  batchSize?: number;
  /** Deadline of one RecordMetrics call. Default 30 s. */
  callTimeoutMs?: number;
  /** The clock (tests). */
  now?: () => number;
}

const MINUTE_MS = 60_000;
const floorMinute = (ms: number): number => Math.floor(ms / MINUTE_MS) * MINUTE_MS;

/**
 * The client_key of a sample: its name, its minute and a hash of its sorted labels (stable
 * across runs, replicas and restarts; at most 200 characters, as the metrics service asks).
 */
export function feedClientKey(sample: Pick<FeedSample, 'name' | 'labels' | 'minute'>): string {
  const labels = Object.keys(sample.labels)
    .sort()
    .map((key) => [key, sample.labels[key]]);
  const hash = createHash('sha256').update(JSON.stringify(labels)).digest('hex').slice(0, 32);
  return `${sample.name}/${sample.minute.toISOString()}/${hash}`;
}

const toProto = (s: FeedSample): metricsV1.MetricSample => ({
  name: s.name,
  type: s.type === 'counter' ? metricsV1.MetricType.METRIC_TYPE_COUNTER : metricsV1.MetricType.METRIC_TYPE_GAUGE,
  value: s.value,
  unit: s.unit ?? '',
  labels: s.labels,
  time: s.minute,
  clientKey: feedClientKey(s),
  source: '',
});

/**
 * The feed of one service: every `intervalMs`, the whole UTC minutes that ended at least
 * `settleMs` ago and come after the watermark (and within `lookbackMs` of now) are read with
 * `collector` and sent in batches of at most `batchSize`; the watermark moves past a minute
 * once every sample of it is acknowledged. A failure (the metrics service absent, the
 * database) is logged once as a warning, counted, and the same minutes are tried at the next
 * run. At start the watermark is now minus `lookbackMs`: a restart re-sends the last minutes,
 * which the metrics service's idempotency records once.
 */
export function startMetricsFeed(options: MetricsFeedOptions): MetricsFeed {
  const { service, collector, client, logger, intervalMs, lookbackMs } = options;
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
  const batchSize = Math.min(options.batchSize ?? MAX_BATCH, MAX_BATCH);
  const callTimeoutMs = options.callTimeoutMs ?? 30_000;
  const now = options.now ?? Date.now;
  const registers = [options.metrics.registry];

  const sentTotal = new Counter({ name: 'metrics_feed_samples_sent_total', help: 'Business metric samples the metrics service acknowledged (new and already recorded).', registers });
  const failures = new Counter({ name: 'metrics_feed_failures_total', help: 'Runs of the metrics feed that stopped on an error (tried again at the next run).', registers });
  let watermark = floorMinute(now() - lookbackMs);
  new Gauge({
    name: 'metrics_feed_lag_seconds',
    help: 'Seconds from the first minute not sent yet to now (about the settle delay plus the interval when the feed keeps up).',
    registers,
    collect() {
      this.set(Math.max(0, (now() - watermark) / 1000));
    },
  });

  let failing = false;
  const send = (batch: FeedSample[]): Promise<metricsV1.RecordMetricsResponse> =>
    new Promise((resolve, reject) => {
      client.recordMetrics({ samples: batch.map(toProto) }, new Metadata(), { deadline: new Date(Date.now() + callTimeoutMs) }, (error, response) =>
        error ? reject(error) : resolve(response),
      );
    });

  const run = async (): Promise<FeedRun> => {
    const at = now();
    const to = floorMinute(at - settleMs);
    const from = Math.max(watermark, floorMinute(at - lookbackMs));
    if (to <= from) return { sent: 0, recorded: 0, duplicates: 0 };
    const range = { from: new Date(from), to: new Date(to) };
    const result: FeedRun = { range, sent: 0, recorded: 0, duplicates: 0 };
    try {
      const samples = (await collector(range)).sort((a, b) => a.minute.getTime() - b.minute.getTime());
      const outside = samples.find((s) => s.minute.getTime() < from || s.minute.getTime() >= to || s.minute.getTime() % MINUTE_MS !== 0);
      if (outside) throw new Error(`the collector answered a sample of ${outside.minute.toISOString()} for ${outside.name}, not a whole minute of [${range.from.toISOString()}, ${range.to.toISOString()})`);
      for (let i = 0; i < samples.length; i += batchSize) {
        const response = await send(samples.slice(i, i + batchSize));
        const next = samples[i + batchSize];
        // Every minute before the next batch's first is acknowledged whole.
        if (next) watermark = Math.max(watermark, next.minute.getTime());
        result.sent += Math.min(batchSize, samples.length - i);
        result.recorded += response.recordedCount;
        result.duplicates += response.duplicateCount;
        sentTotal.inc(Math.min(batchSize, samples.length - i));
      }
      watermark = Math.max(watermark, to);
      if (failing) logger.info({ sent: result.sent, from: range.from, to: range.to }, 'metrics feed: the metrics service takes the samples again; the minutes held back are sent');
      failing = false;
      return result;
    } catch (error) {
      failures.inc();
      const message = (error as ServiceError).details || (error as Error).message;
      const fields = { err: { message, code: (error as ServiceError).code }, first_unsent_minute: new Date(watermark) };
      if (!failing) {
        logger.warn(fields, `metrics feed: could not send the business metrics (${message}); nothing is lost: the same minutes are tried every ${intervalMs} ms until they are (within METRICS_FEED_LOOKBACK_MS)`);
      } else logger.debug(fields, 'metrics feed: still failing');
      failing = true;
      return { ...result, error: message };
    }
  };

  // Runs one after another: the loop's and runOnce()'s never overlap.
  let queue: Promise<unknown> = Promise.resolve();
  const runOnce = (): Promise<FeedRun> => {
    const next = queue.then(run, run);
    queue = next;
    return next;
  };
  // The first run soon after start (the lookback's minutes), once the peer connection had a moment.
  const loop = repeatEvery(intervalMs, runOnce, { firstDelayMs: Math.min(intervalMs, 5_000) });
  logger.info(
    { interval_ms: intervalMs, lookback_ms: lookbackMs, settle_ms: settleMs, from: new Date(watermark) },
    intervalMs > 0 ? `metrics feed of ${service}: every ${intervalMs} ms` : `metrics feed of ${service}: off (METRICS_FEED_INTERVAL_MS=0)`,
  );
  return {
    runOnce,
    watermark: () => new Date(watermark),
    stop: async () => {
      await loop.stop();
      await queue;
    },
  };
}

/** Statement deadline of a collector's read. */
const COLLECT_DEADLINE_MS = 30_000;

/** What a collector's statement answers, one row per sample. */
interface CollectedRow {
  name: string;
  type: 'counter' | 'gauge';
  unit: string | null;
  minute: string | Date;
  labels: Record<string, string>;
  value: number | string;
}

/**
 * A collector that runs ONE statement over the service's own tables: `$1` and `$2` are the
 * range's bounds (timestamptz, [from, to)); it answers the columns name, type ('counter' or
 * 'gauge'), unit (text or NULL), minute (timestamptz, date_trunc('minute', ...)), labels
 * (jsonb object of text values) and value. Read-only, under a 30 s deadline.
 */
export function sqlCollector(orm: MikroORM, service: string, statement: string): MetricsCollector {
  return async ({ from, to }) => {
    const call = systemCall(`${service}.metrics-feed`, randomUUID(), { deadline: new Date(Date.now() + COLLECT_DEADLINE_MS) });
    const rows = await runStatement<CollectedRow>(orm, call, statement, [from, to], { readOnly: true });
    return rows.map((r) => ({
      name: r.name,
      type: r.type,
      unit: r.unit ?? undefined,
      minute: pgTimestampRequired(r.minute),
      labels: r.labels,
      value: Number(r.value),
    }));
  };
}

/** What a service's background() gets that the feed needs. */
export interface MetricsFeedDeps {
  logger: Logger;
  metrics: ServiceMetrics;
  settings: { METRICS_FEED_INTERVAL_MS: number; METRICS_FEED_LOOKBACK_MS: number };
  clients: { metricsService: metricsV1.MetricsServiceClient };
}

/** The feed of a service from its deps (spec.env with METRICS_FEED_ENV, spec.clients with metricsService: METRICS_FEED_CLIENT). */
export function metricsFeedOf(service: string, deps: MetricsFeedDeps, collector: MetricsCollector): MetricsFeed {
  return startMetricsFeed({
    service,
    collector,
    client: deps.clients.metricsService,
    logger: deps.logger,
    metrics: deps.metrics,
    intervalMs: deps.settings.METRICS_FEED_INTERVAL_MS,
    lookbackMs: deps.settings.METRICS_FEED_LOOKBACK_MS,
  });
}
