import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { complianceV1 } from '@cec/proto';
import { call, eventually, expectInvalid, rejectionOf } from '@cec/testing';
import { useComplianceService } from '../../testing/compliance-harness';
import { complianceFixtures } from '../../testing/fixtures';

// The sequencer seals every 50 ms here.
const h = useComplianceService({ env: { AUDIT_SEAL_INTERVAL_MS: '50' } });
const { createRule, state } = complianceFixtures(h);

const event = (overrides: Partial<complianceV1.AuditEvent> = {}) =>
  complianceV1.AuditEvent.fromPartial({ id: randomUUID(), entityType: 'campaign', entityId: randomUUID(), action: 'status_changed', details: { before: 'draft', after: 'active' }, ...overrides });

describe('AuditService', () => {
  it('records an event once per event id, as the caller (x-actor) unless the event names an actor', async () => {
    const e = event();
    const first = await call(h.audit, 'recordAuditEvent', { event: e }, { metadata: { 'x-actor': 'user:dana' } });
    expect(first.event).toMatchObject({ id: e.id, entityType: 'campaign', action: 'status_changed', actorType: 'user', actorId: 'dana', details: { before: 'draft', after: 'active' } });
    const again = await call(h.audit, 'recordAuditEvent', { event: e }, { metadata: { 'x-actor': 'user:dana' } });
    expect(again.event?.id).toBe(e.id);
    expect(await h.db.query('SELECT count(*)::int AS n FROM audit_logs WHERE id = $1', [e.id])).toEqual([{ n: 1 }]);
    // The same id with another payload is another event claiming this id.
    const clash = await rejectionOf(call(h.audit, 'recordAuditEvent', { event: { ...e, action: 'cancelled' } }, { metadata: { 'x-actor': 'user:dana' } }));
    expect(clash.code).toBe(status.ALREADY_EXISTS);
  });

  it('refuses bad events naming the fields, and records nothing', async () => {
    const before = await state();
    await expectInvalid(call(h.audit, 'recordAuditEvent', { event: event({ id: 'x', entityType: 'Bad Type', action: '', entityId: 'y', actorType: 'robot', actorId: '' }) }), [
      'event.id',
      'event.entity_id',
      'event.entity_type',
      'event.action',
      'event.actor_type',
      'event.actor_id',
    ]);
    expect(await state()).toEqual(before);
  });

  it('lists events by entity, actor, action and time, newest first, page by page', async () => {
    const entityId = randomUUID();
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const e = event({ entityId, action: i % 2 ? 'paused' : 'resumed' });
      ids.push(e.id);
      await call(h.audit, 'recordAuditEvent', { event: e }, { metadata: { 'x-actor': 'user:lee' } });
    }
    const listed: string[] = [];
    let pageToken = '';
    do {
      const page = await call(h.audit, 'listAuditEvents', complianceV1.ListAuditEventsRequest.fromPartial({ entityId, pageSize: 2, pageToken }));
      listed.push(...page.events.map((e) => e.id));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(listed).toEqual([...ids].reverse());
    const paused = await call(h.audit, 'listAuditEvents', complianceV1.ListAuditEventsRequest.fromPartial({ entityId, action: 'paused', actorId: 'lee' }));
    expect(paused.events.map((e) => e.id)).toEqual([ids[3], ids[1]]);
    const none = await call(h.audit, 'listAuditEvents', complianceV1.ListAuditEventsRequest.fromPartial({ entityId, endTime: new Date(Date.now() - 3_600_000) }));
    expect(none.events).toEqual([]);

    // A doctored token (right filters, a key that is not a time and an id) is refused before any SQL.
    const first = await call(h.audit, 'listAuditEvents', complianceV1.ListAuditEventsRequest.fromPartial({ entityId, pageSize: 1 }));
    const body = JSON.parse(Buffer.from(first.nextPageToken, 'base64url').toString());
    const doctored = Buffer.from(JSON.stringify({ ...body, k: ["1'; DROP TABLE audit_logs; --", '1'] })).toString('base64url');
    await expectInvalid(call(h.audit, 'listAuditEvents', complianceV1.ListAuditEventsRequest.fromPartial({ entityId, pageSize: 1, pageToken: doctored })), ['page_token']);
  });

  it('verifies the chain once sealed, says how far it is sealed, and finds a tampered row', async () => {
    await createRule();
    const sealed = await eventually(
      async () => {
        const r = await call(h.audit, 'verifyAuditChain', {});
        return r.unsealedCount === '0' && r;
      },
      { what: 'every event sealed' },
    );
    expect(sealed).toMatchObject({ ok: true, problem: '', firstBrokenSeq: '0' });
    expect(Number(sealed.headSeq)).toBeGreaterThan(0);
    expect(sealed.headRowHash).toMatch(/^[0-9a-f]{64}$/);

    // As a superuser would, with the guard triggers off: change a sealed row's details.
    const [victim] = await h.db.query<{ id: string; seq: string }>('SELECT id, seq::text FROM audit_logs WHERE seq IS NOT NULL ORDER BY seq LIMIT 1');
    const tamper = await h.db.pool.connect();
    try {
      await tamper.query('BEGIN');
      await tamper.query("SET LOCAL session_replication_role = replica");
      await tamper.query('ALTER TABLE audit_logs DISABLE TRIGGER ALL');
      await tamper.query(`UPDATE audit_logs SET details = '{"forged": true}' WHERE id = $1`, [victim.id]);
      await tamper.query('ALTER TABLE audit_logs ENABLE TRIGGER ALL');
      await tamper.query('COMMIT');
    } finally {
      tamper.release();
    }
    const broken = await call(h.audit, 'verifyAuditChain', {});
    expect(broken).toMatchObject({ ok: false, firstBrokenSeq: victim.seq, firstBrokenEventId: victim.id, problem: expect.stringContaining('altered') });
  });
});
