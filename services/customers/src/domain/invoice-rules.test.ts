import { FailedPreconditionError, InvalidArgumentError, Violations } from '@cec/errors';
import { applyPayment, checkCancellable, money, validateNewInvoice, type InvoiceBalance, type InvoiceInput } from './invoice-rules';

const TODAY = '2026-03-15';
const CUSTOMER = '3f2b8c1e-5a4d-4e6f-9a7b-1c2d3e4f5a6b';

function thrown(work: () => unknown): Error {
  try {
    work();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected it to throw');
}

/** The "field: description" lines of an InvalidArgumentError. */
function violationsOf(work: () => unknown): string[] {
  const error = thrown(work);
  expect(error).toBeInstanceOf(InvalidArgumentError);
  return (error as InvalidArgumentError).violations.map((v) => `${v.field}: ${v.description}`);
}

function fieldsOf(work: () => unknown): string[] {
  return violationsOf(work).map((line) => line.slice(0, line.indexOf(':')));
}

function input(overrides: Partial<InvoiceInput> = {}): InvoiceInput {
  return {
    customerId: CUSTOMER,
    invoiceNumber: 'INV-2026-001',
    amount: { currencyCode: 'USD', amount: '1200.50' },
    issuedDate: '',
    dueDate: '2026-04-14',
    description: '',
    ...overrides,
  };
}

function checkedMoney(amount: string, currencyCode: string): { result: unknown; violations: string[] } {
  const v = new Violations();
  const result = money(v, 'amount', { currencyCode, amount }, { positive: true });
  try {
    v.throwIfAny();
    return { result, violations: [] };
  } catch (error) {
    return { result, violations: (error as InvalidArgumentError).violations.map((x) => `${x.field}: ${x.description}`) };
  }
}

describe('money', () => {
  it.each([
    ['1200.5', 'USD', '1200.50'],
    ['1200.500', 'USD', '1200.50'],
    ['7', 'USD', '7.00'],
    ['1500', 'JPY', '1500'],
    ['1500.00', 'JPY', '1500'],
    ['12.125', 'BHD', '12.125'],
    ['12.1', 'BHD', '12.100'],
    ['0.01', 'EUR', '0.01'],
    ['999999999999999', 'USD', '999999999999999.00'],
  ])('normalises %s %s to %s', (amount, currencyCode, normalised) => {
    expect(checkedMoney(amount, currencyCode)).toEqual({ result: { currencyCode, amount: normalised }, violations: [] });
  });

  it('trims the currency code and the amount', () => {
    expect(checkedMoney(' 10.5 ', ' EUR ')).toEqual({ result: { currencyCode: 'EUR', amount: '10.50' }, violations: [] });
  });

  it.each([
    ['0', 'USD', 'amount.amount: must be more than zero'],
    ['0.00', 'USD', 'amount.amount: must be more than zero'],
    ['-5', 'USD', 'amount.amount: must be more than zero, got "-5"'],
    ['1e3', 'USD', 'amount.amount: must be a decimal string such as "1200.50", got "1e3"'],
    ['', 'USD', 'amount.amount: must be a decimal string such as "1200.50", got ""'],
    ['1,000.00', 'USD', 'amount.amount: must be a decimal string such as "1200.50", got "1,000.00"'],
    ['10.005', 'USD', 'amount.amount: USD has 2 decimal places, got "10.005"'],
    ['1.5', 'JPY', 'amount.amount: JPY has 0 decimal places, got "1.5"'],
    ['1.0005', 'BHD', 'amount.amount: BHD has 3 decimal places, got "1.0005"'],
    ['1000000000000000', 'USD', 'amount.amount: must be a decimal string such as "1200.50", got "1000000000000000"'],
    ['10', 'XYZ', 'amount.currency_code: must be an ISO 4217 currency code such as USD, got "XYZ"'],
    ['10', 'usd', 'amount.currency_code: must be an ISO 4217 currency code such as USD, got "usd"'],
    ['10', '', 'amount.currency_code: must be an ISO 4217 currency code such as USD, got ""'],
  ])('refuses %s %s', (amount, currencyCode, violation) => {
    expect(checkedMoney(amount, currencyCode)).toEqual({ result: undefined, violations: [violation] });
  });

  it('reports a bad currency and a bad amount together', () => {
    expect(checkedMoney('-1', 'XYZ').violations).toEqual([
      'amount.currency_code: must be an ISO 4217 currency code such as USD, got "XYZ"',
      'amount.amount: must be more than zero, got "-1"',
    ]);
  });

  it('requires the money itself', () => {
    const v = new Violations();
    expect(money(v, 'invoice.amount', undefined)).toBeUndefined();
    expect(violationsOf(() => v.throwIfAny())).toEqual(['invoice.amount: is required']);
  });

  it('accepts zero unless asked for more than zero', () => {
    const v = new Violations();
    expect(money(v, 'amount', { currencyCode: 'USD', amount: '0' })).toEqual({ currencyCode: 'USD', amount: '0.00' });
    expect(v.any).toBe(false);
  });
});

describe('validateNewInvoice', () => {
  it('normalises a valid invoice and defaults issued_date to today', () => {
    expect(validateNewInvoice(input({ invoiceNumber: '  INV-2026-001 ', description: '  March services ' }), TODAY)).toEqual({
      customerId: CUSTOMER,
      invoiceNumber: 'INV-2026-001',
      amount: '1200.50',
      currency: 'USD',
      issuedDate: TODAY,
      dueDate: '2026-04-14',
      description: 'March services',
      status: 'pending',
    });
  });

  it('lower-cases the customer id and leaves an empty description null', () => {
    const invoice = validateNewInvoice(input({ customerId: CUSTOMER.toUpperCase() }), TODAY);
    expect(invoice.customerId).toBe(CUSTOMER);
    expect(invoice.description).toBeNull();
  });

  it('is pending when due today and overdue when due yesterday', () => {
    expect(validateNewInvoice(input({ dueDate: TODAY }), TODAY).status).toBe('pending');
    expect(validateNewInvoice(input({ issuedDate: '2026-02-01', dueDate: '2026-03-14' }), TODAY).status).toBe('overdue');
  });

  it('keeps an explicit issued date', () => {
    expect(validateNewInvoice(input({ issuedDate: '2026-01-01', dueDate: '2026-01-31' }), TODAY)).toMatchObject({
      issuedDate: '2026-01-01',
      dueDate: '2026-01-31',
      status: 'overdue',
    });
  });

  it('accepts a due date equal to the issued date', () => {
    expect(validateNewInvoice(input({ issuedDate: '2026-03-20', dueDate: '2026-03-20' }), TODAY).status).toBe('pending');
  });

  it('accepts invoice numbers of 1 and 64 characters with the allowed punctuation', () => {
    expect(validateNewInvoice(input({ invoiceNumber: '7' }), TODAY).invoiceNumber).toBe('7');
    const longest = `A${'b.c_d/e#f-'.repeat(6)}${'9'.repeat(3)}`;
    expect(longest).toHaveLength(64);
    expect(validateNewInvoice(input({ invoiceNumber: longest }), TODAY).invoiceNumber).toBe(longest);
  });

  it.each([
    ['an empty customer id', { customerId: '' }, 'invoice.customer_id: is required'],
    ['a malformed customer id', { customerId: 'not-a-uuid' }, 'invoice.customer_id: must be a UUID, got "not-a-uuid"'],
    ['an empty invoice number', { invoiceNumber: '   ' }, 'invoice.invoice_number: is required'],
    [
      'an invoice number with a space',
      { invoiceNumber: 'INV 001' },
      'invoice.invoice_number: must be 1-64 letters, digits or . _ / # - (starting with a letter or digit)',
    ],
    [
      'an invoice number of 65 characters',
      { invoiceNumber: 'A'.repeat(65) },
      'invoice.invoice_number: must be 1-64 letters, digits or . _ / # - (starting with a letter or digit)',
    ],
    [
      'an invoice number starting with punctuation',
      { invoiceNumber: '-INV' },
      'invoice.invoice_number: must be 1-64 letters, digits or . _ / # - (starting with a letter or digit)',
    ],
    ['no amount', { amount: undefined }, 'invoice.amount: is required'],
    ['a zero amount', { amount: { currencyCode: 'USD', amount: '0' } }, 'invoice.amount.amount: must be more than zero'],
    ['a bad currency', { amount: { currencyCode: 'XYZ', amount: '1' } }, 'invoice.amount.currency_code: must be an ISO 4217 currency code such as USD, got "XYZ"'],
    ['no due date', { dueDate: '' }, 'invoice.due_date: is required (a date "YYYY-MM-DD")'],
    ['an impossible due date', { dueDate: '2026-02-30' }, 'invoice.due_date: must be a date "YYYY-MM-DD", got "2026-02-30"'],
    ['a bad issued date', { issuedDate: 'yesterday' }, 'invoice.issued_date: must be a date "YYYY-MM-DD", got "yesterday"'],
    [
      'a due date before the issued date',
      { issuedDate: '2026-03-10', dueDate: '2026-03-09' },
      'invoice.due_date: must not be before issued_date 2026-03-10',
    ],
    ['a due date before today without an issued date', { dueDate: '2026-03-14' }, 'invoice.due_date: must not be before issued_date 2026-03-15'],
    ['a description of 1001 characters', { description: 'd'.repeat(1001) }, 'invoice.description: must be at most 1000 characters, got 1001'],
  ])('refuses %s', (_label, overrides, violation) => {
    expect(violationsOf(() => validateNewInvoice(input(overrides), TODAY))).toEqual([violation]);
  });

  it('blames only the issued date when it is unreadable and the due date is in the past', () => {
    expect(fieldsOf(() => validateNewInvoice(input({ issuedDate: '2026-02-30', dueDate: '2026-03-01' }), TODAY))).toEqual([
      'invoice.issued_date',
    ]);
  });

  it('reports every problem at once, under the given prefix, with earlier violations kept', () => {
    const v = new Violations().add('request_id', 'must be a UUID, got "x"');
    expect(
      fieldsOf(() =>
        validateNewInvoice(
          { customerId: 'x', invoiceNumber: '', amount: { currencyCode: 'usd', amount: '1e3' }, issuedDate: '', dueDate: 'soon', description: '' },
          TODAY,
          v,
          'invoices[0]',
        ),
      ),
    ).toEqual([
      'request_id',
      'invoices[0].customer_id',
      'invoices[0].invoice_number',
      'invoices[0].amount.currency_code',
      'invoices[0].amount.amount',
      'invoices[0].due_date',
    ]);
  });
});

describe('applyPayment', () => {
  const invoice = (overrides: Partial<InvoiceBalance> = {}): InvoiceBalance => ({
    id: 'inv-1',
    amount: '100.0000',
    amountPaid: '0.0000',
    currency: 'USD',
    status: 'pending',
    ...overrides,
  });

  it('makes a pending or overdue invoice partial with part of the balance', () => {
    expect(applyPayment(invoice(), { currencyCode: 'USD', amount: '40.00' })).toEqual({ amountPaid: '40.0000', status: 'partial' });
    expect(applyPayment(invoice({ status: 'overdue' }), { currencyCode: 'USD', amount: '0.01' })).toEqual({ amountPaid: '0.0100', status: 'partial' });
  });

  it('makes it paid with exactly the rest', () => {
    expect(applyPayment(invoice({ amountPaid: '40.0000', status: 'partial' }), { currencyCode: 'USD', amount: '60.00' })).toEqual({
      amountPaid: '100.0000',
      status: 'paid',
    });
    expect(applyPayment(invoice(), { currencyCode: 'USD', amount: '100.00' })).toEqual({ amountPaid: '100.0000', status: 'paid' });
  });

  it('adds decimals exactly (no floating point)', () => {
    let state = invoice({ amount: '0.3000' });
    for (const [amount, status] of [['0.10', 'partial'], ['0.20', 'paid']] as const) {
      const outcome = applyPayment(state, { currencyCode: 'USD', amount });
      expect(outcome.status).toBe(status);
      state = { ...state, amountPaid: outcome.amountPaid, status: outcome.status };
    }
    expect(state.amountPaid).toBe('0.3000');
  });

  it('refuses more than the balance, naming both amounts', () => {
    const error = thrown(() => applyPayment(invoice({ amountPaid: '40.0000', status: 'partial' }), { currencyCode: 'USD', amount: '60.01' }));
    expect(error).toBeInstanceOf(FailedPreconditionError);
    expect(error.message).toBe('a payment of 60.01 USD exceeds the balance of 60.00 USD on invoice inv-1');
  });

  it('formats the amounts in the currency of the invoice', () => {
    expect(thrown(() => applyPayment(invoice({ amount: '1500.0000', currency: 'JPY' }), { currencyCode: 'JPY', amount: '1501' })).message).toBe(
      'a payment of 1501 JPY exceeds the balance of 1500 JPY on invoice inv-1',
    );
  });

  it('refuses a cancelled or a paid invoice', () => {
    const cancelled = thrown(() => applyPayment(invoice({ status: 'cancelled' }), { currencyCode: 'USD', amount: '1.00' }));
    expect(cancelled).toBeInstanceOf(FailedPreconditionError);
    expect(cancelled.message).toBe('invoice inv-1 is cancelled: payments cannot be recorded against it');
    const paid = thrown(() => applyPayment(invoice({ status: 'paid', amountPaid: '100.0000' }), { currencyCode: 'USD', amount: '1.00' }));
    expect(paid).toBeInstanceOf(FailedPreconditionError);
    expect(paid.message).toBe('invoice inv-1 is already paid in full');
  });

  it('refuses another currency as a bad amount.currency_code', () => {
    expect(violationsOf(() => applyPayment(invoice(), { currencyCode: 'EUR', amount: '10.00' }))).toEqual([
      "amount.currency_code: must be the invoice's currency USD, got EUR",
    ]);
  });
});

describe('checkCancellable', () => {
  it.each(['pending', 'overdue', 'partial'] as const)('cancels a %s invoice', (status) => {
    expect(checkCancellable({ id: 'inv-1', status })).toBe(true);
  });

  it('has nothing to do for a cancelled invoice', () => {
    expect(checkCancellable({ id: 'inv-1', status: 'cancelled' })).toBe(false);
  });

  it('refuses a paid invoice', () => {
    const error = thrown(() => checkCancellable({ id: 'inv-1', status: 'paid' }));
    expect(error).toBeInstanceOf(FailedPreconditionError);
    expect(error.message).toBe('invoice inv-1 is paid: a paid invoice cannot be cancelled');
  });
});
