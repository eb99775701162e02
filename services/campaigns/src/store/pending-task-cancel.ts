import type { MikroORM } from '@mikro-orm/postgresql';
import type { CallContext } from '@cec/context';
import { inSqlTransaction, recordAuditEvents, sql, type AuditEvent, type SqlTransaction } from '@cec/orm';
import { TASK_CHANNEL, type TaskType } from '../domain/contact';

/**
 * Cancels the tasks a SELECT picks that are still pending (no agent took them: a claimed task
 * is left alone, its holder may already have made the contact), in one statement, locked in id
 * order: status cancelled, last_error "cancelled: <reason>" (as CancelTask writes it). `pick`
 * answers (id uuid, reason text, details jsonb). Answers the audit event of each cancelled task
 * (action cancelled, from pending, the reason and the SELECT's details), for the caller to record
 * with its others in the same transaction.
 */
export async function cancelPendingTasks(tx: SqlTransaction, call: CallContext, pick: string, params: unknown[]): Promise<AuditEvent[]> {
  const cancelled = await sql<{ id: string; reason: string; details: Record<string, unknown> }>(
    tx,
    `WITH pick AS (${pick}),
          locked AS (SELECT t.id FROM tasks t WHERE t.id IN (SELECT id FROM pick) AND t.status = 'pending' ORDER BY t.id FOR UPDATE OF t)
     UPDATE tasks t SET status = 'cancelled', lease_expires_at = NULL, last_error = left('cancelled: ' || pick.reason, 1000)
       FROM locked JOIN pick ON pick.id = locked.id
      WHERE t.id = locked.id AND t.status = 'pending'
      RETURNING t.id, pick.reason, pick.details`,
    params,
  );
  return cancelled.map((task) => ({
    entityType: 'task',
    entityId: task.id,
    action: 'cancelled',
    actor: call.actor,
    details: { from: 'pending', to: 'cancelled', reason: task.reason, ...task.details, request_id: call.requestId },
  }));
}

/** What compliance says of a customer with pending contact tasks: the channels barred now. */
export interface BarredCustomer {
  customerId: string;
  /** Channels with an opt-out in force (every channel for an opt-out of all). */
  optedOut: string[];
  doNotContact: boolean;
}

/** The task types that contact the customer on a channel (send_email, send_sms, make_call). */
export const CONTACT_TASK_TYPES = (['send_email', 'send_sms', 'make_call'] as const satisfies readonly TaskType[]).map((type) => ({ type, channel: TASK_CHANNEL[type] as string }));

/**
 * Cancels, in one transaction, the pending contact tasks of the customers on a channel they
 * opted out of (or on any channel: do-not-contact) after compliance allowed the contact. Answers
 * how many were cancelled.
 */
export async function cancelOptedOutContactTasks(orm: MikroORM, call: CallContext, barred: readonly BarredCustomer[]): Promise<number> {
  const rows = barred.filter((b) => b.doNotContact || b.optedOut.length);
  if (!rows.length) return 0;
  return inSqlTransaction(orm, call, async (tx) => {
    const events = await cancelPendingTasks(
      tx,
      call,
      `SELECT t.id,
              CASE WHEN x.do_not_contact THEN 'do not contact' ELSE 'opted out of ' || k.channel || ' after the decision' END AS reason,
              jsonb_build_object('customer_id', t.customer_id, 'campaign_id', t.campaign_id, 'decision_id', t.decision_id) AS details
         FROM tasks t
         JOIN jsonb_to_recordset(?::jsonb) AS k(type text, channel text) ON k.type = t.type
         JOIN jsonb_to_recordset(?::jsonb) AS x(customer_id uuid, opted_out text[], do_not_contact boolean) ON x.customer_id = t.customer_id
        WHERE t.status = 'pending' AND (x.do_not_contact OR k.channel = ANY(x.opted_out))`,
      [JSON.stringify(CONTACT_TASK_TYPES), JSON.stringify(rows.map((b) => ({ customer_id: b.customerId, opted_out: b.optedOut, do_not_contact: b.doNotContact })))],
    );
    await recordAuditEvents(tx, events);
    return events.length;
  });
}
