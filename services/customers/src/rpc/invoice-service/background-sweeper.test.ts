import { eventually } from '@cec/testing';
import { useCustomersService } from '../../testing/customers-harness';
import { TODAY } from './testing-fixtures';

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
    const state = await eventually(
      async () => {
        const [{ status }] = await swept.db.query<{ status: string }>('SELECT status FROM payment_records WHERE id = $1', [id]);
        return status !== 'pending' && status;
      },
      { what: 'the sweeper to change the invoice', timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(state).toBe('overdue');
    expect(await swept.db.query('SELECT action, actor_type, actor_id FROM audit_logs WHERE entity_id = $1', [id])).toEqual([
      { action: 'marked_overdue', actor_type: 'system', actor_id: 'customers.overdue_sweeper' },
    ]);
  });
});
