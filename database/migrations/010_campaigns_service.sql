-- 010_campaigns_service.sql
-- What the campaigns service needs for templates, campaigns, agents, the task queue and
-- contact attempts, and the table the customers service keeps contact outcomes in:
--   * templates: a letter channel (with a subject), the request id of the create or edit that
--     made a version, and who made it;
--   * campaigns: the preset a campaign was made from and its outcome; campaign_invoices links a
--     campaign to the invoices it chases, with at most one running (active or paused) campaign
--     per customer and invoice, held by a unique index, not by a check-then-insert;
--   * tasks: a send_letter type, the compliance decision that allowed a contact, the
--     capabilities an agent needs to claim it, and the contact attempt its completion recorded;
--   * agents: secrets kept apart from config (never returned), a status message, a request id;
--   * contact_attempts: letters, the caller's request id, the compliance decision used, and who
--     recorded it;
--   * campaigns_outbox: messages to other services written in the same transaction as the
--     change and delivered later by a relay (compliance's RecordContactAttempts, customers'
--     RecordContactOutcomes), with the ones a receiver refused for good parked;
--   * compliance_contact_attempts: a recorded attempt's outcome may move on (a reply after a
--     delivery; cool-downs depend on it); nothing else of it, and it is never deleted;
--   * customer_contact_outcomes (owner: customers service): how each contact went, by attempt
--     id, from which the customer's response_rate is computed.
--
-- Rollback (run in one transaction; drops the links, the outbox and the outcomes):
--   DROP TABLE IF EXISTS campaign_invoices, campaigns_outbox, customer_contact_outcomes CASCADE;
--   DROP FUNCTION IF EXISTS campaign_invoices_fill(), campaign_invoices_follow_status();
--   ALTER TABLE templates DROP COLUMN request_id, DROP COLUMN created_by,
--       DROP CONSTRAINT templates_letter_has_subject, DROP CONSTRAINT templates_channel_check,
--       ADD CONSTRAINT templates_channel_check CHECK (channel IN ('email', 'sms', 'phone'));
--   ALTER TABLE campaigns DROP COLUMN preset, DROP COLUMN outcome, DROP COLUMN anchor_due_date;
--   ALTER TABLE tasks DROP COLUMN decision_id, DROP COLUMN required_capabilities,
--       DROP COLUMN contact_attempt_id, DROP CONSTRAINT tasks_type_check,
--       ADD CONSTRAINT tasks_type_check
--           CHECK (type IN ('send_email', 'send_sms', 'make_call', 'research', 'manual_review'));
--   ALTER TABLE agents DROP COLUMN secrets, DROP COLUMN status_message, DROP COLUMN request_id;
--   ALTER TABLE contact_attempts DROP COLUMN request_id, DROP COLUMN decision_id,
--       DROP COLUMN recorded_by, DROP CONSTRAINT contact_attempts_channel_check,
--       ADD CONSTRAINT contact_attempts_channel_check CHECK (channel IN ('email', 'phone', 'sms'));
--   DROP TRIGGER trg_compliance_contact_attempts_outcome_only ON compliance_contact_attempts;
--   DROP TRIGGER trg_compliance_contact_attempts_append_only ON compliance_contact_attempts;
--   DROP FUNCTION compliance_contact_attempts_outcome_only();
--   REVOKE UPDATE (outcome) ON compliance_contact_attempts FROM compliance_svc;
--   CREATE TRIGGER trg_compliance_contact_attempts_append_only BEFORE UPDATE OR DELETE
--       ON compliance_contact_attempts FOR EACH ROW EXECUTE FUNCTION compliance_append_only();
--   DELETE FROM schema_migrations WHERE version = 10;

-- ---------------------------------------------------------------------------
-- templates
-- ---------------------------------------------------------------------------
ALTER TABLE templates
    DROP CONSTRAINT templates_channel_check,
    ADD CONSTRAINT templates_channel_check CHECK (channel IN ('email', 'sms', 'phone', 'letter')),
    ADD CONSTRAINT templates_letter_has_subject CHECK (channel <> 'letter' OR subject IS NOT NULL),
    -- The CreateTemplate or UpdateTemplate call that made this version (retries return it).
    ADD COLUMN request_id uuid UNIQUE,
    ADD COLUMN created_by text CHECK (length(created_by) <= 200);

-- ---------------------------------------------------------------------------
-- campaigns and the invoices they chase
-- ---------------------------------------------------------------------------
ALTER TABLE campaigns
    ADD COLUMN preset text CHECK (preset ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
    -- How it ended, in words a collections team acts on ("paid in full", "exhausted, ...").
    ADD COLUMN outcome text CHECK (length(outcome) <= 500),
    -- The earliest due date of the campaign's invoices, written when the campaign is made (an
    -- invoice's due date never changes): a step with delay_from 'due_date' is due delay_days
    -- after it, and next_step_at of a starting campaign is its first step's day.
    ADD COLUMN anchor_due_date date;

CREATE TABLE campaign_invoices (
    campaign_id uuid    NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    invoice_id  uuid    NOT NULL REFERENCES payment_records (id) ON DELETE RESTRICT,
    -- The campaign's customer (filled in by the trigger below; the invoice must be theirs).
    customer_id uuid    NOT NULL REFERENCES customers (id) ON DELETE RESTRICT,
    -- The campaign is active or paused (kept by the triggers below, never written by hand).
    running     boolean NOT NULL DEFAULT false,
    PRIMARY KEY (campaign_id, invoice_id)
);

COMMENT ON TABLE campaign_invoices IS 'The invoices each campaign chases; at most one running campaign per invoice. Owner: campaigns service.';

-- At most one running campaign per customer and invoice: the second start fails with a
-- unique violation, whatever the number of replicas starting campaigns at once.
CREATE UNIQUE INDEX campaign_invoices_one_running_campaign ON campaign_invoices (customer_id, invoice_id) WHERE running;
CREATE INDEX idx_campaign_invoices_invoice ON campaign_invoices (invoice_id);

-- A link takes its customer and running flag from its campaign.
CREATE FUNCTION campaign_invoices_fill() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    c campaigns%ROWTYPE;
BEGIN
    SELECT * INTO c FROM campaigns WHERE id = NEW.campaign_id;
    IF NOT FOUND THEN
        RETURN NEW; -- the foreign key reports it
    END IF;
    NEW.customer_id := c.customer_id;
    NEW.running := c.status IN ('active', 'paused');
    RETURN NEW;
END;
$$;

CREATE TRIGGER trg_campaign_invoices_fill BEFORE INSERT OR UPDATE ON campaign_invoices
    FOR EACH ROW EXECUTE FUNCTION campaign_invoices_fill();

-- A campaign's status change moves its links' running flag in the same statement.
CREATE FUNCTION campaign_invoices_follow_status() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE campaign_invoices SET running = NEW.status IN ('active', 'paused')
     WHERE campaign_id = NEW.id AND running IS DISTINCT FROM (NEW.status IN ('active', 'paused'));
    RETURN NULL;
END;
$$;

CREATE TRIGGER trg_campaigns_invoices_running AFTER UPDATE OF status ON campaigns
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION campaign_invoices_follow_status();

-- ---------------------------------------------------------------------------
-- tasks
-- ---------------------------------------------------------------------------
ALTER TABLE tasks
    DROP CONSTRAINT tasks_type_check,
    ADD CONSTRAINT tasks_type_check
        CHECK (type IN ('send_email', 'send_sms', 'make_call', 'send_letter', 'research', 'manual_review')),
    -- The compliance decision (compliance_decisions.id, another service's) that allowed the contact.
    ADD COLUMN decision_id uuid,
    -- Only an agent with every one of these capabilities may claim the task.
    ADD COLUMN required_capabilities text[] NOT NULL DEFAULT '{}',
    -- The contact attempt the task's completion (or failure) recorded.
    ADD COLUMN contact_attempt_id uuid REFERENCES contact_attempts (id) ON DELETE SET NULL;

CREATE INDEX idx_tasks_contact_attempt ON tasks (contact_attempt_id) WHERE contact_attempt_id IS NOT NULL;

-- ---------------------------------------------------------------------------
-- agents
-- ---------------------------------------------------------------------------
ALTER TABLE agents
    -- Secret settings (API keys...): written by the service, never returned or logged.
    ADD COLUMN secrets jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(secrets) = 'object'),
    ADD COLUMN status_message text CHECK (length(status_message) <= 500),
    ADD COLUMN request_id uuid UNIQUE;

-- ---------------------------------------------------------------------------
-- contact_attempts
-- ---------------------------------------------------------------------------
ALTER TABLE contact_attempts
    DROP CONSTRAINT contact_attempts_channel_check,
    ADD CONSTRAINT contact_attempts_channel_check CHECK (channel IN ('email', 'phone', 'sms', 'letter')),
    ADD COLUMN request_id uuid UNIQUE,
    -- The compliance decision that allowed it (another service's id).
    ADD COLUMN decision_id uuid,
    ADD COLUMN recorded_by text CHECK (length(recorded_by) <= 200);

-- ---------------------------------------------------------------------------
-- campaigns_outbox: messages to other services, written with the change that causes them
-- ---------------------------------------------------------------------------
CREATE TABLE campaigns_outbox (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Where it goes: a service and the call that takes it.
    destination  text        NOT NULL
                             CHECK (destination IN ('compliance.contact_attempts', 'customers.contact_outcomes')),
    -- What the receiver is idempotent by (the contact attempt's id).
    message_key  uuid        NOT NULL,
    payload      jsonb       NOT NULL CHECK (jsonb_typeof(payload) = 'object'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    -- Not to be sent before (retry backoff).
    available_at timestamptz NOT NULL DEFAULT now(),
    attempts     integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error   text        CHECK (length(last_error) <= 1000),
    delivered_at timestamptz,
    -- Refused for good by the receiver (INVALID_ARGUMENT, NOT_FOUND...): the relay stops sending
    -- it (the others go on) and logs it; last_error says why. An operator requeues it with
    -- UPDATE campaigns_outbox SET parked_at = NULL, available_at = now() WHERE id = ...
    parked_at    timestamptz
);

COMMENT ON TABLE campaigns_outbox IS 'Messages to other services, delivered by the relay (at least once; receivers are idempotent). Owner: campaigns service.';

-- The relay's claim, per destination: messages due, oldest first (parked ones are not due).
CREATE INDEX idx_campaigns_outbox_due ON campaigns_outbox (destination, available_at, id)
    WHERE delivered_at IS NULL AND parked_at IS NULL;
CREATE INDEX idx_campaigns_outbox_parked ON campaigns_outbox (destination, parked_at)
    WHERE delivered_at IS NULL AND parked_at IS NOT NULL;
CREATE INDEX idx_campaigns_outbox_delivered ON campaigns_outbox (delivered_at) WHERE delivered_at IS NOT NULL;

-- ---------------------------------------------------------------------------
-- customer_contact_outcomes (owner: customers service)
-- ---------------------------------------------------------------------------
CREATE TABLE customer_contact_outcomes (
    -- The campaigns service's contact attempt id.
    attempt_id   uuid        PRIMARY KEY,
    customer_id  uuid        NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    channel      text        NOT NULL CHECK (channel IN ('email', 'phone', 'sms')),
    -- It reached the customer (not bounced or failed).
    reached      boolean     NOT NULL,
    -- The customer answered or replied.
    responded    boolean     NOT NULL,
    attempted_at timestamptz NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE customer_contact_outcomes IS 'How each contact with a customer went (response_rate). Owner: customers service.';

CREATE INDEX idx_customer_contact_outcomes_customer ON customer_contact_outcomes (customer_id, attempted_at DESC);

CREATE TRIGGER trg_customer_contact_outcomes_updated_at BEFORE UPDATE ON customer_contact_outcomes
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

-- ---------------------------------------------------------------------------
-- grants
-- ---------------------------------------------------------------------------
GRANT SELECT, INSERT, UPDATE ON campaign_invoices TO campaigns_svc;
-- No DELETE, as for every service: delivered messages stay (they show what was sent when);
-- an operator prunes old delivered rows as the migration role.
GRANT SELECT, INSERT, UPDATE ON campaigns_outbox TO campaigns_svc;
GRANT SELECT ON v_customer_communications, v_agent_performance TO campaigns_svc;
GRANT SELECT, INSERT, UPDATE ON customer_contact_outcomes TO customers_svc;

-- ---------------------------------------------------------------------------
-- compliance_contact_attempts: outcome upgrades (owner: compliance service)
-- ---------------------------------------------------------------------------
-- An attempt is reported again when its receipts move it on (delivered, then replied; a call
-- answered), and cool-downs depend on answered and replied: compliance upgrades the stored
-- outcome. Nothing else of a recorded attempt ever changes, and attempts are never deleted.
CREATE FUNCTION compliance_contact_attempts_outcome_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.attempt_id, NEW.customer_id, NEW.channel, NEW.attempted_at, NEW.decision_id, NEW.recorded_at, NEW.recorded_by)
       IS DISTINCT FROM (OLD.attempt_id, OLD.customer_id, OLD.channel, OLD.attempted_at, OLD.decision_id, OLD.recorded_at, OLD.recorded_by) THEN
        RAISE EXCEPTION 'compliance_contact_attempts: only the outcome of a recorded attempt may change'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;

DROP TRIGGER trg_compliance_contact_attempts_append_only ON compliance_contact_attempts;
CREATE TRIGGER trg_compliance_contact_attempts_append_only BEFORE DELETE ON compliance_contact_attempts
    FOR EACH ROW EXECUTE FUNCTION compliance_append_only();
CREATE TRIGGER trg_compliance_contact_attempts_outcome_only BEFORE UPDATE ON compliance_contact_attempts
    FOR EACH ROW EXECUTE FUNCTION compliance_contact_attempts_outcome_only();

GRANT UPDATE (outcome) ON compliance_contact_attempts TO compliance_svc;
