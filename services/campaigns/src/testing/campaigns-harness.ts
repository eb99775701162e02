import { campaignsV1, complianceV1, customersV1 } from '@cec/proto';
import { startService, type RunningService } from '@cec/service-runtime';
import { createTestDatabase, startServiceProcess, startTestService, type ServiceProcess, type TestDatabase, type TestService } from '@cec/testing';
import { credentials } from '@grpc/grpc-js';
import type { Logger } from '@cec/observability';
import { campaignsServiceSpec } from '../campaigns-service';

const CLIENTS = {
  templates: campaignsV1.TemplateServiceClient,
  campaigns: campaignsV1.CampaignServiceClient,
  agents: campaignsV1.AgentServiceClient,
  tasks: campaignsV1.TaskServiceClient,
  attempts: campaignsV1.ContactAttemptServiceClient,
};
type Kit = TestService<RunningService, typeof CLIENTS>;

export interface CampaignsHarness {
  db: TestDatabase;
  templates: campaignsV1.TemplateServiceClient;
  campaigns: campaignsV1.CampaignServiceClient;
  agents: campaignsV1.AgentServiceClient;
  tasks: campaignsV1.TaskServiceClient;
  attempts: campaignsV1.ContactAttemptServiceClient;
  /** Clients of the real customers service (its own process). */
  customers: customersV1.CustomerServiceClient;
  invoices: customersV1.InvoiceServiceClient;
  /** A client of the real compliance service (its own process). */
  compliance: complianceV1.ComplianceServiceClient;
  complianceRules: complianceV1.ComplianceRuleServiceClient;
  optOuts: complianceV1.OptOutServiceClient;
  address: string;
  customersProcess: ServiceProcess;
  complianceProcess: ServiceProcess;
  kit: Kit;
  /** Stops a peer's process (SIGTERM): the campaigns service finds nobody at its address. */
  stopPeer(name: Peer): Promise<void>;
  /** Starts a stopped peer again, on the same address and database. */
  startPeer(name: Peer): Promise<void>;
}

type Peer = 'customers' | 'compliance';

/**
 * The real campaigns service in the test process, and the real customers and compliance
 * services as processes of their own, over one fresh database of the file's own (a clone of the
 * migrated template: no seed data). Stopped and dropped after the file's last test.
 * `env` adds to (and overrides) the campaigns service's variables.
 */
export function useCampaignsService(options: { env?: Record<string, string>; logger?: Logger } = {}): CampaignsHarness {
  const handle = {} as CampaignsHarness;
  let db: TestDatabase | undefined;
  let customersProcess: ServiceProcess | undefined;
  let complianceProcess: ServiceProcess | undefined;
  let kit: Kit | undefined;
  const peerClients: { close(): void }[] = [];
  const peerEnv: Record<Peer, Record<string, string>> = { customers: { OVERDUE_SWEEP_INTERVAL_MS: '0', METRICS_FEED_INTERVAL_MS: '0' }, compliance: { METRICS_FEED_INTERVAL_MS: '0' } };
  const processes = () => ({ customersProcess, complianceProcess });
  handle.stopPeer = async (name) => {
    await (name === 'customers' ? customersProcess : complianceProcess)?.stop();
  };
  handle.startPeer = async (name) => {
    const port = (name === 'customers' ? customersProcess : complianceProcess)?.address.split(':')[1] as string;
    const started = await startServiceProcess(name, db?.url as string, { ...peerEnv[name], [`${name.toUpperCase()}_GRPC_PORT`]: port });
    if (name === 'customers') customersProcess = started;
    else complianceProcess = started;
    Object.assign(handle, processes());
  };
  beforeAll(async () => {
    db = await createTestDatabase();
    customersProcess = await startServiceProcess('customers', db.url, peerEnv.customers);
    peerEnv.compliance.CUSTOMERS_ADDRESS = customersProcess.address;
    complianceProcess = await startServiceProcess('compliance', db.url, peerEnv.compliance);
    kit = await startTestService(campaignsServiceSpec, {
      start: startService,
      clients: CLIENTS,
      database: db,
      // The engine's loop is off unless a test turns it on: passes change campaigns and tasks under other tests' snapshots.
      env: { CUSTOMERS_ADDRESS: customersProcess.address, COMPLIANCE_ADDRESS: complianceProcess.address, ENGINE_INTERVAL_MS: '0', METRICS_FEED_INTERVAL_MS: '0', ...options.env },
      logger: options.logger,
    });
    const insecure = credentials.createInsecure();
    const peers = {
      customers: new customersV1.CustomerServiceClient(customersProcess.address, insecure),
      invoices: new customersV1.InvoiceServiceClient(customersProcess.address, insecure),
      compliance: new complianceV1.ComplianceServiceClient(complianceProcess.address, insecure),
      complianceRules: new complianceV1.ComplianceRuleServiceClient(complianceProcess.address, insecure),
      optOuts: new complianceV1.OptOutServiceClient(complianceProcess.address, insecure),
    };
    peerClients.push(...Object.values(peers));
    Object.assign(handle, { db, address: kit.address, customersProcess, complianceProcess, kit, ...peers, ...kit.clients });
  });
  afterAll(async () => {
    for (const client of peerClients) client.close();
    await kit?.stop();
    await complianceProcess?.stop();
    await customersProcess?.stop();
    await db?.drop();
  });
  return handle;
}
