/**
 * The escalation engine's story, end to end: one overdue invoice of a customer in St. John's
 * (Newfoundland: UTC-3:30, with daylight saving) goes from auto-enrolment through every kind of
 * step outcome to "paid in full", against the real services: campaigns in this process with its
 * gRPC server, customers and compliance as processes of their own, one PostgreSQL database.
 * Everything is done through gRPC as the people involved would do it (an operator, a compliance
 * officer, an agent, the customer's payments); SQL only reads for the assertions, except where
 * the clock has to move on (days pass between steps: `daysPass`).
 *
 * The campaign is made from the standard-b2b preset (auto-enrolment takes a preset): its steps
 * count from the due date (-3, 1, 7, 14, 21 and 30 days), and the invoice is 35 days overdue when
 * it starts. The engine takes one step per pass, in order, and a campaign that starts late keeps
 * the schedule's spacing between contacts from then on (step-timing.ts):
 *   0 pre-due e-mail -> skipped: the invoice is overdue already;
 *   1 friendly e-mail -> ALLOW, a task an agent completes;
 *   2 SMS (6 days later) -> DEFER (a contact window of the customer's), then ALLOW once the window is widened;
 *   3 call (7 days later) -> DENY (opted out of phone; preset steps have no fallback) -> refused;
 *   4 letter (compliance does not decide letters) -> the task, on what is left after a partial payment;
 *   5 research (9 days later) -> never taken: the invoice is paid in full first, and the next
 *     pass completes the campaign.
 * Each `it` is a chapter of one story: they share its state and run in order.
 */
import { randomUUID } from 'node:crypto';
import { Temporal } from 'temporal-polyfill';
import { campaignsV1, complianceV1, customersV1 } from '@cec/proto';
import { call, eventually } from '@cec/testing';
import { closedWindowIn, COMPLIANCE_OFFICER, isoDay, OPERATOR, storyFixtures } from './escalation-story-fixtures';
import { useCampaignsService } from './testing/campaigns-harness';

const h = useCampaignsService({ env: { OUTBOX_RELAY_INTERVAL_MS: '200' } });
const f = storyFixtures(h);
const { TaskType, TaskStatus, Channel, StepOutcome, ContactStatus, CampaignStatus } = campaignsV1;

const ZONE = 'America/St_Johns';
const CAD = (amount: string) => ({ currencyCode: 'CAD', amount });
const invoiceNumber = `INV-STORY-${randomUUID().slice(0, 8)}`;
/** 35 days ago: every step of standard-b2b (the last at 30 days) is due. */
const DUE_DATE = isoDay(-35);

/** What the story learns as it goes. */
const story = {
  customerId: '',
  smallDebtorId: '',
  invoiceId: '',
  campaignId: '',
  emailTaskId: '',
  emailDecisionId: '',
  attemptId: '',
  agentId: '',
  ruleId: '',
  windowOpensAt: new Date(0),
};

/**
 * Days pass: the campaign's next step, due days from now, is made due now. The engine runs on the
 * real clock; this UPDATE (checked to change exactly one row) is the story's only write that is
 * not a gRPC call.
 */
async function daysPass(): Promise<void> {
  const moved = await h.db.query("UPDATE campaigns SET next_step_at = now() WHERE id = $1 AND next_step_at > now() RETURNING id", [story.campaignId]);
  expect(moved).toHaveLength(1);
}

/** Step index -> the outcomes in the ledger (ListStepRuns), oldest first. */
const ledger = async () => (await f.stepRuns(story.campaignId)).map((r) => [r.stepIndex, StepOutcome[r.outcome]]);

describe('the escalation story', () => {
  beforeAll(() => f.installPresetTemplates());

  it('1. an overdue invoice of a customer in St. John’s, with an e-mail address and a phone number', async () => {
    story.customerId = await f.newCustomer(
      { companyName: 'Avalon Freight Ltd.', contactName: 'Morgan Hale', email: 'ap@avalon-freight.example', phone: '+17095550123' },
      { timeZone: ZONE, countryCode: 'CA', regionCode: 'NL' },
    );
    story.invoiceId = await f.newInvoice(story.customerId, invoiceNumber, CAD('1200.00'), DUE_DATE);
    // Below the enrolment minimum (step 2): never enrolled.
    story.smallDebtorId = await f.newCustomer({ companyName: 'Small Debts Inc.', email: 'ap@small-debts.example' }, { timeZone: ZONE, countryCode: 'CA' });
    const smallInvoiceId = await f.newInvoice(story.smallDebtorId, `${invoiceNumber}-S`, CAD('40.00'), DUE_DATE);
    await call(h.invoices, 'sweepOverdueInvoices', {});

    const { invoices } = await call(h.invoices, 'batchGetInvoices', { invoiceIds: [story.invoiceId, smallInvoiceId] });
    expect(invoices.map((i) => [i.status, i.balance])).toEqual([
      [customersV1.InvoiceStatus.INVOICE_STATUS_OVERDUE, CAD('1200.00')],
      [customersV1.InvoiceStatus.INVOICE_STATUS_OVERDUE, CAD('40.00')],
    ]);
    const { profiles } = await call(h.customers, 'batchGetContactProfiles', { customerIds: [story.customerId] });
    expect(profiles).toEqual([
      expect.objectContaining({ email: 'ap@avalon-freight.example', phone: '+17095550123', timeZone: ZONE, jurisdiction: 'CA-NL', doNotContact: false }),
    ]);
  });

  it('2. enrolment: with the policy on, a pass enrols the customer once, into a standard-b2b campaign over the invoice', async () => {
    const { policy } = await call(
      f.escalation(),
      'updateEnrolmentPolicy',
      { policy: campaignsV1.EnrolmentPolicy.fromPartial({ enabled: true, minOverdueAmounts: [CAD('100.00')], minDaysOverdue: 30, preset: 'standard-b2b' }), updateMask: [] },
      { metadata: { 'x-actor': OPERATOR } },
    );
    expect(policy).toMatchObject({ enabled: true, minOverdueAmounts: [CAD('100.00')], minDaysOverdue: 30, preset: 'standard-b2b', updatedBy: OPERATOR });

    // The campaign is made and started, and its first step is looked at in the same pass: a
    // reminder before the due date, 35 days after it, is skipped.
    expect(await f.runPass()).toEqual({ campaignsEnrolled: 1, campaignsExamined: 1, stepsSkipped: 1 });

    const { campaigns } = await call(h.campaigns, 'listCampaigns', { pageSize: 0, pageToken: '', statuses: [], customerId: story.customerId, riskLevel: 0, invoiceId: '' });
    expect(campaigns).toHaveLength(1);
    const [campaign] = campaigns;
    expect(campaign).toMatchObject({ status: CampaignStatus.CAMPAIGN_STATUS_ACTIVE, preset: 'standard-b2b', invoiceIds: [story.invoiceId], createdBy: 'system:escalation-engine', currentStep: 1 });
    expect(campaign.steps.map((s) => [s.name, TaskType[s.taskType], s.delayDays])).toEqual([
      ['Pre-due reminder', 'TASK_TYPE_SEND_EMAIL', -3],
      ['Friendly reminder', 'TASK_TYPE_SEND_EMAIL', 1],
      ['SMS reminder', 'TASK_TYPE_SEND_SMS', 7],
      ['Reminder call', 'TASK_TYPE_MAKE_CALL', 14],
      ['Final notice', 'TASK_TYPE_SEND_LETTER', 21],
      ['Research and human follow-up', 'TASK_TYPE_RESEARCH', 30],
    ]);
    story.campaignId = campaign.id;
    expect(await f.stepRuns(story.campaignId)).toEqual([
      expect.objectContaining({ stepIndex: 0, stepName: 'Pre-due reminder', outcome: StepOutcome.STEP_OUTCOME_SKIPPED, taskId: '', decisionId: '', reason: 'a reminder before the due date, and the invoice is 35 days overdue already' }),
    ]);
    const small = await call(h.campaigns, 'listCampaigns', { pageSize: 0, pageToken: '', statuses: [], customerId: story.smallDebtorId, riskLevel: 0, invoiceId: '' });
    expect(small.campaigns).toEqual([]);
  });

  it('3. the next pass makes the first contact: an e-mail task compliance allowed, with the rendered message, where to send it and the decision', async () => {
    expect(await f.runPass()).toEqual({ campaignsExamined: 1, tasksCreated: 1 });
    const [task, ...others] = await f.tasks(story.campaignId);
    expect(others).toEqual([]);
    expect(task).toMatchObject({
      customerId: story.customerId,
      stepIndex: 1,
      type: TaskType.TASK_TYPE_SEND_EMAIL,
      status: TaskStatus.TASK_STATUS_PENDING,
      channel: Channel.CHANNEL_EMAIL,
      priority: campaignsV1.Priority.PRIORITY_MEDIUM,
      endpoint: expect.objectContaining({ email: 'ap@avalon-freight.example', contactName: 'Morgan Hale', companyName: 'Avalon Freight Ltd.', timeZone: ZONE }),
    });
    expect(task.content).toMatchObject({ channel: Channel.CHANNEL_EMAIL, subject: `Reminder: invoice ${invoiceNumber}`, templateVersion: 1 });
    expect(task.content?.body).toMatch(new RegExp(`^Dear Morgan Hale, \\$1,200\\.00 is now overdue on invoice ${invoiceNumber}\\. .*UNSUBSCRIBE`));
    expect(task.decisionId).toMatch(/^[0-9a-f-]{36}$/);

    const decision = await f.decision(task.decisionId);
    expect(decision).toMatchObject({ id: task.decisionId, customerId: story.customerId, channel: complianceV1.Channel.CHANNEL_EMAIL, result: complianceV1.DecisionResult.DECISION_RESULT_ALLOW, timeZone: ZONE, countryCode: 'CA', regionCode: 'NL' });
    expect(decision.reservationExpireTime?.getTime()).toBeGreaterThan(Date.now());
    expect((await f.stepRuns(story.campaignId))[1]).toEqual(
      expect.objectContaining({ stepIndex: 1, stepName: 'Friendly reminder', outcome: StepOutcome.STEP_OUTCOME_TASK_CREATED, channel: Channel.CHANNEL_EMAIL, decisionId: task.decisionId, taskId: task.id, reason: '' }),
    );
    // The SMS is 6 days after this e-mail in the schedule (+1, +7): the campaign keeps that spacing.
    const { nextStepTime } = await f.campaign(story.campaignId);
    const wait = (nextStepTime as Date).getTime() - Date.now();
    expect(wait).toBeGreaterThan(6 * 86_400_000 - 60_000);
    expect(wait).toBeLessThanOrEqual(6 * 86_400_000);
    story.emailTaskId = task.id;
    story.emailDecisionId = task.decisionId;
  });

  it('4. an agent claims the e-mail and completes it: a contact attempt, which the outbox takes to compliance and customers', async () => {
    const { agent } = await call(h.agents, 'registerAgent', {
      agent: campaignsV1.Agent.fromPartial({ name: `story-mailer-${randomUUID().slice(0, 8)}`, type: campaignsV1.AgentType.AGENT_TYPE_EMAIL, maxConcurrentTasks: 5 }),
      secrets: {},
      requestId: randomUUID(),
    });
    const agentId = agent?.id as string;
    story.agentId = agentId;
    const { tasks: claimed } = await call(h.tasks, 'claimTasks', { agentId, types: [], maxTasks: 5, lease: { seconds: '300', nanos: 0 } });
    expect(claimed.map((t) => [t.id, t.status, t.agentId])).toEqual([[story.emailTaskId, TaskStatus.TASK_STATUS_ASSIGNED, agentId]]);

    const { task } = await call(h.tasks, 'completeTask', {
      taskId: story.emailTaskId,
      agentId,
      result: campaignsV1.TaskResult.fromPartial({ contactStatus: ContactStatus.CONTACT_STATUS_SENT, outcome: 'sent', notes: 'sent by the mail gateway' }),
    });
    expect(task).toMatchObject({ status: TaskStatus.TASK_STATUS_COMPLETED, result: expect.objectContaining({ contactStatus: ContactStatus.CONTACT_STATUS_SENT }) });
    story.attemptId = task?.result?.contactAttemptId as string;
    const [attempt] = await h.db.query('SELECT customer_id, task_id, campaign_id, agent_id, channel, status, decision_id FROM contact_attempts WHERE id = $1', [story.attemptId]);
    expect(attempt).toEqual({ customer_id: story.customerId, task_id: story.emailTaskId, campaign_id: story.campaignId, agent_id: agentId, channel: 'email', status: 'sent', decision_id: story.emailDecisionId });

    // The outbox relay delivers it (eventually): compliance counts it against the slot the ALLOW reserved, customers records the outcome.
    const delivered = await eventually(
      async () => {
        const [row] = await h.db.query<{ outcome: string; decision_id: string; consumed_by: string | null; reached: boolean | null }>(
          `SELECT cca.outcome, cca.decision_id, r.consumed_by, cco.reached
             FROM compliance_contact_attempts cca
             JOIN contact_reservations r ON r.decision_id = cca.decision_id
             JOIN customer_contact_outcomes cco ON cco.attempt_id = cca.attempt_id
            WHERE cca.attempt_id = $1`,
          [story.attemptId],
        );
        return row;
      },
      { what: 'the contact attempt delivered to compliance and customers', timeoutMs: 15_000 },
    );
    expect(delivered).toEqual({ outcome: 'sent', decision_id: story.emailDecisionId, consumed_by: story.attemptId, reached: true });
  });

  it('5. the next pass enrols nobody more and waits; six days later the SMS is deferred by quiet hours in St. John’s', async () => {
    expect(await f.runPass()).toEqual({});
    expect((await f.tasks(story.campaignId)).map((t) => [t.stepIndex, TaskType[t.type]])).toEqual([[1, 'TASK_TYPE_SEND_EMAIL']]);
    const { campaigns } = await call(h.campaigns, 'listCampaigns', { pageSize: 0, pageToken: '', statuses: [], customerId: story.customerId, riskLevel: 0, invoiceId: '' });
    expect(campaigns.map((c) => c.id)).toEqual([story.campaignId]);

    // The customer asked not to be texted or called outside two evening... or whatever hours are not now in St. John's.
    const window = closedWindowIn(ZONE);
    const { rule } = await call(
      h.complianceRules,
      'createRule',
      {
        rule: complianceV1.ComplianceRule.fromPartial({
          code: `story_quiet_hours_${randomUUID().slice(0, 8)}`,
          name: 'Avalon Freight: texts and calls only in the agreed hours',
          type: complianceV1.RuleType.RULE_TYPE_CONTACT_WINDOW,
          channels: [complianceV1.Channel.CHANNEL_SMS, complianceV1.Channel.CHANNEL_PHONE],
          scope: { kind: complianceV1.ScopeKind.SCOPE_KIND_CUSTOMER, customerId: story.customerId, countryCode: '', regionCode: '' },
          parameters: { $case: 'contactWindow', value: { start: window.start, end: window.end, days: [] } },
        }),
        requestId: randomUUID(),
      },
      { metadata: { 'x-actor': COMPLIANCE_OFFICER } },
    );
    story.ruleId = rule?.id as string;
    story.windowOpensAt = window.opensAt;

    await daysPass();
    expect(await f.runPass()).toEqual({ campaignsExamined: 1, stepsDeferred: 1 });
    const deferral = (await f.stepRuns(story.campaignId))[2];
    expect(deferral).toMatchObject({ stepIndex: 2, stepName: 'SMS reminder', outcome: StepOutcome.STEP_OUTCOME_DEFERRED, channel: Channel.CHANNEL_SMS, taskId: '' });
    expect(deferral.notBeforeTime?.toISOString()).toBe(window.opensAt.toISOString());
    expect(deferral.reason).toContain(`sms deferred to ${window.opensAt.toISOString()}`);
    expect(deferral.reason).toContain(`outside the contact window ${window.start}–${window.end} in ${ZONE}`);
    const decision = await f.decision(deferral.decisionId);
    expect(decision).toMatchObject({ result: complianceV1.DecisionResult.DECISION_RESULT_DEFER, channel: complianceV1.Channel.CHANNEL_SMS, timeZone: ZONE });
    expect(decision.notBeforeTime?.toISOString()).toBe(window.opensAt.toISOString());
    expect(decision.rules).toEqual([expect.objectContaining({ ruleId: story.ruleId, version: 1 })]);
    // No SMS task; the campaign waits on step 2 until the window opens.
    expect((await f.tasks(story.campaignId)).map((t) => t.stepIndex)).toEqual([1]);
    expect(await f.campaign(story.campaignId)).toMatchObject({ currentStep: 2, nextStepTime: window.opensAt, status: CampaignStatus.CAMPAIGN_STATUS_ACTIVE });
    // Asked again before the window opens, nothing happens.
    expect(await f.runPass()).toEqual({});
  });

  it('6. the window widens and the clock moves on: the SMS task is made', async () => {
    const { rule } = await call(
      h.complianceRules,
      'updateRule',
      {
        rule: complianceV1.ComplianceRule.fromPartial({ id: story.ruleId, parameters: { $case: 'contactWindow', value: { start: '00:00', end: '24:00', days: [] } } }),
        updateMask: ['parameters'],
        expectedVersion: 1,
      },
      { metadata: { 'x-actor': COMPLIANCE_OFFICER } },
    );
    expect(rule).toMatchObject({ version: 2, updatedBy: COMPLIANCE_OFFICER });

    // The deferral is hours away: the clock moves on to the window's start.
    expect((await f.campaign(story.campaignId)).nextStepTime).toEqual(story.windowOpensAt);
    await daysPass();

    expect(await f.runPass()).toEqual({ campaignsExamined: 1, tasksCreated: 1 });
    const sms = (await f.tasks(story.campaignId)).find((t) => t.stepIndex === 2) as campaignsV1.Task;
    expect(sms).toMatchObject({ type: TaskType.TASK_TYPE_SEND_SMS, channel: Channel.CHANNEL_SMS, status: TaskStatus.TASK_STATUS_PENDING, endpoint: expect.objectContaining({ phone: '+17095550123' }) });
    expect(sms.content?.body).toMatch(new RegExp(`^Client Escalation Calls: \\$1,200\\.00 overdue on ${invoiceNumber}\\. Reply STOP`));
    expect(sms.content?.smsSegments).toBe(1);
    const decision = await f.decision(sms.decisionId);
    expect(decision).toMatchObject({ result: complianceV1.DecisionResult.DECISION_RESULT_ALLOW, channel: complianceV1.Channel.CHANNEL_SMS });
    expect(decision.rules).toEqual([expect.objectContaining({ ruleId: story.ruleId, version: 2 })]);
    const runs = (await f.stepRuns(story.campaignId)).filter((r) => r.stepIndex === 2);
    expect(runs.map((r) => [r.outcome, r.taskId])).toEqual([
      [StepOutcome.STEP_OUTCOME_DEFERRED, ''],
      [StepOutcome.STEP_OUTCOME_TASK_CREATED, sms.id],
    ]);
    expect(runs[0].decisionId).not.toBe(runs[1].decisionId);
  });

  it('7. the customer opts out of calls: the call step is refused with the reason, and no call task is made', async () => {
    await call(h.optOuts, 'recordOptOut', {
      customerId: story.customerId,
      channel: complianceV1.Channel.CHANNEL_PHONE,
      allChannels: false,
      source: complianceV1.OptOutSource.OPT_OUT_SOURCE_CUSTOMER_REQUEST,
      reason: 'asked on the phone not to be called again',
      effectiveTime: undefined,
      expireTime: undefined,
      requestId: randomUUID(),
    });

    // The call is a week after the SMS in the schedule.
    await daysPass();
    expect(await f.runPass()).toEqual({ campaignsExamined: 1, stepsRefused: 1 });
    const refusal = (await f.stepRuns(story.campaignId))[4];
    expect(refusal).toMatchObject({ stepIndex: 3, stepName: 'Reminder call', outcome: StepOutcome.STEP_OUTCOME_REFUSED, channel: Channel.CHANNEL_PHONE, taskId: '' });
    expect(refusal.reason).toBe('phone refused: the customer opted out of contact by phone');
    const decision = await f.decision(refusal.decisionId);
    expect(decision).toMatchObject({ result: complianceV1.DecisionResult.DECISION_RESULT_DENY, channel: complianceV1.Channel.CHANNEL_PHONE });
    expect(decision.reasons.map((r) => complianceV1.ReasonCode[r.code])).toEqual(['REASON_CODE_OPTED_OUT']);
    // The preset's call step has no fallback: nothing else is tried, the campaign moves on.
    const campaign = await f.campaign(story.campaignId);
    expect(campaign.steps[3].fallbackTaskType).toBe(TaskType.TASK_TYPE_UNSPECIFIED);
    expect(campaign.currentStep).toBe(4);
    expect((await f.tasks(story.campaignId)).filter((t) => t.type === TaskType.TASK_TYPE_MAKE_CALL)).toEqual([]);
  });

  it('8. a partial payment: the schedule goes on, the final notice asks for what is left', async () => {
    await f.pay(story.invoiceId, CAD('500.00'));

    expect(await f.runPass()).toEqual({ campaignsExamined: 1, tasksCreated: 1 });
    const letter = (await f.tasks(story.campaignId)).find((t) => t.stepIndex === 4) as campaignsV1.Task;
    expect(letter).toMatchObject({ type: TaskType.TASK_TYPE_SEND_LETTER, channel: Channel.CHANNEL_LETTER, decisionId: '', priority: campaignsV1.Priority.PRIORITY_HIGH });
    expect(letter.content).toMatchObject({
      subject: `Final notice: invoice ${invoiceNumber}`,
      body: `Dear Morgan Hale, $700.00 remains unpaid on invoice ${invoiceNumber}, ${daysOverdueInZone(DUE_DATE)} days past its due date.`,
    });
    expect(letter.instructions).toContain('700.00 CAD outstanding');
    // Every step so far was taken, in order: nothing skipped because of the payment (the letter
    // comes right after the refused call: nobody was contacted in between).
    expect(await ledger()).toEqual([
      [0, 'STEP_OUTCOME_SKIPPED'],
      [1, 'STEP_OUTCOME_TASK_CREATED'],
      [2, 'STEP_OUTCOME_DEFERRED'],
      [2, 'STEP_OUTCOME_TASK_CREATED'],
      [3, 'STEP_OUTCOME_REFUSED'],
      [4, 'STEP_OUTCOME_TASK_CREATED'],
    ]);
    expect(await f.campaign(story.campaignId)).toMatchObject({ currentStep: 5, status: CampaignStatus.CAMPAIGN_STATUS_ACTIVE });
  });

  it('9. paid in full: the next pass completes the campaign and cancels the tasks nobody took', async () => {
    await f.pay(story.invoiceId, CAD('700.00'));
    // Research is 9 days away; the pass finds the payment anyway (the settlement watch).
    expect((await f.campaign(story.campaignId)).nextStepTime?.getTime()).toBeGreaterThan(Date.now() + 8 * 86_400_000);

    expect(await f.runPass()).toEqual({ campaignsExamined: 1, campaignsCompleted: 1 });
    const campaign = await f.campaign(story.campaignId);
    expect(campaign).toMatchObject({ status: CampaignStatus.CAMPAIGN_STATUS_COMPLETED, outcome: 'paid in full', currentStep: 5 });
    expect(campaign.completeTime).toBeInstanceOf(Date);
    expect((await f.tasks(story.campaignId)).map((t) => [t.stepIndex, TaskStatus[t.status]])).toEqual([
      [1, 'TASK_STATUS_COMPLETED'],
      [2, 'TASK_STATUS_CANCELLED'],
      [4, 'TASK_STATUS_CANCELLED'],
    ]);
    // The research step was never needed; the ledger is as it was.
    expect(await ledger()).toHaveLength(6);
    // Nothing more happens: no step, and no new campaign for the paid invoice.
    expect(await f.runPass()).toEqual({});
  });

  it('10. the audit trail tells the story in order, and the chain verifies once sealed', async () => {
    // The compliance service's sequencer seals committed events every AUDIT_SEAL_INTERVAL_MS.
    await eventually(async () => (await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_logs WHERE seq IS NULL'))[0].n === 0, {
      what: 'every audit event sealed',
      timeoutMs: 15_000,
    });
    const trail = await h.db.query<{ action: string; actor: string; step_index: number | null; seq: string; details: Record<string, unknown> }>(
      `SELECT action, actor_type || ':' || actor_id AS actor, (details->>'step_index')::int AS step_index, seq, details
         FROM audit_logs WHERE entity_type = 'campaign' AND entity_id = $1 ORDER BY seq`,
      [story.campaignId],
    );
    expect(trail.map((e) => [e.action, e.step_index])).toEqual([
      ['created', null],
      ['started', null],
      ['step_skipped', 0],
      ['step_task_created', 1],
      ['step_deferred', 2],
      ['step_task_created', 2],
      ['step_refused', 3],
      ['step_task_created', 4],
      ['completed', null],
    ]);
    expect(trail[4].details).toMatchObject({ channel: 'sms', not_before: story.windowOpensAt.toISOString() });
    expect(trail[6].details).toMatchObject({ channel: 'phone', reason: 'phone refused: the customer opted out of contact by phone' });
    expect(trail[8].details).toMatchObject({ from: 'active', to: 'completed', outcome: 'paid in full', reason: 'nothing owed' });
    expect(trail.slice(0, 2).map((e) => e.actor)).toEqual(['system:escalation-engine', 'system:escalation-engine']);
    expect(new Set(trail.slice(2).map((e) => e.actor))).toEqual(new Set([OPERATOR]));

    // Each task's own trail: made, and then done or cancelled; the agent's claim is on the agent's.
    const taskTrails = await h.db.query<{ step_index: number; actions: string[] }>(
      `SELECT t.step_index, array_agg(a.action ORDER BY a.seq) AS actions
         FROM tasks t JOIN audit_logs a ON a.entity_type = 'task' AND a.entity_id = t.id
        WHERE t.campaign_id = $1 GROUP BY t.step_index ORDER BY t.step_index`,
      [story.campaignId],
    );
    expect(taskTrails).toEqual([
      { step_index: 1, actions: ['created', 'completed'] },
      { step_index: 2, actions: ['created', 'cancelled'] },
      { step_index: 4, actions: ['created', 'cancelled'] },
    ]);
    const claims = await h.db.query("SELECT details->'task_ids' AS task_ids FROM audit_logs WHERE entity_type = 'agent' AND entity_id = $1 AND action = 'tasks_claimed'", [story.agentId]);
    expect(claims).toEqual([{ task_ids: [story.emailTaskId] }]);

    expect(await h.db.query('SELECT * FROM verify_audit_chain()')).toEqual([]);
    const verified = await call(f.audit(), 'verifyAuditChain', {});
    expect(verified.ok).toBe(true);
    expect(Number(verified.headSeq)).toBeGreaterThanOrEqual(Number(trail[trail.length - 1].seq));
  });

  it('in the end: every contact task has its decision, every step ran once, no reservation without a task', async () => {
    const [checks] = await h.db.query<Record<string, number>>(
      `SELECT
         -- contact tasks (compliance decides e-mail, SMS and calls) without an ALLOW of their own
         (SELECT count(*)::int FROM tasks t LEFT JOIN compliance_decisions d ON d.id = t.decision_id
           WHERE t.campaign_id = $1 AND t.type IN ('send_email', 'send_sms', 'make_call')
             AND (d.id IS NULL OR d.result <> 'allow' OR d.request_id <> t.request_id)) AS contact_tasks_without_decision,
         -- letters are not decided by compliance
         (SELECT count(*)::int FROM tasks WHERE campaign_id = $1 AND type = 'send_letter' AND decision_id IS NULL) AS letters_without_decision,
         -- a step taken, refused or skipped more than once
         (SELECT count(*)::int FROM (SELECT step_index FROM campaign_step_runs WHERE campaign_id = $1 AND outcome <> 'deferred'
                                      GROUP BY step_index HAVING count(*) > 1) x) AS steps_run_twice,
         (SELECT count(DISTINCT step_index)::int FROM campaign_step_runs WHERE campaign_id = $1 AND outcome <> 'deferred') AS steps_run,
         (SELECT count(*)::int FROM tasks WHERE campaign_id = $1) AS tasks,
         -- every decision the engine asked for is in the ledger
         (SELECT count(*)::int FROM compliance_decisions d WHERE d.customer_id = $2
             AND NOT EXISTS (SELECT 1 FROM campaign_step_runs r WHERE r.decision_id = d.id)) AS decisions_outside_the_ledger,
         (SELECT count(*)::int FROM contact_reservations r WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.decision_id = r.decision_id)) AS orphan_reservations,
         (SELECT count(*)::int FROM contact_reservations WHERE customer_id = $2) AS reservations`,
      [story.campaignId, story.customerId],
    );
    expect(checks).toEqual({
      contact_tasks_without_decision: 0,
      letters_without_decision: 1,
      steps_run_twice: 0,
      steps_run: 5,
      tasks: 3,
      decisions_outside_the_ledger: 0,
      orphan_reservations: 0,
      reservations: 2,
    });
  });
});

/** Whole days from a due date to today in the customer's zone. */
function daysOverdueInZone(due: string): number {
  return Temporal.PlainDate.from(due).until(Temporal.Now.plainDateISO(ZONE)).days;
}
