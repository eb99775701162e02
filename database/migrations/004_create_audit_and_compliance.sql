-- 004_create_audit_and_compliance.sql
-- The immutable, hash-chained audit trail; opt-outs and compliance rules. Owner: compliance service.
--
-- Rollback (run in one transaction; drops data, including the audit trail):
--   DROP FUNCTION IF EXISTS check_opt_out_status(uuid, text);
--   DROP FUNCTION IF EXISTS log_audit_event(text, uuid, text, text, text, jsonb);
--   DROP FUNCTION IF EXISTS verify_audit_chain();
--   DROP FUNCTION IF EXISTS audit_chain_head();
--   DROP TABLE IF EXISTS compliance_rules, opt_outs, audit_logs CASCADE;
--   DROP FUNCTION IF EXISTS audit_logs_chain(), audit_logs_reject_change();
--   DROP FUNCTION IF EXISTS audit_row_hash(bigint, text, text, uuid, text, text, text, jsonb, timestamptz);
--   DELETE FROM schema_migrations WHERE version = 4;

-- ---------------------------------------------------------------------------
-- audit_logs: who did what to which entity, when, with before/after in details.
--
-- Append-only: UPDATE, DELETE and TRUNCATE raise for everyone (the triggers are
-- ENABLE ALWAYS, so session_replication_role = replica does not switch them off),
-- and no service role holds INSERT/UPDATE/DELETE/TRUNCATE privileges at all.
-- The one way to append is log_audit_event(), which inserts through the
-- BEFORE INSERT trigger that assigns seq, prev_hash and row_hash:
--   row_hash = sha256(jsonb array of [seq, prev_hash, entity_type, entity_id,
--              action, actor_type, actor_id, details, created_at in UTC])
-- so changing, removing or forging a row breaks the chain; verify_audit_chain()
-- lists every break.
-- ---------------------------------------------------------------------------
CREATE TABLE audit_logs (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    seq         bigint      NOT NULL UNIQUE CHECK (seq > 0),
    entity_type text        NOT NULL CHECK (entity_type ~ '^[a-z][a-z0-9_]{0,62}$'),
    entity_id   uuid,
    action      text        NOT NULL CHECK (action ~ '^[a-z][a-z0-9_.]{0,62}$'),
    actor_type  text        NOT NULL CHECK (actor_type IN ('system', 'service', 'user', 'agent')),
    actor_id    text        CHECK (length(actor_id) <= 200),
    details     jsonb       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(details) = 'object'),
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    prev_hash   text        NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
    row_hash    text        NOT NULL CHECK (row_hash ~ '^[0-9a-f]{64}$')
);

COMMENT ON TABLE audit_logs IS
    'Immutable, hash-chained audit trail. Append with log_audit_event(); check with verify_audit_chain().';
COMMENT ON COLUMN audit_logs.details IS 'What changed and why, e.g. {"before": {...}, "after": {...}, "reason": "..."}.';

CREATE INDEX idx_audit_logs_entity ON audit_logs (entity_type, entity_id, seq);
CREATE INDEX idx_audit_logs_created_at ON audit_logs (created_at);
CREATE INDEX idx_audit_logs_actor ON audit_logs (actor_type, actor_id, created_at);
CREATE INDEX idx_audit_logs_action ON audit_logs (action, created_at);

-- The canonical hash of one audit row. jsonb's text form is deterministic, and the
-- timestamp is rendered in UTC so the session's TimeZone cannot change the result.
CREATE FUNCTION audit_row_hash(
    p_seq bigint, p_prev_hash text, p_entity_type text, p_entity_id uuid, p_action text,
    p_actor_type text, p_actor_id text, p_details jsonb, p_created_at timestamptz
) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(convert_to(jsonb_build_array(
        p_seq, p_prev_hash, p_entity_type, p_entity_id, p_action, p_actor_type, p_actor_id, p_details,
        to_char(p_created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    )::text, 'UTF8')), 'hex');
$$;

-- Assigns the chain fields. The transaction-scoped advisory lock serialises appends
-- until commit, so two concurrent transactions can never chain to the same row.
CREATE FUNCTION audit_logs_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_last_seq  bigint;
    v_last_hash text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('client_escalation_calls'), hashtext('audit_logs'));
    SELECT a.seq, a.row_hash INTO v_last_seq, v_last_hash
      FROM audit_logs a ORDER BY a.seq DESC LIMIT 1;
    NEW.id         := COALESCE(NEW.id, gen_random_uuid());
    NEW.seq        := COALESCE(v_last_seq, 0) + 1;
    NEW.prev_hash  := COALESCE(v_last_hash, repeat('0', 64));
    NEW.created_at := clock_timestamp();
    NEW.details    := COALESCE(NEW.details, '{}'::jsonb);
    NEW.row_hash   := audit_row_hash(NEW.seq, NEW.prev_hash, NEW.entity_type, NEW.entity_id, NEW.action,
                                     NEW.actor_type, NEW.actor_id, NEW.details, NEW.created_at);
    RETURN NEW;
END;
$$;

CREATE FUNCTION audit_logs_reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_logs is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Append with log_audit_event(); check integrity with verify_audit_chain().';
END;
$$;

CREATE TRIGGER trg_audit_logs_chain BEFORE INSERT ON audit_logs
    FOR EACH ROW EXECUTE FUNCTION audit_logs_chain();
CREATE TRIGGER trg_audit_logs_no_update_delete BEFORE UPDATE OR DELETE ON audit_logs
    FOR EACH ROW EXECUTE FUNCTION audit_logs_reject_change();
CREATE TRIGGER trg_audit_logs_no_truncate BEFORE TRUNCATE ON audit_logs
    FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_reject_change();
-- ALWAYS: the triggers fire even under session_replication_role = replica.
ALTER TABLE audit_logs ENABLE ALWAYS TRIGGER trg_audit_logs_chain;
ALTER TABLE audit_logs ENABLE ALWAYS TRIGGER trg_audit_logs_no_update_delete;
ALTER TABLE audit_logs ENABLE ALWAYS TRIGGER trg_audit_logs_no_truncate;

-- log_audit_event(entity_type, entity_id, action, actor_type, actor_id, details) -> audit id
-- The one way to append to the audit trail; call it in the same transaction as the change
-- it records (and as late as possible in it: appends are serialised until commit).
CREATE FUNCTION log_audit_event(
    p_entity_type text,
    p_entity_id   uuid,
    p_action      text,
    p_actor_type  text,
    p_actor_id    text,
    p_details     jsonb DEFAULT '{}'::jsonb
) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_id uuid;
BEGIN
    INSERT INTO public.audit_logs (entity_type, entity_id, action, actor_type, actor_id, details)
    VALUES (p_entity_type, p_entity_id, p_action, p_actor_type, p_actor_id, COALESCE(p_details, '{}'::jsonb))
    RETURNING id INTO v_id;
    RETURN v_id;
END;
$$;

COMMENT ON FUNCTION log_audit_event(text, uuid, text, text, text, jsonb) IS
    'Appends one hash-chained audit event and returns its id. The only way to write audit_logs.';

-- Every break in the chain, in order; no rows means the trail is intact.
CREATE FUNCTION verify_audit_chain()
RETURNS TABLE (seq bigint, audit_id uuid, problem text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    WITH chained AS (
        SELECT a.*,
               lag(a.seq) OVER (ORDER BY a.seq)      AS previous_seq,
               lag(a.row_hash) OVER (ORDER BY a.seq) AS previous_row_hash
          FROM public.audit_logs a
    ), checked AS (
        SELECT c.seq, c.id,
               CASE
                   WHEN c.seq <> COALESCE(c.previous_seq, 0) + 1 THEN
                       format('sequence gap: expected seq %s, found %s (rows removed)', COALESCE(c.previous_seq, 0) + 1, c.seq)
                   WHEN c.prev_hash <> COALESCE(c.previous_row_hash, repeat('0', 64)) THEN
                       'prev_hash does not match the hash of the previous row'
                   WHEN c.row_hash <> public.audit_row_hash(c.seq, c.prev_hash, c.entity_type, c.entity_id, c.action,
                                                            c.actor_type, c.actor_id, c.details, c.created_at) THEN
                       'row_hash does not match the row''s contents (row altered)'
               END AS problem
          FROM chained c
    )
    SELECT checked.seq, checked.id, checked.problem FROM checked WHERE checked.problem IS NOT NULL ORDER BY checked.seq;
$$;

COMMENT ON FUNCTION verify_audit_chain() IS
    'Lists every audit row whose seq, prev_hash or row_hash breaks the chain; empty means intact.';

-- The newest link of the chain. Recording it outside the database (a ticket, a signed
-- report) lets a later verify also prove that no rows were cut off the end.
CREATE FUNCTION audit_chain_head()
RETURNS TABLE (seq bigint, row_hash text, created_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT a.seq, a.row_hash, a.created_at FROM public.audit_logs a ORDER BY a.seq DESC LIMIT 1;
$$;

-- ---------------------------------------------------------------------------
-- opt_outs: a customer's "stop" per channel ('all' = every channel).
-- An opt-out is active while revoked_at is NULL and expires_at is NULL or in the future.
-- ---------------------------------------------------------------------------
CREATE TABLE opt_outs (
    id             uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    customer_id    uuid        NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    channel        text        NOT NULL CHECK (channel IN ('email', 'phone', 'sms', 'all')),
    source         text        NOT NULL DEFAULT 'customer_request'
                               CHECK (source IN ('customer_request', 'reply_stop', 'unsubscribe_link', 'agent',
                                                 'legal', 'compliance_officer')),
    reason         text        CHECK (length(reason) <= 1000),
    opted_out_at   timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz,
    revoked_at     timestamptz,
    revoked_reason text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT opt_outs_expiry_after_start CHECK (expires_at IS NULL OR expires_at > opted_out_at),
    CONSTRAINT opt_outs_revocation_has_reason CHECK (revoked_at IS NULL OR revoked_reason IS NOT NULL)
);

COMMENT ON TABLE opt_outs IS 'Customer opt-outs by channel. Owner: compliance service.';

-- At most one live (unrevoked) opt-out per customer and channel.
CREATE UNIQUE INDEX uq_opt_outs_live ON opt_outs (customer_id, channel) WHERE revoked_at IS NULL;
CREATE INDEX idx_opt_outs_customer ON opt_outs (customer_id, opted_out_at);

CREATE TRIGGER trg_opt_outs_updated_at BEFORE UPDATE ON opt_outs
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

-- ---------------------------------------------------------------------------
-- compliance_rules: regulations as data. jurisdiction is '*' (everywhere), a country
-- ('US') or a country subdivision ('US-MA'); when several apply, the strictest wins.
-- parameters by rule_type:
--   contact_window         {"start": "08:00", "end": "21:00"}            local time of the customer
--   frequency_cap          {"max_attempts": 7, "window_days": 7}         rolling window per channel
--   conversation_cooldown  {"days": 7, "after_statuses": ["answered"]}   no contact after a conversation
--   blackout_dates         {"dates": ["2026-12-25"]}                     no contact on these local dates
--   channel_block          {}                                             channel not allowed at all
-- ---------------------------------------------------------------------------
CREATE TABLE compliance_rules (
    id             uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    code           text        NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9_]{0,99}$'),
    name           text        NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    description    text,
    rule_type      text        NOT NULL CHECK (rule_type IN ('contact_window', 'frequency_cap', 'conversation_cooldown',
                                                             'blackout_dates', 'channel_block')),
    channel        text        NOT NULL DEFAULT 'all' CHECK (channel IN ('email', 'phone', 'sms', 'all')),
    jurisdiction   text        NOT NULL DEFAULT '*' CHECK (jurisdiction ~ '^(\*|[A-Z]{2}(-[A-Z0-9]{1,3})?)$'),
    parameters     jsonb       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(parameters) = 'object'),
    citation       text,
    is_active      boolean     NOT NULL DEFAULT true,
    effective_from date,
    effective_to   date,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT compliance_rules_effective_range CHECK (effective_to IS NULL OR effective_from IS NULL OR effective_to >= effective_from),
    CONSTRAINT compliance_rules_parameters_shape CHECK (
        CASE rule_type
            WHEN 'contact_window' THEN parameters ?& ARRAY['start', 'end']
                AND parameters ->> 'start' ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'
                AND parameters ->> 'end' ~ '^([01][0-9]|2[0-4]):[0-5][0-9]$'
            WHEN 'frequency_cap' THEN parameters ?& ARRAY['max_attempts', 'window_days']
                AND jsonb_typeof(parameters -> 'max_attempts') = 'number'
                AND jsonb_typeof(parameters -> 'window_days') = 'number'
            WHEN 'conversation_cooldown' THEN parameters ? 'days' AND jsonb_typeof(parameters -> 'days') = 'number'
            WHEN 'blackout_dates' THEN parameters ? 'dates' AND jsonb_typeof(parameters -> 'dates') = 'array'
            ELSE true
        END)
);

COMMENT ON TABLE compliance_rules IS 'Regulatory contact rules as data (strictest applicable rule wins). Owner: compliance service.';

CREATE INDEX idx_compliance_rules_lookup ON compliance_rules (jurisdiction, rule_type, channel) WHERE is_active;

CREATE TRIGGER trg_compliance_rules_updated_at BEFORE UPDATE ON compliance_rules
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

-- check_opt_out_status(customer_id, channel) -> true when the customer must not be
-- contacted on that channel: a live opt-out for the channel or for 'all', or the
-- profile's do_not_contact flag. channel is 'email', 'phone' or 'sms'.
CREATE FUNCTION check_opt_out_status(p_customer_id uuid, p_channel text) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF p_channel IS NULL OR p_channel NOT IN ('email', 'phone', 'sms') THEN
        RAISE EXCEPTION 'check_opt_out_status: channel must be email, phone or sms, got %', COALESCE(p_channel, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN EXISTS (
               SELECT 1 FROM public.opt_outs o
                WHERE o.customer_id = p_customer_id
                  AND o.channel IN (p_channel, 'all')
                  AND o.revoked_at IS NULL
                  AND o.opted_out_at <= now()
                  AND (o.expires_at IS NULL OR o.expires_at > now()))
        OR EXISTS (
               SELECT 1 FROM public.customer_profiles p
                WHERE p.customer_id = p_customer_id AND p.do_not_contact);
END;
$$;

COMMENT ON FUNCTION check_opt_out_status(uuid, text) IS
    'True when the customer has a live opt-out for the channel (or all channels) or is do-not-contact.';
