/**
 * A payment is recorded once, whatever happens to the service's database connection around
 * COMMIT. The service reaches PostgreSQL through a TCP proxy that cuts one connection at a
 * chosen statement; the caller is a client from the platform's client factory, as the
 * escalation engine will be.
 */
import { randomUUID } from 'node:crypto';
import { status, type ServiceError } from '@grpc/grpc-js';
import { createClient } from '@cec/grpc';
import { customersV1 } from '@cec/proto';
import { startService, type RunningService } from '@cec/service-runtime';
import { call, startTcpProxy, startTestService, type TcpProxy, type TestDatabase, type TestService } from '@cec/testing';
import { customersServiceSpec } from '../customers-service';

describe('RecordPayment when the database connection breaks', () => {
  let proxy: TcpProxy;
  let kit: TestService<RunningService>;
  let db: TestDatabase;
  let invoices: customersV1.InvoiceServiceClient;
  let serial = 0;

  beforeAll(async () => {
    kit = await startTestService(customersServiceSpec, {
      start: startService,
      // The service reaches its database through the proxy.
      env: async (database) => {
        const direct = new URL(database.url);
        proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port) });
        const proxied = new URL(database.url);
        proxied.hostname = '127.0.0.1';
        proxied.port = String(proxy.port);
        return { DATABASE_URL: proxied.toString(), OVERDUE_SWEEP_INTERVAL_MS: '0' };
      },
    });
    db = kit.db;
    // The escalation engine's kind of client: the platform's client factory.
    invoices = createClient(customersV1.InvoiceServiceClient, kit.address, { caller: 'tests', defaultTimeoutMs: 10_000 });
  });

  afterAll(async () => {
    invoices?.close();
    await kit?.stop();
    await proxy?.close();
  });

  async function newInvoice(): Promise<string> {
    serial += 1;
    const [row] = await db.query<{ id: string }>(
      `WITH c AS (INSERT INTO customers (company_name, email) VALUES ($1, $2) RETURNING id),
            p AS (INSERT INTO customer_profiles (customer_id) SELECT id FROM c)
       INSERT INTO payment_records (customer_id, invoice_number, amount, currency, issued_date, due_date, status)
       SELECT id, $3, 100, 'USD', current_date - 40, current_date - 10, 'overdue' FROM c RETURNING id`,
      [`Connection Loss ${serial}`, `ap-loss-${serial}@example.com`, `INV-LOSS-${serial}`],
    );
    return row.id;
  }

  const payments = (invoiceId: string) =>
    db.query<{ amount: string; request_id: string | null }>('SELECT amount::text, request_id FROM payments WHERE payment_record_id = $1', [invoiceId]);
  const invoice = async (invoiceId: string) =>
    (await db.query<{ status: string; amount_paid: string }>('SELECT status, amount_paid::text FROM payment_records WHERE id = $1', [invoiceId]))[0];

  const pay = (invoiceId: string, requestId = '') =>
    call(invoices, 'recordPayment', customersV1.RecordPaymentRequest.fromPartial({
      invoiceId,
      amount: { currencyCode: 'USD', amount: '40.00' },
      requestId,
    }));

  it('lost before COMMIT reached the server: UNKNOWN, nothing saved, and a retry with the same request id pays once', async () => {
    const invoiceId = await newInvoice();
    const requestId = randomUUID();
    const cut = proxy.cutAt('COMMIT', 'before');
    const error = (await pay(invoiceId, requestId).catch((e: ServiceError) => e)) as ServiceError;
    await cut;
    expect(error.code).toBe(status.UNKNOWN);
    expect(error.details).toMatch(/may or may not have been saved/);
    expect(await payments(invoiceId)).toEqual([]);

    const retried = await pay(invoiceId, requestId);
    expect(retried.invoice?.amountPaid?.amount).toBe('40.00');
    expect(await payments(invoiceId)).toEqual([{ amount: '40.0000', request_id: requestId }]);
  });

  it('lost after the server committed: UNKNOWN, and a retry with the same request id returns the first payment', async () => {
    const invoiceId = await newInvoice();
    const requestId = randomUUID();
    const cut = proxy.cutAt('COMMIT', 'after');
    const error = (await pay(invoiceId, requestId).catch((e: ServiceError) => e)) as ServiceError;
    await cut;
    expect(error.code).toBe(status.UNKNOWN);
    expect(await payments(invoiceId)).toEqual([{ amount: '40.0000', request_id: requestId }]);

    const [first] = await db.query<{ id: string }>('SELECT id FROM payments WHERE request_id = $1', [requestId]);
    const retried = await pay(invoiceId, requestId);
    expect(retried.payment?.id).toBe(first.id);
    expect(await payments(invoiceId)).toHaveLength(1);
    expect(await invoice(invoiceId)).toEqual({ status: 'partial', amount_paid: '40.0000' });
  });

  it('lost in the middle of the transaction: UNAVAILABLE, which the client factory retries with the request id it filled in — one payment', async () => {
    const invoiceId = await newInvoice();
    // The row lock of the payment: the transaction had begun and is rolled back by the cut.
    const cut = proxy.cutAt('for update', 'before');
    const response = await pay(invoiceId);
    await cut;
    expect(response.invoice?.amountPaid?.amount).toBe('40.00');
    const rows = await payments(invoiceId);
    expect(rows).toHaveLength(1);
    // The caller gave no request id; the client factory made one, and the retry carried it.
    expect(rows[0].request_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('is still served afterwards: the pool replaced the broken connections', async () => {
    const invoiceId = await newInvoice();
    const response = await pay(invoiceId);
    expect(response.invoice?.status).toBe(customersV1.InvoiceStatus.INVOICE_STATUS_PARTIAL);
  });
});
