import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { CallContext } from '@cec/context';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '@cec/errors';
import { createOnce, inTransaction, recordAuditEvent, sql } from '@cec/orm';
import type { Channel, ContactStatus } from '../domain/contact';
import { statusChange } from '../domain/contact-status';
import {
  CONTACT_ATTEMPT_COLUMNS,
  enqueueAttemptMessages,
  insertContactAttempt,
  type ContactAttemptInput,
  type ContactAttemptRow,
} from './contact-attempt-writes';

/** An attempt with the names of what it links to (v_customer_communications). */
export interface CommunicationRow extends ContactAttemptRow {
  company_name: string | null;
  template_name: string | null;
  agent_name: string | null;
  campaign_name: string | null;
}

const UNIQUE_REQUEST_ID = 'contact_attempts_request_id_key';

/** The foreign keys of contact_attempts, as the resource a caller named that does not exist. */
const MISSING: Record<string, [resource: string, field: keyof ContactAttemptInput]> = {
  contact_attempts_customer_id_fkey: ['customer', 'customerId'],
  contact_attempts_task_id_fkey: ['task', 'taskId'],
  contact_attempts_campaign_id_fkey: ['campaign', 'campaignId'],
  contact_attempts_agent_id_fkey: ['agent', 'agentId'],
  contact_attempts_template_id_fkey: ['template', 'templateId'],
};

const COMMUNICATION_COLUMNS = `${CONTACT_ATTEMPT_COLUMNS}, v.company_name, v.template_name, v.agent_name, v.campaign_name`;
const FROM_COMMUNICATIONS = 'v_customer_communications v JOIN contact_attempts a ON a.id = v.contact_attempt_id';

/** contact_attempts: recording, receipts, and a customer's history. */
export class ContactAttemptStore {
  constructor(private readonly orm: MikroORM) {}

  private em(): EntityManager {
    return this.orm.em.fork() as EntityManager;
  }

  /**
   * Records an attempt, its outbox messages (compliance, customers) and its audit event in one
   * transaction. With a request id, a retry gets the attempt the first call recorded. That the
   * customer (and the task, campaign, agent, template) exists is the foreign keys' to say:
   * recording does not wait for the customers service, so an attempt that happened is recorded
   * even while customers is down (the outbox tells it later).
   */
  async record(input: ContactAttemptInput, call: CallContext): Promise<CommunicationRow> {
    const requestId = input.requestId ?? undefined;
    const recorded = await createOnce({
      requestId,
      find: (id) => this.byRequestId(id, input),
      raceConstraints: [UNIQUE_REQUEST_ID],
      insert: () =>
        inTransaction(this.em(), call, async (tx) => {
          const row = await insertContactAttempt(tx, input, call.actor).catch((error: unknown) => {
            throw missingReference(error, input) ?? error;
          });
          await recordAuditEvent(tx, {
            entityType: 'contact_attempt',
            entityId: row.id,
            action: 'recorded',
            actor: call.actor,
            details: {
              request_id: call.requestId,
              customer_id: row.customer_id,
              channel: row.channel,
              status: row.status,
              at: row.attempted_at,
              task_id: row.task_id,
              campaign_id: row.campaign_id,
              decision_id: row.decision_id,
            },
          });
          return row;
        }),
    });
    return this.get(recorded.id);
  }

  private async byRequestId(requestId: string, input: ContactAttemptInput): Promise<ContactAttemptRow | undefined> {
    const [row] = await sql<ContactAttemptRow>(this.orm.em, `SELECT ${CONTACT_ATTEMPT_COLUMNS} FROM contact_attempts a WHERE a.request_id = ?`, [requestId]);
    if (row && (row.customer_id !== input.customerId || row.channel !== input.channel)) {
      throw InvalidArgumentError.field('request_id', `was used for another attempt (${row.id}); use a new request_id for a new attempt`);
    }
    return row;
  }

  /**
   * A receipt: moves the status forward under the row's lock, with new outbox messages and an
   * audit event; the same or an earlier status changes nothing; a contradicting one is
   * FAILED_PRECONDITION.
   */
  async updateStatus(id: string, to: ContactStatus, statusTime: Date, call: CallContext): Promise<CommunicationRow> {
    await inTransaction(this.em(), call, async (tx) => {
      const [current] = await sql<ContactAttemptRow>(tx, `SELECT ${CONTACT_ATTEMPT_COLUMNS} FROM contact_attempts a WHERE a.id = ? FOR UPDATE`, [id]);
      if (!current) throw NotFoundError.resource('contact attempt', id);
      const change = statusChange(current.channel, current.status, to);
      if (change.kind === 'refused') throw new FailedPreconditionError(`contact attempt ${id}: ${change.reason}`);
      if (change.kind === 'unchanged') return;
      const [row] = await sql<ContactAttemptRow>(
        tx,
        `UPDATE contact_attempts a SET status = ? WHERE a.id = ? RETURNING ${CONTACT_ATTEMPT_COLUMNS}`,
        [to, id],
      );
      await enqueueAttemptMessages(tx, row);
      await recordAuditEvent(tx, {
        entityType: 'contact_attempt',
        entityId: id,
        action: 'status_changed',
        actor: call.actor,
        details: { request_id: call.requestId, customer_id: row.customer_id, from: current.status, to, status_time: statusTime.toISOString() },
      });
    });
    return this.get(id);
  }

  async get(id: string): Promise<CommunicationRow> {
    const [row] = await sql<CommunicationRow>(this.orm.em, `SELECT ${COMMUNICATION_COLUMNS} FROM ${FROM_COMMUNICATIONS} WHERE a.id = ?`, [id]);
    if (!row) throw NotFoundError.resource('contact attempt', id);
    return row;
  }

  /** One page of a customer's history, newest first; `after` is the (attempted_at, id) of the last row of the previous page. */
  async listForCustomer(customerId: string, channel: Channel | undefined, after: [string, string] | undefined, limit: number): Promise<CommunicationRow[]> {
    const conditions = ['a.customer_id = ?'];
    const params: unknown[] = [customerId];
    if (channel) {
      conditions.push('a.channel = ?');
      params.push(channel);
    }
    if (after) {
      conditions.push('(a.attempted_at, a.id) < (?::timestamptz, ?::uuid)');
      params.push(after[0], after[1]);
    }
    return sql<CommunicationRow>(
      this.orm.em,
      `SELECT ${COMMUNICATION_COLUMNS} FROM ${FROM_COMMUNICATIONS}
        WHERE ${conditions.join(' AND ')}
        ORDER BY a.attempted_at DESC, a.id DESC
        LIMIT ?`,
      [...params, limit],
    );
  }
}

/** A foreign key violation of the insert as NOT_FOUND naming what the caller referred to. */
function missingReference(error: unknown, input: ContactAttemptInput): NotFoundError | undefined {
  const e = error as { code?: string; constraint?: string };
  if (e?.code !== '23503' || !e.constraint) return undefined;
  const missing = MISSING[e.constraint];
  return missing && NotFoundError.resource(missing[0], String(input[missing[1]]));
}
