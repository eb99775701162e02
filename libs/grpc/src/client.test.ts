import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { UnavailableError } from '@cec/errors';
import { customersV1 } from '@cec/proto';
import { createClient, methodTraits, register, startGrpcServer, type AsyncService, type RpcContext, type RunningGrpcServer } from './index';
import { capturingLogger } from '@cec/testing';

type CustomerServer = customersV1.CustomerServiceServer;

/**
 * The client factory retries only what the contract marks idempotent, fills in request ids,
 * and cancels outgoing calls with the incoming one.
 */
describe('client factory', () => {
  const attempts = new Map<string, string[]>();
  const waiting: { started?: () => void; aborted?: () => void } = {};
  let failFirst = 0;
  let server: RunningGrpcServer;
  let outgoing: customersV1.CustomerServiceClient;

  /** Records each attempt (with the request id it carried) and answers UNAVAILABLE to the first `failFirst` of each method. */
  const attempt = (method: string, requestId = ''): void => {
    const seen = attempts.get(method) ?? [];
    seen.push(requestId);
    attempts.set(method, seen);
    if (seen.length <= failFirst) throw new UnavailableError('restarting');
  };

  const handlers: AsyncService<CustomerServer> = {
    getCustomer: async (request, context: RpcContext) => {
      if (request.customerId === 'chain') {
        // Calls onwards, inside this call's context: the outgoing call inherits its cancellation.
        return new Promise((resolve, reject) =>
          outgoing.getCustomer({ customerId: 'wait' }, (error, response) => (error ? reject(error) : resolve(response))),
        );
      }
      if (request.customerId === 'wait') {
        waiting.started?.();
        await new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve(), { once: true }));
        waiting.aborted?.();
        return { customer: undefined };
      }
      attempt('getCustomer');
      return { customer: undefined };
    },
    createCustomer: async (request) => {
      attempt('createCustomer', request.requestId);
      return { customer: undefined, profile: undefined };
    },
    updateCustomer: async () => {
      attempt('updateCustomer');
      return { customer: undefined };
    },
    listCustomers: async () => ({ customers: [], nextPageToken: '' }),
    getCustomerProfile: async () => ({ profile: undefined }),
    updateCustomerProfile: async () => ({ profile: undefined }),
    recalculateRiskScore: async () => ({ profile: undefined }),
    batchGetContactProfiles: async () => ({ profiles: [] }),
    recordContactOutcomes: async () => ({ changedCount: 0 }),
  };

  beforeAll(async () => {
    server = await startGrpcServer({
      host: '127.0.0.1',
      port: 0,
      logger: capturingLogger().logger,
      services: [register(customersV1.CustomerServiceService, handlers)],
    });
    outgoing = createClient(customersV1.CustomerServiceClient, `127.0.0.1:${server.port}`, { caller: 'tests', maxAttempts: 3 });
  });

  beforeEach(() => {
    attempts.clear();
    failFirst = 0;
  });

  afterAll(async () => {
    outgoing.close();
    await server.shutdown();
  });

  const send = <K extends 'getCustomer' | 'createCustomer' | 'updateCustomer'>(method: K, request: object) =>
    new Promise<ServiceError | null>((resolve) =>
      (outgoing[method] as unknown as (r: object, cb: (e: ServiceError | null) => void) => void).call(outgoing, request, (error) => resolve(error)),
    );

  it('reads the idempotency levels of the contract', () => {
    const traits = methodTraits();
    expect(traits.get('/escalation.customers.v1.CustomerService/GetCustomer')).toMatchObject({ retryable: true, hasRequestId: false });
    expect(traits.get('/escalation.customers.v1.CustomerService/CreateCustomer')).toMatchObject({ retryable: true, hasRequestId: true });
    expect(traits.get('/escalation.customers.v1.CustomerService/UpdateCustomer')).toMatchObject({ retryable: false });
    expect(traits.get('/escalation.customers.v1.InvoiceService/RecordPayment')).toMatchObject({ retryable: true, hasRequestId: true });
  });

  it('retries UNAVAILABLE on a method without side effects', async () => {
    failFirst = 2;
    expect(await send('getCustomer', { customerId: 'x' })).toBeNull();
    expect(attempts.get('getCustomer')).toHaveLength(3);
  });

  it('never retries a method the contract does not mark idempotent', async () => {
    failFirst = 1;
    const error = await send('updateCustomer', {});
    expect(error?.code).toBe(status.UNAVAILABLE);
    expect(attempts.get('updateCustomer')).toHaveLength(1);
  });

  it('fills in a request id the caller left empty, and sends the same one on every attempt', async () => {
    failFirst = 1;
    expect(await send('createCustomer', { requestId: '' })).toBeNull();
    const ids = attempts.get('createCustomer') as string[];
    expect(ids).toHaveLength(2);
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(ids[1]).toBe(ids[0]);
  });

  it("keeps the caller's own request id", async () => {
    expect(await send('createCustomer', { requestId: '0b6a2c1e-4f1f-4d0e-9c55-8f2d8b0f3a11' })).toBeNull();
    expect(attempts.get('createCustomer')).toEqual(['0b6a2c1e-4f1f-4d0e-9c55-8f2d8b0f3a11']);
  });

  it('cancels the outgoing call when the incoming call is cancelled', async () => {
    const started = new Promise<void>((resolve) => (waiting.started = resolve));
    // Resolves only when the downstream handler's signal fires; the test times out otherwise.
    const aborted = new Promise<void>((resolve) => (waiting.aborted = resolve));
    const caller = new customersV1.CustomerServiceClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
    const incoming = caller.getCustomer({ customerId: 'chain' }, new Metadata(), { deadline: Date.now() + 10_000 }, () => undefined);
    await started;
    incoming.cancel();
    await aborted;
    caller.close();
  });
});

/** One channel to a name with several addresses (a headless Service's pods) spreads its calls over them. */
describe('a peer with several replicas', () => {
  const servers: RunningGrpcServer[] = [];
  const served = new Map<number, number>();
  let client: customersV1.CustomerServiceClient | undefined;

  beforeAll(async () => {
    for (let i = 0; i < 2; i += 1) {
      const replica = i;
      servers.push(
        await startGrpcServer({
          host: '127.0.0.1',
          port: 0,
          logger: capturingLogger().logger,
          services: [
            register(customersV1.CustomerServiceService, {
              // every method answers an empty message; ListCustomers counts the calls this replica served
              ...Object.fromEntries(Object.keys(customersV1.CustomerServiceService).map((name) => [name, async () => ({})])),
              listCustomers: async () => {
                served.set(replica, (served.get(replica) ?? 0) + 1);
                return { customers: [], nextPageToken: '' };
              },
            } as unknown as AsyncService<CustomerServer>),
          ],
        }),
      );
    }
  });

  afterAll(async () => {
    client?.close();
    for (const s of servers) await s.shutdown();
  });

  it('sends the calls of one client round robin to every replica, not all to the first it reached', async () => {
    // ipv4:a,b is one target with two addresses, as DNS answers for a headless Service.
    client = createClient(customersV1.CustomerServiceClient, `ipv4:${servers.map((s) => `127.0.0.1:${s.port}`).join(',')}`, { caller: 'tests' });
    for (let i = 0; i < 20; i += 1) {
      await new Promise<void>((resolve, reject) =>
        (client as customersV1.CustomerServiceClient).listCustomers(customersV1.ListCustomersRequest.fromPartial({ pageSize: 1 }), (error) => (error ? reject(error) : resolve())),
      );
    }
    expect([...served.keys()].sort()).toEqual([0, 1]);
    expect((served.get(0) ?? 0) + (served.get(1) ?? 0)).toBe(20);
  });
});
