/*
 * A peer that refuses campaigns itself (the access policy of the deployment leaves campaigns
 * out) is a fault of the deployment, not something the caller can wait out: the caller gets
 * INTERNAL with a reference to its request id (never UNAVAILABLE "retry later"), nothing is
 * written, and campaigns' log line tells the operator which peer refused what.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { campaignsV1 } from '@cec/proto';
import { workspaceRoot } from '@cec/db';
import { startService, type RunningService } from '@cec/service-runtime';
import {
  call,
  capturingLogger,
  createTestDatabase,
  createTestIdentity,
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

const CLIENTS = { campaigns: campaignsV1.CampaignServiceClient };
const { StepAnchor, TaskType } = campaignsV1;

let identity: TestIdentity;
let db: TestDatabase;
let policyDir: string;
let customersProcess: ServiceProcess;
let kit: TestService<RunningService, typeof CLIENTS>;
const logs = capturingLogger();

beforeAll(async () => {
  identity = await createTestIdentity();
  db = await createTestDatabase();
  // The repository's policy with campaigns left out of CustomerService/GetCustomer.
  const policy = readFileSync(join(workspaceRoot(), 'config/access-policy.yaml'), 'utf8');
  const broken = policy.replace(/^(\s+GetCustomer: \[.*), service:campaigns\b(.*)$/m, '$1$2');
  expect(broken).not.toBe(policy);
  expect(broken).not.toMatch(/^\s+GetCustomer: .*service:campaigns/m);
  policyDir = mkdtempSync(join(tmpdir(), 'cec-policy-'));
  writeFileSync(join(policyDir, 'access-policy.yaml'), broken);
  customersProcess = await startServiceProcess('customers', db.url, {
    ...identity.serviceEnv('customers'),
    AUTH_POLICY_FILE: join(policyDir, 'access-policy.yaml'),
    OVERDUE_SWEEP_INTERVAL_MS: '0',
  });
  kit = await startTestService(campaignsServiceSpec, {
    start: startService,
    clients: CLIENTS,
    database: db,
    channelCredentials: identity.credentials(),
    logger: logs.logger,
    env: {
      ...identity.serviceEnv('campaigns'),
      CUSTOMERS_ADDRESS: customersProcess.address,
      COMPLIANCE_ADDRESS: '127.0.0.1:9',
      ENGINE_INTERVAL_MS: '0',
      OUTBOX_RELAY_INTERVAL_MS: '3600000',
    },
  });
});

afterAll(async () => {
  await kit?.stop();
  await customersProcess?.stop();
  await db?.drop();
  identity?.remove();
  if (policyDir) rmSync(policyDir, { recursive: true, force: true });
});

it('answers INTERNAL, not UNAVAILABLE, when customers refuses campaigns itself, and changes nothing', async () => {
  const operator = await identity.bearer('ops@acme.example', ['collections-operator']);
  const before = await snapshot(db.url, ['campaigns', 'campaign_invoices']);
  const request = campaignsV1.CreateCampaignRequest.fromPartial({
    campaign: {
      customerId: randomUUID(),
      name: 'Refused by customers',
      invoiceIds: [randomUUID()],
      steps: [{ name: 'Research', taskType: TaskType.TASK_TYPE_RESEARCH, anchor: StepAnchor.STEP_ANCHOR_DUE_DATE, delayDays: 1 }],
    },
    requestId: randomUUID(),
  });
  const error = await rejectionOf(call(kit.clients.campaigns, 'createCampaign', request, { metadata: operator }));
  expect(error.code).toBe(status.INTERNAL);
  expect(error.details).toMatch(/^internal error \(reference: request /);
  expect(await snapshot(db.url, ['campaigns', 'campaign_invoices'])).toEqual(before);
  // The one row written is the customers service's record of the refusal, naming campaigns.
  const audit = await db.query<{ action: string; actor_type: string; actor_id: string }>('SELECT action, actor_type, actor_id FROM audit_logs');
  expect(audit).toEqual([{ action: 'permission_denied', actor_type: 'user', actor_id: 'ops@acme.example' }]);
  const line = logs.lines().find((l) => l.msg === 'unexpected error') as { err?: { message?: string } } | undefined;
  expect(line?.err?.message).toMatch(/the customers service refused this service's call when asked about the invoices \(PERMISSION_DENIED: .*GetCustomer/);
});
