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

/** compliance_contact_attempts: what caps and cool-downs count; an attempt with its decision consumes the decision's reservation. */
export class AttemptStore {
  constructor(private readonly orm: MikroORM) {}

  /**
   * Records the attempts not recorded yet (by attempt id) and consumes their decisions'
   * reservations, in one transaction under the same per-customer locks as the checks. Every
   * decision id is checked first (known, same customer and channel, not used by another
   * attempt): one bad element and nothing is recorded. Returns how many were new.
   */
  async record(attempts: AttemptInput[], call: CallContext): Promise<number> {
    return inTransaction(this.orm.em.fork() as EntityManager, call, async (tx) => {
      const customerIds = [...new Set(attempts.map((a) => a.customerId))].sort();
      await lockCustomers(tx, customerIds);
      await this.checkDecisions(tx, attempts);
      const inserted = await sql<{ attempt_id: string; decision_id: string | null; customer_id: string; channel: string; attempted_at: string; outcome: string }>(
        tx,
        `INSERT INTO compliance_contact_attempts (attempt_id, customer_id, channel, attempted_at, outcome, decision_id, recorded_by)
         SELECT a.attempt_id, a.customer_id, a.channel, a.attempted_at, a.outcome, a.decision_id, ?
           FROM jsonb_to_recordset(?::jsonb) AS a(attempt_id uuid, customer_id uuid, channel text, attempted_at timestamptz, outcome text, decision_id uuid)
         ON CONFLICT (attempt_id) DO NOTHING
         RETURNING attempt_id, decision_id, customer_id, channel, attempted_at::text, outcome`,
        [
          actorName(call),
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
        ],
      );
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
      await recordAuditEvents(
        tx,
        inserted.map((a) => ({
          entityType: 'contact_attempt',
          entityId: a.attempt_id,
          action: 'recorded',
          actor: call.actor,
          details: { request_id: call.requestId, customer_id: a.customer_id, channel: a.channel, at: a.attempted_at, outcome: a.outcome, decision_id: a.decision_id },
        })),
      );
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
