import { LockMode, type EntityManager, type FilterQuery, type MikroORM } from '@mikro-orm/postgresql';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '@cec/errors';
import { decimal, formatAmount } from '@cec/money';
import { inTransaction, pgTimestamp, pgTimestampRequired, recordAuditEvent, sql } from '@cec/orm';
import { applyPayment, checkCancellable, type MoneyInput, type NewInvoice } from '../domain/invoice-rules';
import { OPEN_STATUSES, type InvoiceStatus, type RiskLevel } from '../domain/values';
import { CustomerEntity, PaymentEntity, PaymentRecordEntity, type Payment, type PaymentRecord } from '../entities';
import type { CallInfo } from './call-info';
import { refreshRisk } from './risk';

export interface InvoiceFilter {
  customerId?: string;
  statuses?: InvoiceStatus[];
  dueAfter?: string;
  dueBefore?: string;
  invoiceNumber?: string;
}

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

export interface PaymentRequest {
  invoiceId: string;
  amount: MoneyInput;
  paidDate: string;
  reference: string | null;
  requestId: string | undefined;
}

const UNIQUE_INVOICE_NUMBER = 'payment_records_invoice_number_key';
const UNIQUE_INVOICE_REQUEST = 'payment_records_request_id_key';
const UNIQUE_PAYMENT_REQUEST = 'payments_request_id_key';
const SWEEP_BATCH = 500;

function constraintOf(error: unknown): string | undefined {
  return (error as { constraint?: string }).constraint;
}

const INVOICE_COLUMNS = `
  pr.id, pr.customer_id, pr.invoice_number, pr.amount, pr.amount_paid, pr.currency, pr.issued_date, pr.due_date,
  pr.paid_date, pr.status, pr.description, pr.last_payment_at, pr.cancelled_at, pr.cancellation_reason,
  pr.request_id, pr.created_at, pr.updated_at`;

/** A payment_records row as the connection returns it (dates and timestamps as text, numerics as strings). */
interface InvoiceRow {
  id: string;
  customer_id: string;
  invoice_number: string;
  amount: string;
  amount_paid: string;
  currency: string;
  issued_date: string;
  due_date: string;
  paid_date: string | null;
  status: InvoiceStatus;
  description: string | null;
  last_payment_at: string | null;
  cancelled_at: string | null;
  cancellation_reason: string | null;
  request_id: string | null;
  created_at: string;
  updated_at: string;
}

function invoiceOf(row: InvoiceRow): PaymentRecord {
  return {
    id: row.id,
    customerId: row.customer_id,
    invoiceNumber: row.invoice_number,
    amount: row.amount,
    amountPaid: row.amount_paid,
    currency: row.currency,
    issuedDate: row.issued_date,
    dueDate: row.due_date,
    paidDate: row.paid_date,
    status: row.status,
    description: row.description,
    lastPaymentAt: pgTimestamp(row.last_payment_at),
    cancelledAt: pgTimestamp(row.cancelled_at),
    cancellationReason: row.cancellation_reason,
    requestId: row.request_id,
    createdAt: pgTimestampRequired(row.created_at),
    updatedAt: pgTimestampRequired(row.updated_at),
  };
}

/** Invoices, payments and balances in PostgreSQL; every change audited in its transaction. */
export class InvoiceStore {
  constructor(private readonly orm: MikroORM) {}

  private em(): EntityManager {
    return this.orm.em.fork();
  }

  async create(invoice: NewInvoice, requestId: string | undefined, call: CallInfo): Promise<PaymentRecord> {
    if (requestId) {
      const earlier = await this.byRequestId(requestId, invoice);
      if (earlier) return earlier;
    }
    try {
      return await inTransaction(this.em(), call.deadline, async (tx) => {
        if (!(await tx.findOne(CustomerEntity, { id: invoice.customerId }, { fields: ['id'] }))) {
          throw NotFoundError.resource('customer', invoice.customerId);
        }
        const record = tx.create(PaymentRecordEntity, { ...invoice, requestId: requestId ?? null });
        await tx.flush();
        const risk = await refreshRisk(tx, invoice.customerId);
        await recordAuditEvent(tx, {
          entityType: 'invoice',
          entityId: record.id,
          action: 'created',
          actor: call.actor,
          details: {
            request_id: call.requestId,
            after: { invoice_number: invoice.invoiceNumber, amount: invoice.amount, currency: invoice.currency, due_date: invoice.dueDate, status: invoice.status },
            risk,
          },
        });
        await tx.refresh(record);
        return record;
      });
    } catch (error) {
      const constraint = constraintOf(error);
      // A concurrent retry of the same create loses the insert race on either unique key
      // (PostgreSQL checks invoice_number first): answer it with the winner's invoice.
      if (requestId && (constraint === UNIQUE_INVOICE_REQUEST || constraint === UNIQUE_INVOICE_NUMBER)) {
        const earlier = await this.byRequestId(requestId, invoice);
        if (earlier) return earlier;
      }
      if (constraint === UNIQUE_INVOICE_NUMBER) throw new AlreadyExistsError(`invoice number ${invoice.invoiceNumber} already exists`);
      throw error;
    }
  }

  private async byRequestId(requestId: string, invoice: NewInvoice): Promise<PaymentRecord | undefined> {
    const earlier = await this.em().findOne(PaymentRecordEntity, { requestId });
    // A retry carries the same invoice; anything else under this key is another invoice, which
    // must not be answered with the first one as if it had been created.
    const same =
      earlier &&
      earlier.invoiceNumber === invoice.invoiceNumber &&
      earlier.customerId === invoice.customerId &&
      earlier.currency === invoice.currency &&
      decimal(earlier.amount).eq(invoice.amount);
    if (earlier && !same) {
      throw InvalidArgumentError.field(
        'request_id',
        `was already used to create invoice ${earlier.id} (${earlier.invoiceNumber}, ${formatAmount(earlier.amount, earlier.currency)} ${earlier.currency}); ` +
          'use a new request_id for a new invoice',
      );
    }
    return earlier ?? undefined;
  }

  async get(id: string): Promise<PaymentRecord> {
    const record = await this.em().findOne(PaymentRecordEntity, { id });
    if (!record) throw NotFoundError.resource('invoice', id);
    return record;
  }

  /** One page by due date (then id), after `after`. */
  async list(filter: InvoiceFilter, after: [string, string] | undefined, limit: number): Promise<PaymentRecord[]> {
    const where: FilterQuery<PaymentRecord>[] = [];
    if (filter.customerId) where.push({ customerId: filter.customerId });
    if (filter.statuses?.length) where.push({ status: { $in: filter.statuses } });
    if (filter.dueAfter) where.push({ dueDate: { $gte: filter.dueAfter } });
    if (filter.dueBefore) where.push({ dueDate: { $lte: filter.dueBefore } });
    if (filter.invoiceNumber) where.push({ invoiceNumber: filter.invoiceNumber });
    if (after) where.push({ $or: [{ dueDate: { $gt: after[0] } }, { dueDate: after[0], id: { $gt: after[1] } }] });
    return this.em().find(PaymentRecordEntity, { $and: where }, { orderBy: { dueDate: 'asc', id: 'asc' }, limit });
  }

  /**
   * Records a payment under a row lock on the invoice, so concurrent payments add up and
   * never overpay; a retry with the same request id returns the first result.
   */
  async recordPayment(request: PaymentRequest, call: CallInfo): Promise<{ invoice: PaymentRecord; payment: Payment }> {
    if (request.requestId) {
      const earlier = await this.paymentByRequestId(request.requestId, request);
      if (earlier) return earlier;
    }
    try {
      return await inTransaction(this.em(), call.deadline, async (tx) => {
        const invoice = await tx.findOne(PaymentRecordEntity, { id: request.invoiceId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (!invoice) throw NotFoundError.resource('invoice', request.invoiceId);
        const before = { status: invoice.status, amount_paid: invoice.amountPaid };
        const outcome = applyPayment(invoice, request.amount);
        const payment = tx.create(PaymentEntity, {
          paymentRecordId: invoice.id,
          amount: request.amount.amount,
          currency: request.amount.currencyCode,
          paidDate: request.paidDate,
          reference: request.reference,
          requestId: request.requestId ?? null,
        });
        tx.assign(invoice, {
          amountPaid: outcome.amountPaid,
          status: outcome.status,
          paidDate: outcome.status === 'paid' ? request.paidDate : null,
          lastPaymentAt: new Date(),
        });
        await tx.flush();
        const risk = await refreshRisk(tx, invoice.customerId);
        await recordAuditEvent(tx, {
          entityType: 'invoice',
          entityId: invoice.id,
          action: 'payment_recorded',
          actor: call.actor,
          details: {
            request_id: call.requestId,
            payment_id: payment.id,
            amount: request.amount.amount,
            currency: request.amount.currencyCode,
            before,
            after: { status: outcome.status, amount_paid: outcome.amountPaid },
            risk,
          },
        });
        await tx.refresh(invoice);
        await tx.refresh(payment);
        return { invoice, payment };
      });
    } catch (error) {
      if (request.requestId && constraintOf(error) === UNIQUE_PAYMENT_REQUEST) {
        const earlier = await this.paymentByRequestId(request.requestId, request);
        if (earlier) return earlier;
      }
      throw error;
    }
  }

  private async paymentByRequestId(requestId: string, request: PaymentRequest): Promise<{ invoice: PaymentRecord; payment: Payment } | undefined> {
    const em = this.em();
    const invoiceId = request.invoiceId;
    const payment = await em.findOne(PaymentEntity, { requestId });
    if (!payment) return undefined;
    // A retry carries the same payment; another amount under this key is another payment, which
    // must not be dropped as if it had been recorded.
    if (
      payment.paymentRecordId !== invoiceId ||
      payment.currency !== request.amount.currencyCode ||
      !decimal(payment.amount).eq(request.amount.amount)
    ) {
      throw InvalidArgumentError.field(
        'request_id',
        `was already used for a payment of ${formatAmount(payment.amount, payment.currency)} ${payment.currency} on invoice ` +
          `${payment.paymentRecordId}; use a new request_id for a new payment`,
      );
    }
    return { invoice: (await em.findOne(PaymentRecordEntity, { id: invoiceId })) as PaymentRecord, payment };
  }

  async cancel(id: string, reason: string, call: CallInfo): Promise<PaymentRecord> {
    return inTransaction(this.em(), call.deadline, async (tx) => {
      const invoice = await tx.findOne(PaymentRecordEntity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!invoice) throw NotFoundError.resource('invoice', id);
      if (!checkCancellable(invoice)) return invoice;
      const before = invoice.status;
      tx.assign(invoice, { status: 'cancelled', cancelledAt: new Date(), cancellationReason: reason });
      await tx.flush();
      const risk = await refreshRisk(tx, invoice.customerId);
      await recordAuditEvent(tx, {
        entityType: 'invoice',
        entityId: id,
        action: 'cancelled',
        actor: call.actor,
        details: { request_id: call.requestId, before: { status: before }, after: { status: 'cancelled' }, reason, risk },
      });
      await tx.refresh(invoice);
      return invoice;
    });
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

  /**
   * Marks pending invoices past due as overdue, in batches. Rows another replica is sweeping
   * are skipped (FOR UPDATE SKIP LOCKED) and a row already swept no longer matches, so
   * concurrent sweeps never double-mark; each marked invoice is audited and its customer's
   * risk refreshed in the same transaction. Returns how many this call marked.
   */
  async sweepOverdue(call: CallInfo): Promise<number> {
    let total = 0;
    for (;;) {
      const marked = await inTransaction(this.em(), call.deadline, async (tx) => {
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
