import type { Actor } from '@cec/context';
import { sql, type SqlTarget } from '@cec/orm';
import { complianceGoverns, isResponse, reachedCustomer, type Channel, type ContactStatus } from '../domain/contact';
import type { ComplianceAttemptMessage, CustomerOutcomeMessage } from '../domain/outbox';

/** A contact attempt to record (validated by the caller). */
export interface ContactAttemptInput {
  customerId: string;
  channel: Channel;
  status: ContactStatus;
  attemptedAt: Date;
  taskId?: string | null;
  campaignId?: string | null;
  agentId?: string | null;
  templateId?: string | null;
  durationSeconds?: number | null;
  outcome?: string | null;
  metadata?: Record<string, unknown>;
  decisionId?: string | null;
  requestId?: string | null;
}

/** A contact_attempts row as this service reads it. */
export interface ContactAttemptRow {
  id: string;
  customer_id: string;
  task_id: string | null;
  campaign_id: string | null;
  agent_id: string | null;
  template_id: string | null;
  channel: Channel;
  status: ContactStatus;
  attempted_at: string;
  duration: number | null;
  outcome: string | null;
  metadata: Record<string, unknown>;
  decision_id: string | null;
  request_id: string | null;
  recorded_by: string | null;
  created_at: string;
  updated_at: string;
}

export const CONTACT_ATTEMPT_COLUMNS =
  'a.id, a.customer_id, a.task_id, a.campaign_id, a.agent_id, a.template_id, a.channel, a.status, a.attempted_at::text, a.duration, ' +
  'a.outcome, a.metadata, a.decision_id, a.request_id, a.recorded_by, a.created_at::text, a.updated_at::text';

/** "service:campaigns" for the recorded_by columns. */
export function actorName(actor: Actor): string {
  return `${actor.type}:${actor.id}`;
}

/**
 * Inserts a contact attempt and, in the same statement (so in the same transaction as
 * whatever else `tx` does), the outbox messages that tell compliance and customers about it.
 * The caller's transaction decides: nothing is sent unless it commits.
 */
export async function insertContactAttempt(tx: SqlTarget, input: ContactAttemptInput, actor: Actor): Promise<ContactAttemptRow> {
  const [row] = await sql<ContactAttemptRow>(
    tx,
    `INSERT INTO contact_attempts AS a (customer_id, task_id, campaign_id, agent_id, template_id, channel, status, attempted_at,
                                       duration, outcome, metadata, decision_id, request_id, recorded_by)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?)
     RETURNING ${CONTACT_ATTEMPT_COLUMNS}`,
    [
      input.customerId,
      input.taskId ?? null,
      input.campaignId ?? null,
      input.agentId ?? null,
      input.templateId ?? null,
      input.channel,
      input.status,
      input.attemptedAt,
      input.durationSeconds ?? null,
      input.outcome ?? null,
      JSON.stringify(input.metadata ?? {}),
      input.decisionId ?? null,
      input.requestId ?? null,
      actorName(actor),
    ],
  );
  await enqueueAttemptMessages(tx, row);
  return row;
}

/**
 * The outbox messages for an attempt as it is now (a new attempt, or one whose status moved
 * on): compliance counts it under its caps and cool-downs, customers computes the response
 * rate. Letters go to neither (neither service knows the channel).
 */
export async function enqueueAttemptMessages(tx: SqlTarget, row: ContactAttemptRow): Promise<void> {
  const channel = row.channel;
  if (!complianceGoverns(channel)) return;
  const compliance: ComplianceAttemptMessage = {
    attempt_id: row.id,
    customer_id: row.customer_id,
    channel,
    attempted_at: row.attempted_at,
    status: row.status,
    decision_id: row.decision_id,
    outcome: row.outcome,
  };
  const customers: CustomerOutcomeMessage = {
    attempt_id: row.id,
    customer_id: row.customer_id,
    channel,
    attempted_at: row.attempted_at,
    reached: reachedCustomer(row.status),
    responded: isResponse(row.status),
  };
  await sql(
    tx,
    `INSERT INTO campaigns_outbox (destination, message_key, payload)
     VALUES ('compliance.contact_attempts', ?, ?::jsonb), ('customers.contact_outcomes', ?, ?::jsonb)`,
    [row.id, JSON.stringify(compliance), row.id, JSON.stringify(customers)],
  );
}
