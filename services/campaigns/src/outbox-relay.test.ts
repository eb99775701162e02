/**
 * The outbox relay against the real compliance and customers processes: every attempt and
 * every status change reaches both, once in effect, across outages of either and with several
 * relays at once.
 */
import { randomUUID } from 'node:crypto';
import { createLogger } from '@cec/observability';
import { campaignsV1, customersV1 } from '@cec/proto';
import { startService, type RunningService } from '@cec/service-runtime';
import { call, eventually } from '@cec/testing';
import { campaignsServiceSpec } from './campaigns-service';
import { useCampaignsService } from './testing/campaigns-harness';

const h = useCampaignsService({ env: { OUTBOX_RELAY_INTERVAL_MS: '100' } });
const { Channel, ContactStatus } = campaignsV1;

let serial = 0;
async function newCustomer(): Promise<string> {
  serial += 1;
  const { customer } = await call(h.customers, 'createCustomer', {
    customer: customersV1.Customer.fromPartial({ companyName: `Relay Test ${serial} ${randomUUID().slice(0, 8)}`, email: `relay${serial}@example.com` }),
    profile: undefined,
    requestId: randomUUID(),
  });
  return customer?.id as string;
}

const record = async (customerId: string, fields: Partial<campaignsV1.ContactAttempt> = {}): Promise<string> =>
  (
    await call(h.attempts, 'recordContactAttempt', {
      attempt: campaignsV1.ContactAttempt.fromPartial({ customerId, channel: Channel.CHANNEL_EMAIL, status: ContactStatus.CONTACT_STATUS_SENT, ...fields }),
      requestId: '',
    })
  ).attempt?.id as string;
const receipt = (contactAttemptId: string, status: campaignsV1.ContactStatus) => call(h.attempts, 'updateContactStatus', { contactAttemptId, status, statusTime: undefined });

const inCompliance = (ids: string[]) =>
  h.db.query<{ attempt_id: string; outcome: string }>('SELECT attempt_id, outcome FROM compliance_contact_attempts WHERE attempt_id = ANY($1::uuid[]) ORDER BY attempt_id', [ids]);
const inCustomers = (ids: string[]) =>
  h.db.query<{ attempt_id: string; reached: boolean; responded: boolean }>(
    'SELECT attempt_id, reached, responded FROM customer_contact_outcomes WHERE attempt_id = ANY($1::uuid[]) ORDER BY attempt_id',
    [ids],
  );
const undelivered = async (ids: string[]) =>
  (await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM campaigns_outbox WHERE message_key = ANY($1::uuid[]) AND delivered_at IS NULL', [ids]))[0].n;
const responseRate = async (customerId: string) =>
  (await h.db.query<{ rate: string | null }>('SELECT response_rate::text AS rate FROM customer_profiles WHERE customer_id = $1', [customerId]))[0].rate;
/** Compliance's audit trail of an attempt: one "recorded" event, whatever the number of deliveries. */
const complianceRecorded = async (ids: string[]) =>
  (await h.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_logs WHERE entity_type = 'contact_attempt' AND action = 'recorded' AND actor_id = 'campaigns' AND entity_id = ANY($1::uuid[])", [ids]))[0].n;

const allDelivered = (ids: string[], timeoutMs = 20_000) => eventually(async () => (await undelivered(ids)) === 0, { what: 'every outbox message delivered', timeoutMs });

describe('the outbox relay', () => {
  it('delivers attempts and their status changes to compliance and customers, which count the response rate', async () => {
    const customerId = await newCustomer();
    const replied = await record(customerId);
    const answered = await record(customerId, { channel: Channel.CHANNEL_PHONE, status: ContactStatus.CONTACT_STATUS_ANSWERED, durationSeconds: 60 });
    const bounced = await record(customerId, { channel: Channel.CHANNEL_SMS });
    const unanswered = await record(customerId, { channel: Channel.CHANNEL_PHONE, outcome: 'no_answer' });
    await record(customerId, { channel: Channel.CHANNEL_LETTER });
    await receipt(replied, ContactStatus.CONTACT_STATUS_DELIVERED);
    await receipt(replied, ContactStatus.CONTACT_STATUS_REPLIED);
    await receipt(bounced, ContactStatus.CONTACT_STATUS_BOUNCED);
    const ids = [replied, answered, bounced, unanswered];

    await allDelivered(ids);
    const outcomes = new Map((await inCompliance(ids)).map((r) => [r.attempt_id, r.outcome]));
    expect(Object.fromEntries(ids.map((id) => [id, outcomes.get(id)]))).toEqual({ [replied]: 'replied', [answered]: 'answered', [bounced]: 'bounced', [unanswered]: 'no_answer' });
    const reached = new Map((await inCustomers(ids)).map((r) => [r.attempt_id, [r.reached, r.responded]]));
    expect(Object.fromEntries(ids.map((id) => [id, reached.get(id)]))).toEqual({
      [replied]: [true, true],
      [answered]: [true, true],
      [bounced]: [false, false],
      [unanswered]: [true, false],
    });
    // 2 responses of 3 reached contacts (the bounce does not count; letters are not reported)
    expect(await responseRate(customerId)).toBe('0.6667');
    expect(await complianceRecorded(ids)).toBe(4);
  });

  it('loses nothing while compliance and customers are down, and delivers each attempt once after they return', async () => {
    const customerId = await newCustomer();
    await Promise.all([h.stopPeer('compliance'), h.stopPeer('customers')]);
    let ids: string[] = [];
    try {
      ids = [];
      for (let i = 0; i < 6; i++) ids.push(await record(customerId, { channel: i % 2 ? Channel.CHANNEL_SMS : Channel.CHANNEL_EMAIL }));
      await receipt(ids[0], ContactStatus.CONTACT_STATUS_REPLIED);

      // the relay tried, failed, and keeps every message for later
      const failing = await eventually(
        async () => {
          const rows = await h.db.query<{ destination: string; attempts: number; last_error: string | null; delivered_at: string | null }>(
            'SELECT destination, attempts, last_error, delivered_at FROM campaigns_outbox WHERE message_key = ANY($1::uuid[])',
            [ids],
          );
          return rows.every((r) => r.attempts >= 1) && rows;
        },
        { what: 'every message tried at least once', timeoutMs: 20_000 },
      );
      expect(failing).toHaveLength(14);
      expect(failing.every((r) => r.delivered_at === null && /^(UNAVAILABLE|DEADLINE_EXCEEDED)/.test(r.last_error ?? ''))).toBe(true);
      expect(await inCompliance(ids)).toEqual([]);
      expect(await inCustomers(ids)).toEqual([]);
    } finally {
      await Promise.all([h.startPeer('customers'), h.startPeer('compliance')]);
    }

    await allDelivered(ids, 40_000);
    expect((await inCompliance(ids)).map((r) => r.attempt_id)).toEqual([...ids].sort());
    expect(await inCustomers(ids)).toHaveLength(6);
    expect((await inCompliance([ids[0]]))[0].outcome).toBe('replied');
    expect(await complianceRecorded(ids)).toBe(6);
    expect(await responseRate(customerId)).toBe('0.1667');
  });

  it('parks a message its receiver refuses for good and delivers the others', async () => {
    const customerId = await newCustomer();
    const unknownDecision = randomUUID();
    const good = await record(customerId);
    const refused = await record(customerId, { decisionId: unknownDecision });
    const alsoGood = await record(customerId, { channel: Channel.CHANNEL_SMS });

    const parked = await eventually(
      async () => {
        const [row] = await h.db.query<{ parked_at: string | null; last_error: string }>(
          "SELECT parked_at, last_error FROM campaigns_outbox WHERE message_key = $1 AND destination = 'compliance.contact_attempts'",
          [refused],
        );
        return row?.parked_at ? row : undefined;
      },
      { what: 'the refused message parked' },
    );
    expect(parked.last_error).toMatch(/^INVALID_ARGUMENT: attempts\[0\]\.decision_id: no decision/);
    await allDelivered([good, alsoGood]);
    expect((await inCompliance([good, refused, alsoGood])).map((r) => r.attempt_id).sort()).toEqual([good, alsoGood].sort());
    // customers knows nothing of decisions: it got all three
    expect(await inCustomers([good, refused, alsoGood])).toHaveLength(3);

    const metrics = await (await fetch(`http://${h.kit.metricsAddress}/metrics`)).text();
    expect(metrics).toMatch(/campaigns_outbox_parked_messages\{[^}]*destination="compliance.contact_attempts"[^}]*\} 1/);
    expect(metrics).toMatch(/campaigns_outbox_pending_messages\{[^}]*destination="customers.contact_outcomes"[^}]*\} \d+/);
    expect(metrics).toMatch(/campaigns_outbox_oldest_pending_age_seconds/);
  });

  it('with two relays at once, sends each message once', async () => {
    const second: RunningService = await startService(campaignsServiceSpec, { ...h.kit.env, CAMPAIGNS_GRPC_PORT: '0', CAMPAIGNS_METRICS_PORT: '0' }, createLogger('campaigns-2', 'silent'));
    try {
      const customers = await Promise.all(Array.from({ length: 4 }, () => newCustomer()));
      const ids: string[] = [];
      for (let round = 0; round < 10; round++) {
        ids.push(...(await Promise.all(Array.from({ length: 12 }, (_, i) => record(customers[i % 4], { channel: i % 3 ? Channel.CHANNEL_SMS : Channel.CHANNEL_EMAIL })))));
      }
      await allDelivered(ids, 30_000);
      const sends = await h.db.query<{ attempts: number; n: number }>(
        'SELECT attempts, count(*)::int AS n FROM campaigns_outbox WHERE message_key = ANY($1::uuid[]) GROUP BY attempts',
        [ids],
      );
      // every one of the 240 messages was sent exactly once (attempts counts sends)
      expect(sends).toEqual([{ attempts: 1, n: 240 }]);
      expect(await inCompliance(ids)).toHaveLength(120);
      expect(await inCustomers(ids)).toHaveLength(120);
      expect(await complianceRecorded(ids)).toBe(120);
    } finally {
      await second.stop();
    }
  });
});
