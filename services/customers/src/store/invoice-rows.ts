import { pgTimestamp, pgTimestampRequired } from '@cec/orm';
import type { InvoiceStatus } from '../domain/values';
import type { PaymentRecord } from '../entities';

export const INVOICE_COLUMNS = `
  pr.id, pr.customer_id, pr.invoice_number, pr.amount, pr.amount_paid, pr.currency, pr.issued_date, pr.due_date,
  pr.paid_date, pr.status, pr.description, pr.last_payment_at, pr.cancelled_at, pr.cancellation_reason,
  pr.request_id, pr.created_at, pr.updated_at`;

/** A payment_records row as the connection returns it (dates and timestamps as text, numerics as strings). */
export interface InvoiceRow {
  id: string;
  customer_id: string;
  invoice_number: string;
  amount: string;
  amount_paid: string;
  currency: string;
  issued_date: string;
  due_date: string;
  paid_date: string | null;
  status: InvoiceStatus;
  description: string | null;
  last_payment_at: string | null;
  cancelled_at: string | null;
  cancellation_reason: string | null;
  request_id: string | null;
  created_at: string;
  updated_at: string;
}

export function invoiceOf(row: InvoiceRow): PaymentRecord {
  return {
    id: row.id,
    customerId: row.customer_id,
    invoiceNumber: row.invoice_number,
    amount: row.amount,
    amountPaid: row.amount_paid,
    currency: row.currency,
    issuedDate: row.issued_date,
    dueDate: row.due_date,
    paidDate: row.paid_date,
    status: row.status,
    description: row.description,
    lastPaymentAt: pgTimestamp(row.last_payment_at),
    cancelledAt: pgTimestamp(row.cancelled_at),
    cancellationReason: row.cancellation_reason,
    requestId: row.request_id,
    createdAt: pgTimestampRequired(row.created_at),
    updatedAt: pgTimestampRequired(row.updated_at),
  };
}

/** The unique constraint a failed insert tripped, if any. */
export function constraintOf(error: unknown): string | undefined {
  return (error as { constraint?: string }).constraint;
}
