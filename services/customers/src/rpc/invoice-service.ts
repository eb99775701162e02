import { decodePageToken, filterFingerprint, pageSize, paginate, type AsyncService } from '@cec/grpc';
import { InvalidArgumentError, Violations } from '@cec/errors';
import type { customersV1 } from '@cec/proto';
import { money as moneyRule, validateNewInvoice } from '../domain/invoice-rules';
import { enumList, idList, isoDate, optionalUuid, requireUuid, text, todayUtc } from '@cec/validation';
import type { InvoiceStatus, RiskLevel } from '../domain/values';
import type { BalanceStore } from '../store/balance-store';
import type { InvoiceStore } from '../store/invoice-store';
import type { OverdueStore } from '../store/overdue-store';
import type { PaymentStore } from '../store/payment-store';
import { invoiceStatusFromProto, riskLevelFromProto, riskLevelToProto } from './enums';
import { money, toInvoice, toPayment } from './messages';

export interface InvoiceStores {
  invoices: InvoiceStore;
  payments: PaymentStore;
  overdue: OverdueStore;
  balances: BalanceStore;
}

/** escalation.customers.v1.InvoiceService over the invoice, payment, overdue and balance stores. */
export function invoiceService({ invoices, payments, overdue, balances }: InvoiceStores): AsyncService<customersV1.InvoiceServiceServer> {
  return {
    async createInvoice(request, context) {
      const v = new Violations();
      if (!request.invoice) throw InvalidArgumentError.field('invoice', 'is required');
      const requestId = optionalUuid(v, 'request_id', request.requestId);
      const i = request.invoice;
      const invoice = validateNewInvoice(
        { customerId: i.customerId, invoiceNumber: i.invoiceNumber, amount: i.amount, issuedDate: i.issuedDate, dueDate: i.dueDate, description: i.description },
        todayUtc(),
        v,
      );
      return { invoice: toInvoice(await invoices.create(invoice, requestId, context)) };
    },

    async getInvoice(request) {
      const v = new Violations();
      const id = requireUuid(v, 'invoice_id', request.invoiceId);
      v.throwIfAny();
      return { invoice: toInvoice(await invoices.get(id)) };
    },

    async listInvoices(request) {
      const v = new Violations();
      const size = pageSize(request.pageSize);
      const filter = {
        customerId: optionalUuid(v, 'customer_id', request.customerId),
        statuses: enumList<InvoiceStatus>(v, 'statuses', request.statuses, invoiceStatusFromProto),
        dueAfter: isoDate(v, 'due_after', request.dueAfter),
        dueBefore: isoDate(v, 'due_before', request.dueBefore),
        invoiceNumber: text(v, 'invoice_number', request.invoiceNumber, { max: 64 }),
      };
      if (filter.dueAfter && filter.dueBefore && filter.dueAfter > filter.dueBefore) v.add('due_before', 'must not be before due_after');
      v.throwIfAny();
      const fingerprint = filterFingerprint(filter);
      const after = decodePageToken(request.pageToken, fingerprint, ['date', 'uuid']) as [string, string] | undefined;
      const rows = await invoices.list(filter, after, size + 1);
      const { page, nextPageToken } = paginate(rows, size, (r) => [r.dueDate, r.id], fingerprint);
      return { invoices: page.map(toInvoice), nextPageToken };
    },

    async recordPayment(request, context) {
      const v = new Violations();
      const invoiceId = requireUuid(v, 'invoice_id', request.invoiceId);
      const amount = moneyRule(v, 'amount', request.amount, { positive: true });
      const today = todayUtc();
      const paidDate = isoDate(v, 'paid_date', request.paidDate) ?? today;
      if (paidDate > today) v.add('paid_date', `must not be in the future (today is ${today} UTC)`);
      const reference = text(v, 'reference', request.reference, { max: 200 }) ?? null;
      const requestId = optionalUuid(v, 'request_id', request.requestId);
      v.throwIfAny();
      const result = await payments.recordPayment(
        { invoiceId, amount: amount as NonNullable<typeof amount>, paidDate, reference, requestId },
        context,
      );
      return { invoice: toInvoice(result.invoice), payment: toPayment(result.payment) };
    },

    async cancelInvoice(request, context) {
      const v = new Violations();
      const id = requireUuid(v, 'invoice_id', request.invoiceId);
      const reason = text(v, 'reason', request.reason, { required: true, max: 1000 });
      v.throwIfAny();
      return { invoice: toInvoice(await invoices.cancel(id, reason as string, context)) };
    },

    async listOverdueInvoices(request) {
      const v = new Violations();
      const size = pageSize(request.pageSize);
      if (request.minDaysOverdue < 0) v.add('min_days_overdue', `must not be negative, got ${request.minDaysOverdue}`);
      const filter = {
        customerId: optionalUuid(v, 'customer_id', request.customerId),
        minDaysOverdue: request.minDaysOverdue || undefined,
        riskLevels: enumList<RiskLevel>(v, 'risk_levels', request.riskLevels, riskLevelFromProto),
      };
      v.throwIfAny();
      const fingerprint = filterFingerprint(filter);
      const after = decodePageToken(request.pageToken, fingerprint, ['date', 'uuid']) as [string, string] | undefined;
      const rows = await overdue.listOverdue(filter, after, size + 1);
      const { page, nextPageToken } = paginate(rows, size, (r) => [r.row.due_date, r.row.payment_record_id], fingerprint);
      return {
        overdueInvoices: page.map(({ row, invoice }) => ({
          invoice: toInvoice(invoice),
          daysOverdue: row.days_overdue,
          companyName: row.company_name,
          riskLevel: riskLevelToProto(row.risk_level),
          riskScore: row.risk_score ?? 0,
          doNotContact: row.do_not_contact,
        })),
        nextPageToken,
      };
    },

    async batchGetInvoices(request) {
      const ids = idList('invoice_ids', request.invoiceIds);
      return { invoices: (await invoices.getMany(ids)).map(toInvoice) };
    },

    async batchGetCustomerBalances(request) {
      const ids = idList('customer_ids', request.customerIds);
      const rows = await balances.balances(ids);
      return {
        balances: rows.map((row) => ({
          customerId: row.customerId,
          balances: row.totals.map((t) => ({ outstanding: money(t.outstanding, t.currency), overdue: money(t.overdue, t.currency) })),
          oldestOverdueDueDate: row.oldestOverdueDueDate ?? '',
          maxDaysOverdue: row.maxDaysOverdue,
          openInvoiceCount: row.openCount,
          overdueInvoiceCount: row.overdueCount,
          overdueInvoiceIds: row.overdueInvoiceIds,
        })),
      };
    },

    async sweepOverdueInvoices(_request, context) {
      return { markedOverdueCount: await overdue.sweepOverdue(context) };
    },
  };
}
