import type { Actor } from '@cec/context';
import { sql, type SqlTarget } from './sql';

export interface AuditEvent {
  /** e.g. 'customer', 'invoice'. */
  entityType: string;
  entityId: string | null;
  /** e.g. 'created', 'payment_recorded'. */
  action: string;
  actor: Actor;
  /** What changed and why: {before, after, reason, request_id}. No secrets. */
  details: Record<string, unknown>;
  /**
   * The caller's id for this event (a UUID), to record it once: the same id again records
   * nothing and returns it; the same id with another payload fails (unique violation, 23505).
   * Without it the event gets a new id.
   */
  eventId?: string;
}

/**
 * Appends to the audit trail through log_audit_event, on the transaction of `em`, so the event
 * commits or rolls back with the change it records. Appends take no lock: the row is written
 * unsealed, and the sequencer (seal_audit_chain, see audit-sequencer.ts) gives it its place in
 * the hash chain once it has committed. Returns the event's id.
 */
export async function recordAuditEvent(em: SqlTarget, event: AuditEvent): Promise<string> {
  // A NULL event id makes log_audit_event give the event a new id.
  const rows = await sql<{ id: string }>(em, 'SELECT log_audit_event(?, ?, ?, ?, ?, ?::jsonb, ?::uuid) AS id', [
    event.entityType,
    event.entityId,
    event.action,
    event.actor.type,
    event.actor.id,
    JSON.stringify(detailsOf(event)),
    event.eventId ?? null,
  ]);
  return rows[0].id;
}

/**
 * Appends several events in one statement (log_audit_events), on the transaction of `em`, and
 * returns their ids in the order of `events`. Events with an eventId are recorded once, as in
 * recordAuditEvent. No statement at all for an empty list.
 */
export async function recordAuditEvents(em: SqlTarget, events: readonly AuditEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  const rows = await sql<{ id: string }>(
    em,
    'SELECT u.id FROM unnest(log_audit_events(?::jsonb)) WITH ORDINALITY AS u(id, n) ORDER BY u.n',
    [auditEventsPayload(events)],
  );
  return rows.map((row) => row.id);
}

/**
 * The argument of log_audit_events (a jsonb array, one object per event) for `events`: for a
 * statement that appends them as part of a larger one (e.g. `… unnest(log_audit_events(?::jsonb))`
 * in a data-modifying CTE), with the same effect as recordAuditEvents.
 */
export function auditEventsPayload(events: readonly AuditEvent[]): string {
  return JSON.stringify(
    events.map((event) => ({
      entity_type: event.entityType,
      entity_id: event.entityId,
      action: event.action,
      actor_type: event.actor.type,
      actor_id: event.actor.id,
      details: detailsOf(event),
      ...(event.eventId === undefined ? {} : { event_id: event.eventId }),
    })),
  );
}

/** The event's details, with the service that acted on the actor's behalf (Actor.via) when there is one. */
function detailsOf(event: AuditEvent): Record<string, unknown> {
  return event.actor.via === undefined ? event.details : { ...event.details, via: event.actor.via };
}
