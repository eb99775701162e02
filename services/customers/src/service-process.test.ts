/**
 * The customers service as an engineer meets it: `tsx src/main.ts` as its own process,
 * explored with `buf curl` through server reflection only (no .proto files), and stopped
 * with SIGTERM while a call is in flight.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { credentials, status } from '@grpc/grpc-js';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { customersV1 } from '@cec/proto';
import { freePort, workspaceRoot } from '@cec/db';
import { call, useTestDatabase } from '@cec/testing';

const ROOT = workspaceRoot();
const BUF = join(ROOT, 'node_modules/.bin/buf');
const REFLECTION_PROTO = join(ROOT, 'node_modules/@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto');

function bufCurl(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(BUF, ['curl', '--protocol', 'grpc', '--http2-prior-knowledge', ...args], (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

describe('the customers service process', () => {
  const db = useTestDatabase();
  let child: ChildProcess;
  let port: number;
  let output = '';
  let exited: Promise<number | null>;

  beforeAll(async () => {
    port = await freePort();
    child = spawn(join(ROOT, 'node_modules/.bin/tsx'), [join(__dirname, 'main.ts')], {
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        CUSTOMERS_GRPC_HOST: '127.0.0.1',
        CUSTOMERS_GRPC_PORT: String(port),
        CUSTOMERS_METRICS_HOST: '127.0.0.1',
        CUSTOMERS_METRICS_PORT: String(await freePort()),
        OVERDUE_SWEEP_INTERVAL_MS: '0',
        SHUTDOWN_GRACE_MS: '10000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk) => (output += String(chunk)));
    child.stderr?.on('data', (chunk) => (output += String(chunk)));
    exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    for (let i = 0; i < 100 && !output.includes('"status":"SERVING"'); i += 1) await new Promise((r) => setTimeout(r, 100));
    expect(output).toContain('"status":"SERVING"');
  });

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('lists its services through reflection', async () => {
    const result = await bufCurl(['--list-services', `http://127.0.0.1:${port}`]);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim().split('\n').sort()).toEqual([
      'escalation.customers.v1.CustomerService',
      'escalation.customers.v1.InvoiceService',
      'grpc.health.v1.Health',
    ]);
  });

  it('describes a message with a Timestamp, imports included (what grpcurl describe asks)', async () => {
    const result = await bufCurl(
      ['--schema', REFLECTION_PROTO, '-d', '@-', `http://127.0.0.1:${port}/grpc.reflection.v1.ServerReflection/ServerReflectionInfo`],
      JSON.stringify({ file_containing_symbol: 'escalation.customers.v1.Customer' }),
    );
    expect(result.stderr).toBe('');
    const files = (JSON.parse(result.stdout).fileDescriptorResponse.fileDescriptorProto as string[]).map((b64) =>
      fromBinary(FileDescriptorProtoSchema, Buffer.from(b64, 'base64')),
    );
    const customerFile = files.find((f) => f.name === 'escalation/customers/v1/customer.proto');
    expect(customerFile?.dependency).toContain('google/protobuf/timestamp.proto');
    expect(files.map((f) => f.name)).toContain('google/protobuf/timestamp.proto');
    const createTime = customerFile?.messageType.find((m) => m.name === 'Customer')?.field.find((f) => f.name === 'create_time');
    expect(createTime?.typeName).toBe('.google.protobuf.Timestamp');
  });

  it('answers grpc.health.v1.Health/Check', async () => {
    const result = await bufCurl(['-d', '{}', `http://127.0.0.1:${port}/grpc.health.v1.Health/Check`]);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ status: 'SERVING' });
  });

  it('creates and reads a customer with JSON, as a grpcurl user would', async () => {
    const created = await bufCurl([
      '-d',
      JSON.stringify({ customer: { company_name: 'Smoke Test GmbH', email: 'ap@smoke.example' }, profile: { time_zone: 'Europe/Berlin', country_code: 'DE' } }),
      `http://127.0.0.1:${port}/escalation.customers.v1.CustomerService/CreateCustomer`,
    ]);
    expect(created.stderr).toBe('');
    const id = JSON.parse(created.stdout).customer.id;
    const got = await bufCurl(['-d', JSON.stringify({ customer_id: id }), `http://127.0.0.1:${port}/escalation.customers.v1.CustomerService/GetCustomer`]);
    const customer = JSON.parse(got.stdout).customer;
    expect(customer).toMatchObject({ id, companyName: 'Smoke Test GmbH', riskLevel: 'RISK_LEVEL_LOW' });
    expect(customer.createTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    const bad = await bufCurl(['-d', '{"customer_id":"nope"}', `http://127.0.0.1:${port}/escalation.customers.v1.CustomerService/GetCustomer`]);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout + bad.stderr).toContain('customer_id: must be a UUID');
  });

  it('finishes a call in flight when it gets SIGTERM, then exits 0', async () => {
    const client = new customersV1.InvoiceServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
    const customers = new customersV1.CustomerServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
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
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    expect(child.exitCode).toBeNull(); // still finishing the payment

    const late = await call(customers, 'getCustomer', { customerId }, { deadlineMs: 2_000 }).catch((e) => e);
    expect([status.UNAVAILABLE, status.DEADLINE_EXCEEDED]).toContain(late.code);

    await lock.query('COMMIT');
    lock.release();
    const paid = await inFlight;
    expect(paid.invoice?.amountPaid).toEqual({ currencyCode: 'USD', amount: '40.00' });
    expect(await exited).toBe(0);
    expect(output).toContain('"msg":"shutting down"');
    expect(output).toContain('"msg":"stopped"');
    client.close();
    customers.close();
  });
});
