import { Metadata, status, type CallOptions, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import type { CallContext } from '@cec/context';
import { DeadlineExceededError, Violations } from '@cec/errors';
import { peerCallError } from '@cec/grpc';
import { customersV1, type campaignsV1 } from '@cec/proto';
import type { InvoiceFacts } from '../domain/campaign-invoices';
import type { OverdueInvoice } from '../domain/enrolment';
import type { EnrolmentPolicy, PolicyInput } from '../domain/enrolment-policy';
import { facts } from './campaign-invoice-lookup';
import { invoiceStatuses } from './enums';

/** The enrolment policy and the customers service's overdue invoices, between proto and domain. */

export function policyToProto(p: EnrolmentPolicy): campaignsV1.EnrolmentPolicy {
  return {
    enabled: p.enabled,
    minOverdueAmounts: Object.entries(p.minOverdueAmounts)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([currencyCode, amount]) => ({ currencyCode, amount })),
    minDaysOverdue: p.minDaysOverdue,
    preset: p.preset,
    excludedCustomerIds: p.excludedCustomerIds,
    updateTime: p.updatedAt,
    updatedBy: p.updatedBy ?? '',
  };
}

export function policyInputFromProto(p: campaignsV1.EnrolmentPolicy | undefined): PolicyInput {
  return {
    enabled: p?.enabled ?? false,
    minOverdueAmounts: (p?.minOverdueAmounts ?? []).map((m) => ({ currencyCode: m.currencyCode, amount: m.amount })),
    minDaysOverdue: p?.minDaysOverdue ?? 0,
    preset: p?.preset ?? '',
    excludedCustomerIds: p?.excludedCustomerIds ?? [],
  };
}

export function overdueInvoiceFromProto(o: customersV1.OverdueInvoice): OverdueInvoice | undefined {
  const invoice = o.invoice;
  if (!invoice?.balance) return undefined;
  const status = invoiceStatuses.from(invoice.status, new Violations(), 'status', 'invoice status');
  if (!status) return undefined;
  return {
    id: invoice.id,
    customerId: invoice.customerId,
    invoiceNumber: invoice.invoiceNumber,
    status,
    dueDate: invoice.dueDate,
    balance: invoice.balance.amount,
    currency: invoice.balance.currencyCode,
    daysOverdue: o.daysOverdue,
  };
}

/** The most a page of ListOverdueInvoices holds. */
const PAGE_SIZE = 1000;

/**
 * The customers service's overdue invoices at least `minDaysOverdue` days past due
 * (InvoiceService.ListOverdueInvoices, v_overdue_payments), a page (1000) at a time. Each call
 * gets the pass's deadline and is cancelled with it. A customers service that does not answer is
 * UNAVAILABLE (DEADLINE_EXCEEDED when the pass's deadline passed).
 */
export async function* overdueInvoicePages(
  invoices: customersV1.InvoiceServiceClient,
  minDaysOverdue: number,
  call: CallContext,
): AsyncGenerator<OverdueInvoice[]> {
  let pageToken = '';
  do {
    const request = customersV1.ListOverdueInvoicesRequest.fromPartial({ pageSize: PAGE_SIZE, pageToken, minDaysOverdue });
    const page = await listPage(invoices, request, call);
    yield page.overdueInvoices.map(overdueInvoiceFromProto).filter((i): i is OverdueInvoice => i !== undefined);
    pageToken = page.nextPageToken;
  } while (pageToken);
}

/**
 * Up to 1000 invoices by id (InvoiceService.BatchGetInvoices) as the creation path checks them
 * (campaignableInvoices): what they are today, just before the campaigns are made.
 */
export async function invoicesToday(invoices: customersV1.InvoiceServiceClient, invoiceIds: readonly string[], call: CallContext): Promise<Map<string, InvoiceFacts>> {
  const answer = await ask<customersV1.BatchGetInvoicesRequest, customersV1.BatchGetInvoicesResponse>(
    (r, m, o, cb) => invoices.batchGetInvoices(r, m, o, cb),
    { invoiceIds: [...invoiceIds] },
    call,
    'read the invoices to enrol',
  );
  return new Map(answer.invoices.map((i) => [i.id, facts(i)]));
}

function listPage(
  client: customersV1.InvoiceServiceClient,
  request: customersV1.ListOverdueInvoicesRequest,
  call: CallContext,
): Promise<customersV1.ListOverdueInvoicesResponse> {
  return ask((r, m, o, cb) => client.listOverdueInvoices(r, m, o, cb), request, call, 'list the overdue invoices');
}

type Unary<Req, Res> = (request: Req, metadata: Metadata, options: Partial<CallOptions>, callback: (error: ServiceError | null, response: Res) => void) => ClientUnaryCall;

/** One call to the customers service with the pass's deadline, cancelled with the pass. */
function ask<Req, Res>(method: Unary<Req, Res>, request: Req, call: CallContext, what: string): Promise<Res> {
  return new Promise((resolve, reject) => {
    const signal = call.signal;
    const options = call.deadline ? { deadline: call.deadline } : {};
    const cancel = (): void => pending.cancel();
    const pending = method(request, new Metadata(), options, (error, response) => {
      signal?.removeEventListener('abort', cancel);
      if (error) reject(peerError(error, what));
      else resolve(response);
    });
    if (signal?.aborted) cancel();
    else signal?.addEventListener('abort', cancel, { once: true });
  });
}

function peerError(error: ServiceError, what: string): Error {
  if (error.code === status.DEADLINE_EXCEEDED || error.code === status.CANCELLED) {
    return new DeadlineExceededError(`the deadline passed (or the pass was cancelled) while the customers service was asked to ${what}; the rest is enrolled at a later pass`);
  }
  return peerCallError(error, { peer: 'customers', asked: `to ${what}`, whenUnavailable: 'auto-enrolment runs again at the next pass' });
}
