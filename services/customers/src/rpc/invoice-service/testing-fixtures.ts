/*
 * What the InvoiceService tests (one file per method, each with its own service and database)
 * share. Every test makes its own customers, so tests only share the global views (overdue
 * list, sweep), which the tests of those RPCs account for.
 */
import { status, type ServiceError } from '@grpc/grpc-js';
import { customersV1 } from '@cec/proto';
import { call, expectInvalid as expectInvalidArgument, rejectionOf, snapshot, type DatabaseSnapshot } from '@cec/testing';
import { todayUtc } from '@cec/validation';
import type { CustomersHarness } from '../../testing/customers-harness';

export const { InvoiceStatus, RiskLevel } = customersV1;
export type Invoice = customersV1.Invoice;

export const ACTOR = { 'x-actor': 'user:ops@example.com' };
export const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
export const TODAY = todayUtc();
export const OPEN = ['pending', 'overdue', 'partial'];

/** TODAY plus `offset` days, "YYYY-MM-DD" (UTC). */
export const day = (offset: number): string => new Date(Date.parse(`${TODAY}T00:00:00Z`) + offset * 86_400_000).toISOString().slice(0, 10);
export const usd = (amount: string) => ({ currencyCode: 'USD', amount });

let serial = 0;
export const nextNumber = (prefix = 'INV'): string => `${prefix}-${process.pid}-${++serial}`;

export interface Row {
  status?: string;
  amount?: string;
  amountPaid?: string;
  currency?: string;
  dueDate: string;
  invoiceNumber?: string;
}

/** Every page of a list, following next_page_token. */
export async function allPages<T>(fetch: (pageToken: string) => Promise<{ items: T[]; nextPageToken: string }>): Promise<T[][]> {
  const pages: T[][] = [];
  let token = '';
  do {
    const page = await fetch(token);
    pages.push(page.items);
    token = page.nextPageToken;
  } while (token && pages.length < 100);
  return pages;
}

/** A real page token with its position replaced by `key` (as a forger would). */
export function tamperedToken(token: string, key: unknown[]): string {
  const body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { k: unknown[] };
  return Buffer.from(JSON.stringify({ ...body, k: key })).toString('base64url');
}

export function invalidFields(error: ServiceError): string[] {
  return String(error.metadata?.get('x-invalid-fields')[0] ?? '')
    .split(',')
    .filter(Boolean);
}

export const ids = (invoices: { id: string }[]): string[] => invoices.map((i) => i.id);
export const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Everything an InvoiceService call could change. */
const TABLES = ['payment_records', 'payments', 'customer_profiles', 'audit_logs'];

/** The helpers, bound to a file's service: `const f = invoiceFixtures(useCustomersService())`. */
export function invoiceFixtures(h: CustomersHarness) {
  /** A customer with its profile, inserted directly (the customers RPCs are tested elsewhere). */
  async function newCustomer(companyName = `Customer ${serial + 1}`): Promise<string> {
    const [row] = await h.db.query<{ id: string }>(
      `WITH c AS (INSERT INTO customers (company_name, email) VALUES ($1, $2) RETURNING id)
       INSERT INTO customer_profiles (customer_id) SELECT id FROM c RETURNING customer_id AS id`,
      [companyName, `ap-${++serial}@example.com`],
    );
    return row.id;
  }

  async function createInvoice(
    customerId: string,
    overrides: Partial<Invoice> = {},
    options: { requestId?: string; metadata?: Record<string, string> } = {},
  ): Promise<Invoice> {
    const response = await call(
      h.invoices,
      'createInvoice',
      customersV1.CreateInvoiceRequest.fromPartial({
        invoice: { customerId, invoiceNumber: nextNumber(), amount: usd('100.00'), dueDate: day(30), ...overrides },
        requestId: options.requestId ?? '',
      }),
      { metadata: options.metadata ?? ACTOR },
    );
    return response.invoice as Invoice;
  }

  /** An overdue invoice made through the API (issued 60 days ago, due `daysAgo` days ago). */
  const createOverdue = (customerId: string, daysAgo: number, overrides: Partial<Invoice> = {}): Promise<Invoice> =>
    createInvoice(customerId, { issuedDate: day(-60), dueDate: day(-daysAgo), ...overrides });

  /** An invoice inserted directly, in any state the schema allows (e.g. pending although past due). */
  async function insertInvoice(customerId: string, row: Row): Promise<string> {
    const state = row.status ?? 'pending';
    const [inserted] = await h.db.query<{ id: string }>(
      `INSERT INTO payment_records (customer_id, invoice_number, amount, amount_paid, currency, issued_date, due_date,
                                    status, paid_date, cancelled_at, cancellation_reason)
       VALUES ($1, $2, $3, $4, $5, $6::date - 60, $6::date, $7,
               CASE WHEN $7 = 'paid' THEN $6::date END,
               CASE WHEN $7 = 'cancelled' THEN now() END,
               CASE WHEN $7 = 'cancelled' THEN 'test' END)
       RETURNING id`,
      [
        customerId,
        row.invoiceNumber ?? nextNumber('SQL'),
        row.amount ?? '100',
        row.amountPaid ?? (state === 'paid' ? (row.amount ?? '100') : '0'),
        row.currency ?? 'USD',
        row.dueDate,
        state,
      ],
    );
    return inserted.id;
  }

  function pay(
    invoiceId: string,
    amount: string | { currencyCode: string; amount: string },
    extra: { paidDate?: string; reference?: string; requestId?: string } = {},
  ): Promise<customersV1.RecordPaymentResponse> {
    return call(
      h.invoices,
      'recordPayment',
      customersV1.RecordPaymentRequest.fromPartial({ invoiceId, amount: typeof amount === 'string' ? usd(amount) : amount, ...extra }),
      { metadata: ACTOR },
    );
  }

  async function cancel(invoiceId: string, reason = 'issued in error'): Promise<Invoice> {
    return (await call(h.invoices, 'cancelInvoice', customersV1.CancelInvoiceRequest.fromPartial({ invoiceId, reason }), { metadata: ACTOR }))
      .invoice as Invoice;
  }

  async function getInvoice(invoiceId: string): Promise<Invoice> {
    return (await call(h.invoices, 'getInvoice', { invoiceId })).invoice as Invoice;
  }

  async function listInvoices(request: Partial<customersV1.ListInvoicesRequest>): Promise<customersV1.ListInvoicesResponse> {
    return call(h.invoices, 'listInvoices', customersV1.ListInvoicesRequest.fromPartial(request));
  }

  async function listOverdue(request: Partial<customersV1.ListOverdueInvoicesRequest>): Promise<customersV1.ListOverdueInvoicesResponse> {
    return call(h.invoices, 'listOverdueInvoices', customersV1.ListOverdueInvoicesRequest.fromPartial(request));
  }

  async function balances(customerIds: string[]): Promise<customersV1.CustomerBalance[]> {
    return (await call(h.invoices, 'batchGetCustomerBalances', customersV1.BatchGetCustomerBalancesRequest.fromPartial({ customerIds }))).balances;
  }

  async function sweep(metadata: Record<string, string> = { 'x-actor': 'system:scheduler' }): Promise<number> {
    return (await call(h.invoices, 'sweepOverdueInvoices', {}, { metadata, deadlineMs: 30_000 })).markedOverdueCount;
  }

  /** Everything a call could change: invoices, payments, profiles and audit events, row by row. */
  const databaseState = (): Promise<DatabaseSnapshot> => snapshot(h.db, TABLES);

  /** Runs a call that must fail with `code`, and checks it changed nothing. */
  async function expectFailure(work: () => Promise<unknown>, code: status, details?: string | RegExp): Promise<ServiceError> {
    const before = await databaseState();
    const error = await rejectionOf(work());
    expect({ code: status[error.code], details: error.details }).toEqual({
      code: status[code],
      details: details === undefined ? expect.any(String) : typeof details === 'string' ? details : expect.stringMatching(details),
    });
    expect(await databaseState()).toEqual(before);
    return error;
  }

  /**
   * Runs a call that must fail with INVALID_ARGUMENT naming exactly `field` (x-invalid-fields;
   * in the message and the BadRequest details), changing nothing.
   */
  async function expectInvalid(work: () => Promise<unknown>, field: string): Promise<ServiceError> {
    const before = await databaseState();
    const error = await expectInvalidArgument(work(), [field]);
    expect(invalidFields(error)).toEqual([field]);
    expect(error.details).toContain(`${field}: `);
    expect(await databaseState()).toEqual(before);
    return error;
  }

  async function auditEvents(entityId: string, action?: string): Promise<{ action: string; actor_type: string; actor_id: string; details: Record<string, unknown> }[]> {
    return h.db.query(
      `SELECT action, actor_type, actor_id, details FROM audit_logs
        WHERE entity_type = 'invoice' AND entity_id = $1 AND ($2::text IS NULL OR action = $2) ORDER BY append_id`,
      [entityId, action ?? null],
    );
  }

  async function paymentRows(invoiceId: string): Promise<{ amount: string; currency: string; request_id: string | null }[]> {
    return h.db.query('SELECT amount::text, currency, request_id FROM payments WHERE payment_record_id = $1 ORDER BY recorded_at, id', [invoiceId]);
  }

  async function profile(customerId: string): Promise<{ risk_score: number; risk_level: string; calculated: boolean }> {
    const [row] = await h.db.query<{ risk_score: number; risk_level: string; calculated: boolean }>(
      'SELECT risk_score, risk_level, risk_calculated_at IS NOT NULL AS calculated FROM customer_profiles WHERE customer_id = $1',
      [customerId],
    );
    return row;
  }

  return {
    newCustomer,
    createInvoice,
    createOverdue,
    insertInvoice,
    pay,
    cancel,
    getInvoice,
    listInvoices,
    listOverdue,
    balances,
    sweep,
    databaseState,
    expectFailure,
    expectInvalid,
    auditEvents,
    paymentRows,
    profile,
  };
}
