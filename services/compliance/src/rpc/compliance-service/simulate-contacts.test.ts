import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { complianceV1 } from '@cec/proto';
import { call, expectInvalid, rejectionOf } from '@cec/testing';
import { useComplianceService } from '../../testing/compliance-harness';
import { complianceFixtures } from '../../testing/fixtures';

const h = useComplianceService();
const { newCustomer, createRule, state } = complianceFixtures(h);
const { Channel, DecisionResult, ReasonCode, ScopeKind, ContactOutcome } = complianceV1;
const { DECISION_RESULT_ALLOW: ALLOW, DECISION_RESULT_DEFER: DEFER, DECISION_RESULT_DENY: DENY } = DecisionResult;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const customerRule = (customerId: string, overrides: Partial<complianceV1.ComplianceRule>) =>
  createRule({ scope: { kind: ScopeKind.SCOPE_KIND_CUSTOMER, customerId, countryCode: '', regionCode: '' }, ...overrides });

const simulate = (customerId: string, contacts: { channel: complianceV1.Channel; proposedTime: Date | undefined }[]) =>
  call(h.compliance, 'simulateContacts', { customerId, contacts });

/** An instant in Tokyo (UTC+9 all year, no daylight saving): the quiet-hours cases do not move with the season. */
const tokyo = (day: string, time: string) => new Date(Date.parse(`${day}T${time}:00+09:00`));
/** A Tokyo calendar day a few days from now (within the year SimulateContacts accepts). */
const tokyoDay = (daysAhead: number) => new Date(Date.now() + 9 * HOUR + daysAhead * DAY).toISOString().slice(0, 10);

describe('SimulateContacts', () => {
  it('counts each allowed or deferred contact of the sequence against the cap, with the recorded history, and stores nothing', async () => {
    const customerId = await newCustomer({ timeZone: 'America/New_York', countryCode: 'US' });
    await customerRule(customerId, { channels: [Channel.CHANNEL_PHONE], parameters: { $case: 'frequencyCap', value: { maxAttempts: 2, windowDays: 7, countedOutcomes: [] } } });
    const a = new Date(Math.ceil(Date.now() / HOUR) * HOUR + HOUR); // a whole hour, an hour or two from now
    const recorded = new Date(a.getTime() - DAY);
    await call(h.compliance, 'recordContactAttempts', {
      attempts: [{ attemptId: randomUUID(), customerId, channel: Channel.CHANNEL_PHONE, attemptTime: recorded, outcome: ContactOutcome.CONTACT_OUTCOME_NO_ANSWER, decisionId: '' }],
    });
    const before = await state();

    const { decisions } = await simulate(customerId, [
      { channel: Channel.CHANNEL_PHONE, proposedTime: a },
      { channel: Channel.CHANNEL_PHONE, proposedTime: new Date(a.getTime() + DAY) },
      { channel: Channel.CHANNEL_PHONE, proposedTime: new Date(a.getTime() + 2 * DAY) },
    ]);

    // By hand, with a cap of 2 calls in any (t − 7 days, t] and the call recorded at a − 1 day:
    // a: the recorded call only → ALLOW (counted from now on at a);
    // a + 1 day: the recorded call and a → DEFER until the recorded one ages out, a + 6 days (counted there);
    // a + 2 days: the recorded call and a → blocked until a + 6 days, when a and the deferred a + 6 days
    //   still fill the cap; a ages out at a + 7 days → DEFER to a + 7 days.
    // (CheckContact one by one would say a + 6 days for the third: a DEFER reserves nothing.)
    expect(decisions.map((d) => d.result)).toEqual([ALLOW, DEFER, DEFER]);
    expect(decisions.map((d) => d.notBeforeTime?.toISOString())).toEqual([undefined, new Date(a.getTime() + 6 * DAY).toISOString(), new Date(a.getTime() + 7 * DAY).toISOString()]);
    expect(decisions[1].reasons.map((r) => r.code)).toEqual([ReasonCode.REASON_CODE_FREQUENCY_CAP]);
    expect(decisions.map((d) => d.proposedTime?.getTime())).toEqual([a.getTime(), a.getTime() + DAY, a.getTime() + 2 * DAY]);
    for (const d of decisions) {
      expect(d).toMatchObject({ id: '', customerId, channel: Channel.CHANNEL_PHONE, timeZone: 'America/New_York', countryCode: 'US' });
      expect(d.reservationExpireTime).toBeUndefined();
    }
    expect(await state()).toEqual(before);
  });

  it('counts live reservations, defers by quiet hours in the customer\'s zone and denies an opted-out channel, as CheckContact decides', async () => {
    const customerId = await newCustomer({ timeZone: 'Asia/Tokyo', countryCode: 'JP' });
    await customerRule(customerId, { channels: [Channel.CHANNEL_SMS], parameters: { $case: 'contactWindow', value: { start: '08:00', end: '21:00', days: [] } } });
    await customerRule(customerId, { channels: [Channel.CHANNEL_EMAIL], parameters: { $case: 'frequencyCap', value: { maxAttempts: 1, windowDays: 2, countedOutcomes: [] } } });
    await call(h.optOuts, 'recordOptOut', complianceV1.RecordOptOutRequest.fromPartial({ customerId, channel: Channel.CHANNEL_PHONE, source: complianceV1.OptOutSource.OPT_OUT_SOURCE_REPLY_STOP }));
    const day = tokyoDay(3);
    // A real check reserves an e-mail slot at noon: the dry run counts it.
    const reserved = (await call(h.compliance, 'checkContact', { customerId, channel: Channel.CHANNEL_EMAIL, proposedTime: tokyo(day, '12:00'), requestId: '' })).decision;
    expect(reserved?.result).toBe(ALLOW);
    const before = await state();

    const contacts = [
      { channel: Channel.CHANNEL_SMS, proposedTime: tokyo(day, '03:00') },
      { channel: Channel.CHANNEL_PHONE, proposedTime: tokyo(day, '10:00') },
      { channel: Channel.CHANNEL_EMAIL, proposedTime: tokyo(day, '13:00') },
    ];
    const { decisions } = await simulate(customerId, contacts);
    expect(decisions.map((d) => d.result)).toEqual([DEFER, DENY, DEFER]);
    expect(decisions[0].notBeforeTime?.toISOString()).toBe(tokyo(day, '08:00').toISOString());
    expect(decisions[0].reasons.map((r) => r.code)).toEqual([ReasonCode.REASON_CODE_OUTSIDE_CONTACT_WINDOW]);
    expect(decisions[1].reasons.map((r) => r.code)).toEqual([ReasonCode.REASON_CODE_OPTED_OUT]);
    // The reservation at noon holds the one e-mail of any 2 days: not before noon two days later.
    expect(decisions[2].notBeforeTime?.toISOString()).toBe(new Date(tokyo(day, '12:00').getTime() + 2 * DAY).toISOString());
    expect(await state()).toEqual(before);

    // The same contacts checked for real, one by one (no earlier contact of the sequence allowed,
    // so nothing differs), give the same answers, now with ids, stored.
    for (const [i, contact] of contacts.entries()) {
      const { decision } = await call(h.compliance, 'checkContact', { customerId, ...contact, requestId: '' });
      const { id: _id, createTime: _c1, reservationExpireTime: _r1, ...real } = decision as complianceV1.Decision;
      const { id: simulatedId, createTime: _c2, reservationExpireTime: _r2, ...simulated } = decisions[i];
      expect(simulatedId).toBe('');
      expect(real).toEqual(simulated);
    }
  });

  it('a contact the sequence denies is not counted; one deferred is counted at its not-before time', async () => {
    const customerId = await newCustomer({ timeZone: 'Asia/Tokyo', countryCode: 'JP' });
    await customerRule(customerId, { channels: [Channel.CHANNEL_SMS], parameters: { $case: 'contactWindow', value: { start: '08:00', end: '21:00', days: [] } } });
    await customerRule(customerId, { channels: [Channel.CHANNEL_SMS, Channel.CHANNEL_EMAIL], parameters: { $case: 'frequencyCap', value: { maxAttempts: 1, windowDays: 1, countedOutcomes: [] } } });
    await call(h.optOuts, 'recordOptOut', complianceV1.RecordOptOutRequest.fromPartial({ customerId, channel: Channel.CHANNEL_EMAIL, source: complianceV1.OptOutSource.OPT_OUT_SOURCE_REPLY_STOP }));
    const day = tokyoDay(5);
    const { decisions } = await simulate(customerId, [
      { channel: Channel.CHANNEL_EMAIL, proposedTime: tokyo(day, '02:00') }, // opted out: denied, not counted
      { channel: Channel.CHANNEL_SMS, proposedTime: tokyo(day, '03:00') }, // quiet hours: deferred to 08:00, counted there
      { channel: Channel.CHANNEL_SMS, proposedTime: tokyo(day, '09:00') }, // the deferred 08:00 SMS fills the cap until 08:00 the next day
    ]);
    expect(decisions.map((d) => d.result)).toEqual([DENY, DEFER, DEFER]);
    expect(decisions[1].notBeforeTime?.toISOString()).toBe(tokyo(day, '08:00').toISOString());
    expect(decisions[2].notBeforeTime?.toISOString()).toBe(new Date(tokyo(day, '08:00').getTime() + DAY).toISOString());
  });

  it('refuses bad input naming each field, an unknown customer with NOT_FOUND, and stores nothing', async () => {
    const customerId = await newCustomer();
    const before = await state();
    await expectInvalid(call(h.compliance, 'simulateContacts', { customerId: 'nope', contacts: [] }), ['customer_id', 'contacts']);
    await expectInvalid(
      simulate(customerId, [
        { channel: Channel.CHANNEL_EMAIL, proposedTime: new Date() },
        { channel: 0 as complianceV1.Channel, proposedTime: undefined },
        { channel: 9 as complianceV1.Channel, proposedTime: new Date(Date.now() + 400 * DAY) },
      ]),
      ['contacts[1].channel', 'contacts[1].proposed_time', 'contacts[2].channel', 'contacts[2].proposed_time'],
    );
    const many = Array.from({ length: 101 }, () => ({ channel: Channel.CHANNEL_EMAIL, proposedTime: new Date() }));
    await expectInvalid(simulate(customerId, many), ['contacts']);
    expect((await simulate(customerId, many.slice(0, 100))).decisions).toHaveLength(100);
    const unknown = await rejectionOf(simulate(randomUUID(), [{ channel: Channel.CHANNEL_EMAIL, proposedTime: new Date() }]));
    expect(unknown.code).toBe(status.NOT_FOUND);
    expect(await state()).toEqual(before);
  });
});
