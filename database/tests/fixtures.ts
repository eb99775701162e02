import { Client } from 'pg';
import type { TestDatabase } from '@cec/testing';

/** One valid row in every domain table, with created_at/updated_at far in the past. */
export interface Fixtures {
  customerId: string;
  profileId: string;
  paymentRecordId: string;
  agentId: string;
  campaignId: string;
  taskId: string;
  templateId: string;
  contactAttemptId: string;
  optOutId: string;
  complianceRuleId: string;
}

const OLD = "'2000-01-01T00:00:00Z'";

export async function insertFixtures(db: TestDatabase, suffix = ''): Promise<Fixtures> {
  const one = async (sql: string, params: unknown[] = []): Promise<string> => (await db.query<{ id: string }>(sql, params))[0].id;
  const customerId = await one(
    `INSERT INTO customers (company_name, contact_name, email, phone, preferred_contact_method, created_at, updated_at)
     VALUES ($1, 'Ada Buyer', 'ap@acme.example', '+14155550100', 'phone', ${OLD}, ${OLD}) RETURNING id`,
    [`Acme Fixtures${suffix}`],
  );
  const profileId = await one(
    `INSERT INTO customer_profiles (customer_id, timezone, country_code, region_code, created_at, updated_at)
     VALUES ($1, 'America/New_York', 'US', 'MA', ${OLD}, ${OLD}) RETURNING id`,
    [customerId],
  );
  const paymentRecordId = await one(
    `INSERT INTO payment_records (customer_id, invoice_number, amount, currency, issued_date, due_date, created_at, updated_at)
     VALUES ($1, $2, 1200.50, 'USD', current_date - 40, current_date - 10, ${OLD}, ${OLD}) RETURNING id`,
    [customerId, `INV-FIX-1${suffix}`],
  );
  const agentId = await one(
    `INSERT INTO agents (name, type, status, created_at, updated_at) VALUES ($1, 'phone', 'idle', ${OLD}, ${OLD}) RETURNING id`,
    [`agent-fixture${suffix}`],
  );
  const campaignId = await one(
    `INSERT INTO campaigns (customer_id, name, status, escalation_steps, started_at, created_at, updated_at)
     VALUES ($1, 'Fixture campaign', 'active',
             '[{"name":"Reminder","task_type":"send_email","channel":"email","template":"reminder","delay_days":1,"delay_from":"due_date","priority":"low"}]',
             now(), ${OLD}, ${OLD}) RETURNING id`,
    [customerId],
  );
  const taskId = await one(
    `INSERT INTO tasks (campaign_id, customer_id, step_index, type, priority, created_at, updated_at)
     VALUES ($1, $2, 0, 'send_email', 'high', ${OLD}, ${OLD}) RETURNING id`,
    [campaignId, customerId],
  );
  const templateId = await one(
    `INSERT INTO templates (name, channel, subject, body, created_at, updated_at)
     VALUES ($1, 'email', 'Invoice {{invoice_number}}', 'Hello {{contact_name}}', ${OLD}, ${OLD}) RETURNING id`,
    [`reminder_fixture${suffix.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`],
  );
  const contactAttemptId = await one(
    `INSERT INTO contact_attempts (customer_id, task_id, campaign_id, agent_id, template_id, channel, status, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, 'email', 'sent', ${OLD}, ${OLD}) RETURNING id`,
    [customerId, taskId, campaignId, agentId, templateId],
  );
  const optOutId = await one(
    `INSERT INTO opt_outs (customer_id, channel, opted_out_at, created_at, updated_at)
     VALUES ($1, 'sms', now() - interval '1 day', ${OLD}, ${OLD}) RETURNING id`,
    [customerId],
  );
  const complianceRuleId = await one(
    `INSERT INTO compliance_rules (code, name, rule_type, channel, jurisdiction, parameters, created_at, updated_at)
     VALUES ($1, 'Fixture cap', 'frequency_cap', 'phone', 'US-MA', '{"max_attempts": 2, "window_days": 7}', ${OLD}, ${OLD})
     RETURNING id`,
    [`fixture_cap${suffix.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`],
  );
  return {
    customerId, profileId, paymentRecordId, agentId, campaignId, taskId, templateId, contactAttemptId, optOutId, complianceRuleId,
  };
}

/** Runs `work` on a connection of its own to `db` as `role` (a service role), closed afterwards. */
export async function asRole<T>(db: TestDatabase, role: string, work: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: db.urlAs(role) });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
