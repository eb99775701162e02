/**
 * RunEscalation and ListStepRuns against the real customers and compliance services: each kind
 * of step outcome, payments, the end of a campaign, passes repeated and run at once.
 */
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { campaignsV1, complianceV1 } from '@cec/proto';
import { call, expectInvalid, rejectionOf } from '@cec/testing';
import { useCampaignsService } from '../../testing/campaigns-harness';
import { passFixtures } from './pass-fixtures';

const h = useCampaignsService({ env: { ENGINE_INTERVAL_MS: '0' } });
const f = passFixtures(h);
const { TaskType, Channel, StepOutcome } = campaignsV1;
const DAY = 86_400_000;

let email: string;
let sms: string;
let phone: string;
beforeAll(async () => {
  [email, sms, phone] = await Promise.all([f.newTemplate(Channel.CHANNEL_EMAIL), f.newTemplate(Channel.CHANNEL_SMS), f.newTemplate(Channel.CHANNEL_PHONE)]);
});
afterEach(() => f.parkEveryCampaign());

/** A customer with one overdue invoice (500.00 USD, due 10 days ago). */
async function debtor(options: Parameters<typeof f.newCustomer>[0] = {}) {
  const customerId = await f.newCustomer(options);
  const invoice = await f.newInvoice(customerId, -10, '500.00');
  return { customerId, invoice };
}

const emailStep = (over: Partial<campaignsV1.EscalationStep> = {}) => f.step({ taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: email, ...over });

describe('RunEscalation', () => {
  it('ALLOW: makes the task with its decision, content and endpoint, advances the campaign, writes the ledger and the audit trail; a second pass does nothing', async () => {
    const { customerId, invoice } = await debtor({ contactName: 'Ada Lovelace' });
    const later = f.step({ taskType: TaskType.TASK_TYPE_SEND_SMS, templateId: sms, delayDays: 30 });
    const campaignId = await f.startedCampaign(customerId, [invoice.id], [emailStep({ name: 'Friendly e-mail', priority: campaignsV1.Priority.PRIORITY_HIGH }), later]);

    const summary = await f.run();
    expect(f.counts(summary)).toEqual({ campaignsExamined: 1, tasksCreated: 1 });
    expect(summary.duration).toBeDefined();

    const [task] = await f.tasksOf(campaignId);
    expect(task).toMatchObject({ type: 'send_email', priority: 'high', step_index: 0, status: 'pending' });
    expect(task.decision_id).toEqual(expect.any(String));
    expect(await f.decision(task.decision_id as string)).toEqual({ result: 'allow', channel: 'email', request_id: task.request_id });
    const context = task.context as { content: Record<string, unknown>; endpoint: Record<string, unknown>; instructions: string };
    expect(context.content).toMatchObject({ channel: 'email', subject: `Invoice ${invoice.invoiceNumber}`, template_id: email, template_version: 1 });
    expect(context.content.body).toContain(`Hello Ada Lovelace, US$500.00 is due on invoice ${invoice.invoiceNumber}.`);
    expect(context.content.html_body).toEqual(expect.stringContaining('Ada Lovelace'));
    expect(context.endpoint).toMatchObject({ contact_name: 'Ada Lovelace', time_zone: 'UTC', email: expect.stringContaining('@example.com'), phone: '+15555550100' });
    expect(context.instructions).toContain('500.00 USD outstanding, 10 days overdue');

    const campaign = await f.campaignRow(campaignId);
    expect(campaign).toMatchObject({ status: 'active', current_step: 1, engine_run_key: null, engine_lease_owner: null, outcome: null });
    expect(campaign.last_step_at).not.toBeNull();
    // The schedule puts step 2 (30 days after the due date) 29 days after step 1 (1 day after it);
    // step 1 was taken 9 days late, so step 2 keeps the schedule's spacing: 29 days from now.
    expect(campaign.next_step_at?.toISOString()).toBe(new Date((campaign.last_step_at as Date).getTime() + 29 * DAY).toISOString());

    const runs = await f.runsOf(campaignId);
    expect(runs).toEqual([expect.objectContaining({ step_index: 0, outcome: 'task_created', channel: 'email', decision_id: task.decision_id, task_id: task.id, not_before: null, reason: null, run_key: task.request_id })]);

    const audit = await f.auditOf(campaignId);
    expect(audit.map((a) => a.action)).toEqual(['created', 'started', 'step_task_created']);
    expect(audit[2].details).toMatchObject({ step_index: 0, step_name: 'Friendly e-mail', task_id: task.id, decision_id: task.decision_id, channel: 'email' });
    const taskAudit = await h.db.query<{ action: string; details: Record<string, unknown> }>("SELECT action, details FROM audit_logs WHERE entity_type = 'task' AND entity_id = $1", [task.id]);
    expect(taskAudit).toEqual([expect.objectContaining({ action: 'created', details: expect.objectContaining({ campaign_id: campaignId, decision_id: task.decision_id }) })]);

    // Nothing is due any more: a second pass takes nothing and writes nothing.
    expect(f.counts(await f.run())).toEqual({});
    expect(await f.tasksOf(campaignId)).toHaveLength(1);
    expect(await f.runsOf(campaignId)).toHaveLength(1);

    const { runs: listed } = await call(f.escalation(), 'listStepRuns', { campaignId, pageSize: 0, pageToken: '' });
    expect(listed).toEqual([
      expect.objectContaining({ campaignId, stepIndex: 0, stepName: 'Friendly e-mail', outcome: StepOutcome.STEP_OUTCOME_TASK_CREATED, channel: Channel.CHANNEL_EMAIL, decisionId: task.decision_id, taskId: task.id, reason: '' }),
    ]);
  });

  it('DEFER: the step waits for the first instant compliance allows (a contact window of the customer), the ledger keeps the deferral', async () => {
    const { customerId, invoice } = await debtor();
    const opening = await f.closedWindow(customerId, [complianceV1.Channel.CHANNEL_SMS]);
    const campaignId = await f.startedCampaign(customerId, [invoice.id], [f.step({ name: 'Text', taskType: TaskType.TASK_TYPE_SEND_SMS, templateId: sms })]);

    expect(f.counts(await f.run())).toEqual({ campaignsExamined: 1, stepsDeferred: 1 });
    expect(await f.tasksOf(campaignId)).toEqual([]);
    const campaign = await f.campaignRow(campaignId);
    expect(campaign).toMatchObject({ status: 'active', current_step: 0, last_step_at: null, engine_run_key: null });
    expect(campaign.next_step_at?.toISOString()).toBe(opening.toISOString());
    const [run] = await f.runsOf(campaignId);
    expect(run).toMatchObject({ step_index: 0, outcome: 'deferred', channel: 'sms', task_id: null });
    expect(run.not_before?.toISOString()).toBe(opening.toISOString());
    expect(run.reason).toContain(`sms deferred to ${opening.toISOString()}`);
    expect(await f.decision(run.decision_id as string)).toMatchObject({ result: 'defer', request_id: run.run_key });
    expect((await f.auditOf(campaignId)).map((a) => a.action)).toEqual(['created', 'started', 'step_deferred']);

    // Due again while the window is still closed: deferred again, with a new run key (a new question).
    await f.dueNow(campaignId);
    expect(f.counts(await f.run())).toEqual({ campaignsExamined: 1, stepsDeferred: 1 });
    const runs = await f.runsOf(campaignId);
    expect(runs.map((r) => r.outcome)).toEqual(['deferred', 'deferred']);
    expect(new Set(runs.map((r) => r.run_key)).size).toBe(2);
  });

  it('DENY after an opt-out: a step without a fallback is refused with the reason; one with a fallback falls back to its channel', async () => {
    const refused = await debtor();
    await f.optOut(refused.customerId, complianceV1.Channel.CHANNEL_PHONE);
    const refusedId = await f.startedCampaign(refused.customerId, [refused.invoice.id], [
      f.step({ name: 'Call', taskType: TaskType.TASK_TYPE_MAKE_CALL, templateId: phone }),
      emailStep({ delayDays: 40 }),
    ]);
    const fellBack = await debtor();
    await f.optOut(fellBack.customerId, complianceV1.Channel.CHANNEL_PHONE);
    const fellBackId = await f.startedCampaign(fellBack.customerId, [fellBack.invoice.id], [
      f.step({ name: 'Call or write', taskType: TaskType.TASK_TYPE_MAKE_CALL, templateId: phone, fallbackTaskType: TaskType.TASK_TYPE_SEND_EMAIL, fallbackTemplateId: email }),
      emailStep({ delayDays: 40 }),
    ]);

    expect(f.counts(await f.run())).toEqual({ campaignsExamined: 2, stepsRefused: 1, stepsFellBack: 1 });

    expect(await f.tasksOf(refusedId)).toEqual([]);
    const [refusal] = await f.runsOf(refusedId);
    expect(refusal).toMatchObject({ step_index: 0, outcome: 'refused', channel: 'phone', task_id: null });
    expect(refusal.reason).toMatch(/^phone refused: /);
    expect(await f.decision(refusal.decision_id as string)).toMatchObject({ result: 'deny', channel: 'phone' });
    expect(await f.campaignRow(refusedId)).toMatchObject({ current_step: 1, status: 'active' });
    const refusedAudit = await f.auditOf(refusedId);
    expect(refusedAudit.map((a) => a.action)).toEqual(['created', 'started', 'step_refused']);
    expect(refusedAudit[2].details).toMatchObject({ step_name: 'Call', reason: refusal.reason, decision_id: refusal.decision_id });

    const [task] = await f.tasksOf(fellBackId);
    expect(task).toMatchObject({ type: 'send_email', step_index: 0 });
    expect((task.context as { content: { channel: string } }).content.channel).toBe('email');
    expect(await f.decision(task.decision_id as string)).toMatchObject({ result: 'allow', channel: 'email' });
    const [fallback] = await f.runsOf(fellBackId);
    expect(fallback).toMatchObject({ outcome: 'fell_back', channel: 'email', decision_id: task.decision_id, task_id: task.id });
    expect(fallback.reason).toMatch(/^phone refused: /);
    expect(await f.campaignRow(fellBackId)).toMatchObject({ current_step: 1, status: 'active' });
    expect((await f.auditOf(fellBackId)).map((a) => a.action)).toEqual(['created', 'started', 'step_fell_back']);
  });

  it("skips a step whose conditions do not hold on today's figures, without asking compliance", async () => {
    const { customerId, invoice } = await debtor();
    const campaignId = await f.startedCampaign(customerId, [invoice.id], [
      emailStep({ name: 'Big debts only', conditions: { minAmountOverdue: [{ currencyCode: 'USD', amount: '10000.00' }], minDaysOverdue: 0, riskLevels: [] } }),
      emailStep({ delayDays: 40 }),
    ]);

    expect(f.counts(await f.run())).toEqual({ campaignsExamined: 1, stepsSkipped: 1 });
    expect(await f.tasksOf(campaignId)).toEqual([]);
    const [run] = await f.runsOf(campaignId);
    expect(run).toMatchObject({ outcome: 'skipped', decision_id: null, channel: null });
    expect(run.reason).toContain("less is overdue (500.00 USD) than the step's minimum (10,000.00 USD)");
    expect(await h.db.query('SELECT id FROM compliance_decisions WHERE customer_id = $1', [customerId])).toEqual([]);
    expect(await f.campaignRow(campaignId)).toMatchObject({ current_step: 1, status: 'active' });
    expect((await f.auditOf(campaignId)).map((a) => a.action)).toEqual(['created', 'started', 'step_skipped']);
  });

  it('a partial payment continues the schedule on what remains, skipping nothing; full payment completes the campaign and cancels its waiting tasks', async () => {
    const { customerId, invoice } = await debtor();
    const atLeast100 = { minAmountOverdue: [{ currencyCode: 'USD', amount: '100.00' }], minDaysOverdue: 0, riskLevels: [] };
    const campaignId = await f.startedCampaign(customerId, [invoice.id], [emailStep({ conditions: atLeast100 }), emailStep({ delayDays: 12, conditions: atLeast100 }), emailStep({ delayDays: 40 })]);

    await f.pay(invoice.id, '200.00');
    expect(f.counts(await f.run())).toEqual({ campaignsExamined: 1, tasksCreated: 1 });
    const [first] = await f.tasksOf(campaignId);
    expect((first.context as { content: { body: string } }).content.body).toContain('US$300.00 is due');

    await f.dueNow(campaignId);
    expect(f.counts(await f.run())).toEqual({ campaignsExamined: 1, tasksCreated: 1 });
    expect((await f.runsOf(campaignId)).map((r) => [r.step_index, r.outcome])).toEqual([
      [0, 'task_created'],
      [1, 'task_created'],
    ]);
    expect(await f.campaignRow(campaignId)).toMatchObject({ current_step: 2, status: 'active' });

    await f.pay(invoice.id, '300.00');
    await f.dueNow(campaignId);
    expect(f.counts(await f.run())).toEqual({ campaignsExamined: 1, campaignsCompleted: 1 });
    const campaign = await f.campaignRow(campaignId);
    expect(campaign).toMatchObject({ status: 'completed', outcome: 'paid in full', next_step_at: null, current_step: 2, engine_run_key: null });
    expect((await f.tasksOf(campaignId)).map((t) => t.status)).toEqual(['cancelled', 'cancelled']);
    expect((await f.runsOf(campaignId)).length).toBe(2);
    const audit = await f.auditOf(campaignId);
    expect(audit[audit.length - 1]).toMatchObject({ action: 'completed', details: expect.objectContaining({ from: 'active', to: 'completed', outcome: 'paid in full' }) });
    expect(await h.db.query('SELECT running FROM campaign_invoices WHERE campaign_id = $1', [campaignId])).toEqual([{ running: false }]);
  });

  it('paid in full while the next step is weeks away: the next pass completes the campaign and cancels the task nobody took; unpaid ones wait', async () => {
    const paid = await debtor();
    const paidId = await f.startedCampaign(paid.customerId, [paid.invoice.id], [emailStep(), emailStep({ delayDays: 40 })]);
    const unpaid = await debtor();
    const unpaidId = await f.startedCampaign(unpaid.customerId, [unpaid.invoice.id], [emailStep(), emailStep({ delayDays: 40 })]);
    expect(f.counts(await f.run())).toEqual({ campaignsExamined: 2, tasksCreated: 2 });
    expect((await f.campaignRow(paidId)).next_step_at?.getTime()).toBeGreaterThan(Date.now() + 20 * DAY);

    await f.pay(paid.invoice.id, '500.00');
    expect(f.counts(await f.run())).toEqual({ campaignsExamined: 1, campaignsCompleted: 1 });
    expect(await f.campaignRow(paidId)).toMatchObject({ status: 'completed', outcome: 'paid in full', current_step: 1, engine_run_key: null });
    expect((await f.tasksOf(paidId)).map((t) => t.status)).toEqual(['cancelled']);
    expect(await f.campaignRow(unpaidId)).toMatchObject({ status: 'active', current_step: 1 });
    expect((await f.tasksOf(unpaidId)).map((t) => t.status)).toEqual(['pending']);
    // Nothing more to do.
    expect(f.counts(await f.run())).toEqual({});
  });

  it('an active campaign written with no step left and nothing due (as the demo data has one) is completed by the next pass', async () => {
    const { customerId, invoice } = await debtor();
    const campaignId = await f.startedCampaign(customerId, [invoice.id], [emailStep(), f.step({ name: 'Find them', taskType: TaskType.TASK_TYPE_RESEARCH, delayDays: 40 })]);
    // Both steps taken behind the engine's back: position past the last step, no next step time.
    await h.db.query('UPDATE campaigns SET current_step = 2, next_step_at = NULL WHERE id = $1', [campaignId]);

    expect(f.counts(await f.run())).toEqual({ campaignsExamined: 1, campaignsCompleted: 1 });
    expect(await f.campaignRow(campaignId)).toMatchObject({ status: 'completed', outcome: 'handed to research, 500.00 USD outstanding', next_step_at: null, engine_lease_owner: null });
    expect(f.counts(await f.run())).toEqual({});
  });

  it('when the steps run out the campaign ends with what is outstanding: exhausted after a contact, handed to research after research', async () => {
    const contact = await debtor();
    const exhaustedId = await f.startedCampaign(contact.customerId, [contact.invoice.id], [emailStep()]);
    const research = await debtor();
    const researchId = await f.startedCampaign(research.customerId, [research.invoice.id], [f.step({ name: 'Find them', taskType: TaskType.TASK_TYPE_RESEARCH })]);

    expect(f.counts(await f.run())).toEqual({ campaignsExamined: 2, tasksCreated: 1, tasksWithoutContact: 1, campaignsCompleted: 2 });
    expect(await f.campaignRow(exhaustedId)).toMatchObject({ status: 'completed', outcome: 'exhausted, 500.00 USD outstanding', current_step: 1 });
    expect(await f.campaignRow(researchId)).toMatchObject({ status: 'completed', outcome: 'handed to research, 500.00 USD outstanding', current_step: 1 });
    const [researchTask] = await f.tasksOf(researchId);
    expect(researchTask).toMatchObject({ type: 'research', decision_id: null, status: 'pending' });
    expect((researchTask.context as { instructions: string }).instructions).toContain('"Find them"');
    expect((await f.auditOf(researchId)).map((a) => a.action)).toEqual(['created', 'started', 'step_task_created', 'completed']);
  });

  it('two passes at once over the same due campaigns take each step once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 8; i += 1) {
      const { customerId, invoice } = await debtor();
      ids.push(await f.startedCampaign(customerId, [invoice.id], [emailStep(), emailStep({ delayDays: 40 })]));
    }
    const summaries = await Promise.all([f.run({ maxCampaigns: 3 }), f.run(), f.run()]);
    expect(summaries.reduce((n, s) => n + s.tasksCreated, 0)).toBe(8);
    expect(summaries.reduce((n, s) => n + s.campaignsExamined, 0)).toBe(8);
    const [counts] = await h.db.query<{ tasks: number; runs: number; decisions: number; campaigns: number }>(
      `SELECT (SELECT count(*)::int FROM tasks WHERE campaign_id = ANY($1::uuid[])) AS tasks,
              (SELECT count(*)::int FROM campaign_step_runs WHERE campaign_id = ANY($1::uuid[])) AS runs,
              (SELECT count(*)::int FROM compliance_decisions WHERE request_id IN (SELECT request_id FROM tasks WHERE campaign_id = ANY($1::uuid[]))) AS decisions,
              (SELECT count(*)::int FROM campaigns WHERE id = ANY($1::uuid[]) AND current_step = 1 AND engine_lease_owner IS NULL) AS campaigns`,
      [ids],
    );
    expect(counts).toEqual({ tasks: 8, runs: 8, decisions: 8, campaigns: 8 });
  });

  it('does not take a campaign whose lease another pass holds, and takes it with the same run key once that lease ran out', async () => {
    const { customerId, invoice } = await debtor();
    const campaignId = await f.startedCampaign(customerId, [invoice.id], [emailStep()]);
    const runKey = randomUUID();
    await h.db.query("UPDATE campaigns SET engine_lease_owner = $2, engine_lease_until = now() + interval '1 minute', engine_run_key = $3 WHERE id = $1", [
      campaignId,
      randomUUID(),
      runKey,
    ]);
    expect(f.counts(await f.run())).toEqual({});
    await h.db.query("UPDATE campaigns SET engine_lease_until = now() - interval '1 second' WHERE id = $1", [campaignId]);
    expect(f.counts(await f.run())).toMatchObject({ campaignsExamined: 1, tasksCreated: 1 });
    const [task] = await f.tasksOf(campaignId);
    expect(task.request_id).toBe(runKey);
    expect(await f.decision(task.decision_id as string)).toMatchObject({ request_id: runKey });
  });

  it('max_campaigns out of range is INVALID_ARGUMENT', async () => {
    for (const maxCampaigns of [-1, 10_001]) {
      await expectInvalid(call(f.escalation(), 'runEscalation', { maxCampaigns, skipEnrolment: true }), ['max_campaigns']);
    }
  });
});

describe('ListStepRuns', () => {
  it('pages a campaign’s ledger oldest first; bad ids are INVALID_ARGUMENT, unknown campaigns NOT_FOUND', async () => {
    const { customerId, invoice } = await debtor();
    const campaignId = await f.startedCampaign(customerId, [invoice.id], [
      emailStep({ name: 'One', conditions: { minAmountOverdue: [], minDaysOverdue: 100, riskLevels: [] } }),
      emailStep({ name: 'Two', delayDays: 2 }),
      emailStep({ name: 'Three', delayDays: 40 }),
    ]);
    await f.run();
    await f.run();
    const first = await call(f.escalation(), 'listStepRuns', { campaignId, pageSize: 1, pageToken: '' });
    expect(first.runs.map((r) => [r.stepName, r.outcome])).toEqual([['One', StepOutcome.STEP_OUTCOME_SKIPPED]]);
    expect(first.runs[0].reason).toBe('10 days overdue, the step needs 100');
    expect(first.nextPageToken).not.toBe('');
    const second = await call(f.escalation(), 'listStepRuns', { campaignId, pageSize: 1, pageToken: first.nextPageToken });
    expect(second.runs.map((r) => [r.stepName, r.outcome])).toEqual([['Two', StepOutcome.STEP_OUTCOME_TASK_CREATED]]);
    expect(second.nextPageToken).toBe('');

    await expectInvalid(call(f.escalation(), 'listStepRuns', { campaignId: 'nope', pageSize: 0, pageToken: '' }), ['campaign_id']);
    await expectInvalid(call(f.escalation(), 'listStepRuns', { campaignId: randomUUID(), pageSize: 1, pageToken: first.nextPageToken }), ['page_token']);
    expect((await rejectionOf(call(f.escalation(), 'listStepRuns', { campaignId: randomUUID(), pageSize: 0, pageToken: '' }))).code).toBe(status.NOT_FOUND);
  });
});
