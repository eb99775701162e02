import { createHash } from 'node:crypto';
import { decimal } from '@cec/money';
import { MAX_INVOICES } from './campaign';
import { campaignFigures, describeAmounts } from './campaign-figures';
import type { InvoiceStatus } from './campaign-invoices';
import type { EnrolmentPolicy } from './enrolment-policy';
import { meetsMinimumOverdue } from './step-conditions';

/** Auto-enrolment: which customers, with which overdue invoices, the engine puts into a campaign. */

/** An overdue invoice as the customers service lists it (ListOverdueInvoices). */
export interface OverdueInvoice {
  id: string;
  customerId: string;
  invoiceNumber: string;
  status: InvoiceStatus;
  /** "YYYY-MM-DD". */
  dueDate: string;
  /** What is still owed on it, a decimal string in `currency`. */
  balance: string;
  currency: string;
  daysOverdue: number;
}

/** One campaign to make: a customer and the overdue invoices it chases. */
export interface Enrolment {
  customerId: string;
  /** Oldest due date first (then by id). */
  invoices: OverdueInvoice[];
  /** What is overdue on them, per currency. */
  overdue: Record<string, string>;
  /** The create's request id: the same customer and invoices give the same id on every replica. */
  requestId: string;
}

export type EnrolmentRules = Pick<EnrolmentPolicy, 'minOverdueAmounts' | 'minDaysOverdue' | 'excludedCustomerIds'>;

/**
 * Whether an invoice may go into a new campaign: its customer is not excluded, it is at least
 * min_days_overdue days past due, something is owed on it, and it never had a campaign
 * (`chased`: every invoice with a row in campaign_invoices, whatever that campaign's status).
 * Enrolment happens once per invoice: an invoice whose campaign was cancelled (a person decided
 * to stop chasing it) or completed (its steps ran out) is not put back into a campaign by the
 * engine; a person may still make one for it with CreateCampaign.
 */
export function enrollable(rules: EnrolmentRules, invoice: OverdueInvoice, chased: ReadonlySet<string>): boolean {
  return (
    !rules.excludedCustomerIds.includes(invoice.customerId) &&
    invoice.daysOverdue >= rules.minDaysOverdue &&
    invoice.daysOverdue > 0 &&
    decimal(invoice.balance).gt(0) &&
    !chased.has(invoice.id)
  );
}

/**
 * The campaigns to make from the overdue invoices: the enrollable ones grouped per customer, for
 * the customers whose overdue amount on them meets the policy's minimum in some currency (the
 * same rule as a step's min_amount_overdue: a currency without a minimum meets it with any
 * amount). The minimum is checked on the invoices the new campaign would chase, not on invoices
 * already chased by another campaign: those are not this campaign's business, and its own steps'
 * conditions are checked on its own invoices too. A customer with more than 100 such invoices
 * (a campaign's maximum) gets one campaign per 100, oldest first. Sorted by customer id.
 */
export function enrolmentsDue(rules: EnrolmentRules, invoices: readonly OverdueInvoice[], chased: ReadonlySet<string>, today: string): Enrolment[] {
  const byCustomer = new Map<string, OverdueInvoice[]>();
  for (const invoice of invoices) {
    if (!enrollable(rules, invoice, chased)) continue;
    const list = byCustomer.get(invoice.customerId);
    if (list) {
      if (!list.some((i) => i.id === invoice.id)) list.push(invoice);
    } else {
      byCustomer.set(invoice.customerId, [invoice]);
    }
  }
  const out: Enrolment[] = [];
  for (const [customerId, list] of [...byCustomer].sort(([a], [b]) => compare(a, b))) {
    const figures = campaignFigures(list, today, null);
    if (!meetsMinimumOverdue(rules.minOverdueAmounts, figures.overdue)) continue;
    list.sort((a, b) => compare(a.dueDate, b.dueDate) || compare(a.id, b.id));
    for (let i = 0; i < list.length; i += MAX_INVOICES) {
      const chunk = list.slice(i, i + MAX_INVOICES);
      out.push({
        customerId,
        invoices: chunk,
        overdue: campaignFigures(chunk, today, null).overdue,
        requestId: enrolmentRequestId(customerId, chunk.map((c) => c.id)),
      });
    }
  }
  return out;
}

/** The namespace of enrolment request ids (a fixed random UUID). */
const NAMESPACE = Buffer.from('6f1c2a4e9b7d4c1f8a3e5d2b7c9f0e14', 'hex');

/**
 * A name-based UUID (RFC 9562 version 5: SHA-1 of a namespace and the name) of the customer and
 * its sorted invoice ids: two replicas enrolling the same customer with the same invoices send the
 * same request id, so createOnce makes one campaign.
 */
export function enrolmentRequestId(customerId: string, invoiceIds: readonly string[]): string {
  const name = `${customerId.toLowerCase()}:${[...invoiceIds].map((id) => id.toLowerCase()).sort().join(',')}`;
  const hash = createHash('sha1').update(NAMESPACE).update(name).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The campaign's name: "<preset>: <n> overdue invoice(s) since <oldest due date>". */
export function enrolmentName(preset: string, enrolment: Enrolment): string {
  const n = enrolment.invoices.length;
  return `${preset}: ${n} overdue invoice${n === 1 ? '' : 's'} since ${enrolment.invoices[0].dueDate}`;
}

/** The campaign's description: who made it, from which policy, and what it chases (at most 2000 characters). */
export function enrolmentDescription(enrolment: Enrolment, minDaysOverdue: number): string {
  const numbers = enrolment.invoices.map((i) => i.invoiceNumber).join(', ');
  const text =
    `Enrolled by the escalation engine (auto-enrolment policy: invoices at least ${minDaysOverdue} days overdue). ` +
    `Overdue: ${describeAmounts(enrolment.overdue)}. Invoices: ${numbers}.`;
  return text.length <= 2000 ? text : `${text.slice(0, 1999)}…`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
