import type { ServiceError } from '@grpc/grpc-js';
import { peerCallError } from '@cec/grpc';
import { InvalidArgumentError, NotFoundError } from '@cec/errors';
import type { customersV1 } from '@cec/proto';
import type { RenderFacts } from '../domain/render';

/** The customers service clients a render asks. */
export interface RenderFactsClients {
  customers: customersV1.CustomerServiceClient;
  invoices: customersV1.InvoiceServiceClient;
}

/**
 * What a message says about a customer and (optionally) one of its invoices, from the customers
 * service: the contact profile (names, country, time zone) and the invoice (number, due date,
 * amount and what was paid). Both are asked at once. An unknown customer or invoice is NOT_FOUND;
 * an invoice of another customer is INVALID_ARGUMENT on invoice_id; customers down is UNAVAILABLE.
 */
export async function fetchRenderFacts(clients: RenderFactsClients, customerId: string, invoiceId: string | undefined, now = new Date()): Promise<RenderFacts> {
  const [profiles, invoice] = await Promise.all([
    ask<customersV1.BatchGetContactProfilesResponse>((done) => clients.customers.batchGetContactProfiles({ customerIds: [customerId] }, done)),
    invoiceId ? ask<customersV1.GetInvoiceResponse>((done) => clients.invoices.getInvoice({ invoiceId }, done)).then((r) => r.invoice) : undefined,
  ]);
  const profile = profiles.profiles[0];
  if (!profile) throw NotFoundError.resource('customer', customerId);
  if (invoice && invoice.customerId.toLowerCase() !== customerId.toLowerCase()) {
    throw InvalidArgumentError.field('invoice_id', `invoice ${invoiceId} is not an invoice of customer ${customerId}`);
  }
  return {
    customer: { companyName: profile.companyName, contactName: profile.contactName, countryCode: profile.countryCode, timeZone: profile.timeZone },
    invoice: invoice
      ? {
          invoiceNumber: invoice.invoiceNumber,
          dueDate: invoice.dueDate,
          amount: { amount: invoice.amount?.amount ?? '0', currencyCode: invoice.amount?.currencyCode ?? '' },
          amountPaid: invoice.amountPaid ? { amount: invoice.amountPaid.amount || '0', currencyCode: invoice.amountPaid.currencyCode } : undefined,
        }
      : undefined,
    now,
  };
}

function ask<T>(start: (done: (error: ServiceError | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => start((error, value) => (error ? reject(peerError(error)) : resolve(value))));
}

function peerError(error: ServiceError): Error {
  return peerCallError(error, {
    peer: 'customers',
    asked: 'for the customer and invoice',
    whenUnavailable: "the template cannot be rendered without the customer's facts: retry later",
    passNotFound: true,
  });
}
