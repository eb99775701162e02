import { NotFoundError } from '@cec/errors';
import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from '@cec/orm';

export interface RiskChange {
  before: { score: number; level: string };
  after: { score: number; level: string };
}

/**
 * Recomputes a customer's risk with calculate_customer_risk_score's formula (through
 * customer_risk_factors, which also gives the factors) and stores score, level, factors and
 * average payment delay on the profile, in the transaction of `em`.
 *
 * The profile is locked by a statement of its own first, and held until commit: the
 * statement that reads the invoices takes its snapshot when it starts, so if it also waited
 * for the lock it could miss a change committed while it waited, and two concurrent changes
 * of one customer's invoices would each store a score without the other.
 */
export async function refreshRisk(em: EntityManager, customerId: string): Promise<RiskChange> {
  const locked = await sql<{ risk_score: number; risk_level: string }>(
    em,
    'SELECT risk_score, risk_level FROM customer_profiles WHERE customer_id = ? FOR UPDATE',
    [customerId],
  );
  if (!locked.length) throw NotFoundError.resource('customer profile', customerId);
  const [after] = await sql<{ score: number; risk_level: string }>(
    em,
    `UPDATE customer_profiles p
        SET risk_score = f.score,
            risk_level = f.risk_level,
            -- Money totals as strings: a jsonb number would come back as a lossy JS number.
            risk_factors = (to_jsonb(f) - 'score' - 'risk_level')
                           || jsonb_build_object('total_invoiced', f.total_invoiced::text,
                                                 'overdue_balance', f.overdue_balance::text),
            average_payment_delay = f.weighted_days_late,
            risk_calculated_at = now()
       FROM customer_risk_factors(?) f
      WHERE p.customer_id = ?
  RETURNING p.risk_score AS score, p.risk_level`,
    [customerId, customerId],
  );
  return {
    before: { score: locked[0].risk_score, level: locked[0].risk_level },
    after: { score: after.score, level: after.risk_level },
  };
}
