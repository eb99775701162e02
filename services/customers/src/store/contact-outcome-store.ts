import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { CallContext } from '@cec/context';
import { NotFoundError } from '@cec/errors';
import { inTransaction, recordAuditEvents, sql } from '@cec/orm';
import type { ContactMethod } from '../domain/values';
import { refreshRisk } from './risk';

/** How one contact with a customer went (from the campaigns service), by its attempt id. */
export interface ContactOutcomeInput {
  attemptId: string;
  customerId: string;
  channel: ContactMethod;
  reached: boolean;
  responded: boolean;
  attemptedAt: Date;
}

/** The response rate counts the contacts of this many days before now. */
export const RESPONSE_RATE_WINDOW_DAYS = 365;

interface ChangedRow {
  attempt_id: string;
  customer_id: string;
  reached: boolean;
  responded: boolean;
  /** "reached,responded" before this call changed it; null for an outcome this call inserted. */
  earlier: string | null;
}

/**
 * customer_contact_outcomes, and the response rate and risk score computed from them.
 *
 * An outcome only moves on from "reached, no response yet" (sent, delivered, opened) to a final
 * one: responded (answered, replied) or not reached (bounced, failed). A final outcome never
 * changes and a repeat changes nothing, so reports that arrive twice or out of order leave the
 * same result.
 */
export class ContactOutcomeStore {
  constructor(private readonly orm: MikroORM) {}

  /**
   * Stores the outcomes in one transaction: NOT_FOUND (and nothing stored) if any customer is
   * unknown. For each customer with a change: response_rate = responded / reached contacts of
   * the last RESPONSE_RATE_WINDOW_DAYS days (NULL, "unknown", without any reached one; contacts
   * that bounced or failed do not count), then the risk score again (customer_risk_factors reads
   * the response rate), each audited. Returns how many outcomes changed something.
   */
  async record(outcomes: ContactOutcomeInput[], call: CallContext): Promise<number> {
    return inTransaction(this.orm.em.fork() as EntityManager, call, async (tx) => {
      const customerIds = [...new Set(outcomes.map((o) => o.customerId))].sort();
      // One lock order for every writer of these profiles (refreshRisk locks them too).
      const locked = await sql<{ customer_id: string }>(
        tx,
        'SELECT customer_id FROM customer_profiles WHERE customer_id = ANY(?::uuid[]) ORDER BY customer_id FOR UPDATE',
        [customerIds],
      );
      const known = new Set(locked.map((r) => r.customer_id));
      const unknown = customerIds.find((id) => !known.has(id));
      if (unknown) throw NotFoundError.resource('customer', unknown);

      const changed = await sql<ChangedRow>(
        tx,
        `WITH input AS (
           SELECT i.* FROM jsonb_to_recordset(?::jsonb)
                    AS i(attempt_id uuid, customer_id uuid, channel text, reached boolean, responded boolean, attempted_at timestamptz)
         ), earlier AS (
           SELECT o.attempt_id, o.reached || ',' || o.responded AS earlier FROM customer_contact_outcomes o JOIN input USING (attempt_id)
         )
         INSERT INTO customer_contact_outcomes AS o (attempt_id, customer_id, channel, reached, responded, attempted_at)
         SELECT attempt_id, customer_id, channel, reached, responded, attempted_at FROM input
         ON CONFLICT (attempt_id) DO UPDATE SET reached = EXCLUDED.reached, responded = EXCLUDED.responded
          WHERE o.reached AND NOT o.responded AND (EXCLUDED.reached, EXCLUDED.responded) IS DISTINCT FROM (o.reached, o.responded)
         RETURNING o.attempt_id, o.customer_id, o.reached, o.responded, (SELECT e.earlier FROM earlier e WHERE e.attempt_id = o.attempt_id) AS earlier`,
        [
          JSON.stringify(
            outcomes.map((o) => ({
              attempt_id: o.attemptId,
              customer_id: o.customerId,
              channel: o.channel,
              reached: o.reached,
              responded: o.responded,
              attempted_at: o.attemptedAt.toISOString(),
            })),
          ),
        ],
      );
      if (!changed.length) return 0;

      const touched = [...new Set(changed.map((r) => r.customer_id))].sort();
      const rates = await sql<{ customer_id: string; before: string | null; after: string | null }>(
        tx,
        `WITH rates AS (
           SELECT c.id AS customer_id,
                  round((SELECT count(*) FILTER (WHERE o.responded)::numeric / NULLIF(count(*), 0)
                           FROM customer_contact_outcomes o
                          WHERE o.customer_id = c.id AND o.reached
                            AND o.attempted_at > now() - make_interval(days => ?)), 4) AS rate
             FROM unnest(?::uuid[]) AS c(id)
         ), old AS (
           SELECT p.customer_id, p.response_rate FROM customer_profiles p JOIN rates USING (customer_id)
         )
         UPDATE customer_profiles p SET response_rate = r.rate
           FROM rates r JOIN old USING (customer_id)
          WHERE p.customer_id = r.customer_id
         RETURNING p.customer_id, old.response_rate::text AS before, p.response_rate::text AS after`,
        [RESPONSE_RATE_WINDOW_DAYS, touched],
      );
      const risks = new Map<string, Awaited<ReturnType<typeof refreshRisk>>>();
      for (const id of touched) risks.set(id, await refreshRisk(tx, id));

      await recordAuditEvents(tx, [
        ...changed.map((r) => ({
          entityType: 'contact_outcome',
          entityId: r.attempt_id,
          action: r.earlier === null ? 'recorded' : 'updated',
          actor: call.actor,
          details: { request_id: call.requestId, customer_id: r.customer_id, reached: r.reached, responded: r.responded, ...(r.earlier === null ? {} : { before: r.earlier }) },
        })),
        ...rates.map((r) => ({
          entityType: 'customer_profile',
          entityId: r.customer_id,
          action: 'response_rate_recalculated',
          actor: call.actor,
          details: {
            request_id: call.requestId,
            window_days: RESPONSE_RATE_WINDOW_DAYS,
            response_rate: { before: r.before, after: r.after },
            risk: { before: risks.get(r.customer_id)?.before, after: risks.get(r.customer_id)?.after },
          },
        })),
      ]);
      return changed.length;
    });
  }
}
