import { customersV1 } from '@cec/proto';
import { useCustomersService } from '../../testing/customers-harness';
import { invoiceFixtures, InvoiceStatus, UNKNOWN_ID, day, usd, allPages, tamperedToken, ids, byId, type Invoice } from './testing-fixtures';

const h = useCustomersService();
const { newCustomer, createInvoice, createOverdue, pay, cancel, getInvoice, listInvoices, expectInvalid } = invoiceFixtures(h);

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
