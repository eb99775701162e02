import { defineEntity, type InferEntity } from '@mikro-orm/postgresql';

/**
 * compliance_rules (migrations 004 and 009). The database numbers versions (a change to what a
 * rule says is a new version, kept in compliance_rule_versions) and keeps `channel` in step
 * with `channels`: refresh the entity after a flush to read them.
 */
export const ComplianceRuleEntity = defineEntity({
  name: 'ComplianceRule',
  tableName: 'compliance_rules',
  properties: (p) => ({
    id: p.uuid().primary().defaultRaw('gen_random_uuid()'),
    code: p.text(),
    name: p.text(),
    description: p.text().nullable(),
    ruleType: p.text(),
    channels: p.array().columnType('text[]'),
    jurisdiction: p.text().defaultRaw(`'*'`),
    customerId: p.uuid().nullable(),
    parameters: p.json<Record<string, unknown>>(),
    citation: p.text().nullable(),
    isActive: p.boolean().defaultRaw('true'),
    effectiveFrom: p.date().nullable(),
    effectiveTo: p.date().nullable(),
    preset: p.text().nullable(),
    version: p.integer().defaultRaw('1'),
    updatedBy: p.text().nullable(),
    requestId: p.uuid().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  }),
});

export type ComplianceRuleRow = InferEntity<typeof ComplianceRuleEntity>;
