import type { Actor } from '@cec/context';
import { sql, type SqlTarget } from '@cec/orm';
import { CHANNELS, complianceGoverns, CONTACT_STATUSES, isResponse, reachedCustomer, type Channel, type ContactStatus } from '../domain/contact';

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

/** A list of known words (domain constants, never input) as an SQL array literal. */
const textArray = (values: readonly string[]): string => `ARRAY[${values.map((v) => `'${v}'`).join(', ')}]::text[]`;
const GOVERNED_CHANNELS = textArray(CHANNELS.filter(complianceGoverns));
const REACHED_STATUSES = textArray(CONTACT_STATUSES.filter(reachedCustomer));
const RESPONSE_STATUSES = textArray(CONTACT_STATUSES.filter(isResponse));

/** The columns a source of new attempts names (contactAttemptCtes), in contact_attempts' terms. */
const ATTEMPT_INSERT_COLUMNS = 'id, customer_id, task_id, campaign_id, agent_id, template_id, channel, status, attempted_at, duration, outcome, metadata, decision_id, request_id, recorded_by';

/**
 * The outbox messages of the attempts in `attempts` (a table or CTE name with contact_attempts'
 * columns) as they are now (new, or whose status moved on), as an INSERT … SELECT: compliance
 * counts each under its caps and cool-downs (ComplianceAttemptMessage), customers computes the
 * response rate (CustomerOutcomeMessage). Letters go to neither (neither service knows the
 * channel). attempted_at travels as PostgreSQL's text of the timestamptz.
 */
function attemptMessagesInsert(attempts: string): string {
  return `INSERT INTO campaigns_outbox (destination, message_key, payload)
  SELECT m.destination, a.id, m.payload
    FROM ${attempts} a
   CROSS JOIN LATERAL (VALUES
     ('compliance.contact_attempts', jsonb_build_object('attempt_id', a.id, 'customer_id', a.customer_id, 'channel', a.channel,
        'attempted_at', a.attempted_at::text, 'status', a.status, 'decision_id', a.decision_id, 'outcome', a.outcome)),
     ('customers.contact_outcomes', jsonb_build_object('attempt_id', a.id, 'customer_id', a.customer_id, 'channel', a.channel,
        'attempted_at', a.attempted_at::text, 'reached', a.status = ANY(${REACHED_STATUSES}), 'responded', a.status = ANY(${RESPONSE_STATUSES})))
   ) AS m(destination, payload)
   WHERE a.channel = ANY(${GOVERNED_CHANNELS})`;
}

/**
 * Two CTEs for a larger statement (the one place the attempt + outbox SQL is written):
 * `attempt` inserts the attempts that `source` selects (a query naming the columns id,
 * customer_id, task_id, campaign_id, agent_id, template_id, channel, status, attempted_at,
 * duration, outcome, metadata, decision_id, request_id, recorded_by; no row: no attempt) and
 * returns them as ContactAttemptRow; `attempt_outbox` writes their outbox messages. Both are
 * data-modifying CTEs: they run whether the statement reads them or not.
 */
export function contactAttemptCtes(source: string): string {
  return `attempt AS (
  INSERT INTO contact_attempts AS a (${ATTEMPT_INSERT_COLUMNS})
  SELECT ${ATTEMPT_INSERT_COLUMNS} FROM (${source}) s
  RETURNING ${CONTACT_ATTEMPT_COLUMNS}
), attempt_outbox AS (
  ${attemptMessagesInsert('attempt')}
)`;
}

const INSERT_ATTEMPT = `WITH ${contactAttemptCtes(
  `SELECT gen_random_uuid() AS id, ?::uuid AS customer_id, ?::uuid AS task_id, ?::uuid AS campaign_id, ?::uuid AS agent_id, ?::uuid AS template_id,
          ?::text AS channel, ?::text AS status, ?::timestamptz AS attempted_at, ?::int AS duration, ?::text AS outcome, ?::jsonb AS metadata,
          ?::uuid AS decision_id, ?::uuid AS request_id, ?::text AS recorded_by`,
)}
SELECT * FROM attempt`;

/**
 * Inserts a contact attempt and, in the same statement (so in the same transaction as
 * whatever else `tx` does), the outbox messages that tell compliance and customers about it.
 * The caller's transaction decides: nothing is sent unless it commits.
 */
export async function insertContactAttempt(tx: SqlTarget, input: ContactAttemptInput, actor: Actor): Promise<ContactAttemptRow> {
  const [row] = await sql<ContactAttemptRow>(tx, INSERT_ATTEMPT, [
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
  ]);
  return row;
}

/** The outbox messages for an attempt whose status moved on (read back as it is now in the caller's transaction). */
export async function enqueueAttemptMessages(tx: SqlTarget, row: ContactAttemptRow): Promise<void> {
  await sql(tx, `WITH moved AS (SELECT * FROM contact_attempts WHERE id = ?) ${attemptMessagesInsert('moved')}`, [row.id]);
}
