import { defineEntity, type InferEntity } from '@mikro-orm/postgresql';

/** campaigns (migrations 002 and 010). The invoices a campaign chases are in campaign_invoices (SQL). */
export const CampaignEntity = defineEntity({
  name: 'Campaign',
  tableName: 'campaigns',
  properties: (p) => ({
    id: p.uuid().primary().defaultRaw('gen_random_uuid()'),
    customerId: p.uuid(),
    name: p.text(),
    description: p.text().nullable(),
    status: p.text().defaultRaw(`'draft'`),
    escalationSteps: p.json<Record<string, unknown>[]>().defaultRaw(`'[]'::jsonb`),
    currentStep: p.integer().defaultRaw('0'),
    nextStepAt: p.datetime().nullable(),
    results: p.json<Record<string, unknown>>().defaultRaw(`'{}'::jsonb`),
    startedAt: p.datetime().nullable(),
    completedAt: p.datetime().nullable(),
    createdBy: p.text().nullable(),
    requestId: p.uuid().nullable(),
    preset: p.text().nullable(),
    outcome: p.text().nullable(),
    /** The earliest due date of its invoices: due_date-anchored steps count from it. */
    anchorDueDate: p.date().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  }),
});

export type CampaignRow = InferEntity<typeof CampaignEntity>;
