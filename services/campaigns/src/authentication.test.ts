/*
 * Who may call the campaigns service, with authentication on in all three services: campaigns
 * in this process, the real customers and compliance services as processes of their own, each
 * with its own certificate of one test CA, tokens signed by the test key, the repository's
 * access policy. The engine's calls to customers and compliance, and the outbox relay's, go over
 * mutual TLS with campaigns' certificate, on behalf of the person who asked.
 */
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { campaignsV1, customersV1 } from '@cec/proto';
import { startService, type RunningService } from '@cec/service-runtime';
import {
  call,
  createTestDatabase,
  createTestIdentity,
  eventually,
  rejectionOf,
  snapshot,
  startServiceProcess,
  startTestService,
  type ServiceProcess,
  type TestDatabase,
  type TestIdentity,
  type TestService,
} from '@cec/testing';
import { campaignsServiceSpec } from './campaigns-service';

const CLIENTS = {
  templates: campaignsV1.TemplateServiceClient,
  campaigns: campaignsV1.CampaignServiceClient,
  agents: campaignsV1.AgentServiceClient,
  tasks: campaignsV1.TaskServiceClient,
  escalation: campaignsV1.EscalationServiceClient,
  attempts: campaignsV1.ContactAttemptServiceClient,
};
type Kit = TestService<RunningService, typeof CLIENTS>;
const { AgentType, Channel, ContactStatus, StepAnchor, TaskType } = campaignsV1;

const OPERATOR = 'ops@acme.example';
/** Every table a refused queue or agent call might change. */
const TABLES = ['tasks', 'contact_attempts', 'agents', 'campaigns', 'campaigns_outbox'];

let identity: TestIdentity;
let db: TestDatabase;
let customersProcess: ServiceProcess;
let complianceProcess: ServiceProcess;
let kit: Kit;
let customers: customersV1.CustomerServiceClient;
let invoices: customersV1.InvoiceServiceClient;
let operator: Record<string, string>;

beforeAll(async () => {
  identity = await createTestIdentity();
  db = await createTestDatabase();
  customersProcess = await startServiceProcess('customers', db.url, { ...identity.serviceEnv('customers'), OVERDUE_SWEEP_INTERVAL_MS: '0' });
  complianceProcess = await startServiceProcess('compliance', db.url, { ...identity.serviceEnv('compliance'), CUSTOMERS_ADDRESS: customersProcess.address });
  kit = await startTestService(campaignsServiceSpec, {
    start: startService,
    clients: CLIENTS,
    database: db,
    channelCredentials: identity.credentials(),
    env: {
      ...identity.serviceEnv('campaigns'),
      CUSTOMERS_ADDRESS: customersProcess.address,
      COMPLIANCE_ADDRESS: complianceProcess.address,
      ENGINE_INTERVAL_MS: '0',
      OUTBOX_RELAY_INTERVAL_MS: '200',
    },
  });
  // A person's TLS: the CA only; who they are comes with the token.
  customers = new customersV1.CustomerServiceClient(customersProcess.address, identity.credentials());
  invoices = new customersV1.InvoiceServiceClient(customersProcess.address, identity.credentials());
  operator = await identity.bearer(OPERATOR, ['collections-operator']);
});

afterAll(async () => {
  customers?.close();
  invoices?.close();
  await kit?.stop();
  await complianceProcess?.stop();
  await customersProcess?.stop();
  await db?.drop();
  identity?.remove();
});

const isoDay = (offsetDays: number): string => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
const lease = { seconds: '60', nanos: 0 };

/** A customer with an invoice 10 days overdue, made by the operator at the customers service. */
async function debtor(): Promise<{ customerId: string; invoiceId: string }> {
  const n = randomUUID().slice(0, 8);
  const { customer } = await call(
    customers,
    'createCustomer',
    {
      customer: customersV1.Customer.fromPartial({ companyName: `Auth Test ${n}`, contactName: 'Pat Payer', email: `ap-${n}@example.com` }),
      profile: customersV1.CustomerProfile.fromPartial({ timeZone: 'UTC', countryCode: 'GB' }),
      requestId: randomUUID(),
    },
    { metadata: operator },
  );
  const { invoice } = await call(
    invoices,
    'createInvoice',
    {
      invoice: customersV1.Invoice.fromPartial({
        customerId: customer?.id,
        invoiceNumber: `INV-AUTH-${n}`,
        amount: { currencyCode: 'USD', amount: '500.00' },
        issuedDate: isoDay(-40),
        dueDate: isoDay(-10),
      }),
      requestId: randomUUID(),
    },
    { metadata: operator },
  );
  return { customerId: customer?.id as string, invoiceId: invoice?.id as string };
}

const campaignRequest = (customerId: string, invoiceIds: string[], templateId: string) =>
  campaignsV1.CreateCampaignRequest.fromPartial({
    campaign: {
      customerId,
      name: `Auth ${randomUUID().slice(0, 8)}`,
      invoiceIds,
      steps: [{ name: 'Friendly e-mail', taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId, anchor: StepAnchor.STEP_ANCHOR_DUE_DATE, delayDays: 1 }],
    },
    start: true,
    requestId: randomUUID(),
  });

async function newAgent(): Promise<{ id: string; token: Record<string, string> }> {
  const { agent } = await call(
    kit.clients.agents,
    'registerAgent',
    { agent: campaignsV1.Agent.fromPartial({ name: `mailer-${randomUUID().slice(0, 8)}`, type: AgentType.AGENT_TYPE_EMAIL }), secrets: {}, requestId: '' },
    { metadata: operator },
  );
  const id = agent?.id as string;
  // An agent's token: its subject is the id RegisterAgent gave it.
  return { id, token: await identity.bearer(id, ['agent']) };
}

const refusals = () =>
  kit.db.query<{ actor_type: string; actor_id: string; details: Record<string, unknown> }>(
    "SELECT actor_type, actor_id, details FROM audit_logs WHERE entity_type = 'access' AND action = 'permission_denied' ORDER BY append_id",
  );

describe('campaigns with authentication on, beside customers and compliance', () => {
  const story = { attemptId: '', customerId: '', taskId: '', decisionId: '', campaignId: '', holder: { id: '', token: {} as Record<string, string> }, other: { id: '', token: {} as Record<string, string> } };

  it('answers UNAUTHENTICATED to a call without credentials, and changes nothing', async () => {
    const before = await snapshot(kit.db, TABLES);
    const error = await rejectionOf(call(kit.clients.campaigns, 'listCampaigns', campaignsV1.ListCampaignsRequest.fromPartial({})));
    expect(error.code).toBe(status.UNAUTHENTICATED);
    expect(error.details).toContain('no credentials');
    expect(await snapshot(kit.db, TABLES)).toEqual(before);
  });

  it('answers PERMISSION_DENIED to finance-readonly creating a campaign, changes nothing, records the refusal', async () => {
    const { customerId, invoiceId } = await debtor();
    const reader = await identity.bearer('reader@acme.example', ['finance-readonly']);
    const before = await snapshot(kit.db, TABLES);
    const error = await rejectionOf(call(kit.clients.campaigns, 'createCampaign', campaignRequest(customerId, [invoiceId], randomUUID()), { metadata: reader }));
    expect(error.code).toBe(status.PERMISSION_DENIED);
    expect(await snapshot(kit.db, TABLES)).toEqual(before);
    expect((await refusals()).at(-1)).toMatchObject({
      actor_type: 'user',
      actor_id: 'reader@acme.example',
      details: expect.objectContaining({ method: 'escalation.campaigns.v1.CampaignService/CreateCampaign', service: 'campaigns' }),
    });
    // The same token may read.
    await expect(call(kit.clients.campaigns, 'listCampaigns', campaignsV1.ListCampaignsRequest.fromPartial({}), { metadata: reader })).resolves.toBeDefined();
  });

  it('lets an operator create a template and a campaign and run the engine: a task, decided by compliance on the operator’s behalf', async () => {
    const { customerId, invoiceId } = await debtor();
    story.customerId = customerId;
    const { template } = await call(
      kit.clients.templates,
      'createTemplate',
      {
        template: campaignsV1.Template.fromPartial({
          name: `auth_${randomUUID().slice(0, 8)}`,
          channel: Channel.CHANNEL_EMAIL,
          language: 'en',
          subject: 'Invoice {{invoice_number}}',
          body: 'Hello {{contact_name}}, {{amount_due}} is due on invoice {{invoice_number}}. {{opt_out_instructions}}',
        }),
        requestId: randomUUID(),
      },
      { metadata: operator },
    );
    // CreateCampaign asks customers about the customer and its invoices, as campaigns (mTLS), for the operator.
    const { campaign } = await call(kit.clients.campaigns, 'createCampaign', campaignRequest(customerId, [invoiceId], template?.id as string), { metadata: operator });
    story.campaignId = campaign?.id as string;
    expect(campaign?.createdBy).toBe(`user:${OPERATOR}`);

    // The engine's pass: invoices and contact profiles from customers, decisions from compliance.
    const { summary } = await call(kit.clients.escalation, 'runEscalation', { maxCampaigns: 0, skipEnrolment: true }, { metadata: operator, deadlineMs: 30_000 });
    expect(summary).toMatchObject({ campaignsExamined: 1, tasksCreated: 1 });
    const [task] = await kit.db.query<{ id: string; status: string; decision_id: string }>('SELECT id, status, decision_id FROM tasks WHERE campaign_id = $1', [story.campaignId]);
    expect(task).toMatchObject({ status: 'pending', decision_id: expect.any(String) });
    story.taskId = task.id;
    story.decisionId = task.decision_id;

    // compliance's audit row of that decision names the operator, and campaigns as the service it came through.
    const decided = await kit.db.query<{ actor_type: string; actor_id: string; via: string | null }>(
      "SELECT actor_type, actor_id, details->>'via' AS via FROM audit_logs WHERE entity_type = 'compliance_decision' AND entity_id = $1",
      [story.decisionId],
    );
    expect(decided).toEqual([{ actor_type: 'user', actor_id: OPERATOR, via: 'service:campaigns' }]);
  });

  it('refuses an agent claiming as another agent: PERMISSION_DENIED, nothing changed, the refusal recorded', async () => {
    story.holder = await newAgent();
    story.other = await newAgent();
    const before = await snapshot(kit.db, TABLES);
    const error = await rejectionOf(
      call(kit.clients.tasks, 'claimTasks', { agentId: story.holder.id, types: [], maxTasks: 10, lease }, { metadata: story.other.token }),
    );
    expect(error.code).toBe(status.PERMISSION_DENIED);
    expect(error.details).toContain(`agent ${story.other.id} may act only as itself`);
    expect(await snapshot(kit.db, TABLES)).toEqual(before);
    expect((await refusals()).at(-1)).toMatchObject({
      actor_type: 'agent',
      actor_id: story.other.id,
      details: expect.objectContaining({ method: 'escalation.campaigns.v1.TaskService/ClaimTasks' }),
    });
    // Nor may it heartbeat for the other.
    const heartbeat = await rejectionOf(call(kit.clients.agents, 'agentHeartbeat', { agentId: story.holder.id, status: 0, statusMessage: '' }, { metadata: story.other.token }));
    expect(heartbeat.code).toBe(status.PERMISSION_DENIED);
    expect(await snapshot(kit.db, TABLES)).toEqual(before);
  });

  it('lets an agent claim its own task, with the types of its registration', async () => {
    const { tasks } = await call(kit.clients.tasks, 'claimTasks', { agentId: story.holder.id, types: [], maxTasks: 10, lease }, { metadata: story.holder.token });
    expect(tasks.map((t) => [t.id, t.agentId])).toEqual([[story.taskId, story.holder.id]]);
    // An e-mail agent does not do calls, whatever its token says.
    const other = await rejectionOf(
      call(kit.clients.tasks, 'claimTasks', { agentId: story.holder.id, types: [TaskType.TASK_TYPE_MAKE_CALL], maxTasks: 1, lease }, { metadata: story.holder.token }),
    );
    expect(other.code).toBe(status.INVALID_ARGUMENT);
  });

  it('refuses another agent completing, extending or failing that task, as itself or as the holder: PERMISSION_DENIED, nothing changed', async () => {
    const before = await snapshot(kit.db, TABLES);
    const result = campaignsV1.TaskResult.fromPartial({ contactStatus: ContactStatus.CONTACT_STATUS_DELIVERED });
    const { other, holder } = story;
    // One after the other, so that the refusals are recorded in this order.
    const attempts = [
      () => call(kit.clients.tasks, 'completeTask', { taskId: story.taskId, agentId: other.id, result }, { metadata: other.token }),
      () => call(kit.clients.tasks, 'extendTaskLease', { taskId: story.taskId, agentId: other.id, lease }, { metadata: other.token }),
      () => call(kit.clients.tasks, 'failTask', { taskId: story.taskId, agentId: other.id, error: 'no', retryable: false, contactStatus: 0 }, { metadata: other.token }),
      () => call(kit.clients.tasks, 'completeTask', { taskId: story.taskId, agentId: holder.id, result }, { metadata: other.token }),
      () => call(kit.clients.tasks, 'extendTaskLease', { taskId: story.taskId, agentId: holder.id, lease }, { metadata: other.token }),
    ];
    for (const attempt of attempts) {
      const error = await rejectionOf(attempt());
      expect([status[error.code], error.details]).toEqual(['PERMISSION_DENIED', expect.stringContaining(`agent ${other.id}`)]);
    }
    expect(await snapshot(kit.db, TABLES)).toEqual(before);
    const recorded = (await refusals()).slice(-attempts.length);
    expect(recorded.map((r) => [r.actor_type, r.actor_id, r.details.method])).toEqual([
      ['agent', other.id, 'escalation.campaigns.v1.TaskService/CompleteTask'],
      ['agent', other.id, 'escalation.campaigns.v1.TaskService/ExtendTaskLease'],
      ['agent', other.id, 'escalation.campaigns.v1.TaskService/FailTask'],
      ['agent', other.id, 'escalation.campaigns.v1.TaskService/CompleteTask'],
      ['agent', other.id, 'escalation.campaigns.v1.TaskService/ExtendTaskLease'],
    ]);
  });

  it('lets the holder extend and complete its task; the contact reaches compliance and customers over mutual TLS', async () => {
    const { holder } = story;
    await call(kit.clients.tasks, 'extendTaskLease', { taskId: story.taskId, agentId: holder.id, lease }, { metadata: holder.token });
    const { task } = await call(
      kit.clients.tasks,
      'completeTask',
      { taskId: story.taskId, agentId: holder.id, result: campaignsV1.TaskResult.fromPartial({ contactStatus: ContactStatus.CONTACT_STATUS_DELIVERED }) },
      { metadata: holder.token },
    );
    expect(task).toMatchObject({ id: story.taskId, status: campaignsV1.TaskStatus.TASK_STATUS_COMPLETED, agentId: holder.id });
    story.attemptId = task?.result?.contactAttemptId as string;
    expect(story.attemptId).toEqual(expect.any(String));
    const completed = await kit.db.query<{ actor_type: string; actor_id: string }>(
      "SELECT actor_type, actor_id FROM audit_logs WHERE entity_type = 'task' AND entity_id = $1 AND action = 'completed'",
      [story.taskId],
    );
    expect(completed).toEqual([{ actor_type: 'agent', actor_id: holder.id }]);
    // The outbox relay (campaigns' certificate, no actor of its own) delivers the attempt to both peers.
    await eventually(
      async () => {
        const rows = await kit.db.query<{ destination: string; delivered: boolean; last_error: string | null }>(
          'SELECT o.destination, o.delivered_at IS NOT NULL AS delivered, o.last_error FROM campaigns_outbox o JOIN contact_attempts a ON a.id = o.message_key WHERE a.task_id = $1',
          [story.taskId],
        );
        return rows.length > 0 && rows.every((r) => r.delivered) ? rows : undefined;
      },
      { what: 'the contact attempt delivered to compliance and customers', timeoutMs: 20_000 },
    );
  });

  it('lets an agent record and update only its own contact attempts', async () => {
    const { holder, other } = story;
    const before = await snapshot(kit.db, TABLES);
    const attempt = (agentId: string) =>
      campaignsV1.ContactAttempt.fromPartial({ customerId: story.customerId, channel: Channel.CHANNEL_EMAIL, status: ContactStatus.CONTACT_STATUS_SENT, agentId });
    const refused = [
      await rejectionOf(call(kit.clients.attempts, 'recordContactAttempt', { attempt: attempt(holder.id), requestId: '' }, { metadata: other.token })),
      await rejectionOf(call(kit.clients.attempts, 'recordContactAttempt', { attempt: attempt(''), requestId: '' }, { metadata: other.token })),
      await rejectionOf(
        call(kit.clients.attempts, 'updateContactStatus', { contactAttemptId: story.attemptId, status: ContactStatus.CONTACT_STATUS_OPENED, statusTime: undefined }, { metadata: other.token }),
      ),
    ];
    expect(refused.map((e) => status[e.code])).toEqual(['PERMISSION_DENIED', 'PERMISSION_DENIED', 'PERMISSION_DENIED']);
    expect(await snapshot(kit.db, TABLES)).toEqual(before);
    // Its own: recorded, and the holder's receipt moves its attempt on.
    const { attempt: own } = await call(kit.clients.attempts, 'recordContactAttempt', { attempt: attempt(other.id), requestId: '' }, { metadata: other.token });
    expect(own?.agentId).toBe(other.id);
    const { attempt: opened } = await call(
      kit.clients.attempts,
      'updateContactStatus',
      { contactAttemptId: story.attemptId, status: ContactStatus.CONTACT_STATUS_OPENED, statusTime: undefined },
      { metadata: holder.token },
    );
    expect(opened?.status).toBe(ContactStatus.CONTACT_STATUS_OPENED);
  });
});
