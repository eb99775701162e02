import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { InvalidArgumentError } from '@cec/errors';
import { customersV1 } from '@cec/proto';
import { startGrpcServer, statusDetailsOf, type RunningGrpcServer, type ServiceRegistration } from './index';
import { capturingLogger } from '@cec/testing';

/** Violations that, uncapped, made about 1.5 MB of grpc-message and x-invalid-fields: grpc-js never delivered that. */
const HUGE = Array.from({ length: 1000 }, (_, i) => ({ field: `customer_ids[${i}]`, description: `must be a UUID, got "${'ü'.repeat(250)}"` }));

describe('error details over the wire', () => {
  let server: RunningGrpcServer;
  let client: customersV1.CustomerServiceClient;

  beforeAll(async () => {
    const definition = customersV1.CustomerServiceService;
    const handlers: Record<string, unknown> = Object.fromEntries(
      Object.keys(definition).map((name) => [name, async () => Promise.reject(new Error('not used in this test'))]),
    );
    handlers.getCustomer = async ({ customerId }: customersV1.GetCustomerRequest) => {
      if (customerId === 'huge') throw new InvalidArgumentError(HUGE);
      if (customerId === 'boom') throw new Error('connection to 10.0.0.7 failed');
      return { customer: undefined };
    };
    const registration: ServiceRegistration = { definition, handlers };
    server = await startGrpcServer({ host: '127.0.0.1', port: 0, logger: capturingLogger().logger, services: [registration], readinessIntervalMs: 60_000 });
    client = new customersV1.CustomerServiceClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
  });

  afterAll(async () => {
    client.close();
    await server.shutdown();
  });

  function getCustomer(customerId: string, requestId: string): Promise<{ error?: ServiceError; ms: number }> {
    const metadata = new Metadata();
    metadata.set('x-request-id', requestId);
    const started = Date.now();
    return new Promise((resolve) =>
      client.getCustomer({ customerId }, metadata, { deadline: Date.now() + 5_000 }, (error) =>
        resolve({ error: error ?? undefined, ms: Date.now() - started }),
      ),
    );
  }

  it('delivers an error with 1,000 long violations well before the deadline, its details decodable', async () => {
    const { error, ms } = await getCustomer('huge', 'req-huge-1');
    expect({ code: error?.code, fast: ms < 2_500 }).toEqual({ code: status.INVALID_ARGUMENT, fast: true });
    expect(error?.details).toMatch(/^customer_ids\[0\]: must be a UUID, got "ü+…?.*; and \d+ more$/);
    const details = statusDetailsOf(error?.metadata);
    expect(details?.status).toMatchObject({ code: status.INVALID_ARGUMENT, message: error?.details });
    expect(details?.badRequest?.fieldViolations[0]).toMatchObject({ field: 'customer_ids[0]', description: `must be a UUID, got "${'ü'.repeat(179)}…` });
    expect(details?.requestInfo).toEqual({ requestId: 'req-huge-1', servingData: '' });
    // The connection is still usable.
    expect(await getCustomer('fine', 'req-huge-2')).toMatchObject({ error: undefined });
  });

  it('sends the request id in the details of an INTERNAL error', async () => {
    const { error } = await getCustomer('boom', 'req-boom-9');
    expect(error?.code).toBe(status.INTERNAL);
    expect(statusDetailsOf(error?.metadata)).toEqual({
      status: expect.objectContaining({ code: status.INTERNAL, message: 'internal error (reference: request req-boom-9)' }),
      requestInfo: { requestId: 'req-boom-9', servingData: '' },
    });
  });
});
