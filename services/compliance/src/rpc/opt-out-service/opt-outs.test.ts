import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { complianceV1 } from '@cec/proto';
import { call, expectInvalid, rejectionOf } from '@cec/testing';
import { useComplianceService } from '../../testing/compliance-harness';
import { complianceFixtures } from '../../testing/fixtures';

const h = useComplianceService();
const { newCustomer, state, auditEvents } = complianceFixtures(h);
const { Channel, OptOutSource } = complianceV1;

const optOut = (request: Partial<complianceV1.RecordOptOutRequest>) =>
  call(h.optOuts, 'recordOptOut', complianceV1.RecordOptOutRequest.fromPartial({ source: OptOutSource.OPT_OUT_SOURCE_CUSTOMER_REQUEST, ...request }));
const optIn = (request: Partial<complianceV1.RecordOptInRequest>) =>
  call(h.optOuts, 'recordOptIn', complianceV1.RecordOptInRequest.fromPartial({ source: OptOutSource.OPT_OUT_SOURCE_CUSTOMER_REQUEST, reason: 'asked to hear from us again', ...request }));
const statusOf = async (customerId: string) =>
  Object.fromEntries((await call(h.optOuts, 'getOptOutStatus', { customerId })).channels.map((c) => [complianceV1.channelToJSON(c.channel), c.optedOut]));
/** What the SQL function says, channel by channel. */
const sqlStatus = async (customerId: string) =>
  Object.fromEntries(
    await Promise.all(
      (['email', 'phone', 'sms'] as const).map(async (c) => {
        const [row] = await h.db.query<{ out: boolean }>('SELECT check_opt_out_status($1, $2) AS out', [customerId, c]);
        return [`CHANNEL_${c.toUpperCase()}`, row.out];
      }),
    ),
  );

describe('OptOutService', () => {
  it('an opt-out on all channels, then an opt-in on email: the state per channel agrees with check_opt_out_status at every step', async () => {
    const customerId = await newCustomer();
    expect(await statusOf(customerId)).toEqual({ CHANNEL_EMAIL: false, CHANNEL_PHONE: false, CHANNEL_SMS: false });

    const out = await optOut({ customerId, allChannels: true, reason: 'letter of 3 Jan', effectiveTime: new Date(Date.now() - 60_000) });
    expect(out.record).toMatchObject({ customerId, allChannels: true, channel: 0, optIn: false, reason: 'letter of 3 Jan', source: OptOutSource.OPT_OUT_SOURCE_CUSTOMER_REQUEST });
    expect(await statusOf(customerId)).toEqual({ CHANNEL_EMAIL: true, CHANNEL_PHONE: true, CHANNEL_SMS: true });
    expect(await sqlStatus(customerId)).toEqual(await statusOf(customerId));

    await optIn({ customerId, channel: Channel.CHANNEL_EMAIL });
    expect(await statusOf(customerId)).toEqual({ CHANNEL_EMAIL: false, CHANNEL_PHONE: true, CHANNEL_SMS: true });
    expect(await sqlStatus(customerId)).toEqual(await statusOf(customerId));

    await optIn({ customerId, allChannels: true });
    expect(await statusOf(customerId)).toEqual({ CHANNEL_EMAIL: false, CHANNEL_PHONE: false, CHANNEL_SMS: false });
    expect(await sqlStatus(customerId)).toEqual(await statusOf(customerId));

    // Nothing was changed or removed: three records, newest first, each audited.
    const history = await call(h.optOuts, 'listOptOutHistory', { customerId, pageSize: 0, pageToken: '' });
    expect(history.records.map((r) => [r.optIn, r.allChannels, r.channel])).toEqual([
      [true, true, 0],
      [true, false, Channel.CHANNEL_EMAIL],
      [false, true, 0],
    ]);
    expect((await auditEvents(customerId)).map((e) => e.action).filter((a) => a.startsWith('opted'))).toEqual(['opted_out', 'opted_in', 'opted_in']);
  });

  it('an expired opt-out no longer applies; a do-not-contact customer is opted out everywhere', async () => {
    const customerId = await newCustomer();
    await optOut({ customerId, channel: Channel.CHANNEL_SMS, effectiveTime: new Date(Date.now() - 3_600_000), expireTime: new Date(Date.now() - 60_000) });
    expect(await statusOf(customerId)).toEqual({ CHANNEL_EMAIL: false, CHANNEL_PHONE: false, CHANNEL_SMS: false });
    const dnc = await newCustomer({ doNotContact: true });
    expect(await statusOf(dnc)).toEqual({ CHANNEL_EMAIL: true, CHANNEL_PHONE: true, CHANNEL_SMS: true });
    expect(await sqlStatus(dnc)).toEqual(await statusOf(dnc));
  });

  it('a retry with the same request_id records once; pages through a long history', async () => {
    const customerId = await newCustomer();
    const requestId = randomUUID();
    const first = await optOut({ customerId, channel: Channel.CHANNEL_PHONE, requestId });
    const again = await optOut({ customerId, channel: Channel.CHANNEL_PHONE, requestId });
    expect(again.record?.id).toBe(first.record?.id);
    for (let i = 0; i < 4; i += 1) await optIn({ customerId, channel: Channel.CHANNEL_PHONE, effectiveTime: new Date(Date.now() - i * 1000) });
    const ids: string[] = [];
    let pageToken = '';
    do {
      const page = await call(h.optOuts, 'listOptOutHistory', { customerId, pageSize: 2, pageToken });
      ids.push(...page.records.map((r) => r.id));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(5);
  });

  it('refuses bad input naming the fields, an unknown customer with NOT_FOUND, and records nothing', async () => {
    const customerId = await newCustomer();
    const before = await state();
    await expectInvalid(
      call(h.optOuts, 'recordOptOut', complianceV1.RecordOptOutRequest.fromPartial({ customerId: 'x', channel: Channel.CHANNEL_SMS, allChannels: true, source: 0, effectiveTime: new Date(Date.now() + 86_400_000) })),
      ['customer_id', 'channel', 'source', 'effective_time'],
    );
    await expectInvalid(optIn({ customerId, channel: Channel.CHANNEL_SMS, reason: '' }), ['reason']);
    await expectInvalid(optIn({ customerId }), ['channel']);
    expect((await rejectionOf(optOut({ customerId: randomUUID(), channel: Channel.CHANNEL_SMS }))).code).toBe(status.NOT_FOUND);
    expect(await state()).toEqual(before);
  });
});

describe('OptOutService.BatchGetOptOutStatus', () => {
  const batch = (customerIds: string[]) => call(h.optOuts, 'batchGetOptOutStatus', { customerIds });

  it('agrees with GetOptOutStatus for every customer (sms out, all out, revoked by an opt-in, none, do-not-contact), one per requested id in request order', async () => {
    const [smsOut, allOut, revoked, none, dnc] = await Promise.all([newCustomer(), newCustomer(), newCustomer(), newCustomer(), newCustomer({ doNotContact: true })]);
    const before = new Date(Date.now() - 60_000);
    await optOut({ customerId: smsOut, channel: Channel.CHANNEL_SMS, effectiveTime: before });
    await optOut({ customerId: allOut, allChannels: true, effectiveTime: before });
    await optOut({ customerId: revoked, allChannels: true, effectiveTime: before });
    await optIn({ customerId: revoked, allChannels: true });

    const ids = [dnc, none, smsOut, revoked, allOut, smsOut.toUpperCase()];
    const answer = await batch(ids);
    expect(answer.asOfTime).toBeInstanceOf(Date);
    expect(answer.statuses.map((s) => s.customerId)).toEqual(ids.map((id) => id.toLowerCase()));
    for (const s of answer.statuses) {
      expect(s.channels).toEqual((await call(h.optOuts, 'getOptOutStatus', { customerId: s.customerId })).channels);
    }
    const outOf = (customerId: string) =>
      Object.fromEntries((answer.statuses.find((s) => s.customerId === customerId)?.channels ?? []).map((c) => [complianceV1.channelToJSON(c.channel), c.optedOut]));
    expect(outOf(smsOut)).toEqual({ CHANNEL_EMAIL: false, CHANNEL_PHONE: false, CHANNEL_SMS: true });
    expect(outOf(allOut)).toEqual({ CHANNEL_EMAIL: true, CHANNEL_PHONE: true, CHANNEL_SMS: true });
    expect(outOf(revoked)).toEqual({ CHANNEL_EMAIL: false, CHANNEL_PHONE: false, CHANNEL_SMS: false });
    expect(outOf(none)).toEqual({ CHANNEL_EMAIL: false, CHANNEL_PHONE: false, CHANNEL_SMS: false });
    expect(outOf(dnc)).toEqual({ CHANNEL_EMAIL: true, CHANNEL_PHONE: true, CHANNEL_SMS: true });
    for (const id of [smsOut, allOut, revoked, none, dnc]) expect(outOf(id)).toEqual(await sqlStatus(id));
    const smsState = answer.statuses[2].channels.find((c) => c.channel === Channel.CHANNEL_SMS);
    expect(smsState?.optOutId).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.statuses[0].channels.every((c) => c.doNotContact && c.optedOut && c.optOutId === '')).toBe(true);
  });

  it('refuses no ids, more than 1000 and bad ids naming customer_ids[i] (only those); an unknown customer is NOT_FOUND, as GetOptOutStatus', async () => {
    const customerId = await newCustomer();
    await expectInvalid(batch([]), ['customer_ids']);
    await expectInvalid(batch(Array.from({ length: 1001 }, () => customerId)), ['customer_ids']);
    const bad = await expectInvalid(batch([customerId, 'x', customerId, '']), ['customer_ids[1]', 'customer_ids[3]']);
    expect(bad.details).not.toMatch(/customer_ids\[[02]\]/);
    const unknown = randomUUID();
    expect((await rejectionOf(batch([customerId, unknown]))).code).toBe(status.NOT_FOUND);
    expect((await rejectionOf(call(h.optOuts, 'getOptOutStatus', { customerId: unknown }))).code).toBe(status.NOT_FOUND);
  });
});
