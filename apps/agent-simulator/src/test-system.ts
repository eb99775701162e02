/**
 * For the simulator's tests: the real customers, compliance and campaigns services as processes
 * on loopback, with authentication on (a test CA and signing key in a folder laid out as
 * .data/identity, so the simulator's `dev` mode reads it), and an operator's clients to seed
 * tasks and look at what the agents did.
 */
import { randomUUID } from 'node:crypto';
import { credentials as grpcCredentials } from '@grpc/grpc-js';
import { ACTOR } from '@cec/grpc';
import { campaignsV1, complianceV1, customersV1 } from '@cec/proto';
import type { TaskDecision } from './task-report';
import { call, createTestIdentity, startServiceProcess, useTestDatabase, type ServiceProcess, type TestIdentity } from '@cec/testing';

const { TaskType, TaskStatus } = campaignsV1;

/** Whether the task is where its decision leaves it: completed or failed as drawn, or back in the queue after a retryable failure. */
export function settledAsDecided(task: campaignsV1.Task, decision: TaskDecision): boolean {
  const { outcome } = decision;
  if (outcome.action === 'complete') {
    return (
      task.status === TaskStatus.TASK_STATUS_COMPLETED &&
      task.result?.outcome === outcome.name &&
      task.result.contactStatus === (outcome.contactStatus ?? 0) &&
      task.result.durationSeconds === decision.callSeconds
    );
  }
  const status = outcome.retryable ? TaskStatus.TASK_STATUS_PENDING : TaskStatus.TASK_STATUS_FAILED;
  return task.status === status && task.lastError === outcome.error && task.attempts === 1;
}


export interface TestSystem {
  identity: TestIdentity;
  campaigns: ServiceProcess;
  compliance: ServiceProcess;
  customers: ServiceProcess;
  tasks: campaignsV1.TaskServiceClient;
  agents: campaignsV1.AgentServiceClient;
  optOuts: complianceV1.OptOutServiceClient;
  /** collections-operator and compliance-officer. */
  operator: Record<string, string>;
  /** A new customer with an e-mail address and a phone number. */
  newCustomer(): Promise<string>;
  /** A task of this type for a new customer (research and manual review with instructions). */
  newTask(type: campaignsV1.TaskType): Promise<campaignsV1.Task>;
  task(id: string): Promise<campaignsV1.Task>;
  /** Tasks some agent holds now (assigned or in progress). */
  heldTasks(): Promise<campaignsV1.Task[]>;
  /** The agents whose names start with `prefix`. */
  agentsNamed(prefix: string): Promise<campaignsV1.Agent[]>;
  /** Whether the customer is opted out on the compliance channel. */
  optedOut(customerId: string, channel: complianceV1.Channel): Promise<boolean>;
}

/**
 * Starts the three services before the file's first test (stopped after its last), with
 * authentication on, or off (plaintext; the operator's calls then carry x-actor).
 */
export function useTestSystem(options: { auth: boolean } = { auth: true }): TestSystem {
  const db = useTestDatabase();
  const system = {} as TestSystem;
  const processes: ServiceProcess[] = [];
  beforeAll(async () => {
    const identity = await createTestIdentity();
    const authEnv = (name: string): Record<string, string> => (options.auth ? identity.serviceEnv(name) : {});
    const customers = await startServiceProcess('customers', db.url, { ...authEnv('customers'), OVERDUE_SWEEP_INTERVAL_MS: '0' });
    processes.push(customers);
    const compliance = await startServiceProcess('compliance', db.url, { ...authEnv('compliance'), CUSTOMERS_ADDRESS: customers.address });
    processes.push(compliance);
    const campaigns = await startServiceProcess('campaigns', db.url, {
      ...authEnv('campaigns'),
      CUSTOMERS_ADDRESS: customers.address,
      COMPLIANCE_ADDRESS: compliance.address,
      ENGINE_INTERVAL_MS: '0',
      AGENT_HEARTBEAT_INTERVAL_MS: '2000',
    });
    processes.push(campaigns);
    const credentials = options.auth ? identity.credentials() : grpcCredentials.createInsecure();
    const customerClient = new customersV1.CustomerServiceClient(customers.address, credentials);
    const operator = options.auth ? await identity.bearer('test-operator', ['collections-operator', 'compliance-officer']) : { [ACTOR]: 'user:test-operator' };
    const tasks = new campaignsV1.TaskServiceClient(campaigns.address, credentials);
    const agents = new campaignsV1.AgentServiceClient(campaigns.address, credentials);
    const optOuts = new complianceV1.OptOutServiceClient(compliance.address, credentials);

    const newCustomer = async (): Promise<string> => {
      const n = randomUUID().slice(0, 8);
      const { customer } = await call(
        customerClient,
        'createCustomer',
        {
          customer: customersV1.Customer.fromPartial({ companyName: `Sim Test ${n}`, contactName: 'Pat Payer', email: `ap-${n}@example.com`, phone: '+14155550123' }),
          profile: customersV1.CustomerProfile.fromPartial({ timeZone: 'UTC', countryCode: 'US' }),
          requestId: randomUUID(),
        },
        { metadata: operator },
      );
      return customer?.id as string;
    };
    const needsInstructions = (type: campaignsV1.TaskType): boolean => type === TaskType.TASK_TYPE_RESEARCH || type === TaskType.TASK_TYPE_MANUAL_REVIEW;
    Object.assign(system, {
      identity,
      customers,
      compliance,
      campaigns,
      tasks,
      agents,
      optOuts,
      operator,
      newCustomer,
      newTask: async (type: campaignsV1.TaskType) => {
        const customerId = await newCustomer();
        const { task } = await call(
          tasks,
          'createTask',
          { task: campaignsV1.Task.fromPartial({ customerId, type, instructions: needsInstructions(type) ? 'find the new accounts payable contact' : '' }), requestId: randomUUID() },
          { metadata: operator },
        );
        return task as campaignsV1.Task;
      },
      task: async (id: string) => (await call(tasks, 'getTask', { taskId: id }, { metadata: operator })).task as campaignsV1.Task,
      heldTasks: async () =>
        (
          await call(
            tasks,
            'listTasks',
            { pageSize: 1000, pageToken: '', statuses: [TaskStatus.TASK_STATUS_ASSIGNED, TaskStatus.TASK_STATUS_IN_PROGRESS], types: [], customerId: '', campaignId: '', agentId: '', dueOnly: false },
            { metadata: operator },
          )
        ).tasks,
      agentsNamed: async (prefix: string) => {
        const found: campaignsV1.Agent[] = [];
        let pageToken = '';
        do {
          const page = await call(agents, 'listAgents', { pageSize: 200, pageToken, type: 0, status: 0, capability: '' }, { metadata: operator });
          found.push(...page.agents.filter((a) => a.name.startsWith(prefix)));
          pageToken = page.nextPageToken;
        } while (pageToken);
        return found;
      },
      optedOut: async (customerId: string, channel: complianceV1.Channel) => {
        const answer = await call(optOuts, 'getOptOutStatus', { customerId }, { metadata: operator });
        return Boolean(answer.channels.find((c) => c.channel === channel)?.optedOut);
      },
    } satisfies TestSystem);
    processes.push({ stop: async () => [customerClient, tasks, agents, optOuts].forEach((c) => c.close()) } as ServiceProcess);
  });
  afterAll(async () => {
    for (const p of processes.reverse()) await p.stop();
    system.identity?.remove();
  });
  return system;
}
