import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { CallContext } from '@cec/context';
import { Violations } from '@cec/errors';
import { inTransaction, recordAuditEvents, sql } from '@cec/orm';
import type { Channel, Outcome } from '../domain/types';
import { actorName, lockCustomers } from './call-rows';

/** A contact attempt as campaigns reports it. */
export interface AttemptInput {
  attemptId: string;
  customerId: string;
  channel: Channel;
  at: Date;
  outcome: Outcome;
  decisionId?: string;
}

/**
 * How far along an attempt's outcome is. A report of an attempt already recorded upgrades its
 * outcome when the new one is further along (delivered, then replied; a call answered: the
 * cool-downs after a conversation depend on it), and changes nothing otherwise, so reports
 * arriving late or twice are harmless. bounced, failed, no_answer and voicemail end an attempt
 * that was only sent; nothing moves off answered or replied.
 */
export const OUTCOME_RANK: Record<Outcome, number> = {
  sent: 0,
  delivered: 1,
  bounced: 1,
  failed: 1,
  no_answer: 1,
  voicemail: 1,
  opened: 2,
  answered: 3,
  replied: 3,
};
const OUTCOME_RANK_JSON = JSON.stringify(OUTCOME_RANK);

interface RecordedRow {
  attempt_id: string;
  decision_id: string | null;
  customer_id: string;
  channel: string;
  attempted_at: string;
  outcome: string;
  /** The outcome before this call upgraded it; null for an attempt this call inserted. */
  earlier_outcome: string | null;
}

/** compliance_contact_attempts: what caps and cool-downs count; an attempt with its decision consumes the decision's reservation. */
export class AttemptStore {
  constructor(private readonly orm: MikroORM) {}

  /**
   * Records the attempts not recorded yet (by attempt id) and consumes their decisions'
   * reservations, in one transaction under the same per-customer locks as the checks. Every
   * decision id is checked first (known, same customer and channel, not used by another
   * attempt): one bad element and nothing is recorded. An attempt recorded before gets the new
   * outcome when it is further along (OUTCOME_RANK; audited as outcome_upgraded) and is
   * otherwise left as it is. Returns how many were new (upgrades are not counted).
   */
  async record(attempts: AttemptInput[], call: CallContext): Promise<number> {
    return inTransaction(this.orm.em.fork() as EntityManager, call, async (tx) => {
      const customerIds = [...new Set(attempts.map((a) => a.customerId))].sort();
      await lockCustomers(tx, customerIds);
      await this.checkDecisions(tx, attempts);
      const recorded = await sql<RecordedRow>(
        tx,
        `WITH input AS (
           SELECT a.* FROM jsonb_to_recordset(?::jsonb)
                    AS a(attempt_id uuid, customer_id uuid, channel text, attempted_at timestamptz, outcome text, decision_id uuid)
         ), earlier AS (
           SELECT c.attempt_id, c.outcome FROM compliance_contact_attempts c JOIN input i USING (attempt_id)
         )
         INSERT INTO compliance_contact_attempts AS c (attempt_id, customer_id, channel, attempted_at, outcome, decision_id, recorded_by)
         SELECT i.attempt_id, i.customer_id, i.channel, i.attempted_at, i.outcome, i.decision_id, ? FROM input i
         ON CONFLICT (attempt_id) DO UPDATE SET outcome = EXCLUDED.outcome
          WHERE (?::jsonb ->> EXCLUDED.outcome)::int > (?::jsonb ->> c.outcome)::int
         RETURNING c.attempt_id, c.decision_id, c.customer_id, c.channel, c.attempted_at::text, c.outcome,
                   (SELECT e.outcome FROM earlier e WHERE e.attempt_id = c.attempt_id) AS earlier_outcome`,
        [
          JSON.stringify(
            attempts.map((a) => ({
              attempt_id: a.attemptId,
              customer_id: a.customerId,
              channel: a.channel,
              attempted_at: a.at.toISOString(),
              outcome: a.outcome,
              decision_id: a.decisionId ?? null,
            })),
          ),
          actorName(call),
          OUTCOME_RANK_JSON,
          OUTCOME_RANK_JSON,
        ],
      );
      const inserted = recorded.filter((a) => a.earlier_outcome === null);
      const upgraded = recorded.filter((a) => a.earlier_outcome !== null);
      const consuming = inserted.filter((a) => a.decision_id);
      if (consuming.length) {
        await sql(
          tx,
          `UPDATE contact_reservations r SET consumed_by = a.attempt_id, consumed_at = now()
             FROM unnest(?::uuid[], ?::uuid[]) AS a(decision_id, attempt_id)
            WHERE r.decision_id = a.decision_id AND r.consumed_by IS NULL`,
          [consuming.map((a) => a.decision_id), consuming.map((a) => a.attempt_id)],
        );
      }
      await recordAuditEvents(tx, [
        ...inserted.map((a) => ({
          entityType: 'contact_attempt',
          entityId: a.attempt_id,
          action: 'recorded',
          actor: call.actor,
          details: { request_id: call.requestId, customer_id: a.customer_id, channel: a.channel, at: a.attempted_at, outcome: a.outcome, decision_id: a.decision_id },
        })),
        ...upgraded.map((a) => ({
          entityType: 'contact_attempt',
          entityId: a.attempt_id,
          action: 'outcome_upgraded',
          actor: call.actor,
          details: { request_id: call.requestId, customer_id: a.customer_id, channel: a.channel, from: a.earlier_outcome, to: a.outcome },
        })),
      ]);
      return inserted.length;
    });
  }

  private async checkDecisions(tx: EntityManager, attempts: AttemptInput[]): Promise<void> {
    const ids = attempts.map((a) => a.decisionId).filter((id): id is string => Boolean(id));
    if (!ids.length) return;
    const rows = await sql<{ id: string; customer_id: string; channel: string; used_by: string | null }>(
      tx,
      `SELECT d.id, d.customer_id, d.channel, (SELECT a.attempt_id FROM compliance_contact_attempts a WHERE a.decision_id = d.id) AS used_by
         FROM compliance_decisions d WHERE d.id = ANY(?::uuid[])`,
      [ids],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    const v = new Violations();
    const claimed = new Map<string, string>();
    attempts.forEach((a, i) => {
      if (!a.decisionId) return;
      const field = `attempts[${i}].decision_id`;
      const decision = byId.get(a.decisionId);
      if (!decision) return void v.add(field, `no decision ${a.decisionId}`);
      if (decision.customer_id !== a.customerId || decision.channel !== a.channel) {
        return void v.add(field, `decision ${a.decisionId} was made for customer ${decision.customer_id} on ${decision.channel}, not for this attempt`);
      }
      const usedBy = decision.used_by ?? claimed.get(a.decisionId);
      if (usedBy && usedBy !== a.attemptId) return void v.add(field, `decision ${a.decisionId} was already used by attempt ${usedBy}`);
      claimed.set(a.decisionId, a.attemptId);
    });
    v.throwIfAny();
  }
}
