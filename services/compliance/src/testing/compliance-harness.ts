import { complianceV1, customersV1 } from '@cec/proto';
import { startService, type RunningService } from '@cec/service-runtime';
import { createTestDatabase, startServiceProcess, startTestService, type ServiceProcess, type TestDatabase, type TestService } from '@cec/testing';
import { credentials } from '@grpc/grpc-js';
import type { Logger } from '@cec/observability';
import { complianceServiceSpec } from '../compliance-service';

const CLIENTS = {
  rules: complianceV1.ComplianceRuleServiceClient,
  compliance: complianceV1.ComplianceServiceClient,
  optOuts: complianceV1.OptOutServiceClient,
  audit: complianceV1.AuditServiceClient,
};
type Kit = TestService<RunningService, typeof CLIENTS>;

export interface ComplianceHarness {
  db: TestDatabase;
  rules: complianceV1.ComplianceRuleServiceClient;
  compliance: complianceV1.ComplianceServiceClient;
  optOuts: complianceV1.OptOutServiceClient;
  audit: complianceV1.AuditServiceClient;
  /** A client of the real customers service the compliance service asks (its own process). */
  customers: customersV1.CustomerServiceClient;
  address: string;
  customersProcess: ServiceProcess;
  kit: Kit;
}

/**
 * The real compliance service in the test process and the real customers service as its own
 * process, over one fresh database of the file's own (a clone of the migrated template: no
 * seed data, no rules). Stopped and dropped after the file's last test.
 */
export function useComplianceService(options: { env?: Record<string, string>; logger?: Logger } = {}): ComplianceHarness {
  const handle = {} as ComplianceHarness;
  let db: TestDatabase | undefined;
  let peer: ServiceProcess | undefined;
  let kit: Kit | undefined;
  let customers: customersV1.CustomerServiceClient | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    peer = await startServiceProcess('customers', db.url, { OVERDUE_SWEEP_INTERVAL_MS: '0', METRICS_FEED_INTERVAL_MS: '0' });
    kit = await startTestService(complianceServiceSpec, {
      start: startService,
      clients: CLIENTS,
      database: db,
      env: { CUSTOMERS_ADDRESS: peer.address, METRICS_FEED_INTERVAL_MS: '0', ...options.env },
      logger: options.logger,
    });
    customers = new customersV1.CustomerServiceClient(peer.address, credentials.createInsecure());
    Object.assign(handle, { db, address: kit.address, customersProcess: peer, kit, customers, ...kit.clients });
  });
  afterAll(async () => {
    customers?.close();
    await kit?.stop();
    await peer?.stop();
    await db?.drop();
  });
  return handle;
}
