import { customersV1 } from '@cec/proto';
import { useCustomersService } from '../../testing/customers-harness';
import { invoiceFixtures, InvoiceStatus, RiskLevel, UNKNOWN_ID, TODAY, OPEN, day, usd, allPages, tamperedToken } from './testing-fixtures';

const h = useCustomersService();
const { newCustomer, createOverdue, insertInvoice, getInvoice, listOverdue, expectInvalid } = invoiceFixtures(h);

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
