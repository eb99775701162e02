import { Client } from 'pg';
import { useTestDatabase } from '@cec/testing';

describe('check_opt_out_status', () => {
  const db = useTestDatabase();
  let customer: string;

  const optedOut = async (channel: string, id = customer): Promise<boolean> =>
    (await db.query<{ out: boolean }>('SELECT check_opt_out_status($1, $2) AS out', [id, channel]))[0].out;

  beforeEach(async () => {
    [{ id: customer }] = await db.query<{ id: string }>(
      "INSERT INTO customers (company_name, email) VALUES ('Opt Co', 'ap@opt.example') RETURNING id",
    );
    await db.query('INSERT INTO customer_profiles (customer_id) VALUES ($1)', [customer]);
  });

  it('is false with no opt-out', async () => {
    for (const channel of ['email', 'phone', 'sms']) expect(await optedOut(channel)).toBe(false);
  });

  it('bars only the channel opted out of', async () => {
    await db.query("INSERT INTO opt_outs (customer_id, channel, source) VALUES ($1, 'sms', 'reply_stop')", [customer]);
    expect(await optedOut('sms')).toBe(true);
    expect(await optedOut('email')).toBe(false);
    expect(await optedOut('phone')).toBe(false);
  });

  it("bars every channel for 'all'", async () => {
    await db.query("INSERT INTO opt_outs (customer_id, channel) VALUES ($1, 'all')", [customer]);
    for (const channel of ['email', 'phone', 'sms']) expect(await optedOut(channel)).toBe(true);
  });

  it('ignores revoked, expired and not-yet-effective opt-outs', async () => {
    await db.query(
      "INSERT INTO opt_outs (customer_id, channel, revoked_at, revoked_reason) VALUES ($1, 'email', now(), 'opted back in')",
      [customer],
    );
    await db.query(
      "INSERT INTO opt_outs (customer_id, channel, opted_out_at, expires_at) VALUES ($1, 'phone', now() - interval '30 days', now() - interval '1 day')",
      [customer],
    );
    await db.query("INSERT INTO opt_outs (customer_id, channel, opted_out_at) VALUES ($1, 'sms', now() + interval '1 day')", [customer]);
    for (const channel of ['email', 'phone', 'sms']) expect(await optedOut(channel)).toBe(false);
  });

  it('treats do-not-contact as opted out of everything', async () => {
    await db.query('UPDATE customer_profiles SET do_not_contact = true WHERE customer_id = $1', [customer]);
    for (const channel of ['email', 'phone', 'sms']) expect(await optedOut(channel)).toBe(true);
  });

  it('allows one live opt-out per customer and channel', async () => {
    await db.query("INSERT INTO opt_outs (customer_id, channel) VALUES ($1, 'email')", [customer]);
    await expect(db.query("INSERT INTO opt_outs (customer_id, channel) VALUES ($1, 'email')", [customer])).rejects.toMatchObject({
      code: '23505',
    });
  });

  it('rejects an unknown channel', async () => {
    await expect(optedOut('fax')).rejects.toMatchObject({ code: '22023', message: expect.stringContaining('fax') });
  });
});

describe('log_audit_event', () => {
  const db = useTestDatabase();

  it('appends a row, unsealed, returns its id, and the sequencer chains it', async () => {
    const [{ id }] = await db.query<{ id: string }>(
      `SELECT log_audit_event('campaign', '7b0c4d7e-58f5-4d2f-8a5b-6c1c1d0b3b11', 'status_changed', 'system', 'campaign_manager',
                              '{"before": "draft", "after": "active"}'::jsonb) AS id`,
    );
    const [row] = await db.query('SELECT * FROM audit_logs WHERE id = $1', [id]);
    expect(row).toMatchObject({
      entity_type: 'campaign',
      entity_id: '7b0c4d7e-58f5-4d2f-8a5b-6c1c1d0b3b11',
      action: 'status_changed',
      actor_type: 'system',
      actor_id: 'campaign_manager',
      details: { before: 'draft', after: 'active' },
    });
    expect(row).toMatchObject({ seq: null, prev_hash: null, row_hash: null });
    const [{ id: second }] = await db.query<{ id: string }>(
      "SELECT log_audit_event('campaign', NULL, 'noted', 'user', 'ops@example.com') AS id",
    );
    await db.query('SELECT seal_audit_chain()');
    const [first] = await db.query('SELECT * FROM audit_logs WHERE id = $1', [id]);
    expect(first.row_hash).toMatch(/^[0-9a-f]{64}$/);
    const [next] = await db.query('SELECT * FROM audit_logs WHERE id = $1', [second]);
    expect(Number(next.seq)).toBe(Number(first.seq) + 1);
    expect(next.prev_hash).toBe(first.row_hash);
    expect(next.details).toEqual({});
    expect(await db.query('SELECT * FROM verify_audit_chain()')).toEqual([]);
  });

  it('rejects bad input and writes nothing', async () => {
    const [{ n: before }] = await db.query<{ n: string }>('SELECT count(*) AS n FROM audit_logs');
    await expect(db.query("SELECT log_audit_event('campaign', NULL, 'x', 'robot', 'r2')")).rejects.toMatchObject({ code: '23514' });
    await expect(db.query("SELECT log_audit_event('', NULL, 'x', 'system', 's')")).rejects.toMatchObject({ code: '23514' });
    await expect(db.query("SELECT log_audit_event('campaign', NULL, 'x', 'system', 's', '[1]')")).rejects.toMatchObject({ code: '23514' });
    const [{ n: after }] = await db.query<{ n: string }>('SELECT count(*) AS n FROM audit_logs');
    expect(after).toBe(before);
  });

  it('belongs to the transaction of the change it records', async () => {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query("SELECT log_audit_event('customer', NULL, 'created', 'service', 'customers') AS id");
      await client.query('ROLLBACK');
      expect(await db.query('SELECT 1 FROM audit_logs WHERE id = $1', [rows[0].id])).toHaveLength(0);
    } finally {
      await client.end();
    }
    expect(await db.query('SELECT * FROM verify_audit_chain()')).toEqual([]);
  });

  it('takes concurrent appends from many connections, and the sequencer chains them without a fork or a gap', async () => {
    const [{ n: before }] = await db.query<{ n: string }>('SELECT count(*) AS n FROM audit_logs');
    const clients = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const c = new Client({ connectionString: db.urlAs('campaigns_svc') });
        await c.connect();
        return c;
      }),
    );
    try {
      await Promise.all(
        clients.map(async (c, i) => {
          for (let j = 0; j < 5; j += 1) {
            await c.query('BEGIN');
            await c.query("SELECT log_audit_event('task', NULL, 'claimed', 'agent', $1, jsonb_build_object('j', $2::int))", [`agent-${i}`, j]);
            await c.query('COMMIT');
          }
        }),
      );
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
    await db.query('SELECT seal_audit_chain()');
    const rows = await db.query<{ seq: string }>('SELECT seq FROM audit_logs ORDER BY seq');
    expect(rows.length).toBe(Number(before) + 60);
    rows.forEach((row, index) => expect(Number(row.seq)).toBe(index + 1));
    expect(await db.query('SELECT * FROM verify_audit_chain()')).toEqual([]);
  });
});

describe('calculate_customer_risk_score', () => {
  const db = useTestDatabase();

  async function customerWith(responseRate: number | null, invoices: string[]): Promise<string> {
    const [{ id }] = await db.query<{ id: string }>(
      "INSERT INTO customers (company_name, email) VALUES ('Risk Co', 'ap@risk.example') RETURNING id",
    );
    await db.query('INSERT INTO customer_profiles (customer_id, response_rate) VALUES ($1, $2)', [id, responseRate]);
    for (const [n, values] of invoices.entries()) {
      await db.query(
        `INSERT INTO payment_records (customer_id, invoice_number, amount, amount_paid, currency, issued_date, due_date, paid_date, status, cancelled_at)
         SELECT $1, $2, v.amount, v.amount_paid, 'USD', v.due_date - 30, v.due_date, v.paid_date, v.status,
                CASE WHEN v.status = 'cancelled' THEN now() END
           FROM (SELECT ${values}) AS v(amount, amount_paid, due_date, paid_date, status)`,
        [id, `INV-${id.slice(0, 8)}-${n}`],
      );
    }
    return id;
  }

  const factors = async (id: string) => (await db.query('SELECT * FROM customer_risk_factors($1)', [id]))[0];
  const score = async (id: string) =>
    (await db.query<{ s: number }>('SELECT calculate_customer_risk_score($1) AS s', [id]))[0].s;

  it('scores a customer with no invoices on responsiveness alone', async () => {
    const id = await customerWith(null, []);
    expect(await score(id)).toBe(5);
    expect(await factors(id)).toMatchObject({ score: 5, risk_level: 'low', overdue_balance: '0', responsiveness_points: '5.00' });
  });

  it('weights lateness by amount and adds exposure, age, broken payments and silence', async () => {
    const id = await customerWith(0.5, [
      "1000::numeric, 1000::numeric, current_date - 40, current_date - 30, 'paid'", // 10 days late
      "3000::numeric, 0::numeric, current_date - 60, NULL::date, 'overdue'", // 60 days overdue
      "500::numeric, 200::numeric, current_date - 20, NULL::date, 'partial'", // broken: part paid, past due
      "2000::numeric, 0::numeric, current_date + 10, NULL::date, 'pending'", // not due yet
      "9999::numeric, 0::numeric, current_date - 90, NULL::date, 'cancelled'", // ignored
    ]);
    // weighted days late = (1000*10 + 3000*60 + 500*20) / 4500 = 44.44 -> 35 * 44.44 / 90 = 17.28
    // exposure = 25 * (3000 + 300) / 6500 = 12.69; age = 15 * 60 / 120 = 7.5; broken = 5; silence = 10 * 0.5 = 5
    expect(await factors(id)).toMatchObject({
      weighted_days_late: '44.44',
      delay_points: '17.28',
      total_invoiced: '6500.0000',
      overdue_balance: '3300.0000',
      overdue_ratio: '0.5077',
      exposure_points: '12.69',
      oldest_days_overdue: 60,
      age_points: '7.50',
      broken_payments: 1,
      broken_points: '5',
      responsiveness_points: '5.00',
      score: 47,
      risk_level: 'medium',
    });
    expect(await score(id)).toBe(47);
  });

  it('reaches critical for a large, old, broken, silent debt', async () => {
    const id = await customerWith(0, [
      "10000::numeric, 0::numeric, current_date - 150, NULL::date, 'overdue'",
      "1000::numeric, 100::numeric, current_date - 100, NULL::date, 'partial'",
      "1000::numeric, 500::numeric, current_date - 95, NULL::date, 'partial'",
    ]);
    // delay 35 (capped at 90 days) + exposure 25 * 11400/12000 = 23.75 + age 15 + broken 10 + silence 10 = 93.75
    expect(await factors(id)).toMatchObject({ delay_points: '35.00', exposure_points: '23.75', age_points: '15.00', broken_points: '10', score: 94, risk_level: 'critical' });
  });

  it('gives low risk to a customer who pays on time and answers', async () => {
    const id = await customerWith(1, ["5000::numeric, 5000::numeric, current_date - 10, current_date - 12, 'paid'"]);
    expect(await score(id)).toBe(0);
  });

  it('maps scores to levels at 25, 50 and 75', async () => {
    const rows = await db.query<{ s: number; l: string }>(
      'SELECT s, risk_level_for_score(s) AS l FROM unnest(ARRAY[0, 24, 25, 49, 50, 74, 75, 100]) AS s',
    );
    expect(rows.map((r) => r.l)).toEqual(['low', 'low', 'medium', 'medium', 'high', 'high', 'critical', 'critical']);
  });

  it('refuses an unknown customer', async () => {
    await expect(score('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: 'P0002' });
  });
});
