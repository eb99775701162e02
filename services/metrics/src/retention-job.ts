import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Counter } from 'prom-client';
import { systemCall } from '@cec/context';
import type { Logger, ServiceMetrics } from '@cec/observability';
import { inSqlTransaction, sql } from '@cec/orm';
import { repeatEvery, type BackgroundWork } from '@cec/service-runtime';
import { PARTITIONS_AHEAD_DAYS } from './domain/retention';

/** What one run of the retention job did. */
export interface RetentionRun {
  /** Another replica was running the job: this one did nothing. */
  skipped: boolean;
  /** The first UTC day kept (today minus the retention); days before it were dropped. */
  firstKeptDay?: string;
  /** Partitions made (today and the next PARTITIONS_AHEAD_DAYS days) and dropped. */
  made: number;
  dropped: number;
}

/** How long one run may take before its statements are cancelled. */
const RUN_DEADLINE_MS = 60_000;

/**
 * One run of the retention job, in one transaction: if no other replica is running it (a
 * transaction-scoped advisory lock, tried, not waited for), read the retention, make the
 * partitions of today and the next 7 days, drop those of the days before today minus the
 * retention. Dates are the database's UTC dates. The partition functions are idempotent and
 * serialized themselves, so even two runs that both got through would drop each partition once.
 */
export async function enforceRetention(orm: MikroORM): Promise<RetentionRun> {
  const call = systemCall('metrics-retention', randomUUID(), { deadline: new Date(Date.now() + RUN_DEADLINE_MS) });
  return inSqlTransaction(orm, call, async (tx) => {
    const [{ locked }] = await sql<{ locked: boolean }>(tx, "SELECT pg_try_advisory_xact_lock(hashtext('metrics_retention_job')) AS locked");
    if (!locked) return { skipped: true, made: 0, dropped: 0 };
    const [{ today, first_kept }] = await sql<{ today: string; first_kept: string }>(
      tx,
      "SELECT (now() AT TIME ZONE 'UTC')::date::text AS today, ((now() AT TIME ZONE 'UTC')::date - days)::text AS first_kept FROM metrics_retention",
    );
    const [{ made }] = await sql<{ made: number }>(tx, 'SELECT ensure_system_metrics_partitions(?::date, ?::date + ?::int) AS made', [today, today, PARTITIONS_AHEAD_DAYS]);
    const [{ dropped }] = await sql<{ dropped: number }>(tx, 'SELECT drop_system_metrics_partitions_before(?::date) AS dropped', [first_kept]);
    return { skipped: false, firstKeptDay: first_kept, made, dropped };
  });
}

/**
 * The retention job every `intervalMs` (the first run 1 s after start, so a new deployment
 * has its partitions ahead at once): safe on every replica. Counted in
 * metrics_partitions_made_total / metrics_partitions_dropped_total; failures are logged and
 * the next run comes as usual.
 */
export function startRetentionJob(orm: MikroORM, logger: Logger, metrics: ServiceMetrics, intervalMs: number): BackgroundWork {
  const made = new Counter({ name: 'metrics_partitions_made_total', help: 'Daily partitions of system_metrics made by the retention job.', registers: [metrics.registry] });
  const dropped = new Counter({
    name: 'metrics_partitions_dropped_total',
    help: 'Daily partitions of system_metrics dropped by the retention job (with their samples).',
    registers: [metrics.registry],
  });
  const failures = new Counter({ name: 'metrics_retention_failures_total', help: 'Runs of the retention job that failed.', registers: [metrics.registry] });
  return repeatEvery(
    intervalMs,
    async () => {
      try {
        const run = await enforceRetention(orm);
        made.inc(run.made);
        dropped.inc(run.dropped);
        if (run.made || run.dropped) logger.info(run, `retention: ${run.dropped} old days dropped (before ${run.firstKeptDay}), ${run.made} partitions made ahead`);
      } catch (error) {
        failures.inc();
        logger.warn({ err: { message: (error as Error).message } }, `retention job failed (tried again in ${intervalMs} ms): ${(error as Error).message}`);
      }
    },
    { firstDelayMs: Math.min(intervalMs, 1_000) },
  );
}
