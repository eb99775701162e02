import { status } from '@grpc/grpc-js';
import type { customersV1 } from '@cec/proto';
import { inBatches } from './batch-calls';
import { statusCodeOf } from '@cec/grpc';
import { askPeer, namesABadItem, type PassCallOptions } from './peer-calls';

/** What the customers service says today about the customers and invoices of a batch of campaigns. */
export interface BatchFacts {
  invoices: Map<string, customersV1.Invoice>;
  profiles: Map<string, customersV1.ContactProfile>;
  /** Ids the customers service could not answer for, with why (down, deadline, unknown id). */
  missing: Map<string, string>;
}

export interface FactsClients {
  customers: customersV1.CustomerServiceClient;
  invoices: customersV1.InvoiceServiceClient;
}

/** Ids per batch call (the customers service takes 1-1000). */
const MAX_IDS = 1000;

/**
 * Asks the customers service for every invoice and customer of the batch at once:
 * BatchGetInvoices and BatchGetContactProfiles, in chunks of 1000 ids, both at the same time.
 * An id it does not know (NOT_FOUND for a chunk) is found by splitting that chunk, so the other
 * ids of the chunk are answered; an id it could not answer (down, deadline) is in `missing`.
 */
export async function fetchBatchFacts(clients: FactsClients, invoiceIds: readonly string[], customerIds: readonly string[], options: PassCallOptions): Promise<BatchFacts> {
  const invoiceList = [...new Set(invoiceIds)];
  const customerList = [...new Set(customerIds)];
  const missing = new Map<string, string>();
  const why = (error: unknown) => (statusCodeOf(error) === status.NOT_FOUND ? 'unknown to the customers service' : `customers service: ${status[statusCodeOf(error)] ?? 'failure'}`);

  const [invoiceAnswers, profileAnswers] = await Promise.all([
    inBatches(
      invoiceList,
      async (ids) => {
        const { invoices } = await askPeer(clients.invoices, clients.invoices.batchGetInvoices, { invoiceIds: ids }, options);
        const byId = new Map(invoices.map((i) => [i.id, i]));
        return ids.map((id) => byId.get(id));
      },
      { max: MAX_IDS, split: namesABadItem },
    ),
    inBatches(
      customerList,
      async (ids) => {
        const { profiles } = await askPeer(clients.customers, clients.customers.batchGetContactProfiles, { customerIds: ids }, options);
        const byId = new Map(profiles.map((p) => [p.customerId, p]));
        return ids.map((id) => byId.get(id));
      },
      { max: MAX_IDS, split: namesABadItem },
    ),
  ]);

  const invoices = new Map<string, customersV1.Invoice>();
  invoiceAnswers.forEach((answer, i) => {
    if (answer.ok && answer.value) invoices.set(invoiceList[i], answer.value);
    else missing.set(invoiceList[i], answer.ok ? 'not in the answer of the customers service' : why(answer.error));
  });
  const profiles = new Map<string, customersV1.ContactProfile>();
  profileAnswers.forEach((answer, i) => {
    if (answer.ok && answer.value) profiles.set(customerList[i], answer.value);
    else missing.set(customerList[i], answer.ok ? 'not in the answer of the customers service' : why(answer.error));
  });
  return { invoices, profiles, missing };
}
