import { decodePageToken, filterFingerprint, pageSize, paginate, type AsyncService } from '@cec/grpc';
import { InvalidArgumentError, Violations } from '@cec/errors';
import type { customersV1 } from '@cec/proto';
import { isoDate, todayUtc } from '../domain/dates';
import { money as moneyRule, validateNewInvoice } from '../domain/invoice-rules';
import { optionalUuid, requireUuid, text } from '../domain/text-rules';
import type { InvoiceStatus, RiskLevel } from '../domain/values';
import type { InvoiceStore } from '../store/invoice-store';
import { callInfo } from './call-info';
import { uniqueIds } from './customer-service';
import { invoiceStatusFromProto, riskLevelFromProto, riskLevelToProto } from './enums';
import { money, toInvoice, toPayment } from './messages';

function enumList<T>(values: number[], field: string, v: Violations, from: (value: number, v: Violations, field: string) => T | undefined): T[] {
  const out: T[] = [];
  values.forEach((value, i) => {
    const mapped = from(value, v, `${field}[${i}]`);
    if (mapped === undefined && value === 0) v.add(`${field}[${i}]`, 'must not be UNSPECIFIED');
    if (mapped !== undefined) out.push(mapped);
  });
  return [...new Set(out)];
}

/** escalation.customers.v1.InvoiceService over the invoice store. */
export function invoiceService(store: InvoiceStore): AsyncService<customersV1.InvoiceServiceServer> {
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
      return { invoice: toInvoice(await store.create(invoice, requestId, callInfo(context))) };
    },

    async getInvoice(request) {
      const v = new Violations();
      const id = requireUuid(v, 'invoice_id', request.invoiceId);
      v.throwIfAny();
      return { invoice: toInvoice(await store.get(id)) };
    },

    async listInvoices(request) {
      const v = new Violations();
      const size = pageSize(request.pageSize);
      const filter = {
        customerId: optionalUuid(v, 'customer_id', request.customerId),
        statuses: enumList<InvoiceStatus>(request.statuses, 'statuses', v, invoiceStatusFromProto),
        dueAfter: isoDate(v, 'due_after', request.dueAfter),
        dueBefore: isoDate(v, 'due_before', request.dueBefore),
        invoiceNumber: text(v, 'invoice_number', request.invoiceNumber, { max: 64 }),
      };
      if (filter.dueAfter && filter.dueBefore && filter.dueAfter > filter.dueBefore) v.add('due_before', 'must not be before due_after');
      v.throwIfAny();
      const fingerprint = filterFingerprint(filter);
      const after = decodePageToken(request.pageToken, fingerprint, ['date', 'uuid']) as [string, string] | undefined;
      const rows = await store.list(filter, after, size + 1);
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
      const result = await store.recordPayment(
        { invoiceId, amount: amount as NonNullable<typeof amount>, paidDate, reference, requestId },
        callInfo(context),
      );
      return { invoice: toInvoice(result.invoice), payment: toPayment(result.payment) };
    },

    async cancelInvoice(request, context) {
      const v = new Violations();
      const id = requireUuid(v, 'invoice_id', request.invoiceId);
      const reason = text(v, 'reason', request.reason, { required: true, max: 1000 });
      v.throwIfAny();
      return { invoice: toInvoice(await store.cancel(id, reason as string, callInfo(context))) };
    },

    async listOverdueInvoices(request) {
      const v = new Violations();
      const size = pageSize(request.pageSize);
      if (request.minDaysOverdue < 0) v.add('min_days_overdue', `must not be negative, got ${request.minDaysOverdue}`);
      const filter = {
        customerId: optionalUuid(v, 'customer_id', request.customerId),
        minDaysOverdue: request.minDaysOverdue || undefined,
        riskLevels: enumList<RiskLevel>(request.riskLevels, 'risk_levels', v, riskLevelFromProto),
      };
      v.throwIfAny();
      const fingerprint = filterFingerprint(filter);
      const after = decodePageToken(request.pageToken, fingerprint, ['date', 'uuid']) as [string, string] | undefined;
      const rows = await store.listOverdue(filter, after, size + 1);
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

    async batchGetCustomerBalances(request) {
      const ids = uniqueIds(request.customerIds, 'customer_ids');
      const rows = await store.balances(ids);
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
      return { markedOverdueCount: await store.sweepOverdue(callInfo(context)) };
    },
  };
}
