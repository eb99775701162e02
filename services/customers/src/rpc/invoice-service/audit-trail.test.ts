import { useCustomersService } from '../../testing/customers-harness';
import { invoiceFixtures, TODAY, usd } from './testing-fixtures';

const h = useCustomersService();
const { newCustomer, createInvoice, pay, cancel, sweep } = invoiceFixtures(h);

// ---------------------------------------------------------------------------------------------
// Audit trail
// ---------------------------------------------------------------------------------------------

describe('audit trail', () => {
  it('is intact after concurrent writes of every kind (verify_audit_chain finds no break)', async () => {
    const count = async (): Promise<number> => (await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_logs'))[0].n;
    const before = await count();
    const customer = await newCustomer('Audit Trail Co');
    await h.db.query(
      `INSERT INTO payment_records (customer_id, invoice_number, amount, currency, issued_date, due_date, status)
       SELECT $1, 'AUDIT-' || g, 100 + g, 'USD', $2::date - 200, $2::date - 1 - g % 150, 'pending'
         FROM generate_series(1, 1200) g`,
      [customer, TODAY],
    );
    const toPay = await Promise.all([1, 2, 3, 4, 5].map(() => createInvoice(customer, { amount: usd('100') })));
    const toCancel = await Promise.all([1, 2, 3, 4, 5].map(() => createInvoice(customer, { amount: usd('100') })));
    // Four sweeps (1200 marked_overdue events) while invoices are paid and cancelled.
    const counts = await Promise.all([
      ...[1, 2, 3, 4].map(() => sweep()),
      ...toPay.map((invoice) => pay(invoice.id, '40').then(() => 0)),
      ...toCancel.map((invoice) => cancel(invoice.id).then(() => 0)),
    ]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1200);
    // Only the events this test caused: 1200 sweeps, 10 creates, 5 payments, 5 cancellations.
    expect((await count()) - before).toBeGreaterThan(1200);
    await h.db.query('SELECT seal_audit_chain(100000)'); // what the compliance service's sequencer does
    expect(await h.db.query("SELECT count(*)::int AS n FROM audit_logs WHERE seq IS NULL")).toEqual([{ n: 0 }]);
    expect(await h.db.query('SELECT * FROM verify_audit_chain()')).toEqual([]);
  });
});
