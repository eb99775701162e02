import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { customersV1 } from '@cec/proto';
import { call } from '@cec/testing';
import { useCustomersService } from '../../testing/customers-harness';
import { invoiceFixtures, InvoiceStatus, ACTOR, UNKNOWN_ID, TODAY, day, usd, nextNumber, invalidFields, ids, type Invoice } from './testing-fixtures';

const h = useCustomersService();
const { newCustomer, createInvoice, createOverdue, getInvoice, databaseState, expectFailure, expectInvalid, auditEvents, profile } = invoiceFixtures(h);

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
      const before = await databaseState();
      const retry = await createInvoice(customer, { invoiceNumber: number }, { requestId });
      expect(retry).toEqual(first);
      expect(await databaseState()).toEqual(before);
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
