import { defineEntity, type InferEntity } from '@mikro-orm/postgresql';

/** agents (migrations 001 and 010). `secrets` is written, never returned or logged. */
export const AgentEntity = defineEntity({
  name: 'Agent',
  tableName: 'agents',
  properties: (p) => ({
    id: p.uuid().primary().defaultRaw('gen_random_uuid()'),
    name: p.text(),
    type: p.text(),
    status: p.text().defaultRaw(`'offline'`),
    capabilities: p.array().columnType('text[]').defaultRaw(`'{}'`),
    config: p.json<Record<string, unknown>>().defaultRaw(`'{}'::jsonb`),
    secrets: p.json<Record<string, string>>().defaultRaw(`'{}'::jsonb`).lazy(),
    performanceMetrics: p.json<Record<string, unknown>>().defaultRaw(`'{}'::jsonb`),
    maxConcurrentTasks: p.integer().defaultRaw('1'),
    lastHeartbeatAt: p.datetime().nullable(),
    statusMessage: p.text().nullable(),
    requestId: p.uuid().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  }),
});

export type AgentRow = InferEntity<typeof AgentEntity>;
