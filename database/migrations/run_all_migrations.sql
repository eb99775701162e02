-- run_all_migrations.sql: applies every migration to a new, empty database with psql.
--
--   cd database/migrations
--   psql -h localhost -U postgres -d client_escalation_calls -f run_all_migrations.sql
--
-- All files run in one transaction: on any error nothing is applied. The migrations are
-- recorded in schema_migrations (with a NULL checksum, which `npm run db:migrate` adopts),
-- so later migrations can be applied with `npm run db:migrate`. On a database that
-- already has migrations, use `npm run db:migrate` instead: this script refuses.
--
-- Keep the \ir list in step with the NNN_*.sql files; the database tests check it.

\set ON_ERROR_STOP on
BEGIN;

DO $$
BEGIN
    IF to_regclass('public.schema_migrations') IS NOT NULL THEN
        RAISE EXCEPTION 'this database already has migrations (table schema_migrations exists)'
            USING HINT = 'Apply pending migrations with: npm run db:migrate';
    END IF;
END;
$$;

\ir ../schema_migrations.sql

\ir 001_create_core_tables.sql
\ir 002_create_campaigns_and_tasks.sql
\ir 003_create_contact_attempts_and_templates.sql
\ir 004_create_audit_and_compliance.sql
\ir 005_create_system_metrics_and_views.sql
\ir 006_create_service_roles.sql
\ir 007_create_payments.sql
\ir 008_audit_sequencer.sql
\ir 009_compliance_decisions.sql
\ir 010_campaigns_service.sql
\ir 011_escalation_engine.sql
\ir 012_engine_throughput.sql
\ir 013_metrics_service.sql
\ir 014_reporting.sql
\ir 015_metrics_feed_indexes.sql

INSERT INTO schema_migrations (version, name, checksum, applied_by) VALUES
    (1, '001_create_core_tables', NULL, current_user || ' (psql)'),
    (2, '002_create_campaigns_and_tasks', NULL, current_user || ' (psql)'),
    (3, '003_create_contact_attempts_and_templates', NULL, current_user || ' (psql)'),
    (4, '004_create_audit_and_compliance', NULL, current_user || ' (psql)'),
    (5, '005_create_system_metrics_and_views', NULL, current_user || ' (psql)'),
    (6, '006_create_service_roles', NULL, current_user || ' (psql)'),
    (7, '007_create_payments', NULL, current_user || ' (psql)'),
    (8, '008_audit_sequencer', NULL, current_user || ' (psql)'),
    (9, '009_compliance_decisions', NULL, current_user || ' (psql)'),
    (10, '010_campaigns_service', NULL, current_user || ' (psql)'),
    (11, '011_escalation_engine', NULL, current_user || ' (psql)'),
    (12, '012_engine_throughput', NULL, current_user || ' (psql)'),
    (13, '013_metrics_service', NULL, current_user || ' (psql)'),
    (14, '014_reporting', NULL, current_user || ' (psql)'),
    (15, '015_metrics_feed_indexes', NULL, current_user || ' (psql)');

COMMIT;
