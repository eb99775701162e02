import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { metricsV1 } from '@cec/proto';
import { call, expectInvalid, rejectionOf, UNREACHABLE_ADDRESS } from '@cec/testing';
import { startReportService, useReportService } from './report-harness';
import { reportFixtures } from './report-fixtures';

// With the real customers service over the same database: GetCustomerCommunications asks it
// whether a customer with no contact attempts exists.
const h = useReportService({ customers: true });
const f = reportFixtures(h);
const started = new Date();

describe('GetAgentPerformance', () => {
  const agents = (request: Partial<metricsV1.GetAgentPerformanceRequest>) =>
    call(h.reports, 'getAgentPerformance', metricsV1.GetAgentPerformanceRequest.fromPartial(request));

  beforeAll(async () => {
    const c = await f.customer('Agent Test Co');
    const alpha = await f.agent('alpha-email', 'email');
    const beta = await f.agent('beta-phone', 'phone');
    await f.agent('gamma-sms', 'sms');
    // alpha: two tasks completed in 30 s and 60 s, one failed, one held now.
    await f.task({ customerId: c, agentId: alpha, status: 'completed', startedAt: '2026-01-05T10:00:00Z', completedAt: '2026-01-05T10:00:30Z' });
    await f.task({ customerId: c, agentId: alpha, status: 'completed', startedAt: '2026-01-05T11:00:00Z', completedAt: '2026-01-05T11:01:00Z' });
    await f.task({ customerId: c, agentId: alpha, status: 'failed', startedAt: '2026-01-05T12:00:00Z', completedAt: '2026-01-05T12:00:05Z' });
    await f.task({ customerId: c, agentId: alpha, status: 'assigned' });
    for (const status of ['delivered', 'replied', 'bounced', 'failed'] as const) {
      await f.attempt({ customerId: c, agentId: alpha, channel: 'email', status, at: '2026-01-05T10:00:00Z' });
    }
    // beta: two calls of 100 s and 41 s, one answered.
    await f.attempt({ customerId: c, agentId: beta, channel: 'phone', status: 'answered', duration: 100, at: '2026-01-06T10:00:00Z' });
    await f.attempt({ customerId: c, agentId: beta, channel: 'phone', status: 'failed', duration: 41, at: '2026-01-06T11:00:00Z' });
  });

  it('gives each agent tasks and contact results computed from known rows, by name, page by page', async () => {
    const first = await agents({ pageSize: 2 });
    expect(first.agents.map((a) => a.agentName)).toEqual(['alpha-email', 'beta-phone']);
    expect(first.agents[0]).toMatchObject({
      agentType: 'email',
      totalTasks: '4',
      completedTasks: '2',
      failedTasks: '1',
      activeTasks: '1',
      successRate: '0.6667', //    2 / (2 + 1)
      avgTaskSeconds: '45.0', //   (30 + 60) / 2
      contactAttempts: '4',
      successfulContacts: '2', //  delivered, replied
      responses: '1', //           replied
      responseRate: '0.2500', //   1 / 4
      avgCallSeconds: '',
    });
    expect(first.agents[0].lastActivityTime?.getTime()).toBeGreaterThanOrEqual(started.getTime() - 1000); // the held task's last change
    expect(first.agents[1]).toMatchObject({
      totalTasks: '0',
      successRate: '',
      avgTaskSeconds: '',
      contactAttempts: '2',
      successfulContacts: '1',
      responses: '1',
      responseRate: '0.5000',
      avgCallSeconds: '70.5', //   (100 + 41) / 2
      lastActivityTime: new Date('2026-01-06T11:00:00Z'),
    });
    const second = await agents({ pageSize: 2, pageToken: first.nextPageToken });
    expect(second.agents.map((a) => a.agentName)).toEqual(['gamma-sms']);
    expect(second.agents[0]).toMatchObject({ totalTasks: '0', contactAttempts: '0', responseRate: '', lastActivityTime: undefined });
    expect(second.nextPageToken).toBe('');
  });

  it('filters by agent type and refuses an unknown type or a token of other filters', async () => {
    expect((await agents({ agentType: 'phone' })).agents.map((a) => a.agentName)).toEqual(['beta-phone']);
    await expectInvalid(agents({ agentType: 'fax' }), ['agent_type']);
    const page = await agents({ pageSize: 1 });
    await expectInvalid(agents({ pageSize: 1, agentType: 'email', pageToken: page.nextPageToken }), ['page_token']);
  });
});

describe('GetCampaignEffectiveness', () => {
  const campaigns = (request: Partial<metricsV1.GetCampaignEffectivenessRequest>) =>
    call(h.reports, 'getCampaignEffectiveness', metricsV1.GetCampaignEffectivenessRequest.fromPartial(request));
  let customerId = '';

  beforeAll(async () => {
    customerId = await f.customer('Campaign Test Co');
    // USD 1000.00: 400.00 received 2026-02-10, after the campaign started (2026-02-01).
    const p = await f.invoice({ customerId, amount: '1000.00', issued: '2025-12-01', due: '2026-01-01', amountPaid: '400.00', status: 'partial' });
    await f.payment(p, '400.00', '2026-02-10');
    // EUR 500.00 paid in full 2026-01-20, before the campaign started: not recovered by it.
    const q = await f.invoice({ customerId, amount: '500.00', currency: 'EUR', issued: '2025-12-01', due: '2026-01-01', amountPaid: '500.00', status: 'paid', paidDate: '2026-01-20' });
    await f.payment(q, '500.00', '2026-01-20');
    // Cancelled: left out. Not chased by the campaign: left out.
    const r = await f.invoice({ customerId, amount: '200.00', issued: '2025-12-01', due: '2026-01-01', status: 'cancelled' });
    await f.invoice({ customerId, amount: '300.00', issued: '2025-12-01', due: '2026-01-01' });
    const alpha = await f.campaign(customerId, 'Alpha campaign', [p, q, r], '2026-02-01T00:00:00Z');
    await f.task({ customerId, campaignId: alpha, stepIndex: 0, status: 'completed', startedAt: '2026-02-01T10:00:00Z', completedAt: '2026-02-01T10:00:01Z' });
    await f.task({ customerId, campaignId: alpha, stepIndex: 1, status: 'failed', startedAt: '2026-02-02T10:00:00Z', completedAt: '2026-02-02T10:00:01Z' });
    await f.attempt({ customerId, campaignId: alpha, channel: 'email', status: 'delivered', at: '2026-02-01T10:00:00Z' });
    await f.attempt({ customerId, campaignId: alpha, channel: 'email', status: 'replied', at: '2026-02-03T10:00:00Z' });
    await f.campaign(customerId, 'Beta campaign', [], '2026-02-05T00:00:00Z');
  });

  it('gives tasks, contacts and the money of the chased invoices per currency', async () => {
    const res = await campaigns({ customerId });
    expect(res.campaigns.map((c) => c.campaignName)).toEqual(['Alpha campaign', 'Beta campaign']);
    expect(res.campaigns[0]).toMatchObject({
      status: 'active',
      companyName: 'Campaign Test Co',
      currentStep: 0,
      totalSteps: 3,
      startTime: new Date('2026-02-01T00:00:00Z'),
      totalTasks: '2',
      completedTasks: '1',
      failedTasks: '1',
      contactAttempts: '2',
      successfulContacts: '2',
      responses: '1',
      responseRate: '0.5000',
      money: [
        {
          invoices: '1',
          invoiced: { currencyCode: 'EUR', amount: '500.00' },
          outstanding: { currencyCode: 'EUR', amount: '0.00' },
          recoveredSinceStart: { currencyCode: 'EUR', amount: '0.00' }, // paid before the start
        },
        {
          invoices: '1', // the cancelled 200.00 is left out, the unchased 300.00 is not the campaign's
          invoiced: { currencyCode: 'USD', amount: '1000.00' },
          outstanding: { currencyCode: 'USD', amount: '600.00' },
          recoveredSinceStart: { currencyCode: 'USD', amount: '400.00' },
        },
      ],
    });
    expect(res.campaigns[1]).toMatchObject({ totalTasks: '0', contactAttempts: '0', responseRate: '', money: [] });
  });

  it('pages by name and filters by status; refuses an unknown status or customer id', async () => {
    const first = await campaigns({ customerId, pageSize: 1 });
    const second = await campaigns({ customerId, pageSize: 1, pageToken: first.nextPageToken });
    expect([...first.campaigns, ...second.campaigns].map((c) => c.campaignName)).toEqual(['Alpha campaign', 'Beta campaign']);
    expect(second.nextPageToken).toBe('');
    expect((await campaigns({ customerId, status: 'completed' })).campaigns).toEqual([]);
    await expectInvalid(campaigns({ status: 'running', customerId: 'nope' }), ['status', 'customer_id']);
  });
});

describe('GetCustomerCommunications', () => {
  const history = (request: Partial<metricsV1.GetCustomerCommunicationsRequest>) =>
    call(h.reports, 'getCustomerCommunications', metricsV1.GetCustomerCommunicationsRequest.fromPartial(request));
  let customerId = '';
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    customerId = await f.customer('History Co');
    const other = await f.customer('Someone Else');
    const agentId = await f.agent('history-phone', 'phone');
    const campaignId = await f.campaign(customerId, 'History campaign', []);
    ids.first = await f.attempt({ customerId, channel: 'email', status: 'delivered', at: '2026-03-01T09:00:00Z', campaignId });
    ids.call = await f.attempt({ customerId, channel: 'phone', status: 'answered', at: '2026-03-02T09:00:00Z', agentId, duration: 95, outcome: 'promise_to_pay' });
    ids.twinA = await f.attempt({ customerId, channel: 'sms', status: 'sent', at: '2026-03-03T09:00:00Z' });
    ids.twinB = await f.attempt({ customerId, channel: 'sms', status: 'failed', at: '2026-03-03T09:00:00Z' });
    ids.last = await f.attempt({ customerId, channel: 'letter', status: 'sent', at: '2026-03-04T09:00:00Z' });
    await f.attempt({ customerId: other, channel: 'email', status: 'sent', at: '2026-03-02T10:00:00Z' });
  });

  it("lists one customer's attempts newest first (ties by id), page by page", async () => {
    const seen: metricsV1.Communication[] = [];
    let pageToken = '';
    do {
      const page = await history({ customerId, pageSize: 2, pageToken });
      seen.push(...page.communications);
      pageToken = page.nextPageToken;
    } while (pageToken);
    const twins = [ids.twinA, ids.twinB].sort().reverse();
    expect(seen.map((c) => c.contactAttemptId)).toEqual([ids.last, ...twins, ids.call, ids.first]);
    expect(seen.find((c) => c.contactAttemptId === ids.call)).toMatchObject({
      customerId,
      companyName: 'History Co',
      channel: 'phone',
      status: 'answered',
      attemptTime: new Date('2026-03-02T09:00:00Z'),
      durationSeconds: 95,
      outcome: 'promise_to_pay',
      agentName: 'history-phone',
      campaignId: '',
    });
    expect(seen.find((c) => c.contactAttemptId === ids.first)).toMatchObject({ campaignName: 'History campaign', durationSeconds: 0, agentId: '' });
  });

  it('filters by channel and [start, end), and refuses bad requests', async () => {
    expect((await history({ customerId, channel: 'sms' })).communications).toHaveLength(2);
    const window = await history({ customerId, startTime: new Date('2026-03-02T09:00:00Z'), endTime: new Date('2026-03-03T09:00:00Z') });
    expect(window.communications.map((c) => c.contactAttemptId)).toEqual([ids.call]);
    await expectInvalid(history({}), ['customer_id']);
    await expectInvalid(history({ customerId: 'x', channel: 'fax' }), ['customer_id', 'channel']);
    await expectInvalid(history({ customerId, startTime: new Date('2026-03-02T00:00:00Z'), endTime: new Date('2026-03-02T00:00:00Z') }), ['end_time']);
    // A doctored token (the right filters, a key that is not a time) is refused before any SQL.
    const page = await history({ customerId, pageSize: 1 });
    const body = JSON.parse(Buffer.from(page.nextPageToken, 'base64url').toString());
    const doctored = Buffer.from(JSON.stringify({ ...body, k: ["1'; DROP TABLE contact_attempts; --", ids.last] })).toString('base64url');
    await expectInvalid(history({ customerId, pageSize: 1, pageToken: doctored }), ['page_token']);
  });

  it('answers NOT_FOUND for a customer the customers service does not know', async () => {
    const unknown = randomUUID();
    const error = await rejectionOf(history({ customerId: unknown }));
    expect({ code: error.code, details: error.details }).toEqual({ code: status.NOT_FOUND, details: `customer ${unknown} does not exist` });
    // Whatever the filters: an unknown customer has no attempts in any channel or window either.
    expect((await rejectionOf(history({ customerId: unknown, channel: 'sms', startTime: new Date('2026-03-01T00:00:00Z') }))).code).toBe(status.NOT_FOUND);
  });

  it('answers an empty list for a known customer with no attempts, or none in the channel or window asked', async () => {
    const quiet = await f.customer('Quiet Co');
    expect(await history({ customerId: quiet })).toEqual({ communications: [], nextPageToken: '' });
    expect(await history({ customerId, channel: 'phone', startTime: new Date('2026-03-03T00:00:00Z') })).toEqual({ communications: [], nextPageToken: '' });
  });

  describe('with the customers service unreachable', () => {
    let reports: metricsV1.ReportServiceClient;
    let stop: () => Promise<void>;
    const historyHere = (request: Partial<metricsV1.GetCustomerCommunicationsRequest>) =>
      call(reports, 'getCustomerCommunications', metricsV1.GetCustomerCommunicationsRequest.fromPartial(request));

    beforeAll(async () => {
      // A second metrics service over the same rows, with nobody at CUSTOMERS_ADDRESS.
      const kit = await startReportService(h.db, UNREACHABLE_ADDRESS);
      reports = kit.clients.reports;
      stop = kit.stop;
    });
    afterAll(() => stop?.());

    it('answers UNAVAILABLE naming customers when the first page is empty', async () => {
      for (const id of [randomUUID(), await f.customer('Quiet While Down Co')]) {
        const error = await rejectionOf(historyHere({ customerId: id }));
        expect(error.code).toBe(status.UNAVAILABLE);
        expect(error.details).toMatch(/^the customers service did not answer \(.*\); .*retry later$/);
      }
    });

    it('answers rows without asking customers, and an empty later page too', async () => {
      const first = await historyHere({ customerId, pageSize: 2 });
      expect(first.communications.map((c) => c.contactAttemptId)).toEqual([ids.last, [ids.twinA, ids.twinB].sort().reverse()[0]]);
      // A token past every attempt (the right filters, the oldest time there is): an empty page that is not the first.
      const body = JSON.parse(Buffer.from(first.nextPageToken, 'base64url').toString());
      const pastTheEnd = Buffer.from(JSON.stringify({ ...body, k: ['1970-01-01 00:00:00+00', ids.first] })).toString('base64url');
      expect(await historyHere({ customerId, pageSize: 2, pageToken: pastTheEnd })).toEqual({ communications: [], nextPageToken: '' });
    });
  });
});
