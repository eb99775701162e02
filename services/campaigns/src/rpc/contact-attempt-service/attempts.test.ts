import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { campaignsV1, customersV1 } from '@cec/proto';
import { call, expectInvalid, rejectionOf, snapshot } from '@cec/testing';
import { useCampaignsService } from '../../testing/campaigns-harness';

// The relay is slowed down so that the outbox rows these tests look at stay as they were written.
const h = useCampaignsService({ env: { OUTBOX_RELAY_INTERVAL_MS: '3600000' } });
const { Channel, ContactStatus } = campaignsV1;
/** The attempts, the outbox and the audit events (not the seal columns the compliance sequencer fills in later). */
const state = async () => ({
  ...(await snapshot(h.db, ['contact_attempts', 'campaigns_outbox'])),
  audit_logs: await h.db.query('SELECT id, entity_type, entity_id, action, actor_type, actor_id, details FROM audit_logs ORDER BY id'),
});

let serial = 0;
async function newCustomer(): Promise<string> {
  serial += 1;
  const { customer } = await call(h.customers, 'createCustomer', {
    customer: customersV1.Customer.fromPartial({ companyName: `Attempts Test ${serial} ${randomUUID().slice(0, 8)}`, email: `ap${serial}@example.com` }),
    profile: undefined,
    requestId: randomUUID(),
  });
  return customer?.id as string;
}

const attempt = (fields: Partial<campaignsV1.ContactAttempt>) => campaignsV1.ContactAttempt.fromPartial({ channel: Channel.CHANNEL_EMAIL, status: ContactStatus.CONTACT_STATUS_SENT, ...fields });
const record = (fields: Partial<campaignsV1.ContactAttempt>, requestId = '') => call(h.attempts, 'recordContactAttempt', { attempt: attempt(fields), requestId });
const receipt = (contactAttemptId: string, s: campaignsV1.ContactStatus) => call(h.attempts, 'updateContactStatus', { contactAttemptId, status: s, statusTime: undefined });
const outbox = (attemptId: string) =>
  h.db.query<{ destination: string; payload: Record<string, unknown> }>('SELECT destination, payload FROM campaigns_outbox WHERE message_key = $1 ORDER BY id', [attemptId]);
const audit = (attemptId: string) => h.db.query<{ action: string; details: Record<string, unknown> }>('SELECT action, details FROM audit_logs WHERE entity_id = $1 ORDER BY created_at, id', [attemptId]);

describe('RecordContactAttempt', () => {
  it('records an attempt with its outbox messages for compliance and customers, and audits it', async () => {
    const customerId = await newCustomer();
    const at = new Date(Date.now() - 60_000);
    const { attempt: a } = await record({ customerId, channel: Channel.CHANNEL_PHONE, status: ContactStatus.CONTACT_STATUS_ANSWERED, attemptTime: at, durationSeconds: 95, outcome: 'promise_to_pay', metadata: { call_sid: 'CA1' } });
    expect(a).toMatchObject({
      customerId,
      channel: Channel.CHANNEL_PHONE,
      status: ContactStatus.CONTACT_STATUS_ANSWERED,
      durationSeconds: 95,
      outcome: 'promise_to_pay',
      metadata: { call_sid: 'CA1' },
      companyName: expect.stringMatching(/^Attempts Test/),
    });
    expect(a?.attemptTime?.toISOString()).toBe(at.toISOString());
    expect(await outbox(a?.id as string)).toEqual([
      {
        destination: 'compliance.contact_attempts',
        payload: expect.objectContaining({ attempt_id: a?.id, customer_id: customerId, channel: 'phone', status: 'answered', decision_id: null, outcome: 'promise_to_pay' }),
      },
      { destination: 'customers.contact_outcomes', payload: expect.objectContaining({ attempt_id: a?.id, channel: 'phone', reached: true, responded: true }) },
    ]);
    expect(await audit(a?.id as string)).toEqual([{ action: 'recorded', details: expect.objectContaining({ customer_id: customerId, channel: 'phone', status: 'answered' }) }]);
    expect((await call(h.attempts, 'getContactAttempt', { contactAttemptId: a?.id as string })).attempt).toEqual(a);
  });

  it('records a letter without telling compliance or customers (neither counts letters)', async () => {
    const { attempt: a } = await record({ customerId: await newCustomer(), channel: Channel.CHANNEL_LETTER });
    expect(a?.channel).toBe(Channel.CHANNEL_LETTER);
    expect(await outbox(a?.id as string)).toEqual([]);
  });

  it('records once per request_id: a retry gets the first attempt; the id reused for another attempt is refused', async () => {
    const customerId = await newCustomer();
    const requestId = randomUUID();
    const [first, second] = await Promise.all([record({ customerId }, requestId), record({ customerId }, requestId)]);
    expect(second.attempt?.id).toBe(first.attempt?.id);
    expect((await record({ customerId }, requestId)).attempt).toEqual(first.attempt);
    expect(await h.db.query('SELECT count(*)::int AS n FROM contact_attempts WHERE request_id = $1', [requestId])).toEqual([{ n: 1 }]);
    expect(await outbox(first.attempt?.id as string)).toHaveLength(2);
    await expectInvalid(record({ customerId, channel: Channel.CHANNEL_SMS }, requestId), ['request_id']);
  });

  it('refuses bad input naming every field, and stores nothing', async () => {
    const customerId = await newCustomer();
    const before = await state();
    const error = await expectInvalid(
      record(
        {
          customerId: 'nope',
          channel: Channel.CHANNEL_SMS,
          status: ContactStatus.CONTACT_STATUS_OPENED,
          durationSeconds: 10,
          attemptTime: new Date(Date.now() + 3_600_000),
          outcome: 'x'.repeat(201),
          taskId: 't',
          decisionId: 'd',
        },
        'r',
      ),
      ['attempt.customer_id', 'attempt.status', 'attempt.duration_seconds', 'attempt.attempt_time', 'attempt.outcome', 'attempt.task_id', 'attempt.decision_id', 'request_id'],
    );
    expect(error.details).toContain('attempt.status: is not a status of sms attempts (theirs: sent, delivered, replied, bounced, failed)');
    await expectInvalid(record({ customerId, channel: Channel.CHANNEL_UNSPECIFIED, status: ContactStatus.CONTACT_STATUS_UNSPECIFIED }), ['attempt.channel', 'attempt.status']);
    await expectInvalid(record({ customerId, channel: Channel.CHANNEL_EMAIL, status: ContactStatus.CONTACT_STATUS_ANSWERED }), ['attempt.status']);
    await expectInvalid(record({ customerId, channel: Channel.CHANNEL_LETTER, decisionId: randomUUID() }), ['attempt.decision_id']);
    await expectInvalid(call(h.attempts, 'recordContactAttempt', { attempt: undefined, requestId: '' }), ['attempt']);
    expect(await state()).toEqual(before);
  });

  it('answers NOT_FOUND for an unknown customer or template, and stores nothing', async () => {
    const customerId = await newCustomer();
    const before = await state();
    const unknown = randomUUID();
    const error = await rejectionOf(record({ customerId: unknown }));
    expect({ code: error.code, details: error.details }).toEqual({ code: status.NOT_FOUND, details: `customer ${unknown} not found` });
    const template = await rejectionOf(record({ customerId, templateId: unknown }));
    expect({ code: template.code, details: template.details }).toEqual({ code: status.NOT_FOUND, details: `template ${unknown} not found` });
    expect(await state()).toEqual(before);
  });
});

describe('UpdateContactStatus', () => {
  it('moves forward with every receipt, ignores late receipts for earlier statuses, and refuses contradictions', async () => {
    const { attempt: a } = await record({ customerId: await newCustomer() });
    const id = a?.id as string;
    // "opened" arrives before "delivered"
    expect((await receipt(id, ContactStatus.CONTACT_STATUS_OPENED)).attempt?.status).toBe(ContactStatus.CONTACT_STATUS_OPENED);
    const late = await receipt(id, ContactStatus.CONTACT_STATUS_DELIVERED);
    expect(late.attempt?.status).toBe(ContactStatus.CONTACT_STATUS_OPENED);
    expect((await receipt(id, ContactStatus.CONTACT_STATUS_OPENED)).attempt).toEqual(late.attempt);
    expect((await receipt(id, ContactStatus.CONTACT_STATUS_REPLIED)).attempt?.status).toBe(ContactStatus.CONTACT_STATUS_REPLIED);

    // one pair of messages per move: recorded, opened, replied
    const messages = await outbox(id);
    expect(messages.map((m) => [m.destination, m.payload.status ?? m.payload.responded])).toEqual([
      ['compliance.contact_attempts', 'sent'],
      ['customers.contact_outcomes', false],
      ['compliance.contact_attempts', 'opened'],
      ['customers.contact_outcomes', false],
      ['compliance.contact_attempts', 'replied'],
      ['customers.contact_outcomes', true],
    ]);
    expect((await audit(id)).map((e) => [e.action, e.details.from, e.details.to])).toEqual([
      ['recorded', undefined, undefined],
      ['status_changed', 'sent', 'opened'],
      ['status_changed', 'opened', 'replied'],
    ]);

    const before = await state();
    const refused = await rejectionOf(receipt(id, ContactStatus.CONTACT_STATUS_BOUNCED));
    expect({ code: refused.code, details: refused.details }).toEqual({
      code: status.FAILED_PRECONDITION,
      details: `contact attempt ${id}: the attempt is replied: a receipt saying bounced contradicts that (an attempt on email moves sent → delivered → opened → replied)`,
    });
    expect((await rejectionOf(receipt(id, ContactStatus.CONTACT_STATUS_ANSWERED))).code).toBe(status.FAILED_PRECONDITION);
    expect(await state()).toEqual(before);
  });

  it('a bounce is final; a call is answered', async () => {
    const customerId = await newCustomer();
    const { attempt: mail } = await record({ customerId });
    expect((await receipt(mail?.id as string, ContactStatus.CONTACT_STATUS_BOUNCED)).attempt?.status).toBe(ContactStatus.CONTACT_STATUS_BOUNCED);
    expect((await rejectionOf(receipt(mail?.id as string, ContactStatus.CONTACT_STATUS_DELIVERED))).code).toBe(status.FAILED_PRECONDITION);
    expect((await outbox(mail?.id as string)).at(-1)?.payload).toMatchObject({ reached: false, responded: false });

    const { attempt: phone } = await record({ customerId, channel: Channel.CHANNEL_PHONE });
    expect((await receipt(phone?.id as string, ContactStatus.CONTACT_STATUS_ANSWERED)).attempt?.status).toBe(ContactStatus.CONTACT_STATUS_ANSWERED);
  });

  it('answers NOT_FOUND for an unknown attempt and INVALID_ARGUMENT for a bad request', async () => {
    const unknown = randomUUID();
    const error = await rejectionOf(receipt(unknown, ContactStatus.CONTACT_STATUS_DELIVERED));
    expect({ code: error.code, details: error.details }).toEqual({ code: status.NOT_FOUND, details: `contact attempt ${unknown} not found` });
    await expectInvalid(receipt('x', ContactStatus.CONTACT_STATUS_UNSPECIFIED), ['contact_attempt_id', 'status']);
    expect((await rejectionOf(call(h.attempts, 'getContactAttempt', { contactAttemptId: unknown }))).code).toBe(status.NOT_FOUND);
  });
});

describe('ListCustomerCommunications', () => {
  it("lists a customer's attempts across channels, newest first, page by page, with the names of what they link to", async () => {
    const customerId = await newCustomer();
    const other = await newCustomer();
    const base = Date.now() - 86_400_000;
    const channels = [Channel.CHANNEL_EMAIL, Channel.CHANNEL_SMS, Channel.CHANNEL_PHONE, Channel.CHANNEL_LETTER, Channel.CHANNEL_EMAIL];
    const ids: string[] = [];
    for (const [i, channel] of channels.entries()) ids.push((await record({ customerId, channel, attemptTime: new Date(base + i * 60_000) })).attempt?.id as string);
    // two attempts at the same instant: the id breaks the tie
    const same = new Date(base + 10 * 60_000);
    ids.push((await record({ customerId, attemptTime: same })).attempt?.id as string, (await record({ customerId, attemptTime: same })).attempt?.id as string);
    await record({ customerId: other });

    const seen: campaignsV1.ContactAttempt[] = [];
    let pageToken = '';
    do {
      const page = await call(h.attempts, 'listCustomerCommunications', { customerId, pageSize: 3, pageToken, channel: Channel.CHANNEL_UNSPECIFIED });
      expect(page.attempts.length).toBeLessThanOrEqual(3);
      seen.push(...page.attempts);
      pageToken = page.nextPageToken;
    } while (pageToken);
    const [tieA, tieB] = ids.slice(5).sort().reverse();
    expect(seen.map((a) => a.id)).toEqual([tieA, tieB, ...ids.slice(0, 5).reverse()]);
    expect(seen.every((a) => a.customerId === customerId && a.companyName.startsWith('Attempts Test'))).toBe(true);

    const emails = await call(h.attempts, 'listCustomerCommunications', { customerId, pageSize: 0, pageToken: '', channel: Channel.CHANNEL_EMAIL });
    expect(emails.attempts.map((a) => a.id)).toEqual([tieA, tieB, ids[4], ids[0]]);
    expect(emails.nextPageToken).toBe('');
  });

  it('refuses a token from other filters and bad arguments', async () => {
    const customerId = await newCustomer();
    await record({ customerId });
    await record({ customerId });
    const { nextPageToken } = await call(h.attempts, 'listCustomerCommunications', { customerId, pageSize: 1, pageToken: '', channel: 0 });
    expect(nextPageToken).not.toBe('');
    await expectInvalid(call(h.attempts, 'listCustomerCommunications', { customerId, pageSize: 1, pageToken: nextPageToken, channel: Channel.CHANNEL_SMS }), ['page_token']);
    await expectInvalid(call(h.attempts, 'listCustomerCommunications', { customerId: 'x', pageSize: -1, pageToken: '', channel: 9 as campaignsV1.Channel }), ['customer_id', 'page_size', 'channel']);
  });
});
