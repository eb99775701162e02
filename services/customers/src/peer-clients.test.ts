/**
 * A service that calls the customers service, as campaigns will: it declares the peer in its
 * spec, the runtime gives it a client at CUSTOMERS_ADDRESS, and the call carries the incoming
 * call's actor, request id and deadline all the way to the audit trail.
 */
import { status } from '@grpc/grpc-js';
import { register, type AsyncService } from '@cec/grpc';
import { customersV1 } from '@cec/proto';
import { defineService, startService, type RunningService } from '@cec/service-runtime';
import { call, capturingLogger, eventually, startTestService, type TestService } from '@cec/testing';
import { ENTITIES } from './entities';
import { useCustomersService } from './testing/customers-harness';

type InvoiceHandlers = AsyncService<customersV1.InvoiceServiceServer>;

/** A caller named campaigns whose InvoiceService forwards CancelInvoice to the customers service. */
const callerSpec = defineService({
  name: 'campaigns',
  entities: ENTITIES,
  clients: { invoices: { peer: 'customers', client: customersV1.InvoiceServiceClient } },
  services: ({ clients }) => {
    const unused = async (): Promise<never> => {
      throw new Error('not used here');
    };
    const handlers: InvoiceHandlers = {
      ...(Object.fromEntries(Object.keys(customersV1.InvoiceServiceService).map((name) => [name, unused])) as unknown as InvoiceHandlers),
      cancelInvoice: (request) =>
        new Promise((resolve, reject) => clients.invoices.cancelInvoice(request, (error, response) => (error ? reject(error) : resolve(response)))),
    };
    return [register(customersV1.InvoiceServiceService, handlers)];
  },
});

describe('a service calling its peer through the runtime', () => {
  const customers = useCustomersService();
  const log = capturingLogger();
  let caller: TestService<RunningService, { invoices: typeof customersV1.InvoiceServiceClient }>;

  beforeAll(async () => {
    caller = await startTestService(callerSpec, {
      start: startService,
      clients: { invoices: customersV1.InvoiceServiceClient },
      env: { CUSTOMERS_ADDRESS: customers.address },
      logger: log.logger,
    });
  });

  afterAll(async () => {
    await caller?.stop();
  });

  async function newInvoice(): Promise<string> {
    const [row] = await customers.db.query<{ id: string }>(
      `WITH c AS (INSERT INTO customers (company_name, email) VALUES ('Peer Test Ltd', 'ap@peer.example') RETURNING id),
            p AS (INSERT INTO customer_profiles (customer_id) SELECT id FROM c)
       INSERT INTO payment_records (customer_id, invoice_number, amount, currency, issued_date, due_date, status)
       SELECT id, 'INV-PEER-' || gen_random_uuid(), 100, 'USD', current_date, current_date + 30, 'pending' FROM c RETURNING id`,
    );
    return row.id;
  }

  it('reaches the peer at <PEER>_ADDRESS, passing on actor and request id', async () => {
    const invoiceId = await newInvoice();
    const response = await call(caller.clients.invoices, 'cancelInvoice', { invoiceId, reason: 'duplicate' }, {
      metadata: { 'x-actor': 'user:ops@example.com', 'x-request-id': 'peer-chain-1' },
    });
    expect(response.invoice?.status).toBe(customersV1.InvoiceStatus.INVOICE_STATUS_CANCELLED);
    const [audit] = await customers.db.query<{ actor_type: string; actor_id: string; request_id: string }>(
      "SELECT actor_type, actor_id, details->>'request_id' AS request_id FROM audit_logs WHERE entity_id = $1 AND action = 'cancelled'",
      [invoiceId],
    );
    expect(audit).toEqual({ actor_type: 'user', actor_id: 'ops@example.com', request_id: 'peer-chain-1' });
  });

  it("passes the caller's deadline on: the peer gives up when the first caller would", async () => {
    const invoiceId = await newInvoice();
    // Hold the invoice's row lock so the peer's CancelInvoice waits; the first caller's 1.5 s deadline ends it.
    const holder = await customers.db.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM payment_records WHERE id = $1 FOR UPDATE', [invoiceId]);
      const error = await call(caller.clients.invoices, 'cancelInvoice', { invoiceId, reason: 'late' }, { deadlineMs: 1_500 }).catch((e: { code: number }) => e);
      expect((error as { code: number }).code).toBe(status.DEADLINE_EXCEEDED);
      // The peer's statement is cancelled with the deadline while the lock is still held: soon
      // nothing of it is left waiting (without the deadline passed on it would wait as long as
      // the lock is held). In this file's database: on a shared server other files' services
      // are called 'customers' too.
      await eventually(
        async () =>
          (
            await customers.db.query<{ waiting: string }>(
              "SELECT count(*) AS waiting FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'customers' AND wait_event_type = 'Lock'",
            )
          )[0].waiting === '0',
        { what: "the peer's statement cancelled while the lock is held", timeoutMs: 5_000 },
      );
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
  });

  it('says at start where it found the peer (the health answer arrives on its own: the start does not wait for it)', async () => {
    const line = await eventually(() => log.lines().find((l) => l.peer === 'customers'), { what: 'the peer health line', timeoutMs: 5_000 });
    expect(line).toMatchObject({ peer_address: customers.address, status: 'SERVING', msg: `customers at ${customers.address}` });
  });
});
