import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { NotFoundError } from '@cec/errors';
import { sql } from '@cec/orm';
import { OPEN_STATUSES } from '../domain/values';
import { CustomerEntity } from '../entities';

export interface CurrencyTotals {
  currency: string;
  outstanding: string;
  overdue: string;
}

export interface BalanceRow {
  customerId: string;
  totals: CurrencyTotals[];
  oldestOverdueDueDate: string | null;
  maxDaysOverdue: number;
  openCount: number;
  overdueCount: number;
  overdueInvoiceIds: string[];
}

/** What customers owe, per currency, and since when (for the escalation engine). */
export class BalanceStore {
  constructor(private readonly orm: MikroORM) {}

  private em(): EntityManager {
    return this.orm.em.fork();
  }

  /** What each customer owes, per currency, and since when; NOT_FOUND naming unknown customers. */
  async balances(customerIds: string[]): Promise<BalanceRow[]> {
    const em = this.em();
    const known = await em.find(CustomerEntity, { id: { $in: customerIds } }, { fields: ['id'] });
    const knownIds = new Set(known.map((c) => c.id));
    const missing = customerIds.filter((id) => !knownIds.has(id));
    if (missing.length) throw new NotFoundError(`customers not found: ${missing.join(', ')}`);
    const rows = await sql<{
      customer_id: string;
      currency: string;
      outstanding: string;
      overdue: string;
      oldest: string | null;
      max_days: number | null;
      open_count: string;
      overdue_keys: string[] | null;
    }>(
      em,
      `SELECT customer_id, currency,
              sum(amount - amount_paid)::text AS outstanding,
              COALESCE(sum(amount - amount_paid) FILTER (WHERE due_date < current_date), 0)::text AS overdue,
              to_char(min(due_date) FILTER (WHERE due_date < current_date), 'YYYY-MM-DD') AS oldest,
              current_date - min(due_date) FILTER (WHERE due_date < current_date) AS max_days,
              count(*) AS open_count,
              array_agg(to_char(due_date, 'YYYY-MM-DD') || ' ' || id) FILTER (WHERE due_date < current_date) AS overdue_keys
         FROM payment_records
        WHERE customer_id IN (${customerIds.map(() => '?').join(', ')})
          AND status IN (${OPEN_STATUSES.map(() => '?').join(', ')})
        GROUP BY customer_id, currency
        ORDER BY customer_id, currency`,
      // One placeholder per id: the driver expands an array bound to a single "?" into a list.
      [...customerIds, ...OPEN_STATUSES],
    );
    return customerIds.map((customerId) => {
      const mine = rows.filter((r) => r.customer_id === customerId);
      // "YYYY-MM-DD <id>" sorts by due date, then id, across currencies.
      const overdueKeys = mine.flatMap((r) => r.overdue_keys ?? []).sort();
      return {
        customerId,
        totals: mine.map((r) => ({ currency: r.currency, outstanding: r.outstanding, overdue: r.overdue })),
        oldestOverdueDueDate: overdueKeys[0]?.slice(0, 10) ?? null,
        maxDaysOverdue: Math.max(0, ...mine.map((r) => r.max_days ?? 0)),
        openCount: mine.reduce((n, r) => n + Number(r.open_count), 0),
        overdueCount: overdueKeys.length,
        overdueInvoiceIds: overdueKeys.map((key) => key.slice(11)),
      };
    });
  }
}
