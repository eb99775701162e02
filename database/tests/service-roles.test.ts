import { useTestDatabase } from '@cec/testing';
import { asRole, insertFixtures } from './fixtures';

// Ownership, as in docs/architecture.md: each service is the only writer of its tables.
const OWNS: Record<string, string[]> = {
  customers_svc: ['customers', 'customer_profiles', 'payment_records', 'payments', 'customer_contact_outcomes'],
  campaigns_svc: ['campaigns', 'tasks', 'agents', 'contact_attempts', 'templates', 'campaign_invoices', 'campaigns_outbox', 'campaign_step_runs', 'enrolment_policy'],
  compliance_svc: ['opt_outs', 'compliance_rules'],
  metrics_svc: ['system_metrics', 'metrics_retention'],
};
// Tables without updated_at, and the column a no-op UPDATE sets instead.
const NO_UPDATED_AT: Record<string, string> = { campaign_invoices: 'running', campaigns_outbox: 'attempts', metrics_retention: 'days' };
// Tables a role appends to but never updates (history).
const APPEND_ONLY = ['system_metrics', 'payments', 'campaign_step_runs'];
const ALL_TABLES = [...Object.values(OWNS).flat(), 'audit_logs', 'audit_chain_state', 'schema_migrations'];
const SERVES: Record<string, string[]> = {
  customers_svc: ['v_overdue_payments'],
  campaigns_svc: ['v_active_campaigns', 'v_pending_tasks', 'v_agent_performance', 'v_customer_communications'],
  compliance_svc: [],
  metrics_svc: ['v_agent_performance', 'v_campaign_effectiveness', 'v_overdue_payments', 'v_customer_communications', 'v_campaign_recovery'],
};
// v_report_invoice_payments (014) is read only inside the report_* functions: no role reads it.
const ALL_VIEWS = [...new Set(Object.values(SERVES).flat()), 'v_active_campaigns', 'v_pending_tasks', 'v_report_invoice_payments'];
// The reports' functions (014): metrics_svc only.
const REPORT_CALLS = [
  'SELECT report_aging_bucket(1)',
  "SELECT * FROM report_receivables_at('2026-01-31')",
  "SELECT * FROM report_overdue_aging('2026-01-31')",
  "SELECT * FROM report_receivables_summary('2026-01-01', '2026-02-01')",
  "SELECT * FROM report_contact_outcomes('2026-01-01T00:00Z', '2026-02-01T00:00Z')",
  "SELECT * FROM report_step_recovery('2026-01-01T00:00Z', '2026-02-01T00:00Z', 7)",
];

describe('service roles', () => {
  const db = useTestDatabase();

  beforeAll(async () => {
    await insertFixtures(db);
  });


  describe.each(Object.keys(OWNS))('%s', (role) => {
    const own = OWNS[role];
    const foreign = ALL_TABLES.filter((t) => !own.includes(t) && !(role === 'compliance_svc' && t === 'audit_logs'));

    it('reads and writes its own tables', async () => {
      await asRole(db, role, async (c) => {
        for (const table of own) {
          await c.query(`SELECT * FROM ${table} LIMIT 1`);
          await c.query('BEGIN');
          // A no-op update proves the UPDATE grant (and fires the updated_at trigger as this role).
          if (!APPEND_ONLY.includes(table)) await c.query(`UPDATE ${table} SET ${NO_UPDATED_AT[table] ?? 'updated_at'} = ${NO_UPDATED_AT[table] ?? 'updated_at'}`);
          await c.query('ROLLBACK');
        }
      });
    });

    it("is refused every other domain's table (42501)", async () => {
      await asRole(db, role, async (c) => {
        for (const table of foreign) {
          await expect(c.query(`SELECT 1 FROM ${table} LIMIT 1`)).rejects.toMatchObject({ code: '42501' });
          await expect(c.query(`DELETE FROM ${table}`)).rejects.toMatchObject({ code: '42501' });
        }
      });
    });

    it('cannot delete or truncate even its own rows', async () => {
      await asRole(db, role, async (c) => {
        for (const table of own) {
          await expect(c.query(`DELETE FROM ${table}`)).rejects.toMatchObject({ code: '42501' });
          await expect(c.query(`TRUNCATE ${table}`)).rejects.toMatchObject({ code: '42501' });
        }
      });
    });

    it('reads only the views it serves', async () => {
      await asRole(db, role, async (c) => {
        for (const view of ALL_VIEWS) {
          const query = c.query(`SELECT * FROM ${view} LIMIT 1`);
          if (SERVES[role].includes(view)) await query;
          else await expect(query).rejects.toMatchObject({ code: '42501' });
        }
      });
    });

    it('records audit events through log_audit_event, with an event id, and in bulk through log_audit_events', async () => {
      await asRole(db, role, async (c) => {
        const { rows } = await c.query("SELECT log_audit_event('service', NULL, 'checked', 'service', $1) AS id", [role]);
        expect(rows[0].id).toMatch(/^[0-9a-f-]{36}$/);
        const once = await c.query("SELECT log_audit_event('service', NULL, 'checked', 'service', $1, '{}', gen_random_uuid()) AS id", [role]);
        expect(once.rows[0].id).toMatch(/^[0-9a-f-]{36}$/);
        const bulk = await c.query(
          `SELECT log_audit_events(jsonb_build_array(
                    jsonb_build_object('entity_type', 'service', 'action', 'checked', 'actor_type', 'service', 'actor_id', $1::text),
                    jsonb_build_object('entity_type', 'service', 'action', 'checked', 'actor_type', 'service', 'actor_id', $1::text))) AS ids`,
          [role],
        );
        expect(bulk.rows[0].ids).toHaveLength(2);
      });
    });

    it('cannot create objects', async () => {
      await asRole(db, role, async (c) => {
        await expect(c.query('CREATE TABLE sneaky (id int)')).rejects.toMatchObject({ code: '42501' });
      });
    });
  });

  it('lets only compliance verify the audit chain and check opt-outs', async () => {
    await asRole(db, 'compliance_svc', async (c) => {
      await c.query('SELECT * FROM verify_audit_chain()');
      await c.query("SELECT check_opt_out_status(gen_random_uuid(), 'email')");
    });
    await asRole(db, 'customers_svc', async (c) => {
      await expect(c.query('SELECT * FROM verify_audit_chain()')).rejects.toMatchObject({ code: '42501' });
      await expect(c.query("SELECT check_opt_out_status(gen_random_uuid(), 'email')")).rejects.toMatchObject({ code: '42501' });
    });
  });

  it('lets only compliance run the audit sequencer and read how far the chain is sealed', async () => {
    await asRole(db, 'compliance_svc', async (c) => {
      const { rows } = await c.query('SELECT seal_audit_chain(10) AS sealed');
      expect(typeof rows[0].sealed).toBe('number');
      await c.query('SELECT * FROM audit_chain_status()');
      await c.query('SELECT * FROM audit_chain_head()');
    });
    for (const role of ['customers_svc', 'campaigns_svc', 'metrics_svc']) {
      await asRole(db, role, async (c) => {
        await expect(c.query('SELECT seal_audit_chain()')).rejects.toMatchObject({ code: '42501' });
        await expect(c.query('SELECT * FROM audit_chain_status()')).rejects.toMatchObject({ code: '42501' });
      });
    }
  });

  it('lets only metrics run the reports', async () => {
    await asRole(db, 'metrics_svc', async (c) => {
      for (const statement of REPORT_CALLS) await c.query(statement);
    });
    for (const role of ['customers_svc', 'campaigns_svc', 'compliance_svc']) {
      await asRole(db, role, async (c) => {
        for (const statement of REPORT_CALLS) await expect(c.query(statement)).rejects.toMatchObject({ code: '42501' });
      });
    }
  });

  it('lets customers compute risk, and nobody else', async () => {
    await asRole(db, 'customers_svc', (c) => c.query("SELECT calculate_customer_risk_score(id) FROM customers"));
    await asRole(db, 'campaigns_svc', async (c) => {
      await expect(c.query('SELECT calculate_customer_risk_score(gen_random_uuid())')).rejects.toMatchObject({ code: '42501' });
    });
  });
});
