import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { customersV1 } from '@cec/proto';
import { call, expectInvalid, rejectionOf, snapshot } from '@cec/testing';
import { useCustomersService } from '../../testing/customers-harness';
import { ContactMethod, customerFixtures, TODAY, UNKNOWN_ID } from './testing-fixtures';

describe('CustomerService.RecordContactOutcomes', () => {
  const h = useCustomersService();
  const { createCustomer, addInvoice } = customerFixtures(h);
  const TABLES = ['customer_contact_outcomes', 'customer_profiles', 'audit_logs'];

  const outcome = (customerId: string, fields: Partial<customersV1.ContactOutcome> = {}) =>
    customersV1.ContactOutcome.fromPartial({ attemptId: randomUUID(), customerId, channel: ContactMethod.CONTACT_METHOD_EMAIL, reached: true, attemptTime: new Date(Date.now() - 3_600_000), ...fields });
  const record = (outcomes: customersV1.ContactOutcome[]) => call(h.customers, 'recordContactOutcomes', { outcomes });
  const profile = async (customerId: string) =>
    (await h.db.query<{ response_rate: string | null; risk_score: number; responsiveness: string }>(
      "SELECT response_rate::text, risk_score, risk_factors ->> 'responsiveness_points' AS responsiveness FROM customer_profiles WHERE customer_id = $1",
      [customerId],
    ))[0];

  it('stores outcomes, sets the response rate over reached contacts, recomputes the risk score, and audits it', async () => {
    const c = await createCustomer();
    await addInvoice(c.id, { amount: '1000', status: 'overdue', dueInDays: -60 });
    expect((await profile(c.id)).response_rate).toBeNull();
    const answered = outcome(c.id, { channel: ContactMethod.CONTACT_METHOD_PHONE, responded: true });
    const batch = [
      answered,
      outcome(c.id),
      outcome(c.id, { channel: ContactMethod.CONTACT_METHOD_SMS }),
      outcome(c.id, { reached: false }), // bounced: not counted
      outcome(c.id, { responded: true, attemptTime: new Date(Date.now() - 400 * 86_400_000) }), // outside the 365 days
    ];
    expect(await record(batch)).toEqual({ changedCount: 5 });
    const after = await profile(c.id);
    expect(after.response_rate).toBe('0.3333');
    // responsiveness: 10 * (1 - 0.3333), as customer_risk_factors computes it now
    const [factors] = await h.db.query<{ score: number; responsiveness_points: string }>(`SELECT score, responsiveness_points::text FROM customer_risk_factors($1, ${TODAY})`, [c.id]);
    expect(after).toMatchObject({ risk_score: factors.score, responsiveness: expect.anything() });
    expect(Number(factors.responsiveness_points)).toBeCloseTo(6.67, 2);
    expect(await h.db.query('SELECT channel, reached, responded FROM customer_contact_outcomes WHERE attempt_id = $1', [answered.attemptId])).toEqual([
      { channel: 'phone', reached: true, responded: true },
    ]);
    const audit = await h.db.query<{ entity_type: string; action: string; details: Record<string, unknown> }>(
      "SELECT entity_type, action, details FROM audit_logs WHERE entity_id = $1 AND action = 'response_rate_recalculated'",
      [c.id],
    );
    expect(audit).toEqual([
      { entity_type: 'customer_profile', action: 'response_rate_recalculated', details: expect.objectContaining({ response_rate: { before: null, after: '0.3333' }, window_days: 365 }) },
    ]);
    expect(await h.db.query("SELECT count(*)::int AS n FROM audit_logs WHERE entity_type = 'contact_outcome' AND action = 'recorded' AND details ->> 'customer_id' = $1", [c.id])).toEqual([{ n: 5 }]);
  });

  it('a repeat changes nothing; an outcome moves on once to responded or not reached, never back', async () => {
    const c = await createCustomer();
    const sent = outcome(c.id);
    const other = outcome(c.id);
    await record([sent, other]);
    expect((await profile(c.id)).response_rate).toBe('0.0000');

    const before = await snapshot(h.db, TABLES);
    expect(await record([sent, other])).toEqual({ changedCount: 0 });
    expect(await snapshot(h.db, TABLES)).toEqual(before);

    // replied, then a late report of the earlier "sent" state, then a contradicting bounce
    expect(await record([{ ...sent, responded: true }])).toEqual({ changedCount: 1 });
    expect((await profile(c.id)).response_rate).toBe('0.5000');
    const replied = await snapshot(h.db, TABLES);
    expect(await record([sent])).toEqual({ changedCount: 0 });
    expect(await record([{ ...sent, reached: false, responded: false }])).toEqual({ changedCount: 0 });
    expect(await snapshot(h.db, TABLES)).toEqual(replied);

    // a bounce reported after "sent": not reached any more, so not counted
    expect(await record([{ ...other, reached: false }])).toEqual({ changedCount: 1 });
    expect((await profile(c.id)).response_rate).toBe('1.0000');
    expect(await h.db.query("SELECT action, details ->> 'before' AS before FROM audit_logs WHERE entity_id = $1 ORDER BY created_at, id", [other.attemptId])).toEqual([
      { action: 'recorded', before: null },
      { action: 'updated', before: 'true,false' },
    ]);
  });

  it('answers NOT_FOUND for an unknown customer and stores nothing of the batch', async () => {
    const c = await createCustomer();
    const before = await snapshot(h.db, TABLES);
    const error = await rejectionOf(record([outcome(c.id), outcome(UNKNOWN_ID)]));
    expect({ code: error.code, details: error.details }).toEqual({ code: status.NOT_FOUND, details: `customer ${UNKNOWN_ID} not found` });
    expect(await snapshot(h.db, TABLES)).toEqual(before);
  });

  it('refuses bad input naming every field, and stores nothing', async () => {
    const c = await createCustomer();
    const before = await snapshot(h.db, TABLES);
    const twice = outcome(c.id);
    await expectInvalid(
      record([
        outcome('x', { attemptId: 'y', channel: 0, attemptTime: undefined }),
        outcome(c.id, { channel: 9 as customersV1.ContactMethod, reached: false, responded: true, attemptTime: new Date(Date.now() + 3_600_000) }),
        twice,
        twice,
      ]),
      ['outcomes[0].attempt_id', 'outcomes[0].customer_id', 'outcomes[0].channel', 'outcomes[0].attempt_time', 'outcomes[1].channel', 'outcomes[1].reached', 'outcomes[1].attempt_time', 'outcomes[3].attempt_id'],
    );
    await expectInvalid(record([]), ['outcomes']);
    await expectInvalid(record(Array.from({ length: 1001 }, () => outcome(c.id))), ['outcomes']);
    expect(await snapshot(h.db, TABLES)).toEqual(before);
  });
});
