import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { campaignsV1, customersV1 } from '@cec/proto';
import { call, expectInvalid, rejectionOf } from '@cec/testing';
import { useCampaignsService } from '../../testing/campaigns-harness';
import { campaignFixtures } from './campaign-fixtures';

const h = useCampaignsService();
const { newCustomer, newInvoice, newTemplate, customerWithInvoices, step, state, auditEvents, isoDay } = campaignFixtures(h);
const { TaskType, StepAnchor, Priority, CampaignStatus, Channel } = campaignsV1;
const { RiskLevel } = customersV1;

let email: string;
let sms: string;
let phone: string;
let letter: string;

beforeAll(async () => {
  email = await newTemplate('email');
  sms = await newTemplate('sms');
  phone = await newTemplate('phone');
  letter = await newTemplate('letter');
});

type CreateRequest = Omit<Partial<campaignsV1.CreateCampaignRequest>, 'campaign'> & { campaign?: Partial<campaignsV1.Campaign> };
const create = ({ campaign, ...rest }: CreateRequest) =>
  call(h.campaigns, 'createCampaign', campaignsV1.CreateCampaignRequest.fromPartial({ ...rest, campaign: campaign && campaignsV1.Campaign.fromPartial(campaign) }));

describe('CreateCampaign with steps', () => {
  it('stores a draft with its steps, template versions and invoices, audited', async () => {
    const { customerId, invoices } = await customerWithInvoices(2);
    const response = await create({
      campaign: {
        customerId,
        name: ' Acme overdue ',
        description: 'Two invoices',
        invoiceIds: invoices.map((i) => i.id),
        steps: [
          step({ name: 'Reminder', taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: email, delayDays: -3, priority: Priority.PRIORITY_LOW }),
          step({
            name: 'SMS',
            taskType: TaskType.TASK_TYPE_SEND_SMS,
            templateId: sms,
            delayDays: 7,
            conditions: { minAmountOverdue: [{ currencyCode: 'USD', amount: '100.00' }], minDaysOverdue: 5, riskLevels: [RiskLevel.RISK_LEVEL_HIGH] },
            fallbackTaskType: TaskType.TASK_TYPE_SEND_LETTER,
            fallbackTemplateId: letter,
          }),
          step({ name: 'Call', taskType: TaskType.TASK_TYPE_MAKE_CALL, templateId: phone, delayDays: 3, anchor: StepAnchor.STEP_ANCHOR_PREVIOUS_STEP }),
          step({ name: 'Research', taskType: TaskType.TASK_TYPE_RESEARCH, delayDays: 30, priority: Priority.PRIORITY_URGENT }),
        ],
      },
    });
    const c = response.campaign as campaignsV1.Campaign;
    expect(c).toMatchObject({
      customerId,
      name: 'Acme overdue',
      description: 'Two invoices',
      status: CampaignStatus.CAMPAIGN_STATUS_DRAFT,
      invoiceIds: invoices.map((i) => i.id).sort(),
      currentStep: 0,
      nextStepTime: undefined,
      startTime: undefined,
      preset: '',
      outcome: '',
      createdBy: 'service:unknown',
    });
    expect(c.steps).toEqual([
      expect.objectContaining({ name: 'Reminder', channel: Channel.CHANNEL_EMAIL, templateId: email, templateVersion: 1, delayDays: -3, priority: Priority.PRIORITY_LOW }),
      expect.objectContaining({
        channel: Channel.CHANNEL_SMS,
        priority: Priority.PRIORITY_MEDIUM,
        conditions: { minAmountOverdue: [{ currencyCode: 'USD', amount: '100.00' }], minDaysOverdue: 5, riskLevels: [RiskLevel.RISK_LEVEL_HIGH] },
        fallbackTaskType: TaskType.TASK_TYPE_SEND_LETTER,
        fallbackTemplateId: letter,
      }),
      expect.objectContaining({ channel: Channel.CHANNEL_PHONE, anchor: StepAnchor.STEP_ANCHOR_PREVIOUS_STEP }),
      expect.objectContaining({ channel: Channel.CHANNEL_UNSPECIFIED, templateId: '', priority: Priority.PRIORITY_URGENT }),
    ]);
    const [row] = await h.db.query<{ escalation_steps: Record<string, unknown>[]; anchor_due_date: string }>(
      'SELECT escalation_steps, anchor_due_date::text FROM campaigns WHERE id = $1',
      [c.id],
    );
    // the earliest due date anchors the schedule
    expect(row.anchor_due_date).toBe([...invoices.map((i) => i.dueDate)].sort()[0]);
    expect(row.escalation_steps[1]).toEqual({
      name: 'SMS',
      task_type: 'send_sms',
      channel: 'sms',
      template: expect.stringMatching(/^test_sms_/),
      template_id: sms,
      template_version: 1,
      delay_days: 7,
      delay_from: 'due_date',
      priority: 'medium',
      conditions: { min_amount_overdue: { USD: '100.00' }, min_days_overdue: 5, risk_levels: ['high'] },
      fallback_task_type: 'send_letter',
      fallback_template: expect.stringMatching(/^test_letter_/),
      fallback_template_id: letter,
      fallback_template_version: 1,
    });
    expect(await h.db.query('SELECT invoice_id::text, customer_id::text, running FROM campaign_invoices WHERE campaign_id = $1 ORDER BY invoice_id', [c.id])).toEqual(
      invoices.map((i) => ({ invoice_id: i.id, customer_id: customerId, running: false })).sort((a, b) => (a.invoice_id < b.invoice_id ? -1 : 1)),
    );
    expect(await auditEvents(c.id)).toEqual([
      expect.objectContaining({ entity_type: 'campaign', action: 'created', details: expect.objectContaining({ after: expect.objectContaining({ status: 'draft', steps: 4 }) }) }),
    ]);
    expect((await call(h.campaigns, 'getCampaign', { campaignId: c.id })).campaign).toEqual(c);
  });

  it('start: true makes it active in the same call, its first step due on the anchor day (or now when that is past)', async () => {
    const customerId = await newCustomer();
    const soon = await newInvoice(customerId, 10);
    const later = await newInvoice(customerId, 20);
    const before = Date.now();
    const response = await create({
      campaign: {
        customerId,
        name: 'Starts now',
        invoiceIds: [later.id, soon.id],
        steps: [step({ taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: email, delayDays: -3 })],
      },
      start: true,
    });
    const c = response.campaign as campaignsV1.Campaign;
    expect(c.status).toBe(CampaignStatus.CAMPAIGN_STATUS_ACTIVE);
    expect(c.startTime?.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(c.nextStepTime?.toISOString()).toBe(`${isoDay(7)}T00:00:00.000Z`);
    expect((await auditEvents(c.id)).map((e) => [e.action, e.details.from, e.details.to])).toEqual([
      ['created', undefined, undefined],
      ['started', 'draft', 'active'],
    ]);
    expect(await h.db.query('SELECT bool_and(running) AS running FROM campaign_invoices WHERE campaign_id = $1', [c.id])).toEqual([{ running: true }]);

    const overdue = await customerWithInvoices(1);
    const past = await create({
      campaign: { customerId: overdue.customerId, name: 'Overdue', invoiceIds: [overdue.invoices[0].id], steps: [step({ taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: email, delayDays: 1 })] },
      start: true,
    });
    expect(past.campaign?.nextStepTime?.getTime()).toBeGreaterThanOrEqual(before);
    expect(past.campaign?.nextStepTime?.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('a retry with the same request_id returns the first campaign, even after its invoice was paid', async () => {
    const { customerId, invoices } = await customerWithInvoices(1);
    const requestId = randomUUID();
    const request = { campaign: { customerId, name: 'Once', invoiceIds: [invoices[0].id], steps: [step({ taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: email })] }, requestId };
    const first = await create(request);
    await call(h.invoices, 'recordPayment', customersV1.RecordPaymentRequest.fromPartial({ invoiceId: invoices[0].id, amount: { currencyCode: 'USD', amount: '500.00' } }));
    const again = await create(request);
    expect(again.campaign).toEqual(first.campaign);
    expect(await h.db.query('SELECT count(*)::int AS n FROM campaigns WHERE customer_id = $1', [customerId])).toEqual([{ n: 1 }]);
  });

  it('refuses bad input naming every bad field, and stores nothing', async () => {
    const { customerId, invoices } = await customerWithInvoices(1);
    const inactive = await newTemplate('email', { active: false });
    const before = await state();
    await expectInvalid(
      create({
        campaign: {
          customerId: 'acme',
          name: '',
          description: 'd'.repeat(2001),
          invoiceIds: [invoices[0].id, 'INV-1', invoices[0].id],
          steps: [step({ name: '', taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: email })],
        },
        requestId: 'again',
      }),
      ['request_id', 'campaign.customer_id', 'campaign.name', 'campaign.description', 'campaign.invoice_ids[1]', 'campaign.invoice_ids[2]', 'campaign.steps[0].name'],
    );
    const steps = (drafts: campaignsV1.EscalationStep[]) => create({ campaign: { customerId, name: 'x', invoiceIds: [invoices[0].id], steps: drafts } });
    await expectInvalid(
      steps([
        step({ taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: sms, delayDays: 5, anchor: StepAnchor.STEP_ANCHOR_PREVIOUS_STEP }),
        step({ taskType: TaskType.TASK_TYPE_SEND_SMS, templateId: randomUUID(), delayDays: 1 }),
        step({ taskType: TaskType.TASK_TYPE_RESEARCH, templateId: email, delayDays: 2, priority: 9 as campaignsV1.Priority }),
        step({ taskType: TaskType.TASK_TYPE_UNSPECIFIED, anchor: StepAnchor.STEP_ANCHOR_UNSPECIFIED }),
      ]),
      [
        'campaign.steps[0].template_id',
        'campaign.steps[0].anchor',
        'campaign.steps[1].template_id',
        'campaign.steps[2].priority',
        'campaign.steps[2].template_id',
        'campaign.steps[3].task_type',
        'campaign.steps[3].anchor',
      ],
    );
    await expectInvalid(
      steps([
        step({
          taskType: TaskType.TASK_TYPE_SEND_EMAIL,
          templateId: inactive,
          conditions: { minAmountOverdue: [{ currencyCode: 'XXY', amount: '1,00' }], minDaysOverdue: -1, riskLevels: [0] },
          fallbackTaskType: TaskType.TASK_TYPE_SEND_SMS,
        }),
      ]),
      [
        'campaign.steps[0].template_id',
        'campaign.steps[0].conditions.min_amount_overdue[0].currency_code',
        'campaign.steps[0].conditions.min_amount_overdue[0].amount',
        'campaign.steps[0].conditions.min_days_overdue',
        'campaign.steps[0].conditions.risk_levels[0]',
        'campaign.steps[0].fallback_template_id',
      ],
    );
    await expectInvalid(create({ campaign: { customerId, name: 'x', invoiceIds: [], steps: [] } }), ['campaign.invoice_ids', 'campaign.steps']);
    await expectInvalid(
      create({ campaign: { customerId, name: 'x', invoiceIds: [invoices[0].id], steps: [step({ taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: email })] }, preset: 'standard-b2b' }),
      ['preset'],
    );
    await expectInvalid(create({ campaign: { customerId, name: 'x', invoiceIds: [invoices[0].id] }, preset: 'nope' }), ['preset']);
    await expectInvalid(create({}), ['campaign']);
    await expectInvalid(
      create({
        campaign: {
          customerId,
          name: 'x',
          invoiceIds: [invoices[0].id],
          steps: [step({ taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: email, delayDays: 10 }), step({ taskType: TaskType.TASK_TYPE_SEND_SMS, templateId: sms, delayDays: 5 })],
        },
      }),
      ['campaign.steps[1].delay_days'],
    );
    expect(await state()).toEqual(before);
  });

  it('an unknown customer or invoice is NOT_FOUND; another customer\'s, a paid or a cancelled invoice FAILED_PRECONDITION; nothing stored', async () => {
    const { customerId, invoices } = await customerWithInvoices(3);
    const stranger = await customerWithInvoices(1);
    await call(h.invoices, 'recordPayment', customersV1.RecordPaymentRequest.fromPartial({ invoiceId: invoices[1].id, amount: { currencyCode: 'USD', amount: '500.00' } }));
    await call(h.invoices, 'cancelInvoice', { invoiceId: invoices[2].id, reason: 'issued twice' });
    const steps = [step({ taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: email })];
    const before = await state();

    const unknownCustomer = randomUUID();
    const noCustomer = await rejectionOf(create({ campaign: { customerId: unknownCustomer, name: 'x', invoiceIds: [invoices[0].id], steps } }));
    expect([noCustomer.code, noCustomer.details]).toEqual([status.NOT_FOUND, `customer ${unknownCustomer} not found`]);

    const unknownInvoice = randomUUID();
    const noInvoice = await rejectionOf(create({ campaign: { customerId, name: 'x', invoiceIds: [invoices[0].id, unknownInvoice], steps } }));
    expect([noInvoice.code, noInvoice.details]).toEqual([status.NOT_FOUND, `invoice ${unknownInvoice} not found`]);

    const refused = await rejectionOf(create({ campaign: { customerId, name: 'x', invoiceIds: [invoices[0].id, invoices[1].id, invoices[2].id, stranger.invoices[0].id], steps }, start: true }));
    expect(refused.code).toBe(status.FAILED_PRECONDITION);
    expect(refused.details).toBe(
      "a campaign chases the customer's unpaid invoices only: " +
        `invoice ${invoices[1].invoiceNumber} (${invoices[1].id}) is paid: nothing is owed on it; ` +
        `invoice ${invoices[2].invoiceNumber} (${invoices[2].id}) is cancelled: nothing is owed on it; ` +
        `invoice ${stranger.invoices[0].invoiceNumber} (${stranger.invoices[0].id}) belongs to another customer`,
    );
    expect(await state()).toEqual(before);
  });

  it('a started create for an invoice that has a running campaign is FAILED_PRECONDITION naming both, and stores nothing', async () => {
    const { customerId, invoices } = await customerWithInvoices(2);
    const steps = [step({ taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: email })];
    const running = await create({ campaign: { customerId, name: 'First', invoiceIds: [invoices[0].id], steps }, start: true });
    const before = await state();
    const error = await rejectionOf(create({ campaign: { customerId, name: 'Second', invoiceIds: [invoices[1].id, invoices[0].id], steps }, start: true, requestId: randomUUID() }));
    expect(error.code).toBe(status.FAILED_PRECONDITION);
    expect(error.details).toBe(
      `the campaign cannot be created and started: invoice ${invoices[0].id} already has running campaign ${running.campaign?.id}. ` +
        'An invoice has at most one running (active or paused) campaign: cancel that one first',
    );
    expect(await state()).toEqual(before);
    // as a draft it may wait for its turn
    const draft = await create({ campaign: { customerId, name: 'Second', invoiceIds: [invoices[1].id, invoices[0].id], steps } });
    expect(draft.campaign?.status).toBe(CampaignStatus.CAMPAIGN_STATUS_DRAFT);
  });
});

describe('CreateCampaign from a preset', () => {
  it('standard-b2b: the issue\'s schedule, each template the latest active version in English; a missing template is FAILED_PRECONDITION', async () => {
    const { customerId, invoices } = await customerWithInvoices(1);
    const request = { campaign: { customerId, name: 'Standard', invoiceIds: [invoices[0].id] }, preset: 'standard-b2b' };
    const before = await state();
    const missing = await rejectionOf(create(request));
    expect(missing.code).toBe(status.FAILED_PRECONDITION);
    expect(missing.details).toMatch(/^preset standard-b2b needs templates that have no active version: .*pre_due_reminder_email \(email, en\).*final_notice_letter \(letter, en\)/);
    expect(await state()).toEqual(before);

    const ids: Record<string, string> = {};
    for (const [name, channel] of [
      ['pre_due_reminder_email', 'email'],
      ['friendly_reminder_email', 'email'],
      ['payment_reminder_sms', 'sms'],
      ['friendly_call_script', 'phone'],
      ['final_notice_letter', 'letter'],
    ] as const) {
      await newTemplate(channel, { name, version: 1 });
      ids[name] = await newTemplate(channel, { name, version: 2 });
      await newTemplate(channel, { name, version: 3, active: false });
      await newTemplate(channel, { name, version: 4, language: 'de' });
    }
    const c = (await create(request)).campaign as campaignsV1.Campaign;
    expect(c.preset).toBe('standard-b2b');
    expect(c.steps.map((s) => [s.taskType, s.channel, s.templateId, s.templateVersion, s.delayDays, s.anchor, s.priority])).toEqual([
      [TaskType.TASK_TYPE_SEND_EMAIL, Channel.CHANNEL_EMAIL, ids.pre_due_reminder_email, 2, -3, StepAnchor.STEP_ANCHOR_DUE_DATE, Priority.PRIORITY_LOW],
      [TaskType.TASK_TYPE_SEND_EMAIL, Channel.CHANNEL_EMAIL, ids.friendly_reminder_email, 2, 1, StepAnchor.STEP_ANCHOR_DUE_DATE, Priority.PRIORITY_MEDIUM],
      [TaskType.TASK_TYPE_SEND_SMS, Channel.CHANNEL_SMS, ids.payment_reminder_sms, 2, 7, StepAnchor.STEP_ANCHOR_DUE_DATE, Priority.PRIORITY_MEDIUM],
      [TaskType.TASK_TYPE_MAKE_CALL, Channel.CHANNEL_PHONE, ids.friendly_call_script, 2, 14, StepAnchor.STEP_ANCHOR_DUE_DATE, Priority.PRIORITY_HIGH],
      [TaskType.TASK_TYPE_SEND_LETTER, Channel.CHANNEL_LETTER, ids.final_notice_letter, 2, 21, StepAnchor.STEP_ANCHOR_DUE_DATE, Priority.PRIORITY_HIGH],
      [TaskType.TASK_TYPE_RESEARCH, Channel.CHANNEL_UNSPECIFIED, '', 0, 30, StepAnchor.STEP_ANCHOR_DUE_DATE, Priority.PRIORITY_URGENT],
    ]);
  });

  it('ListCampaignPresets shows each preset\'s steps with their template names', async () => {
    const { presets } = await call(h.campaigns, 'listCampaignPresets', {});
    expect(presets.map((p) => p.name)).toEqual(['standard-b2b', 'gentle-b2b']);
    expect(presets[0].templateNames).toEqual(['pre_due_reminder_email', 'friendly_reminder_email', 'payment_reminder_sms', 'friendly_call_script', 'final_notice_letter', '']);
    expect(presets[0].steps.map((s) => [s.taskType, s.channel, s.delayDays, s.templateId])).toEqual([
      [TaskType.TASK_TYPE_SEND_EMAIL, Channel.CHANNEL_EMAIL, -3, ''],
      [TaskType.TASK_TYPE_SEND_EMAIL, Channel.CHANNEL_EMAIL, 1, ''],
      [TaskType.TASK_TYPE_SEND_SMS, Channel.CHANNEL_SMS, 7, ''],
      [TaskType.TASK_TYPE_MAKE_CALL, Channel.CHANNEL_PHONE, 14, ''],
      [TaskType.TASK_TYPE_SEND_LETTER, Channel.CHANNEL_LETTER, 21, ''],
      [TaskType.TASK_TYPE_RESEARCH, Channel.CHANNEL_UNSPECIFIED, 30, ''],
    ]);
  });
});

describe('GetCampaign and ListCampaigns', () => {
  it('GetCampaign: NOT_FOUND for an unknown id, INVALID_ARGUMENT for a malformed one', async () => {
    const id = randomUUID();
    const error = await rejectionOf(call(h.campaigns, 'getCampaign', { campaignId: id }));
    expect([error.code, error.details]).toEqual([status.NOT_FOUND, `campaign ${id} not found`]);
    await expectInvalid(call(h.campaigns, 'getCampaign', { campaignId: 'x' }), ['campaign_id']);
  });

  it('filters by status, customer, invoice and risk level, newest first, page by page with tokens bound to the filters', async () => {
    const { customerId, invoices } = await customerWithInvoices(3);
    const steps = [step({ taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: email })];
    const make = async (name: string, invoiceIds: string[], start = false) =>
      (await create({ campaign: { customerId, name, invoiceIds, steps }, start })).campaign as campaignsV1.Campaign;
    const a = await make('A', [invoices[0].id], true);
    const b = await make('B', [invoices[1].id]);
    const c = await make('C', [invoices[1].id, invoices[2].id], true);
    const list = (request: Partial<campaignsV1.ListCampaignsRequest>) => call(h.campaigns, 'listCampaigns', campaignsV1.ListCampaignsRequest.fromPartial(request));
    const ids = async (request: Partial<campaignsV1.ListCampaignsRequest>) => (await list(request)).campaigns.map((x) => x.id);

    expect(await ids({ customerId })).toEqual([c.id, b.id, a.id]);
    expect(await ids({ customerId, statuses: [CampaignStatus.CAMPAIGN_STATUS_DRAFT] })).toEqual([b.id]);
    expect(await ids({ customerId, statuses: [CampaignStatus.CAMPAIGN_STATUS_ACTIVE, CampaignStatus.CAMPAIGN_STATUS_PAUSED] })).toEqual([c.id, a.id]);
    expect(await ids({ invoiceId: invoices[1].id })).toEqual([c.id, b.id]);
    // risk comes from v_active_campaigns: running campaigns at the customer's current level
    const [{ risk_level: level }] = await h.db.query<{ risk_level: string }>('SELECT risk_level FROM customer_profiles WHERE customer_id = $1', [customerId]);
    const levelNumber = { low: RiskLevel.RISK_LEVEL_LOW, medium: RiskLevel.RISK_LEVEL_MEDIUM, high: RiskLevel.RISK_LEVEL_HIGH, critical: RiskLevel.RISK_LEVEL_CRITICAL }[level];
    expect(await ids({ customerId, riskLevel: levelNumber })).toEqual([c.id, a.id]);
    const otherLevel = levelNumber === RiskLevel.RISK_LEVEL_CRITICAL ? RiskLevel.RISK_LEVEL_LOW : RiskLevel.RISK_LEVEL_CRITICAL;
    expect(await ids({ customerId, riskLevel: otherLevel })).toEqual([]);

    const paged: string[] = [];
    let pageToken = '';
    do {
      const page = await list({ customerId, pageSize: 2, pageToken });
      paged.push(...page.campaigns.map((x) => x.id));
      pageToken = page.nextPageToken;
      if (pageToken) {
        await expectInvalid(list({ customerId: randomUUID(), pageSize: 2, pageToken }), ['page_token']);
      }
    } while (pageToken);
    expect(paged).toEqual([c.id, b.id, a.id]);

    await expectInvalid(list({ statuses: [0], customerId: 'x', invoiceId: 'y', riskLevel: 9 as customersV1.RiskLevel, pageToken: 'garbage' }), [
      'statuses[0]',
      'customer_id',
      'invoice_id',
      'risk_level',
    ]);
    await expectInvalid(list({ pageToken: 'garbage' }), ['page_token']);
    await expectInvalid(list({ pageSize: -1 }), ['page_size']);
  });
});
