import type { ServiceError } from '@grpc/grpc-js';
import { peerCallError } from '@cec/grpc';
import { NotFoundError, Violations } from '@cec/errors';
import { customersV1 } from '@cec/proto';
import type { InvoiceFacts } from '../domain/campaign-invoices';
import { invoiceStatuses } from './enums';

/** The customers service's clients a campaign's invoices are checked with. */
export interface InvoicePeers {
  customers: customersV1.CustomerServiceClient;
  invoices: customersV1.InvoiceServiceClient;
}

const { InvoiceStatus: S } = customersV1;
const UNPAID = [S.INVOICE_STATUS_PENDING, S.INVOICE_STATUS_OVERDUE, S.INVOICE_STATUS_PARTIAL];

/**
 * Asks the customers service (the owner of invoices) about a campaign's customer and invoices:
 * NOT_FOUND for an unknown customer; otherwise the facts of every requested invoice it knows
 * (an id missing from the answer is unknown). The customer's unpaid invoices come page by
 * page (1000 a page) until each requested one is found; only ids not among them are asked for
 * one by one, to say why (paid, cancelled, another customer's or unknown).
 */
export async function lookUpInvoices(peers: InvoicePeers, customerId: string, ids: readonly string[]): Promise<Map<string, InvoiceFacts>> {
  const found = new Map<string, InvoiceFacts>();
  const wanted = new Set(ids);
  const listing = (async () => {
    let pageToken = '';
    do {
      const page = await ask<customersV1.ListInvoicesRequest, customersV1.ListInvoicesResponse>(
        (r, cb) => peers.invoices.listInvoices(r, cb),
        customersV1.ListInvoicesRequest.fromPartial({ customerId, statuses: UNPAID, pageSize: 1000, pageToken }),
      );
      for (const invoice of page.invoices) if (wanted.has(invoice.id)) found.set(invoice.id, facts(invoice));
      pageToken = found.size < wanted.size ? page.nextPageToken : '';
    } while (pageToken);
  })();
  await Promise.all([ask((r, cb) => peers.customers.getCustomer(r, cb), { customerId }), listing]);
  const rest = ids.filter((id) => !found.has(id));
  await Promise.all(
    rest.map(async (invoiceId) => {
      try {
        const answer = await ask<customersV1.GetInvoiceRequest, customersV1.GetInvoiceResponse>((r, cb) => peers.invoices.getInvoice(r, cb), { invoiceId });
        if (answer.invoice) found.set(invoiceId, facts(answer.invoice));
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
      }
    }),
  );
  return found;
}

export function facts(invoice: customersV1.Invoice): InvoiceFacts {
  return {
    id: invoice.id,
    customerId: invoice.customerId,
    invoiceNumber: invoice.invoiceNumber,
    // Every status the customers service answers is known; UNSPECIFIED would be its bug.
    status: invoiceStatuses.from(invoice.status, new Violations(), 'status', 'invoice status') ?? 'cancelled',
    dueDate: invoice.dueDate,
  };
}

type Callback<Res> = (error: ServiceError | null, response: Res) => void;

function ask<Req, Res>(method: (request: Req, callback: Callback<Res>) => unknown, request: Req): Promise<Res> {
  return new Promise((resolve, reject) => {
    method(request, (error, response) => (error ? reject(peerError(error)) : resolve(response)));
  });
}

function peerError(error: ServiceError): Error {
  return peerCallError(error, {
    peer: 'customers',
    asked: 'about the invoices',
    whenUnavailable: 'a campaign is only made for invoices it vouches for: retry later',
    passNotFound: true,
  });
}
