import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Actor, CallContext } from '@cec/context';
import { inTransaction, pgTimestamp, pgTimestampRequired, recordAuditEvent, sql } from '@cec/orm';

export interface AuditRecord {
  id: string;
  /** null until the sequencer sealed it. */
  seq: string | null;
  entityType: string;
  entityId: string | null;
  action: string;
  actorType: string;
  actorId: string;
  details: Record<string, unknown>;
  createdAt: Date;
  /** created_at as PostgreSQL wrote it (microseconds kept): the key of a page token. */
  createdAtText: string;
  /** The insertion order (audit_logs.append_id): the tie-break of a page token. */
  appendId: string;
  rowHash: string | null;
}

interface AuditRow {
  id: string;
  append_id: string;
  seq: string | null;
  entity_type: string;
  entity_id: string | null;
  action: string;
  actor_type: string;
  actor_id: string;
  details: Record<string, unknown>;
  created_at: string;
  row_hash: string | null;
}

export interface AuditFilters {
  entityType?: string;
  entityId?: string;
  actorType?: string;
  actorId?: string;
  action?: string;
  from?: Date;
  to?: Date;
}

export interface ChainVerification {
  problem?: { seq: string; eventId: string; problem: string };
  sealedThroughSeq: string;
  headRowHash: string;
  unsealedCount: string;
  oldestUnsealedAt: Date | null;
}

const COLUMNS = 'a.id, a.append_id::text, a.seq, a.entity_type, a.entity_id, a.action, a.actor_type, a.actor_id, a.details, a.created_at::text, a.row_hash';

const recordOf = (r: AuditRow): AuditRecord => ({
  id: r.id,
  seq: r.seq,
  entityType: r.entity_type,
  entityId: r.entity_id,
  action: r.action,
  actorType: r.actor_type,
  actorId: r.actor_id,
  details: r.details,
  createdAt: pgTimestampRequired(r.created_at),
  createdAtText: r.created_at,
  appendId: r.append_id,
  rowHash: r.row_hash,
});

/** The audit trail (audit_logs): appends through log_audit_event, reads, and verification of the hash chain. */
export class AuditStore {
  constructor(private readonly orm: MikroORM) {}

  private em(): EntityManager {
    return this.orm.em.fork() as EntityManager;
  }

  /** Records an event once per event id (the same id with another payload is ALREADY_EXISTS). */
  async record(event: { id: string; entityType: string; entityId: string | null; action: string; actor: Actor; details: Record<string, unknown> }, call: CallContext): Promise<AuditRecord> {
    return inTransaction(this.em(), call, async (tx) => {
      await recordAuditEvent(tx, { eventId: event.id, entityType: event.entityType, entityId: event.entityId, action: event.action, actor: event.actor, details: event.details });
      const [row] = await sql<AuditRow>(tx, `SELECT ${COLUMNS} FROM audit_logs a WHERE a.id = ?`, [event.id]);
      return recordOf(row);
    });
  }

  /** Newest first (by time, then insertion order), after the page token's key. */
  async list(filters: AuditFilters, after: { createdAt: string; appendId: string } | undefined, limit: number): Promise<AuditRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown): void => {
      where.push(clause);
      params.push(value);
    };
    if (filters.entityType) add('a.entity_type = ?', filters.entityType);
    if (filters.entityId) add('a.entity_id = ?', filters.entityId);
    if (filters.actorType) add('a.actor_type = ?', filters.actorType);
    if (filters.actorId) add('a.actor_id = ?', filters.actorId);
    if (filters.action) add('a.action = ?', filters.action);
    if (filters.from) add('a.created_at >= ?', filters.from);
    if (filters.to) add('a.created_at < ?', filters.to);
    if (after) {
      where.push('(a.created_at, a.append_id) < (?::timestamptz, ?::bigint)');
      params.push(after.createdAt, after.appendId);
    }
    const rows = await sql<AuditRow>(
      this.em(),
      `SELECT ${COLUMNS} FROM audit_logs a WHERE ${where.length ? where.join(' AND ') : 'true'} ORDER BY a.created_at DESC, a.append_id DESC LIMIT ?`,
      [...params, limit],
    );
    return rows.map(recordOf);
  }

  /** The first break of the sealed chain, if any, and how far it is sealed. */
  async verify(): Promise<ChainVerification> {
    const em = this.em();
    const [problem] = await sql<{ seq: string; audit_id: string; problem: string }>(em, 'SELECT seq::text, audit_id, problem FROM verify_audit_chain() LIMIT 1');
    const [status] = await sql<{ sealed_through_seq: string | null; head_row_hash: string | null; unsealed_count: string; oldest_unsealed_at: string | null }>(
      em,
      'SELECT sealed_through_seq::text, head_row_hash, unsealed_count::text, oldest_unsealed_at::text FROM audit_chain_status()',
    );
    return {
      problem: problem && { seq: problem.seq, eventId: problem.audit_id, problem: problem.problem },
      sealedThroughSeq: status?.sealed_through_seq ?? '0',
      headRowHash: status?.head_row_hash ?? '',
      unsealedCount: status?.unsealed_count ?? '0',
      oldestUnsealedAt: pgTimestamp(status?.oldest_unsealed_at ?? null),
    };
  }
}
