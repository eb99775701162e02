import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { CallContext } from '@cec/context';
import { inTransaction, recordAuditEvent, sql } from '@cec/orm';
import type { RiskLevel } from '../domain/values';
import type { PaymentRecord } from '../entities';
import { INVOICE_COLUMNS, invoiceOf, type InvoiceRow } from './invoice-rows';
import { refreshRisk } from './risk';

export interface OverdueFilter {
  customerId?: string;
  minDaysOverdue?: number;
  riskLevels?: RiskLevel[];
}

/** A row of v_overdue_payments. */
export interface OverdueRow {
  payment_record_id: string;
  days_overdue: number;
  due_date: string;
  company_name: string;
  risk_level: RiskLevel | null;
  risk_score: number | null;
  do_not_contact: boolean;
}

const SWEEP_BATCH = 500;

/** Overdue invoices: the list from v_overdue_payments and the sweep that marks them. */
export class OverdueStore {
  constructor(private readonly orm: MikroORM) {}

  private em(): EntityManager {
    return this.orm.em.fork();
  }

  /** One page of v_overdue_payments, oldest due date first, with the invoices themselves. */
  async listOverdue(filter: OverdueFilter, after: [string, string] | undefined, limit: number): Promise<{ row: OverdueRow; invoice: PaymentRecord }[]> {
    const conditions: string[] = ['true'];
    const params: unknown[] = [];
    if (filter.customerId) {
      conditions.push('v.customer_id = ?');
      params.push(filter.customerId);
    }
    if (filter.minDaysOverdue) {
      conditions.push('v.days_overdue >= ?');
      params.push(filter.minDaysOverdue);
    }
    if (filter.riskLevels?.length) {
      conditions.push(`v.risk_level IN (${filter.riskLevels.map(() => '?').join(', ')})`);
      params.push(...filter.riskLevels);
    }
    if (after) {
      conditions.push('(v.due_date, v.payment_record_id) > (?::date, ?::uuid)');
      params.push(after[0], after[1]);
    }
    // One statement, ordered by the view's own date column so the index on open invoices'
    // (due_date, id) serves the order and the LIMIT; rows map straight to records.
    const rows = await sql<OverdueRow & InvoiceRow>(
      this.orm.em,
      `SELECT v.days_overdue, v.company_name, v.risk_level, v.risk_score, v.do_not_contact, ${INVOICE_COLUMNS}
         FROM v_overdue_payments v
         JOIN payment_records pr ON pr.id = v.payment_record_id
        WHERE ${conditions.join(' AND ')}
        ORDER BY v.due_date, v.payment_record_id
        LIMIT ?`,
      [...params, limit],
    );
    return rows.map((row) => ({
      row: {
        payment_record_id: row.id,
        days_overdue: row.days_overdue,
        due_date: row.due_date,
        company_name: row.company_name,
        risk_level: row.risk_level,
        risk_score: row.risk_score,
        do_not_contact: row.do_not_contact,
      },
      invoice: invoiceOf(row),
    }));
  }

  /**
   * Marks pending invoices past due as overdue, in batches. Rows another replica is sweeping
   * are skipped (FOR UPDATE SKIP LOCKED) and a row already swept no longer matches, so
   * concurrent sweeps never double-mark; each marked invoice is audited and its customer's
   * risk refreshed in the same transaction. Returns how many this call marked.
   */
  async sweepOverdue(call: CallContext): Promise<number> {
    let total = 0;
    for (;;) {
      const marked = await inTransaction(this.em(), call, async (tx) => {
        const rows = await sql<{ id: string; customer_id: string; due_date: string }>(
          tx,
          `UPDATE payment_records p
              SET status = 'overdue'
             FROM (SELECT id FROM payment_records
                    WHERE status = 'pending' AND due_date < current_date
                    ORDER BY due_date, id
                    LIMIT ${SWEEP_BATCH}
                    FOR UPDATE SKIP LOCKED) due
            WHERE p.id = due.id
        RETURNING p.id, p.customer_id, to_char(p.due_date, 'YYYY-MM-DD') AS due_date`,
        );
        for (const customerId of [...new Set(rows.map((r) => r.customer_id))].sort()) await refreshRisk(tx, customerId);
        for (const row of rows) {
          await recordAuditEvent(tx, {
            entityType: 'invoice',
            entityId: row.id,
            action: 'marked_overdue',
            actor: call.actor,
            details: { request_id: call.requestId, before: { status: 'pending' }, after: { status: 'overdue' }, due_date: row.due_date },
          });
        }
        return rows.length;
      });
      total += marked;
      if (marked < SWEEP_BATCH) return total;
    }
  }
}
