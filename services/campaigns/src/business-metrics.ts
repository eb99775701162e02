import type { MikroORM } from '@mikro-orm/postgresql';
import { sqlCollector, type MetricsCollector } from '@cec/service-runtime';

/**
 * The task queue's flow per minute and `task_type` (send_email, send_sms, make_call,
 * send_letter, research, manual_review: the channel of a contact task):
 * - `tasks_created`: by `created_at`;
 * - `tasks_completed` and `tasks_failed`: by `completed_at`, the time a task ended for good
 *   (a failure with attempts left goes back to the queue and is not counted until it ends).
 * One statement; minutes without tasks have no sample.
 */
export const TASKS_BY_MINUTE_SQL = `
SELECT 'tasks_created' AS name, 'counter' AS type, NULL::text AS unit,
       date_trunc('minute', created_at, 'UTC') AS minute, jsonb_build_object('task_type', type) AS labels, count(*) AS value
  FROM tasks
 WHERE created_at >= $1 AND created_at < $2
 GROUP BY date_trunc('minute', created_at, 'UTC'), type
UNION ALL
SELECT CASE status WHEN 'completed' THEN 'tasks_completed' ELSE 'tasks_failed' END, 'counter', NULL,
       date_trunc('minute', completed_at, 'UTC'), jsonb_build_object('task_type', type), count(*)
  FROM tasks
 WHERE completed_at >= $1 AND completed_at < $2 AND status IN ('completed', 'failed')
 GROUP BY status, date_trunc('minute', completed_at, 'UTC'), type`;

/** The campaigns service's business metrics, for the metrics feed. */
export function campaignsBusinessMetrics(orm: MikroORM): MetricsCollector {
  return sqlCollector(orm, 'campaigns', TASKS_BY_MINUTE_SQL);
}
