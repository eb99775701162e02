/**
 * The opt-out watch of RunEscalation against the real customers and compliance services: a
 * contact task compliance allowed waits in the queue; an opt-out of its channel (or all), or
 * do-not-contact, recorded before an agent takes it cancels it at the next pass. A task an
 * agent holds, or an opt-out revoked by an opt-in, is left alone; compliance down cancels nothing.
 */
import { randomUUID } from 'node:crypto';
import { campaignsV1, complianceV1, customersV1 } from '@cec/proto';
import { call, eventually } from '@cec/testing';
import { useCampaignsService } from '../../testing/campaigns-harness';
import { passFixtures } from './pass-fixtures';

const h = useCampaignsService({ env: { ENGINE_INTERVAL_MS: '0' } });
const f = passFixtures(h);
const { TaskType, Channel } = campaignsV1;
const { OptOutSource } = complianceV1;

let email: string;
let sms: string;
beforeAll(async () => {
  [email, sms] = await Promise.all([f.newTemplate(Channel.CHANNEL_EMAIL), f.newTemplate(Channel.CHANNEL_SMS)]);
});
afterEach(() => f.parkEveryCampaign());

/** A customer with two campaigns (one SMS step, one e-mail step) whose first steps a pass took: a pending SMS task and a pending e-mail task, both ALLOWed. */
async function customerWithContactTasks() {
  const customerId = await f.newCustomer();
  const [first, second] = [await f.newInvoice(customerId), await f.newInvoice(customerId)];
  const later = (templateId: string, taskType: campaignsV1.TaskType) => f.step({ taskType, templateId, delayDays: 60 });
  const smsCampaign = await f.startedCampaign(customerId, [first.id], [f.step({ taskType: TaskType.TASK_TYPE_SEND_SMS, templateId: sms }), later(sms, TaskType.TASK_TYPE_SEND_SMS)]);
  const emailCampaign = await f.startedCampaign(customerId, [second.id], [f.step({ taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: email }), later(email, TaskType.TASK_TYPE_SEND_EMAIL)]);
  expect(f.counts(await f.run())).toMatchObject({ tasksCreated: 2 });
  const [smsTask] = await f.tasksOf(smsCampaign);
  const [emailTask] = await f.tasksOf(emailCampaign);
  expect([smsTask.type, smsTask.status, emailTask.type, emailTask.status]).toEqual(['send_sms', 'pending', 'send_email', 'pending']);
  expect(smsTask.decision_id).toEqual(expect.any(String));
  return { customerId, smsCampaign, emailCampaign, smsTask, emailTask };
}

const taskRow = async (id: string) =>
  (await h.db.query<{ status: string; last_error: string | null; agent_id: string | null }>('SELECT status, last_error, agent_id FROM tasks WHERE id = $1', [id]))[0];

const taskAudit = (id: string) =>
  h.db.query<{ action: string; actor_type: string; details: Record<string, unknown> }>("SELECT action, actor_type, details FROM audit_logs WHERE entity_type = 'task' AND entity_id = $1 ORDER BY append_id", [id]);

const optOutAll = (customerId: string) =>
  call(h.optOuts, 'recordOptOut', complianceV1.RecordOptOutRequest.fromPartial({ customerId, allChannels: true, source: OptOutSource.OPT_OUT_SOURCE_CUSTOMER_REQUEST, reason: 'letter', requestId: randomUUID() }));

const optIn = (customerId: string, channel: complianceV1.Channel) =>
  call(h.optOuts, 'recordOptIn', complianceV1.RecordOptInRequest.fromPartial({ customerId, channel, source: OptOutSource.OPT_OUT_SOURCE_CUSTOMER_REQUEST, reason: 'asked to hear from us again', requestId: randomUUID() }));

describe('RunEscalation: opt-outs after the ALLOW', () => {
  it('an SMS opt-out cancels the pending SMS task at the next pass, with its audit event, and leaves the e-mail task; the campaign goes on', async () => {
    const { customerId, smsCampaign, smsTask, emailTask } = await customerWithContactTasks();
    await f.optOut(customerId, complianceV1.Channel.CHANNEL_SMS);

    expect(f.counts(await f.run())).toEqual({ tasksCancelledByOptOut: 1 });
    expect(await taskRow(smsTask.id)).toEqual({ status: 'cancelled', last_error: 'cancelled: opted out of sms after the decision', agent_id: null });
    expect(await taskRow(emailTask.id)).toMatchObject({ status: 'pending' });
    const audit = await taskAudit(smsTask.id);
    expect(audit.map((a) => a.action)).toEqual(['created', 'cancelled']);
    expect(audit[1].details).toMatchObject({
      from: 'pending',
      to: 'cancelled',
      reason: 'opted out of sms after the decision',
      decision_id: smsTask.decision_id,
      campaign_id: smsCampaign,
      customer_id: customerId,
      request_id: expect.any(String),
    });
    expect(await f.campaignRow(smsCampaign)).toMatchObject({ status: 'active', current_step: 1 });

    // Cancelled once: the next pass finds nothing more to do.
    expect(f.counts(await f.run())).toEqual({});
    expect((await taskAudit(smsTask.id)).map((a) => a.action)).toEqual(['created', 'cancelled']);
  });

  it('an opt-out of all channels cancels both kinds; do-not-contact too, with its own reason', async () => {
    const all = await customerWithContactTasks();
    const dnc = await customerWithContactTasks();
    await optOutAll(all.customerId);
    await call(h.customers, 'updateCustomerProfile', {
      profile: customersV1.CustomerProfile.fromPartial({ customerId: dnc.customerId, doNotContact: true, doNotContactReason: 'asked in writing' }),
      updateMask: ['do_not_contact', 'do_not_contact_reason'],
    });

    expect(f.counts(await f.run())).toEqual({ tasksCancelledByOptOut: 4 });
    expect(await taskRow(all.smsTask.id)).toMatchObject({ status: 'cancelled', last_error: 'cancelled: opted out of sms after the decision' });
    expect(await taskRow(all.emailTask.id)).toMatchObject({ status: 'cancelled', last_error: 'cancelled: opted out of email after the decision' });
    for (const task of [dnc.smsTask, dnc.emailTask]) {
      expect(await taskRow(task.id)).toMatchObject({ status: 'cancelled', last_error: 'cancelled: do not contact' });
      expect((await taskAudit(task.id))[1]).toMatchObject({ action: 'cancelled', details: expect.objectContaining({ reason: 'do not contact', decision_id: task.decision_id }) });
    }
  });

  it('a task an agent already claimed is left alone; an opt-out revoked by an opt-in before the pass cancels nothing', async () => {
    const claimed = await customerWithContactTasks();
    const { agent } = await call(h.agents, 'registerAgent', {
      agent: campaignsV1.Agent.fromPartial({ name: `opt-out-sms-${randomUUID().slice(0, 8)}`, type: campaignsV1.AgentType.AGENT_TYPE_SMS, maxConcurrentTasks: 100 }),
      secrets: {},
      requestId: randomUUID(),
    });
    const { tasks } = await call(h.tasks, 'claimTasks', { agentId: agent?.id as string, types: [TaskType.TASK_TYPE_SEND_SMS], maxTasks: 100, lease: { seconds: '300', nanos: 0 } });
    expect(tasks.map((t) => t.id)).toContain(claimed.smsTask.id);
    const revoked = await customerWithContactTasks();
    await f.optOut(claimed.customerId, complianceV1.Channel.CHANNEL_SMS);
    await f.optOut(revoked.customerId, complianceV1.Channel.CHANNEL_SMS);
    await optIn(revoked.customerId, complianceV1.Channel.CHANNEL_SMS);

    expect(f.counts(await f.run())).toEqual({});
    expect(await taskRow(claimed.smsTask.id)).toEqual({ status: 'assigned', last_error: null, agent_id: agent?.id });
    expect(await taskRow(claimed.emailTask.id)).toMatchObject({ status: 'pending' });
    expect(await taskRow(revoked.smsTask.id)).toMatchObject({ status: 'pending' });
    expect(await taskRow(revoked.emailTask.id)).toMatchObject({ status: 'pending' });
  });

  it('compliance down: nothing is cancelled; the first pass after it is back cancels the task', async () => {
    const { customerId, smsTask, emailTask } = await customerWithContactTasks();
    await f.optOut(customerId, complianceV1.Channel.CHANNEL_SMS);
    await h.stopPeer('compliance');
    try {
      expect(f.counts(await f.run())).toEqual({});
      expect(await taskRow(smsTask.id)).toMatchObject({ status: 'pending' });
    } finally {
      await h.startPeer('compliance');
    }
    await eventually(async () => (await f.run()).tasksCancelledByOptOut === 1, { what: 'the SMS task cancelled once compliance answers again', timeoutMs: 30_000 });
    expect(await taskRow(smsTask.id)).toMatchObject({ status: 'cancelled', last_error: 'cancelled: opted out of sms after the decision' });
    expect(await taskRow(emailTask.id)).toMatchObject({ status: 'pending' });
  });
});
