import type { MikroORM } from '@mikro-orm/postgresql';
import { sqlCollector, type MetricsCollector } from '@cec/service-runtime';

/**
 * `compliance_decisions`: the contact decisions of each minute (by `created_at`, the time of
 * the decision), counted by `result` (ALLOW, DEFER, DENY) and `channel` (email, phone, sms).
 * One grouped scan of the range; a result without decisions in a minute has no sample.
 */
export const DECISIONS_BY_MINUTE_SQL = `
SELECT 'compliance_decisions' AS name, 'counter' AS type, NULL::text AS unit,
       date_trunc('minute', created_at, 'UTC') AS minute,
       jsonb_build_object('result', upper(result), 'channel', channel) AS labels,
       count(*) AS value
  FROM compliance_decisions
 WHERE created_at >= $1 AND created_at < $2
 GROUP BY date_trunc('minute', created_at, 'UTC'), result, channel`;

/** The compliance service's business metrics, for the metrics feed. */
export function complianceBusinessMetrics(orm: MikroORM): MetricsCollector {
  return sqlCollector(orm, 'compliance', DECISIONS_BY_MINUTE_SQL);
}
