import { randomUUID } from 'node:crypto';
import { status, type ServiceError } from '@grpc/grpc-js';
import { customersV1 } from '@cec/proto';
import { call } from '@cec/testing';
import { todayUtc } from '../domain/dates';
import { useCustomersService } from '../testing/customers-harness';

/*
 * escalation.customers.v1.InvoiceService against the real service over a fresh database.
 * Every test makes its own customers, so tests only share the global views (overdue list,
 * sweep), which the tests of those RPCs account for.
 */

const { InvoiceStatus, RiskLevel } = customersV1;
type Invoice = customersV1.Invoice;

const h = useCustomersService();

const ACTOR = { 'x-actor': 'user:ops@example.com' };
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const TODAY = todayUtc();
const OPEN = ['pending', 'overdue', 'partial'];

/** TODAY plus `offset` days, "YYYY-MM-DD" (UTC). */
const day = (offset: number): string => new Date(Date.parse(`${TODAY}T00:00:00Z`) + offset * 86_400_000).toISOString().slice(0, 10);
const usd = (amount: string) => ({ currencyCode: 'USD', amount });

let serial = 0;
const nextNumber = (prefix = 'INV'): string => `${prefix}-${process.pid}-${++serial}`;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

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

interface Row {
  status?: string;
  amount?: string;
  amountPaid?: string;
  currency?: string;
  dueDate: string;
  invoiceNumber?: string;
}

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

/** Every page of a list, following next_page_token. */
async function allPages<T>(fetch: (pageToken: string) => Promise<{ items: T[]; nextPageToken: string }>): Promise<T[][]> {
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
function tamperedToken(token: string, key: unknown[]): string {
  const body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { k: unknown[] };
  return Buffer.from(JSON.stringify({ ...body, k: key })).toString('base64url');
}

/** The error a call failed with (fails the test when it succeeded). */
function rejection(work: Promise<unknown>): Promise<ServiceError> {
  return work.then(
    (response) => {
      throw new Error(`expected the call to fail, it answered ${JSON.stringify(response)}`);
    },
    (error: ServiceError) => error,
  );
}

function invalidFields(error: ServiceError): string[] {
  return String(error.metadata?.get('x-invalid-fields')[0] ?? '')
    .split(',')
    .filter(Boolean);
}

/** Everything a call could change: invoices and profiles row by row, payments and audit events by count. */
async function snapshot(): Promise<Record<string, string>> {
  const [row] = await h.db.query<Record<string, string>>(
    `SELECT (SELECT md5(COALESCE(string_agg(p::text, '|' ORDER BY p.id), '')) FROM payment_records p)   AS invoices,
            (SELECT md5(COALESCE(string_agg(c::text, '|' ORDER BY c.id), '')) FROM customer_profiles c) AS profiles,
            (SELECT count(*) FROM payment_records)::text AS invoice_count,
            (SELECT count(*) FROM payments)::text        AS payment_count,
            (SELECT count(*) FROM audit_logs)::text      AS audit_count`,
  );
  return row;
}

/** Runs a call that must fail with `code`, and checks it changed nothing. */
async function expectFailure(work: () => Promise<unknown>, code: status, details?: string | RegExp): Promise<ServiceError> {
  const before = await snapshot();
  const error = await rejection(work());
  expect({ code: status[error.code], details: error.details }).toEqual({
    code: status[code],
    details: details === undefined ? expect.any(String) : typeof details === 'string' ? details : expect.stringMatching(details),
  });
  expect(await snapshot()).toEqual(before);
  return error;
}

/** Runs a call that must fail with INVALID_ARGUMENT naming exactly `field`, changing nothing. */
async function expectInvalid(work: () => Promise<unknown>, field: string): Promise<ServiceError> {
  const error = await expectFailure(work, status.INVALID_ARGUMENT);
  expect(invalidFields(error)).toEqual([field]);
  expect(error.details).toContain(`${field}: `);
  return error;
}

async function auditEvents(entityId: string, action?: string): Promise<{ action: string; actor_type: string; actor_id: string; details: Record<string, unknown> }[]> {
  return h.db.query(
    `SELECT action, actor_type, actor_id, details FROM audit_logs
      WHERE entity_type = 'invoice' AND entity_id = $1 AND ($2::text IS NULL OR action = $2) ORDER BY seq`,
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

const ids = (invoices: { id: string }[]): string[] => invoices.map((i) => i.id);
const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

// ---------------------------------------------------------------------------------------------
// CreateInvoice
// ---------------------------------------------------------------------------------------------

describe('CreateInvoice', () => {
  let customer: string;
  beforeAll(async () => {
    customer = await newCustomer('Create Co');
  });

  it('creates a pending invoice due in the future, with amounts in the currency minor units', async () => {
    const number = nextNumber();
    const invoice = await createInvoice(customer, {
      invoiceNumber: number,
      amount: usd('1200.5'),
      dueDate: day(30),
      description: '  March services  ',
    });
    expect(invoice).toMatchObject({
      customerId: customer,
      invoiceNumber: number,
      amount: { currencyCode: 'USD', amount: '1200.50' },
      amountPaid: { currencyCode: 'USD', amount: '0.00' },
      balance: { currencyCode: 'USD', amount: '1200.50' },
      issuedDate: TODAY,
      dueDate: day(30),
      paidDate: '',
      status: InvoiceStatus.INVOICE_STATUS_PENDING,
      description: 'March services',
      cancellationReason: '',
    });
    expect(invoice.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(invoice.createTime).toBeInstanceOf(Date);
    expect(invoice.lastPaymentTime).toBeUndefined();
    expect(invoice.cancelTime).toBeUndefined();
    const [row] = await h.db.query('SELECT amount::text, amount_paid::text, currency, status, issued_date::text FROM payment_records WHERE id = $1', [invoice.id]);
    expect(row).toEqual({ amount: '1200.5000', amount_paid: '0.0000', currency: 'USD', status: 'pending', issued_date: TODAY });
  });

  it('gets back exactly what it created', async () => {
    const invoice = await createInvoice(customer, { amount: usd('42.10') });
    expect(await getInvoice(invoice.id)).toEqual(invoice);
  });

  it('is pending when due today', async () => {
    expect((await createInvoice(customer, { dueDate: TODAY })).status).toBe(InvoiceStatus.INVOICE_STATUS_PENDING);
  });

  it('is overdue when already past due', async () => {
    const invoice = await createInvoice(customer, { issuedDate: day(-10), dueDate: day(-1) });
    expect(invoice).toMatchObject({ status: InvoiceStatus.INVOICE_STATUS_OVERDUE, issuedDate: day(-10), dueDate: day(-1) });
  });

  it.each([
    ['JPY', '1500', '1500', '0'],
    ['JPY', '1500.00', '1500', '0'],
    ['BHD', '12.125', '12.125', '0.000'],
    ['BHD', '7.5', '7.500', '0.000'],
    ['EUR', '99.9', '99.90', '0.00'],
    ['USD', '1200.500', '1200.50', '0.00'],
  ])('writes %s %s as %s', async (currencyCode, amount, normalised, zero) => {
    const invoice = await createInvoice(customer, { amount: { currencyCode, amount } });
    expect([invoice.amount, invoice.amountPaid, invoice.balance]).toEqual([
      { currencyCode, amount: normalised },
      { currencyCode, amount: zero },
      { currencyCode, amount: normalised },
    ]);
  });

  it('refreshes the customer risk: a future invoice scores only the unknown responsiveness', async () => {
    const fresh = await newCustomer();
    expect(await profile(fresh)).toEqual({ risk_score: 0, risk_level: 'low', calculated: false });
    await createInvoice(fresh, { amount: usd('1000') });
    expect(await profile(fresh)).toEqual({ risk_score: 5, risk_level: 'low', calculated: true });
  });

  it('refreshes the customer risk: an invoice 30 days overdue makes it medium (45)', async () => {
    const fresh = await newCustomer();
    await createOverdue(fresh, 30, { amount: usd('1000') });
    // delay 35*30/90 = 11.67, exposure 25, age 15*30/120 = 3.75, responsiveness 5 -> 45.42
    expect(await profile(fresh)).toEqual({ risk_score: 45, risk_level: 'medium', calculated: true });
  });

  it("records one 'created' audit event by the x-actor of the call", async () => {
    const invoice = await createInvoice(customer, { amount: usd('10') });
    const events = await auditEvents(invoice.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'created',
      actor_type: 'user',
      actor_id: 'ops@example.com',
      details: { after: { invoice_number: invoice.invoiceNumber, amount: '10.00', currency: 'USD', due_date: day(30), status: 'pending' } },
    });
  });

  it('audits a call without x-actor as the calling service', async () => {
    const invoice = await createInvoice(customer, {}, { metadata: {} });
    expect((await auditEvents(invoice.id)).map((e) => [e.action, e.actor_type, e.actor_id])).toEqual([['created', 'service', 'unknown']]);
  });

  it('refuses a malformed x-actor and changes nothing', async () => {
    await expectInvalid(() => createInvoice(customer, {}, { metadata: { 'x-actor': 'nobody' } }), 'metadata x-actor');
  });

  describe('refuses bad input naming the field, changing nothing', () => {
    type Build = (customerId: string) => customersV1.CreateInvoiceRequest;
    const withInvoice =
      (overrides: Partial<Invoice>, requestId = ''): Build =>
      (customerId) =>
        customersV1.CreateInvoiceRequest.fromPartial({
          invoice: { customerId, invoiceNumber: nextNumber(), amount: usd('100.00'), dueDate: day(30), ...overrides },
          requestId,
        });
    const cases: [string, Build, string][] = [
      ['no invoice', () => customersV1.CreateInvoiceRequest.fromPartial({}), 'invoice'],
      ['a malformed customer_id', withInvoice({ customerId: 'customer-1' }), 'invoice.customer_id'],
      ['an almost-UUID customer_id', withInvoice({ customerId: '00000000-0000-4000-8000-00000000000g' }), 'invoice.customer_id'],
      ['no customer_id', withInvoice({ customerId: '' }), 'invoice.customer_id'],
      ['an empty invoice_number', withInvoice({ invoiceNumber: '' }), 'invoice.invoice_number'],
      ['an invoice_number of spaces', withInvoice({ invoiceNumber: '   ' }), 'invoice.invoice_number'],
      ['an invoice_number with a space', withInvoice({ invoiceNumber: 'INV 2026 001' }), 'invoice.invoice_number'],
      ['an invoice_number of 65 characters', withInvoice({ invoiceNumber: 'N'.repeat(65) }), 'invoice.invoice_number'],
      ['no amount', withInvoice({ amount: undefined }), 'invoice.amount'],
      ['a zero amount', withInvoice({ amount: usd('0.00') }), 'invoice.amount.amount'],
      ['a negative amount', withInvoice({ amount: usd('-5.00') }), 'invoice.amount.amount'],
      ['an exponent', withInvoice({ amount: usd('1e3') }), 'invoice.amount.amount'],
      ['an empty amount', withInvoice({ amount: usd('') }), 'invoice.amount.amount'],
      ['three decimals in USD', withInvoice({ amount: usd('10.005') }), 'invoice.amount.amount'],
      ['decimals in JPY', withInvoice({ amount: { currencyCode: 'JPY', amount: '1.5' } }), 'invoice.amount.amount'],
      ['four decimals in BHD', withInvoice({ amount: { currencyCode: 'BHD', amount: '1.0005' } }), 'invoice.amount.amount'],
      ['an unknown currency', withInvoice({ amount: { currencyCode: 'XYZ', amount: '10' } }), 'invoice.amount.currency_code'],
      ['a lower-case currency', withInvoice({ amount: { currencyCode: 'usd', amount: '10' } }), 'invoice.amount.currency_code'],
      ['no currency', withInvoice({ amount: { currencyCode: '', amount: '10' } }), 'invoice.amount.currency_code'],
      ['no due_date', withInvoice({ dueDate: '' }), 'invoice.due_date'],
      ['a due_date that does not exist', withInvoice({ dueDate: '2026-02-30' }), 'invoice.due_date'],
      ['a due_date in words', withInvoice({ dueDate: 'tomorrow' }), 'invoice.due_date'],
      ['an issued_date that does not exist', withInvoice({ issuedDate: '2026-13-01' }), 'invoice.issued_date'],
      ['a due_date before the issued_date', withInvoice({ issuedDate: day(-5), dueDate: day(-6) }), 'invoice.due_date'],
      ['a past due_date without an issued_date (issued today)', withInvoice({ dueDate: day(-1) }), 'invoice.due_date'],
      ['a description of 1001 characters', withInvoice({ description: 'x'.repeat(1001) }), 'invoice.description'],
      ['a request_id that is not a UUID', withInvoice({}, 'retry-1'), 'request_id'],
    ];
    it.each(cases)('%s', async (_label, build, field) => {
      await expectInvalid(() => call(h.invoices, 'createInvoice', build(customer), { metadata: ACTOR }), field);
    });

    it('names every bad field at once', async () => {
      const error = await expectFailure(
        () =>
          call(
            h.invoices,
            'createInvoice',
            customersV1.CreateInvoiceRequest.fromPartial({
              invoice: { customerId: 'x', invoiceNumber: '', amount: { currencyCode: 'usd', amount: '1e3' }, dueDate: 'soon' },
              requestId: 'r',
            }),
          ),
        status.INVALID_ARGUMENT,
      );
      expect(invalidFields(error).sort()).toEqual(
        ['invoice.amount.amount', 'invoice.amount.currency_code', 'invoice.customer_id', 'invoice.due_date', 'invoice.invoice_number', 'request_id'].sort(),
      );
    });
  });

  it('says NOT_FOUND for an unknown customer, naming it, and changes nothing', async () => {
    await expectFailure(() => createInvoice(UNKNOWN_ID), status.NOT_FOUND, `customer ${UNKNOWN_ID} not found`);
  });

  it('says ALREADY_EXISTS for a duplicate invoice_number and changes nothing', async () => {
    const number = nextNumber('DUP');
    await createInvoice(customer, { invoiceNumber: number });
    await expectFailure(() => createInvoice(customer, { invoiceNumber: number, amount: usd('5') }), status.ALREADY_EXISTS, `invoice number ${number} already exists`);
    await expectFailure(
      () => createInvoice(customer, { invoiceNumber: number }, { requestId: randomUUID() }),
      status.ALREADY_EXISTS,
      `invoice number ${number} already exists`,
    );
    expect(await h.db.query('SELECT count(*)::int AS n FROM payment_records WHERE invoice_number = $1', [number])).toEqual([{ n: 1 }]);
  });

  describe('with a request_id', () => {
    it('returns the first invoice to a retry, without a second row or audit event', async () => {
      const requestId = randomUUID();
      const number = nextNumber('IDEM');
      const first = await createInvoice(customer, { invoiceNumber: number }, { requestId });
      const before = await snapshot();
      const retry = await createInvoice(customer, { invoiceNumber: number }, { requestId });
      expect(retry).toEqual(first);
      expect(await snapshot()).toEqual(before);
      expect(await h.db.query('SELECT count(*)::int AS n FROM payment_records WHERE request_id = $1', [requestId])).toEqual([{ n: 1 }]);
      expect(await auditEvents(first.id, 'created')).toHaveLength(1);
    });

    it('accepts the request_id in upper case as the same key', async () => {
      const requestId = randomUUID();
      const number = nextNumber('IDEM');
      const first = await createInvoice(customer, { invoiceNumber: number }, { requestId });
      expect((await createInvoice(customer, { invoiceNumber: number }, { requestId: requestId.toUpperCase() })).id).toBe(first.id);
    });

    it('creates one invoice when the same create arrives several times at once', async () => {
      const requestId = randomUUID();
      const number = nextNumber('IDEM');
      const results = await Promise.all([1, 2, 3, 4].map(() => createInvoice(customer, { invoiceNumber: number }, { requestId })));
      expect(new Set(ids(results)).size).toBe(1);
      expect(await h.db.query('SELECT count(*)::int AS n FROM payment_records WHERE invoice_number = $1', [number])).toEqual([{ n: 1 }]);
      expect(await auditEvents(results[0].id, 'created')).toHaveLength(1);
    });

    it('refuses the same request_id for a different invoice and changes nothing', async () => {
      const requestId = randomUUID();
      const first = await createInvoice(customer, {}, { requestId });
      const error = await expectInvalid(() => createInvoice(customer, { invoiceNumber: nextNumber('OTHER') }, { requestId }), 'request_id');
      expect(error.details).toContain(first.id);
    });

    it('refuses the same request_id and number with another amount or customer, changing nothing', async () => {
      const requestId = randomUUID();
      const number = nextNumber('IDEM');
      const first = await createInvoice(customer, { invoiceNumber: number, amount: usd('100') }, { requestId });
      const error = await expectInvalid(() => createInvoice(customer, { invoiceNumber: number, amount: usd('120') }, { requestId }), 'request_id');
      expect(error.details).toBe(
        `request_id: was already used to create invoice ${first.id} (${number}, 100.00 USD); use a new request_id for a new invoice`,
      );
      await expectInvalid(() => createInvoice(customer, { invoiceNumber: number, amount: { currencyCode: 'EUR', amount: '100' } }, { requestId }), 'request_id');
      const other = await newCustomer();
      await expectInvalid(() => createInvoice(other, { invoiceNumber: number, amount: usd('100') }, { requestId }), 'request_id');
      // The same amount written differently is the same invoice.
      expect((await createInvoice(customer, { invoiceNumber: number, amount: usd('100.0') }, { requestId })).id).toBe(first.id);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// GetInvoice
// ---------------------------------------------------------------------------------------------

describe('GetInvoice', () => {
  it('refuses a malformed id', async () => {
    await expectInvalid(() => getInvoice('42'), 'invoice_id');
    await expectInvalid(() => getInvoice(''), 'invoice_id');
  });

  it('says NOT_FOUND for an unknown invoice', async () => {
    await expectFailure(() => getInvoice(UNKNOWN_ID), status.NOT_FOUND, `invoice ${UNKNOWN_ID} not found`);
  });

  it('finds an invoice by its id in upper case', async () => {
    const invoice = await createInvoice(await newCustomer());
    expect((await getInvoice(invoice.id.toUpperCase())).id).toBe(invoice.id);
  });
});

// ---------------------------------------------------------------------------------------------
// RecordPayment
// ---------------------------------------------------------------------------------------------

describe('RecordPayment', () => {
  let customer: string;
  beforeAll(async () => {
    customer = await newCustomer('Payer Co');
  });

  it('makes an invoice partial with part of the balance, and records the payment', async () => {
    const invoice = await createInvoice(customer, { amount: usd('100.00') });
    const { invoice: after, payment } = await pay(invoice.id, '40', { reference: '  BANK-REF-1 ' });
    expect(after).toMatchObject({
      id: invoice.id,
      status: InvoiceStatus.INVOICE_STATUS_PARTIAL,
      amount: usd('100.00'),
      amountPaid: usd('40.00'),
      balance: usd('60.00'),
      paidDate: '',
    });
    expect(after?.lastPaymentTime).toBeInstanceOf(Date);
    expect(payment).toMatchObject({ invoiceId: invoice.id, amount: usd('40.00'), paidDate: TODAY, reference: 'BANK-REF-1' });
    expect(payment?.recordTime).toBeInstanceOf(Date);
    expect(await paymentRows(invoice.id)).toEqual([{ amount: '40.0000', currency: 'USD', request_id: null }]);
  });

  it('makes it paid with the rest, on the date the rest was received', async () => {
    const invoice = await createInvoice(customer, { amount: usd('100.00') });
    await pay(invoice.id, '40');
    const { invoice: after, payment } = await pay(invoice.id, '60.00', { paidDate: day(-1) });
    expect(after).toMatchObject({ status: InvoiceStatus.INVOICE_STATUS_PAID, amountPaid: usd('100.00'), balance: usd('0.00'), paidDate: day(-1) });
    expect(payment?.paidDate).toBe(day(-1));
    expect(await getInvoice(invoice.id)).toEqual(after);
  });

  it('pays an overdue invoice in full at once', async () => {
    const invoice = await createOverdue(customer, 3, { amount: usd('250') });
    const { invoice: after } = await pay(invoice.id, '250.00');
    expect(after).toMatchObject({ status: InvoiceStatus.INVOICE_STATUS_PAID, amountPaid: usd('250.00'), balance: usd('0.00'), paidDate: TODAY });
  });

  it('adds decimals exactly: 33.33 + 33.33 + 33.34 pays 100.00', async () => {
    const invoice = await createInvoice(customer, { amount: usd('100.00') });
    const statuses: number[] = [];
    for (const amount of ['33.33', '33.33', '33.34']) statuses.push((await pay(invoice.id, amount)).invoice?.status as number);
    expect(statuses).toEqual([InvoiceStatus.INVOICE_STATUS_PARTIAL, InvoiceStatus.INVOICE_STATUS_PARTIAL, InvoiceStatus.INVOICE_STATUS_PAID]);
    expect((await getInvoice(invoice.id)).amountPaid).toEqual(usd('100.00'));
    const [row] = await h.db.query('SELECT amount_paid::text, (SELECT sum(amount)::text FROM payments WHERE payment_record_id = $1) AS ledger FROM payment_records WHERE id = $1', [invoice.id]);
    expect(row).toEqual({ amount_paid: '100.0000', ledger: '100.0000' });
  });

  it('adds decimals exactly in a three-decimal currency', async () => {
    const invoice = await createInvoice(customer, { amount: { currencyCode: 'BHD', amount: '1' } });
    for (const amount of ['0.333', '0.333']) await pay(invoice.id, { currencyCode: 'BHD', amount });
    const { invoice: after } = await pay(invoice.id, { currencyCode: 'BHD', amount: '0.334' });
    expect(after).toMatchObject({ status: InvoiceStatus.INVOICE_STATUS_PAID, amountPaid: { currencyCode: 'BHD', amount: '1.000' } });
  });

  it('refreshes the risk: paying a 30-days-overdue invoice brings it from medium to low', async () => {
    const fresh = await newCustomer();
    const invoice = await createOverdue(fresh, 30, { amount: usd('1000') });
    expect(await profile(fresh)).toMatchObject({ risk_score: 45, risk_level: 'medium' });
    await pay(invoice.id, '1000');
    // Paid 30 days late: delay 11.67, responsiveness 5 -> 16.67.
    expect(await profile(fresh)).toMatchObject({ risk_score: 17, risk_level: 'low' });
  });

  it("records one 'payment_recorded' audit event with before and after", async () => {
    const invoice = await createInvoice(customer, { amount: usd('100.00') });
    const { payment } = await pay(invoice.id, '40');
    const events = await auditEvents(invoice.id, 'payment_recorded');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actor_type: 'user',
      actor_id: 'ops@example.com',
      details: {
        payment_id: payment?.id,
        amount: '40.00',
        currency: 'USD',
        before: { status: 'pending', amount_paid: '0.0000' },
        after: { status: 'partial', amount_paid: '40.0000' },
      },
    });
  });

  it('refuses more than the balance, naming both amounts, and changes nothing', async () => {
    const invoice = await createInvoice(customer, { amount: usd('100.00') });
    await pay(invoice.id, '40');
    await expectFailure(
      () => pay(invoice.id, '60.01'),
      status.FAILED_PRECONDITION,
      `a payment of 60.01 USD exceeds the balance of 60.00 USD on invoice ${invoice.id}`,
    );
    expect((await getInvoice(invoice.id)).amountPaid).toEqual(usd('40.00'));
  });

  it('refuses a payment on a cancelled invoice', async () => {
    const invoice = await createInvoice(customer);
    await cancel(invoice.id);
    await expectFailure(() => pay(invoice.id, '10'), status.FAILED_PRECONDITION, `invoice ${invoice.id} is cancelled: payments cannot be recorded against it`);
  });

  it('refuses a payment on a paid invoice', async () => {
    const invoice = await createInvoice(customer, { amount: usd('10') });
    await pay(invoice.id, '10');
    await expectFailure(() => pay(invoice.id, '0.01'), status.FAILED_PRECONDITION, `invoice ${invoice.id} is already paid in full`);
  });

  it("refuses a payment in another currency as a bad amount.currency_code", async () => {
    const invoice = await createInvoice(customer);
    const error = await expectInvalid(() => pay(invoice.id, { currencyCode: 'EUR', amount: '10.00' }), 'amount.currency_code');
    expect(error.details).toBe("amount.currency_code: must be the invoice's currency USD, got EUR");
  });

  it('says NOT_FOUND for an unknown invoice', async () => {
    await expectFailure(() => pay(UNKNOWN_ID, '10'), status.NOT_FOUND, `invoice ${UNKNOWN_ID} not found`);
  });

  describe('refuses bad input naming the field, changing nothing', () => {
    let invoiceId: string;
    beforeAll(async () => {
      invoiceId = (await createInvoice(customer, { amount: usd('100') })).id;
    });
    const cases: [string, () => customersV1.RecordPaymentRequest, string][] = [
      ['a malformed invoice_id', () => customersV1.RecordPaymentRequest.fromPartial({ invoiceId: 'inv-1', amount: usd('1') }), 'invoice_id'],
      ['no invoice_id', () => customersV1.RecordPaymentRequest.fromPartial({ amount: usd('1') }), 'invoice_id'],
      ['no amount', () => customersV1.RecordPaymentRequest.fromPartial({ invoiceId }), 'amount'],
      ['a zero amount', () => customersV1.RecordPaymentRequest.fromPartial({ invoiceId, amount: usd('0') }), 'amount.amount'],
      ['a negative amount', () => customersV1.RecordPaymentRequest.fromPartial({ invoiceId, amount: usd('-10') }), 'amount.amount'],
      ['an exponent', () => customersV1.RecordPaymentRequest.fromPartial({ invoiceId, amount: usd('1e1') }), 'amount.amount'],
      ['three decimals in USD', () => customersV1.RecordPaymentRequest.fromPartial({ invoiceId, amount: usd('10.005') }), 'amount.amount'],
      ['an unknown currency', () => customersV1.RecordPaymentRequest.fromPartial({ invoiceId, amount: { currencyCode: 'XYZ', amount: '1' } }), 'amount.currency_code'],
      ['a paid_date in the future', () => customersV1.RecordPaymentRequest.fromPartial({ invoiceId, amount: usd('1'), paidDate: day(1) }), 'paid_date'],
      ['a paid_date that does not exist', () => customersV1.RecordPaymentRequest.fromPartial({ invoiceId, amount: usd('1'), paidDate: '2026-02-30' }), 'paid_date'],
      ['a reference of 201 characters', () => customersV1.RecordPaymentRequest.fromPartial({ invoiceId, amount: usd('1'), reference: 'r'.repeat(201) }), 'reference'],
      ['a request_id that is not a UUID', () => customersV1.RecordPaymentRequest.fromPartial({ invoiceId, amount: usd('1'), requestId: 'pay-1' }), 'request_id'],
    ];
    it.each(cases)('%s', async (_label, build, field) => {
      await expectInvalid(() => call(h.invoices, 'recordPayment', build(), { metadata: ACTOR }), field);
    });

    it('refuses decimals in JPY', async () => {
      const yen = await createInvoice(customer, { amount: { currencyCode: 'JPY', amount: '1500' } });
      await expectInvalid(() => pay(yen.id, { currencyCode: 'JPY', amount: '1.5' }), 'amount.amount');
    });
  });

  describe('with a request_id', () => {
    it('records a retried payment once', async () => {
      const invoice = await createInvoice(customer, { amount: usd('100') });
      const requestId = randomUUID();
      const first = await pay(invoice.id, '30', { requestId });
      const before = await snapshot();
      const retry = await pay(invoice.id, '30', { requestId });
      expect(await snapshot()).toEqual(before);
      expect(retry.payment).toEqual(first.payment);
      expect(retry.invoice).toMatchObject({ amountPaid: usd('30.00'), status: InvoiceStatus.INVOICE_STATUS_PARTIAL });
      expect(await paymentRows(invoice.id)).toEqual([{ amount: '30.0000', currency: 'USD', request_id: requestId }]);
      expect(await auditEvents(invoice.id, 'payment_recorded')).toHaveLength(1);
    });

    it('records a payment once when its retries arrive at the same time', async () => {
      const invoice = await createInvoice(customer, { amount: usd('100') });
      const requestId = randomUUID();
      const results = await Promise.all([1, 2, 3].map(() => pay(invoice.id, '30', { requestId })));
      expect(new Set(results.map((r) => r.payment?.id)).size).toBe(1);
      expect((await getInvoice(invoice.id)).amountPaid).toEqual(usd('30.00'));
      expect(await paymentRows(invoice.id)).toHaveLength(1);
      expect(await auditEvents(invoice.id, 'payment_recorded')).toHaveLength(1);
    });

    it('refuses the same request_id on another invoice and changes nothing', async () => {
      const first = await createInvoice(customer);
      const second = await createInvoice(customer);
      const requestId = randomUUID();
      await pay(first.id, '10', { requestId });
      const error = await expectInvalid(() => pay(second.id, '10', { requestId }), 'request_id');
      expect(error.details).toContain(first.id);
    });

    it('refuses the same request_id for another amount on the same invoice, changing nothing', async () => {
      const invoice = await createInvoice(customer, { amount: usd('100') });
      const requestId = randomUUID();
      await pay(invoice.id, '10', { requestId });
      const error = await expectInvalid(() => pay(invoice.id, '15', { requestId }), 'request_id');
      expect(error.details).toBe(
        `request_id: was already used for a payment of 10.00 USD on invoice ${invoice.id}; use a new request_id for a new payment`,
      );
      // The same amount written differently is the same payment.
      expect((await pay(invoice.id, '10.0', { requestId })).invoice?.amountPaid).toEqual(usd('10.00'));
      expect(await paymentRows(invoice.id)).toHaveLength(1);
    });
  });

  describe('concurrently', () => {
    it('adds up two simultaneous payments of 50 on 100 (no lost update), five times over', async () => {
      const invoices = await Promise.all([1, 2, 3, 4, 5].map(() => createInvoice(customer, { amount: usd('100') })));
      const results = await Promise.all(invoices.map((invoice) => Promise.all([pay(invoice.id, '50'), pay(invoice.id, '50')])));
      for (const [a, b] of results) {
        expect([a.invoice?.amountPaid, b.invoice?.amountPaid].map((m) => m?.amount).sort()).toEqual(['100.00', '50.00']);
      }
      for (const invoice of invoices) {
        expect(await getInvoice(invoice.id)).toMatchObject({ status: InvoiceStatus.INVOICE_STATUS_PAID, amountPaid: usd('100.00'), paidDate: TODAY });
        expect(await paymentRows(invoice.id)).toEqual([
          { amount: '50.0000', currency: 'USD', request_id: null },
          { amount: '50.0000', currency: 'USD', request_id: null },
        ]);
        expect(await auditEvents(invoice.id, 'payment_recorded')).toHaveLength(2);
      }
    });

    it('lets exactly two of three simultaneous payments of 50 on 100 through, five times over', async () => {
      const invoices = await Promise.all([1, 2, 3, 4, 5].map(() => createInvoice(customer, { amount: usd('100') })));
      const outcomes = await Promise.all(invoices.map((invoice) => Promise.allSettled([1, 2, 3].map(() => pay(invoice.id, '50')))));
      for (const [i, settled] of outcomes.entries()) {
        expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(2);
        const failures = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as ServiceError] : []));
        expect(failures.map((e) => [status[e.code], e.details])).toEqual([
          [status[status.FAILED_PRECONDITION], expect.stringMatching(/^(a payment of 50\.00 USD exceeds the balance of 0\.00 USD|invoice \S+ is already paid in full)/)],
        ]);
        expect(await getInvoice(invoices[i].id)).toMatchObject({ status: InvoiceStatus.INVOICE_STATUS_PAID, amountPaid: usd('100.00') });
        expect(await paymentRows(invoices[i].id)).toHaveLength(2);
      }
    });

    it('lets either a full payment or a cancellation win, never both', async () => {
      const invoices = await Promise.all([1, 2, 3, 4, 5].map(() => createInvoice(customer, { amount: usd('100') })));
      for (const invoice of invoices) {
        const [paid, cancelled] = await Promise.allSettled([pay(invoice.id, '100'), cancel(invoice.id)]);
        const after = await getInvoice(invoice.id);
        if (paid.status === 'fulfilled') {
          expect(cancelled).toMatchObject({ status: 'rejected', reason: { code: status.FAILED_PRECONDITION } });
          expect(after.status).toBe(InvoiceStatus.INVOICE_STATUS_PAID);
        } else {
          expect(paid).toMatchObject({ status: 'rejected', reason: { code: status.FAILED_PRECONDITION } });
          expect(cancelled.status).toBe('fulfilled');
          expect(after).toMatchObject({ status: InvoiceStatus.INVOICE_STATUS_CANCELLED, amountPaid: usd('0.00') });
        }
      }
    });

    it("keeps the customer's risk right when two of its invoices are paid at the same time", async () => {
      const customers = await Promise.all([1, 2, 3, 4, 5].map(() => newCustomer()));
      const pairs = await Promise.all(
        customers.map(async (c) => [await createOverdue(c, 30, { amount: usd('1000') }), await createOverdue(c, 30, { amount: usd('1000') })]),
      );
      await Promise.all(pairs.map(([a, b]) => Promise.all([pay(a.id, '1000'), pay(b.id, '1000')])));
      // Both paid 30 days late: delay 11.67 + responsiveness 5 = 16.67. A score computed without
      // seeing the other payment would still count 1000 overdue (exposure 12.5, age 3.75): 33.
      for (const c of customers) expect(await profile(c)).toMatchObject({ risk_score: 17, risk_level: 'low' });
    });
  });
});

// ---------------------------------------------------------------------------------------------
// CancelInvoice
// ---------------------------------------------------------------------------------------------

describe('CancelInvoice', () => {
  let customer: string;
  beforeAll(async () => {
    customer = await newCustomer('Cancel Co');
  });

  it.each([
    ['pending', () => createInvoice(customer), InvoiceStatus.INVOICE_STATUS_PENDING],
    ['overdue', () => createOverdue(customer, 5), InvoiceStatus.INVOICE_STATUS_OVERDUE],
    [
      'partial',
      async () => {
        const invoice = await createInvoice(customer, { amount: usd('100') });
        return (await pay(invoice.id, '25')).invoice as Invoice;
      },
      InvoiceStatus.INVOICE_STATUS_PARTIAL,
    ],
  ])('cancels a %s invoice with its reason and time', async (_label, make, statusBefore) => {
    const invoice = await make();
    expect(invoice.status).toBe(statusBefore);
    const started = Date.now();
    const cancelled = await cancel(invoice.id, '  duplicate of another invoice ');
    expect(cancelled).toMatchObject({
      id: invoice.id,
      status: InvoiceStatus.INVOICE_STATUS_CANCELLED,
      cancellationReason: 'duplicate of another invoice',
      amountPaid: invoice.amountPaid,
    });
    expect(Math.abs((cancelled.cancelTime as Date).getTime() - started)).toBeLessThan(60_000);
    expect(await getInvoice(invoice.id)).toEqual(cancelled);
    const events = await auditEvents(invoice.id, 'cancelled');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor_type: 'user', actor_id: 'ops@example.com', details: { reason: 'duplicate of another invoice', after: { status: 'cancelled' } } });
  });

  it('refreshes the risk: cancelling the only overdue invoice leaves only the unknown responsiveness', async () => {
    const fresh = await newCustomer();
    const invoice = await createOverdue(fresh, 30, { amount: usd('1000') });
    expect((await profile(fresh)).risk_score).toBe(45);
    await cancel(invoice.id);
    expect(await profile(fresh)).toMatchObject({ risk_score: 5, risk_level: 'low' });
  });

  it('refuses to cancel a paid invoice', async () => {
    const invoice = await createInvoice(customer, { amount: usd('10') });
    await pay(invoice.id, '10');
    await expectFailure(() => cancel(invoice.id), status.FAILED_PRECONDITION, `invoice ${invoice.id} is paid: a paid invoice cannot be cancelled`);
  });

  it('returns a cancelled invoice unchanged when cancelled again', async () => {
    const invoice = await createInvoice(customer);
    const first = await cancel(invoice.id, 'first reason');
    const before = await snapshot();
    const again = await cancel(invoice.id, 'second reason');
    expect(again).toEqual(first);
    expect(again.cancellationReason).toBe('first reason');
    expect(await snapshot()).toEqual(before);
    expect(await auditEvents(invoice.id, 'cancelled')).toHaveLength(1);
  });

  it('says NOT_FOUND for an unknown invoice', async () => {
    await expectFailure(() => cancel(UNKNOWN_ID), status.NOT_FOUND, `invoice ${UNKNOWN_ID} not found`);
  });

  it.each([
    ['no reason', '', 'reason'],
    ['a blank reason', '   ', 'reason'],
    ['a reason of 1001 characters', 'r'.repeat(1001), 'reason'],
  ])('refuses %s', async (_label, reason, field) => {
    const invoice = await createInvoice(customer);
    await expectInvalid(() => cancel(invoice.id, reason), field);
  });

  it('refuses a malformed invoice_id', async () => {
    await expectInvalid(() => cancel('inv-1'), 'invoice_id');
  });
});

// ---------------------------------------------------------------------------------------------
// ListInvoices
// ---------------------------------------------------------------------------------------------

describe('ListInvoices', () => {
  let customer: string;
  /** Named invoices, in the order the list must give them. */
  const inv: Record<string, Invoice> = {};
  let expected: Invoice[];

  beforeAll(async () => {
    customer = await newCustomer('List Co');
    inv.a = await createOverdue(customer, 40);
    inv.b = await createOverdue(customer, 10);
    inv.c = await createInvoice(customer, { dueDate: day(5) });
    inv.d = await createInvoice(customer, { dueDate: day(5) });
    inv.e = await createInvoice(customer, { dueDate: day(20), amount: usd('20') });
    await pay(inv.e.id, '20');
    inv.f = await createInvoice(customer, { dueDate: day(30) });
    await cancel(inv.f.id);
    inv.g = await createInvoice(customer, { dueDate: day(60), amount: usd('50') });
    await pay(inv.g.id, '10');
    for (const key of Object.keys(inv)) inv[key] = await getInvoice(inv[key].id);
    const [c, d] = [inv.c, inv.d].sort(byId);
    expected = [inv.a, inv.b, c, d, inv.e, inv.f, inv.g];
    // Another customer's invoice, which customer_id must filter out.
    await createInvoice(await newCustomer(), { dueDate: day(5) });
  });

  it("lists a customer's invoices by due date, then id, in full", async () => {
    const { invoices, nextPageToken } = await listInvoices({ customerId: customer });
    expect(invoices).toEqual(expected);
    expect(nextPageToken).toBe('');
  });

  it('pages through without gaps or duplicates', async () => {
    const pages = await allPages(async (pageToken) => {
      const r = await listInvoices({ customerId: customer, pageSize: 3, pageToken });
      return { items: r.invoices, nextPageToken: r.nextPageToken };
    });
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(ids(pages.flat())).toEqual(ids(expected));
  });

  it('ends with an empty token when the last page is exactly full', async () => {
    const first = await listInvoices({ customerId: customer, pageSize: 7 });
    expect(first.invoices).toHaveLength(7);
    expect(first.nextPageToken).toBe('');
  });

  it.each([
    ['paid and cancelled', [InvoiceStatus.INVOICE_STATUS_PAID, InvoiceStatus.INVOICE_STATUS_CANCELLED], ['e', 'f']],
    ['overdue', [InvoiceStatus.INVOICE_STATUS_OVERDUE], ['a', 'b']],
    ['partial', [InvoiceStatus.INVOICE_STATUS_PARTIAL], ['g']],
    ['pending (asked twice)', [InvoiceStatus.INVOICE_STATUS_PENDING, InvoiceStatus.INVOICE_STATUS_PENDING], ['c', 'd']],
  ])('filters by status: %s', async (_label, statuses, keys) => {
    const { invoices } = await listInvoices({ customerId: customer, statuses });
    expect(ids(invoices).sort()).toEqual(keys.map((k) => inv[k].id).sort());
    expect(ids(invoices)).toEqual(ids(expected.filter((i) => keys.some((k) => inv[k].id === i.id))));
  });

  it.each([
    ['due_after (inclusive)', { dueAfter: day(5) }, ['c', 'd', 'e', 'f', 'g']],
    ['due_before (inclusive)', { dueBefore: day(5) }, ['a', 'b', 'c', 'd']],
    ['both', { dueAfter: day(5), dueBefore: day(20) }, ['c', 'd', 'e']],
    ['the same day', { dueAfter: day(-10), dueBefore: day(-10) }, ['b']],
  ])('filters by due date: %s', async (_label, filter, keys) => {
    const { invoices } = await listInvoices({ customerId: customer, ...filter });
    expect(ids(invoices)).toEqual(ids(expected.filter((i) => keys.some((k) => inv[k].id === i.id))));
  });

  it('finds one invoice by its number, across customers', async () => {
    expect(ids((await listInvoices({ invoiceNumber: inv.e.invoiceNumber })).invoices)).toEqual([inv.e.id]);
    expect((await listInvoices({ invoiceNumber: 'NO-SUCH-INVOICE' })).invoices).toEqual([]);
  });

  it('keeps filters across pages', async () => {
    const pages = await allPages(async (pageToken) => {
      const r = await listInvoices({ customerId: customer, dueAfter: day(5), pageSize: 2, pageToken });
      return { items: r.invoices, nextPageToken: r.nextPageToken };
    });
    expect(ids(pages.flat())).toEqual(ids(expected.slice(2)));
  });

  it('lists every customer without a filter, in due-date order', async () => {
    const all = (
      await allPages(async (pageToken) => {
        const r = await listInvoices({ pageSize: 1000, pageToken });
        return { items: r.invoices, nextPageToken: r.nextPageToken };
      })
    ).flat();
    const [{ n }] = await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM payment_records');
    expect(all).toHaveLength(n);
    const keys = all.map((i) => `${i.dueDate} ${i.id}`);
    expect(keys).toEqual([...keys].sort());
  });

  describe('refuses bad input naming the field', () => {
    const cases: [string, Partial<customersV1.ListInvoicesRequest>, string][] = [
      ['an unknown status', { statuses: [99 as customersV1.InvoiceStatus] }, 'statuses[0]'],
      ['an UNSPECIFIED status', { statuses: [InvoiceStatus.INVOICE_STATUS_PAID, InvoiceStatus.INVOICE_STATUS_UNSPECIFIED] }, 'statuses[1]'],
      ['a negative page_size', { pageSize: -1 }, 'page_size'],
      ['a page_token it never issued', { pageToken: 'not-a-token' }, 'page_token'],
      ['a malformed customer_id', { customerId: 'acme' }, 'customer_id'],
      ['a bad due_after', { dueAfter: '2026-02-30' }, 'due_after'],
      ['a bad due_before', { dueBefore: 'next week' }, 'due_before'],
      ['due_before before due_after', { dueAfter: day(10), dueBefore: day(9) }, 'due_before'],
      ['an invoice_number of 65 characters', { invoiceNumber: 'N'.repeat(65) }, 'invoice_number'],
    ];
    it.each(cases)('%s', async (_label, request, field) => {
      await expectInvalid(() => listInvoices(request), field);
    });

    it.each([[['not-a-date', UNKNOWN_ID]], [[day(1), 'not-a-uuid']], [[1, 2]], [[]]])('refuses a page_token positioned at %j', async (key) => {
      const { nextPageToken } = await listInvoices({ customerId: customer, pageSize: 2 });
      await expectInvalid(() => listInvoices({ customerId: customer, pageSize: 2, pageToken: tamperedToken(nextPageToken, key) }), 'page_token');
    });

    it('refuses a page_token used with other filters', async () => {
      const { nextPageToken } = await listInvoices({ customerId: customer, pageSize: 2 });
      expect(nextPageToken).not.toBe('');
      await expectInvalid(() => listInvoices({ customerId: customer, pageSize: 2, pageToken: nextPageToken, statuses: [InvoiceStatus.INVOICE_STATUS_PAID] }), 'page_token');
    });
  });
});

// ---------------------------------------------------------------------------------------------
// ListOverdueInvoices
// ---------------------------------------------------------------------------------------------

describe('ListOverdueInvoices', () => {
  let customer: string;
  let lowRisk: string;
  const inv: Record<string, string> = {};

  beforeAll(async () => {
    customer = await newCustomer('Overdue Co');
    inv.overdue = (await createOverdue(customer, 30, { amount: usd('300') })).id;
    inv.partial = await insertInvoice(customer, { status: 'partial', amount: '200', amountPaid: '50', dueDate: day(-20) });
    inv.pendingPastDue = await insertInvoice(customer, { status: 'pending', dueDate: day(-10) });
    // Not overdue: paid, cancelled, due today, due later.
    await insertInvoice(customer, { status: 'paid', dueDate: day(-15) });
    await insertInvoice(customer, { status: 'cancelled', dueDate: day(-25) });
    await insertInvoice(customer, { status: 'pending', dueDate: day(0) });
    await insertInvoice(customer, { status: 'pending', dueDate: day(10) });
    await h.db.query(`UPDATE customer_profiles SET risk_level = 'critical', risk_score = 80, do_not_contact = true WHERE customer_id = $1`, [customer]);
    lowRisk = await newCustomer('Low Risk Co');
    inv.lowRisk = await insertInvoice(lowRisk, { status: 'overdue', dueDate: day(-5) });
  });

  it('lists exactly the unpaid invoices past due, oldest first, with days overdue and customer risk', async () => {
    const { overdueInvoices, nextPageToken } = await listOverdue({ customerId: customer });
    expect(nextPageToken).toBe('');
    expect(
      overdueInvoices.map((o) => ({
        id: o.invoice?.id,
        status: o.invoice?.status,
        balance: o.invoice?.balance,
        daysOverdue: o.daysOverdue,
        companyName: o.companyName,
        riskLevel: o.riskLevel,
        riskScore: o.riskScore,
        doNotContact: o.doNotContact,
      })),
    ).toEqual([
      { id: inv.overdue, status: InvoiceStatus.INVOICE_STATUS_OVERDUE, balance: usd('300.00'), daysOverdue: 30 },
      { id: inv.partial, status: InvoiceStatus.INVOICE_STATUS_PARTIAL, balance: usd('150.00'), daysOverdue: 20 },
      { id: inv.pendingPastDue, status: InvoiceStatus.INVOICE_STATUS_PENDING, balance: usd('100.00'), daysOverdue: 10 },
    ].map((o) => ({ ...o, companyName: 'Overdue Co', riskLevel: RiskLevel.RISK_LEVEL_CRITICAL, riskScore: 80, doNotContact: true })));
  });

  it('gives the whole invoice', async () => {
    const { overdueInvoices } = await listOverdue({ customerId: customer });
    expect(overdueInvoices[0].invoice).toEqual(await getInvoice(inv.overdue));
  });

  it.each([
    [10, ['overdue', 'partial', 'pendingPastDue']],
    [11, ['overdue', 'partial']],
    [20, ['overdue', 'partial']],
    [30, ['overdue']],
    [31, []],
  ])('filters by min_days_overdue %i', async (minDaysOverdue, keys) => {
    const { overdueInvoices } = await listOverdue({ customerId: customer, minDaysOverdue });
    expect(overdueInvoices.map((o) => o.invoice?.id)).toEqual(keys.map((k) => inv[k]));
  });

  it('filters by risk level', async () => {
    const critical = await listOverdue({ riskLevels: [RiskLevel.RISK_LEVEL_CRITICAL], pageSize: 1000 });
    expect(critical.overdueInvoices.every((o) => o.riskLevel === RiskLevel.RISK_LEVEL_CRITICAL)).toBe(true);
    const criticalIds = critical.overdueInvoices.map((o) => o.invoice?.id);
    expect(criticalIds).toEqual(expect.arrayContaining([inv.overdue, inv.partial, inv.pendingPastDue]));
    expect(criticalIds).not.toContain(inv.lowRisk);

    const both = await listOverdue({ riskLevels: [RiskLevel.RISK_LEVEL_LOW, RiskLevel.RISK_LEVEL_CRITICAL], pageSize: 1000 });
    expect(both.overdueInvoices.map((o) => o.invoice?.id)).toEqual(expect.arrayContaining([inv.overdue, inv.lowRisk]));
    expect((await listOverdue({ customerId: customer, riskLevels: [RiskLevel.RISK_LEVEL_LOW] })).overdueInvoices).toEqual([]);
  });

  it('pages through without gaps or duplicates', async () => {
    const pages = await allPages(async (pageToken) => {
      const r = await listOverdue({ customerId: customer, pageSize: 2, pageToken });
      return { items: r.overdueInvoices, nextPageToken: r.nextPageToken };
    });
    expect(pages.map((p) => p.map((o) => o.invoice?.id))).toEqual([[inv.overdue, inv.partial], [inv.pendingPastDue]]);
  });

  it('matches the database across every customer: open status and due before today, oldest first', async () => {
    const all = (
      await allPages(async (pageToken) => {
        const r = await listOverdue({ pageSize: 7, pageToken });
        return { items: r.overdueInvoices, nextPageToken: r.nextPageToken };
      })
    ).flat();
    const rows = await h.db.query<{ id: string; days: number }>(
      `SELECT id, $1::date - due_date AS days FROM payment_records
        WHERE status = ANY($2) AND due_date < $1::date ORDER BY due_date, id`,
      [TODAY, OPEN],
    );
    expect(all.map((o) => [o.invoice?.id, o.daysOverdue])).toEqual(rows.map((r) => [r.id, r.days]));
  });

  describe('refuses bad input naming the field', () => {
    const cases: [string, Partial<customersV1.ListOverdueInvoicesRequest>, string][] = [
      ['a negative min_days_overdue', { minDaysOverdue: -1 }, 'min_days_overdue'],
      ['an unknown risk level', { riskLevels: [99 as customersV1.RiskLevel] }, 'risk_levels[0]'],
      ['an UNSPECIFIED risk level', { riskLevels: [RiskLevel.RISK_LEVEL_UNSPECIFIED] }, 'risk_levels[0]'],
      ['a negative page_size', { pageSize: -5 }, 'page_size'],
      ['a page_token it never issued', { pageToken: 'eyJ2IjoyfQ' }, 'page_token'],
      ['a malformed customer_id', { customerId: '123' }, 'customer_id'],
    ];
    it.each(cases)('%s', async (_label, request, field) => {
      await expectInvalid(() => listOverdue(request), field);
    });

    it.each([[['yesterday', UNKNOWN_ID]], [[day(-1), 'x']]])('refuses a page_token positioned at %j', async (key) => {
      const { nextPageToken } = await listOverdue({ customerId: customer, pageSize: 1 });
      await expectInvalid(() => listOverdue({ customerId: customer, pageSize: 1, pageToken: tamperedToken(nextPageToken, key) }), 'page_token');
    });
  });
});

// ---------------------------------------------------------------------------------------------
// BatchGetCustomerBalances
// ---------------------------------------------------------------------------------------------

describe('BatchGetCustomerBalances', () => {
  let owing: string;
  let clear: string;
  const inv: Record<string, string> = {};

  beforeAll(async () => {
    owing = await newCustomer('Owing Co');
    inv.future = await insertInvoice(owing, { status: 'pending', amount: '100', dueDate: day(10) });
    inv.overdue = await insertInvoice(owing, { status: 'overdue', amount: '200', dueDate: day(-5) });
    inv.partial = await insertInvoice(owing, { status: 'partial', amount: '80', amountPaid: '30', dueDate: day(-20) });
    inv.pendingPastDue = await insertInvoice(owing, { status: 'pending', amount: '10.25', dueDate: day(-1) });
    inv.euro = await insertInvoice(owing, { status: 'overdue', amount: '75.5', currency: 'EUR', dueDate: day(-3) });
    inv.yenToday = await insertInvoice(owing, { status: 'pending', amount: '1500', currency: 'JPY', dueDate: day(0) });
    // Owed nothing on these:
    await insertInvoice(owing, { status: 'paid', amount: '300', dueDate: day(-40) });
    await insertInvoice(owing, { status: 'cancelled', amount: '400', dueDate: day(-50) });
    clear = await newCustomer('Clear Co');
    await insertInvoice(clear, { status: 'paid', amount: '99', dueDate: day(-2) });
  });

  it('sums what a customer owes per currency, and what of it is overdue', async () => {
    const [balance] = await balances([owing]);
    const byCurrency = [...balance.balances].sort((a, b) => (a.outstanding?.currencyCode ?? '').localeCompare(b.outstanding?.currencyCode ?? ''));
    expect(byCurrency).toEqual([
      { outstanding: { currencyCode: 'EUR', amount: '75.50' }, overdue: { currencyCode: 'EUR', amount: '75.50' } },
      { outstanding: { currencyCode: 'JPY', amount: '1500' }, overdue: { currencyCode: 'JPY', amount: '0' } },
      { outstanding: usd('360.25'), overdue: usd('260.25') },
    ]);
  });

  it('says since when, how many and which invoices are overdue, oldest first', async () => {
    const [balance] = await balances([owing]);
    expect({ ...balance, balances: undefined }).toEqual({
      customerId: owing,
      balances: undefined,
      oldestOverdueDueDate: day(-20),
      maxDaysOverdue: 20,
      openInvoiceCount: 6,
      overdueInvoiceCount: 4,
      overdueInvoiceIds: [inv.partial, inv.overdue, inv.euro, inv.pendingPastDue],
    });
  });

  it('answers a customer owing nothing with empty balances', async () => {
    expect(await balances([clear])).toEqual([
      { customerId: clear, balances: [], oldestOverdueDueDate: '', maxDaysOverdue: 0, openInvoiceCount: 0, overdueInvoiceCount: 0, overdueInvoiceIds: [] },
    ]);
  });

  it('keeps the request order and answers duplicates once', async () => {
    const result = await balances([clear, owing, clear.toUpperCase(), owing]);
    expect(result.map((b) => b.customerId)).toEqual([clear, owing]);
    expect(result[1].overdueInvoiceCount).toBe(4);
  });

  it('says NOT_FOUND naming the unknown customers', async () => {
    const other = '11111111-1111-4111-8111-111111111111';
    const error = await expectFailure(() => balances([owing, UNKNOWN_ID, other]), status.NOT_FOUND);
    expect(error.details).toContain(UNKNOWN_ID);
    expect(error.details).toContain(other);
    expect(error.details).not.toContain(owing);
  });

  it.each([
    ['no ids', () => [], 'customer_ids'],
    ['1001 ids', () => Array.from({ length: 1001 }, () => randomUUID()), 'customer_ids'],
    ['a malformed id', () => [owing, 'acme'], 'customer_ids[1]'],
  ])('refuses %s', async (_label, build, field) => {
    await expectInvalid(() => balances(build()), field);
  });

  it('answers 1000 distinct customers in one call', async () => {
    const others = await h.db.query<{ id: string }>(
      `WITH c AS (INSERT INTO customers (company_name, email)
                  SELECT 'Bulk ' || g, 'bulk' || g || '@example.com' FROM generate_series(1, 998) g RETURNING id)
       INSERT INTO customer_profiles (customer_id) SELECT id FROM c RETURNING customer_id AS id`,
    );
    const many = [...others.map((o) => o.id), owing, clear];
    const result = await balances(many);
    expect(result.map((b) => b.customerId)).toEqual(many);
    expect(result[998].overdueInvoiceIds).toEqual([inv.partial, inv.overdue, inv.euro, inv.pendingPastDue]);
    expect(result.filter((b) => b.balances.length > 0)).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------
// SweepOverdueInvoices (last: it changes every pending invoice past due in the database)
// ---------------------------------------------------------------------------------------------

describe('SweepOverdueInvoices', () => {
  it('marks pending invoices past due overdue, once each, audited and risk refreshed', async () => {
    await sweep(); // whatever earlier tests left pending past due
    const customer = await newCustomer('Sweep Co');
    const due = [await insertInvoice(customer, { dueDate: day(-1) }), await insertInvoice(customer, { dueDate: day(-7) }), await insertInvoice(customer, { dueDate: day(-90) })];
    const notDue = [await insertInvoice(customer, { dueDate: day(0) }), await insertInvoice(customer, { dueDate: day(3) })];
    const partial = await insertInvoice(customer, { status: 'partial', amountPaid: '1', dueDate: day(-3) });

    expect(await sweep()).toBe(3);

    for (const id of due) {
      expect((await getInvoice(id)).status).toBe(InvoiceStatus.INVOICE_STATUS_OVERDUE);
      expect(await auditEvents(id)).toEqual([
        expect.objectContaining({ action: 'marked_overdue', actor_type: 'system', actor_id: 'scheduler', details: expect.objectContaining({ before: { status: 'pending' }, after: { status: 'overdue' } }) }),
      ]);
    }
    for (const id of notDue) expect((await getInvoice(id)).status).toBe(InvoiceStatus.INVOICE_STATUS_PENDING);
    expect((await getInvoice(partial)).status).toBe(InvoiceStatus.INVOICE_STATUS_PARTIAL);
    // delay 35*25.25/90 = 9.82, exposure 25*399/600 = 16.63, age 15*90/120 = 11.25, broken 5, responsiveness 5 -> 47.7
    expect(await profile(customer)).toEqual({ calculated: true, risk_score: 48, risk_level: 'medium' });
  });

  it('is idempotent: a second sweep marks nothing and changes nothing', async () => {
    const customer = await newCustomer();
    await insertInvoice(customer, { dueDate: day(-2) });
    expect(await sweep()).toBe(1);
    const before = await snapshot();
    expect(await sweep()).toBe(0);
    expect(await snapshot()).toEqual(before);
  });

  it('marks each of 1200 invoices exactly once across four concurrent sweeps', async () => {
    await sweep();
    const customers = await Promise.all([1, 2, 3, 4].map(() => newCustomer()));
    await h.db.query(
      `INSERT INTO payment_records (customer_id, invoice_number, amount, currency, issued_date, due_date, status)
       SELECT ($1::uuid[])[1 + g % 4], 'SWEEP-' || g, 100 + g, 'USD', $2::date - 200, $2::date - 1 - g % 150, 'pending'
         FROM generate_series(1, 1200) g`,
      [customers, TODAY],
    );
    const counts = await Promise.all([1, 2, 3, 4].map(() => sweep()));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1200);
    const [row] = await h.db.query(
      `SELECT count(*) FILTER (WHERE p.status = 'overdue')::int AS overdue,
              (SELECT count(*) FROM audit_logs a JOIN payment_records q ON q.id = a.entity_id
                WHERE a.action = 'marked_overdue' AND q.invoice_number LIKE 'SWEEP-%')::int AS events,
              (SELECT count(DISTINCT a.entity_id) FROM audit_logs a JOIN payment_records q ON q.id = a.entity_id
                WHERE a.action = 'marked_overdue' AND q.invoice_number LIKE 'SWEEP-%')::int AS audited
         FROM payment_records p WHERE p.invoice_number LIKE 'SWEEP-%'`,
    );
    expect(row).toEqual({ overdue: 1200, events: 1200, audited: 1200 });
    expect(await sweep()).toBe(0);
  });
});

describe('the background overdue sweeper (OVERDUE_SWEEP_INTERVAL_MS)', () => {
  const swept = useCustomersService({ OVERDUE_SWEEP_INTERVAL_MS: '200' });

  it('marks pending invoices past due overdue on its own, as the system', async () => {
    const [{ id: customer }] = await swept.db.query<{ id: string }>(
      `WITH c AS (INSERT INTO customers (company_name, email) VALUES ('Background Co', 'ap@background.example') RETURNING id)
       INSERT INTO customer_profiles (customer_id) SELECT id FROM c RETURNING customer_id AS id`,
    );
    const [{ id }] = await swept.db.query<{ id: string }>(
      `INSERT INTO payment_records (customer_id, invoice_number, amount, currency, issued_date, due_date, status)
       VALUES ($1, 'BG-1', 10, 'USD', $2::date - 30, $2::date - 2, 'pending') RETURNING id`,
      [customer, TODAY],
    );
    let state = 'pending';
    for (let waited = 0; state === 'pending' && waited < 10_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      [{ status: state }] = await swept.db.query<{ status: string }>('SELECT status FROM payment_records WHERE id = $1', [id]);
    }
    expect(state).toBe('overdue');
    expect(await swept.db.query('SELECT action, actor_type, actor_id FROM audit_logs WHERE entity_id = $1', [id])).toEqual([
      { action: 'marked_overdue', actor_type: 'system', actor_id: 'customers.overdue_sweeper' },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Audit trail
// ---------------------------------------------------------------------------------------------

describe('audit trail', () => {
  it('is intact after everything above (verify_audit_chain finds no break)', async () => {
    const [{ n }] = await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_logs');
    expect(n).toBeGreaterThan(1200);
    expect(await h.db.query('SELECT * FROM verify_audit_chain()')).toEqual([]);
  });
});
