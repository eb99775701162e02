/*
 * One service stopped (SIGTERM) while the others run, then started again on the same port:
 * the four services as processes of their own over one database, with authentication on as
 * `npm start` runs them (mutual TLS between services, bearer tokens for the operator and the
 * agent), so the reconnects below are TLS reconnects, as in a real deployment.
 *
 * compliance stopped: the engine creates no task (the campaign waits: retried_later), an agent
 * still completes its task and the contact attempt waits in campaigns' outbox; compliance back:
 * the outbox delivers it (recorded once), the next pass creates the task, nothing is lost or
 * made twice. customers stopped: compliance answers UNAVAILABLE rather than decide without the
 * customer's facts, the engine waits again, completed tasks' outcomes wait in the outbox;
 * customers back: compliance decides, the outbox delivers, the next pass creates the task.
 */
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { campaignsV1, complianceV1, customersV1 } from '@cec/proto';
import {
  call,
  createTestDatabase,
  createTestIdentity,
  eventually,
  rejectionOf,
  startServiceProcess,
  type ServiceProcess,
  type TestDatabase,
  type TestIdentity,
} from '@cec/testing';

const { AgentType, Channel, ContactStatus, StepAnchor, TaskType } = campaignsV1;

jest.setTimeout(120_000);

let identity: TestIdentity;
let db: TestDatabase;
const running: Partial<Record<'customers' | 'compliance' | 'campaigns' | 'metrics', ServiceProcess>> = {};
let operator: Record<string, string>;
let clients: {
  customers: customersV1.CustomerServiceClient;
  invoices: customersV1.InvoiceServiceClient;
  compliance: complianceV1.ComplianceServiceClient;
  templates: campaignsV1.TemplateServiceClient;
  campaigns: campaignsV1.CampaignServiceClient;
  agents: campaignsV1.AgentServiceClient;
  tasks: campaignsV1.TaskServiceClient;
  escalation: campaignsV1.EscalationServiceClient;
};

/** The port of host:port. */
const portOf = (address: string): string => address.slice(address.lastIndexOf(':') + 1);

/** Starts `name` with authentication on; `env` adds its peers' addresses, or its old port for a restart. */
const start = (name: keyof typeof running, env: Record<string, string> = {}): Promise<ServiceProcess> =>
  startServiceProcess(name, db.url, { ...identity.serviceEnv(name), ...env });

/** Stops a service with SIGTERM and answers its exit code (0: it shut down gracefully). */
async function stopGracefully(name: keyof typeof running): Promise<number | null> {
  const service = running[name] as ServiceProcess;
  await service.stop();
  return service.process.exited(1_000);
}

beforeAll(async () => {
  identity = await createTestIdentity();
  db = await createTestDatabase();
  running.customers = await start('customers', { OVERDUE_SWEEP_INTERVAL_MS: '0' });
  running.compliance = await start('compliance', { CUSTOMERS_ADDRESS: running.customers.address });
  [running.campaigns, running.metrics] = await Promise.all([
    start('campaigns', {
      CUSTOMERS_ADDRESS: running.customers.address,
      COMPLIANCE_ADDRESS: running.compliance.address,
      // Passes run only when the test asks (RunEscalation); the relay tries every 200 ms.
      ENGINE_INTERVAL_MS: '0',
      OUTBOX_RELAY_INTERVAL_MS: '200',
    }),
    start('metrics'),
  ]);
  const tls = identity.credentials();
  clients = {
    customers: new customersV1.CustomerServiceClient(running.customers.address, tls),
    invoices: new customersV1.InvoiceServiceClient(running.customers.address, tls),
    compliance: new complianceV1.ComplianceServiceClient(running.compliance.address, tls),
    templates: new campaignsV1.TemplateServiceClient(running.campaigns.address, tls),
    campaigns: new campaignsV1.CampaignServiceClient(running.campaigns.address, tls),
    agents: new campaignsV1.AgentServiceClient(running.campaigns.address, tls),
    tasks: new campaignsV1.TaskServiceClient(running.campaigns.address, tls),
    escalation: new campaignsV1.EscalationServiceClient(running.campaigns.address, tls),
  };
  operator = await identity.bearer('ops@acme.example', ['collections-operator']);
}, 180_000);

afterAll(async () => {
  for (const client of Object.values(clients ?? {})) client.close();
  // Callers first, so that no service logs its peers going away.
  for (const name of ['campaigns', 'metrics', 'compliance', 'customers'] as const) await running[name]?.stop();
  await db?.drop();
  identity?.remove();
});

const isoDay = (offsetDays: number): string => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

/** A customer with an invoice 10 days overdue. */
async function debtor(): Promise<{ customerId: string; invoiceId: string }> {
  const n = randomUUID().slice(0, 8);
  const { customer } = await call(
    clients.customers,
    'createCustomer',
    {
      customer: customersV1.Customer.fromPartial({ companyName: `Outage ${n} Ltd`, contactName: 'Pat Payer', email: `ap-${n}@example.com` }),
      profile: customersV1.CustomerProfile.fromPartial({ timeZone: 'UTC', countryCode: 'GB' }),
      requestId: randomUUID(),
    },
    { metadata: operator },
  );
  const { invoice } = await call(
    clients.invoices,
    'createInvoice',
    {
      invoice: customersV1.Invoice.fromPartial({
        customerId: customer?.id,
        invoiceNumber: `INV-OUT-${n}`,
        amount: { currencyCode: 'USD', amount: '900.00' },
        issuedDate: isoDay(-40),
        dueDate: isoDay(-10),
      }),
      requestId: randomUUID(),
    },
    { metadata: operator },
  );
  return { customerId: customer?.id as string, invoiceId: invoice?.id as string };
}

/** A started one-step e-mail campaign for a new debtor, its step due now. */
async function campaignWithStepDue(templateId: string): Promise<{ campaignId: string; customerId: string }> {
  const { customerId, invoiceId } = await debtor();
  const { campaign } = await call(
    clients.campaigns,
    'createCampaign',
    campaignsV1.CreateCampaignRequest.fromPartial({
      campaign: {
        customerId,
        name: `Outage ${randomUUID().slice(0, 8)}`,
        invoiceIds: [invoiceId],
        steps: [{ name: 'Friendly e-mail', taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId, anchor: StepAnchor.STEP_ANCHOR_DUE_DATE, delayDays: 1 }],
      },
      start: true,
      requestId: randomUUID(),
    }),
    { metadata: operator },
  );
  return { campaignId: campaign?.id as string, customerId };
}

const runEscalation = async (): Promise<campaignsV1.PassSummary> =>
  (await call(clients.escalation, 'runEscalation', { maxCampaigns: 0, skipEnrolment: true }, { metadata: operator, deadlineMs: 30_000 })).summary as campaignsV1.PassSummary;

/** What a pass did, without its duration (the counts that are not zero). */
const counts = (summary: campaignsV1.PassSummary): Record<string, number> =>
  Object.fromEntries(Object.entries(summary).filter(([key, value]) => key !== 'duration' && value !== 0));

/**
 * Passes until one creates a task, after a peer came back: each of the engine's clients has a
 * channel of its own, which reconnects after its own backoff (up to 5 s, jittered), so the
 * first pass after the restart may still find its peer unreachable. Every pass before the one
 * that creates the task must only have left the campaign for later; answers what that pass did.
 */
async function passUntilTaskCreated(): Promise<Record<string, number>> {
  const before: Record<string, number>[] = [];
  const created = await eventually(
    async () => {
      const did = counts(await runEscalation());
      if (did.tasksCreated) return did;
      before.push(did);
      return undefined;
    },
    { what: 'a pass that creates the waiting task', timeoutMs: 30_000, intervalMs: 250 },
  );
  expect(before.filter((did) => !(did.campaignsExamined === 1 && did.campaignsRetriedLater === 1 && Object.keys(did).length === 2))).toEqual([]);
  return created;
}

const tasksOf = (campaignId: string) => db.query<{ id: string; status: string }>('SELECT id, status FROM tasks WHERE campaign_id = $1', [campaignId]);
const stepRunsOf = (campaignId: string) => db.query<{ outcome: string }>('SELECT outcome FROM campaign_step_runs WHERE campaign_id = $1', [campaignId]);

interface OutboxRow {
  destination: string;
  delivered: boolean;
  /** Refused for good: the relay would not send it again. */
  parked: boolean;
  attempts: number;
  last_error: string | null;
}
const outboxOf = (attemptId: string) =>
  db.query<OutboxRow>(
    'SELECT destination, delivered_at IS NOT NULL AS delivered, parked_at IS NOT NULL AS parked, attempts, last_error FROM campaigns_outbox WHERE message_key = $1 ORDER BY destination',
    [attemptId],
  );

/** The e-mail template and the e-mail agent, made in the first test and used by both outages. */
const story = { templateId: '', agent: { id: '', token: {} as Record<string, string> } };

const completeHeld = async (taskId: string): Promise<string> => {
  const { task } = await call(
    clients.tasks,
    'completeTask',
    { taskId, agentId: story.agent.id, result: campaignsV1.TaskResult.fromPartial({ contactStatus: ContactStatus.CONTACT_STATUS_DELIVERED }) },
    { metadata: story.agent.token },
  );
  expect(task?.status).toBe(campaignsV1.TaskStatus.TASK_STATUS_COMPLETED);
  return task?.result?.contactAttemptId as string;
};

const claim = async (): Promise<campaignsV1.Task[]> =>
  (await call(clients.tasks, 'claimTasks', { agentId: story.agent.id, types: [], maxTasks: 5, lease: { seconds: '300', nanos: 0 } }, { metadata: story.agent.token }))
    .tasks;

describe('compliance stopped while the others run', () => {
  const flow = { inFlight: { campaignId: '', taskId: '' }, waiting: { campaignId: '' }, attemptId: '' };

  it('first, with all four up: a pass creates the e-mail task and an agent claims it', async () => {
    const { template } = await call(
      clients.templates,
      'createTemplate',
      {
        template: campaignsV1.Template.fromPartial({
          name: `outage_${randomUUID().slice(0, 8)}`,
          channel: Channel.CHANNEL_EMAIL,
          language: 'en',
          subject: 'Invoice {{invoice_number}}',
          body: 'Hello {{contact_name}}, {{amount_due}} is due on invoice {{invoice_number}}. {{opt_out_instructions}}',
        }),
        requestId: randomUUID(),
      },
      { metadata: operator },
    );
    story.templateId = template?.id as string;
    flow.inFlight.campaignId = (await campaignWithStepDue(story.templateId)).campaignId;
    // Its one step taken, the campaign has no steps left: it completes ("exhausted").
    expect(counts(await runEscalation())).toEqual({ campaignsExamined: 1, tasksCreated: 1, campaignsCompleted: 1 });

    const { agent } = await call(
      clients.agents,
      'registerAgent',
      { agent: campaignsV1.Agent.fromPartial({ name: `mailer-${randomUUID().slice(0, 8)}`, type: AgentType.AGENT_TYPE_EMAIL }), secrets: {}, requestId: '' },
      { metadata: operator },
    );
    story.agent = { id: agent?.id as string, token: await identity.bearer(agent?.id as string, ['agent']) };
    const tasks = await claim();
    expect(tasks.map((t) => t.campaignId)).toEqual([flow.inFlight.campaignId]);
    flow.inFlight.taskId = tasks[0].id;
    // A second campaign whose step is due: the pass after the stop is to take it.
    flow.waiting.campaignId = (await campaignWithStepDue(story.templateId)).campaignId;
  });

  it('stops on SIGTERM with exit code 0', async () => {
    expect(await stopGracefully('compliance')).toBe(0);
  });

  it('a pass creates nothing for the due campaign and leaves it for a later pass (retried_later)', async () => {
    expect(counts(await runEscalation())).toEqual({ campaignsExamined: 1, campaignsRetriedLater: 1 });
    expect(await tasksOf(flow.waiting.campaignId)).toEqual([]);
    expect(await stepRunsOf(flow.waiting.campaignId)).toEqual([]);
  });

  it('the agent still completes its task; the contact attempt waits in the outbox for compliance, customers has it', async () => {
    flow.attemptId = await completeHeld(flow.inFlight.taskId);
    expect(flow.attemptId).toEqual(expect.any(String));
    // The relay tried compliance and failed (it is down); customers, up, got its message.
    const rows = await eventually(
      async () => {
        const now = await outboxOf(flow.attemptId);
        const [toCompliance, toCustomers] = now;
        return now.length === 2 && toCompliance.attempts >= 1 && toCustomers.delivered ? now : undefined;
      },
      { what: 'a failed delivery to compliance and a delivery to customers', timeoutMs: 20_000 },
    );
    expect(rows).toEqual([
      { destination: 'compliance.contact_attempts', delivered: false, parked: false, attempts: expect.any(Number), last_error: expect.stringMatching(/^UNAVAILABLE: /) },
      { destination: 'customers.contact_outcomes', delivered: true, parked: false, attempts: 1, last_error: null },
    ]);
    expect(await db.query('SELECT 1 FROM compliance_contact_attempts WHERE attempt_id = $1', [flow.attemptId])).toEqual([]);
  });

  it('back on its port: the outbox delivers the attempt (recorded once), the next pass creates the waiting task, nothing made twice', async () => {
    running.compliance = await start('compliance', {
      CUSTOMERS_ADDRESS: (running.customers as ServiceProcess).address,
      COMPLIANCE_GRPC_PORT: portOf((running.compliance as ServiceProcess).address),
    });
    // The relay's next try (after its backoff) delivers it.
    await eventually(async () => (await outboxOf(flow.attemptId)).every((row) => row.delivered), {
      what: 'the contact attempt delivered to compliance after its restart',
      timeoutMs: 40_000,
    });
    expect(await db.query('SELECT attempt_id, decision_id IS NOT NULL AS decided FROM compliance_contact_attempts WHERE attempt_id = $1', [flow.attemptId])).toEqual([
      { attempt_id: flow.attemptId, decided: true },
    ]);

    expect(await passUntilTaskCreated()).toEqual({ campaignsExamined: 1, tasksCreated: 1, campaignsCompleted: 1 });
    expect(await tasksOf(flow.waiting.campaignId)).toEqual([{ id: expect.any(String), status: 'pending' }]);
    expect(await stepRunsOf(flow.waiting.campaignId)).toHaveLength(1);
    // Another pass has nothing to do; each campaign has its one task, each attempt one row per receiver.
    expect(counts(await runEscalation())).toEqual({});
    expect(await tasksOf(flow.inFlight.campaignId)).toEqual([{ id: flow.inFlight.taskId, status: 'completed' }]);
    expect(await db.query('SELECT count(*)::int AS n FROM customer_contact_outcomes WHERE attempt_id = $1', [flow.attemptId])).toEqual([{ n: 1 }]);
    expect(await db.query('SELECT count(*)::int AS n FROM compliance_contact_attempts WHERE attempt_id = $1', [flow.attemptId])).toEqual([{ n: 1 }]);
  });
});

describe('customers stopped while the others run', () => {
  let customerId = '';
  const flow = { held: [] as string[], waiting: { campaignId: '' }, attemptIds: [] as string[] };
  const check = (requestId: string) =>
    call(
      clients.compliance,
      'checkContact',
      complianceV1.CheckContactRequest.fromPartial({ customerId, channel: complianceV1.Channel.CHANNEL_EMAIL, requestId }),
      { metadata: operator },
    );
  const decisionsOf = () => db.query('SELECT id FROM compliance_decisions WHERE customer_id = $1', [customerId]);

  it('first: the agent holds every pending task (the one made after compliance came back among them), a campaign has its step due', async () => {
    const pending = await db.query<{ id: string }>("SELECT id FROM tasks WHERE status = 'pending' ORDER BY id");
    const held = await claim();
    expect(held.map((t) => t.id).sort()).toEqual(pending.map((t) => t.id));
    expect(held.length).toBeGreaterThan(0);
    flow.held = held.map((t) => t.id);
    flow.waiting.campaignId = (await campaignWithStepDue(story.templateId)).campaignId;
    customerId = (await debtor()).customerId;
  });

  it('stops on SIGTERM with exit code 0', async () => {
    expect(await stopGracefully('customers')).toBe(0);
  });

  it('compliance answers UNAVAILABLE to a check, naming customers, and decides nothing', async () => {
    const error = await rejectionOf(check(randomUUID()));
    expect([status[error.code], error.details]).toEqual(['UNAVAILABLE', expect.stringContaining('customers')]);
    expect(await decisionsOf()).toEqual([]);
  });

  it('a pass creates nothing and leaves the due campaign for later; completed tasks wait in the outbox for customers', async () => {
    expect(counts(await runEscalation())).toEqual({ campaignsExamined: 1, campaignsRetriedLater: 1 });
    expect(await tasksOf(flow.waiting.campaignId)).toEqual([]);
    expect(await stepRunsOf(flow.waiting.campaignId)).toEqual([]);
    for (const taskId of flow.held) flow.attemptIds.push(await completeHeld(taskId));
    for (const attemptId of flow.attemptIds) {
      const rows = await eventually(
        async () => {
          const now = await outboxOf(attemptId);
          return now.length === 2 && now[0].delivered && now[1].attempts >= 1 ? now : undefined;
        },
        { what: `attempt ${attemptId}: delivered to compliance, a failed delivery to customers`, timeoutMs: 20_000 },
      );
      expect(rows[1]).toEqual({ destination: 'customers.contact_outcomes', delivered: false, parked: false, attempts: expect.any(Number), last_error: expect.stringMatching(/^UNAVAILABLE: /) });
    }
  });

  it('back on its port: compliance decides (once for a repeated request id), the outbox delivers, the next pass creates the task', async () => {
    running.customers = await start('customers', {
      OVERDUE_SWEEP_INTERVAL_MS: '0',
      CUSTOMERS_GRPC_PORT: portOf((running.customers as ServiceProcess).address),
    });
    const requestId = randomUUID();
    // compliance's channel to customers reconnects after its backoff: until then the check is UNAVAILABLE (and decides nothing).
    const { decision } = await eventually(() => check(requestId), { what: 'a decision once customers is back', timeoutMs: 40_000, intervalMs: 250 });
    expect(decision).toMatchObject({ customerId, result: complianceV1.DecisionResult.DECISION_RESULT_ALLOW, timeZone: 'UTC', countryCode: 'GB' });
    expect((await check(requestId)).decision?.id).toBe(decision?.id);
    expect(await decisionsOf()).toEqual([{ id: decision?.id }]);

    await eventually(async () => (await Promise.all(flow.attemptIds.map(outboxOf))).flat().every((row) => row.delivered), {
      what: 'the contact outcomes delivered to customers after its restart',
      timeoutMs: 40_000,
    });
    expect(await db.query('SELECT count(*)::int AS n FROM customer_contact_outcomes WHERE attempt_id = ANY($1::uuid[])', [flow.attemptIds])).toEqual([
      { n: flow.attemptIds.length },
    ]);
    expect(await passUntilTaskCreated()).toEqual({ campaignsExamined: 1, tasksCreated: 1, campaignsCompleted: 1 });
    expect(await tasksOf(flow.waiting.campaignId)).toEqual([{ id: expect.any(String), status: 'pending' }]);
    expect(counts(await runEscalation())).toEqual({});
  });
});
