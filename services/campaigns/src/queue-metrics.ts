import type { MikroORM } from '@mikro-orm/postgresql';
import { Gauge } from 'prom-client';
import { systemCall } from '@cec/context';
import { readPerScrape, type Logger, type ServiceMetrics } from '@cec/observability';
import { runStatement } from '@cec/orm';
import type { BackgroundWork } from '@cec/service-runtime';

/** Task types (the tasks_type_check of the schema): each is shown, at 0 when it has no task. */
const TASK_TYPES = ['send_email', 'send_sms', 'make_call', 'send_letter', 'research', 'manual_review'] as const;
const OPEN_STATUSES = ['pending', 'assigned', 'in_progress'] as const;
/** A scrape waits this long for the database at most; past it, the gauges keep their last values. */
const SCRAPE_STATEMENT_MS = 2_000;

interface QueueRow {
  type: string;
  status: string;
  n: number;
  oldest_pending_age_seconds: number;
}

/** One statement over idx_tasks_status: the open tasks by type and status, and the oldest pending one's age. */
const QUEUE_SQL = `SELECT type, status, count(*)::int AS n,
                          COALESCE(extract(epoch FROM now() - min(created_at)), 0)::float8 AS oldest_pending_age_seconds
                     FROM tasks
                    WHERE status IN ('pending', 'assigned', 'in_progress')
                    GROUP BY type, status`;

/**
 * The task queue as Prometheus gauges, read from the database at scrape time with one
 * statement (cancelled after 2 s): `campaigns_task_queue_depth{type,status}` for the open
 * statuses and `campaigns_task_oldest_pending_age_seconds{type}` (now minus the created_at of
 * the oldest pending task; 0: none). The two gauges of a scrape share one read. A read
 * that fails is logged and the gauges keep the values of the last read that worked.
 */
export function watchTaskQueue(orm: MikroORM, logger: Logger, metrics: ServiceMetrics): BackgroundWork {
  const read = readPerScrape((): Promise<QueueRow[] | undefined> => {
    const call = systemCall('campaigns.metrics', 'metrics-scrape', {
      deadline: new Date(Date.now() + SCRAPE_STATEMENT_MS),
      signal: AbortSignal.timeout(SCRAPE_STATEMENT_MS),
    });
    return runStatement<QueueRow>(orm, call, QUEUE_SQL, [], { readOnly: true }).catch((error: Error) => {
      logger.warn({ err: { message: error.message } }, 'could not read the task queue for /metrics; the gauges keep their last values');
      return undefined;
    });
  });
  new Gauge({
    name: 'campaigns_task_queue_depth',
    help: 'Open tasks in the queue, by task type and status (pending, assigned, in_progress).',
    labelNames: ['type', 'status'] as const,
    registers: [metrics.registry],
    async collect() {
      const rows = await read();
      if (!rows) return;
      const depth = new Map(rows.map((r) => [`${r.type}/${r.status}`, r.n]));
      const types = new Set<string>([...TASK_TYPES, ...rows.map((r) => r.type)]);
      for (const type of types) for (const status of OPEN_STATUSES) this.set({ type, status }, depth.get(`${type}/${status}`) ?? 0);
    },
  });
  new Gauge({
    name: 'campaigns_task_oldest_pending_age_seconds',
    help: 'Age in seconds (now minus created_at) of the oldest pending task, by task type (0: no pending task).',
    labelNames: ['type'] as const,
    registers: [metrics.registry],
    async collect() {
      const rows = await read();
      if (!rows) return;
      const age = new Map(rows.filter((r) => r.status === 'pending').map((r) => [r.type, r.oldest_pending_age_seconds]));
      const types = new Set<string>([...TASK_TYPES, ...rows.map((r) => r.type)]);
      for (const type of types) this.set({ type }, age.get(type) ?? 0);
    },
  });
  return { stop: async () => undefined };
}
