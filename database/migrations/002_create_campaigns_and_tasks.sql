-- 002_create_campaigns_and_tasks.sql
-- Escalation campaigns and the tasks they hand to agents. Owner: campaigns service.
--
-- Rollback (run in one transaction; drops data):
--   DROP TABLE IF EXISTS tasks, campaigns CASCADE;
--   DELETE FROM schema_migrations WHERE version = 2;

-- ---------------------------------------------------------------------------
-- campaigns: one escalation schedule run for a customer.
--
-- escalation_steps is a JSON array; each element describes one step:
--   {"name": "Friendly reminder", "task_type": "send_email", "channel": "email",
--    "template": "friendly_reminder_email", "delay_days": 1,
--    "delay_from": "due_date" | "previous_step", "priority": "low",
--    "conditions": {"min_amount_overdue": "100.00", "min_days_overdue": 1,
--                   "risk_levels": ["medium", "high", "critical"]}}
-- current_step is the 0-based index of the next step to run
-- (= number of steps taken; equal to the array length when every step has run).
-- ---------------------------------------------------------------------------
CREATE TABLE campaigns (
    id               uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    customer_id      uuid        NOT NULL REFERENCES customers (id) ON DELETE RESTRICT,
    name             text        NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    description      text        CHECK (length(description) <= 2000),
    status           text        NOT NULL DEFAULT 'draft'
                                 CHECK (status IN ('draft', 'active', 'paused', 'completed', 'cancelled')),
    escalation_steps jsonb       NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(escalation_steps) = 'array'),
    current_step     integer     NOT NULL DEFAULT 0 CHECK (current_step >= 0),
    -- When the escalation engine should next look at this campaign.
    next_step_at     timestamptz,
    results          jsonb       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(results) = 'object'),
    started_at       timestamptz,
    completed_at     timestamptz,
    created_by       text,
    request_id       uuid        UNIQUE,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT campaigns_step_within_schedule CHECK (current_step <= jsonb_array_length(escalation_steps)),
    CONSTRAINT campaigns_started_when_running
        CHECK (status IN ('draft', 'cancelled') OR started_at IS NOT NULL),
    CONSTRAINT campaigns_completed_has_time CHECK ((status = 'completed') = (completed_at IS NOT NULL))
);

COMMENT ON TABLE campaigns IS 'Escalation campaigns: a schedule of contact steps for one customer. Owner: campaigns service.';

CREATE INDEX idx_campaigns_customer ON campaigns (customer_id);
CREATE INDEX idx_campaigns_status ON campaigns (status, created_at);
-- The escalation engine's "which campaigns have a step due" read.
CREATE INDEX idx_campaigns_due ON campaigns (next_step_at) WHERE status = 'active';

CREATE TRIGGER trg_campaigns_updated_at BEFORE UPDATE ON campaigns
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

-- ---------------------------------------------------------------------------
-- tasks: one unit of work for an agent (send this email, make this call, ...).
--
-- Queue life cycle: pending -> assigned (claimed with a lease) -> in_progress
--   -> completed | failed; an expired lease returns the task to pending;
--   a failure with attempts left returns it to pending with a later scheduled_for.
-- ---------------------------------------------------------------------------
CREATE TABLE tasks (
    id               uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    campaign_id      uuid        REFERENCES campaigns (id) ON DELETE RESTRICT,
    customer_id      uuid        NOT NULL REFERENCES customers (id) ON DELETE RESTRICT,
    agent_id         uuid        REFERENCES agents (id) ON DELETE SET NULL,
    -- Index of the campaign step that created the task (NULL for ad-hoc tasks).
    step_index       integer     CHECK (step_index >= 0),
    type             text        NOT NULL
                                 CHECK (type IN ('send_email', 'send_sms', 'make_call', 'research', 'manual_review')),
    priority         text        NOT NULL DEFAULT 'medium' CHECK (priority IN ('low', 'medium', 'high', 'urgent')),
    -- 0 = urgent .. 3 = low, so the queue can order by an index.
    priority_rank    smallint    GENERATED ALWAYS AS (
                                     CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1
                                                   WHEN 'medium' THEN 2 ELSE 3 END) STORED,
    status           text        NOT NULL DEFAULT 'pending'
                                 CHECK (status IN ('pending', 'assigned', 'in_progress', 'completed', 'failed', 'cancelled')),
    context          jsonb       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(context) = 'object'),
    result           jsonb,
    -- Not to be performed before this time (deferrals, retry backoff).
    scheduled_for    timestamptz NOT NULL DEFAULT now(),
    attempts         integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts     integer     NOT NULL DEFAULT 3 CHECK (max_attempts BETWEEN 1 AND 100),
    lease_expires_at timestamptz,
    last_error       text,
    assigned_at      timestamptz,
    started_at       timestamptz,
    completed_at     timestamptz,
    request_id       uuid        UNIQUE,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tasks_claimed_has_agent_and_lease
        CHECK (status NOT IN ('assigned', 'in_progress') OR (agent_id IS NOT NULL AND lease_expires_at IS NOT NULL)),
    CONSTRAINT tasks_finished_has_time CHECK ((status IN ('completed', 'failed')) = (completed_at IS NOT NULL)),
    CONSTRAINT tasks_step_needs_campaign CHECK (step_index IS NULL OR campaign_id IS NOT NULL)
);

COMMENT ON TABLE tasks IS 'Work items for agents, claimed with a lease (FOR UPDATE SKIP LOCKED). Owner: campaigns service.';

CREATE INDEX idx_tasks_campaign ON tasks (campaign_id, step_index);
CREATE INDEX idx_tasks_customer ON tasks (customer_id, created_at);
CREATE INDEX idx_tasks_agent ON tasks (agent_id, status);
CREATE INDEX idx_tasks_status ON tasks (status, created_at);
-- The claim query: highest priority first, then the earliest due, among pending tasks.
CREATE INDEX idx_tasks_claimable ON tasks (type, priority_rank, scheduled_for) WHERE status = 'pending';
-- The lease reaper: claimed tasks whose lease ran out.
CREATE INDEX idx_tasks_lease ON tasks (lease_expires_at) WHERE status IN ('assigned', 'in_progress');

CREATE TRIGGER trg_tasks_updated_at BEFORE UPDATE ON tasks
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
