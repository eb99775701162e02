-- 008_audit_sequencer.sql
-- The audit trail without a global lock on the request path: appends are plain inserts, and a
-- sequencer chains committed rows in batches (seq, prev_hash, row_hash), the way transparency
-- logs sequence their leaves. Owner: compliance service (it runs the sequencer).
--
-- Before: every append took one transaction-scoped advisory lock until commit (the 004 chain
-- trigger), so all auditing transactions of all services ran one at a time.
--
-- Now:
--   * log_audit_event() / log_audit_events() insert the row UNSEALED: seq, prev_hash and
--     row_hash NULL; append_id numbers rows in insertion order; created_at is set. No lock:
--     concurrent appends do not wait for each other. The row still commits or rolls back with
--     the change it records.
--   * seal_audit_chain(max_rows) is the sequencer. Under a transaction-scoped advisory lock
--     that only sealers take, it reads the chain head from audit_chain_state, takes the
--     committed unsealed rows in append_id order and gives them the next seq numbers,
--     prev_hash and row_hash = audit_row_hash(...) (unchanged from 004), and moves the head.
--     Sealers on several replicas queue on the lock and read the head only once they hold it,
--     so the chain never forks and no seq is given twice; the state row's update also checks
--     that the head it read is still the head. A row that commits after a batch was sealed
--     (even with a smaller append_id) is found by the next batch and chained after the rows
--     already sealed: seq order is the order in which rows became visible to the sequencer,
--     i.e. commit order at batch granularity.
--   * Finding the unsealed rows without an index on seq: audit_chain_state.scan_from is an
--     append_id below which every row is sealed or was rolled back; a batch scans the
--     append_id index above it. It only moves up to an append_id A once every transaction
--     that could still commit a row with append_id <= A has ended: the sealer notes A (the
--     sequence's last value) and then takes a new transaction id X, and an appending
--     transaction takes its id before its append_id (log_audit_event() does, and a BEFORE
--     STATEMENT trigger for any other insert), so every such transaction has an id below X; a
--     later batch moves scan_from to A once no transaction below X is running
--     (pg_snapshot_xmin). A writing transaction left open holds scan_from back (batches then
--     scan more), never a row out of the chain.
--   * Cheap on both sides. No index has seq, prev_hash or row_hash in it, and the table keeps
--     room in each page (fillfactor), so sealing is a HOT update: no index entry is written
--     twice. The guards are triggers with WHEN conditions, so neither an append through
--     log_audit_event() nor a seal runs a trigger function. The chain fields' CHECKs move into
--     the update guard (an insert always arrives unsealed), and the entity_type and action
--     CHECKs lose the bounded repetitions ({0,62}) that PostgreSQL's regular expressions run
--     slowly; they accept exactly what 004's did.
--   * Append-only stays: DELETE and TRUNCATE raise for everyone; UPDATE raises for everyone
--     except the one-time fill of seq/prev_hash/row_hash of an unsealed row by
--     seal_audit_chain() (every other column unchanged). Service roles hold no UPDATE
--     privilege at all; the sealer is SECURITY DEFINER.
--   * verify_audit_chain() checks the sealed rows (altered row, removed row = gap, forged or
--     inserted row = duplicate seq or broken link, the trail's end against the sequencer's
--     head); unsealed rows are pending, not problems. audit_chain_status() says how far the
--     chain is sealed and how much is pending.
--
-- Rollback (run in one transaction, with every writer stopped; drops nothing of the trail):
--   SELECT seal_audit_chain(2147483647);                     -- first, in a transaction of its own
--   DROP FUNCTION log_audit_events(jsonb);
--   DROP FUNCTION log_audit_event(text, uuid, text, text, text, jsonb, uuid);
--   DROP FUNCTION seal_audit_chain(integer), audit_chain_status();
--   DROP TRIGGER trg_audit_logs_take_xid ON audit_logs;
--   DROP TRIGGER trg_audit_logs_arrive_unsealed ON audit_logs;
--   DROP TRIGGER trg_audit_logs_update_only_sealing ON audit_logs;
--   DROP TRIGGER trg_audit_logs_update_only_chain_fields ON audit_logs;
--   DROP TRIGGER trg_audit_logs_no_delete ON audit_logs;
--   DROP FUNCTION audit_logs_take_xid(), audit_logs_arrive_unsealed(), audit_logs_reject_update(),
--       audit_logs_update_is_not_a_seal(audit_logs, audit_logs);
--   DROP TABLE audit_chain_state;
--   DROP FUNCTION audit_chain_state_guard();
--   DROP INDEX idx_audit_logs_entity, idx_audit_logs_created_at, idx_audit_logs_actor, idx_audit_logs_action;
--   ALTER TABLE audit_logs DROP COLUMN append_id,
--       ALTER COLUMN seq SET NOT NULL, ALTER COLUMN prev_hash SET NOT NULL, ALTER COLUMN row_hash SET NOT NULL,
--       ADD CONSTRAINT audit_logs_seq_key UNIQUE (seq), ADD CONSTRAINT audit_logs_seq_check CHECK (seq > 0),
--       ADD CONSTRAINT audit_logs_prev_hash_check CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
--       ADD CONSTRAINT audit_logs_row_hash_check CHECK (row_hash ~ '^[0-9a-f]{64}$'), RESET (fillfactor);
--   -- (the two rewritten CHECKs on entity_type and action may stay: they accept what 004's did)
--   -- then re-create, as in 004: audit_logs_chain() and trg_audit_logs_chain (ENABLE ALWAYS),
--   -- trg_audit_logs_no_update_delete on audit_logs_reject_change() (ENABLE ALWAYS),
--   -- log_audit_event(text, uuid, text, text, text, jsonb), verify_audit_chain(), audit_chain_head()
--   -- and 004's four indexes.
--   DELETE FROM schema_migrations WHERE version = 8;

-- ---------------------------------------------------------------------------
-- audit_logs: chain fields NULL until sealed, append_id in insertion order.
-- ---------------------------------------------------------------------------
DROP TRIGGER trg_audit_logs_chain ON audit_logs;
DROP FUNCTION audit_logs_chain();

-- Existing rows (all sealed by the 004 trigger) get append_ids in their physical order; new
-- rows number above them.
ALTER TABLE audit_logs
    ALTER COLUMN seq DROP NOT NULL,
    ALTER COLUMN prev_hash DROP NOT NULL,
    ALTER COLUMN row_hash DROP NOT NULL,
    -- seq UNIQUE would make every seal write every index again (no HOT update); the sealer's
    -- lock and head check keep seq unique, and verify_audit_chain() reports a duplicate.
    DROP CONSTRAINT audit_logs_seq_key,
    ADD COLUMN append_id bigint GENERATED ALWAYS AS IDENTITY;
-- CHECKs: PostgreSQL prepares every CHECK of a table anew for each INSERT statement and runs
-- them all again on each UPDATE. The chain fields' (seq > 0, 64 hex digits) only ever applied
-- to the trigger's own output; they move into the guard of the one UPDATE there is (below,
-- with "sealed = all three set"), since an insert always arrives unsealed. The rules on
-- entity_type and action stay, without the bounded repetitions ({0,62}) that PostgreSQL's
-- regular expressions run slowly: the same strings pass.
ALTER TABLE audit_logs
    DROP CONSTRAINT audit_logs_seq_check,
    DROP CONSTRAINT audit_logs_prev_hash_check,
    DROP CONSTRAINT audit_logs_row_hash_check,
    DROP CONSTRAINT audit_logs_entity_type_check,
    DROP CONSTRAINT audit_logs_action_check;
ALTER TABLE audit_logs
    ADD CONSTRAINT audit_logs_entity_type_check CHECK (length(entity_type) <= 63 AND entity_type ~ '^[a-z][a-z0-9_]*$'),
    ADD CONSTRAINT audit_logs_action_check CHECK (length(action) <= 63 AND action ~ '^[a-z][a-z0-9_.]*$');
ALTER TABLE audit_logs ADD CONSTRAINT audit_logs_append_id_key UNIQUE (append_id);
-- Room in each page for the sealed version of its rows, so that sealing is a HOT update (no
-- index entries). Applies to pages filled from now on.
ALTER TABLE audit_logs SET (fillfactor = 45);

COMMENT ON TABLE audit_logs IS
    'Immutable, hash-chained audit trail. Append with log_audit_event() or log_audit_events(); '
    'seal_audit_chain() chains committed rows; check with verify_audit_chain() and audit_chain_status().';
COMMENT ON COLUMN audit_logs.append_id IS
    'Insertion order, given at insert. The sequencer seals unsealed rows in this order; not part of the hash.';
COMMENT ON COLUMN audit_logs.seq IS
    'Position in the hash chain: 1, 2, 3, ... without gaps, given by seal_audit_chain(); NULL while unsealed.';

-- Listing newest first by entity, actor, action or time, with (created_at, append_id) as the
-- key of a page:  WHERE <filters> AND (created_at, append_id) < ($last_created_at, $last_append_id)
--                 ORDER BY created_at DESC, append_id DESC LIMIT n
-- (seq is no help there: NULL until sealed).
DROP INDEX idx_audit_logs_entity;
DROP INDEX idx_audit_logs_created_at;
DROP INDEX idx_audit_logs_actor;
DROP INDEX idx_audit_logs_action;
CREATE INDEX idx_audit_logs_entity ON audit_logs (entity_type, entity_id, created_at, append_id);
CREATE INDEX idx_audit_logs_created_at ON audit_logs (created_at, append_id);
CREATE INDEX idx_audit_logs_actor ON audit_logs (actor_type, actor_id, created_at, append_id);
CREATE INDEX idx_audit_logs_action ON audit_logs (action, created_at, append_id);

-- ---------------------------------------------------------------------------
-- audit_chain_state: the sequencer's one row (the chain head and where to look for work).
-- ---------------------------------------------------------------------------
CREATE TABLE audit_chain_state (
    singleton          boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    -- the head: the last sealed row (seq 0 and 64 zeros while nothing is sealed)
    sealed_through_seq bigint      NOT NULL CHECK (sealed_through_seq >= 0),
    head_row_hash      text        NOT NULL CHECK (head_row_hash ~ '^[0-9a-f]{64}$'),
    head_append_id     bigint,
    -- every row with append_id <= scan_from is sealed, or was rolled back
    scan_from          bigint      NOT NULL CHECK (scan_from >= 0),
    -- every transaction that took an append_id <= horizon_append_id has an id below horizon_xid
    horizon_append_id  bigint,
    horizon_xid        xid8,
    sealed_at          timestamptz,
    CONSTRAINT audit_chain_state_head CHECK ((sealed_through_seq = 0) = (head_append_id IS NULL)),
    CONSTRAINT audit_chain_state_horizon CHECK ((horizon_append_id IS NULL) = (horizon_xid IS NULL))
);

COMMENT ON TABLE audit_chain_state IS
    'The audit sequencer''s state: the chain head and the append_id below which every row is sealed. Written only by seal_audit_chain().';

-- The chain as 004 left it: all rows sealed, the head is the highest seq.
INSERT INTO audit_chain_state (sealed_through_seq, head_row_hash, head_append_id, scan_from)
SELECT COALESCE(h.seq, 0), COALESCE(h.row_hash, repeat('0', 64)), h.append_id,
       COALESCE((SELECT max(a.append_id) FROM audit_logs a), 0)
  FROM (SELECT 1) one
  LEFT JOIN LATERAL (SELECT a.seq, a.row_hash, a.append_id FROM audit_logs a ORDER BY a.seq DESC LIMIT 1) h ON true;

-- Only seal_audit_chain() changes the state, forward only; it is never deleted.
CREATE FUNCTION audit_chain_state_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('cec.audit_sealing', true) = 'on'
       AND NEW.sealed_through_seq >= OLD.sealed_through_seq AND NEW.scan_from >= OLD.scan_from THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_chain_state is written only by seal_audit_chain(): % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER trg_audit_chain_state_guard BEFORE UPDATE OR DELETE ON audit_chain_state
    FOR EACH ROW EXECUTE FUNCTION audit_chain_state_guard();
CREATE TRIGGER trg_audit_chain_state_no_truncate BEFORE TRUNCATE ON audit_chain_state
    FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_state_guard();
ALTER TABLE audit_chain_state ENABLE ALWAYS TRIGGER trg_audit_chain_state_guard;
ALTER TABLE audit_chain_state ENABLE ALWAYS TRIGGER trg_audit_chain_state_no_truncate;

-- ---------------------------------------------------------------------------
-- audit_logs triggers: an insert arrives unsealed; the only update is the sealer's fill.
-- Each has a WHEN condition, a plain expression, that is false for an append through
-- log_audit_event() and for a seal by seal_audit_chain(): those run no trigger function at all.
-- ---------------------------------------------------------------------------
DROP TRIGGER trg_audit_logs_no_update_delete ON audit_logs;

-- The transaction id before the append_id (the horizon in the header): a statement appending in
-- a transaction that has no id yet takes one before its rows get their append_ids (a BEFORE
-- STATEMENT trigger runs before any row's defaults are computed). log_audit_event() and
-- log_audit_events() take it themselves.
CREATE FUNCTION audit_logs_take_xid() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_catalog.pg_current_xact_id();
    RETURN NULL;
END;
$$;

-- Whoever inserts (the owner included), the row arrives unsealed with the server's time, as with
-- 004's trigger: an insert that names chain fields, or a created_at that is not the default's
-- (a time during the inserting statement), gets them replaced; nobody inserts a row "already
-- sealed" or back-dated.
CREATE FUNCTION audit_logs_arrive_unsealed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.seq        := NULL;
    NEW.prev_hash  := NULL;
    NEW.row_hash   := NULL;
    NEW.created_at := pg_catalog.clock_timestamp();
    RETURN NEW;
END;
$$;

-- UPDATE is refused, except seal_audit_chain()'s: it marks its transaction with
-- cec.audit_sealing = 'on' while it updates, and only fills the chain fields of unsealed rows
-- (the two triggers below).
CREATE FUNCTION audit_logs_reject_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_LEVEL = 'ROW' AND OLD.seq IS NOT NULL THEN
        RAISE EXCEPTION 'audit_logs is append-only: row % is already sealed (seq %)', OLD.id, OLD.seq
            USING ERRCODE = 'insufficient_privilege';
    ELSIF TG_LEVEL = 'ROW' THEN
        RAISE EXCEPTION 'audit_logs is append-only: sealing row % may only fill seq (> 0), prev_hash and row_hash (64 characters)', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RAISE EXCEPTION 'audit_logs is append-only: UPDATE is not allowed'
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Only seal_audit_chain() fills seq, prev_hash and row_hash, once per row.';
END;
$$;

CREATE TRIGGER trg_audit_logs_take_xid BEFORE INSERT ON audit_logs
    FOR EACH STATEMENT
    WHEN (pg_catalog.pg_current_xact_id_if_assigned() IS NULL)
    EXECUTE FUNCTION audit_logs_take_xid();
CREATE TRIGGER trg_audit_logs_arrive_unsealed BEFORE INSERT ON audit_logs
    FOR EACH ROW
    WHEN (NEW.seq IS NOT NULL OR NEW.prev_hash IS NOT NULL OR NEW.row_hash IS NOT NULL
          OR NEW.created_at < pg_catalog.statement_timestamp() OR NEW.created_at > pg_catalog.clock_timestamp())
    EXECUTE FUNCTION audit_logs_arrive_unsealed();
CREATE TRIGGER trg_audit_logs_update_only_sealing BEFORE UPDATE ON audit_logs
    FOR EACH STATEMENT
    WHEN (pg_catalog.current_setting('cec.audit_sealing', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION audit_logs_reject_update();
-- What an UPDATE may not do: touch a sealed row, or anything but fill all three chain fields
-- (seq > 0, hashes of 64 characters: seal_audit_chain() writes hex sha256, and a row_hash that
-- is not one can never match what verify_audit_chain() computes). Every column but the three
-- chain fields is compared: a column added to audit_logs later must be added here (database/
-- tests checks that the list is complete). A SQL function, so the trigger's WHEN stays short:
-- PostgreSQL copies every trigger's WHEN text for each INSERT statement, and inlines this
-- function into the condition only for UPDATE statements (the sealer's, once per batch).
CREATE FUNCTION audit_logs_update_is_not_a_seal(o public.audit_logs, n public.audit_logs) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT o.seq IS NOT NULL OR n.seq IS NULL OR n.prev_hash IS NULL OR n.row_hash IS NULL OR n.seq <= 0
        OR pg_catalog.length(n.prev_hash) <> 64 OR pg_catalog.length(n.row_hash) <> 64
        OR (n.id, n.entity_type, n.entity_id, n.action, n.actor_type, n.actor_id, n.details, n.created_at, n.append_id)
           IS DISTINCT FROM
           (o.id, o.entity_type, o.entity_id, o.action, o.actor_type, o.actor_id, o.details, o.created_at, o.append_id)
$$;
CREATE TRIGGER trg_audit_logs_update_only_chain_fields BEFORE UPDATE ON audit_logs
    FOR EACH ROW
    WHEN (public.audit_logs_update_is_not_a_seal(OLD, NEW))
    EXECUTE FUNCTION audit_logs_reject_update();
-- DELETE: never (004's function; TRUNCATE keeps 004's trigger).
CREATE TRIGGER trg_audit_logs_no_delete BEFORE DELETE ON audit_logs
    FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_reject_change();
-- ALWAYS: the triggers fire even under session_replication_role = replica.
ALTER TABLE audit_logs ENABLE ALWAYS TRIGGER trg_audit_logs_take_xid;
ALTER TABLE audit_logs ENABLE ALWAYS TRIGGER trg_audit_logs_arrive_unsealed;
ALTER TABLE audit_logs ENABLE ALWAYS TRIGGER trg_audit_logs_update_only_sealing;
ALTER TABLE audit_logs ENABLE ALWAYS TRIGGER trg_audit_logs_update_only_chain_fields;
ALTER TABLE audit_logs ENABLE ALWAYS TRIGGER trg_audit_logs_no_delete;

-- ---------------------------------------------------------------------------
-- Appending
-- ---------------------------------------------------------------------------

-- log_audit_event(entity_type, entity_id, action, actor_type, actor_id, details) -> audit id
-- Same signature as in 004; the row is appended unsealed, without a lock.
--
-- The hot path of every audited change, so it has no SET search_path (setting and restoring it
-- on every call was a tenth of an append's cost). Instead every name in it is schema-qualified,
-- types included: a caller's search_path cannot change what it resolves to (a caller's
-- temporary schema, searched first for relation and type names, shadows nothing here).
-- Keep it so when changing it.
CREATE OR REPLACE FUNCTION log_audit_event(
    p_entity_type text,
    p_entity_id   uuid,
    p_action      text,
    p_actor_type  text,
    p_actor_id    text,
    p_details     jsonb DEFAULT '{}'::jsonb
) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    v_xid pg_catalog.xid8;
    v_id  pg_catalog.uuid;
BEGIN
    -- Assignments, not PERFORM or RETURNING: plain expressions cost no statement of their own.
    v_xid := pg_catalog.pg_current_xact_id();  -- before the append_id: see the horizon in the header
    v_id := pg_catalog.gen_random_uuid();
    INSERT INTO public.audit_logs (id, entity_type, entity_id, action, actor_type, actor_id, details)
    VALUES (v_id, p_entity_type, p_entity_id, p_action, p_actor_type, p_actor_id, COALESCE(p_details, '{}'::pg_catalog.jsonb));
    RETURN v_id;
END;
$$;
ALTER FUNCTION log_audit_event(text, uuid, text, text, text, jsonb) RESET ALL;

COMMENT ON FUNCTION log_audit_event(text, uuid, text, text, text, jsonb) IS
    'Appends one audit event (unsealed until seal_audit_chain() chains it) and returns its id. Call it in the transaction of the change.';

-- log_audit_event(entity_type, entity_id, action, actor_type, actor_id, details, event_id) -> event_id
-- Idempotent by event id: the same id again returns it and writes nothing; the same id with
-- another payload (entity, action, actor or details) is an error (unique_violation, 23505).
-- A NULL event id means a new random one.
CREATE FUNCTION log_audit_event(
    p_entity_type text,
    p_entity_id   uuid,
    p_action      text,
    p_actor_type  text,
    p_actor_id    text,
    p_details     jsonb,
    p_event_id    uuid
) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_xid      xid8;
    v_id       uuid;
    v_existing public.audit_logs;
BEGIN
    v_xid := pg_current_xact_id();  -- before the append_id: see the horizon in the header
    INSERT INTO public.audit_logs (id, entity_type, entity_id, action, actor_type, actor_id, details)
    VALUES (COALESCE(p_event_id, gen_random_uuid()), p_entity_type, p_entity_id, p_action, p_actor_type, p_actor_id,
            COALESCE(p_details, '{}'::jsonb))
    ON CONFLICT (id) DO NOTHING
    RETURNING id INTO v_id;
    IF v_id IS NOT NULL THEN
        RETURN v_id;
    END IF;
    -- A new statement, so a new snapshot: it sees the committed twin that ON CONFLICT waited for.
    SELECT a.* INTO v_existing FROM public.audit_logs a WHERE a.id = p_event_id;
    IF (v_existing.entity_type, v_existing.entity_id, v_existing.action, v_existing.actor_type, v_existing.actor_id, v_existing.details)
       IS DISTINCT FROM (p_entity_type, p_entity_id, p_action, p_actor_type, p_actor_id, COALESCE(p_details, '{}'::jsonb)) THEN
        RAISE EXCEPTION 'audit event % was already recorded with a different payload', p_event_id
            USING ERRCODE = 'unique_violation', CONSTRAINT = 'audit_logs_pkey',
                  HINT = 'An event id names one event: use a new id for a new event.';
    END IF;
    RETURN p_event_id;
END;
$$;

COMMENT ON FUNCTION log_audit_event(text, uuid, text, text, text, jsonb, uuid) IS
    'Appends one audit event under the caller''s event id, once: a retry with the same id and payload returns the id and writes nothing.';

-- log_audit_events(events jsonb) -> ids, in the order of the events
-- Many events in one statement. events is a JSON array of objects with the keys entity_type,
-- entity_id (uuid or null), action, actor_type, actor_id, details (object; default {}) and
-- optionally event_id (idempotent as in log_audit_event(..., event_id); an id twice in the array
-- is one event). An unknown key or an element that is not an object is an error (22023).
CREATE FUNCTION log_audit_events(p_events jsonb) RETURNS uuid[]
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_xid      xid8;
    v_ids      uuid[];
    v_count    integer;
    v_inserted integer;
    v_problem  text;
BEGIN
    IF p_events IS NULL OR jsonb_typeof(p_events) <> 'array' THEN
        RAISE EXCEPTION 'log_audit_events: expects a JSON array of event objects, got %', COALESCE(jsonb_typeof(p_events), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT format('event %s %s', e.ord,
                  CASE WHEN jsonb_typeof(e.value) <> 'object' THEN 'is not a JSON object'
                       ELSE 'has unknown key(s) ' || (SELECT string_agg(k, ', ' ORDER BY k) FROM jsonb_object_keys(e.value) k
                                                        WHERE k NOT IN ('entity_type', 'entity_id', 'action', 'actor_type', 'actor_id',
                                                                        'details', 'event_id')) END)
      INTO v_problem
      FROM jsonb_array_elements(p_events) WITH ORDINALITY AS e(value, ord)
     WHERE jsonb_typeof(e.value) <> 'object'
        OR EXISTS (SELECT 1 FROM jsonb_object_keys(e.value) k
                    WHERE k NOT IN ('entity_type', 'entity_id', 'action', 'actor_type', 'actor_id', 'details', 'event_id'))
     ORDER BY e.ord
     LIMIT 1;
    IF v_problem IS NOT NULL THEN
        RAISE EXCEPTION 'log_audit_events: %', v_problem USING ERRCODE = 'invalid_parameter_value';
    END IF;

    v_xid := pg_current_xact_id();  -- before the append_ids: see the horizon in the header
    WITH input AS (
        SELECT e.ord,
               COALESCE((e.value ->> 'event_id')::uuid, gen_random_uuid()) AS id,
               e.value ->> 'entity_type' AS entity_type,
               (e.value ->> 'entity_id')::uuid AS entity_id,
               e.value ->> 'action' AS action,
               e.value ->> 'actor_type' AS actor_type,
               e.value ->> 'actor_id' AS actor_id,
               COALESCE(NULLIF(e.value -> 'details', 'null'::jsonb), '{}'::jsonb) AS details
          FROM jsonb_array_elements(p_events) WITH ORDINALITY AS e(value, ord)
    ), inserted AS (
        INSERT INTO public.audit_logs (id, entity_type, entity_id, action, actor_type, actor_id, details)
        SELECT i.id, i.entity_type, i.entity_id, i.action, i.actor_type, i.actor_id, i.details FROM input i ORDER BY i.ord
        ON CONFLICT (id) DO NOTHING
        RETURNING 1
    )
    SELECT (SELECT array_agg(i.id ORDER BY i.ord) FROM input i), (SELECT count(*) FROM input), (SELECT count(*) FROM inserted)
      INTO v_ids, v_count, v_inserted;

    IF v_inserted < v_count THEN
        -- Some ids were there already (a retry, or the same id twice): the same event, or an error.
        SELECT a.id::text INTO v_problem
          FROM jsonb_array_elements(p_events) WITH ORDINALITY AS e(value, ord)
          JOIN public.audit_logs a ON a.id = v_ids[e.ord]
         WHERE (a.entity_type, a.entity_id, a.action, a.actor_type, a.actor_id, a.details)
               IS DISTINCT FROM (e.value ->> 'entity_type', (e.value ->> 'entity_id')::uuid, e.value ->> 'action',
                                 e.value ->> 'actor_type', e.value ->> 'actor_id',
                                 COALESCE(NULLIF(e.value -> 'details', 'null'::jsonb), '{}'::jsonb))
         ORDER BY e.ord
         LIMIT 1;
        IF v_problem IS NOT NULL THEN
            RAISE EXCEPTION 'audit event % was already recorded with a different payload', v_problem
                USING ERRCODE = 'unique_violation', CONSTRAINT = 'audit_logs_pkey',
                      HINT = 'An event id names one event: use a new id for a new event.';
        END IF;
    END IF;
    RETURN COALESCE(v_ids, '{}');
END;
$$;

COMMENT ON FUNCTION log_audit_events(jsonb) IS
    'Appends a JSON array of audit events in one statement and returns their ids in order; idempotent per event_id.';

-- ---------------------------------------------------------------------------
-- The sequencer
-- ---------------------------------------------------------------------------

-- seal_audit_chain(max_rows) -> rows sealed (0: nothing was pending)
-- Chains up to max_rows committed unsealed rows, oldest append first, after the chain head.
-- Call it on its own (autocommit), from any number of replicas: the sealer lock is held until
-- the transaction ends, and others see the rows sealed once it commits. In a transaction that
-- has written already it still seals (its own rows included), but cannot advance the horizon.
-- The enable_* settings keep the one sensible plan, an ordered scan of the append_id index,
-- however stale the statistics (and jit off: the costs they make would JIT-compile every batch).
CREATE FUNCTION seal_audit_chain(p_max_rows integer DEFAULT 1000) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
SET enable_seqscan = off SET enable_bitmapscan = off SET enable_sort = off SET jit = off
AS $$
DECLARE
    v_state       public.audit_chain_state;
    v_new_horizon boolean;
    v_seen        bigint;
    v_xid         xid8;
    v_decided     boolean;
    v_renew       boolean;
    v_seq         bigint;
    v_hash        text;
    v_last        bigint;
    v_scan_from   bigint;
    v_n           integer := 0;
    v_tids        tid[] := '{}';
    v_seqs        bigint[] := '{}';
    v_prevs       text[] := '{}';
    v_hashes      text[] := '{}';
    v_updated     bigint;
    r             record;
BEGIN
    IF p_max_rows IS NULL OR p_max_rows < 1 THEN
        RAISE EXCEPTION 'seal_audit_chain: max_rows must be at least 1, got %', COALESCE(p_max_rows::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Each statement below must see what the previous sealer committed: a snapshot taken
    -- after the lock was granted, which only READ COMMITTED gives.
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'seal_audit_chain: run it in a READ COMMITTED transaction, not %', current_setting('transaction_isolation')
            USING ERRCODE = 'invalid_transaction_state';
    END IF;
    -- Sealers queue here (writers never take this lock); held until this transaction ends.
    PERFORM pg_advisory_xact_lock(hashtext('client_escalation_calls'), hashtext('audit_sealer'));

    -- A new horizon: the last append_id handed out now, and (below) a transaction id taken
    -- after it, this transaction's first. In a transaction that has written already there is
    -- none: its id was taken before.
    v_new_horizon := pg_current_xact_id_if_assigned() IS NULL;
    SELECT CASE WHEN s.is_called THEN s.last_value ELSE 0 END INTO v_seen FROM public.audit_logs_append_id_seq s;

    SELECT * INTO STRICT v_state FROM public.audit_chain_state;
    -- Has every transaction that could still commit a row at or below the horizon ended?
    v_decided := v_state.horizon_xid IS NOT NULL
                 AND pg_snapshot_xmin(pg_current_snapshot()) >= v_state.horizon_xid;

    v_seq  := v_state.sealed_through_seq;
    v_hash := v_state.head_row_hash;
    v_last := v_state.head_append_id;
    FOR r IN
        SELECT a.ctid, a.append_id, a.entity_type, a.entity_id, a.action, a.actor_type, a.actor_id, a.details, a.created_at
          FROM public.audit_logs a
         WHERE a.append_id > v_state.scan_from AND a.seq IS NULL
         ORDER BY a.append_id
         LIMIT p_max_rows
    LOOP
        v_n := v_n + 1;
        v_seq := v_seq + 1;
        v_tids[v_n] := r.ctid;
        v_seqs[v_n] := v_seq;
        v_prevs[v_n] := v_hash;
        v_hash := public.audit_row_hash(v_seq, v_hash, r.entity_type, r.entity_id, r.action,
                                        r.actor_type, r.actor_id, r.details, r.created_at);
        v_hashes[v_n] := v_hash;
        v_last := r.append_id;
    END LOOP;

    -- Where the next batch starts looking: up to the decided horizon, but not past a row this
    -- batch had no room for.
    v_scan_from := v_state.scan_from;
    IF v_decided THEN
        v_scan_from := greatest(v_scan_from,
                                CASE WHEN v_n < p_max_rows THEN v_state.horizon_append_id
                                     ELSE least(v_state.horizon_append_id, v_last) END);
    END IF;

    -- A decided (or missing) horizon is replaced by the new one, when there is something above
    -- scan_from for it to cover.
    v_renew := v_new_horizon AND (v_decided OR v_state.horizon_xid IS NULL) AND v_seen > v_scan_from;
    IF v_renew THEN
        v_xid := pg_current_xact_id();
    END IF;

    PERFORM set_config('cec.audit_sealing', 'on', true);
    IF v_n > 0 THEN
        -- By the rows' ctids (a TID scan, no index lookup): no one else updates audit_logs while
        -- the sealer lock is held, and no VACUUM FULL moves rows while this transaction reads it.
        UPDATE public.audit_logs a
           SET seq = u.seq, prev_hash = u.prev_hash, row_hash = u.row_hash
          FROM unnest(v_tids, v_seqs, v_prevs, v_hashes) AS u(tid, seq, prev_hash, row_hash)
         WHERE a.ctid = u.tid;
        GET DIAGNOSTICS v_updated = ROW_COUNT;
        IF v_updated <> v_n THEN
            RAISE EXCEPTION 'seal_audit_chain: sealed % of % rows (rows changed under the sealer)', v_updated, v_n
                USING ERRCODE = 'serialization_failure';
        END IF;
    END IF;
    IF v_n > 0 OR v_scan_from <> v_state.scan_from OR v_renew THEN
        UPDATE public.audit_chain_state s
           SET sealed_through_seq = v_seq,
               head_row_hash      = v_hash,
               head_append_id     = v_last,
               scan_from          = v_scan_from,
               horizon_append_id  = CASE WHEN v_renew THEN v_seen ELSE s.horizon_append_id END,
               horizon_xid        = CASE WHEN v_renew THEN v_xid ELSE s.horizon_xid END,
               sealed_at          = CASE WHEN v_n > 0 THEN clock_timestamp() ELSE s.sealed_at END
         WHERE s.sealed_through_seq = v_state.sealed_through_seq AND s.head_row_hash = v_state.head_row_hash;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'seal_audit_chain: the chain head moved under this sealer (seq %)', v_state.sealed_through_seq
                USING ERRCODE = 'serialization_failure';
        END IF;
    END IF;
    PERFORM set_config('cec.audit_sealing', 'off', true);
    RETURN v_n;
END;
$$;

COMMENT ON FUNCTION seal_audit_chain(integer) IS
    'The sequencer: chains up to max_rows committed unsealed audit rows in append order and returns how many. Safe from any number of replicas.';

-- ---------------------------------------------------------------------------
-- Verification
-- ---------------------------------------------------------------------------

-- Every break in the sealed chain, in order; no rows means the sealed trail is intact.
-- Unsealed rows are not in the chain yet (audit_chain_status() counts them). The last check
-- compares the trail's end with the head the sequencer recorded: rows cut off the end.
CREATE OR REPLACE FUNCTION verify_audit_chain()
RETURNS TABLE (seq bigint, audit_id uuid, problem text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    WITH chained AS (
        SELECT a.*,
               lag(a.seq) OVER (ORDER BY a.seq, a.append_id)      AS previous_seq,
               lag(a.row_hash) OVER (ORDER BY a.seq, a.append_id) AS previous_row_hash
          FROM public.audit_logs a
         WHERE a.seq IS NOT NULL
    ), checked AS (
        SELECT c.seq, c.id,
               CASE
                   WHEN c.seq = c.previous_seq THEN
                       format('duplicate seq %s (a forged or re-numbered row)', c.seq)
                   WHEN c.seq <> COALESCE(c.previous_seq, 0) + 1 THEN
                       format('sequence gap: expected seq %s, found %s (rows removed)', COALESCE(c.previous_seq, 0) + 1, c.seq)
                   WHEN c.prev_hash <> COALESCE(c.previous_row_hash, repeat('0', 64)) THEN
                       'prev_hash does not match the hash of the previous row'
                   WHEN c.row_hash <> public.audit_row_hash(c.seq, c.prev_hash, c.entity_type, c.entity_id, c.action,
                                                            c.actor_type, c.actor_id, c.details, c.created_at) THEN
                       'row_hash does not match the row''s contents (row altered)'
               END AS problem
          FROM chained c
    ), tail AS (
        SELECT s.sealed_through_seq AS seq, t.id,
               CASE
                   WHEN COALESCE(t.seq, 0) <> s.sealed_through_seq OR COALESCE(t.row_hash, repeat('0', 64)) <> s.head_row_hash THEN
                       format('the trail ends at seq %s, but the sequencer sealed through seq %s (rows removed from the end, or rows added after it)',
                              COALESCE(t.seq, 0), s.sealed_through_seq)
               END AS problem
          FROM public.audit_chain_state s
          LEFT JOIN LATERAL (SELECT a.id, a.seq, a.row_hash FROM public.audit_logs a
                              WHERE a.seq IS NOT NULL ORDER BY a.seq DESC LIMIT 1) t ON true
    )
    SELECT x.seq, x.id, x.problem
      FROM (SELECT checked.seq, checked.id, checked.problem, 0 AS part FROM checked WHERE checked.problem IS NOT NULL
            UNION ALL
            SELECT tail.seq, tail.id, tail.problem, 1 FROM tail WHERE tail.problem IS NOT NULL) x
     ORDER BY x.seq, x.part;
$$;

COMMENT ON FUNCTION verify_audit_chain() IS
    'Lists every sealed audit row whose seq, prev_hash or row_hash breaks the chain, and a trail that ends short of the sealed head; empty means intact. Unsealed rows are pending, see audit_chain_status().';

-- The newest sealed link. Recording it outside the database (a ticket, a signed report) lets
-- a later verify also prove that no rows were cut off the end.
CREATE OR REPLACE FUNCTION audit_chain_head()
RETURNS TABLE (seq bigint, row_hash text, created_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT a.seq, a.row_hash, a.created_at
      FROM public.audit_chain_state s
      JOIN public.audit_logs a ON a.append_id = s.head_append_id;
$$;

-- How far the chain is sealed: the head (seq 0 and 64 zeros while nothing is sealed), and the
-- committed rows still waiting for the sequencer.
CREATE FUNCTION audit_chain_status()
RETURNS TABLE (sealed_through_seq bigint, head_row_hash text, head_created_at timestamptz, last_sealed_at timestamptz,
               unsealed_count bigint, oldest_unsealed_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT s.sealed_through_seq, s.head_row_hash,
           (SELECT a.created_at FROM public.audit_logs a WHERE a.append_id = s.head_append_id),
           s.sealed_at, u.n, u.oldest
      FROM public.audit_chain_state s
     CROSS JOIN LATERAL (SELECT count(*) AS n, min(a.created_at) AS oldest
                           FROM public.audit_logs a
                          WHERE a.append_id > s.scan_from AND a.seq IS NULL) u;
$$;

COMMENT ON FUNCTION audit_chain_status() IS
    'The sealed chain head (sealed_through_seq, head_row_hash, head_created_at, last_sealed_at) and the committed rows pending sealing (unsealed_count, oldest_unsealed_at).';

-- ---------------------------------------------------------------------------
-- Grants (006 revoked EXECUTE from PUBLIC by default; said again here for these functions)
-- ---------------------------------------------------------------------------
REVOKE EXECUTE ON FUNCTION audit_logs_take_xid(), audit_logs_arrive_unsealed(), audit_logs_reject_update(), audit_chain_state_guard(),
    audit_logs_update_is_not_a_seal(audit_logs, audit_logs),
    log_audit_event(text, uuid, text, text, text, jsonb, uuid), log_audit_events(jsonb),
    seal_audit_chain(integer), audit_chain_status() FROM PUBLIC;

-- every service records its state changes in the audit trail
GRANT EXECUTE ON FUNCTION log_audit_event(text, uuid, text, text, text, jsonb, uuid), log_audit_events(jsonb)
    TO customers_svc, campaigns_svc, compliance_svc, metrics_svc;
-- compliance owns the trail: it runs the sequencer and reports how far the chain is sealed
GRANT EXECUTE ON FUNCTION seal_audit_chain(integer), audit_chain_status() TO compliance_svc;
