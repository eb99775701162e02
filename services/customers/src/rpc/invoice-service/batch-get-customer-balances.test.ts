import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { useCustomersService } from '../../testing/customers-harness';
import { invoiceFixtures, UNKNOWN_ID, day, usd } from './testing-fixtures';

const h = useCustomersService();
const { newCustomer, insertInvoice, balances, expectFailure, expectInvalid } = invoiceFixtures(h);

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
