-- 011_escalation_engine.sql
-- What the escalation engine (inside the campaigns service) needs to move campaigns by itself,
-- safely on several replicas and across crashes:
--   * campaigns gain the engine's lease (which replica works on the campaign's due step, until
--     when), the run key of the step in progress (the request id of its compliance check and of
--     its task: a pass that dies and is run again asks and creates with the same key, so it gets
--     the same decision back and creates the task once), and when the previous step was taken
--     (steps anchored to the previous step count from it);
--   * campaign_step_runs: what happened to each step (task created, deferred, refused, fell back,
--     skipped), with the decision and the task; a step is taken, refused or skipped once (a
--     unique index), deferrals are kept as history;
--   * enrolment_policy: who the engine puts into a campaign by itself, and with which preset
--     (one row; off until an operator turns it on).
-- Owner: campaigns service.
--
-- Rollback (run in one transaction; drops the ledger and the policy):
--   DROP TABLE IF EXISTS campaign_step_runs, enrolment_policy CASCADE;
--   ALTER TABLE campaigns DROP COLUMN engine_run_key, DROP COLUMN engine_fallback_run_key, DROP COLUMN engine_lease_owner,
--       DROP COLUMN engine_lease_until, DROP COLUMN last_step_at;
--   DELETE FROM schema_migrations WHERE version = 11;

-- ---------------------------------------------------------------------------
-- campaigns: the engine's lease and the step in progress
-- ---------------------------------------------------------------------------
ALTER TABLE campaigns
    -- The request id of the due step's compliance check and task; kept until the step's outcome
    -- is committed, so a pass run again after a crash repeats the same requests.
    ADD COLUMN engine_run_key uuid,
    -- The request id of the compliance check of the step's fallback channel (asked when the
    -- step's own channel is refused), kept like engine_run_key.
    ADD COLUMN engine_fallback_run_key uuid,
    -- The engine instance (a replica's pass) working on the due step, and until when; another
    -- replica takes the campaign only after the lease ran out.
    ADD COLUMN engine_lease_owner uuid,
    ADD COLUMN engine_lease_until timestamptz,
    -- When the previous step was taken (its task created, or it was refused or skipped).
    ADD COLUMN last_step_at timestamptz;

-- The engine's read: active campaigns with a step due, oldest first (idx_campaigns_due, 002).

-- ---------------------------------------------------------------------------
-- campaign_step_runs: the engine's ledger
-- ---------------------------------------------------------------------------
CREATE TABLE campaign_step_runs (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    campaign_id     uuid        NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    step_index      integer     NOT NULL CHECK (step_index >= 0),
    -- campaigns.engine_run_key of the pass that recorded it: one outcome per key.
    run_key         uuid        NOT NULL UNIQUE,
    outcome         text        NOT NULL
                                CHECK (outcome IN ('task_created', 'deferred', 'refused', 'fell_back', 'skipped')),
    -- The channel decided on (the fallback's for fell_back); NULL for research and manual review.
    channel         text        CHECK (channel IN ('email', 'sms', 'phone', 'letter')),
    -- The compliance decision (another service's id); NULL where none was asked for.
    decision_id     uuid,
    task_id         uuid        REFERENCES tasks (id) ON DELETE SET NULL,
    -- deferred: when the step is tried again.
    not_before      timestamptz,
    -- Why, in words (compliance's reasons, the condition that failed).
    reason          text        CHECK (length(reason) <= 1000),
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT campaign_step_runs_deferred_has_time CHECK ((outcome = 'deferred') = (not_before IS NOT NULL)),
    CONSTRAINT campaign_step_runs_task_when_created CHECK (outcome NOT IN ('task_created', 'fell_back') OR task_id IS NOT NULL)
);

COMMENT ON TABLE campaign_step_runs IS 'What the escalation engine did with each campaign step. Owner: campaigns service.';

-- A step is taken (task created or fallback), refused or skipped once, whatever the replicas do.
CREATE UNIQUE INDEX campaign_step_runs_once ON campaign_step_runs (campaign_id, step_index) WHERE outcome <> 'deferred';
CREATE INDEX idx_campaign_step_runs_campaign ON campaign_step_runs (campaign_id, created_at);
CREATE INDEX idx_campaign_step_runs_task ON campaign_step_runs (task_id) WHERE task_id IS NOT NULL;

-- ---------------------------------------------------------------------------
-- enrolment_policy: one row
-- ---------------------------------------------------------------------------
CREATE TABLE enrolment_policy (
    id                    boolean     PRIMARY KEY DEFAULT true CHECK (id),
    enabled               boolean     NOT NULL DEFAULT false,
    -- Currency code -> decimal string: enrol only when at least this much is overdue in it.
    min_overdue_amounts   jsonb       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(min_overdue_amounts) = 'object'),
    min_days_overdue      integer     NOT NULL DEFAULT 1 CHECK (min_days_overdue BETWEEN 0 AND 3650),
    preset                text        NOT NULL DEFAULT 'standard-b2b' CHECK (preset ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
    excluded_customer_ids uuid[]      NOT NULL DEFAULT '{}',
    updated_by            text        CHECK (length(updated_by) <= 200),
    updated_at            timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE enrolment_policy IS 'Who the escalation engine enrols into a campaign by itself (one row). Owner: campaigns service.';

INSERT INTO enrolment_policy DEFAULT VALUES;

CREATE TRIGGER trg_enrolment_policy_updated_at BEFORE UPDATE ON enrolment_policy
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

-- ---------------------------------------------------------------------------
-- grants
-- ---------------------------------------------------------------------------
-- The ledger is history: no UPDATE.
GRANT SELECT, INSERT ON campaign_step_runs TO campaigns_svc;
GRANT SELECT, UPDATE ON enrolment_policy TO campaigns_svc;
