import { metricsV1 } from '@cec/proto';
import { startService, type RunningService } from '@cec/service-runtime';
import { createTestDatabase, startTestService, type TestDatabase, type TestService } from '@cec/testing';
import type { Logger } from '@cec/observability';
import { metricsServiceSpec } from '../metrics-service';

/** The clients a test gets, one per service the metrics service serves (add ReportService's here). */
export const METRICS_CLIENTS = {
  metrics: metricsV1.MetricsServiceClient,
};
type Kit = TestService<RunningService, typeof METRICS_CLIENTS>;

export interface MetricsHarness {
  db: TestDatabase;
  metrics: metricsV1.MetricsServiceClient;
  address: string;
  kit: Kit;
}


/** Starts the real metrics service in the test process over `db` (the retention job off; CUSTOMERS_ADDRESS, like every peer's, unreachable unless env says otherwise: testServiceEnv). */
export function startMetricsService(db: TestDatabase, options: { env?: Record<string, string>; logger?: Logger } = {}): Promise<Kit> {
  return startTestService(metricsServiceSpec, {
    start: startService,
    clients: METRICS_CLIENTS,
    database: db,
    env: { RETENTION_INTERVAL_MS: '0', ...options.env },
    logger: options.logger,
  });
}

/**
 * The real metrics service in the test process over one fresh database of the file's own (a
 * clone of the migrated template: no seed data). Stopped and dropped after the file's last test.
 */
export function useMetricsService(options: { env?: Record<string, string>; logger?: Logger } = {}): MetricsHarness {
  const handle = {} as MetricsHarness;
  let db: TestDatabase | undefined;
  let kit: Kit | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    kit = await startMetricsService(db, options);
    Object.assign(handle, { db, address: kit.address, kit, ...kit.clients });
  });
  afterAll(async () => {
    await kit?.stop();
    await db?.drop();
  });
  return handle;
}
