import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { CallContext } from '@cec/context';
import { createOnce, inTransaction, pgTimestamp, pgTimestampRequired, recordAuditEvent, sql } from '@cec/orm';
import type { Channel } from '../domain/types';
import { actorName } from './call-rows';

export type OptOutChannel = Channel | 'all';

export interface OptOutInput {
  customerId: string;
  channel: OptOutChannel;
  kind: 'opt_out' | 'opt_in';
  source: string;
  reason: string | null;
  effectiveAt: Date;
  expiresAt: Date | null;
}

export interface OptOutRecord extends OptOutInput {
  id: string;
  /** effective_at as PostgreSQL wrote it (microseconds kept): the key of a page token. */
  effectiveAtText: string;
  recordedAt: Date;
  recordedBy: string | null;
}

interface OptOutRow {
  id: string;
  customer_id: string;
  channel: OptOutChannel;
  kind: 'opt_out' | 'opt_in';
  source: string;
  reason: string | null;
  effective_at: string;
  expires_at: string | null;
  recorded_at: string;
  recorded_by: string | null;
}

const COLUMNS = 'o.id, o.customer_id, o.channel, o.kind, o.source, o.reason, o.effective_at::text, o.expires_at::text, o.recorded_at::text, o.recorded_by';

const recordOf = (r: OptOutRow): OptOutRecord => ({
  id: r.id,
  customerId: r.customer_id,
  channel: r.channel,
  kind: r.kind,
  source: r.source,
  reason: r.reason,
  effectiveAt: pgTimestampRequired(r.effective_at),
  effectiveAtText: r.effective_at,
  expiresAt: pgTimestamp(r.expires_at),
  recordedAt: pgTimestampRequired(r.recorded_at),
  recordedBy: r.recorded_by,
});

/** opt_out_events: the append-only opt-out history. */
export class OptOutStore {
  constructor(private readonly orm: MikroORM) {}

  private em(): EntityManager {
    return this.orm.em.fork() as EntityManager;
  }

  /** Appends an opt-out or opt-in record, audited in the same transaction; a retried request id returns the first record. */
  async append(input: OptOutInput, requestId: string | undefined, call: CallContext): Promise<OptOutRecord> {
    return createOnce({
      requestId,
      find: async (id) => {
        const [row] = await sql<OptOutRow>(this.em(), `SELECT ${COLUMNS} FROM opt_out_events o WHERE o.request_id = ?`, [id]);
        return row && recordOf(row);
      },
      insert: () =>
        inTransaction(this.em(), call, async (tx) => {
          const [row] = await sql<OptOutRow>(
            tx,
            `INSERT INTO opt_out_events AS o (customer_id, channel, kind, source, reason, effective_at, expires_at, recorded_by, request_id)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
            [input.customerId, input.channel, input.kind, input.source, input.reason, input.effectiveAt, input.expiresAt, actorName(call), requestId ?? null],
          );
          await recordAuditEvent(tx, {
            entityType: 'customer',
            entityId: input.customerId,
            action: input.kind === 'opt_out' ? 'opted_out' : 'opted_in',
            actor: call.actor,
            details: {
              request_id: call.requestId,
              opt_out_event_id: row.id,
              channel: input.channel,
              source: input.source,
              reason: input.reason,
              effective_at: input.effectiveAt.toISOString(),
              expires_at: input.expiresAt?.toISOString(),
            },
          });
          return recordOf(row);
        }),
      raceConstraints: ['opt_out_events_request_id_key'],
    });
  }

  /** A customer's history, newest first (by when it took effect, then when it was recorded). */
  async history(customerId: string, after: { effectiveAt: string; id: string } | undefined, limit: number): Promise<OptOutRecord[]> {
    const rows = await sql<OptOutRow>(
      this.em(),
      `SELECT ${COLUMNS} FROM opt_out_events o
        WHERE o.customer_id = ? ${after ? 'AND (o.effective_at, o.id) < (?::timestamptz, ?::uuid)' : ''}
        ORDER BY o.effective_at DESC, o.id DESC LIMIT ?`,
      after ? [customerId, after.effectiveAt, after.id, limit] : [customerId, limit],
    );
    return rows.map(recordOf);
  }

  /** The opt-out record in force on each channel now (null: none), as check_opt_out_status reads it. */
  async inForce(customerId: string, channels: readonly Channel[]): Promise<Map<Channel, string | null>> {
    return (await this.inForceMany([customerId], channels)).get(customerId) ?? new Map();
  }

  /** inForce for many customers in one statement: customer id -> channel -> the opt-out in force (null: none). */
  async inForceMany(customerIds: readonly string[], channels: readonly Channel[]): Promise<Map<string, Map<Channel, string | null>>> {
    const rows = await sql<{ customer_id: string; channel: Channel; id: string | null }>(
      this.em(),
      `SELECT x.customer_id, c.channel, opt_out_in_force(x.customer_id, c.channel, now()) AS id
         FROM unnest(?::uuid[]) AS x(customer_id) CROSS JOIN unnest(?::text[]) AS c(channel)`,
      [customerIds, channels],
    );
    const out = new Map<string, Map<Channel, string | null>>(customerIds.map((id) => [id, new Map()]));
    for (const r of rows) out.get(r.customer_id)?.set(r.channel, r.id);
    return out;
  }
}
