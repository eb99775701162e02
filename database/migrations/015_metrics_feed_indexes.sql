-- 015_metrics_feed_indexes.sql
-- The business metrics feed (libs/service-runtime metrics-feed.ts) reads, every minute, the rows
-- of the last minutes by time: payments by recorded_at (customers), compliance decisions by
-- created_at (compliance), tasks by created_at and completed_at (campaigns). None of these
-- columns led an index, so each read scanned its whole table.
--
-- BRIN indexes: these rows are written in time order, so a block range's min/max time is tight
-- and a minute's rows are found in a few ranges. A BRIN index is a few pages per gigabyte of
-- table and costs the writes next to nothing, where a B-tree would add an entry to every insert
-- (the escalation engine writes a task per step). tasks.completed_at is set when a task ends,
-- which lands the row version near the other recent ones, so it is nearly as tight.
-- Owner: each table's service (the statements below only add indexes).
--
-- Rollback (in one transaction):
--   DROP INDEX brin_payments_recorded_at, brin_compliance_decisions_created_at,
--              brin_tasks_created_at, brin_tasks_completed_at;
--   DELETE FROM schema_migrations WHERE version = 15;

CREATE INDEX brin_payments_recorded_at ON payments USING brin (recorded_at);
CREATE INDEX brin_compliance_decisions_created_at ON compliance_decisions USING brin (created_at);
CREATE INDEX brin_tasks_created_at ON tasks USING brin (created_at);
CREATE INDEX brin_tasks_completed_at ON tasks USING brin (completed_at);
