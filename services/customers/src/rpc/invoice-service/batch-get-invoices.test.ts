import { status } from '@grpc/grpc-js';
import { call } from '@cec/testing';
import { useCustomersService } from '../../testing/customers-harness';
import { day, invoiceFixtures, UNKNOWN_ID } from './testing-fixtures';

const h = useCustomersService();
const { newCustomer, insertInvoice, getInvoice, expectFailure, expectInvalid } = invoiceFixtures(h);
const batchGet = (invoiceIds: string[]) => call(h.invoices, 'batchGetInvoices', { invoiceIds }).then((r) => r.invoices);

// ---------------------------------------------------------------------------------------------
// BatchGetInvoices (what the escalation engine reads of a campaign's invoices)
// ---------------------------------------------------------------------------------------------

describe('BatchGetInvoices', () => {
  it('answers in request order, duplicates once, each as GetInvoice does', async () => {
    const customer = await newCustomer();
    const paid = await insertInvoice(customer, { status: 'paid', amount: '300', dueDate: day(-40) });
    const partial = await insertInvoice(customer, { status: 'partial', amount: '80', amountPaid: '30', dueDate: day(-20) });
    const other = await insertInvoice(await newCustomer(), { status: 'overdue', amount: '12.5', currency: 'EUR', dueDate: day(-3) });
    const answered = await batchGet([partial, other, paid, partial]);
    expect(answered.map((i) => i.id)).toEqual([partial, other, paid]);
    expect(answered[0]).toEqual(await getInvoice(partial));
    expect(answered[0].balance).toEqual({ currencyCode: 'USD', amount: '50.00' });
  });

  it('says NOT_FOUND naming every unknown id, and refuses bad ids and sizes', async () => {
    const known = await insertInvoice(await newCustomer(), { status: 'pending', amount: '1', dueDate: day(5) });
    await expectFailure(() => batchGet([known, UNKNOWN_ID]), status.NOT_FOUND, `invoices not found: ${UNKNOWN_ID}`);
    await expectInvalid(() => batchGet([]), 'invoice_ids');
    await expectInvalid(() => batchGet(['nope']), 'invoice_ids[0]');
    await expectInvalid(() => batchGet(Array.from({ length: 1001 }, () => known)), 'invoice_ids');
  });
});
