-- 006_create_service_roles.sql
-- One login role per service, each granted only the tables it owns (docs/architecture.md), the views
-- and functions it serves, and log_audit_event. The role that runs the migrations owns
-- every object; service roles own nothing and cannot create anything.
--
--   customers_svc   customers, customer_profiles, payment_records; v_overdue_payments;
--                   calculate_customer_risk_score, customer_risk_factors, risk_level_for_score
--   campaigns_svc   campaigns, tasks, agents, contact_attempts, templates;
--                   v_active_campaigns, v_pending_tasks
--   compliance_svc  opt_outs, compliance_rules; audit_logs (read only);
--                   check_opt_out_status, verify_audit_chain, audit_chain_head
--   metrics_svc     system_metrics; v_agent_performance, v_campaign_effectiveness,
--                   v_overdue_payments, v_customer_communications
--
-- Roles are cluster-wide and created without a password: set one per deployment
-- (ALTER ROLE customers_svc PASSWORD '...') unless the server trusts local connections.
-- Nobody gets UPDATE, DELETE or TRUNCATE on audit_logs, nor INSERT: appends go through
-- log_audit_event (SECURITY DEFINER).
--
-- Rollback (run in one transaction):
--   REVOKE ALL ON ALL TABLES IN SCHEMA public FROM customers_svc, campaigns_svc, compliance_svc, metrics_svc;
--   REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM customers_svc, campaigns_svc, compliance_svc, metrics_svc;
--   REVOKE USAGE ON SCHEMA public FROM customers_svc, campaigns_svc, compliance_svc, metrics_svc;
--   GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO PUBLIC;
--   ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON FUNCTIONS TO PUBLIC;
--   -- then, once no other database uses them: DROP ROLE customers_svc, campaigns_svc, compliance_svc, metrics_svc;
--   DELETE FROM schema_migrations WHERE version = 6;

DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['customers_svc', 'campaigns_svc', 'compliance_svc', 'metrics_svc'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT', r);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL; -- created by a concurrent migration of another database on this server
            END;
        END IF;
    END LOOP;
END;
$$;

-- Functions are executable by PUBLIC unless revoked; nothing here should be.
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
-- (global form: a per-schema default cannot take away what the global default grants)
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO customers_svc, campaigns_svc, compliance_svc, metrics_svc;

-- customers service
GRANT SELECT, INSERT, UPDATE ON customers, customer_profiles, payment_records TO customers_svc;
GRANT SELECT ON v_overdue_payments TO customers_svc;
GRANT EXECUTE ON FUNCTION calculate_customer_risk_score(uuid), customer_risk_factors(uuid, date),
                          risk_level_for_score(integer) TO customers_svc;

-- campaigns service
GRANT SELECT, INSERT, UPDATE ON campaigns, tasks, agents, contact_attempts, templates TO campaigns_svc;
GRANT SELECT ON v_active_campaigns, v_pending_tasks TO campaigns_svc;

-- compliance service
GRANT SELECT, INSERT, UPDATE ON opt_outs, compliance_rules TO compliance_svc;
GRANT SELECT ON audit_logs TO compliance_svc;
GRANT EXECUTE ON FUNCTION check_opt_out_status(uuid, text), verify_audit_chain(), audit_chain_head()
    TO compliance_svc;

-- metrics service
GRANT SELECT, INSERT ON system_metrics TO metrics_svc;
GRANT SELECT ON v_agent_performance, v_campaign_effectiveness, v_overdue_payments, v_customer_communications
    TO metrics_svc;

-- every service records its state changes in the audit trail
GRANT EXECUTE ON FUNCTION log_audit_event(text, uuid, text, text, text, jsonb)
    TO customers_svc, campaigns_svc, compliance_svc, metrics_svc;
