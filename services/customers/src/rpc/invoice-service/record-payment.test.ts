import { randomUUID } from 'node:crypto';
import { status, type ServiceError } from '@grpc/grpc-js';
import { customersV1 } from '@cec/proto';
import { call } from '@cec/testing';
import { useCustomersService } from '../../testing/customers-harness';
import { invoiceFixtures, InvoiceStatus, ACTOR, UNKNOWN_ID, TODAY, day, usd } from './testing-fixtures';

const h = useCustomersService();
const { newCustomer, createInvoice, createOverdue, pay, cancel, getInvoice, databaseState, expectFailure, expectInvalid, auditEvents, paymentRows, profile } = invoiceFixtures(h);

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
      const before = await databaseState();
      const retry = await pay(invoice.id, '30', { requestId });
      expect(await databaseState()).toEqual(before);
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
