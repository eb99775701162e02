-- 013_metrics_service.sql
-- What the metrics service's time series need to stay fast and bounded:
--   * system_metrics becomes a table partitioned by recorded_at, one partition per UTC day
--     (system_metrics_pYYYYMMDD, [day 00:00 UTC, next day 00:00 UTC)), no DEFAULT partition:
--     a day's samples are dropped at once, with their partition, when the retention passes
--     them, and a query of a day reads one partition. The existing rows are copied over (ids
--     kept); partitions are made for their days and for today and the next 7 days.
--   * client_key: the recording caller's key of a sample. A source records a (client_key,
--     recorded_at) once (a unique index; it has to include the partition key), so a batch can
--     be retried.
--   * metrics_retention: how many days are kept (one row, 90 until someone sets it).
--   * ensure_system_metrics_partitions(p_from, p_to) and drop_system_metrics_partitions_before
--     (p_before): metrics_svc owns no table, so it cannot create or drop partitions; these
--     SECURITY DEFINER functions (owned by the migration role, search_path pinned) do it for it,
--     under one transaction-scoped advisory lock, and are idempotent: two replicas running the
--     retention job at once create and drop each partition once.
-- Owner: metrics service.
--
-- Grants: metrics_svc SELECT, INSERT on system_metrics (the partitions are reached through it
-- only), SELECT, UPDATE on metrics_retention, EXECUTE on the two functions. Nobody else.
--
-- Rollback (run in one transaction; keeps the rows, loses client_key and the retention):
--   DROP FUNCTION IF EXISTS ensure_system_metrics_partitions(date, date), drop_system_metrics_partitions_before(date),
--                           system_metrics_partition_name(date);
--   DROP TABLE IF EXISTS metrics_retention;
--   ALTER TABLE system_metrics RENAME TO system_metrics_partitioned;
--   CREATE TABLE system_metrics (LIKE system_metrics_partitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
--   -- then as in 005: the identity primary key on id, the three indexes, drop client_key, copy
--   -- the rows (OVERRIDING SYSTEM VALUE), DROP TABLE system_metrics_partitioned, and 006's grant:
--   GRANT SELECT, INSERT ON system_metrics TO metrics_svc;
--   DELETE FROM schema_migrations WHERE version = 13;

-- ---------------------------------------------------------------------------
-- The table of migration 005 steps aside (its names are needed by the new table).
-- ---------------------------------------------------------------------------
ALTER TABLE system_metrics RENAME TO system_metrics_unpartitioned;
ALTER TABLE system_metrics_unpartitioned RENAME CONSTRAINT system_metrics_pkey TO system_metrics_unpartitioned_pkey;
ALTER SEQUENCE system_metrics_id_seq RENAME TO system_metrics_unpartitioned_id_seq;
ALTER INDEX idx_system_metrics_name_time RENAME TO idx_system_metrics_unpartitioned_name_time;
ALTER INDEX idx_system_metrics_recorded_at RENAME TO idx_system_metrics_unpartitioned_recorded_at;
ALTER INDEX idx_system_metrics_labels RENAME TO idx_system_metrics_unpartitioned_labels;

-- ---------------------------------------------------------------------------
-- system_metrics, partitioned by UTC day
-- ---------------------------------------------------------------------------
CREATE TABLE system_metrics (
    id          bigint      GENERATED ALWAYS AS IDENTITY,
    metric_name text        NOT NULL CONSTRAINT system_metrics_metric_name_check CHECK (metric_name ~ '^[a-z_][a-z0-9_]{0,127}$'),
    metric_type text        NOT NULL CONSTRAINT system_metrics_metric_type_check CHECK (metric_type IN ('counter', 'gauge', 'histogram', 'summary')),
    value       numeric     NOT NULL,
    unit        text        CONSTRAINT system_metrics_unit_check CHECK (length(unit) <= 32),
    labels      jsonb       NOT NULL DEFAULT '{}'::jsonb CONSTRAINT system_metrics_labels_check CHECK (jsonb_typeof(labels) = 'object'),
    source      text        NOT NULL CONSTRAINT system_metrics_source_check CHECK (length(btrim(source)) BETWEEN 1 AND 100),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    -- The recording caller's key of the sample (RecordMetrics' client_key); NULL for rows
    -- recorded before this migration or by hand.
    client_key  text        CONSTRAINT system_metrics_client_key_check CHECK (length(client_key) BETWEEN 1 AND 200),
    -- A partitioned table's primary key must include the partition key.
    PRIMARY KEY (id, recorded_at)
) PARTITION BY RANGE (recorded_at);

COMMENT ON TABLE system_metrics IS
    'System and business metrics over time, one partition per UTC day (system_metrics_pYYYYMMDD), dropped whole by the retention. Owner: metrics service.';
COMMENT ON COLUMN system_metrics.client_key IS
    'The recording caller''s key: a source records a (client_key, recorded_at) once.';

-- The partition of a UTC day.
CREATE FUNCTION system_metrics_partition_name(p_day date) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
    SET search_path = pg_catalog
AS $$ SELECT 'system_metrics_p' || to_char(p_day, 'YYYYMMDD') $$;

-- Makes the missing partitions of the UTC days p_from through p_to (both included); returns
-- how many it made. Idempotent; serialized with the drops by an advisory lock. At most 400
-- days at once, none more than 31 days ahead.
CREATE FUNCTION ensure_system_metrics_partitions(p_from date, p_to date) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_catalog
    -- Making a partition locks system_metrics; rather fail (the job tries again) than queue
    -- every query behind a long one.
    SET lock_timeout = '5s'
AS $$
DECLARE
    v_day     date;
    v_name    text;
    v_made    integer := 0;
BEGIN
    IF p_from IS NULL OR p_to IS NULL OR p_to < p_from THEN
        RAISE EXCEPTION 'ensure_system_metrics_partitions: need p_from <= p_to, got % and %', p_from, p_to
            USING ERRCODE = '22023';
    END IF;
    IF p_to - p_from > 400 OR p_to > (now() AT TIME ZONE 'UTC')::date + 31 THEN
        RAISE EXCEPTION 'ensure_system_metrics_partitions: at most 400 days, none more than 31 days ahead (% to %)', p_from, p_to
            USING ERRCODE = '22023';
    END IF;
    -- Nothing to do (the usual case): no lock at all.
    IF NOT EXISTS (SELECT 1 FROM generate_series(p_from, p_to, interval '1 day') AS d(day)
                    WHERE to_regclass(system_metrics_partition_name(d.day::date)) IS NULL) THEN
        RETURN 0;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('system_metrics_partitions'));
    FOR v_day IN SELECT d::date FROM generate_series(p_from, p_to, interval '1 day') AS g(d) LOOP
        v_name := system_metrics_partition_name(v_day);
        IF to_regclass(v_name) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF system_metrics FOR VALUES FROM (%L) TO (%L)',
                           v_name, to_char(v_day, 'YYYY-MM-DD') || ' 00:00:00+00',
                           to_char(v_day + 1, 'YYYY-MM-DD') || ' 00:00:00+00');
            v_made := v_made + 1;
        END IF;
    END LOOP;
    RETURN v_made;
END;
$$;

-- Drops the partitions of the UTC days before p_before, with their rows; returns how many it
-- dropped. Idempotent; serialized with ensure_ by the same advisory lock, so two callers at once
-- drop each partition once. Never today's or yesterday's: p_before is at most yesterday.
CREATE FUNCTION drop_system_metrics_partitions_before(p_before date) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_catalog
    SET lock_timeout = '5s'
AS $$
DECLARE
    v_name    text;
    v_dropped integer := 0;
BEGIN
    IF p_before IS NULL OR p_before > (now() AT TIME ZONE 'UTC')::date - 1 THEN
        RAISE EXCEPTION 'drop_system_metrics_partitions_before: p_before must be yesterday (UTC) or earlier, got %', p_before
            USING ERRCODE = '22023';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('system_metrics_partitions'));
    FOR v_name IN
        SELECT c.relname
          FROM pg_inherits i
          JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'system_metrics'::regclass
           AND c.relname ~ '^system_metrics_p[0-9]{8}$'
           AND to_date(substr(c.relname, 17), 'YYYYMMDD') < p_before
         ORDER BY c.relname
    LOOP
        EXECUTE format('DROP TABLE %I', v_name);
        v_dropped := v_dropped + 1;
    END LOOP;
    RETURN v_dropped;
END;
$$;

-- The partitions of the existing rows' days (whatever they are), then today's and the next 7 days'.
DO $$
DECLARE
    v_day date;
BEGIN
    FOR v_day IN SELECT DISTINCT (recorded_at AT TIME ZONE 'UTC')::date FROM system_metrics_unpartitioned LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF system_metrics FOR VALUES FROM (%L) TO (%L)',
                       system_metrics_partition_name(v_day), to_char(v_day, 'YYYY-MM-DD') || ' 00:00:00+00',
                       to_char(v_day + 1, 'YYYY-MM-DD') || ' 00:00:00+00');
    END LOOP;
END;
$$;
DO $$
BEGIN
    PERFORM ensure_system_metrics_partitions((now() AT TIME ZONE 'UTC')::date, (now() AT TIME ZONE 'UTC')::date + 7);
END;
$$;

INSERT INTO system_metrics (id, metric_name, metric_type, value, unit, labels, source, recorded_at)
OVERRIDING SYSTEM VALUE
SELECT id, metric_name, metric_type, value, unit, labels, source, recorded_at
  FROM system_metrics_unpartitioned;

-- New ids continue after the copied ones.
DO $$
DECLARE
    v_next bigint;
BEGIN
    SELECT COALESCE(max(id), 0) + 1 INTO v_next FROM system_metrics;
    EXECUTE format('ALTER TABLE system_metrics ALTER COLUMN id RESTART WITH %s', v_next);
END;
$$;

DROP TABLE system_metrics_unpartitioned;

-- The indexes of 005, on every partition (made and to come). The name index carries the value,
-- so a bucketed query without label filters reads the index alone.
CREATE INDEX idx_system_metrics_name_time ON system_metrics (metric_name, recorded_at DESC) INCLUDE (value);
CREATE INDEX idx_system_metrics_recorded_at ON system_metrics (recorded_at);
CREATE INDEX idx_system_metrics_labels ON system_metrics USING gin (labels);
-- Idempotent recording: a source records a client key at a time once.
CREATE UNIQUE INDEX uq_system_metrics_client_key ON system_metrics (source, client_key, recorded_at)
    WHERE client_key IS NOT NULL;

-- ---------------------------------------------------------------------------
-- metrics_retention: how many whole UTC days of samples are kept
-- ---------------------------------------------------------------------------
CREATE TABLE metrics_retention (
    singleton boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    -- A day's partition is dropped once the day is more than `days` days before today (UTC).
    days      integer     NOT NULL CHECK (days BETWEEN 1 AND 3650),
    -- Who set it last (NULL: the default) and when.
    set_by    text        CHECK (length(set_by) <= 200),
    set_at    timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE metrics_retention IS 'How many days of system_metrics are kept (one row). Owner: metrics service.';

INSERT INTO metrics_retention (days) VALUES (90);

-- ---------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------
REVOKE ALL ON FUNCTION system_metrics_partition_name(date), ensure_system_metrics_partitions(date, date),
                       drop_system_metrics_partitions_before(date) FROM PUBLIC;
GRANT SELECT, INSERT ON system_metrics TO metrics_svc;
GRANT SELECT, UPDATE ON metrics_retention TO metrics_svc;
GRANT EXECUTE ON FUNCTION ensure_system_metrics_partitions(date, date), drop_system_metrics_partitions_before(date)
    TO metrics_svc;
