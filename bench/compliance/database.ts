/**
 * The compliance benchmark's data, by set-based SQL on a database made by
 * bench/customers/database.ts (createBenchDatabase: migrated, throw-away): customers with
 * contact profiles in a realistic mix of countries, regions and time zones, opt-outs, and a
 * contact history in compliance_contact_attempts over the last 30 days. The rules are
 * installed through the service itself (run.ts). Deterministic: the random draws are seeded.
 */
import { withClient } from '../common/pg';
import { insertBenchCustomers } from '../common/seed-customers';

export { withClient };

/** Where customers are, in percent of the seeded customers (the weights add up to 100). */
export interface Place {
  weight: number;
  country: string | null;
  region: string | null;
  /** As stored: 'UTC' is what the customers database writes when nobody set a zone (the service reads it as unknown). */
  zone: string;
  city: string;
}

export const PLACES: Place[] = [
  { weight: 14, country: 'US', region: 'NY', zone: 'America/New_York', city: 'New York' },
  { weight: 8, country: 'US', region: 'MA', zone: 'America/New_York', city: 'Boston' },
  { weight: 6, country: 'US', region: 'FL', zone: 'America/New_York', city: 'Miami' },
  { weight: 10, country: 'US', region: 'TX', zone: 'America/Chicago', city: 'Austin' },
  { weight: 6, country: 'US', region: 'IL', zone: 'America/Chicago', city: 'Chicago' },
  { weight: 4, country: 'US', region: 'CO', zone: 'America/Denver', city: 'Denver' },
  { weight: 3, country: 'US', region: 'AZ', zone: 'America/Phoenix', city: 'Phoenix' },
  { weight: 12, country: 'US', region: 'CA', zone: 'America/Los_Angeles', city: 'San Francisco' },
  { weight: 4, country: 'US', region: 'WA', zone: 'America/Los_Angeles', city: 'Seattle' },
  { weight: 1, country: 'US', region: 'HI', zone: 'Pacific/Honolulu', city: 'Honolulu' },
  { weight: 1, country: 'US', region: 'AK', zone: 'America/Anchorage', city: 'Anchorage' },
  // US, no zone on file: the service reads every zone of the US (the strictest reading).
  { weight: 3, country: 'US', region: null, zone: 'UTC', city: 'Springfield' },
  { weight: 5, country: 'DE', region: 'BY', zone: 'Europe/Berlin', city: 'München' },
  { weight: 3, country: 'DE', region: 'BE', zone: 'Europe/Berlin', city: 'Berlin' },
  { weight: 6, country: 'GB', region: 'ENG', zone: 'Europe/London', city: 'London' },
  { weight: 2, country: 'GB', region: 'SCT', zone: 'Europe/London', city: 'Edinburgh' },
  { weight: 4, country: 'AU', region: 'NSW', zone: 'Australia/Sydney', city: 'Sydney' },
  { weight: 1, country: 'AU', region: 'WA', zone: 'Australia/Perth', city: 'Perth' },
  { weight: 2, country: 'CA', region: 'ON', zone: 'America/Toronto', city: 'Toronto' },
  { weight: 1, country: 'MX', region: null, zone: 'America/Mexico_City', city: 'Ciudad de México' },
  { weight: 1, country: 'IN', region: null, zone: 'Asia/Kolkata', city: 'Bengaluru' },
  // Nothing known: phone and SMS are denied (UNKNOWN_LOCATION).
  { weight: 3, country: null, region: null, zone: 'UTC', city: 'Unknown' },
];

export interface DataSet {
  customers: number;
  /** The seeded customers' ids: the load picks from these. */
  ids: string[];
  attempts: number;
  optOutEvents: number;
  doNotContact: number;
  serverVersion: string;
}

/**
 * `customers` customers with profiles spread over PLACES (2% do-not-contact), opt-out records
 * for about 3% (some expired, some revoked by a later opt-in), and `attempts` contact attempts
 * over the last 30 days, skewed so that some customers were contacted often (caps and
 * cool-downs have something to count): 45% email, 40% phone, 15% SMS.
 */
export async function seed(url: string, customers: number, attempts: number): Promise<DataSet> {
  if (PLACES.reduce((n, p) => n + p.weight, 0) !== 100) throw new Error('PLACES weights must add up to 100');
  return withClient(url, async (c) => {
    await c.query('SET TimeZone = UTC');
    await c.query('SELECT setseed(0.4242)');
    await c.query('BEGIN');
    await insertBenchCustomers(c, customers);
    // Bucket b (0..99) of customer n is n % 100; PLACES are laid over the buckets by weight.
    const buckets: { b: number; place: Place }[] = [];
    for (const place of PLACES) for (let k = 0; k < place.weight; k++) buckets.push({ b: buckets.length, place });
    await c.query(
      `INSERT INTO customer_profiles (customer_id, do_not_contact, do_not_contact_reason, timezone, country_code, region_code)
       SELECT c.id, c.n % 50 = 0, CASE WHEN c.n % 50 = 0 THEN 'asked not to be contacted' END, p.zone, p.country, p.region
         FROM (SELECT id, row_number() OVER (ORDER BY company_name) AS n FROM customers) c
         JOIN jsonb_to_recordset($1::jsonb) AS p(b int, zone text, country text, region text) ON p.b = c.n % 100`,
      [JSON.stringify(buckets.map(({ b, place }) => ({ b, zone: place.zone, country: place.country, region: place.region })))],
    );
    // Opt-outs: ~3% of customers, on one channel or all; a third expire (some already have),
    // and one in six was revoked by an opt-in later.
    await c.query(
      `WITH chosen AS (
         SELECT id, row_number() OVER (ORDER BY id) AS k FROM customers WHERE random() < 0.03
       ), events AS (
         INSERT INTO opt_out_events (customer_id, channel, kind, source, reason, effective_at, expires_at, recorded_by)
         SELECT id, (ARRAY['email','phone','sms','all'])[1 + k % 4], 'opt_out',
                (ARRAY['customer_request','reply_stop','unsubscribe_link','agent'])[1 + k % 4],
                'bench', now() - make_interval(days => (k % 200)::int),
                CASE WHEN k % 3 = 0 THEN now() - make_interval(days => (k % 200)::int) + make_interval(days => 30 + (k % 60)::int) END,
                'bench'
           FROM chosen
         RETURNING customer_id, channel, effective_at
       )
       INSERT INTO opt_out_events (customer_id, channel, kind, source, reason, effective_at, recorded_by)
       SELECT customer_id, channel, 'opt_in', 'customer_request', 'asked to be contacted again', effective_at + interval '3 days', 'bench'
         FROM events WHERE get_byte(uuid_send(customer_id), 15) % 6 = 0`,
    );
    // Attempts: customer by a skewed draw (random()^1.6 favours the first rows), time uniform over 30 days.
    await c.query(
      `WITH ids AS (SELECT array_agg(id ORDER BY id) AS a, count(*)::int AS n FROM customers),
       draws AS (
         SELECT i, random() AS r1, random() AS r2, random() AS r3, random() AS r4 FROM generate_series(1, $1::int) AS i
       ), picked AS (
         SELECT d.*, ids.a[1 + floor(ids.n * power(d.r1, 1.6))::int] AS customer_id,
                CASE WHEN d.r2 < 0.45 THEN 'email' WHEN d.r2 < 0.85 THEN 'phone' ELSE 'sms' END AS channel
           FROM draws d CROSS JOIN ids
       )
       INSERT INTO compliance_contact_attempts (attempt_id, customer_id, channel, attempted_at, outcome, recorded_at, recorded_by)
       SELECT gen_random_uuid(), customer_id, channel, now() - r3 * interval '30 days',
              CASE channel
                WHEN 'email' THEN (ARRAY['sent','delivered','delivered','opened','opened','bounced'])[1 + floor(r4 * 6)::int]
                WHEN 'phone' THEN (ARRAY['answered','no_answer','no_answer','no_answer','voicemail','voicemail','voicemail','failed'])[1 + floor(r4 * 8)::int]
                ELSE (ARRAY['sent','delivered','delivered','delivered','replied'])[1 + floor(r4 * 5)::int]
              END,
              now() - r3 * interval '30 days' + interval '1 minute', 'bench'
         FROM picked`,
      [attempts],
    );
    await c.query('COMMIT');
    await c.query('ANALYZE');

    const count = async (sql: string): Promise<number> => Number((await c.query<{ n: string }>(sql)).rows[0].n);
    return {
      customers: await count('SELECT count(*) AS n FROM customers'),
      ids: (await c.query<{ id: string }>('SELECT id FROM customers ORDER BY id')).rows.map((r) => r.id),
      attempts: await count('SELECT count(*) AS n FROM compliance_contact_attempts'),
      optOutEvents: await count('SELECT count(*) AS n FROM opt_out_events'),
      doNotContact: await count('SELECT count(*) AS n FROM customer_profiles WHERE do_not_contact'),
      serverVersion: (await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v,
    };
  });
}

/** A customer for the answer check: no history, the profile given, and an opt-out record on `optedOut` if set. */
export interface FreshCustomer {
  zone: string;
  country: string | null;
  region: string | null;
  doNotContact?: boolean;
  optedOut?: 'email' | 'phone' | 'sms' | 'all';
}

/** Inserts fresh customers (not in the load's pool) and returns their ids, in order. */
export async function freshCustomers(url: string, specs: FreshCustomer[]): Promise<string[]> {
  return withClient(url, async (c) => {
    await c.query('BEGIN');
    const ids: string[] = [];
    for (const [i, s] of specs.entries()) {
      const { rows } = await c.query<{ id: string }>(
        `INSERT INTO customers (company_name, email, phone, preferred_contact_method)
         VALUES ($1, $2, '+14155550100', 'phone') RETURNING id`,
        [`Answer check ${i + 1}`, `check${i + 1}@answers.example.com`],
      );
      const id = rows[0].id;
      await c.query(
        `INSERT INTO customer_profiles (customer_id, do_not_contact, do_not_contact_reason, timezone, country_code, region_code)
         VALUES ($1, $2, CASE WHEN $2 THEN 'answer check' END, $3, $4, $5)`,
        [id, s.doNotContact ?? false, s.zone, s.country, s.region],
      );
      if (s.optedOut) {
        await c.query(
          `INSERT INTO opt_out_events (customer_id, channel, kind, source, reason, effective_at, recorded_by)
           VALUES ($1, $2, 'opt_out', 'customer_request', 'answer check', now() - interval '1 day', 'bench')`,
          [id, s.optedOut],
        );
      }
      ids.push(id);
    }
    await c.query('COMMIT');
    return ids;
  });
}

/**
 * Between measured windows: the reservations the last window's ALLOWs made are removed, so
 * every window starts from the seeded history (at thousands of decisions a second over 10,000
 * customers, the caps would otherwise fill up during the run and each window would decide on
 * another history). Decisions and audit events stay.
 */
export async function clearReservations(url: string): Promise<number> {
  return withClient(url, async (c) => (await c.query('DELETE FROM contact_reservations')).rowCount ?? 0);
}

/** Rows of the audit trail not sealed yet (audit_chain_status). */
export async function unsealedAuditRows(url: string): Promise<number> {
  return withClient(url, async (c) => Number((await c.query<{ n: string }>('SELECT unsealed_count AS n FROM audit_chain_status()')).rows[0].n));
}
