import { useCustomersService } from '../../testing/customers-harness';
import { invoiceFixtures, InvoiceStatus, TODAY, day } from './testing-fixtures';

const h = useCustomersService();
const { newCustomer, insertInvoice, getInvoice, sweep, databaseState, auditEvents, profile } = invoiceFixtures(h);

// ---------------------------------------------------------------------------------------------
// SweepOverdueInvoices (it changes every pending invoice past due in the file's database)
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
    const before = await databaseState();
    expect(await sweep()).toBe(0);
    expect(await databaseState()).toEqual(before);
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
