/**
 * The engine's pass when things go wrong: a pass that dies before its commit (replayed with the
 * same run keys: the same decisions, one task), a campaign paused while its pass runs,
 * compliance or customers down (fail closed, retried later).
 */
import { createClient } from '@cec/grpc';
import { createLogger, createServiceMetrics } from '@cec/observability';
import { campaignsV1, complianceV1, customersV1 } from '@cec/proto';
import { systemCall } from '@cec/context';
import { startService } from '@cec/service-runtime';
import { call, eventually } from '@cec/testing';
import { campaignsServiceSpec } from './campaigns-service';
import { EscalationEngine, type EngineDeps } from './escalation-engine';
import { passFixtures } from './rpc/escalation-service/pass-fixtures';
import type { StepCommit } from './store/escalation-commit';
import { useCampaignsService } from './testing/campaigns-harness';

const h = useCampaignsService({ env: { ENGINE_INTERVAL_MS: '0' } });
const f = passFixtures(h);
const { TaskType, Channel } = campaignsV1;

let email: string;
let phone: string;
let clients: EngineDeps['clients'];
beforeAll(async () => {
  [email, phone] = await Promise.all([f.newTemplate(Channel.CHANNEL_EMAIL), f.newTemplate(Channel.CHANNEL_PHONE)]);
  clients = {
    customers: createClient(customersV1.CustomerServiceClient, h.customersProcess.address, { caller: 'campaigns' }),
    invoices: createClient(customersV1.InvoiceServiceClient, h.customersProcess.address, { caller: 'campaigns' }),
    compliance: createClient(complianceV1.ComplianceServiceClient, h.complianceProcess.address, { caller: 'campaigns' }),
    optOuts: createClient(complianceV1.OptOutServiceClient, h.complianceProcess.address, { caller: 'campaigns' }),
  };
});
afterAll(() => Object.values(clients ?? {}).forEach((c) => c.close()));
afterEach(() => f.parkEveryCampaign());

/** An engine of the test's own on the service's database, with a hook just before its commit. */
function engineWith(beforeCommit: EngineDeps['beforeCommit'], leaseMs = 60_000): EscalationEngine {
  return new EscalationEngine({
    orm: h.kit.service.orm,
    logger: createLogger('engine-test', 'silent'),
    metrics: createServiceMetrics('campaigns-engine-test'),
    clients,
    settings: { ENGINE_BATCH_SIZE: 100, ENGINE_BATCHES_IN_FLIGHT: 2, ENGINE_LEASE_MS: leaseMs, SENDER_COMPANY: 'Test Co', PAYMENT_LINK_BASE: 'https://pay.example.com/' },
    enrol: async () => ({ enrolled: 0 }),
    beforeCommit,
  });
}

const pass = (engine: EscalationEngine) => engine.runPass(systemCall('engine-test', `engine-test-${Date.now()}`, { deadline: new Date(Date.now() + 20_000) }), { maxCampaigns: 100, skipEnrolment: true });

async function debtorCampaign(steps: (emailId: string, phoneId: string) => campaignsV1.EscalationStep[]) {
  const customerId = await f.newCustomer();
  const invoice = await f.newInvoice(customerId);
  return { customerId, campaignId: await f.startedCampaign(customerId, [invoice.id], steps(email, phone)) };
}

const engineTables = async (campaignIds: string[]) =>
  (
    await h.db.query<{ tasks: number; runs: number }>(
      `SELECT (SELECT count(*)::int FROM tasks WHERE campaign_id = ANY($1::uuid[])) AS tasks,
              (SELECT count(*)::int FROM campaign_step_runs WHERE campaign_id = ANY($1::uuid[])) AS runs`,
      [campaignIds],
    )
  )[0];

const decisionsOf = (customerId: string) =>
  h.db.query<{ id: string; result: string; channel: string; request_id: string; reserved: boolean }>(
    `SELECT d.id, d.result, d.channel, d.request_id, EXISTS (SELECT 1 FROM contact_reservations r WHERE r.decision_id = d.id) AS reserved
       FROM compliance_decisions d WHERE d.customer_id = $1 ORDER BY d.created_at, d.id`,
    [customerId],
  );

describe('the escalation pass', () => {
  it('a pass that dies before its commit changes nothing; the next asks with the same run keys, gets the same decisions and creates each task once', async () => {
    const plain = await debtorCampaign((e) => [f.step({ taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: e }), f.step({ taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: e, delayDays: 40 })]);
    const fallback = await debtorCampaign((e, p) => [
      f.step({ taskType: TaskType.TASK_TYPE_MAKE_CALL, templateId: p, fallbackTaskType: TaskType.TASK_TYPE_SEND_EMAIL, fallbackTemplateId: e }),
      f.step({ taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: e, delayDays: 40 }),
    ]);
    await f.optOut(fallback.customerId, complianceV1.Channel.CHANNEL_PHONE);
    const ids = [plain.campaignId, fallback.campaignId];

    let planned: StepCommit[] = [];
    const crashed = await pass(
      engineWith(async (commits) => {
        planned = [...commits];
        throw new Error('killed before the commit');
      }),
    );
    expect(crashed).toMatchObject({ campaignsExamined: 2, tasksCreated: 0, stepsFellBack: 0, campaignsRetriedLater: 2, committed: 0 });
    expect(planned).toHaveLength(2);
    expect(await engineTables(ids)).toEqual({ tasks: 0, runs: 0 });
    const keys = new Map(planned.map((c) => [c.campaignId, c.runKey]));
    for (const id of ids) expect(await f.campaignRow(id)).toMatchObject({ current_step: 0, engine_run_key: keys.get(id), engine_lease_owner: null });
    const plainDecisions = await decisionsOf(plain.customerId);
    const fallbackDecisions = await decisionsOf(fallback.customerId);
    expect(plainDecisions).toEqual([expect.objectContaining({ result: 'allow', channel: 'email', request_id: keys.get(plain.campaignId), reserved: true })]);
    expect(fallbackDecisions.map((d) => [d.result, d.channel])).toEqual([
      ['deny', 'phone'],
      ['allow', 'email'],
    ]);

    expect(f.counts(await f.run())).toEqual({ campaignsExamined: 2, tasksCreated: 1, stepsFellBack: 1 });
    expect(await engineTables(ids)).toEqual({ tasks: 2, runs: 2 });
    // The same decisions, nothing reserved twice.
    expect(await decisionsOf(plain.customerId)).toEqual(plainDecisions);
    expect(await decisionsOf(fallback.customerId)).toEqual(fallbackDecisions);
    const [plainTask] = await f.tasksOf(plain.campaignId);
    expect(plainTask).toMatchObject({ decision_id: plainDecisions[0].id, request_id: keys.get(plain.campaignId) });
    const [fallbackTask] = await f.tasksOf(fallback.campaignId);
    expect(fallbackTask).toMatchObject({ type: 'send_email', decision_id: fallbackDecisions[1].id, request_id: keys.get(fallback.campaignId) });
    expect(planned.find((c) => c.campaignId === fallback.campaignId)?.task?.decisionId).toBe(fallbackDecisions[1].id);
  });

  it('a campaign paused while its pass runs gets nothing from that pass; its run keys are dropped, so it asks afresh when resumed', async () => {
    const { campaignId } = await debtorCampaign((e) => [f.step({ taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: e })]);
    const result = await pass(
      engineWith(async () => {
        await call(h.campaigns, 'pauseCampaign', { campaignId, reason: 'customer called' });
      }),
    );
    expect(result).toMatchObject({ campaignsExamined: 1, tasksCreated: 0, committed: 0 });
    expect(await engineTables([campaignId])).toEqual({ tasks: 0, runs: 0 });
    expect(await f.campaignRow(campaignId)).toMatchObject({ status: 'paused', current_step: 0, engine_run_key: null, engine_lease_owner: null });
  });

  it('compliance down: nothing is created, the campaign keeps its run key and is taken again once compliance is back', async () => {
    const { campaignId, customerId } = await debtorCampaign((e) => [f.step({ taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: e }), f.step({ taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: e, delayDays: 40 })]);
    await h.stopPeer('compliance');
    try {
      expect(f.counts(await f.run())).toEqual({ campaignsExamined: 1, campaignsRetriedLater: 1 });
      expect(await engineTables([campaignId])).toEqual({ tasks: 0, runs: 0 });
      const held = await f.campaignRow(campaignId);
      expect(held).toMatchObject({ status: 'active', current_step: 0, engine_lease_owner: null });
      expect(held.engine_run_key).not.toBeNull();
      expect(await decisionsOf(customerId)).toEqual([]);
    } finally {
      await h.startPeer('compliance');
    }
    const runKey = (await f.campaignRow(campaignId)).engine_run_key;
    await eventually(async () => (await f.run()).tasksCreated === 1, { what: 'the step taken once compliance answers again', timeoutMs: 30_000 });
    const [task] = await f.tasksOf(campaignId);
    expect(task.request_id).toBe(runKey);
    expect(await decisionsOf(customerId)).toEqual([expect.objectContaining({ id: task.decision_id, request_id: runKey })]);
    expect(await engineTables([campaignId])).toEqual({ tasks: 1, runs: 1 });
  });

  it('customers down: nothing is asked or created, the campaign is taken again once customers is back', async () => {
    const { campaignId, customerId } = await debtorCampaign((e) => [f.step({ taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: e }), f.step({ taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: e, delayDays: 40 })]);
    await h.stopPeer('customers');
    try {
      expect(f.counts(await f.run())).toEqual({ campaignsExamined: 1, campaignsRetriedLater: 1 });
      expect(await engineTables([campaignId])).toEqual({ tasks: 0, runs: 0 });
      expect(await f.campaignRow(campaignId)).toMatchObject({ status: 'active', current_step: 0, engine_lease_owner: null });
      expect(await decisionsOf(customerId)).toEqual([]);
    } finally {
      await h.startPeer('customers');
    }
    await eventually(async () => (await f.run()).tasksCreated === 1, { what: 'the step taken once customers answers again', timeoutMs: 30_000 });
    expect(await engineTables([campaignId])).toEqual({ tasks: 1, runs: 1 });
  });

  it('compliance hangs: the pass ends at its deadline (passed to the calls it makes), creates nothing, and the step is taken once compliance answers', async () => {
    // A pending e-mail task of another campaign: the pass's opt-out watch asks compliance about it
    // first, and must leave the due step its share of the pass's time.
    const other = await debtorCampaign((e) => [f.step({ taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: e }), f.step({ taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: e, delayDays: 40 })]);
    expect((await pass(engineWith(undefined))).tasksCreated).toBe(1);
    expect(await engineTables([other.campaignId])).toEqual({ tasks: 1, runs: 1 });
    const { campaignId, customerId } = await debtorCampaign((e) => [f.step({ taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: e }), f.step({ taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: e, delayDays: 40 })]);
    // A lease of an hour: a call made without the pass's deadline would wait up to half of it.
    const engine = engineWith(undefined, 3_600_000);
    h.complianceProcess.pause();
    let result: Awaited<ReturnType<EscalationEngine['runPass']>>;
    try {
      // Compliance accepts the connection and never answers.
      const started = Date.now();
      result = await engine.runPass(systemCall('engine-test', `engine-test-deadline-${Date.now()}`, { deadline: new Date(Date.now() + 1_500) }), { maxCampaigns: 100, skipEnrolment: true });
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(await engineTables([campaignId])).toEqual({ tasks: 0, runs: 0 });
    } finally {
      h.complianceProcess.resume();
    }
    expect(result).toMatchObject({ campaignsExamined: 1, tasksCreated: 0, campaignsRetriedLater: 1, committed: 0 });
    // Given back at once (the release is not bound to the spent deadline), its run key kept.
    const held = await f.campaignRow(campaignId);
    expect(held).toMatchObject({ status: 'active', current_step: 0, engine_lease_owner: null });
    const runKey = held.engine_run_key;
    expect(runKey).not.toBeNull();
    await eventually(async () => (await pass(engine)).tasksCreated === 1, { what: 'the step taken once compliance answers', timeoutMs: 30_000 });
    const [task] = await f.tasksOf(campaignId);
    expect(task.request_id).toBe(runKey);
    // Compliance may have decided the abandoned request after it woke up: the same run key gets that same decision, never a second one.
    expect(await decisionsOf(customerId)).toEqual([expect.objectContaining({ id: task.decision_id, request_id: runKey })]);
    expect(await engineTables([campaignId])).toEqual({ tasks: 1, runs: 1 });
  });

  it('one campaign whose commit breaks a constraint does not hold back the others: they are committed, it keeps its lease (a backoff)', async () => {
    const good = await debtorCampaign((e) => [f.step({ taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: e }), f.step({ taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: e, delayDays: 40 })]);
    const bad = await debtorCampaign((e) => [f.step({ taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: e }), f.step({ taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: e, delayDays: 40 })]);
    // A ledger row for the bad campaign's step 0 already (as if written behind the engine's back): its commit breaks campaign_step_runs_once.
    await h.db.query("INSERT INTO campaign_step_runs (campaign_id, step_index, run_key, outcome, reason) VALUES ($1, 0, gen_random_uuid(), 'skipped', 'by hand')", [bad.campaignId]);

    expect(f.counts(await f.run())).toEqual({ campaignsExamined: 2, tasksCreated: 1, campaignsRetriedLater: 1 });
    expect(await engineTables([good.campaignId])).toEqual({ tasks: 1, runs: 1 });
    expect(await engineTables([bad.campaignId])).toEqual({ tasks: 0, runs: 1 });
    expect(await f.campaignRow(good.campaignId)).toMatchObject({ current_step: 1, engine_lease_owner: null });
    const held = await f.campaignRow(bad.campaignId);
    expect(held).toMatchObject({ current_step: 0 });
    expect(held.engine_lease_owner).not.toBeNull();
    // Its lease keeps the next passes off until it runs out.
    expect(f.counts(await f.run())).toEqual({});
  });

  it('the background loop runs passes on its own in every replica and drains a backlog batch after batch; its metrics say what it did', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      ids.push((await debtorCampaign((e) => [f.step({ taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: e }), f.step({ taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: e, delayDays: 40 })])).campaignId);
    }
    const replica = await startService(
      campaignsServiceSpec,
      { ...h.kit.env, CAMPAIGNS_GRPC_PORT: '0', CAMPAIGNS_METRICS_PORT: '0', ENGINE_INTERVAL_MS: '200', ENGINE_BATCH_SIZE: '2' },
      createLogger('campaigns-loop', 'silent'),
    );
    try {
      await eventually(async () => (await engineTables(ids)).tasks === 5, { what: 'every due step taken by the loop', timeoutMs: 20_000 });
      expect(await engineTables(ids)).toEqual({ tasks: 5, runs: 5 });
      const text = await (await fetch(`http://127.0.0.1:${replica.metricsPort}/metrics`)).text();
      expect(text).toMatch(/campaigns_engine_steps_total\{[^}]*outcome="task_created"[^}]*\} 5/);
      expect(text).toMatch(/campaigns_engine_pass_duration_seconds_count\{[^}]*\} [1-9]/);
      expect(text).toMatch(/campaigns_engine_lag_seconds\{[^}]*\} 0/);
    } finally {
      await replica.stop();
    }
  });
});
