import { metricsV1 } from '@cec/proto';
import { startService, type RunningService } from '@cec/service-runtime';
import { createTestDatabase, startTestService, type TestDatabase, type TestService } from '@cec/testing';
import { metricsServiceSpec } from '../../metrics-service';

const CLIENTS = { reports: metricsV1.ReportServiceClient };
type Kit = TestService<RunningService, typeof CLIENTS>;

export interface ReportHarness {
  /** The file's own database; db.query runs as the migration role (to write the known rows). */
  db: TestDatabase;
  reports: metricsV1.ReportServiceClient;
}

/**
 * The real metrics service in the test process, connected as metrics_svc (so every report is
 * read with the grants it has in production: migrations 006 and 014), over one fresh database
 * of the file's own with no seed data. Stopped and dropped after the file's last test.
 */
export function useReportService(): ReportHarness {
  const handle = {} as ReportHarness;
  let db: TestDatabase | undefined;
  let kit: Kit | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    kit = await startTestService(metricsServiceSpec, {
      start: startService,
      clients: CLIENTS,
      database: db,
      env: (d) => ({ DATABASE_URL: d.urlAs('metrics_svc'), RETENTION_INTERVAL_MS: '0' }),
    });
    Object.assign(handle, { db, reports: kit.clients.reports });
  });
  afterAll(async () => {
    await kit?.stop();
    await db?.drop();
  });
  return handle;
}
