import { credentials } from '@grpc/grpc-js';
import { customersV1 } from '@cec/proto';
import { startService, type RunningService } from '@cec/service-runtime';
import { createTestDatabase, type TestDatabase } from '@cec/testing';
import { createLogger } from '@cec/observability';
import { customersServiceSpec } from '../customers-service';

export interface CustomersHarness {
  db: TestDatabase;
  service: RunningService;
  customers: customersV1.CustomerServiceClient;
  invoices: customersV1.InvoiceServiceClient;
  address: string;
}

/** The real customers service on an ephemeral port, over a fresh database of its own. */
export async function startCustomersHarness(env: Record<string, string> = {}): Promise<CustomersHarness> {
  const db = await createTestDatabase();
  const service = await startService(
    customersServiceSpec,
    {
      DATABASE_URL: db.url,
      CUSTOMERS_GRPC_HOST: '127.0.0.1',
      CUSTOMERS_GRPC_PORT: '0',
      CUSTOMERS_METRICS_HOST: '127.0.0.1',
      CUSTOMERS_METRICS_PORT: '0',
      OVERDUE_SWEEP_INTERVAL_MS: '0',
      SHUTDOWN_GRACE_MS: '5000',
      ...env,
    },
    createLogger('customers', (process.env.TEST_LOG_LEVEL as 'info') ?? 'silent'),
  );
  const address = `127.0.0.1:${service.grpcPort}`;
  return {
    db,
    service,
    address,
    customers: new customersV1.CustomerServiceClient(address, credentials.createInsecure()),
    invoices: new customersV1.InvoiceServiceClient(address, credentials.createInsecure()),
  };
}

export async function stopCustomersHarness(h: CustomersHarness | undefined): Promise<void> {
  if (!h) return;
  h.customers.close();
  h.invoices.close();
  await h.service.stop();
  await h.db.drop();
}

/** In a test file: the harness, started before the first test and stopped after the last. */
export function useCustomersService(env: Record<string, string> = {}): CustomersHarness {
  const handle = {} as CustomersHarness;
  let started: CustomersHarness | undefined;
  beforeAll(async () => {
    started = await startCustomersHarness(env);
    Object.assign(handle, started);
  });
  afterAll(async () => {
    await stopCustomersHarness(started);
  });
  return handle;
}
