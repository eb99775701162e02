import type { EntityManager } from '@mikro-orm/postgresql';
import type { Actor } from '@cec/context';
import { sql } from './sql';

export interface AuditEvent {
  /** e.g. 'customer', 'invoice'. */
  entityType: string;
  entityId: string | null;
  /** e.g. 'created', 'payment_recorded'. */
  action: string;
  actor: Actor;
  /** What changed and why: {before, after, reason, request_id}. No secrets. */
  details: Record<string, unknown>;
}

/**
 * Appends to the hash-chained audit trail through log_audit_event, on the transaction of
 * `em`, so the event commits or rolls back with the change it records. Call it last in the
 * transaction: appends are serialised until commit.
 */
export async function recordAuditEvent(em: EntityManager, event: AuditEvent): Promise<string> {
  const rows = await sql<{ id: string }>(em, 'SELECT log_audit_event(?, ?, ?, ?, ?, ?::jsonb) AS id', [
    event.entityType,
    event.entityId,
    event.action,
    event.actor.type,
    event.actor.id,
    JSON.stringify(event.details),
  ]);
  return rows[0].id;
}
