import type { Client } from 'pg';

/**
 * `count` customers (numbered 1..count in company-name order), as the compliance and engine
 * benchmarks seed them: names, contacts and a phone number, created over the last 2.5 years.
 * Run it in the caller's transaction.
 */
export async function insertBenchCustomers(c: Client, count: number): Promise<void> {
  await c.query(
    `INSERT INTO customers (company_name, contact_name, email, phone, preferred_contact_method, created_at, updated_at)
     SELECT format('%s %s %s', (ARRAY['Acme','Globex','Initech','Umbrella','Stark','Wayne','Hooli','Vandelay','Soylent','Tyrell'])[1 + i % 10],
                   lpad(i::text, 6, '0'), (ARRAY['Ltd','GmbH','Inc','LLC','Pty','BV'])[1 + i % 6]),
            format('Contact Person %s', i),
            format('ap%s@customer%s.example.com', i, i),
            '+1415' || lpad((i * 37 % 10000000)::text, 7, '0'),
            (ARRAY['email','phone','sms'])[1 + i % 3],
            now() - make_interval(days => 30 + i % 900),
            now() - make_interval(days => i % 30)
       FROM generate_series(1, $1::int) AS i`,
    [count],
  );
}
