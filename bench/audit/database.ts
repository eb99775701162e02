/**
 * The audit bench database: a fresh, migrated database (cec_bench_audit_<random>) on the server
 * of DATABASE_URL, or on a throw-away embedded PostgreSQL (temp dir, free port, no fsync), plus
 * the two comparison tables of the benchmark.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { migrate, quoteIdent, redactUrl, startThrowAwayPostgres, stopEmbeddedPostgres, withDatabase } from '@cec/db';
import { withClient as withPgClient } from '../common/pg';

export interface BenchDatabase {
  /** Superuser (migration role) URL of the bench database. */
  url: string;
  /** Where it runs, for the report. */
  description: string;
  serverVersion: string;
  /** PID of the embedded server's postmaster (to read its CPU time); undefined with DATABASE_URL. */
  postmasterPid?: number;
  /** Drops the database, or stops and removes the embedded server. Idempotent. */
  dispose(): Promise<void>;
}

export const withClient = <T>(url: string, work: (client: Client) => Promise<T>): Promise<T> => withPgClient(url, work, 'bench-audit');

/**
 * The comparison tables, created by the migration role in the bench database only:
 *
 * - bench_audit_plain: the columns of audit_logs without the chain (no seq, hashes or
 *   append_id), the same CHECKs (as 008 has them), a primary key and 004's four listing
 *   indexes, no trigger. An
 *   insert here is what an event costs with no audit trail at all: the baseline.
 * - bench_audit_v004 and bench_log_audit_event_v004(): migration 004's trail as it was, a chain
 *   trigger that takes one transaction-scoped advisory lock for every append: the scheme that
 *   migration 008 replaced, for reference.
 */
const COMPARISON_TABLES = `
CREATE TABLE bench_audit_plain (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    entity_type text        NOT NULL CHECK (length(entity_type) <= 63 AND entity_type ~ '^[a-z][a-z0-9_]*$'),
    entity_id   uuid,
    action      text        NOT NULL CHECK (length(action) <= 63 AND action ~ '^[a-z][a-z0-9_.]*$'),
    actor_type  text        NOT NULL CHECK (actor_type IN ('system', 'service', 'user', 'agent')),
    actor_id    text        CHECK (length(actor_id) <= 200),
    details     jsonb       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(details) = 'object'),
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX ON bench_audit_plain (entity_type, entity_id, created_at);
CREATE INDEX ON bench_audit_plain (created_at);
CREATE INDEX ON bench_audit_plain (actor_type, actor_id, created_at);
CREATE INDEX ON bench_audit_plain (action, created_at);

CREATE TABLE bench_audit_v004 (
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
CREATE INDEX ON bench_audit_v004 (entity_type, entity_id, seq);
CREATE INDEX ON bench_audit_v004 (created_at);
CREATE INDEX ON bench_audit_v004 (actor_type, actor_id, created_at);
CREATE INDEX ON bench_audit_v004 (action, created_at);

CREATE FUNCTION bench_audit_v004_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_last_seq  bigint;
    v_last_hash text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('client_escalation_calls'), hashtext('bench_audit_v004'));
    SELECT a.seq, a.row_hash INTO v_last_seq, v_last_hash
      FROM bench_audit_v004 a ORDER BY a.seq DESC LIMIT 1;
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
CREATE TRIGGER trg_bench_audit_v004_chain BEFORE INSERT ON bench_audit_v004
    FOR EACH ROW EXECUTE FUNCTION bench_audit_v004_chain();

CREATE FUNCTION bench_log_audit_event_v004(
    p_entity_type text, p_entity_id uuid, p_action text, p_actor_type text, p_actor_id text,
    p_details jsonb DEFAULT '{}'::jsonb
) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_id uuid;
BEGIN
    INSERT INTO public.bench_audit_v004 (entity_type, entity_id, action, actor_type, actor_id, details)
    VALUES (p_entity_type, p_entity_id, p_action, p_actor_type, p_actor_id, COALESCE(p_details, '{}'::jsonb))
    RETURNING id INTO v_id;
    RETURN v_id;
END;
$$;

GRANT SELECT, INSERT ON bench_audit_plain TO customers_svc;
GRANT EXECUTE ON FUNCTION bench_log_audit_event_v004(text, uuid, text, text, text, jsonb) TO customers_svc;
`;

/** Creates and migrates the bench database and the comparison tables; `log` reports progress. */
export async function createBenchDatabase(log: (line: string) => void): Promise<BenchDatabase> {
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const name = `cec_bench_audit_${runId}`;
  let adminUrl: string;
  let dataDir: string | undefined;
  let description: string;

  if (process.env.DATABASE_URL) {
    adminUrl = withDatabase(process.env.DATABASE_URL, 'postgres');
    description = `${redactUrl(withDatabase(process.env.DATABASE_URL, name))} (DATABASE_URL)`;
    log(`using the server of DATABASE_URL, database ${name}`);
  } else {
    dataDir = join(tmpdir(), `cec-bench-audit-pg-${runId}`);
    log(`starting a throw-away embedded PostgreSQL in ${dataDir}`);
    adminUrl = await startThrowAwayPostgres(dataDir);
    description = `embedded PostgreSQL, throw-away (fsync off), ${new URL(adminUrl).host}`;
  }

  let created = false;
  let disposed: Promise<void> | undefined;
  const dispose = (): Promise<void> => {
    disposed ??= (async () => {
      if (dataDir) {
        await stopEmbeddedPostgres(dataDir, 'immediate').catch(() => false);
        await rm(dataDir, { recursive: true, force: true });
      } else if (created) {
        await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
      }
    })();
    return disposed;
  };

  try {
    await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
    created = true;
    const url = withDatabase(adminUrl, name);
    const result = await migrate(url);
    log(`migrated (${result.applied.length} migrations)`);
    const serverVersion = await withClient(url, async (c) => {
      await c.query(COMPARISON_TABLES);
      return (await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v;
    });
    const postmasterPid = dataDir ? Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]) || undefined : undefined;
    return { url, description, serverVersion, postmasterPid, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
