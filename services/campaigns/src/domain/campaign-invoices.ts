import { FailedPreconditionError, NotFoundError } from '@cec/errors';

/** The invoices a campaign may chase: the customer's own, still unpaid. */

export const INVOICE_STATUSES = ['pending', 'overdue', 'partial', 'paid', 'cancelled'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

/** What is owed on them: a campaign chases these. */
export const UNPAID: readonly InvoiceStatus[] = ['pending', 'overdue', 'partial'];

export interface InvoiceFacts {
  id: string;
  customerId: string;
  invoiceNumber: string;
  status: InvoiceStatus;
  /** "YYYY-MM-DD". */
  dueDate: string;
}

/**
 * Checks that each requested invoice exists (`found` has it), is the customer's and is unpaid;
 * returns them in request order. An unknown invoice is NOT_FOUND; another customer's, a paid or
 * a cancelled one is FAILED_PRECONDITION (the request is well formed; the invoices' state does
 * not allow it). Every such invoice is named, not only the first.
 */
export function campaignableInvoices(customerId: string, ids: readonly string[], found: ReadonlyMap<string, InvoiceFacts>): InvoiceFacts[] {
  const unknown = ids.filter((id) => !found.has(id));
  if (unknown.length) throw new NotFoundError(`${plural(unknown.length, 'invoice')} ${unknown.join(', ')} not found`);
  const problems: string[] = [];
  const out = ids.map((id) => found.get(id) as InvoiceFacts);
  for (const invoice of out) {
    const label = `invoice ${invoice.invoiceNumber} (${invoice.id})`;
    if (invoice.customerId !== customerId) problems.push(`${label} belongs to another customer`);
    else if (!UNPAID.includes(invoice.status)) problems.push(`${label} is ${invoice.status}: nothing is owed on it`);
  }
  if (problems.length) throw new FailedPreconditionError(`a campaign chases the customer's unpaid invoices only: ${problems.join('; ')}`);
  return out;
}

/** The date due_date-anchored steps count from: the earliest due date of the campaign's invoices. */
export function anchorDueDate(invoices: readonly Pick<InvoiceFacts, 'dueDate'>[]): string {
  if (!invoices.length) throw new Error('anchorDueDate: no invoices');
  return invoices.map((i) => i.dueDate).reduce((a, b) => (b < a ? b : a));
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}
