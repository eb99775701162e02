import { defineEntity, type InferEntity } from '@mikro-orm/postgresql';

/** payments (migration 007): one payment recorded against an invoice. */
export const PaymentEntity = defineEntity({
  name: 'Payment',
  tableName: 'payments',
  properties: (p) => ({
    id: p.uuid().primary().defaultRaw('gen_random_uuid()'),
    paymentRecordId: p.uuid(),
    amount: p.decimal(),
    currency: p.character(),
    paidDate: p.date(),
    reference: p.text().nullable(),
    requestId: p.uuid().nullable(),
    recordedAt: p.datetime().defaultRaw('now()'),
  }),
});

export type Payment = InferEntity<typeof PaymentEntity>;
