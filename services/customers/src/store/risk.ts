import type { EntityManager } from '@mikro-orm/postgresql';

export interface RiskChange {
  before: { score: number; level: string };
  after: { score: number; level: string };
}

/**
 * Recomputes a customer's risk with calculate_customer_risk_score's formula (through
 * customer_risk_factors, which also gives the factors) and stores score, level, factors and
 * average payment delay on the profile, in the transaction of `em`.
 */
export async function refreshRisk(em: EntityManager, customerId: string): Promise<RiskChange> {
  const rows = await em.getConnection().execute<{ before_score: number; before_level: string; score: number; risk_level: string }[]>(
    `WITH before AS (
         SELECT risk_score, risk_level FROM customer_profiles WHERE customer_id = ? FOR UPDATE
     ), f AS (
         SELECT * FROM customer_risk_factors(?)
     )
     UPDATE customer_profiles p
        SET risk_score = f.score,
            risk_level = f.risk_level,
            risk_factors = to_jsonb(f) - 'score' - 'risk_level',
            average_payment_delay = f.weighted_days_late,
            risk_calculated_at = now()
       FROM f, before
      WHERE p.customer_id = ?
  RETURNING before.risk_score AS before_score, before.risk_level AS before_level, p.risk_score AS score, p.risk_level`,
    [customerId, customerId, customerId],
    'all',
    em.getTransactionContext(),
  );
  const row = rows[0];
  return { before: { score: row.before_score, level: row.before_level }, after: { score: row.score, level: row.risk_level } };
}
