-- 009_compliance_decisions.sql
-- Parameters of each rule_type (004 lists them) may also carry: contact_window "days" (ISO
-- weekdays), frequency_cap "counted_outcomes"; conversation_cooldown's list is "after_outcomes".
--
-- What the compliance service needs to decide every contact and prove it later:
--   * compliance_rules gain versions (every change is a new version, kept in
--     compliance_rule_versions), several channels per rule (channels), a customer scope
--     (customer_id), the preset that installed them and who changed them last;
--   * opt_out_events: the opt-out history as append-only records (an opt-in is a record of its
--     own, never an update); check_opt_out_status now reads it. Rows written to the older
--     opt_outs table (the seed, older tools) are mirrored into it by a trigger;
--   * compliance_decisions: every decision with its inputs and the rule versions it used
--     (append-only);
--   * contact_reservations: the slot an ALLOW holds under the caps until its attempt is
--     recorded or the reservation expires;
--   * compliance_contact_attempts: the attempts campaigns reports (caps and cool-downs count them).
-- Owner: compliance service.
--
-- Rollback (run in one transaction; drops decisions, reservations, attempts and the opt-out history):
--   DROP TABLE IF EXISTS contact_reservations, compliance_contact_attempts, compliance_decisions,
--                        opt_out_events, compliance_rule_versions CASCADE;
--   DROP FUNCTION IF EXISTS compliance_rules_version(), compliance_rule_versions_record(),
--                           opt_outs_mirror(), compliance_append_only();
--   DROP FUNCTION IF EXISTS opt_out_in_force(uuid, text, timestamptz);
--   ALTER TABLE compliance_rules DROP COLUMN version, DROP COLUMN channels, DROP COLUMN customer_id,
--                                DROP COLUMN preset, DROP COLUMN updated_by, DROP COLUMN request_id;
--   -- then re-create check_opt_out_status as in 004
--   DELETE FROM schema_migrations WHERE version = 9;

-- Rows of these tables are history: nobody changes or removes them.
CREATE FUNCTION compliance_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

-- ---------------------------------------------------------------------------
-- compliance_rules: versions, channels, customer scope
-- ---------------------------------------------------------------------------
ALTER TABLE compliance_rules
    ADD COLUMN version     integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
    ADD COLUMN channels    text[]      CHECK (cardinality(channels) BETWEEN 1 AND 3
                                              AND channels <@ ARRAY['email', 'phone', 'sms']),
    ADD COLUMN customer_id uuid        REFERENCES customers (id) ON DELETE CASCADE,
    ADD COLUMN preset      text        CHECK (preset ~ '^[a-z0-9][a-z0-9-]{0,99}$'),
    ADD COLUMN updated_by  text        CHECK (length(updated_by) <= 300),
    -- Idempotency key of the CreateRule call that made the rule.
    ADD COLUMN request_id  uuid        UNIQUE;

COMMENT ON COLUMN compliance_rules.channels IS
    'The channels the rule applies to (authoritative). channel is kept for older readers: the one channel, or all.';
COMMENT ON COLUMN compliance_rules.customer_id IS 'Set: the rule applies to this customer only (jurisdiction is then *).';

UPDATE compliance_rules
   SET channels = CASE channel WHEN 'all' THEN ARRAY['email', 'phone', 'sms'] ELSE ARRAY[channel] END;
-- The cool-down's outcomes are called after_outcomes from now on (004 called them after_statuses).
UPDATE compliance_rules
   SET parameters = (parameters - 'after_statuses') || jsonb_build_object('after_outcomes', parameters -> 'after_statuses')
 WHERE rule_type = 'conversation_cooldown' AND parameters ? 'after_statuses';
ALTER TABLE compliance_rules ALTER COLUMN channels SET NOT NULL;
ALTER TABLE compliance_rules
    ADD CONSTRAINT compliance_rules_customer_scope CHECK (customer_id IS NULL OR jurisdiction = '*');

CREATE INDEX idx_compliance_rules_customer ON compliance_rules (customer_id) WHERE customer_id IS NOT NULL;

-- Keeps channel and channels in step, and numbers versions: any change to what a rule says
-- is a new version (the number cannot be set by hand).
CREATE FUNCTION compliance_rules_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.version := 1;
        IF NEW.channels IS NULL THEN
            NEW.channels := CASE NEW.channel WHEN 'all' THEN ARRAY['email', 'phone', 'sms'] ELSE ARRAY[NEW.channel] END;
        END IF;
    ELSE
        IF NEW.code <> OLD.code OR NEW.rule_type <> OLD.rule_type THEN
            RAISE EXCEPTION 'compliance_rules: code and rule_type never change (rule %)', OLD.id
                USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.channels IS NOT DISTINCT FROM OLD.channels AND NEW.channel IS DISTINCT FROM OLD.channel THEN
            NEW.channels := CASE NEW.channel WHEN 'all' THEN ARRAY['email', 'phone', 'sms'] ELSE ARRAY[NEW.channel] END;
        END IF;
        IF (NEW.name, NEW.description, NEW.channels, NEW.jurisdiction, NEW.customer_id, NEW.parameters, NEW.citation,
            NEW.is_active, NEW.effective_from, NEW.effective_to)
           IS DISTINCT FROM
           (OLD.name, OLD.description, OLD.channels, OLD.jurisdiction, OLD.customer_id, OLD.parameters, OLD.citation,
            OLD.is_active, OLD.effective_from, OLD.effective_to) THEN
            NEW.version := OLD.version + 1;
        ELSE
            NEW.version := OLD.version;
        END IF;
    END IF;
    NEW.channels := ARRAY(SELECT c FROM unnest(ARRAY['email', 'phone', 'sms']) c WHERE c = ANY (NEW.channels));
    NEW.channel := CASE WHEN cardinality(NEW.channels) = 1 THEN NEW.channels[1] ELSE 'all' END;
    RETURN NEW;
END;
$$;

CREATE TRIGGER trg_compliance_rules_version BEFORE INSERT OR UPDATE ON compliance_rules
    FOR EACH ROW EXECUTE FUNCTION compliance_rules_version();

-- Every version of every rule, as it was: a decision names rule id and version, and can
-- still be explained after the rule changed.
CREATE TABLE compliance_rule_versions (
    rule_id    uuid        NOT NULL REFERENCES compliance_rules (id) ON DELETE CASCADE,
    version    integer     NOT NULL,
    -- The compliance_rules row as it was (to_jsonb).
    snapshot   jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text,
    PRIMARY KEY (rule_id, version)
);

COMMENT ON TABLE compliance_rule_versions IS 'Every version of every compliance rule (append-only). Owner: compliance service.';

CREATE FUNCTION compliance_rule_versions_record() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.version <> OLD.version THEN
        INSERT INTO compliance_rule_versions (rule_id, version, snapshot, created_by)
        VALUES (NEW.id, NEW.version, to_jsonb(NEW), NEW.updated_by);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER trg_compliance_rules_versions AFTER INSERT OR UPDATE ON compliance_rules
    FOR EACH ROW EXECUTE FUNCTION compliance_rule_versions_record();
CREATE TRIGGER trg_compliance_rule_versions_append_only BEFORE UPDATE OR DELETE ON compliance_rule_versions
    FOR EACH ROW EXECUTE FUNCTION compliance_append_only();

-- Version 1 of the rules that exist already.
INSERT INTO compliance_rule_versions (rule_id, version, snapshot, created_at, created_by)
SELECT r.id, r.version, to_jsonb(r), r.updated_at, 'migration 009' FROM compliance_rules r;

-- ---------------------------------------------------------------------------
-- opt_out_events: the opt-out history, append-only
-- ---------------------------------------------------------------------------
CREATE TABLE opt_out_events (
    id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    customer_id  uuid        NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    channel      text        NOT NULL CHECK (channel IN ('email', 'phone', 'sms', 'all')),
    kind         text        NOT NULL CHECK (kind IN ('opt_out', 'opt_in')),
    source       text        NOT NULL CHECK (source IN ('customer_request', 'reply_stop', 'unsubscribe_link', 'agent',
                                                       'legal', 'compliance_officer')),
    reason       text        CHECK (length(reason) <= 1000),
    effective_at timestamptz NOT NULL,
    expires_at   timestamptz,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    recorded_by  text        CHECK (length(recorded_by) <= 300),
    -- Idempotency key of the call that recorded it.
    request_id   uuid        UNIQUE,
    -- The opt_outs row this record mirrors (rows written to opt_outs before or outside the service).
    opt_out_id   uuid,
    CONSTRAINT opt_out_events_expiry CHECK (expires_at IS NULL OR (kind = 'opt_out' AND expires_at > effective_at)),
    CONSTRAINT opt_out_events_opt_in_reason CHECK (kind = 'opt_out' OR (reason IS NOT NULL AND length(btrim(reason)) > 0))
);

COMMENT ON TABLE opt_out_events IS
    'Opt-outs and opt-ins per channel, append-only: the history compliance decides on. Owner: compliance service.';

CREATE INDEX idx_opt_out_events_customer ON opt_out_events (customer_id, effective_at);
CREATE UNIQUE INDEX uq_opt_out_events_mirror ON opt_out_events (opt_out_id, kind) WHERE opt_out_id IS NOT NULL;

CREATE TRIGGER trg_opt_out_events_append_only BEFORE UPDATE OR DELETE ON opt_out_events
    FOR EACH ROW EXECUTE FUNCTION compliance_append_only();

-- The opt_outs rows that exist: an opt-out record each, and an opt-in record where revoked.
INSERT INTO opt_out_events (customer_id, channel, kind, source, reason, effective_at, expires_at, recorded_at, recorded_by, opt_out_id)
SELECT o.customer_id, o.channel, 'opt_out', o.source, o.reason, o.opted_out_at, o.expires_at, o.created_at, 'migration 009', o.id
  FROM opt_outs o;
INSERT INTO opt_out_events (customer_id, channel, kind, source, reason, effective_at, recorded_at, recorded_by, opt_out_id)
SELECT o.customer_id, o.channel, 'opt_in', o.source, o.revoked_reason, o.revoked_at, o.updated_at, 'migration 009', o.id
  FROM opt_outs o WHERE o.revoked_at IS NOT NULL;

-- Rows written to opt_outs (the seed, older tools) become records of the history too.
CREATE FUNCTION opt_outs_mirror() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO public.opt_out_events (customer_id, channel, kind, source, reason, effective_at, expires_at, recorded_by, opt_out_id)
        VALUES (NEW.customer_id, NEW.channel, 'opt_out', NEW.source, NEW.reason, NEW.opted_out_at, NEW.expires_at,
                'opt_outs', NEW.id);
    END IF;
    IF NEW.revoked_at IS NOT NULL AND (TG_OP = 'INSERT' OR OLD.revoked_at IS NULL) THEN
        INSERT INTO public.opt_out_events (customer_id, channel, kind, source, reason, effective_at, recorded_by, opt_out_id)
        VALUES (NEW.customer_id, NEW.channel, 'opt_in', NEW.source, NEW.revoked_reason, NEW.revoked_at, 'opt_outs', NEW.id);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER trg_opt_outs_mirror AFTER INSERT OR UPDATE OF revoked_at ON opt_outs
    FOR EACH ROW EXECUTE FUNCTION opt_outs_mirror();

-- An opt-out is in force for a channel at an instant when it names the channel (or all), took
-- effect by then, has not expired, and no opt-in for the channel (or all) came after it.
-- Not SECURITY DEFINER and no SET search_path (every name is schema-qualified): such a function is
-- planned again for every statement that calls it, and compliance calls it once per check.
-- Callers need SELECT on opt_out_events (compliance_svc has it; check_opt_out_status runs as owner).
CREATE FUNCTION opt_out_in_force(p_customer_id uuid, p_channel text, p_at timestamptz) RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT o.id
      FROM public.opt_out_events o
     WHERE o.customer_id OPERATOR(pg_catalog.=) p_customer_id
       AND o.kind OPERATOR(pg_catalog.=) 'opt_out'
       AND (o.channel OPERATOR(pg_catalog.=) p_channel OR o.channel OPERATOR(pg_catalog.=) 'all')
       AND o.effective_at OPERATOR(pg_catalog.<=) p_at
       AND (o.expires_at IS NULL OR o.expires_at OPERATOR(pg_catalog.>) p_at)
       AND NOT EXISTS (
               SELECT 1 FROM public.opt_out_events i
                WHERE i.customer_id OPERATOR(pg_catalog.=) p_customer_id
                  AND i.kind OPERATOR(pg_catalog.=) 'opt_in'
                  AND (i.channel OPERATOR(pg_catalog.=) p_channel OR i.channel OPERATOR(pg_catalog.=) 'all')
                  AND i.effective_at OPERATOR(pg_catalog.>=) o.effective_at
                  AND i.effective_at OPERATOR(pg_catalog.<=) p_at)
     ORDER BY o.effective_at DESC, o.recorded_at DESC
     LIMIT 1;
$$;

COMMENT ON FUNCTION opt_out_in_force(uuid, text, timestamptz) IS
    'The opt-out record in force for the customer and channel at the instant, or NULL.';

CREATE OR REPLACE FUNCTION check_opt_out_status(p_customer_id uuid, p_channel text) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF p_channel IS NULL OR p_channel NOT IN ('email', 'phone', 'sms') THEN
        RAISE EXCEPTION 'check_opt_out_status: channel must be email, phone or sms, got %', COALESCE(p_channel, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN public.opt_out_in_force(p_customer_id, p_channel, now()) IS NOT NULL
        OR EXISTS (
               SELECT 1 FROM public.customer_profiles p
                WHERE p.customer_id = p_customer_id AND p.do_not_contact);
END;
$$;

COMMENT ON FUNCTION check_opt_out_status(uuid, text) IS
    'True when an opt-out for the channel (or all channels) is in force (opt_out_events) or the customer is do-not-contact.';

-- ---------------------------------------------------------------------------
-- compliance_decisions, contact_reservations, compliance_contact_attempts
-- ---------------------------------------------------------------------------
CREATE TABLE compliance_decisions (
    id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    customer_id  uuid        NOT NULL,
    channel      text        NOT NULL CHECK (channel IN ('email', 'phone', 'sms')),
    proposed_at  timestamptz NOT NULL,
    result       text        NOT NULL CHECK (result IN ('allow', 'defer', 'deny')),
    not_before   timestamptz CHECK ((result = 'defer') = (not_before IS NOT NULL)),
    -- [{code, rule_id, rule_version, message, until}]
    reasons      jsonb       NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(reasons) = 'array'),
    -- [{rule_id, version, code}]: every rule that applied
    rules        jsonb       NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(rules) = 'array'),
    -- The facts decided on: {time_zone, country_code, region_code, do_not_contact, opted_out}
    facts        jsonb       NOT NULL DEFAULT '{}'::jsonb,
    request_id   uuid        UNIQUE,
    requested_by text        CHECK (length(requested_by) <= 300),
    created_at   timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE compliance_decisions IS 'Every contact decision with its inputs and rule versions (append-only). Owner: compliance service.';

CREATE INDEX idx_compliance_decisions_customer ON compliance_decisions (customer_id, created_at);

CREATE TRIGGER trg_compliance_decisions_append_only BEFORE UPDATE OR DELETE ON compliance_decisions
    FOR EACH ROW EXECUTE FUNCTION compliance_append_only();

-- The attempts campaigns reports. Attempts in the past are accepted: history imported late counts.
CREATE TABLE compliance_contact_attempts (
    attempt_id   uuid        PRIMARY KEY,
    customer_id  uuid        NOT NULL,
    channel      text        NOT NULL CHECK (channel IN ('email', 'phone', 'sms')),
    attempted_at timestamptz NOT NULL,
    outcome      text        NOT NULL CHECK (outcome IN ('sent', 'delivered', 'opened', 'answered', 'replied', 'bounced',
                                                         'failed', 'no_answer', 'voicemail')),
    decision_id  uuid        REFERENCES compliance_decisions (id),
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    recorded_by  text        CHECK (length(recorded_by) <= 300)
);

COMMENT ON TABLE compliance_contact_attempts IS
    'Contact attempts reported to compliance; frequency caps and cool-downs count them. Owner: compliance service.';

CREATE INDEX idx_compliance_contact_attempts_customer ON compliance_contact_attempts (customer_id, attempted_at);
CREATE UNIQUE INDEX uq_compliance_contact_attempts_decision ON compliance_contact_attempts (decision_id)
    WHERE decision_id IS NOT NULL;

CREATE TRIGGER trg_compliance_contact_attempts_append_only BEFORE UPDATE OR DELETE ON compliance_contact_attempts
    FOR EACH ROW EXECUTE FUNCTION compliance_append_only();

-- The slot an ALLOW holds under the caps: counted as an attempt until its attempt is recorded
-- (consumed) or it expires.
CREATE TABLE contact_reservations (
    decision_id  uuid        PRIMARY KEY REFERENCES compliance_decisions (id),
    customer_id  uuid        NOT NULL,
    channel      text        NOT NULL CHECK (channel IN ('email', 'phone', 'sms')),
    slot_at      timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL CHECK (expires_at > slot_at),
    consumed_by  uuid        REFERENCES compliance_contact_attempts (attempt_id),
    consumed_at  timestamptz,
    CONSTRAINT contact_reservations_consumed CHECK ((consumed_by IS NULL) = (consumed_at IS NULL))
);

COMMENT ON TABLE contact_reservations IS
    'Slots held by ALLOW decisions until their contact attempt is recorded or they expire. Owner: compliance service.';

CREATE INDEX idx_contact_reservations_open ON contact_reservations (customer_id, expires_at) WHERE consumed_by IS NULL;
CREATE INDEX idx_contact_reservations_consumed_by ON contact_reservations (consumed_by) WHERE consumed_by IS NOT NULL;

GRANT SELECT, INSERT, UPDATE ON compliance_rules TO compliance_svc;
GRANT SELECT, INSERT ON compliance_rule_versions, opt_out_events, compliance_decisions, compliance_contact_attempts
    TO compliance_svc;
GRANT SELECT, INSERT, UPDATE ON contact_reservations TO compliance_svc;
GRANT EXECUTE ON FUNCTION opt_out_in_force(uuid, text, timestamptz) TO compliance_svc;
