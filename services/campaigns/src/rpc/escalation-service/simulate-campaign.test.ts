import { randomUUID } from 'node:crypto';
import { credentials, status } from '@grpc/grpc-js';
import { campaignsV1, complianceV1, customersV1 } from '@cec/proto';
import { call, expectInvalid, rejectionOf, snapshot } from '@cec/testing';
import { useCampaignsService } from '../../testing/campaigns-harness';
import { campaignFixtures } from '../campaign-service/campaign-fixtures';

const h = useCampaignsService();
const { newInvoice, newTemplate, step, isoDay } = campaignFixtures(h);
const { TaskType, StepAnchor, Channel, SimulatedVerdict: V } = campaignsV1;

let escalation: campaignsV1.EscalationServiceClient;
let smsTemplate: string;
let emailTemplate: string;
let callTemplate: string;

beforeAll(async () => {
  escalation = new campaignsV1.EscalationServiceClient(h.address, credentials.createInsecure());
  // The templates standard-b2b resolves by name.
  await newTemplate('email', { name: 'pre_due_reminder_email' });
  emailTemplate = await newTemplate('email', { name: 'friendly_reminder_email' });
  smsTemplate = await newTemplate('sms', { name: 'payment_reminder_sms' });
  callTemplate = await newTemplate('phone', { name: 'friendly_call_script' });
  await newTemplate('letter', { name: 'final_notice_letter' });
  // US Regulation F: calls and texts 08:00-21:00 in the customer's local time.
  await call(h.complianceRules, 'installPreset', { name: 'us-regulation-f' });
});
afterAll(() => escalation?.close());

/** Every table of the three services a dry run could touch, and the audit events (without the sequencer's seal). */
const TABLES = [
  'campaigns',
  'campaign_invoices',
  'campaign_step_runs',
  'enrolment_policy',
  'tasks',
  'templates',
  'agents',
  'contact_attempts',
  'campaigns_outbox',
  'compliance_rules',
  'opt_out_events',
  'compliance_decisions',
  'contact_reservations',
  'compliance_contact_attempts',
  'customers',
  'customer_profiles',
  'payment_records',
  'payments',
];
const state = async () => ({
  ...(await snapshot(h.db, TABLES)),
  audit_logs: await h.db.query('SELECT id, entity_type, entity_id, action, actor_type, actor_id, details FROM audit_logs ORDER BY id'),
});

/** The instant `time` ("HH:MM") on `day` in New York, daylight saving included. */
function newYork(day: string, time: string): Date {
  const guess = new Date(`${day}T${time}:00-05:00`);
  const hour = Number(new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hour: '2-digit', hourCycle: 'h23' }).format(guess));
  return new Date(guess.getTime() - (hour - Number(time.slice(0, 2))) * 3_600_000);
}
const midnightUtc = (day: string) => new Date(`${day}T00:00:00Z`);
const dayAfter = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

// The simulation starts at 03:00 in New York tomorrow (night: quiet hours for texts and calls);
// the invoice fell due 10 days before that day.
const FROM_DAY = isoDay(1);
const FROM = newYork(FROM_DAY, '03:00');
const DUE = dayAfter(FROM_DAY, -10);

async function newYorkCustomer(): Promise<string> {
  const response = await call(h.customers, 'createCustomer', {
    customer: customersV1.Customer.fromPartial({ companyName: `Simulated ${randomUUID().slice(0, 8)}`, email: `ap-${randomUUID().slice(0, 8)}@example.com` }),
    profile: customersV1.CustomerProfile.fromPartial({ timeZone: 'America/New_York', countryCode: 'US' }),
    requestId: randomUUID(),
  });
  return response.customer?.id as string;
}

async function overdueInvoice(customerId: string): Promise<customersV1.Invoice> {
  return newInvoice(customerId, Math.round((Date.parse(`${DUE}T00:00:00Z`) - Date.parse(`${isoDay(0)}T00:00:00Z`)) / 86_400_000));
}

async function presetCampaign(customerId: string, invoiceId: string): Promise<campaignsV1.Campaign> {
  const response = await call(
    h.campaigns,
    'createCampaign',
    campaignsV1.CreateCampaignRequest.fromPartial({ campaign: { customerId, name: 'Standard', invoiceIds: [invoiceId] }, preset: 'standard-b2b' }),
  );
  return response.campaign as campaignsV1.Campaign;
}

const simulate = ({ campaign, ...rest }: Omit<Partial<campaignsV1.SimulateCampaignRequest>, 'campaign'> & { campaign?: Partial<campaignsV1.Campaign> }) =>
  call(escalation, 'simulateCampaign', campaignsV1.SimulateCampaignRequest.fromPartial({ ...rest, campaign: campaign && campaignsV1.Campaign.fromPartial(campaign) }));

const brief = (steps: campaignsV1.SimulatedStep[]) =>
  steps.map((s) => ({ step: s.stepName, verdict: V[s.verdict], channel: Channel[s.channel], due: s.dueTime?.toISOString(), at: s.contactTime?.toISOString() }));

describe('SimulateCampaign', () => {
  it('a standard-b2b campaign over an invoice 10 days overdue in New York: the pre-due reminder skipped, the rest spaced as the schedule spaces it, the text deferred by quiet hours, nothing written anywhere', async () => {
    const customerId = await newYorkCustomer();
    const invoice = await overdueInvoice(customerId);
    const campaign = await presetCampaign(customerId, invoice.id);
    const before = await state();

    const response = await simulate({ campaignId: campaign.id, fromTime: FROM });

    // Steps count from the due date's start (UTC). The campaign starts 10 days late: the reminder
    // before the due date is skipped; the friendly reminder happens at the start, and the rest
    // keeps the schedule's spacing from it (+1, +7, +14, +21, +30 days). The SMS, 6 days later at
    // 03:00 in New York, waits for 08:00 (Regulation F); the call, letter and research follow it
    // 7, 14 and 23 days later.
    const smsAt = newYork(dayAfter(FROM_DAY, 6), '08:00');
    const days = (n: number) => new Date(smsAt.getTime() + n * 86_400_000).toISOString();
    expect(brief(response.steps)).toEqual([
      { step: 'Pre-due reminder', verdict: 'SIMULATED_VERDICT_SKIPPED', channel: 'CHANNEL_EMAIL', due: midnightUtc(dayAfter(DUE, -3)).toISOString(), at: undefined },
      { step: 'Friendly reminder', verdict: 'SIMULATED_VERDICT_CONTACT', channel: 'CHANNEL_EMAIL', due: midnightUtc(dayAfter(DUE, 1)).toISOString(), at: FROM.toISOString() },
      { step: 'SMS reminder', verdict: 'SIMULATED_VERDICT_DEFERRED_CONTACT', channel: 'CHANNEL_SMS', due: midnightUtc(dayAfter(DUE, 7)).toISOString(), at: smsAt.toISOString() },
      { step: 'Reminder call', verdict: 'SIMULATED_VERDICT_CONTACT', channel: 'CHANNEL_PHONE', due: midnightUtc(dayAfter(DUE, 14)).toISOString(), at: days(7) },
      { step: 'Final notice', verdict: 'SIMULATED_VERDICT_CONTACT', channel: 'CHANNEL_LETTER', due: midnightUtc(dayAfter(DUE, 21)).toISOString(), at: days(14) },
      { step: 'Research and human follow-up', verdict: 'SIMULATED_VERDICT_CONTACT', channel: 'CHANNEL_UNSPECIFIED', due: midnightUtc(dayAfter(DUE, 30)).toISOString(), at: days(23) },
    ]);
    expect(response.steps[0].reasons).toEqual(['a reminder before the due date, and the invoice is 10 days overdue already']);
    expect(response.steps[2].reasons).toEqual([expect.stringMatching(/^sms deferred to .*reg_f_contact_hours v1: /)]);
    expect(response.steps.map((s) => s.taskType)).toEqual([
      TaskType.TASK_TYPE_SEND_EMAIL,
      TaskType.TASK_TYPE_SEND_EMAIL,
      TaskType.TASK_TYPE_SEND_SMS,
      TaskType.TASK_TYPE_MAKE_CALL,
      TaskType.TASK_TYPE_SEND_LETTER,
      TaskType.TASK_TYPE_RESEARCH,
    ]);
    expect(response.outcome).toBe('handed to research, 500.00 USD outstanding');
    expect(await state()).toEqual(before);
  });

  it('a campaign not made yet: an opted-out SMS falls back to e-mail, unmet conditions skip, a deferred call moves the step counting from it', async () => {
    const customerId = await newYorkCustomer();
    const invoice = await overdueInvoice(customerId);
    await call(h.optOuts, 'recordOptOut', complianceV1.RecordOptOutRequest.fromPartial({ customerId, channel: complianceV1.Channel.CHANNEL_SMS, source: complianceV1.OptOutSource.OPT_OUT_SOURCE_REPLY_STOP }));
    const before = await state();

    const response = await simulate({
      fromTime: FROM,
      campaign: {
        customerId,
        name: 'Not made yet',
        invoiceIds: [invoice.id],
        steps: [
          step({ name: 'Text', taskType: TaskType.TASK_TYPE_SEND_SMS, templateId: smsTemplate, delayDays: 1, fallbackTaskType: TaskType.TASK_TYPE_SEND_EMAIL, fallbackTemplateId: emailTemplate }),
          step({ name: 'Big debts only', taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: emailTemplate, delayDays: 2, conditions: { minAmountOverdue: [{ currencyCode: 'USD', amount: '10000.00' }], minDaysOverdue: 0, riskLevels: [] } }),
          step({ name: 'Call', taskType: TaskType.TASK_TYPE_MAKE_CALL, templateId: callTemplate, delayDays: 0, anchor: StepAnchor.STEP_ANCHOR_PREVIOUS_STEP }),
          step({ name: 'Follow-up', taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: emailTemplate, delayDays: 1, anchor: StepAnchor.STEP_ANCHOR_PREVIOUS_STEP }),
        ],
      },
    });

    // The e-mail the text fell back to is a contact: the next step (a day later in the schedule)
    // is looked at a day after it, and skipped then.
    const skippedAt = new Date(FROM.getTime() + 86_400_000);
    const opens = newYork(dayAfter(FROM_DAY, 1), '08:00');
    expect(brief(response.steps)).toEqual([
      { step: 'Text', verdict: 'SIMULATED_VERDICT_FALLBACK', channel: 'CHANNEL_EMAIL', due: midnightUtc(dayAfter(DUE, 1)).toISOString(), at: FROM.toISOString() },
      { step: 'Big debts only', verdict: 'SIMULATED_VERDICT_SKIPPED', channel: 'CHANNEL_EMAIL', due: midnightUtc(dayAfter(DUE, 2)).toISOString(), at: undefined },
      // Counts from the skipped step, at night in New York: deferred to 08:00.
      { step: 'Call', verdict: 'SIMULATED_VERDICT_DEFERRED_CONTACT', channel: 'CHANNEL_PHONE', due: skippedAt.toISOString(), at: opens.toISOString() },
      // Counts from the deferred call: a day after 08:00 (the second round of questions asked it there).
      { step: 'Follow-up', verdict: 'SIMULATED_VERDICT_CONTACT', channel: 'CHANNEL_EMAIL', due: new Date(opens.getTime() + 86_400_000).toISOString(), at: new Date(opens.getTime() + 86_400_000).toISOString() },
    ]);
    expect(response.steps[0].reasons).toEqual(['sms refused: the customer opted out of contact by sms']);
    expect(response.steps[1].reasons).toEqual(["less is overdue (500.00 USD) than the step's minimum (10,000.00 USD)"]);
    expect(response.outcome).toBe('exhausted, 500.00 USD outstanding');
    expect(await state()).toEqual(before);
  });

  it('steps the ledger has taken are ALREADY_TAKEN; the rest count from the last one taken (a paused campaign)', async () => {
    const customerId = await newYorkCustomer();
    const invoice = await overdueInvoice(customerId);
    const campaign = await presetCampaign(customerId, invoice.id);
    await call(h.campaigns, 'startCampaign', { campaignId: campaign.id });
    await call(h.campaigns, 'pauseCampaign', { campaignId: campaign.id, reason: 'the engine must not take it during the test' });
    const skippedAt = new Date(FROM.getTime() - 2 * 86_400_000);
    await h.db.query(
      `INSERT INTO campaign_step_runs (campaign_id, step_index, run_key, outcome, channel, reason, created_at)
       VALUES ($1, 0, gen_random_uuid(), 'skipped', 'email', 'too late for a pre-due reminder', $2),
              ($1, 1, gen_random_uuid(), 'refused', 'email', 'email refused: the customer opted out of contact by email', $2)`,
      [campaign.id, skippedAt],
    );
    const before = await state();

    const response = await simulate({ campaignId: campaign.id, fromTime: FROM });
    expect(response.steps.map((s) => V[s.verdict])).toEqual([
      'SIMULATED_VERDICT_ALREADY_TAKEN',
      'SIMULATED_VERDICT_ALREADY_TAKEN',
      'SIMULATED_VERDICT_DEFERRED_CONTACT',
      'SIMULATED_VERDICT_CONTACT',
      'SIMULATED_VERDICT_CONTACT',
      'SIMULATED_VERDICT_CONTACT',
    ]);
    expect(response.steps[0]).toMatchObject({ contactTime: skippedAt, dueTime: undefined, reasons: [`skipped at ${skippedAt.toISOString()}: too late for a pre-due reminder`] });
    expect(response.steps[1].reasons).toEqual([`refused at ${skippedAt.toISOString()}: email refused: the customer opted out of contact by email`]);
    expect(await state()).toEqual(before);
  });

  it("the next step waits for the campaign's next_step_at, as the engine does (a step held back to a later day)", async () => {
    const customerId = await newYorkCustomer();
    const invoice = await overdueInvoice(customerId);
    const campaign = await presetCampaign(customerId, invoice.id);
    await call(h.campaigns, 'startCampaign', { campaignId: campaign.id });
    await call(h.campaigns, 'pauseCampaign', { campaignId: campaign.id, reason: 'the engine must not take it during the test' });
    // The first step fell due long ago, but the campaign holds it until two days after FROM (as
    // the demo data's campaigns and a deferral leave next_step_at): the engine takes it then, not at FROM.
    // (The pre-due reminder, step 0, is skipped: the invoice is overdue.)
    const heldUntil = new Date(FROM.getTime() + 2 * 86_400_000);
    await h.db.query('UPDATE campaigns SET next_step_at = $2, current_step = 1 WHERE id = $1', [campaign.id, heldUntil]);

    const response = await simulate({ campaignId: campaign.id, fromTime: FROM });
    expect(response.steps[1]).toMatchObject({ stepIndex: 1, channel: Channel.CHANNEL_EMAIL, verdict: V.SIMULATED_VERDICT_CONTACT, contactTime: heldUntil });
  });

  it('paid in full: every step skipped, the outcome "paid in full"', async () => {
    const customerId = await newYorkCustomer();
    const invoice = await overdueInvoice(customerId);
    const campaign = await presetCampaign(customerId, invoice.id);
    await call(h.invoices, 'recordPayment', { invoiceId: invoice.id, amount: { currencyCode: 'USD', amount: '500.00' }, paidDate: '', reference: 'wire', requestId: randomUUID() });
    const before = await state();

    const response = await simulate({ campaignId: campaign.id, fromTime: FROM });
    expect(response.steps).toHaveLength(6);
    for (const s of response.steps) {
      expect(s).toMatchObject({ verdict: V.SIMULATED_VERDICT_SKIPPED, contactTime: undefined, reasons: ['paid in full: the campaign would complete before this step'] });
    }
    expect(response.outcome).toBe('paid in full');
    expect(await state()).toEqual(before);
  });

  it('refuses an unknown campaign (NOT_FOUND), a finished one (FAILED_PRECONDITION) and bad input naming each field, as CreateCampaign does; writes nothing', async () => {
    const customerId = await newYorkCustomer();
    const invoice = await overdueInvoice(customerId);
    const cancelled = await presetCampaign(customerId, invoice.id);
    await call(h.campaigns, 'cancelCampaign', { campaignId: cancelled.id, reason: 'test' });
    const before = await state();

    expect((await rejectionOf(simulate({ campaignId: randomUUID() }))).code).toBe(status.NOT_FOUND);
    const finished = await rejectionOf(simulate({ campaignId: cancelled.id }));
    expect(finished.code).toBe(status.FAILED_PRECONDITION);
    expect(finished.details).toMatch(/is cancelled/);

    await expectInvalid(simulate({ campaignId: 'nope', fromTime: new Date(Date.now() + 800 * 86_400_000) }), ['campaign_id', 'from_time']);
    await expectInvalid(simulate({}), ['campaign_id']);
    await expectInvalid(simulate({ campaignId: cancelled.id, preset: 'standard-b2b', campaign: { customerId, name: 'x', invoiceIds: [invoice.id] } }), ['campaign', 'preset']);
    // A campaign not made yet is checked as CreateCampaign checks it: the same fields named.
    const draft = {
      campaign: { customerId: 'nope', name: '', invoiceIds: [invoice.id], steps: [step({ name: 'SMS', taskType: TaskType.TASK_TYPE_SEND_SMS, templateId: emailTemplate, delayDays: 1 })] },
    };
    const created = await rejectionOf(call(h.campaigns, 'createCampaign', campaignsV1.CreateCampaignRequest.fromPartial(draft)));
    const simulated = await expectInvalid(simulate(draft), ['campaign.customer_id', 'campaign.name', 'campaign.steps[0].template_id']);
    expect(simulated.details).toBe(created.details);
    await expectInvalid(simulate({ campaign: { customerId, name: 'x', invoiceIds: [invoice.id] }, preset: 'no-such-preset' }), ['preset']);
    expect(await state()).toEqual(before);
  });
});
