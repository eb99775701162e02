import { defineEntity, type InferEntity } from '@mikro-orm/postgresql';
import type { RiskLevel } from '../domain/values';

/** customer_profiles (migration 001). */
export const CustomerProfileEntity = defineEntity({
  name: 'CustomerProfile',
  tableName: 'customer_profiles',
  properties: (p) => ({
    id: p.uuid().primary().defaultRaw('gen_random_uuid()'),
    customerId: p.uuid(),
    riskLevel: p.text().$type<RiskLevel>().defaultRaw("'low'"),
    riskScore: p.integer().defaultRaw('0'),
    riskFactors: p.json<Record<string, unknown>>().defaultRaw("'{}'"),
    riskCalculatedAt: p.datetime().nullable(),
    averagePaymentDelay: p.decimal().defaultRaw('0'),
    responseRate: p.decimal().nullable(),
    doNotContact: p.boolean(),
    doNotContactReason: p.text().nullable(),
    timezone: p.text(),
    countryCode: p.text().nullable(),
    regionCode: p.text().nullable(),
    notes: p.text().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  }),
});

export type CustomerProfile = InferEntity<typeof CustomerProfileEntity>;
