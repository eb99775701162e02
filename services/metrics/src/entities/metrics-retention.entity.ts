import { defineEntity, type InferEntity } from '@mikro-orm/postgresql';

/**
 * metrics_retention (migration 013): the one row that says how many days of samples are kept.
 * The retention job reads it; UpdateRetention changes it.
 */
export const MetricsRetentionEntity = defineEntity({
  name: 'MetricsRetention',
  tableName: 'metrics_retention',
  properties: (p) => ({
    singleton: p.boolean().primary().defaultRaw('true'),
    days: p.integer(),
    updatedBy: p.text().nullable(),
    updatedAt: p.datetime().defaultRaw('now()'),
  }),
});

export type MetricsRetentionRow = InferEntity<typeof MetricsRetentionEntity>;
