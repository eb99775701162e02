/**
 * The escalation engine benchmark's data, by set-based SQL on a database made by
 * bench/customers/database.ts (createBenchDatabase: migrated, throw-away):
 *
 * - `customers` customers with contact profiles in five countries (45% US in three zones, 25%
 *   GB, 15% DE, 10% AU, 5% CA), and opt-outs for a few (2% e-mail, 1% SMS, 0.5% every channel);
 * - one overdue invoice per campaign (`steps` of them, spread evenly over the customers), due 2
 *   to 5 days ago, one in ten partly paid (with its payments row);
 * - `steps` active campaigns, one per invoice, each with exactly one step due, written as
 *   CreateCampaign with start = true writes them: the campaigns row (escalation_steps copied from
 *   a prototype the service made, anchor_due_date = the invoice's due date, started_at,
 *   next_step_at, created_by, request_id) and its campaign_invoices link (the trigger fills in
 *   customer and running flag). Their creation audit events are not written.
 */
import { withClient } from '../common/pg';
import { insertBenchCustomers } from '../common/seed-customers';

export { withClient };

/** Customer n's place: bucket n % 100. */
const PLACES_SQL = `(VALUES
  (0, 15, 'US', 'NY', 'America/New_York', 'USD'),
  (15, 15, 'US', 'TX', 'America/Chicago', 'USD'),
  (30, 15, 'US', 'CA', 'America/Los_Angeles', 'USD'),
  (45, 25, 'GB', 'ENG', 'Europe/London', 'GBP'),
  (70, 15, 'DE', 'BE', 'Europe/Berlin', 'EUR'),
  (85, 10, 'AU', 'NSW', 'Australia/Sydney', 'AUD'),
  (95, 5, 'CA', 'ON', 'America/Toronto', 'CAD')
) AS p(first_bucket, buckets, country, region, zone, currency)`;

export interface CustomerData {
  customers: number;
  invoices: number;
  byCountry: Record<string, number>;
  optOuts: Record<string, number>;
  serverVersion: string;
}

/** Customers, profiles, opt-outs, and `invoices` overdue invoices spread over them. */
export async function seedCustomers(url: string, customers: number, invoices: number): Promise<CustomerData> {
  return withClient(url, async (c) => {
    await c.query('SET TimeZone = UTC');
    await c.query('BEGIN');
    await insertBenchCustomers(c, customers);
    // n: the customer's number (1..customers) in creation order, kept in bench_customer for the next statements.
    await c.query(`CREATE TEMP TABLE bench_customer AS
                     SELECT c.id, c.n, p.country, p.region, p.zone, p.currency
                       FROM (SELECT id, row_number() OVER (ORDER BY company_name) AS n FROM customers) c
                       JOIN ${PLACES_SQL} ON c.n % 100 >= p.first_bucket AND c.n % 100 < p.first_bucket + p.buckets`);
    await c.query(
      `INSERT INTO customer_profiles (customer_id, response_rate, timezone, country_code, region_code)
       SELECT id, round((n * 13 % 100) / 100.0, 4), zone, country, region FROM bench_customer`,
    );
    await c.query(
      `INSERT INTO opt_out_events (customer_id, channel, kind, source, reason, effective_at, recorded_by)
       SELECT id, CASE WHEN n % 200 = 21 THEN 'all' WHEN n % 100 = 13 THEN 'sms' ELSE 'email' END, 'opt_out', 'customer_request', 'bench',
              now() - make_interval(days => (1 + n % 90)::int), 'bench'
         FROM bench_customer WHERE n % 50 = 7 OR n % 100 = 13 OR n % 200 = 21`,
    );
    // Invoice j (1..invoices) belongs to customer 1 + (j - 1) % customers; one in ten partly paid.
    await c.query(
      `INSERT INTO payment_records (customer_id, invoice_number, amount, amount_paid, currency, issued_date, due_date, status, description, last_payment_at, created_at)
       SELECT bc.id, format('BENCH-E-%s', lpad(j::text, 7, '0')), x.amount,
              CASE WHEN j % 10 = 3 THEN round(x.amount * 0.4, 2) ELSE 0 END,
              bc.currency, x.due - 30, x.due, CASE WHEN j % 10 = 3 THEN 'partial' ELSE 'overdue' END,
              format('Services rendered, period %s', 1 + j % 12),
              CASE WHEN j % 10 = 3 THEN now() - interval '1 day' END,
              (x.due - 30)::timestamptz + interval '8 hours'
         FROM generate_series(1, $1::int) AS j
         JOIN bench_customer bc ON bc.n = 1 + (j - 1) % $2::int
        CROSS JOIN LATERAL (SELECT round((150 + j * 7 % 19850) + (j % 100) / 100.0, 2) AS amount, current_date - 2 - j % 4 AS due) x`,
      [invoices, customers],
    );
    await c.query(
      `INSERT INTO payments (payment_record_id, amount, currency, paid_date, reference, recorded_at)
       SELECT id, amount_paid, currency, current_date - 1, 'bank transfer ' || invoice_number, last_payment_at
         FROM payment_records WHERE status = 'partial'`,
    );
    await c.query('COMMIT');
    await c.query('ANALYZE');
    const count = async (sql: string): Promise<number> => Number((await c.query<{ n: string }>(sql)).rows[0].n);
    const byCountry = await c.query<{ country: string; n: string }>('SELECT country, count(*) AS n FROM bench_customer GROUP BY country ORDER BY count(*) DESC');
    const optOuts = await c.query<{ channel: string; n: string }>("SELECT channel, count(*) AS n FROM opt_out_events WHERE kind = 'opt_out' GROUP BY channel ORDER BY channel");
    return {
      customers: await count('SELECT count(*) AS n FROM customers'),
      invoices: await count('SELECT count(*) AS n FROM payment_records'),
      byCountry: Object.fromEntries(byCountry.rows.map((r) => [r.country, Number(r.n)])),
      optOuts: Object.fromEntries(optOuts.rows.map((r) => [r.channel, Number(r.n)])),
      serverVersion: (await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v,
    };
  });
}

/** Two invoices of the first customer, for the prototype campaigns. */
export async function firstInvoices(url: string): Promise<{ customerId: string; invoiceIds: string[] }> {
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ customer_id: string; id: string }>(
      `SELECT customer_id, id FROM payment_records WHERE customer_id = (SELECT customer_id FROM payment_records ORDER BY invoice_number LIMIT 1) ORDER BY invoice_number`,
    );
    return { customerId: rows[0].customer_id, invoiceIds: rows.map((r) => r.id) };
  });
}

/** A schedule of the campaigns: a prototype campaign the service made, and the share of campaigns (in tenths) that use it. */
export interface Schedule {
  name: string;
  prototypeId: string;
  tenths: number;
}

/**
 * One active campaign per invoice, as CreateCampaign (start = true) writes it: steps copied from
 * the prototypes (schedule by a hash of j, so a customer's campaigns mix schedules), the anchor the invoice's due date, started now, the first
 * step due now (its day is past: firstStepDue answers now), and the invoice link. Returns the
 * campaigns made.
 */
export async function seedCampaigns(url: string, schedules: readonly Schedule[]): Promise<number> {
  if (schedules.reduce((n, s) => n + s.tenths, 0) !== 10) throw new Error('the schedules must add up to 10 tenths');
  let from = 0;
  const ranges = schedules.map((s) => {
    const r = { prototype_id: s.prototypeId, low: from, high: from + s.tenths };
    from += s.tenths;
    return r;
  });
  return withClient(url, async (c) => {
    await c.query('BEGIN');
    const made = await c.query(
      `WITH proto AS (
         SELECT r.low, r.high, c.escalation_steps, c.created_by
           FROM jsonb_to_recordset($1::jsonb) AS r(prototype_id uuid, low int, high int) JOIN campaigns c ON c.id = r.prototype_id
       ), invoices AS (
         SELECT id, customer_id, due_date, row_number() OVER (ORDER BY invoice_number) AS j FROM payment_records WHERE invoice_number LIKE 'BENCH-E-%'
       )
       INSERT INTO campaigns (customer_id, name, status, escalation_steps, current_step, next_step_at, started_at, created_by, request_id, anchor_due_date)
       SELECT i.customer_id, format('Bench campaign %s', i.j), 'active', p.escalation_steps, 0, now(), now(), p.created_by, gen_random_uuid(), i.due_date
         FROM invoices i JOIN proto p ON (hashint4(i.j::int)::bigint % 10 + 10) % 10 >= p.low AND (hashint4(i.j::int)::bigint % 10 + 10) % 10 < p.high`,
      [JSON.stringify(ranges)],
    );
    await c.query(
      `INSERT INTO campaign_invoices (campaign_id, invoice_id)
       SELECT c.id, i.id
         FROM campaigns c JOIN payment_records i ON c.name = format('Bench campaign %s', ltrim(substr(i.invoice_number, 9), '0'))
        WHERE c.name LIKE 'Bench campaign %' AND i.invoice_number LIKE 'BENCH-E-%'`,
    );
    await c.query('COMMIT');
    await c.query('VACUUM ANALYZE campaigns');
    await c.query('VACUUM ANALYZE campaign_invoices');
    return made.rowCount ?? 0;
  });
}

/**
 * Makes every bench campaign due from `startMs`: all at once (rate 0: a backlog), or the i-th
 * (in campaign order) at startMs + i / rate seconds (steps arriving at `rate` a second). Returns
 * nothing; the due instants stay in bench_due (for the lag) as well as in next_step_at.
 */
export async function makeDue(url: string, startMs: number, rate: number): Promise<void> {
  await withClient(url, async (c) => {
    await c.query('DROP TABLE IF EXISTS bench_due');
    await c.query(
      `CREATE TABLE bench_due AS
         SELECT id AS campaign_id,
                to_timestamp($1::float8 / 1000) + CASE WHEN $2::float8 > 0 THEN make_interval(secs => (row_number() OVER (ORDER BY id) - 1) / $2::float8) ELSE interval '0' END AS due_at
           FROM campaigns WHERE name LIKE 'Bench campaign %' AND status = 'active'`,
      [startMs, rate],
    );
    await c.query('ALTER TABLE bench_due ADD PRIMARY KEY (campaign_id)');
    await c.query('UPDATE campaigns c SET next_step_at = d.due_at, started_at = least(c.started_at, d.due_at) FROM bench_due d WHERE c.id = d.campaign_id');
    await c.query('VACUUM ANALYZE campaigns');
    await c.query('ANALYZE bench_due');
  });
}

/** Outcomes of the ledger rows written so far. */
export async function ledgerCount(url: string): Promise<number> {
  return withClient(url, async (c) => Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM campaign_step_runs')).rows[0].n));
}

export interface Outcomes {
  byOutcome: Record<string, number>;
  byChannel: Record<string, number>;
  /** Lag from due to done (the ledger row's created_at minus the step's due instant), ms. */
  lagMs: { p50: number; p90: number; p99: number; max: number };
}

export async function outcomes(url: string): Promise<Outcomes> {
  return withClient(url, async (c) => {
    const byOutcome = await c.query<{ k: string; n: string }>('SELECT outcome AS k, count(*) AS n FROM campaign_step_runs GROUP BY 1 ORDER BY 2 DESC');
    const byChannel = await c.query<{ k: string; n: string }>("SELECT coalesce(channel, '-') AS k, count(*) AS n FROM campaign_step_runs GROUP BY 1 ORDER BY 2 DESC");
    const [lag] = (
      await c.query<{ p50: number; p90: number; p99: number; max: number }>(
        `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.9) WITHIN GROUP (ORDER BY ms) AS p90,
                percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99, max(ms) AS max
           FROM (SELECT extract(epoch FROM r.created_at - d.due_at) * 1000 AS ms FROM campaign_step_runs r JOIN bench_due d USING (campaign_id)) x`,
      )
    ).rows;
    return {
      byOutcome: Object.fromEntries(byOutcome.rows.map((r) => [r.k, Number(r.n)])),
      byChannel: Object.fromEntries(byChannel.rows.map((r) => [r.k, Number(r.n)])),
      lagMs: { p50: Number(lag.p50), p90: Number(lag.p90), p99: Number(lag.p99), max: Number(lag.max) },
    };
  });
}

export interface Checks {
  due: number;
  /** Due campaigns with exactly one ledger row / with none / with more than one. */
  doneOnce: number;
  notDone: number;
  doneTwice: number;
  /** Active bench campaigns still due, or still leased. */
  stillDue: number;
  leased: number;
  /** Campaigns that moved on (task, refusal, skip) vs. their ledger rows that say so; deferred ones that stayed at step 0. */
  advancedMismatch: number;
  /** Ledger rows that made a task vs. the tasks; tasks per campaign > 1. */
  takenRuns: number;
  tasks: number;
  campaignsWithTwoTasks: number;
  /** Contact tasks without a decision, or whose decision is not an ALLOW of this customer and channel. */
  tasksWithoutDecision: number;
  /** Ledger rows of a contact channel without a decision. */
  runsWithoutDecision: number;
  /** Reservations whose decision no task holds; tasks whose decision holds no reservation. */
  orphanReservations: number;
  tasksWithoutReservation: number;
}

/** The end-of-run checks: every due step done exactly once, every task has its decision, no orphan reservation. */
export async function checks(url: string): Promise<Checks> {
  return withClient(url, async (c) => {
    const [row] = (
      await c.query<Record<keyof Checks, string>>(
        `WITH per AS (SELECT d.campaign_id, count(r.id) AS runs FROM bench_due d LEFT JOIN campaign_step_runs r USING (campaign_id) GROUP BY d.campaign_id)
         SELECT (SELECT count(*) FROM bench_due) AS due,
                (SELECT count(*) FROM per WHERE runs = 1) AS "doneOnce",
                (SELECT count(*) FROM per WHERE runs = 0) AS "notDone",
                (SELECT count(*) FROM per WHERE runs > 1) AS "doneTwice",
                (SELECT count(*) FROM campaigns c JOIN bench_due d ON d.campaign_id = c.id WHERE c.status = 'active' AND c.next_step_at <= d.due_at) AS "stillDue",
                (SELECT count(*) FROM campaigns WHERE engine_lease_owner IS NOT NULL OR engine_run_key IS NOT NULL) AS leased,
                (SELECT count(*) FROM campaigns c JOIN campaign_step_runs r ON r.campaign_id = c.id
                  WHERE (r.outcome = 'deferred') <> (c.current_step = 0)) AS "advancedMismatch",
                (SELECT count(*) FROM campaign_step_runs WHERE outcome IN ('task_created', 'fell_back')) AS "takenRuns",
                (SELECT count(*) FROM tasks t JOIN campaign_step_runs r ON r.task_id = t.id AND r.campaign_id = t.campaign_id) AS tasks,
                (SELECT count(*) FROM (SELECT campaign_id FROM tasks GROUP BY campaign_id HAVING count(*) > 1) x) AS "campaignsWithTwoTasks",
                (SELECT count(*) FROM tasks t LEFT JOIN compliance_decisions d ON d.id = t.decision_id
                  WHERE t.type IN ('send_email', 'send_sms', 'make_call')
                    AND (d.id IS NULL OR d.result <> 'allow' OR d.customer_id <> t.customer_id
                         OR d.channel <> CASE t.type WHEN 'send_email' THEN 'email' WHEN 'send_sms' THEN 'sms' ELSE 'phone' END)) AS "tasksWithoutDecision",
                (SELECT count(*) FROM campaign_step_runs WHERE channel IN ('email', 'sms', 'phone') AND decision_id IS NULL) AS "runsWithoutDecision",
                (SELECT count(*) FROM contact_reservations r WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.decision_id = r.decision_id)) AS "orphanReservations",
                (SELECT count(*) FROM tasks t WHERE t.decision_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM contact_reservations r WHERE r.decision_id = t.decision_id)) AS "tasksWithoutReservation"`,
      )
    ).rows;
    return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])) as unknown as Checks;
  });
}

export function checksPass(k: Checks): boolean {
  return (
    k.doneOnce === k.due &&
    k.notDone === 0 &&
    k.doneTwice === 0 &&
    k.stillDue === 0 &&
    k.leased === 0 &&
    k.advancedMismatch === 0 &&
    k.takenRuns === k.tasks &&
    k.campaignsWithTwoTasks === 0 &&
    k.tasksWithoutDecision === 0 &&
    k.runsWithoutDecision === 0 &&
    k.orphanReservations === 0 &&
    k.tasksWithoutReservation === 0
  );
}

/** The compliance calls of one campaign's step as the engine made them (for the calls-only baseline), in ledger order. */
export interface ReplayedStep {
  customerId: string;
  invoiceIds: string[];
  primary: { channel: string } | null;
  fallback: { channel: string } | null;
}

export async function replaySteps(url: string): Promise<ReplayedStep[]> {
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ customer_id: string; invoice_ids: string[]; primary_channel: string | null; fallback_channel: string | null }>(
      `SELECT c.customer_id,
              ARRAY(SELECT ci.invoice_id::text FROM campaign_invoices ci WHERE ci.campaign_id = c.id ORDER BY ci.invoice_id) AS invoice_ids,
              p.channel AS primary_channel,
              f.channel AS fallback_channel
         FROM campaign_step_runs r
         JOIN campaigns c ON c.id = r.campaign_id
         LEFT JOIN compliance_decisions p ON p.request_id = r.run_key
         LEFT JOIN compliance_decisions f ON f.id = r.decision_id AND f.request_id IS DISTINCT FROM r.run_key
        ORDER BY r.created_at, r.id`,
    );
    return rows.map((r) => ({
      customerId: r.customer_id,
      invoiceIds: r.invoice_ids,
      primary: r.primary_channel ? { channel: r.primary_channel } : null,
      fallback: r.fallback_channel ? { channel: r.fallback_channel } : null,
    }));
  });
}

/** Removes every reservation (before the baseline: its ALLOWs then count against the same history the engine saw). */
export async function clearReservations(url: string): Promise<void> {
  await withClient(url, (c) => c.query('DELETE FROM contact_reservations'));
}

/** The server's processes by pid: what they are (the services name their connections; the rest are PostgreSQL's own). */
export async function serverProcesses(url: string): Promise<Map<number, string>> {
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ pid: number; what: string }>(
      `SELECT pid, CASE WHEN backend_type = 'client backend' THEN coalesce(nullif(application_name, ''), 'client') ELSE backend_type END AS what FROM pg_stat_activity`,
    );
    return new Map(rows.map((r) => [r.pid, r.what]));
  });
}
