/**
 * The customers service as an engineer meets it: `tsx src/main.ts` as its own process,
 * explored with `buf curl` through server reflection only (no .proto files), and stopped
 * with SIGTERM while a call is in flight. Every wait is for an event (a log line, a lock
 * wait in the database, the process's exit), each with a deadline: no sleeps.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { credentials, status } from '@grpc/grpc-js';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { customersV1 } from '@cec/proto';
import { workspaceRoot } from '@cec/db';
import { bufCurl, bufListServices, call, eventually, testServiceEnv, useTestDatabase, watchProcess, type WatchedProcess } from '@cec/testing';

const ROOT = workspaceRoot();
const REFLECTION_PROTO = join(ROOT, 'node_modules/@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto');

describe('the customers service process', () => {
  const db = useTestDatabase();
  let child: ChildProcess;
  let watched: WatchedProcess;
  let address: string;

  beforeAll(async () => {
    child = spawn(join(ROOT, 'node_modules/.bin/tsx'), [join(__dirname, 'main.ts')], {
      // Free ports of 127.0.0.1 (port 0): the service says which in its start line.
      env: { ...process.env, ...testServiceEnv('customers', db.url), OVERDUE_SWEEP_INTERVAL_MS: '0', SHUTDOWN_GRACE_MS: '10000', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    watched = watchProcess(child);
    await watched.waitForLine('"status":"SERVING"', 30_000);
    address = JSON.parse(await watched.waitForLine(/"grpc":"127\.0\.0\.1:\d+"/, 10_000)).grpc;
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  // Stopped as a user stops it: SIGTERM reaches the service through tsx, whose SIGKILL would not
  // (the service would outlive it, holding the output pipes, and jest would not end). SIGKILL
  // only if it has not exited within the deadline.
  afterAll(async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await watched.exited(15_000).catch(() => child.kill('SIGKILL'));
  });

  it('lists its services through reflection', async () => {
    const result = await bufListServices(address);
    expect(result.stderr).toBe('');
    expect(result.services).toEqual([
      'escalation.customers.v1.CustomerService',
      'escalation.customers.v1.InvoiceService',
      'grpc.health.v1.Health',
    ]);
  });

  it('describes a message with a Timestamp, imports included (what grpcurl describe asks)', async () => {
    const result = await bufCurl<{ fileDescriptorResponse: { fileDescriptorProto: string[] } }>(
      address,
      'grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
      { file_containing_symbol: 'escalation.customers.v1.Customer' },
      { schema: REFLECTION_PROTO },
    );
    expect(result.stderr).toBe('');
    const files = (result.json?.fileDescriptorResponse.fileDescriptorProto ?? []).map((b64) =>
      fromBinary(FileDescriptorProtoSchema, Buffer.from(b64, 'base64')),
    );
    const customerFile = files.find((f) => f.name === 'escalation/customers/v1/customer.proto');
    expect(customerFile?.dependency).toContain('google/protobuf/timestamp.proto');
    expect(files.map((f) => f.name)).toContain('google/protobuf/timestamp.proto');
    const createTime = customerFile?.messageType.find((m) => m.name === 'Customer')?.field.find((f) => f.name === 'create_time');
    expect(createTime?.typeName).toBe('.google.protobuf.Timestamp');
  });

  it('answers grpc.health.v1.Health/Check', async () => {
    const result = await bufCurl(address, 'grpc.health.v1.Health/Check', {});
    expect(result.stderr).toBe('');
    expect(result.json).toEqual({ status: 'SERVING' });
  });

  it('creates and reads a customer with JSON, as a grpcurl user would', async () => {
    const created = await bufCurl<{ customer: { id: string } }>(address, 'escalation.customers.v1.CustomerService/CreateCustomer', {
      customer: { company_name: 'Smoke Test GmbH', email: 'ap@smoke.example' },
      profile: { time_zone: 'Europe/Berlin', country_code: 'DE' },
    });
    expect(created.stderr).toBe('');
    const id = created.json?.customer.id;
    const got = await bufCurl<{ customer: Record<string, unknown> }>(address, 'escalation.customers.v1.CustomerService/GetCustomer', { customer_id: id });
    const customer = got.json?.customer;
    expect(customer).toMatchObject({ id, companyName: 'Smoke Test GmbH', riskLevel: 'RISK_LEVEL_LOW' });
    expect(customer?.createTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    const bad = await bufCurl(address, 'escalation.customers.v1.CustomerService/GetCustomer', '{"customer_id":"nope"}');
    expect(bad.code).not.toBe(0);
    expect(bad.stdout + bad.stderr).toContain('customer_id: must be a UUID');
  });

  it('finishes a call in flight when it gets SIGTERM, then exits 0', async () => {
    const client = new customersV1.InvoiceServiceClient(address, credentials.createInsecure());
    const customers = new customersV1.CustomerServiceClient(address, credentials.createInsecure());
    const created = await call(
      customers,
      'createCustomer',
      customersV1.CreateCustomerRequest.fromPartial({ customer: { companyName: 'Shutdown Co', email: 'ap@shutdown.example' } }),
    );
    const customerId = created.customer?.id ?? '';
    const invoiceId =
      (
        await call(
          client,
          'createInvoice',
          customersV1.CreateInvoiceRequest.fromPartial({
            invoice: { customerId, invoiceNumber: 'INV-SIGTERM-1', amount: { currencyCode: 'USD', amount: '100.00' }, dueDate: '2099-01-01' },
          }),
        )
      ).invoice?.id ?? '';

    // Hold the invoice's row lock so the payment below is still running when SIGTERM arrives.
    const lock = await db.pool.connect();
    await lock.query('BEGIN');
    await lock.query('SELECT 1 FROM payment_records WHERE id = $1 FOR UPDATE', [invoiceId]);
    const inFlight = call(client, 'recordPayment', customersV1.RecordPaymentRequest.fromPartial({
      invoiceId, amount: { currencyCode: 'USD', amount: '40.00' },
    }), { deadlineMs: 20_000 });
    // In flight: the service's statement waits for the lock this test holds.
    await eventually(
      async () =>
        (await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE NOT l.granted AND a.datname = current_database() AND a.pid <> pg_backend_pid()`,
        ))[0].n > 0,
      { what: 'the payment to wait for the row lock', timeoutMs: 10_000 },
    );
    child.kill('SIGTERM');
    await watched.waitForLine('"msg":"shutting down"', 10_000);
    expect(child.exitCode).toBeNull(); // still finishing the payment

    const late = await call(customers, 'getCustomer', { customerId }, { deadlineMs: 2_000 }).catch((e) => e);
    expect([status.UNAVAILABLE, status.DEADLINE_EXCEEDED]).toContain(late.code);

    await lock.query('COMMIT');
    lock.release();
    const paid = await inFlight;
    expect(paid.invoice?.amountPaid).toEqual({ currencyCode: 'USD', amount: '40.00' });
    expect(await watched.exited(15_000)).toBe(0);
    expect(watched.output()).toContain('"msg":"shutting down"');
    expect(watched.output()).toContain('"msg":"stopped"');
    client.close();
    customers.close();
  });
});
