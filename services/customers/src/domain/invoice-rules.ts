import { FailedPreconditionError, InvalidArgumentError, Violations } from '@cec/errors';
import { amountProblem, decimal, formatAmount, isCurrencyCode } from '@cec/money';
import { isoDate } from '@cec/validation';
import { requireUuid, text } from '@cec/validation';
import type { InvoiceStatus } from './values';

export interface MoneyInput {
  currencyCode: string;
  amount: string;
}

export interface InvoiceInput {
  customerId: string;
  invoiceNumber: string;
  amount: MoneyInput | undefined;
  issuedDate: string;
  dueDate: string;
  description: string;
}

export interface NewInvoice {
  customerId: string;
  invoiceNumber: string;
  amount: string;
  currency: string;
  issuedDate: string;
  dueDate: string;
  description: string | null;
  status: InvoiceStatus;
}

const INVOICE_NUMBER = /^[A-Za-z0-9][A-Za-z0-9._/#-]{0,63}$/;

/** Checks a Money field; returns the currency and the amount normalised to the currency's digits. */
export function money(v: Violations, field: string, input: MoneyInput | undefined, options: { positive?: boolean } = {}): MoneyInput | undefined {
  if (!input) {
    v.add(field, 'is required');
    return undefined;
  }
  const currency = input.currencyCode.trim();
  if (!isCurrencyCode(currency)) v.add(`${field}.currency_code`, `must be an ISO 4217 currency code such as USD, got "${currency.slice(0, 8)}"`);
  const problem = amountProblem(input.amount.trim(), currency, options);
  if (problem) v.add(`${field}.amount`, problem);
  if (v.has(`${field}.currency_code`) || problem) return undefined;
  return { currencyCode: currency, amount: formatAmount(input.amount.trim(), currency) };
}

/** Validates a new invoice. It starts pending, or overdue when it is already past due. */
export function validateNewInvoice(input: InvoiceInput, today: string, v = new Violations(), prefix = 'invoice'): NewInvoice {
  const customerId = requireUuid(v, `${prefix}.customer_id`, input.customerId);
  const invoiceNumber = input.invoiceNumber.trim();
  if (!invoiceNumber) v.add(`${prefix}.invoice_number`, 'is required');
  else if (!INVOICE_NUMBER.test(invoiceNumber)) {
    v.add(`${prefix}.invoice_number`, 'must be 1-64 letters, digits or . _ / # - (starting with a letter or digit)');
  }
  const amount = money(v, `${prefix}.amount`, input.amount, { positive: true });
  const issuedGiven = isoDate(v, `${prefix}.issued_date`, input.issuedDate);
  const issuedDate = issuedGiven ?? today;
  const dueDate = isoDate(v, `${prefix}.due_date`, input.dueDate, { required: true });
  // An unreadable issued_date is reported as such, not compared as if it were today.
  const issuedUsable = issuedGiven !== undefined || !input.issuedDate;
  if (dueDate && issuedUsable && dueDate < issuedDate) v.add(`${prefix}.due_date`, `must not be before issued_date ${issuedDate}`);
  const description = text(v, `${prefix}.description`, input.description, { max: 1000 }) ?? null;
  v.throwIfAny();
  return {
    customerId,
    invoiceNumber,
    amount: (amount as MoneyInput).amount,
    currency: (amount as MoneyInput).currencyCode,
    issuedDate,
    dueDate: dueDate as string,
    description,
    status: (dueDate as string) < today ? 'overdue' : 'pending',
  };
}

export interface InvoiceBalance {
  id: string;
  amount: string;
  amountPaid: string;
  currency: string;
  status: InvoiceStatus;
}

export interface PaymentOutcome {
  amountPaid: string;
  status: 'partial' | 'paid';
}

/**
 * What a payment does to an invoice: part of the balance makes it partial, the rest paid.
 * A cancelled or paid invoice takes no payment, nor does one in another currency, and a
 * payment larger than the balance is refused (nothing is ever overpaid).
 */
export function applyPayment(invoice: InvoiceBalance, payment: MoneyInput): PaymentOutcome {
  if (invoice.status === 'cancelled') {
    throw new FailedPreconditionError(`invoice ${invoice.id} is cancelled: payments cannot be recorded against it`);
  }
  if (invoice.status === 'paid') throw new FailedPreconditionError(`invoice ${invoice.id} is already paid in full`);
  if (payment.currencyCode !== invoice.currency) {
    throw InvalidArgumentError.field('amount.currency_code', `must be the invoice's currency ${invoice.currency}, got ${payment.currencyCode}`);
  }
  const balance = decimal(invoice.amount).minus(invoice.amountPaid);
  const paid = decimal(payment.amount);
  if (paid.gt(balance)) {
    throw new FailedPreconditionError(
      `a payment of ${formatAmount(paid, invoice.currency)} ${invoice.currency} exceeds the balance of ` +
        `${formatAmount(balance, invoice.currency)} ${invoice.currency} on invoice ${invoice.id}`,
    );
  }
  const amountPaid = decimal(invoice.amountPaid).plus(paid);
  return { amountPaid: amountPaid.toFixed(4), status: amountPaid.eq(invoice.amount) ? 'paid' : 'partial' };
}

/** Whether cancelling changes anything; throws for a paid invoice. */
export function checkCancellable(invoice: { id: string; status: InvoiceStatus }): boolean {
  if (invoice.status === 'paid') throw new FailedPreconditionError(`invoice ${invoice.id} is paid: a paid invoice cannot be cancelled`);
  return invoice.status !== 'cancelled';
}
