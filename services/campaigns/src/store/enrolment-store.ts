import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { CallContext } from '@cec/context';
import { inTransaction, recordAuditEvent, sql, type SqlTarget } from '@cec/orm';
import { policyDiff, type EnrolmentPolicy, type PolicyChanges } from '../domain/enrolment-policy';

interface PolicyRow {
  enabled: boolean;
  min_overdue_amounts: Record<string, string>;
  min_days_overdue: number;
  preset: string;
  excluded_customer_ids: string[];
  updated_by: string | null;
  updated_at: Date;
}

const COLUMNS = 'enabled, min_overdue_amounts, min_days_overdue, preset, excluded_customer_ids::text[] AS excluded_customer_ids, updated_by, updated_at';

/** The column each change is written to, and how its value is bound. */
const WRITES: Record<keyof PolicyChanges, { column: string; cast: string; value: (c: PolicyChanges) => unknown }> = {
  enabled: { column: 'enabled', cast: '?::boolean', value: (c) => c.enabled },
  minOverdueAmounts: { column: 'min_overdue_amounts', cast: '?::jsonb', value: (c) => JSON.stringify(c.minOverdueAmounts) },
  minDaysOverdue: { column: 'min_days_overdue', cast: '?::integer', value: (c) => c.minDaysOverdue },
  preset: { column: 'preset', cast: '?::text', value: (c) => c.preset },
  excludedCustomerIds: { column: 'excluded_customer_ids', cast: '?::uuid[]', value: (c) => c.excludedCustomerIds },
};

const actorName = (call: CallContext): string => `${call.actor.type}:${call.actor.id}`;

/**
 * The enrolment policy (one row of enrolment_policy, inserted by migration 011) and what
 * auto-enrolment reads of this service's own tables.
 */
export class EnrolmentStore {
  constructor(private readonly orm: MikroORM) {}

  private em(): EntityManager {
    return this.orm.em.fork() as EntityManager;
  }

  async policy(): Promise<EnrolmentPolicy> {
    return readPolicy(this.em(), '');
  }

  /**
   * Applies the changes under the row's lock (concurrent updates take turns) and audits what
   * changed (field -> before, after) in the same transaction. Changes that change nothing write
   * and audit nothing.
   */
  async update(changes: PolicyChanges, call: CallContext): Promise<EnrolmentPolicy> {
    return inTransaction(this.em(), call, async (tx) => {
      const before = await readPolicy(tx, 'FOR UPDATE');
      const diff = policyDiff(before, changes);
      if (!Object.keys(diff).length) return before;
      const keys = (Object.keys(changes) as (keyof PolicyChanges)[]).filter((k) => changes[k] !== undefined);
      await sql(
        tx,
        `UPDATE enrolment_policy SET ${keys.map((k) => `${WRITES[k].column} = ${WRITES[k].cast}`).join(', ')}, updated_by = ? WHERE id`,
        [...keys.map((k) => WRITES[k].value(changes)), actorName(call)],
      );
      await recordAuditEvent(tx, {
        entityType: 'enrolment_policy',
        entityId: null,
        action: 'updated',
        actor: call.actor,
        details: { request_id: call.requestId, changes: diff },
      });
      return readPolicy(tx, '');
    });
  }

  /** Of these invoices, the ones that ever had a campaign (a row in campaign_invoices, whatever the campaign's status). */
  async invoicesEverChased(invoiceIds: readonly string[]): Promise<Set<string>> {
    if (!invoiceIds.length) return new Set();
    const rows = await sql<{ invoice_id: string }>(
      this.em(),
      'SELECT DISTINCT invoice_id FROM campaign_invoices WHERE invoice_id = ANY(?::uuid[])',
      [[...invoiceIds]],
    );
    return new Set(rows.map((r) => r.invoice_id));
  }
}

async function readPolicy(em: SqlTarget, lock: '' | 'FOR UPDATE'): Promise<EnrolmentPolicy> {
  const [row] = await sql<PolicyRow>(em, `SELECT ${COLUMNS} FROM enrolment_policy WHERE id ${lock}`);
  // Migration 011 inserts the one row and the service may not insert or delete it.
  if (!row) throw new Error('enrolment_policy has no row (migration 011 inserts it)');
  return {
    enabled: row.enabled,
    minOverdueAmounts: row.min_overdue_amounts,
    minDaysOverdue: row.min_days_overdue,
    preset: row.preset,
    excludedCustomerIds: row.excluded_customer_ids,
    updatedBy: row.updated_by,
    updatedAt: new Date(row.updated_at),
  };
}
