import { metricsV1 } from '@cec/proto';
import { startService, type RunningService } from '@cec/service-runtime';
import { createTestDatabase, startServiceProcess, startTestService, UNREACHABLE_ADDRESS, type ServiceProcess, type TestDatabase, type TestService } from '@cec/testing';
import { metricsServiceSpec } from '../../metrics-service';

const CLIENTS = { reports: metricsV1.ReportServiceClient };
type Kit = TestService<RunningService, typeof CLIENTS>;

export interface ReportHarness {
  /** The file's own database; db.query runs as the migration role (to write the known rows). */
  db: TestDatabase;
  reports: metricsV1.ReportServiceClient;
  /** The real customers service (its own process, over the same database), when asked for. */
  customersProcess?: ServiceProcess;
}

/**
 * The real metrics service in the test process over `db`, connected as metrics_svc (so every
 * report is read with the grants it has in production: migrations 006 and 014), asking the
 * customers service at `customersAddress`.
 */
export function startReportService(db: TestDatabase, customersAddress: string): Promise<Kit> {
  return startTestService(metricsServiceSpec, {
    start: startService,
    clients: CLIENTS,
    database: db,
    env: (d) => ({ DATABASE_URL: d.urlAs('metrics_svc'), RETENTION_INTERVAL_MS: '0', CUSTOMERS_ADDRESS: customersAddress }),
  });
}

/**
 * The metrics service (startReportService) over one fresh database of the file's own with no
 * seed data; with `customers: true`, the real customers service too, as its own process over the
 * same database (GetCustomerCommunications asks it whether a customer exists), else nobody at
 * CUSTOMERS_ADDRESS. Stopped and dropped after the file's last test.
 */
export function useReportService(options: { customers?: boolean } = {}): ReportHarness {
  const handle = {} as ReportHarness;
  let db: TestDatabase | undefined;
  let customersProcess: ServiceProcess | undefined;
  let kit: Kit | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    if (options.customers) customersProcess = await startServiceProcess('customers', db.url, { OVERDUE_SWEEP_INTERVAL_MS: '0' });
    kit = await startReportService(db, customersProcess?.address ?? UNREACHABLE_ADDRESS);
    Object.assign(handle, { db, reports: kit.clients.reports, customersProcess });
  });
  afterAll(async () => {
    await kit?.stop();
    await customersProcess?.stop();
    await db?.drop();
  });
  return handle;
}
