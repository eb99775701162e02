import { LockMode, type EntityManager, type FilterQuery, type MikroORM } from '@mikro-orm/postgresql';
import type { CallContext } from '@cec/context';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '@cec/errors';
import { decimal, formatAmount } from '@cec/money';
import { createOnce, inTransaction, recordAuditEvent } from '@cec/orm';
import { checkCancellable, type NewInvoice } from '../domain/invoice-rules';
import type { InvoiceStatus } from '../domain/values';
import { CustomerEntity, PaymentRecordEntity, type PaymentRecord } from '../entities';
import { constraintOf } from './invoice-rows';
import { refreshRisk } from './risk';

export interface InvoiceFilter {
  customerId?: string;
  statuses?: InvoiceStatus[];
  dueAfter?: string;
  dueBefore?: string;
  invoiceNumber?: string;
}

const UNIQUE_INVOICE_NUMBER = 'payment_records_invoice_number_key';
const UNIQUE_INVOICE_REQUEST = 'payment_records_request_id_key';

/** Invoices in PostgreSQL: create, read, list, cancel; every change audited in its transaction. */
export class InvoiceStore {
  constructor(private readonly orm: MikroORM) {}

  private em(): EntityManager {
    return this.orm.em.fork();
  }

  /**
   * Creates an invoice. With a request id, a retry (or a concurrent twin) gets the invoice the
   * first call created; reusing the id for another invoice is an error.
   */
  async create(invoice: NewInvoice, requestId: string | undefined, call: CallContext): Promise<PaymentRecord> {
    try {
      return await createOnce({
        requestId,
        find: (id) => this.byRequestId(id, invoice),
        // A concurrent twin loses the insert race on either unique key (PostgreSQL checks
        // invoice_number first).
        raceConstraints: [UNIQUE_INVOICE_REQUEST, UNIQUE_INVOICE_NUMBER],
        insert: () =>
          inTransaction(this.em(), call, async (tx) => {
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
          }),
      });
    } catch (error) {
      if (constraintOf(error) === UNIQUE_INVOICE_NUMBER) throw new AlreadyExistsError(`invoice number ${invoice.invoiceNumber} already exists`);
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

  /** The invoices with these ids, in the order given; NOT_FOUND naming every unknown id. */
  async getMany(ids: string[]): Promise<PaymentRecord[]> {
    const records = await this.em().find(PaymentRecordEntity, { id: { $in: ids } });
    const byId = new Map(records.map((r) => [r.id, r]));
    const missing = ids.filter((id) => !byId.has(id));
    if (missing.length) throw new NotFoundError(`invoices not found: ${missing.join(', ')}`);
    return ids.map((id) => byId.get(id) as PaymentRecord);
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

  async cancel(id: string, reason: string, call: CallContext): Promise<PaymentRecord> {
    return inTransaction(this.em(), call, async (tx) => {
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
}
