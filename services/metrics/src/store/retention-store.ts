import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { CallContext } from '@cec/context';
import { inSqlTransaction, pgTimestampRequired, recordAuditEvent, sql, type SqlTarget } from '@cec/orm';

export interface RetentionRecord {
  days: number;
  setBy: string | null;
  setAt: Date;
}

interface RetentionRow {
  days: number;
  set_by: string | null;
  set_at: string;
}

const recordOf = (r: RetentionRow): RetentionRecord => ({ days: r.days, setBy: r.set_by, setAt: pgTimestampRequired(r.set_at) });

/** metrics_retention: the one row that says how many days are kept. */
export class RetentionStore {
  constructor(private readonly orm: MikroORM) {}

  private em(): EntityManager {
    return this.orm.em.fork() as EntityManager;
  }

  async get(em: SqlTarget = this.em()): Promise<RetentionRecord> {
    const [row] = await sql<RetentionRow>(em, 'SELECT days, set_by, set_at::text FROM metrics_retention');
    return recordOf(row);
  }

  /** Sets the days; a change is audited (metrics_retention/updated, before and after) in the same transaction. Setting the days in force changes nothing. */
  async update(days: number, call: CallContext): Promise<RetentionRecord> {
    return inSqlTransaction(this.orm, call, async (tx) => {
      const [before] = await sql<RetentionRow>(tx, 'SELECT days, set_by, set_at::text FROM metrics_retention FOR UPDATE');
      if (before.days === days) return recordOf(before);
      const [after] = await sql<RetentionRow>(
        tx,
        'UPDATE metrics_retention SET days = ?, set_by = ?, set_at = now() RETURNING days, set_by, set_at::text',
        [days, `${call.actor.type}:${call.actor.id}`],
      );
      await recordAuditEvent(tx, {
        entityType: 'metrics_retention',
        entityId: null,
        action: 'updated',
        actor: call.actor,
        details: { request_id: call.requestId, before: { days: before.days }, after: { days: after.days } },
      });
      return recordOf(after);
    });
  }
}
