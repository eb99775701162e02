import { defineEntity, type InferEntity } from '@mikro-orm/postgresql';
import type { ContactMethod } from '../domain/values';

export interface AddressValue {
  line1?: string;
  line2?: string;
  city?: string;
  state?: string;
  postal_code?: string;
  country?: string;
}

/** customers (migration 001). */
export const CustomerEntity = defineEntity({
  name: 'Customer',
  tableName: 'customers',
  properties: (p) => ({
    id: p.uuid().primary().defaultRaw('gen_random_uuid()'),
    companyName: p.text(),
    contactName: p.text().nullable(),
    email: p.text(),
    phone: p.text().nullable(),
    preferredContactMethod: p.text().$type<ContactMethod>(),
    address: p.json<AddressValue>(),
    requestId: p.uuid().nullable(),
    requestFingerprint: p.text().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  }),
});

export type Customer = InferEntity<typeof CustomerEntity>;
