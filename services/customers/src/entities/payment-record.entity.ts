import { defineEntity, type InferEntity } from '@mikro-orm/postgresql';
import type { InvoiceStatus } from '../domain/values';

/** payment_records (migration 001): an invoice. Amounts are exact decimal strings. */
export const PaymentRecordEntity = defineEntity({
  name: 'PaymentRecord',
  tableName: 'payment_records',
  properties: (p) => ({
    id: p.uuid().primary().defaultRaw('gen_random_uuid()'),
    customerId: p.uuid(),
    invoiceNumber: p.text(),
    amount: p.decimal(),
    amountPaid: p.decimal().defaultRaw('0'),
    currency: p.character(),
    issuedDate: p.date(),
    dueDate: p.date(),
    paidDate: p.date().nullable(),
    status: p.text().$type<InvoiceStatus>(),
    description: p.text().nullable(),
    lastPaymentAt: p.datetime().nullable(),
    cancelledAt: p.datetime().nullable(),
    cancellationReason: p.text().nullable(),
    requestId: p.uuid().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  }),
});

export type PaymentRecord = InferEntity<typeof PaymentRecordEntity>;
