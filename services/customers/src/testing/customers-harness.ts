import { customersV1 } from '@cec/proto';
import { startService, type RunningService } from '@cec/service-runtime';
import { startTestService, useService, type TestDatabase, type TestService, type TestServiceOptions } from '@cec/testing';
import { customersServiceSpec } from '../customers-service';

const CLIENTS = { customers: customersV1.CustomerServiceClient, invoices: customersV1.InvoiceServiceClient };
type Kit = TestService<RunningService, typeof CLIENTS>;

export interface CustomersHarness {
  db: TestDatabase;
  service: RunningService;
  customers: customersV1.CustomerServiceClient;
  invoices: customersV1.InvoiceServiceClient;
  address: string;
  /** The kit's handle: metricsAddress, env, stop(). */
  kit: Kit;
}

/** The overdue sweeper and the metrics feed are off unless `env` sets OVERDUE_SWEEP_INTERVAL_MS, METRICS_FEED_INTERVAL_MS. */
const options = (env: Record<string, string>): TestServiceOptions<typeof customersServiceSpec, RunningService, typeof CLIENTS> => ({
  start: startService,
  clients: CLIENTS,
  env: { OVERDUE_SWEEP_INTERVAL_MS: '0', METRICS_FEED_INTERVAL_MS: '0', ...env },
});

const harnessOf = (kit: Kit): CustomersHarness => ({ db: kit.db, service: kit.service, address: kit.address, ...kit.clients, kit });

/** The real customers service on free ports of 127.0.0.1, over a fresh database of its own (@cec/testing). */
export async function startCustomersHarness(env: Record<string, string> = {}): Promise<CustomersHarness> {
  return harnessOf(await startTestService(customersServiceSpec, options(env)));
}

export async function stopCustomersHarness(h: CustomersHarness | undefined): Promise<void> {
  await h?.kit.stop();
}

/** In a test file: the harness, started before the first test and stopped after the last (useService). */
export function useCustomersService(env: Record<string, string> = {}): CustomersHarness {
  const kit = useService(customersServiceSpec, options(env));
  const handle = {} as CustomersHarness;
  beforeAll(() => {
    Object.assign(handle, harnessOf(kit));
  });
  return handle;
}
