import { randomUUID } from 'node:crypto';
import type { TestDatabase } from '@cec/testing';

/**
 * Known rows for the report tests, written as the migration role. Dates are "YYYY-MM-DD"
 * (UTC days), times ISO 8601.
 */
export function reportFixtures(h: { db: TestDatabase }) {
  let n = 0;
  const next = () => (n += 1);

  /** A customer with its profile, as the customers service's CreateCustomer makes one (its GetCustomer knows it). */
  async function customer(name = `Customer ${next()}`): Promise<string> {
    const [row] = await h.db.query<{ id: string }>(
      `WITH c AS (INSERT INTO customers (company_name, email) VALUES ($1, $2) RETURNING id)
       INSERT INTO customer_profiles (customer_id) SELECT id FROM c RETURNING customer_id AS id`,
      [name, `c${next()}@example.com`],
    );
    return row.id;
  }

  interface InvoiceSpec {
    customerId: string;
    amount: string;
    currency?: string;
    issued: string;
    due: string;
    /** amount_paid (default: the ledger payments given, else 0). */
    amountPaid?: string;
    status?: 'pending' | 'overdue' | 'partial' | 'paid' | 'cancelled';
    paidDate?: string;
    lastPaymentAt?: string;
  }

  /** An invoice; amount_paid and status as given (the payments ledger is written with payment()). */
  async function invoice(spec: InvoiceSpec): Promise<string> {
    const status = spec.status ?? 'pending';
    const [row] = await h.db.query<{ id: string }>(
      `INSERT INTO payment_records (customer_id, invoice_number, amount, amount_paid, currency, issued_date, due_date, paid_date, status,
                                    last_payment_at, cancelled_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
      [
        spec.customerId,
        `INV-${next()}-${randomUUID().slice(0, 8)}`,
        spec.amount,
        spec.amountPaid ?? '0',
        spec.currency ?? 'USD',
        spec.issued,
        spec.due,
        spec.paidDate ?? null,
        status,
        spec.lastPaymentAt ?? null,
        status === 'cancelled' ? `${spec.issued}T12:00:00Z` : null,
      ],
    );
    return row.id;
  }

  /** A payments ledger row (migration 007); the invoice's amount_paid is the caller's to keep right. */
  async function payment(invoiceId: string, amount: string, paidDate: string): Promise<void> {
    await h.db.query(
      `INSERT INTO payments (payment_record_id, amount, currency, paid_date)
       SELECT id, $2, currency, $3 FROM payment_records WHERE id = $1`,
      [invoiceId, amount, paidDate],
    );
  }

  async function agent(name: string, type: 'email' | 'phone' | 'sms' | 'research'): Promise<string> {
    const [row] = await h.db.query<{ id: string }>(`INSERT INTO agents (name, type) VALUES ($1, $2) RETURNING id`, [name, type]);
    return row.id;
  }

  /** An active campaign started at `startedAt`, chasing `invoiceIds`. */
  async function campaign(customerId: string, name: string, invoiceIds: string[], startedAt = '2026-01-01T00:00:00Z', steps = 3): Promise<string> {
    const schedule = Array.from({ length: steps }, (_, i) => ({ name: `Step ${i + 1}`, task_type: 'send_email', channel: 'email', delay_days: i }));
    const [row] = await h.db.query<{ id: string }>(
      `INSERT INTO campaigns (customer_id, name, status, escalation_steps, started_at) VALUES ($1, $2, 'active', $3, $4) RETURNING id`,
      [customerId, name, JSON.stringify(schedule), startedAt],
    );
    for (const invoiceId of invoiceIds) await h.db.query('INSERT INTO campaign_invoices (campaign_id, invoice_id) VALUES ($1, $2)', [row.id, invoiceId]);
    return row.id;
  }

  interface TaskSpec {
    customerId: string;
    campaignId?: string;
    agentId?: string;
    stepIndex?: number;
    status?: 'pending' | 'completed' | 'failed' | 'assigned';
    startedAt?: string;
    completedAt?: string;
  }

  async function task(spec: TaskSpec): Promise<string> {
    const status = spec.status ?? 'pending';
    const [row] = await h.db.query<{ id: string }>(
      `INSERT INTO tasks (customer_id, campaign_id, agent_id, step_index, type, status, started_at, completed_at, lease_expires_at)
       VALUES ($1, $2, $3, $4, 'send_email', $5, $6, $7, $8) RETURNING id`,
      [
        spec.customerId,
        spec.campaignId ?? null,
        spec.agentId ?? null,
        spec.stepIndex ?? null,
        status,
        spec.startedAt ?? null,
        spec.completedAt ?? null,
        status === 'assigned' ? new Date(Date.now() + 3_600_000) : null,
      ],
    );
    return row.id;
  }

  /** A ledger row of the escalation engine (migration 011); a contact step (task_created) gets a task of its own. */
  async function stepRun(campaignId: string, customerId: string, stepIndex: number, outcome: 'task_created' | 'refused' | 'skipped', createdAt: string): Promise<void> {
    const taskId = outcome === 'task_created' ? await task({ customerId, campaignId, stepIndex }) : null;
    await h.db.query(
      `INSERT INTO campaign_step_runs (campaign_id, step_index, run_key, outcome, channel, task_id, created_at)
       VALUES ($1, $2, $3, $4, 'email', $5, $6)`,
      [campaignId, stepIndex, randomUUID(), outcome, taskId, createdAt],
    );
  }

  interface AttemptSpec {
    customerId: string;
    channel: 'email' | 'phone' | 'sms' | 'letter';
    status: 'sent' | 'delivered' | 'opened' | 'answered' | 'replied' | 'bounced' | 'failed';
    at: string;
    agentId?: string;
    campaignId?: string;
    duration?: number;
    outcome?: string;
  }

  async function attempt(spec: AttemptSpec): Promise<string> {
    const [row] = await h.db.query<{ id: string }>(
      `INSERT INTO contact_attempts (customer_id, channel, status, attempted_at, agent_id, campaign_id, duration, outcome)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [spec.customerId, spec.channel, spec.status, spec.at, spec.agentId ?? null, spec.campaignId ?? null, spec.duration ?? null, spec.outcome ?? null],
    );
    return row.id;
  }

  return { customer, invoice, payment, agent, campaign, task, stepRun, attempt };
}
