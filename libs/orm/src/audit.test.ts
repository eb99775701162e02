import { defineEntity, type MikroORM } from '@mikro-orm/postgresql';
import { AlreadyExistsError } from '@cec/errors';
import { systemCall } from '@cec/context';
import { useTestDatabase } from '@cec/testing';
import { createOrm, inTransaction, recordAuditEvent, recordAuditEvents, translateDatabaseError, type AuditEvent } from './index';

const call = systemCall('audit.test', 'audit-test');
const actor = { type: 'service', id: 'customers' } as const;
const event = (n: number, extra: Partial<AuditEvent> = {}): AuditEvent => ({
  entityType: 'invoice',
  entityId: `0b3c6f0e-2a51-4c1e-9b7e-00000000000${n}`,
  action: 'payment_recorded',
  actor,
  details: { n },
  ...extra,
});

describe('recordAuditEvent / recordAuditEvents', () => {
  const db = useTestDatabase();
  let orm: MikroORM;

  beforeAll(async () => {
    const Probe = defineEntity({ name: 'Probe', tableName: 'customers', properties: (p) => ({ id: p.uuid().primary() }) });
    orm = await createOrm({ url: db.urlAs('customers_svc'), entities: [Probe], poolMax: 4 });
  });

  afterAll(async () => {
    await orm.close();
  });

  const rows = (ids: string[]) =>
    db.query('SELECT id, entity_type, entity_id, action, actor_type, actor_id, details, seq FROM audit_logs WHERE id = ANY($1) ORDER BY append_id', [ids]);

  it('appends in the transaction of the change, unsealed, and commits or rolls back with it', async () => {
    const id = await inTransaction(orm.em.fork(), call, (tx) => recordAuditEvent(tx, event(1)));
    expect(await rows([id])).toEqual([
      { id, entity_type: 'invoice', entity_id: event(1).entityId, action: 'payment_recorded', actor_type: 'service', actor_id: 'customers', details: { n: 1 }, seq: null },
    ]);
    let rolledBack = '';
    await expect(
      inTransaction(orm.em.fork(), call, async (tx) => {
        rolledBack = await recordAuditEvent(tx, event(2));
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await rows([rolledBack])).toEqual([]);
  });

  it('records an event with an eventId once, and refuses the id for another event', async () => {
    const eventId = '0b3c6f0e-2a51-4c1e-9b7e-0000000000e1';
    const first = await inTransaction(orm.em.fork(), call, (tx) => recordAuditEvent(tx, event(3, { eventId })));
    const retry = await inTransaction(orm.em.fork(), call, (tx) => recordAuditEvent(tx, event(3, { eventId })));
    expect([first, retry]).toEqual([eventId, eventId]);
    expect(await rows([eventId])).toHaveLength(1);
    const error = await inTransaction(orm.em.fork(), call, (tx) => recordAuditEvent(tx, event(4, { eventId }))).catch((e: unknown) => e);
    expect(translateDatabaseError(error)).toBeInstanceOf(AlreadyExistsError);
  });

  it('appends many events in one statement and returns their ids in order', async () => {
    const eventId = '0b3c6f0e-2a51-4c1e-9b7e-0000000000e2';
    const ids = await inTransaction(orm.em.fork(), call, (tx) =>
      recordAuditEvents(tx, [event(5), event(6, { eventId }), event(7, { entityId: null, details: {} })]),
    );
    expect(ids).toHaveLength(3);
    expect(ids[1]).toBe(eventId);
    expect((await rows(ids)).map((r) => [r.id, r.entity_id, r.details])).toEqual([
      [ids[0], event(5).entityId, { n: 5 }],
      [ids[1], event(6).entityId, { n: 6 }],
      [ids[2], null, {}],
    ]);
    // the same event id again is the same event
    expect(await inTransaction(orm.em.fork(), call, (tx) => recordAuditEvents(tx, [event(6, { eventId })]))).toEqual([eventId]);
    expect(await recordAuditEvents(orm.em.fork(), [])).toEqual([]);
  });
});
