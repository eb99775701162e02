import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { InvalidArgumentError, NotFoundError } from '@cec/errors';
import { customersV1 } from '@cec/proto';
import { workspaceRoot } from '@cec/db';
import {
  createClient,
  INVALID_FIELDS,
  LIVENESS_SERVICE,
  register,
  startGrpcServer,
  type AsyncService,
  type RpcContext,
  type RunningGrpcServer,
} from './index';
import { capturingLogger, withDeadline } from '@cec/testing';

type CustomerServer = customersV1.CustomerServiceServer;

const customer = (id: string): customersV1.Customer => ({
  id,
  companyName: 'Acme',
  contactName: 'Ada',
  email: 'ap@acme.example',
  phone: '',
  preferredContactMethod: customersV1.ContactMethod.CONTACT_METHOD_EMAIL,
  address: undefined,
  riskLevel: customersV1.RiskLevel.RISK_LEVEL_LOW,
  riskScore: 3,
  createTime: new Date('2026-01-02T03:04:05.678Z'),
  updateTime: new Date('2026-01-02T03:04:05.678Z'),
});

/** A test double of CustomerService, just enough to exercise the platform around it. */
function testService(seen: RpcContext[]): AsyncService<CustomerServer> {
  const unimplemented = async (): Promise<never> => {
    throw new Error('not used in this test');
  };
  return {
    getCustomer: async (request, context) => {
      seen.push(context);
      if (request.customerId === 'bad') throw InvalidArgumentError.field('customer_id', 'must be a UUID');
      if (request.customerId === 'missing') throw NotFoundError.resource('customer', 'missing');
      if (request.customerId === 'boom') throw new Error('connection to 10.0.0.7 failed: password=hunter2');
      if (request.customerId.startsWith('slow')) await new Promise((r) => setTimeout(r, Number(request.customerId.slice(4))));
      if (request.customerId === 'until-aborted') await new Promise((r) => context.signal.addEventListener('abort', r, { once: true }));
      if (request.customerId === 'until-cancelled') await new Promise<void>((r) => context.watch?.({ cancel: r }) || r());
      return { customer: customer(request.customerId) };
    },
    createCustomer: unimplemented,
    updateCustomer: unimplemented,
    listCustomers: unimplemented,
    getCustomerProfile: unimplemented,
    updateCustomerProfile: unimplemented,
    recalculateRiskScore: unimplemented,
    batchGetContactProfiles: unimplemented,
    recordContactOutcomes: unimplemented,
  };
}

function client(port: number) {
  return new customersV1.CustomerServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
}

function getCustomer(c: customersV1.CustomerServiceClient, customerId: string, metadata = new Metadata(), deadlineMs = 5000) {
  return new Promise<{ response?: customersV1.GetCustomerResponse; error?: ServiceError; trailers?: Metadata }>((resolve) => {
    let trailers: Metadata | undefined;
    let response: customersV1.GetCustomerResponse | undefined;
    let error: ServiceError | undefined;
    let pending = 2;
    const done = () => (pending -= 1) === 0 && resolve({ error, response, trailers });
    const call = c.getCustomer({ customerId }, metadata, { deadline: Date.now() + deadlineMs }, (e, r) => {
      error = e ?? undefined;
      response = r;
      done();
    });
    call.on('status', (s) => {
      trailers = s.metadata;
      done();
    });
  });
}

/** Runs `buf curl` (asynchronously: the server under test lives in this process). */
function bufCurl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const buf = join(workspaceRoot(), 'node_modules/.bin/buf');
  return new Promise((resolve) =>
    execFile(buf, ['curl', '--protocol', 'grpc', '--http2-prior-knowledge', ...args], (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

async function healthOf(port: number, service = ''): Promise<string> {
  const result = await bufCurl(['-d', JSON.stringify({ service }), `http://127.0.0.1:${port}/grpc.health.v1.Health/Check`]);
  return result.code === 0 ? JSON.parse(result.stdout).status : `error: ${result.stderr.trim()}`;
}

describe('gRPC server platform', () => {
  const seen: RpcContext[] = [];
  const log = capturingLogger();
  let ready = false;
  let server: RunningGrpcServer;

  beforeAll(async () => {
    server = await startGrpcServer({
      host: '127.0.0.1',
      port: 0,
      logger: log.logger,
      services: [
        register(customersV1.CustomerServiceService, testService(seen)),
      ],
      readinessCheck: async () => {
        if (!ready) throw new Error('database unreachable');
      },
      readinessIntervalMs: 60_000,
      shutdownGraceMs: 3_000,
    });
  });

  afterAll(async () => {
    await server.shutdown();
  });

  it('reports NOT_SERVING until the readiness check passes, then SERVING', async () => {
    expect(await healthOf(server.port)).toBe('NOT_SERVING');
    ready = true;
    expect(await server.checkReadiness()).toBe(true);
    expect(await healthOf(server.port)).toBe('SERVING');
    expect(await healthOf(server.port, 'escalation.customers.v1.CustomerService')).toBe('SERVING');
    ready = false;
    await server.checkReadiness();
    expect(await healthOf(server.port)).toBe('NOT_SERVING');
    // Not ready is not dead: the liveness service stays SERVING (a restart would not bring the database back).
    expect(await healthOf(server.port, LIVENESS_SERVICE)).toBe('SERVING');
    ready = true;
    await server.checkReadiness();
  });

  it('answers through reflection alone, Timestamps included (buf curl)', async () => {
    const list = await bufCurl(['--list-services', `http://127.0.0.1:${server.port}`]);
    expect(list.stderr).toBe('');
    expect(list.stdout.trim().split('\n').sort()).toEqual(['escalation.customers.v1.CustomerService', 'grpc.health.v1.Health']);
    const call = await bufCurl(['-d', '{"customer_id":"c-1"}', `http://127.0.0.1:${server.port}/escalation.customers.v1.CustomerService/GetCustomer`]);
    expect(call.stderr).toBe('');
    expect(JSON.parse(call.stdout).customer).toMatchObject({ id: 'c-1', createTime: '2026-01-02T03:04:05.678Z' });
  });

  it('maps domain errors to their status with the message, naming invalid fields', async () => {
    const c = client(server.port);
    const bad = await getCustomer(c, 'bad');
    expect(bad.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.error?.details).toBe('customer_id: must be a UUID');
    expect(bad.error?.metadata.get(INVALID_FIELDS)).toEqual(['customer_id']);
    const missing = await getCustomer(c, 'missing');
    expect(missing.error?.code).toBe(status.NOT_FOUND);
    expect(missing.error?.details).toBe('customer missing not found');
    c.close();
  });

  it('turns unexpected errors into INTERNAL without leaking internals, and logs them', async () => {
    const c = client(server.port);
    const metadata = new Metadata();
    metadata.set('x-request-id', 'req-boom-1');
    const boom = await getCustomer(c, 'boom', metadata);
    expect(boom.error?.code).toBe(status.INTERNAL);
    expect(boom.error?.details).toBe('internal error (reference: request req-boom-1)');
    expect(boom.error?.details).not.toContain('hunter2');
    const logged = log.lines().find((l) => l.msg === 'unexpected error' && l.request_id === 'req-boom-1');
    expect(logged).toBeDefined();
    c.close();
  });

  it('logs one JSON line per call with method, code, duration and request id, never contact data', async () => {
    const c = client(server.port);
    const metadata = new Metadata();
    metadata.set('x-request-id', 'req-log-1');
    const ok = await getCustomer(c, 'c-2', metadata);
    expect(ok.response?.customer?.email).toBe('ap@acme.example');
    expect(ok.trailers?.get('x-request-id')).toEqual(['req-log-1']);
    const line = log.lines().find((l) => l.msg === 'rpc' && l.request_id === 'req-log-1');
    expect(line).toMatchObject({ level: 'info', method: '/escalation.customers.v1.CustomerService/GetCustomer', code: 'OK' });
    expect(typeof line?.duration_ms).toBe('number');
    expect(JSON.stringify(log.lines())).not.toContain('ap@acme.example');

    const anonymous = await getCustomer(c, 'c-3');
    expect(String(anonymous.trailers?.get('x-request-id')[0])).toMatch(/^[0-9a-f-]{36}$/);
    c.close();
  });

  it('takes the actor from x-actor, else the calling service, and rejects a malformed one', async () => {
    const c = client(server.port);
    const asUser = new Metadata();
    asUser.set('x-actor', 'user:ops@acme.example');
    await getCustomer(c, 'c-4', asUser);
    expect(seen.at(-1)?.actor).toEqual({ type: 'user', id: 'ops@acme.example' });
    const byService = new Metadata();
    byService.set('x-caller', 'campaigns');
    await getCustomer(c, 'c-5', byService);
    expect(seen.at(-1)?.actor).toEqual({ type: 'service', id: 'campaigns' });
    const malformed = new Metadata();
    malformed.set('x-actor', 'nobody');
    const result = await getCustomer(c, 'c-6', malformed);
    expect(result.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(result.error?.details).toContain('x-actor');
    c.close();
  });

  // The database layer relies on these two to cut a call's statements off at its deadline.
  it("aborts the call's signal when its deadline passes", async () => {
    const c = client(server.port);
    const result = await getCustomer(c, 'until-aborted', new Metadata(), 300);
    expect(result.error?.code).toBe(status.DEADLINE_EXCEEDED);
    const { signal } = seen.at(-1) as RpcContext;
    // grpc-js says 'cancelled' a tick after the status; a signal never aborted fails here.
    await withDeadline(new Promise((r) => (signal.aborted ? r(undefined) : signal.addEventListener('abort', r))), 2_000, 'the abort');
    expect(signal.aborted).toBe(true);
    c.close();
  });

  it('tells watched work when the deadline passes, and a signal asked for afterwards is aborted', async () => {
    const c = client(server.port);
    const result = await getCustomer(c, 'until-cancelled', new Metadata(), 300);
    expect(result.error?.code).toBe(status.DEADLINE_EXCEEDED);
    const context = seen.at(-1) as RpcContext;
    await withDeadline(new Promise<void>((r) => context.watch?.({ cancel: r }) || r()), 2_000, 'watched work to be told');
    expect(context.watch?.({ cancel: () => undefined })).toBe(false);
    expect(context.signal.aborted).toBe(true);
    c.close();
  });

  it('propagates the incoming deadline, request id and actor to outgoing calls', async () => {
    const c = client(server.port);
    const outgoing = createClient(customersV1.CustomerServiceClient, `127.0.0.1:${server.port}`, { caller: 'tests' });
    const deadline = new Date(Date.now() + 4_000);
    const context: RpcContext = { requestId: 'req-chain-1', deadline, signal: new AbortController().signal, actor: { type: 'user', id: 'u1' }, logger: log.logger };
    const { runInRpcContext } = await import('./request-context');
    await runInRpcContext(context, () => new Promise((resolve) => outgoing.getCustomer({ customerId: 'c-7' }, resolve)));
    const downstream = seen.at(-1) as RpcContext;
    expect(downstream.requestId).toBe('req-chain-1');
    expect(downstream.actor).toEqual({ type: 'user', id: 'u1' });
    expect(Math.abs((downstream.deadline as Date).getTime() - deadline.getTime())).toBeLessThan(50);
    outgoing.close();
    c.close();
  });
});

describe('client factory', () => {
  it('gives calls made outside any RPC the default deadline', async () => {
    const seen: RpcContext[] = [];
    const { logger } = capturingLogger();
    const server = await startGrpcServer({
      host: '127.0.0.1',
      port: 0,
      logger,
      services: [register(customersV1.CustomerServiceService, testService(seen))],
    });
    const c = createClient(customersV1.CustomerServiceClient, `127.0.0.1:${server.port}`, { caller: 'tests', defaultTimeoutMs: 200 });
    const error = await new Promise<ServiceError | null>((resolve) => c.getCustomer({ customerId: 'slow1000' }, (e) => resolve(e)));
    expect(error?.code).toBe(status.DEADLINE_EXCEEDED);
    c.close();
    await server.shutdown();
  });

  it('retries UNAVAILABLE until a restarting server is back', async () => {
    const { logger } = capturingLogger();
    const probe = await startGrpcServer({ host: '127.0.0.1', port: 0, logger, services: [] });
    const port = probe.port;
    await probe.shutdown();
    const c = createClient(customersV1.CustomerServiceClient, `127.0.0.1:${port}`, { caller: 'tests', defaultTimeoutMs: 5_000, maxAttempts: 5 });
    let server: RunningGrpcServer | undefined;
    const starting = new Promise<void>((resolve) =>
      setTimeout(async () => {
        server = await startGrpcServer({
          host: '127.0.0.1',
          port,
          logger,
          services: [register(customersV1.CustomerServiceService, testService([]))],
        });
        resolve();
      }, 300),
    );
    const result = await new Promise<{ error: ServiceError | null; response?: customersV1.GetCustomerResponse }>((resolve) =>
      c.getCustomer({ customerId: 'c-8' }, (error, response) => resolve({ error, response })),
    );
    await starting;
    expect(result.error).toBeNull();
    expect(result.response?.customer?.id).toBe('c-8');
    c.close();
    await server?.shutdown();
  });
});

describe('graceful shutdown', () => {
  it('finishes a call in flight, then refuses new ones', async () => {
    const { logger } = capturingLogger();
    const server = await startGrpcServer({
      host: '127.0.0.1',
      port: 0,
      logger,
      shutdownGraceMs: 5_000,
      services: [register(customersV1.CustomerServiceService, testService([]))],
    });
    const c = client(server.port);
    const inFlight = getCustomer(c, 'slow400');
    await new Promise((r) => setTimeout(r, 100));
    const stopping = server.shutdown();
    const result = await inFlight;
    expect(result.error).toBeUndefined();
    expect(result.response?.customer?.id).toBe('slow400');
    await stopping;
    const after = await getCustomer(c, 'c-9', new Metadata(), 1_000);
    expect([status.UNAVAILABLE, status.DEADLINE_EXCEEDED]).toContain(after.error?.code);
    c.close();
  });

  it('cancels calls that outlive the grace period', async () => {
    const { logger } = capturingLogger();
    const server = await startGrpcServer({
      host: '127.0.0.1',
      port: 0,
      logger,
      shutdownGraceMs: 200,
      services: [register(customersV1.CustomerServiceService, testService([]))],
    });
    const c = client(server.port);
    const inFlight = getCustomer(c, 'slow3000');
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await server.shutdown();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await inFlight).error?.code).toBeDefined();
    c.close();
  });
});
