import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useTestDatabase } from '@cec/testing';

/**
 * database/seeds/001_seed_test_data.sql: loads into a freshly migrated database, covers every
 * status of every table, agrees with the schema's views and functions, and loads twice
 * without changing anything. Expected values below are derived from the seed file itself.
 */
const SEED_PATH = join(__dirname, '..', 'seeds', '001_seed_test_data.sql');
const seedSql = readFileSync(SEED_PATH, 'utf8');

const id = (prefix: string, n: number): string => `${prefix}-0000-4000-8000-${String(n).padStart(12, '0')}`;
const customer = (n: number): string => id('10000000', n);
const profile = (n: number): string => id('11000000', n);
const campaign = (n: number): string => id('40000000', n);
const task = (n: number): string => id('50000000', n);
const attempt = (n: number): string => id('60000000', n);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

const CHANNELS = ['email', 'phone', 'sms'] as const;

describe('seed 001_seed_test_data.sql', () => {
  const db = useTestDatabase();

  const countBy = async (sql: string): Promise<Record<string, number>> =>
    Object.fromEntries(
      (await db.query<{ key: string; n: string }>(sql)).map((r) => [r.key, Number(r.n)]),
    );
  const scalar = async <T>(sql: string, params?: unknown[]): Promise<T> =>
    Object.values((await db.query(sql, params))[0])[0] as T;
  const optedOut = async (customerId: string, channel: string): Promise<boolean> =>
    scalar<boolean>('SELECT check_opt_out_status($1, $2)', [customerId, channel]);

  /** Row count and a content checksum of every table in the public schema. */
  const snapshot = async (): Promise<Record<string, { rows: number; md5: string }>> => {
    const tables = await db.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
    );
    const result: Record<string, { rows: number; md5: string }> = {};
    for (const { name } of tables) {
      const [row] = await db.query<{ rows: string; md5: string }>(
        `SELECT count(*) AS rows, md5(COALESCE(string_agg(t::text, '|' ORDER BY t::text), '')) AS md5 FROM "${name}" t`,
      );
      result[name] = { rows: Number(row.rows), md5: row.md5 };
    }
    return result;
  };

  beforeAll(async () => {
    await db.query(seedSql);
  });

  describe('the file', () => {
    it('is one transaction of plain SQL, with a header saying how to load it', () => {
      expect(seedSql.startsWith('--')).toBe(true);
      expect(seedSql).toContain('psql -h localhost -U postgres -d client_escalation_calls -f 001_seed_test_data.sql');
      expect(seedSql).toContain('npm run db:seed');
      expect(seedSql).toMatch(/^BEGIN;$/m);
      expect(seedSql.trimEnd().endsWith('COMMIT;')).toBe(true);
      // no psql meta-commands (node-postgres runs the file as one query)
      expect(seedSql).not.toMatch(/^\s*\\/m);
      // the audit trail is written only through log_audit_event
      expect(seedSql).not.toMatch(/INSERT\s+INTO\s+audit_logs/i);
    });
  });

  describe('contents', () => {
    it('has the expected number of rows in every table', async () => {
      const counts = await snapshot();
      expect(Object.fromEntries(Object.entries(counts).map(([name, s]) => [name, s.rows]))).toEqual(
        expect.objectContaining({
        agents: 7,
        audit_logs: 10,
        campaign_invoices: 14,
        campaigns: 9,
        compliance_rules: 8,
        contact_attempts: 16,
        customer_profiles: 12,
        customers: 12,
        opt_outs: 4,
        payment_records: 38,
        system_metrics: 0,
        tasks: 19,
        templates: 12,
      }),
      );
    });

    it('has 12 customers with fixed ids, each with its profile', async () => {
      const rows = await db.query<{ id: string; profile_id: string }>(
        `SELECT c.id, p.id AS profile_id FROM customers c JOIN customer_profiles p ON p.customer_id = c.id ORDER BY c.id`,
      );
      expect(rows).toEqual(range(1, 12).map((n) => ({ id: customer(n), profile_id: profile(n) })));
    });

    it('places customers in several time zones and jurisdictions that match their addresses', async () => {
      const zones = (await db.query<{ timezone: string }>('SELECT DISTINCT timezone FROM customer_profiles ORDER BY 1')).map(
        (r) => r.timezone,
      );
      expect(zones).toEqual(
        expect.arrayContaining([
          'America/New_York',
          'America/Chicago',
          'America/Denver',
          'America/Los_Angeles',
          'Europe/London',
          'Europe/Berlin',
          'Australia/Sydney',
        ]),
      );
      // every zone is a real IANA zone
      expect(
        await scalar<string>(
          'SELECT count(*) FROM customer_profiles p WHERE NOT EXISTS (SELECT 1 FROM pg_timezone_names z WHERE z.name = p.timezone)',
        ),
      ).toBe('0');
      expect(
        await countBy(
          `SELECT country_code || COALESCE('-' || region_code, '') AS key, count(*) AS n FROM customer_profiles GROUP BY 1`,
        ),
      ).toEqual({
        'US-MA': 2,
        'US-CA': 1,
        'US-NY': 1,
        'US-TX': 1,
        'US-CO': 1,
        'US-IL': 1,
        'US-AZ': 1,
        'US-FL': 1,
        'GB-ENG': 1,
        'DE-BE': 1,
        'AU-NSW': 1,
      });
      const mismatches = await db.query(
        `SELECT c.id FROM customers c JOIN customer_profiles p ON p.customer_id = c.id
          WHERE c.address ->> 'country' IS DISTINCT FROM p.country_code
             OR (p.country_code = 'US' AND c.address ->> 'state' IS DISTINCT FROM p.region_code)
             OR NOT c.address ?& ARRAY['line1', 'city', 'state', 'postal_code', 'country']`,
      );
      expect(mismatches).toEqual([]);
    });

    it('mixes preferred channels, with a phone number wherever phone or SMS is preferred', async () => {
      expect(await countBy('SELECT preferred_contact_method AS key, count(*) AS n FROM customers GROUP BY 1')).toEqual({
        email: 5,
        phone: 4,
        sms: 3,
      });
      expect(await scalar<string>("SELECT count(*) FROM customers WHERE phone IS NULL OR phone !~ '^\\+[1-9][0-9]{6,14}$'")).toBe(
        '0',
      );
    });

    it('has one do-not-contact customer with a reason, and response rates in 0..1 with one unknown', async () => {
      const dnc = await db.query<{ customer_id: string; do_not_contact_reason: string }>(
        'SELECT customer_id, do_not_contact_reason FROM customer_profiles WHERE do_not_contact',
      );
      expect(dnc).toEqual([{ customer_id: customer(11), do_not_contact_reason: expect.stringContaining('counsel') }]);
      expect(
        (await db.query<{ customer_id: string }>('SELECT customer_id FROM customer_profiles WHERE response_rate IS NULL')).map(
          (r) => r.customer_id,
        ),
      ).toEqual([customer(9)]);
      expect(await scalar<string>('SELECT count(*) FROM customer_profiles WHERE response_rate BETWEEN 0 AND 1')).toBe('11');
    });
  });

  describe('invoices', () => {
    it('covers every status', async () => {
      expect(await countBy('SELECT status AS key, count(*) AS n FROM payment_records GROUP BY 1')).toEqual({
        pending: 7,
        overdue: 8,
        partial: 6,
        paid: 15,
        cancelled: 2,
      });
    });

    it('has statuses that agree with the dates and amounts', async () => {
      const wrong = await db.query<{ invoice_number: string }>(
        `SELECT invoice_number FROM payment_records
          WHERE (status = 'pending' AND (due_date < current_date OR amount_paid <> 0))
             OR (status = 'overdue' AND (due_date >= current_date OR amount_paid <> 0))
             OR (status = 'partial' AND NOT (amount_paid > 0 AND amount_paid < amount))
             OR (status = 'paid' AND (paid_date IS NULL OR amount_paid <> amount OR paid_date > current_date))
             OR (status = 'cancelled' AND (cancelled_at IS NULL OR cancellation_reason IS NULL))
             OR issued_date > current_date
             OR invoice_number !~ '^INV-2026-[0-9]{4}$'`,
      );
      expect(wrong).toEqual([]);
      // partial: four past due and one not yet due
      expect(
        (
          await db.query<{ invoice_number: string }>(
            "SELECT invoice_number FROM payment_records WHERE status = 'partial' AND due_date >= current_date",
          )
        ).map((r) => r.invoice_number),
      ).toEqual(['INV-2026-0013']);
      // paid: some late, some on time
      expect(
        await countBy(
          `SELECT CASE WHEN paid_date > due_date THEN 'late' ELSE 'on_time' END AS key, count(*) AS n
             FROM payment_records WHERE status = 'paid' GROUP BY 1`,
        ),
      ).toEqual({ late: 9, on_time: 6 });
    });

    it("is billed in the currency of the customer's country", async () => {
      expect(await countBy('SELECT currency AS key, count(*) AS n FROM payment_records GROUP BY 1')).toEqual({
        USD: 29,
        GBP: 3,
        EUR: 3,
        AUD: 3,
      });
      const mismatches = await db.query(
        `SELECT pr.invoice_number FROM payment_records pr JOIN customer_profiles p ON p.customer_id = pr.customer_id
          WHERE pr.currency <> CASE p.country_code WHEN 'US' THEN 'USD' WHEN 'GB' THEN 'GBP'
                                                   WHEN 'DE' THEN 'EUR' WHEN 'AU' THEN 'AUD' END`,
      );
      expect(mismatches).toEqual([]);
    });
  });

  describe('agents, templates and campaigns', () => {
    it('has agents of every type in varied states', async () => {
      const agents = await db.query<{ name: string; type: string; status: string; capabilities: string[] }>(
        'SELECT name, type, status, capabilities FROM agents ORDER BY name',
      );
      expect(agents.map(({ name, type, status }) => [name, type, status])).toEqual([
        ['email-agent-01', 'email', 'active'],
        ['email-agent-02', 'email', 'idle'],
        ['phone-agent-01', 'phone', 'busy'],
        ['phone-agent-02', 'phone', 'offline'],
        ['phone-agent-03', 'phone', 'error'],
        ['research-agent-01', 'research', 'idle'],
        ['sms-agent-01', 'sms', 'active'],
      ]);
      for (const agent of agents) expect(agent.capabilities.length).toBeGreaterThan(0);
      expect(await scalar<string>("SELECT config ->> 'smtpHost' FROM agents WHERE name = 'email-agent-01'")).toBe(
        'smtp.mail.example',
      );
    });

    it('has templates for every channel (letters too) and tone, listing exactly the {{variables}} they use', async () => {
      const templates = await db.query<{
        name: string;
        channel: string;
        tone: string;
        language: string;
        subject: string | null;
        body: string;
        variables: string[];
      }>('SELECT name, channel, tone, language, subject, body, variables FROM templates ORDER BY name, language');
      expect(new Set(templates.map((t) => t.channel))).toEqual(new Set([...CHANNELS, 'letter']));
      expect(new Set(templates.map((t) => t.tone))).toEqual(new Set(['friendly', 'firm', 'final', 'legal']));
      for (const channel of CHANNELS) {
        const tones = new Set(templates.filter((t) => t.channel === channel).map((t) => t.tone));
        for (const tone of ['friendly', 'firm']) expect([channel, tones.has(tone)]).toEqual([channel, true]);
      }
      for (const t of templates) {
        const used = new Set([...`${t.subject ?? ''} ${t.body}`.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]));
        expect([t.name, t.language, [...used].sort()]).toEqual([t.name, t.language, [...t.variables].sort()]);
        if (t.channel === 'email' || t.channel === 'letter') expect(t.subject).toBeTruthy();
        if (t.channel === 'sms') {
          expect(t.body.length).toBeLessThanOrEqual(1600);
          expect(t.body).toContain('STOP');
        }
        // Regulation F 1006.6(e): every electronic message says how to opt out
        if (t.channel === 'email') expect([t.name, t.language, t.body]).toEqual([t.name, t.language, expect.stringContaining('{{opt_out_instructions}}')]);
      }
    });

    it('has campaigns in every status', async () => {
      expect(await countBy('SELECT status AS key, count(*) AS n FROM campaigns GROUP BY 1')).toEqual({
        draft: 2,
        active: 4,
        paused: 1,
        completed: 1,
        cancelled: 1,
      });
    });

    it('writes escalation steps as the campaigns service stores them, naming the template versions they resolved to', async () => {
      const steps = await db.query<{ campaign_id: string; position: string; step: Record<string, unknown> }>(
        `SELECT c.id AS campaign_id, s.position, s.step
           FROM campaigns c CROSS JOIN LATERAL jsonb_array_elements(c.escalation_steps) WITH ORDINALITY AS s(step, position)
          ORDER BY c.id, s.position`,
      );
      expect(steps.length).toBe(37);
      const templates = new Map(
        (
          await db.query<{ id: string; name: string; channel: string; language: string; version: number; is_active: boolean }>(
            'SELECT id, name, channel, language, version, is_active FROM templates',
          )
        ).map((t) => [t.id, t]),
      );
      // the currencies of each campaign's invoices: the keys of its amount conditions
      const currencies = Object.fromEntries(
        (
          await db.query<{ campaign_id: string; currencies: string[] }>(
            `SELECT ci.campaign_id, array_agg(DISTINCT p.currency ORDER BY p.currency) AS currencies
               FROM campaign_invoices ci JOIN payment_records p ON p.id = ci.invoice_id GROUP BY ci.campaign_id`,
          )
        ).map((r) => [r.campaign_id, r.currencies]),
      );
      const channelOf: Record<string, string | null> = { send_email: 'email', send_sms: 'sms', make_call: 'phone', send_letter: 'letter', research: null, manual_review: null };
      for (const { campaign_id, step } of steps) {
        expect(Object.keys(step).sort()).toEqual(
          ['channel', 'conditions', 'delay_days', 'delay_from', 'name', 'priority', 'task_type', 'template', 'template_id', 'template_version'].sort(),
        );
        expect(Object.keys(channelOf)).toContain(step.task_type);
        expect(['due_date', 'previous_step']).toContain(step.delay_from);
        expect(['low', 'medium', 'high', 'urgent']).toContain(step.priority);
        expect(Number.isInteger(step.delay_days)).toBe(true);
        expect(step.channel).toBe(channelOf[step.task_type as string]);
        if (step.channel === null) {
          expect([step.template, step.template_id, step.template_version]).toEqual([null, null, null]);
        } else {
          // an active version of the step's channel, named and numbered as it is
          const t = templates.get(step.template_id as string);
          expect([campaign_id, step.name, t && { name: t.name, version: t.version, channel: t.channel, active: t.is_active }]).toEqual([
            campaign_id,
            step.name,
            { name: step.template, version: step.template_version, channel: step.channel, active: true },
          ]);
        }
        // only what is set: an amount per currency of the campaign's invoices, days > 0, risk levels
        const conditions = step.conditions as Record<string, unknown>;
        for (const key of Object.keys(conditions)) expect(['min_amount_overdue', 'min_days_overdue', 'risk_levels']).toContain(key);
        if ('min_amount_overdue' in conditions) {
          const amounts = conditions.min_amount_overdue as Record<string, string>;
          expect(Object.keys(amounts).sort()).toEqual(currencies[campaign_id]);
          for (const amount of Object.values(amounts)) expect(amount).toMatch(/^[0-9]+\.[0-9]{2}$/);
        }
        if ('min_days_overdue' in conditions) expect(conditions.min_days_overdue).toBeGreaterThan(0);
        if ('risk_levels' in conditions) expect((conditions.risk_levels as string[]).length).toBeGreaterThan(0);
      }
      // the first step counts from the due date
      for (const { step } of steps.filter((s) => s.position === '1')) expect(step.delay_from).toBe('due_date');
      // German templates for the German customer where there is a German version, English elsewhere
      const languages = steps
        .filter((s) => s.step.template_id)
        .map((s) => `${s.campaign_id === campaign(8) ? 'rheinland' : 'other'} ${s.step.template}/${templates.get(s.step.template_id as string)?.language}`);
      expect(new Set(languages.filter((l) => l.startsWith('rheinland')))).toEqual(
        new Set(['rheinland friendly_reminder_email/de', 'rheinland firm_reminder_email/en', 'rheinland final_notice_email/en']),
      );
      expect(languages.filter((l) => l.startsWith('other') && !l.endsWith('/en'))).toEqual([]);
      expect(currencies[campaign(8)]).toEqual(['EUR']);
      expect(currencies[campaign(9)]).toEqual(['GBP']);
    });

    it('runs the three schedules: standard, gentle and email only', async () => {
      const rows = await db.query<{ id: string; schedule: string }>(
        `SELECT id, string_agg(s.step ->> 'name', ' > ' ORDER BY s.position) AS schedule
           FROM campaigns CROSS JOIN LATERAL jsonb_array_elements(escalation_steps) WITH ORDINALITY AS s(step, position)
          GROUP BY id ORDER BY id`,
      );
      const standard = 'Friendly reminder > SMS reminder > Courtesy call > Final notice > Account research';
      const gentle = 'Friendly reminder > SMS reminder > Courtesy call';
      const emailOnly = 'Friendly reminder > Second notice > Final notice';
      expect(rows.map((r) => r.schedule)).toEqual([standard, standard, gentle, standard, standard, gentle, standard, emailOnly, emailOnly]);
    });

    it('links each campaign to the invoices it chases, its own customer\'s, with a running link exactly for active and paused campaigns', async () => {
      const links = await db.query<{
        campaign_id: string;
        status: string;
        running: boolean;
        invoice_number: string;
        invoice_status: string;
        same_customer: boolean;
      }>(
        `SELECT ci.campaign_id, c.status, ci.running, p.invoice_number, p.status AS invoice_status,
                (ci.customer_id = c.customer_id AND p.customer_id = c.customer_id) AS same_customer
           FROM campaign_invoices ci JOIN campaigns c ON c.id = ci.campaign_id JOIN payment_records p ON p.id = ci.invoice_id
          ORDER BY ci.campaign_id, p.invoice_number`,
      );
      const byCampaign: Record<string, string[]> = {};
      for (const l of links) (byCampaign[l.campaign_id] ??= []).push(l.invoice_number);
      expect(byCampaign).toEqual({
        [campaign(1)]: ['INV-2026-0004', 'INV-2026-0005'],
        [campaign(2)]: ['INV-2026-0015', 'INV-2026-0016', 'INV-2026-0017'],
        [campaign(3)]: ['INV-2026-0008'],
        [campaign(4)]: ['INV-2026-0036', 'INV-2026-0037'],
        [campaign(5)]: ['INV-2026-0021'],
        [campaign(6)]: ['INV-2026-0002'],
        [campaign(7)]: ['INV-2026-0033', 'INV-2026-0034'],
        [campaign(8)]: ['INV-2026-0027'],
        [campaign(9)]: ['INV-2026-0025'],
      });
      for (const l of links) {
        expect([l.campaign_id, l.invoice_number, l.same_customer]).toEqual([l.campaign_id, l.invoice_number, true]);
        expect([l.campaign_id, l.status, l.running]).toEqual([l.campaign_id, l.status, l.status === 'active' || l.status === 'paused']);
        // what a running or draft campaign chases is still owed (the completed one's was paid)
        if (l.status !== 'completed') expect([l.invoice_number, ['pending', 'overdue', 'partial']]).toEqual([l.invoice_number, expect.arrayContaining([l.invoice_status])]);
      }
      // what a started campaign's results name is what it chases
      const named = await db.query<{ id: string; numbers: string[] | null }>(
        `SELECT id, ARRAY(SELECT jsonb_array_elements_text(results -> 'invoice_numbers') ORDER BY 1) AS numbers
           FROM campaigns WHERE status <> 'draft' ORDER BY id`,
      );
      for (const c of named) expect([c.id, c.numbers]).toEqual([c.id, byCampaign[c.id]]);
      // one running campaign per invoice, and the drafts' invoices are free to start
      expect(
        await scalar<string>('SELECT count(*) FROM (SELECT invoice_id FROM campaign_invoices WHERE running GROUP BY invoice_id HAVING count(*) > 1) x'),
      ).toBe('0');
      expect(
        await scalar<string>(
          `SELECT count(*) FROM campaign_invoices d JOIN campaigns c ON c.id = d.campaign_id AND c.status = 'draft'
             JOIN campaign_invoices r ON r.invoice_id = d.invoice_id AND r.running`,
        ),
      ).toBe('0');
    });

    it('anchors every campaign on the earliest due date of its invoices, and records how the finished ones ended', async () => {
      const rows = await db.query<{ id: string; anchor: string | null; earliest: string }>(
        `SELECT c.id, c.anchor_due_date::text AS anchor, min(p.due_date)::text AS earliest
           FROM campaigns c JOIN campaign_invoices ci ON ci.campaign_id = c.id JOIN payment_records p ON p.id = ci.invoice_id
          GROUP BY c.id ORDER BY c.id`,
      );
      expect(rows).toHaveLength(9);
      for (const r of rows) expect([r.id, r.anchor]).toEqual([r.id, r.earliest]);
      expect(await scalar<string>(`SELECT anchor_due_date - current_date FROM campaigns WHERE id = $1`, [campaign(1)])).toBe(-70);
      expect(
        await db.query(`SELECT id, outcome FROM campaigns WHERE outcome IS NOT NULL ORDER BY id`),
      ).toEqual([
        { id: campaign(6), outcome: 'paid in full' },
        { id: campaign(7), outcome: 'cancelled: customer represented by counsel; referred to legal' },
      ]);
      // created_by names the actor as the campaigns service does: type:id
      expect(await scalar<string>("SELECT count(*) FROM campaigns WHERE created_by !~ '^(user|service|agent|system):[^ ]+$'")).toBe('0');
    });
  });

  describe('tasks and contact attempts', () => {
    it('has tasks in every status', async () => {
      expect(await countBy('SELECT status AS key, count(*) AS n FROM tasks GROUP BY 1')).toEqual({
        pending: 2,
        assigned: 1,
        in_progress: 1,
        completed: 12,
        failed: 2,
        cancelled: 1,
      });
      // a claimed task holds a live lease
      expect(
        await scalar<string>("SELECT count(*) FROM tasks WHERE status IN ('assigned', 'in_progress') AND lease_expires_at > now()"),
      ).toBe('2');
    });

    it('has contact attempts on every channel with every outcome', async () => {
      expect(await countBy('SELECT channel AS key, count(*) AS n FROM contact_attempts GROUP BY 1')).toEqual({
        email: 9,
        sms: 4,
        phone: 3,
      });
      expect(await countBy('SELECT status AS key, count(*) AS n FROM contact_attempts GROUP BY 1')).toEqual({
        sent: 1,
        delivered: 4,
        opened: 4,
        answered: 1,
        replied: 3,
        bounced: 1,
        failed: 2,
      });
      expect(await scalar<string>("SELECT count(*) FROM contact_attempts WHERE duration IS NOT NULL AND channel <> 'phone'")).toBe('0');
      expect(await scalar<string>('SELECT count(*) FROM contact_attempts WHERE attempted_at > now()')).toBe('0');
    });

    it('links attempts to the task, campaign and customer they belong to', async () => {
      const wrong = await db.query(
        `SELECT ca.id FROM contact_attempts ca JOIN tasks t ON t.id = ca.task_id
          WHERE t.customer_id <> ca.customer_id OR t.campaign_id IS DISTINCT FROM ca.campaign_id
             OR t.agent_id IS DISTINCT FROM ca.agent_id`,
      );
      expect(wrong).toEqual([]);
      expect(await scalar<string>('SELECT count(*) FROM contact_attempts WHERE task_id IS NOT NULL')).toBe('13');
    });

    it("made every contact between 08:00 and 21:00 in the customer's local time", async () => {
      const outside = await db.query(
        `SELECT ca.id FROM contact_attempts ca JOIN customer_profiles p ON p.customer_id = ca.customer_id
          WHERE (ca.attempted_at AT TIME ZONE p.timezone)::time NOT BETWEEN time '08:00' AND time '21:00'`,
      );
      expect(outside).toEqual([]);
    });

    it('contacted nobody on a channel they had opted out of', async () => {
      const violations = await db.query(
        `SELECT ca.id FROM contact_attempts ca
          WHERE EXISTS (SELECT 1 FROM opt_outs o
                         WHERE o.customer_id = ca.customer_id AND o.channel IN (ca.channel, 'all')
                           AND o.opted_out_at <= ca.attempted_at
                           AND (o.revoked_at IS NULL OR o.revoked_at > ca.attempted_at))`,
      );
      expect(violations).toEqual([]);
    });
  });

  describe('compliance data', () => {
    it('has the Regulation F and Massachusetts rules with the right parameters', async () => {
      const rules = await db.query<{
        code: string;
        rule_type: string;
        channel: string;
        jurisdiction: string;
        parameters: unknown;
        citation: string | null;
      }>(
        `SELECT code, rule_type, channel, jurisdiction, parameters, citation FROM compliance_rules
          WHERE is_active AND jurisdiction IN ('US', 'US-MA') ORDER BY code`,
      );
      expect(rules).toEqual([
        {
          code: 'ma_call_frequency',
          rule_type: 'frequency_cap',
          channel: 'phone',
          jurisdiction: 'US-MA',
          parameters: { max_attempts: 2, window_days: 7 },
          citation: expect.any(String),
        },
        {
          code: 'reg_f_call_frequency',
          rule_type: 'frequency_cap',
          channel: 'phone',
          jurisdiction: 'US',
          parameters: { max_attempts: 7, window_days: 7 },
          citation: expect.stringMatching(/^12 CFR 1006/),
        },
        {
          // calls and texts (channels phone and sms): channel says 'all' for older readers
          code: 'reg_f_contact_hours',
          rule_type: 'contact_window',
          channel: 'all',
          jurisdiction: 'US',
          parameters: { start: '08:00', end: '21:00' },
          citation: expect.stringMatching(/^12 CFR 1006/),
        },
        {
          code: 'reg_f_conversation_cooldown',
          rule_type: 'conversation_cooldown',
          channel: 'phone',
          jurisdiction: 'US',
          parameters: { days: 7, after_outcomes: ['answered'] },
          citation: expect.stringMatching(/^12 CFR 1006/),
        },
        {
          code: 'us_reg_f_contact_window',
          rule_type: 'contact_window',
          channel: 'all',
          jurisdiction: 'US',
          parameters: { start: '08:00', end: '21:00' },
          citation: expect.stringMatching(/^12 CFR 1006/),
        },
      ]);
    });

    it('has holiday blackout dates for this year and next, and internal email and SMS caps', async () => {
      const [{ dates, year }] = await db.query<{ dates: string[]; year: number }>(
        `SELECT parameters -> 'dates' AS dates, extract(year FROM current_date)::int AS year
           FROM compliance_rules WHERE code = 'holiday_blackout' AND rule_type = 'blackout_dates' AND jurisdiction = '*'`,
      );
      expect(dates).toEqual([`${year}-01-01`, `${year}-12-25`, `${year}-12-26`, `${year + 1}-01-01`]);
      expect(
        await db.query(
          `SELECT channel, parameters FROM compliance_rules
            WHERE rule_type = 'frequency_cap' AND jurisdiction = '*' ORDER BY channel`,
        ),
      ).toEqual([
        { channel: 'email', parameters: { max_attempts: 3, window_days: 7 } },
        { channel: 'sms', parameters: { max_attempts: 2, window_days: 7 } },
      ]);
    });

    it('answers check_opt_out_status from the seeded opt-outs and do-not-contact flag', async () => {
      // live SMS opt-out (Harbour Bridge): only SMS is barred
      expect(await optedOut(customer(10), 'sms')).toBe(true);
      expect(await optedOut(customer(10), 'email')).toBe(false);
      expect(await optedOut(customer(10), 'phone')).toBe(false);
      // live phone opt-out (Evergreen)
      expect(await optedOut(customer(12), 'phone')).toBe(true);
      expect(await optedOut(customer(12), 'sms')).toBe(false);
      for (const channel of CHANNELS) {
        // 'all' opt-out (Rocky Mountain) and do-not-contact (Sunset Hospitality)
        expect([channel, await optedOut(customer(6), channel)]).toEqual([channel, true]);
        expect([channel, await optedOut(customer(11), channel)]).toEqual([channel, true]);
        // no opt-out at all (Acme)
        expect([channel, await optedOut(customer(1), channel)]).toEqual([channel, false]);
      }
      // revoked email opt-out (Thames Digital)
      expect(
        await scalar<string>(
          "SELECT count(*) FROM opt_outs WHERE customer_id = $1 AND channel = 'email' AND revoked_at IS NOT NULL AND revoked_reason IS NOT NULL",
          [customer(8)],
        ),
      ).toBe('1');
      expect(await optedOut(customer(8), 'email')).toBe(false);
    });

    it('records audit events only through log_audit_event; sealed by the sequencer, they form an intact chain', async () => {
      const [pending] = await db.query('SELECT sealed_through_seq, unsealed_count FROM audit_chain_status()');
      expect(pending).toEqual({ sealed_through_seq: '0', unsealed_count: '10' });
      expect(await db.query('SELECT seal_audit_chain() AS sealed')).toEqual([{ sealed: 10 }]);
      expect(await db.query('SELECT * FROM verify_audit_chain()')).toEqual([]);
      const events = await db.query<{ seq: string; entity_type: string; action: string; source: string }>(
        "SELECT seq, entity_type, action, details ->> 'source' AS source FROM audit_logs ORDER BY seq",
      );
      expect(events.map((e) => Number(e.seq))).toEqual(range(1, 10));
      expect(new Set(events.map((e) => e.source))).toEqual(new Set(['seed 001_seed_test_data']));
      expect(events.map((e) => `${e.entity_type}:${e.action}`)).toEqual(
        expect.arrayContaining(['customer_profile:do_not_contact_set', 'campaign:status_changed', 'task:compliance_decision']),
      );
    });
  });

  describe('auto-enrolment policy', () => {
    it('is on for the demo data: 7 days overdue, 100 USD/EUR/GBP or 150 AUD, the standard-b2b preset, nobody excluded', async () => {
      const rows = await db.query(
        `SELECT enabled, min_overdue_amounts, min_days_overdue, preset, excluded_customer_ids::text[] AS excluded, updated_by
           FROM enrolment_policy`,
      );
      expect(rows).toEqual([
        {
          enabled: true,
          min_overdue_amounts: { AUD: '150.00', EUR: '100.00', GBP: '100.00', USD: '100.00' },
          min_days_overdue: 7,
          preset: 'standard-b2b',
          excluded: [],
          updated_by: 'system:seed',
        },
      ]);
    });

    it('leaves the seeded invoices to their campaigns: every invoice past due had one (enrolment is once per invoice), so only new overdue invoices are enrolled', async () => {
      const overdue = await scalar<string>('SELECT count(*) FROM v_overdue_payments');
      const neverChased = await scalar<string>(
        `SELECT count(*) FROM v_overdue_payments v
          WHERE NOT EXISTS (SELECT 1 FROM campaign_invoices ci WHERE ci.invoice_id = v.payment_record_id)`,
      );
      expect(Number(overdue)).toBeGreaterThan(0);
      expect(Number(neverChased)).toBe(0);
    });
  });

  describe('reporting views', () => {
    it('v_overdue_payments lists exactly the unpaid balances past due', async () => {
      const rows = await db.query<{ invoice_number: string; status: string; days_overdue: number; balance: string; currency: string }>(
        'SELECT invoice_number, status, days_overdue, balance, currency FROM v_overdue_payments ORDER BY invoice_number',
      );
      expect(rows).toEqual([
        { invoice_number: 'INV-2026-0004', status: 'overdue', days_overdue: 70, balance: '22000.0000', currency: 'USD' },
        { invoice_number: 'INV-2026-0005', status: 'partial', days_overdue: 45, balance: '5800.0000', currency: 'USD' },
        { invoice_number: 'INV-2026-0008', status: 'overdue', days_overdue: 30, balance: '18400.0000', currency: 'USD' },
        { invoice_number: 'INV-2026-0015', status: 'overdue', days_overdue: 120, balance: '45000.0000', currency: 'USD' },
        { invoice_number: 'INV-2026-0016', status: 'partial', days_overdue: 60, balance: '9000.0000', currency: 'USD' },
        { invoice_number: 'INV-2026-0017', status: 'partial', days_overdue: 15, balance: '7000.0000', currency: 'USD' },
        { invoice_number: 'INV-2026-0021', status: 'overdue', days_overdue: 25, balance: '14750.0000', currency: 'USD' },
        { invoice_number: 'INV-2026-0025', status: 'overdue', days_overdue: 5, balance: '3250.0000', currency: 'GBP' },
        { invoice_number: 'INV-2026-0027', status: 'partial', days_overdue: 50, balance: '14000.0000', currency: 'EUR' },
        { invoice_number: 'INV-2026-0033', status: 'overdue', days_overdue: 100, balance: '32000.0000', currency: 'USD' },
        { invoice_number: 'INV-2026-0034', status: 'overdue', days_overdue: 70, balance: '18500.0000', currency: 'USD' },
        { invoice_number: 'INV-2026-0036', status: 'overdue', days_overdue: 45, balance: '16000.0000', currency: 'USD' },
        { invoice_number: 'INV-2026-0037', status: 'partial', days_overdue: 30, balance: '4500.0000', currency: 'USD' },
      ]);
      // and the view's arithmetic agrees with the table
      expect(
        await scalar<string>(
          `SELECT count(*) FROM v_overdue_payments v JOIN payment_records pr ON pr.id = v.payment_record_id
            WHERE v.days_overdue = current_date - pr.due_date AND v.balance = pr.amount - pr.amount_paid`,
        ),
      ).toBe('13');
      expect(
        await scalar<boolean>("SELECT do_not_contact FROM v_overdue_payments WHERE invoice_number = 'INV-2026-0033'"),
      ).toBe(true);
    });

    it('v_active_campaigns lists the active and paused campaigns', async () => {
      const rows = await db.query<{ campaign_id: string; status: string; total_steps: number }>(
        'SELECT campaign_id, status, total_steps FROM v_active_campaigns ORDER BY campaign_id',
      );
      expect(rows).toEqual([
        { campaign_id: campaign(1), status: 'active', total_steps: 5 },
        { campaign_id: campaign(2), status: 'active', total_steps: 5 },
        { campaign_id: campaign(3), status: 'paused', total_steps: 3 },
        { campaign_id: campaign(4), status: 'active', total_steps: 5 },
        { campaign_id: campaign(8), status: 'active', total_steps: 3 },
      ]);
    });

    it('v_pending_tasks lists the pending and assigned tasks', async () => {
      const rows = await db.query<{ task_id: string; status: string; is_due: boolean; agent_name: string | null }>(
        'SELECT task_id, status, is_due, agent_name FROM v_pending_tasks ORDER BY task_id',
      );
      expect(rows).toEqual([
        { task_id: task(10), status: 'pending', is_due: true, agent_name: null },
        { task_id: task(12), status: 'assigned', is_due: true, agent_name: 'sms-agent-01' },
        // deferred to 09:00 tomorrow in Berlin
        { task_id: task(17), status: 'pending', is_due: false, agent_name: null },
      ]);
    });

    it('v_customer_communications has one row per contact attempt', async () => {
      const rows = await db.query<{ contact_attempt_id: string; template_name: string | null; campaign_name: string | null }>(
        'SELECT contact_attempt_id, template_name, campaign_name FROM v_customer_communications ORDER BY contact_attempt_id',
      );
      expect(rows.map((r) => r.contact_attempt_id)).toEqual(range(1, 16).map(attempt));
      expect(rows.every((r) => r.template_name !== null)).toBe(true);
      expect(rows.filter((r) => r.campaign_name === null).map((r) => r.contact_attempt_id)).toEqual(range(13, 16).map(attempt));
    });

    it('v_agent_performance has one row per agent with the seeded task outcomes', async () => {
      const rows = await db.query<{
        agent_name: string;
        total_tasks: string;
        completed_tasks: string;
        failed_tasks: string;
        active_tasks: string;
        contact_attempts: string;
        responses: string;
      }>(
        `SELECT agent_name, total_tasks, completed_tasks, failed_tasks, active_tasks, contact_attempts, responses
           FROM v_agent_performance ORDER BY agent_name`,
      );
      expect(
        rows.map((r) => [
          r.agent_name,
          Number(r.total_tasks),
          Number(r.completed_tasks),
          Number(r.failed_tasks),
          Number(r.active_tasks),
          Number(r.contact_attempts),
          Number(r.responses),
        ]),
      ).toEqual([
        // name, tasks, completed, failed, active, attempts, responses
        ['email-agent-01', 5, 5, 0, 0, 5, 1],
        ['email-agent-02', 3, 2, 1, 0, 4, 1],
        ['phone-agent-01', 2, 2, 0, 0, 2, 1],
        ['phone-agent-02', 0, 0, 0, 0, 0, 0],
        ['phone-agent-03', 1, 0, 1, 0, 1, 0],
        ['research-agent-01', 2, 1, 0, 1, 0, 0],
        ['sms-agent-01', 3, 2, 0, 1, 4, 1],
      ]);
      // the agents' own performance_metrics agree with their tasks
      expect(
        await db.query(
          `SELECT a.name FROM agents a JOIN v_agent_performance v ON v.agent_id = a.id
            WHERE a.performance_metrics ? 'tasksCompleted'
              AND ((a.performance_metrics ->> 'tasksCompleted')::int <> v.completed_tasks
                   OR (a.performance_metrics ->> 'tasksFailed')::int <> v.failed_tasks)`,
        ),
      ).toEqual([]);
    });

    it('v_campaign_effectiveness has one row per campaign', async () => {
      const rows = await db.query<{
        campaign_id: string;
        total_tasks: string;
        completed_tasks: string;
        failed_tasks: string;
        contact_attempts: string;
        responses: string;
        invoices_paid_since_start: string;
        amount_paid_since_start: string;
      }>(
        `SELECT campaign_id, total_tasks, completed_tasks, failed_tasks, contact_attempts, responses,
                invoices_paid_since_start, amount_paid_since_start
           FROM v_campaign_effectiveness ORDER BY campaign_id`,
      );
      expect(
        rows.map((r) => [
          r.campaign_id,
          Number(r.total_tasks),
          Number(r.completed_tasks),
          Number(r.failed_tasks),
          Number(r.contact_attempts),
          Number(r.responses),
        ]),
      ).toEqual([
        // campaign, tasks, completed, failed, attempts, responses
        [campaign(1), 3, 3, 0, 3, 1],
        [campaign(2), 5, 3, 1, 4, 0],
        [campaign(3), 2, 1, 0, 1, 1],
        [campaign(4), 2, 1, 0, 1, 0],
        [campaign(5), 0, 0, 0, 0, 0],
        [campaign(6), 1, 1, 0, 1, 0],
        [campaign(7), 2, 1, 0, 1, 0],
        [campaign(8), 2, 1, 0, 1, 0],
        [campaign(9), 0, 0, 0, 0, 0],
      ]);
      // the completed campaign recovered INV-2026-0002 after it started
      const acme = rows.find((r) => r.campaign_id === campaign(6));
      expect([acme?.invoices_paid_since_start, acme?.amount_paid_since_start]).toEqual(['1', '8750.0000']);
    });
  });

  describe('risk', () => {
    const EXPECTED_LEVELS: Record<string, string> = {
      [customer(1)]: 'low',
      [customer(2)]: 'high',
      [customer(3)]: 'medium',
      [customer(4)]: 'low',
      [customer(5)]: 'critical',
      [customer(6)]: 'low',
      [customer(7)]: 'medium',
      [customer(8)]: 'low',
      [customer(9)]: 'medium',
      [customer(10)]: 'low',
      [customer(11)]: 'critical',
      [customer(12)]: 'high',
    };

    it('stores the score the real function computes for every customer', async () => {
      const rows = await db.query<{
        customer_id: string;
        risk_score: number;
        computed: number;
        risk_level: string;
        computed_level: string;
        average_payment_delay: string;
        weighted_days_late: string;
        factors_score: number;
        risk_calculated_at: Date | null;
      }>(
        `SELECT p.customer_id, p.risk_score, calculate_customer_risk_score(p.customer_id) AS computed,
                p.risk_level, risk_level_for_score(p.risk_score) AS computed_level,
                p.average_payment_delay, f.weighted_days_late,
                (p.risk_factors ->> 'score')::int AS factors_score, p.risk_calculated_at
           FROM customer_profiles p CROSS JOIN LATERAL customer_risk_factors(p.customer_id) f
          ORDER BY p.customer_id`,
      );
      expect(rows).toHaveLength(12);
      for (const r of rows) {
        expect([r.customer_id, r.risk_score]).toEqual([r.customer_id, r.computed]);
        expect([r.customer_id, r.risk_level]).toEqual([r.customer_id, r.computed_level]);
        expect([r.customer_id, Number(r.average_payment_delay)]).toEqual([r.customer_id, Number(r.weighted_days_late)]);
        expect([r.customer_id, r.factors_score]).toEqual([r.customer_id, r.risk_score]);
        expect(r.risk_calculated_at).not.toBeNull();
      }
    });

    it('spreads the customers over every risk level', async () => {
      const rows = await db.query<{ customer_id: string; risk_level: string }>(
        'SELECT customer_id, risk_level FROM customer_profiles ORDER BY customer_id',
      );
      expect(Object.fromEntries(rows.map((r) => [r.customer_id, r.risk_level]))).toEqual(EXPECTED_LEVELS);
      expect(new Set(rows.map((r) => r.risk_level)).size).toBeGreaterThanOrEqual(3);
    });
  });

  describe('loading again', () => {
    it('changes nothing: no row added, no row altered, no audit event appended', async () => {
      const before = await snapshot();
      await db.query(seedSql);
      const after = await snapshot();
      expect(after).toEqual(before);
      expect(after.audit_logs.rows).toBe(10);
    });
  });
});
