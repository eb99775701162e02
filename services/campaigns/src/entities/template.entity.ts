import { defineEntity, type InferEntity } from '@mikro-orm/postgresql';

/** templates (migrations 003 and 010): one row per version of a name and language. */
export const TemplateEntity = defineEntity({
  name: 'Template',
  tableName: 'templates',
  properties: (p) => ({
    id: p.uuid().primary().defaultRaw('gen_random_uuid()'),
    name: p.text(),
    channel: p.text(),
    tone: p.text().defaultRaw(`'friendly'`),
    language: p.text().defaultRaw(`'en'`),
    version: p.integer().defaultRaw('1'),
    subject: p.text().nullable(),
    body: p.text(),
    variables: p.array().columnType('text[]').defaultRaw(`'{}'`),
    isActive: p.boolean().defaultRaw('true'),
    requestId: p.uuid().nullable(),
    createdBy: p.text().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  }),
});

export type TemplateRow = InferEntity<typeof TemplateEntity>;
