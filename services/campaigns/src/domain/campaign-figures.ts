import { decimal, formatAmount } from '@cec/money';
import type { InvoiceStatus } from './campaign-invoices';
import type { RiskLevel } from './step';

/** What a campaign's invoices say today, as the escalation engine decides on it. */

/** An invoice of the campaign as the customers service reports it today. */
export interface InvoiceState {
  id: string;
  status: InvoiceStatus;
  /** "YYYY-MM-DD". */
  dueDate: string;
  /** What is still owed on it (amount − paid), a decimal string, in `currency`. */
  balance: string;
  currency: string;
}

export interface CampaignFigures {
  /** Nothing is owed on any of the campaign's invoices any more (each paid or cancelled). */
  settled: boolean;
  /** At least one of them was paid in full (rather than every one cancelled). */
  anyPaid: boolean;
  /** Currency → what is still owed on the unpaid invoices (decimal string; only currencies owed). */
  outstanding: Record<string, string>;
  /** Currency → the part of it already past its due date. */
  overdue: Record<string, string>;
  /** Days from the oldest unpaid due date to today (0 when nothing is past due). */
  daysOverdue: number;
  /** The customer's risk level today; null when not known. */
  riskLevel: RiskLevel | null;
}

const UNPAID: readonly InvoiceStatus[] = ['pending', 'overdue', 'partial'];
const DAY_MS = 86_400_000;

/** Days from `from` to `to`, both "YYYY-MM-DD". */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/**
 * The figures of a campaign's invoices on `today` ("YYYY-MM-DD"). A partial payment lowers what
 * is outstanding and nothing else: the schedule keeps its dates (they count from the due date
 * and from the steps taken, never from a payment).
 */
export function campaignFigures(invoices: readonly InvoiceState[], today: string, riskLevel: RiskLevel | null): CampaignFigures {
  const outstanding = new Map<string, ReturnType<typeof decimal>>();
  const overdue = new Map<string, ReturnType<typeof decimal>>();
  let oldestPastDue: string | null = null;
  for (const invoice of invoices) {
    if (!UNPAID.includes(invoice.status)) continue;
    const balance = decimal(invoice.balance);
    if (balance.lte(0)) continue;
    outstanding.set(invoice.currency, (outstanding.get(invoice.currency) ?? decimal(0)).plus(balance));
    if (invoice.dueDate < today) {
      overdue.set(invoice.currency, (overdue.get(invoice.currency) ?? decimal(0)).plus(balance));
      if (oldestPastDue === null || invoice.dueDate < oldestPastDue) oldestPastDue = invoice.dueDate;
    }
  }
  const text = (m: Map<string, ReturnType<typeof decimal>>) => Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)).map(([c, v]) => [c, formatAmount(v, c)]));
  return {
    settled: outstanding.size === 0,
    anyPaid: invoices.some((i) => i.status === 'paid'),
    outstanding: text(outstanding),
    overdue: text(overdue),
    daysOverdue: oldestPastDue ? daysBetween(oldestPastDue, today) : 0,
    riskLevel,
  };
}

/** "4,210.00 USD", "4,210.00 USD and 350.00 EUR": amounts are never added across currencies. */
export function describeAmounts(amounts: Record<string, string>): string {
  const parts = Object.entries(amounts).map(([currency, amount]) => `${groupThousands(amount)} ${currency}`);
  if (parts.length <= 1) return parts[0] ?? 'nothing';
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

function groupThousands(amount: string): string {
  const [whole, fraction] = amount.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}
