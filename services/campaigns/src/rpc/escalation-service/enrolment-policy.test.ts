import { credentials, status } from '@grpc/grpc-js';
import { campaignsV1 } from '@cec/proto';
import { call, expectInvalid, rejectionOf, snapshot } from '@cec/testing';
import { useCampaignsService } from '../../testing/campaigns-harness';

const h = useCampaignsService({ env: { ENGINE_INTERVAL_MS: '0' } });
let escalation: campaignsV1.EscalationServiceClient;

beforeAll(() => {
  escalation = new campaignsV1.EscalationServiceClient(h.address, credentials.createInsecure());
});
afterAll(() => escalation?.close());

const CUSTOMER = '10000000-0000-4000-8000-0000000000aa';
const OTHER = '10000000-0000-4000-8000-0000000000bb';

const state = async () => ({
  ...(await snapshot(h.db, ['enrolment_policy'])),
  audit: await h.db.query("SELECT id, action, actor_type, actor_id, details FROM audit_logs WHERE entity_type = 'enrolment_policy' ORDER BY id"),
});
const policyEvents = () =>
  h.db.query<{ action: string; actor_type: string; actor_id: string; details: { changes: Record<string, unknown>; request_id: string } }>(
    "SELECT action, actor_type, actor_id, details FROM audit_logs WHERE entity_type = 'enrolment_policy' ORDER BY append_id",
  );
const update = (policy: Partial<campaignsV1.EnrolmentPolicy>, paths?: string[], actor = 'user:ops@example.com') =>
  call(
    escalation,
    'updateEnrolmentPolicy',
    { policy: campaignsV1.EnrolmentPolicy.fromPartial(policy), updateMask: paths },
    { metadata: { 'x-actor': actor } },
  );

describe('GetEnrolmentPolicy', () => {
  it('is off by default, with the migration\'s defaults', async () => {
    const { policy } = await call(escalation, 'getEnrolmentPolicy', {});
    expect(policy).toEqual(
      expect.objectContaining({ enabled: false, minOverdueAmounts: [], minDaysOverdue: 1, preset: 'standard-b2b', excludedCustomerIds: [], updatedBy: '' }),
    );
    expect(policy?.updateTime).toBeInstanceOf(Date);
  });
});

describe('UpdateEnrolmentPolicy', () => {
  it('changes every field set (no mask), audits before and after, and Get shows it', async () => {
    const { policy } = await update({
      enabled: true,
      minOverdueAmounts: [
        { currencyCode: 'USD', amount: '100' },
        { currencyCode: 'EUR', amount: '100.5' },
        { currencyCode: 'AUD', amount: '150.00' },
      ],
      minDaysOverdue: 7,
      preset: 'gentle-b2b',
      excludedCustomerIds: [CUSTOMER.toUpperCase()],
    });
    const expected = {
      enabled: true,
      minOverdueAmounts: [
        { currencyCode: 'AUD', amount: '150.00' },
        { currencyCode: 'EUR', amount: '100.50' },
        { currencyCode: 'USD', amount: '100.00' },
      ],
      minDaysOverdue: 7,
      preset: 'gentle-b2b',
      excludedCustomerIds: [CUSTOMER],
      updatedBy: 'user:ops@example.com',
    };
    expect(policy).toEqual(expect.objectContaining(expected));
    expect((await call(escalation, 'getEnrolmentPolicy', {})).policy).toEqual(policy);
    const events = await policyEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toEqual(
      expect.objectContaining({
        action: 'updated',
        actor_type: 'user',
        actor_id: 'ops@example.com',
        details: expect.objectContaining({
          changes: {
            enabled: { before: false, after: true },
            min_overdue_amounts: { before: {}, after: { AUD: '150.00', EUR: '100.50', USD: '100.00' } },
            min_days_overdue: { before: 1, after: 7 },
            preset: { before: 'standard-b2b', after: 'gentle-b2b' },
            excluded_customer_ids: { before: [], after: [CUSTOMER] },
          },
        }),
      }),
    );
  });

  it('with a mask changes only the fields named: turning it off, 0 days, no exclusions', async () => {
    const { policy } = await update({ enabled: false, minDaysOverdue: 0, preset: 'nope', excludedCustomerIds: [] }, ['enabled', 'minDaysOverdue', 'policy.excluded_customer_ids']);
    expect(policy).toEqual(expect.objectContaining({ enabled: false, minDaysOverdue: 0, preset: 'gentle-b2b', excludedCustomerIds: [] }));
    expect(policy?.minOverdueAmounts).toHaveLength(3);
    expect((await policyEvents()).at(-1)?.details.changes).toEqual({
      enabled: { before: true, after: false },
      min_days_overdue: { before: 7, after: 0 },
      excluded_customer_ids: { before: [CUSTOMER], after: [] },
    });
  });

  it('a change that changes nothing writes and audits nothing', async () => {
    const before = await state();
    const { policy } = await update({ preset: 'gentle-b2b', minDaysOverdue: 0 }, ['preset', 'min_days_overdue']);
    expect(policy?.preset).toBe('gentle-b2b');
    expect(await state()).toEqual(before);
  });

  it('"*" sets every field: an empty list of minimums clears them', async () => {
    const { policy } = await update({ enabled: true, minOverdueAmounts: [], minDaysOverdue: 3, preset: 'standard-b2b', excludedCustomerIds: [OTHER] }, ['*']);
    expect(policy).toEqual(expect.objectContaining({ enabled: true, minOverdueAmounts: [], minDaysOverdue: 3, preset: 'standard-b2b', excludedCustomerIds: [OTHER] }));
  });

  it('bad input: INVALID_ARGUMENT naming every bad field, and nothing changes', async () => {
    const before = await state();
    await expectInvalid(
      update({
        enabled: true,
        minOverdueAmounts: [
          { currencyCode: 'USD', amount: '100.001' },
          { currencyCode: 'usd', amount: '5' },
          { currencyCode: 'EUR', amount: '-3' },
          { currencyCode: 'EUR', amount: '1' },
        ],
        minDaysOverdue: 3651,
        preset: 'aggressive',
        excludedCustomerIds: [CUSTOMER, 'not-a-uuid', CUSTOMER],
      }),
      [
        'policy.min_overdue_amounts[0].amount',
        'policy.min_overdue_amounts[1].currency_code',
        'policy.min_overdue_amounts[2].amount',
        'policy.min_overdue_amounts[3].currency_code',
        'policy.min_days_overdue',
        'policy.preset',
        'policy.excluded_customer_ids[1]',
        'policy.excluded_customer_ids[2]',
      ],
    );
    await expectInvalid(update({ minDaysOverdue: -1 }, ['min_days_overdue']), ['policy.min_days_overdue']);
    await expectInvalid(update({ preset: '' }, ['preset']), ['policy.preset']);
    await expectInvalid(update({ enabled: true }, ['enabled', 'risk_levels']), ['update_mask']);
    await expectInvalid(update({}), ['update_mask']);
    expect(await state()).toEqual(before);
  });

  it('concurrent updates take turns: each is applied and audited once', async () => {
    await Promise.all(Array.from({ length: 5 }, (_, i) => update({ minDaysOverdue: 10 + i }, ['min_days_overdue'])));
    const events = (await policyEvents()).slice(-5);
    expect(events.map((e) => e.details.changes.min_days_overdue)).toHaveLength(5);
    // Each event's before is the after of the one applied before it: no update was lost.
    const { policy } = await call(escalation, 'getEnrolmentPolicy', {});
    const chain = events.map((e) => e.details.changes.min_days_overdue as { before: number; after: number });
    for (let i = 1; i < chain.length; i += 1) expect(chain[i].before).toBe(chain[i - 1].after);
    expect(policy?.minDaysOverdue).toBe(chain[4].after);
  });

  it('a Get changes nothing; an unknown mask path is INVALID_ARGUMENT', async () => {
    const before = await state();
    await call(escalation, 'getEnrolmentPolicy', {});
    expect(await state()).toEqual(before);
    expect((await rejectionOf(update({}, ['nope']))).code).toBe(status.INVALID_ARGUMENT);
  });
});
