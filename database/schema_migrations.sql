-- The migration history. Created by `npm run db:migrate` and by run_all_migrations.sql
-- (both read this file, so the two routes produce the same schema).
--   checksum: sha256 (hex) of the migration file as applied. run_all_migrations.sql
--   records NULL; the next `npm run db:migrate` adopts the checksum of the file it finds.
CREATE TABLE IF NOT EXISTS schema_migrations (
    version      integer     PRIMARY KEY CHECK (version > 0),
    name         text        NOT NULL,
    checksum     text        CHECK (checksum ~ '^[0-9a-f]{64}$'),
    applied_at   timestamptz NOT NULL DEFAULT now(),
    applied_by   text        NOT NULL DEFAULT current_user,
    execution_ms integer     CHECK (execution_ms >= 0)
);

COMMENT ON TABLE schema_migrations IS 'Applied migrations (database/migrations/NNN_name.sql), one row each.';
