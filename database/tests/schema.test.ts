import { useTestDatabase } from '@cec/testing';
import { insertFixtures, type Fixtures } from './fixtures';

const TABLES = [
  'customers', 'customer_profiles', 'payment_records', 'agents', 'campaigns', 'tasks', 'contact_attempts',
  'templates', 'audit_logs', 'opt_outs', 'compliance_rules', 'system_metrics', 'schema_migrations', 'payments',
  'audit_chain_state', 'compliance_rule_versions', 'opt_out_events', 'compliance_decisions', 'contact_reservations',
  'compliance_contact_attempts', 'campaign_invoices', 'campaigns_outbox', 'customer_contact_outcomes',
  'campaign_step_runs', 'enrolment_policy', 'metrics_retention',
];
const VIEWS = [
  'v_active_campaigns', 'v_pending_tasks', 'v_agent_performance', 'v_customer_communications',
  'v_overdue_payments', 'v_campaign_effectiveness',
  // migration 014 (reports)
  'v_report_invoice_payments', 'v_campaign_recovery',
];
const FUNCTIONS = [
  'check_opt_out_status(uuid,text)',
  'log_audit_event(text,uuid,text,text,text,jsonb)',
  'log_audit_event(text,uuid,text,text,text,jsonb,uuid)',
  'log_audit_events(jsonb)',
  'seal_audit_chain(integer)',
  'audit_chain_status()',
  'calculate_customer_risk_score(uuid)',
  'customer_risk_factors(uuid,date)',
  'verify_audit_chain()',
  'audit_chain_head()',
  'update_updated_at_column()',
  // migration 014 (reports)
  'report_aging_bucket(integer)',
  'report_receivables_at(date)',
  'report_overdue_aging(date)',
  'report_receivables_summary(date,date)',
  'report_contact_outcomes(timestamptz,timestamptz)',
  'report_step_recovery(timestamptz,timestamptz,integer)',
];

describe('schema', () => {
  const db = useTestDatabase();
  let fx: Fixtures;

  beforeAll(async () => {
    fx = await insertFixtures(db);
  });

  it('has every table of the seed README', async () => {
    const rows = await db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    );
    // system_metrics' daily partitions (migration 013) are parts of it, not tables of their own.
    const tables = rows.map((r) => r.table_name).filter((name) => !/^system_metrics_p\d{8}$/.test(name));
    expect(tables.sort()).toEqual([...TABLES].sort());
  });

  it('has the reporting views', async () => {
    const rows = await db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.views WHERE table_schema = 'public'",
    );
    expect(rows.map((r) => r.table_name).sort()).toEqual([...VIEWS].sort());
    for (const view of VIEWS) await db.query(`SELECT * FROM ${view} LIMIT 1`);
  });

  it.each(FUNCTIONS)('has function %s', async (signature) => {
    const rows = await db.query<{ oid: string | null }>('SELECT to_regprocedure($1) AS oid', [signature]);
    expect(rows[0].oid).not.toBeNull();
  });

  it('puts the updated_at trigger on every table that has the column', async () => {
    const withColumn = await db.query<{ table_name: string }>(
      `SELECT c.table_name FROM information_schema.columns c
         JOIN information_schema.tables t USING (table_schema, table_name)
        WHERE c.table_schema = 'public' AND c.column_name = 'updated_at' AND t.table_type = 'BASE TABLE'`,
    );
    const withTrigger = await db.query<{ table_name: string }>(
      `SELECT c.relname AS table_name FROM pg_trigger tg
         JOIN pg_class c ON c.oid = tg.tgrelid
         JOIN pg_proc p ON p.oid = tg.tgfoid
        WHERE p.proname = 'update_updated_at_column' AND NOT tg.tgisinternal`,
    );
    expect(withColumn.length).toBe(12);
    expect(withTrigger.map((r) => r.table_name).sort()).toEqual(withColumn.map((r) => r.table_name).sort());
  });

  it.each([
    ['customers', 'customerId'],
    ['customer_profiles', 'profileId'],
    ['payment_records', 'paymentRecordId'],
    ['agents', 'agentId'],
    ['campaigns', 'campaignId'],
    ['tasks', 'taskId'],
    ['templates', 'templateId'],
    ['contact_attempts', 'contactAttemptId'],
    ['opt_outs', 'optOutId'],
    ['compliance_rules', 'complianceRuleId'],
  ] as const)('sets %s.updated_at on update', async (table, key) => {
    const id = fx[key];
    const [before] = await db.query<{ updated_at: Date; created_at: Date }>(
      `SELECT created_at, updated_at FROM ${table} WHERE id = $1`, [id],
    );
    expect(before.updated_at.toISOString()).toBe('2000-01-01T00:00:00.000Z');
    await db.query(`UPDATE ${table} SET created_at = created_at WHERE id = $1`, [id]);
    const [after] = await db.query<{ updated_at: Date; created_at: Date; now: Date }>(
      `SELECT created_at, updated_at, now() AS now FROM ${table} WHERE id = $1`, [id],
    );
    expect(after.created_at).toEqual(before.created_at);
    expect(after.updated_at.getTime()).toBeGreaterThan(Date.parse('2020-01-01'));
    expect(Math.abs(after.updated_at.getTime() - after.now.getTime())).toBeLessThan(60_000);
  });

  // Every enumerated value of the seed README is enforced by a CHECK.
  it.each([
    ['customers', 'preferred_contact_method', 'customerId', ['email', 'phone', 'sms'], 'fax'],
    ['customer_profiles', 'risk_level', 'profileId', ['low', 'medium', 'high', 'critical'], 'extreme'],
    ['payment_records', 'status', 'paymentRecordId', ['pending', 'overdue'], 'lost'],
    ['agents', 'type', 'agentId', ['email', 'phone', 'sms', 'research'], 'fax'],
    ['agents', 'status', 'agentId', ['idle', 'active', 'busy', 'error', 'offline'], 'sleeping'],
    ['campaigns', 'status', 'campaignId', ['active', 'paused'], 'archived'],
    ['tasks', 'type', 'taskId', ['send_email', 'make_call', 'send_sms', 'research', 'manual_review'], 'send_fax'],
    ['tasks', 'priority', 'taskId', ['low', 'medium', 'high', 'urgent'], 'whenever'],
    ['tasks', 'status', 'taskId', ['pending', 'cancelled'], 'lost'],
    ['contact_attempts', 'channel', 'contactAttemptId', ['email', 'sms'], 'pigeon'],
    ['contact_attempts', 'status', 'contactAttemptId', ['sent', 'delivered', 'opened', 'replied', 'bounced', 'failed'], 'ignored'],
    ['templates', 'channel', 'templateId', ['email'], 'fax'],
    ['opt_outs', 'channel', 'optOutId', ['email', 'phone', 'sms', 'all'], 'fax'],
  ] as const)('%s.%s accepts only its enumerated values', async (table, column, key, good, bad) => {
    const id = fx[key];
    for (const value of good) await db.query(`UPDATE ${table} SET ${column} = $1 WHERE id = $2`, [value, id]);
    await expect(db.query(`UPDATE ${table} SET ${column} = $1 WHERE id = $2`, [bad, id])).rejects.toMatchObject({
      code: '23514',
    });
  });

  it('keeps money exact: amounts are NUMERIC with a currency, and no column is a float', async () => {
    const floats = await db.query(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'public' AND data_type IN ('real', 'double precision', 'money')`,
    );
    expect(floats).toEqual([]);
    const money = await db.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = 'payment_records' AND column_name IN ('amount', 'amount_paid', 'currency')
        ORDER BY column_name`,
    );
    expect(money).toEqual([
      { column_name: 'amount', data_type: 'numeric' },
      { column_name: 'amount_paid', data_type: 'numeric' },
      { column_name: 'currency', data_type: 'character' },
    ]);
    const [{ amount }] = await db.query<{ amount: string }>('SELECT amount FROM payment_records WHERE id = $1', [fx.paymentRecordId]);
    expect(amount).toBe('1200.5000');
  });

  it('rejects invoices whose numbers do not add up', async () => {
    const bad = [
      `UPDATE payment_records SET amount_paid = 5000 WHERE id = $1`,
      `UPDATE payment_records SET status = 'paid' WHERE id = $1`,
      `UPDATE payment_records SET status = 'partial' WHERE id = $1`,
      `UPDATE payment_records SET amount = -1 WHERE id = $1`,
      `UPDATE payment_records SET currency = 'usd' WHERE id = $1`,
    ];
    for (const sql of bad) await expect(db.query(sql, [fx.paymentRecordId])).rejects.toMatchObject({ code: '23514' });
    await expect(
      db.query(
        `INSERT INTO payment_records (customer_id, invoice_number, amount, currency, due_date)
         VALUES ($1, 'INV-FIX-1', 10, 'USD', current_date)`,
        [fx.customerId],
      ),
    ).rejects.toMatchObject({ code: '23505' });
  });

  it('indexes the leading columns of every foreign key', async () => {
    const unindexed = await db.query<{ fk: string }>(
      `SELECT c.conrelid::regclass || '(' || array_to_string(ARRAY(
                SELECT a.attname FROM unnest(c.conkey) k JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k), ',') || ')' AS fk
         FROM pg_constraint c
        WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
          AND NOT EXISTS (
                SELECT 1 FROM pg_index i
                 WHERE i.indrelid = c.conrelid
                   AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey
                   AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] <@ c.conkey)`,
    );
    expect(unindexed).toEqual([]);
  });

  it('has partial indexes for the queue-like reads', async () => {
    const rows = await db.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes
        WHERE schemaname = 'public' AND indexname IN ('idx_tasks_claimable', 'idx_tasks_lease', 'idx_campaigns_due', 'idx_payment_records_pending_due')
        ORDER BY indexname`,
    );
    expect(rows.map((r) => r.indexname)).toEqual([
      'idx_campaigns_due', 'idx_payment_records_pending_due', 'idx_tasks_claimable', 'idx_tasks_lease',
    ]);
    for (const row of rows) expect(row.indexdef).toMatch(/ WHERE /);
  });

  it('gives tasks a priority rank the queue can order by', async () => {
    await db.query("UPDATE tasks SET priority = 'high' WHERE id = $1", [fx.taskId]);
    const [row] = await db.query<{ priority_rank: number }>('SELECT priority_rank FROM tasks WHERE id = $1', [fx.taskId]);
    expect(row.priority_rank).toBe(1);
    await db.query("UPDATE tasks SET priority = 'urgent' WHERE id = $1", [fx.taskId]);
    const [urgent] = await db.query<{ priority_rank: number }>('SELECT priority_rank FROM tasks WHERE id = $1', [fx.taskId]);
    expect(urgent.priority_rank).toBe(0);
  });
});
