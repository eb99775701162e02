/*
 * The metrics service asks the customers service whether a customer exists (an empty first page
 * of GetCustomerCommunications) with authentication on in both: real servers over real TLS, the
 * repository's access policy (config/access-policy.yaml), certificates of one test CA. The
 * metrics service calls as service:metrics, which the policy lets call CustomerService.GetCustomer.
 */
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { metricsV1 } from '@cec/proto';
import { startService, type RunningService } from '@cec/service-runtime';
import {
  call,
  createTestDatabase,
  createTestIdentity,
  rejectionOf,
  startServiceProcess,
  startTestService,
  type ServiceProcess,
  type TestDatabase,
  type TestIdentity,
  type TestService,
} from '@cec/testing';
import { metricsServiceSpec } from './metrics-service';
import { reportFixtures } from './rpc/report-service/report-fixtures';

const CLIENTS = { reports: metricsV1.ReportServiceClient };
type Kit = TestService<RunningService, typeof CLIENTS>;

let identity: TestIdentity;
let db: TestDatabase;
let customersProcess: ServiceProcess;
let kit: Kit;

beforeAll(async () => {
  identity = await createTestIdentity();
  db = await createTestDatabase();
  customersProcess = await startServiceProcess('customers', db.url, { ...identity.serviceEnv('customers'), OVERDUE_SWEEP_INTERVAL_MS: '0' });
  kit = await startTestService(metricsServiceSpec, {
    start: startService,
    clients: CLIENTS,
    database: db,
    channelCredentials: identity.credentials(),
    env: (d) => ({ ...identity.serviceEnv('metrics'), DATABASE_URL: d.urlAs('metrics_svc'), RETENTION_INTERVAL_MS: '0', CUSTOMERS_ADDRESS: customersProcess.address }),
  });
});

afterAll(async () => {
  await kit?.stop();
  await customersProcess?.stop();
  await db?.drop();
  identity?.remove();
});

describe('GetCustomerCommunications with authentication on', () => {
  const history = async (customerId: string) =>
    call(kit.clients.reports, 'getCustomerCommunications', metricsV1.GetCustomerCommunicationsRequest.fromPartial({ customerId }), {
      metadata: await identity.bearer('finance@acme.example', ['finance-readonly']),
    });

  it('asks customers as service:metrics: an empty list for a known customer, NOT_FOUND for an unknown one', async () => {
    const known = await reportFixtures({ db }).customer('Known Quiet Co');
    expect(await history(known)).toEqual({ communications: [], nextPageToken: '' });
    const unknown = randomUUID();
    const error = await rejectionOf(history(unknown));
    expect({ code: error.code, details: error.details }).toEqual({ code: status.NOT_FOUND, details: `customer ${unknown} does not exist` });
  });
});
