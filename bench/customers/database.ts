/**
 * The bench database: a fresh, migrated database (cec_bench_<random>) on the server of
 * DATABASE_URL, or on a throw-away embedded PostgreSQL (temp dir, free port, no fsync), filled
 * with a realistic data set by set-based SQL.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, quoteIdent, redactUrl, startThrowAwayPostgres, stopEmbeddedPostgres, withDatabase } from '@cec/db';
import { withClient } from '../common/pg';

export interface BenchDatabase {
  /** Superuser (migration role) URL of the bench database. */
  url: string;
  /** Where it runs, for the report. */
  description: string;
  /** PID of the embedded server's postmaster (to read its CPU time); undefined with DATABASE_URL. */
  postmasterPid?: number;
  /** Drops the database, or stops and removes the embedded server. Idempotent. */
  dispose(): Promise<void>;
}

export interface DataSet {
  customers: number;
  invoices: number;
  byStatus: Record<string, number>;
  /** Rows of v_overdue_payments. */
  overdueRows: number;
  payments: number;
  serverVersion: string;
}

/** Creates and migrates the bench database; `log` reports progress. */
export async function createBenchDatabase(log: (line: string) => void): Promise<BenchDatabase> {
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const name = `cec_bench_${runId}`;
  let adminUrl: string;
  let dataDir: string | undefined;
  let description: string;

  if (process.env.DATABASE_URL) {
    adminUrl = withDatabase(process.env.DATABASE_URL, 'postgres');
    description = `${redactUrl(withDatabase(process.env.DATABASE_URL, name))} (DATABASE_URL)`;
    log(`using the server of DATABASE_URL, database ${name}`);
  } else {
    dataDir = join(tmpdir(), `cec-bench-pg-${runId}`);
    log(`starting a throw-away embedded PostgreSQL in ${dataDir}`);
    adminUrl = await startThrowAwayPostgres(dataDir);
    description = `embedded PostgreSQL, throw-away (fsync off), ${new URL(adminUrl).host}`;
  }

  let created = false;
  let disposed: Promise<void> | undefined;
  const dispose = (): Promise<void> => {
    disposed ??= (async () => {
      if (dataDir) {
        await stopEmbeddedPostgres(dataDir, 'immediate').catch(() => false);
        await rm(dataDir, { recursive: true, force: true });
      } else if (created) {
        await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
      }
    })();
    return disposed;
  };

  try {
    await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
    created = true;
    const url = withDatabase(adminUrl, name);
    const result = await migrate(url);
    log(`migrated (${result.applied.length} migrations)`);
    const postmasterPid = dataDir ? Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]) || undefined : undefined;
    return { url, description, postmasterPid, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/**
 * 10,000 customers (with profiles), 3 invoices each (30,000): about half paid, a fifth not yet
 * due, the rest overdue, partly paid past due, pending past due (not swept yet) or cancelled;
 * a payments ledger row for every paid or partly paid invoice; risk scores computed with
 * customer_risk_factors, as the service stores them. Every CHECK of migration 001 holds.
 */
export async function seed(url: string, customers: number): Promise<DataSet> {
  return withClient(url, async (c) => {
    await c.query('SET TimeZone = UTC');
    await c.query('BEGIN');
    await c.query(
      `INSERT INTO customers (company_name, contact_name, email, phone, preferred_contact_method, address, created_at, updated_at)
       SELECT format('%s %s %s', (ARRAY['Acme','Globex','Initech','Umbrella','Stark','Wayne','Hooli','Vandelay','Soylent','Tyrell'])[1 + i % 10],
                     lpad(i::text, 5, '0'), (ARRAY['Ltd','GmbH','Inc','LLC','SA','BV'])[1 + i % 6]),
              CASE WHEN i % 11 = 0 THEN NULL ELSE format('Contact Person %s', i) END,
              format('ap%s@customer%s.example.com', i, i),
              CASE WHEN i % 7 = 0 THEN NULL ELSE '+1415' || lpad((i * 37 % 10000000)::text, 7, '0') END,
              CASE WHEN i % 7 = 0 OR i % 10 < 6 THEN 'email' WHEN i % 10 < 8 THEN 'phone' ELSE 'sms' END,
              jsonb_strip_nulls(jsonb_build_object(
                  'line1', format('%s Market Street', 1 + i % 999),
                  'line2', CASE WHEN i % 4 = 0 THEN format('Suite %s', 100 + i % 900) END,
                  'city', (ARRAY['Boston','Springfield','Austin','Denver','Seattle'])[1 + i % 5],
                  'state', (ARRAY['MA','MA','TX','CO','WA'])[1 + i % 5],
                  'postal_code', lpad((i * 7 % 100000)::text, 5, '0'),
                  'country', 'US')),
              now() - make_interval(days => 30 + i % 900),
              now() - make_interval(days => i % 30)
         FROM generate_series(1, $1::int) AS i`,
      [customers],
    );
    await c.query(
      `INSERT INTO customer_profiles (customer_id, response_rate, do_not_contact, do_not_contact_reason, timezone, country_code, region_code, notes)
       SELECT id,
              CASE WHEN n % 5 = 0 THEN NULL ELSE round((n * 13 % 100) / 100.0, 4) END,
              n % 50 = 0,
              CASE WHEN n % 50 = 0 THEN 'asked not to be contacted' END,
              (ARRAY['America/New_York','America/Chicago','America/Denver','America/Los_Angeles','America/New_York'])[1 + n % 5],
              'US',
              (ARRAY['MA','NY','TX','CO','WA'])[1 + n % 5],
              CASE WHEN n % 9 = 0 THEN 'Prefers contact in the morning.' END
         FROM (SELECT id, row_number() OVER (ORDER BY company_name) AS n FROM customers) c`,
    );
    // Invoice k (1..3) of customer n; bucket = (n * 3 + k) * 7919 % 100 decides its state.
    await c.query(
      `INSERT INTO payment_records (customer_id, invoice_number, amount, amount_paid, currency, issued_date, due_date, paid_date,
                                    status, description, last_payment_at, cancelled_at, cancellation_reason, created_at)
       SELECT c.id,
              format('BENCH-%s-%s', lpad(c.n::text, 5, '0'), k),
              x.amount,
              CASE WHEN x.status = 'paid' THEN x.amount WHEN x.status = 'partial' THEN round(x.amount * 0.4, x.digits) ELSE 0 END,
              x.currency,
              x.due - 30,
              x.due,
              CASE WHEN x.status = 'paid' THEN x.pay_day END,
              x.status,
              CASE WHEN x.seq % 3 = 0 THEN NULL ELSE format('Services rendered, period %s', 1 + x.seq % 12) END,
              CASE WHEN x.status IN ('paid', 'partial') THEN x.pay_day::timestamptz + interval '10 hours' END,
              CASE WHEN x.status = 'cancelled' THEN (x.due - 20)::timestamptz + interval '9 hours' END,
              CASE WHEN x.status = 'cancelled' THEN 'issued in error' END,
              (x.due - 30)::timestamptz + interval '8 hours'
         FROM (SELECT id, row_number() OVER (ORDER BY company_name) AS n FROM customers) c
        CROSS JOIN generate_series(1, 3) AS k
        CROSS JOIN LATERAL (
              SELECT d.*, least(d.due + (d.seq % 40) - 10, current_date - 1) AS pay_day
                FROM (
              SELECT s.*,
                     CASE WHEN s.currency = 'JPY' THEN 0 ELSE 2 END AS digits,
                     CASE WHEN s.currency = 'JPY' THEN (10000 + s.seq * 7 % 990000)::numeric
                          ELSE round((100 + s.seq * 7 % 49900) + (s.seq % 100) / 100.0, 2) END AS amount,
                     CASE WHEN s.status IN ('pending') AND s.bucket < 75 THEN current_date + 1 + s.seq % 60  -- not yet due
                          WHEN s.status = 'pending' THEN current_date - 1 - s.seq % 20                     -- past due, not swept yet
                          WHEN s.status IN ('overdue', 'partial') THEN current_date - 1 - s.seq % 150
                          ELSE current_date - 10 - s.seq % 400 END AS due
                FROM (SELECT b.*,
                             CASE WHEN b.bucket < 50 THEN 'paid' WHEN b.bucket < 75 THEN 'pending' WHEN b.bucket < 80 THEN 'pending'
                                  WHEN b.bucket < 90 THEN 'overdue' WHEN b.bucket < 95 THEN 'partial' ELSE 'cancelled' END AS status,
                             (ARRAY['USD','USD','USD','USD','USD','USD','EUR','EUR','GBP','JPY'])[1 + b.seq % 10] AS currency
                        FROM (SELECT (c.n * 3 + k)::int AS seq, ((c.n * 3 + k) * 7919 % 100)::int AS bucket) b) s
              ) d) x`,
    );
    await c.query(
      `INSERT INTO payments (payment_record_id, amount, currency, paid_date, reference, recorded_at)
       SELECT id, amount_paid, currency, COALESCE(paid_date, (last_payment_at AT TIME ZONE 'UTC')::date),
              'bank transfer ' || invoice_number, last_payment_at
         FROM payment_records WHERE status IN ('paid', 'partial')`,
    );
    // The risk the service would have stored (same statement as its refreshRisk, for everyone).
    await c.query(
      `UPDATE customer_profiles p
          SET risk_score = f.score,
              risk_level = f.risk_level,
              risk_factors = to_jsonb(f) - 'score' - 'risk_level',
              average_payment_delay = f.weighted_days_late,
              risk_calculated_at = now()
         FROM customers c CROSS JOIN LATERAL customer_risk_factors(c.id) f
        WHERE p.customer_id = c.id`,
    );
    await c.query('COMMIT');
    await c.query('ANALYZE');

    const count = async (sql: string): Promise<number> => Number((await c.query<{ n: string }>(sql)).rows[0].n);
    const statuses = await c.query<{ status: string; n: string }>('SELECT status, count(*) AS n FROM payment_records GROUP BY status ORDER BY status');
    return {
      customers: await count('SELECT count(*) AS n FROM customers'),
      invoices: await count('SELECT count(*) AS n FROM payment_records'),
      byStatus: Object.fromEntries(statuses.rows.map((r) => [r.status, Number(r.n)])),
      overdueRows: await count('SELECT count(*) AS n FROM v_overdue_payments'),
      payments: await count('SELECT count(*) AS n FROM payments'),
      serverVersion: (await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v,
    };
  });
}

/** Every customer id, for GetCustomer to pick from. */
export async function customerIds(url: string): Promise<string[]> {
  return withClient(url, async (c) => (await c.query<{ id: string }>('SELECT id FROM customers ORDER BY id')).rows.map((r) => r.id));
}

/** Runs extra SQL as the superuser, then ANALYZE (BENCH_SETUP_SQL: what-if experiments, e.g. a proposed index). */
export async function runSetupSql(url: string, sql: string): Promise<void> {
  await withClient(url, async (c) => {
    await c.query(sql);
    await c.query('ANALYZE');
  });
}
