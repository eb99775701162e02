-- 003_create_contact_attempts_and_templates.sql
-- Communication templates and the history of every contact attempt. Owner: campaigns service.
--
-- Rollback (run in one transaction; drops data):
--   DROP TABLE IF EXISTS contact_attempts, templates CASCADE;
--   DELETE FROM schema_migrations WHERE version = 3;

-- ---------------------------------------------------------------------------
-- templates: what an email, SMS or call script says, versioned per language.
-- Placeholders in subject/body are {{variable}}; `variables` lists the ones used.
-- ---------------------------------------------------------------------------
CREATE TABLE templates (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text        NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9_]{0,99}$'),
    channel     text        NOT NULL CHECK (channel IN ('email', 'sms', 'phone')),
    -- How firm the message is; steps escalate friendly -> firm -> final -> legal.
    tone        text        NOT NULL DEFAULT 'friendly' CHECK (tone IN ('friendly', 'firm', 'final', 'legal')),
    language    text        NOT NULL DEFAULT 'en' CHECK (language ~ '^[a-z]{2}(-[A-Z]{2})?$'),
    version     integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
    subject     text        CHECK (length(subject) <= 200),
    body        text        NOT NULL CHECK (length(btrim(body)) > 0),
    variables   text[]      NOT NULL DEFAULT '{}',
    is_active   boolean     NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT templates_name_language_version_key UNIQUE (name, language, version),
    CONSTRAINT templates_email_has_subject CHECK (channel <> 'email' OR subject IS NOT NULL),
    CONSTRAINT templates_sms_length CHECK (channel <> 'sms' OR length(body) <= 1600)
);

COMMENT ON TABLE templates IS 'Email, SMS and call-script templates. Owner: campaigns service.';

CREATE INDEX idx_templates_channel_active ON templates (channel, tone) WHERE is_active;

CREATE TRIGGER trg_templates_updated_at BEFORE UPDATE ON templates
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

-- ---------------------------------------------------------------------------
-- contact_attempts: every email, SMS and call made, with its outcome.
-- status follows the channel: sent -> delivered -> opened -> replied (email/SMS),
-- answered (a phone conversation happened), bounced or failed.
-- ---------------------------------------------------------------------------
CREATE TABLE contact_attempts (
    id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    customer_id  uuid        NOT NULL REFERENCES customers (id) ON DELETE RESTRICT,
    task_id      uuid        REFERENCES tasks (id) ON DELETE SET NULL,
    campaign_id  uuid        REFERENCES campaigns (id) ON DELETE SET NULL,
    agent_id     uuid        REFERENCES agents (id) ON DELETE SET NULL,
    template_id  uuid        REFERENCES templates (id) ON DELETE SET NULL,
    channel      text        NOT NULL CHECK (channel IN ('email', 'phone', 'sms')),
    status       text        NOT NULL
                             CHECK (status IN ('sent', 'delivered', 'opened', 'answered', 'replied', 'bounced', 'failed')),
    attempted_at timestamptz NOT NULL DEFAULT now(),
    -- Call duration in seconds (phone only).
    duration     integer     CHECK (duration >= 0),
    -- Free-form disposition, e.g. 'promise_to_pay', 'wrong_number', 'dispute'.
    outcome      text        CHECK (length(outcome) <= 200),
    metadata     jsonb       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(metadata) = 'object'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT contact_attempts_duration_is_for_calls CHECK (duration IS NULL OR channel = 'phone'),
    CONSTRAINT contact_attempts_answered_is_a_call CHECK (status <> 'answered' OR channel = 'phone')
);

COMMENT ON TABLE contact_attempts IS 'Communication history across all channels. Owner: campaigns service.';

CREATE INDEX idx_contact_attempts_customer ON contact_attempts (customer_id, attempted_at DESC);
-- Frequency caps and cool-downs: attempts per customer and channel in a rolling window.
CREATE INDEX idx_contact_attempts_customer_channel ON contact_attempts (customer_id, channel, attempted_at DESC);
CREATE INDEX idx_contact_attempts_task ON contact_attempts (task_id);
CREATE INDEX idx_contact_attempts_campaign ON contact_attempts (campaign_id);
CREATE INDEX idx_contact_attempts_agent ON contact_attempts (agent_id, attempted_at DESC);
CREATE INDEX idx_contact_attempts_template ON contact_attempts (template_id);
CREATE INDEX idx_contact_attempts_attempted_at ON contact_attempts (attempted_at);

CREATE TRIGGER trg_contact_attempts_updated_at BEFORE UPDATE ON contact_attempts
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
