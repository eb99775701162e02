import type { MikroORM } from '@mikro-orm/postgresql';
import { sqlCollector, type MetricsCollector } from '@cec/service-runtime';

/**
 * The payments of each minute per currency, from the ledger (`payments`, by `recorded_at`: when
 * the payment was entered, which is what a minute can be settled on; `paid_date` is only a
 * day): `payments_recorded` (how many, no unit) and `payments_recovered` (the sum of their
 * amounts, unit = the currency code). Amounts are never added across currencies. One scan of
 * the range; minutes without payments have no sample.
 */
export const PAYMENTS_BY_MINUTE_SQL = `
SELECT m.name, 'counter' AS type, m.unit, p.minute, jsonb_build_object('currency', p.currency) AS labels, m.value
  FROM (SELECT date_trunc('minute', recorded_at, 'UTC') AS minute, currency::text AS currency,
               count(*)::numeric AS n, sum(amount) AS total
          FROM payments
         WHERE recorded_at >= $1 AND recorded_at < $2
         GROUP BY 1, 2) p
 CROSS JOIN LATERAL (VALUES ('payments_recorded', NULL::text, p.n),
                            ('payments_recovered', p.currency, p.total)) AS m(name, unit, value)`;

/** The customers service's business metrics, for the metrics feed. */
export function customersBusinessMetrics(orm: MikroORM): MetricsCollector {
  return sqlCollector(orm, 'customers', PAYMENTS_BY_MINUTE_SQL);
}
