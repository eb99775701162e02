import { Client } from 'pg';
import type { TestDatabase } from '@cec/testing';

/** Appends `n` events through log_audit_event (as the migration role); returns their ids in order. */
export async function appendEvents(db: TestDatabase, n: number, action = 'updated'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 1) {
    const [{ id }] = await db.query<{ id: string }>(
      "SELECT log_audit_event('customer', gen_random_uuid(), $1, 'user', 'ops', jsonb_build_object('n', $2::int)) AS id",
      [action, i],
    );
    ids.push(id);
  }
  return ids;
}

/** Runs seal_audit_chain until a batch comes back short; returns how many rows were sealed. */
export async function sealAll(db: TestDatabase, batch = 1000): Promise<number> {
  let total = 0;
  for (;;) {
    const [{ sealed }] = await db.query<{ sealed: number }>('SELECT seal_audit_chain($1) AS sealed', [batch]);
    total += sealed;
    if (sealed < batch) return total;
  }
}

/** One connection to `url` for the length of `work`. */
export async function withConnection<T>(url: string, work: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Runs `sql` as a superuser who switched audit_logs' guard triggers off (and on again, ENABLE
 * ALWAYS, before committing): what tampering looks like. The chain still tells.
 */
export async function withGuardsOff(db: TestDatabase, sql: string, params: unknown[] = []): Promise<void> {
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ tgname: string }>(
      "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_logs'::regclass AND NOT tgisinternal",
    );
    for (const { tgname } of rows) await client.query(`ALTER TABLE audit_logs DISABLE TRIGGER ${tgname}`);
    await client.query(sql, params);
    for (const { tgname } of rows) await client.query(`ALTER TABLE audit_logs ENABLE ALWAYS TRIGGER ${tgname}`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export interface ChainRow {
  seq: string | null;
  append_id: string;
  prev_hash: string | null;
  row_hash: string | null;
  recomputed: string | null;
}

/** Every row in append order, with its row_hash recomputed by audit_row_hash. */
export async function chainRows(db: TestDatabase): Promise<ChainRow[]> {
  return db.query<ChainRow>(
    `SELECT seq, append_id, prev_hash, row_hash,
            CASE WHEN seq IS NOT NULL THEN audit_row_hash(seq, prev_hash, entity_type, entity_id, action, actor_type, actor_id, details, created_at) END AS recomputed
       FROM audit_logs ORDER BY append_id`,
  );
}

/** Checks by hand what verify_audit_chain checks: seq 1..n in seq order, each linked to the one before. */
export function expectOneChain(rows: ChainRow[]): void {
  const sealed = rows.filter((r) => r.seq !== null).sort((a, b) => Number(a.seq) - Number(b.seq));
  sealed.forEach((row, i) => {
    expect(Number(row.seq)).toBe(i + 1);
    expect(row.prev_hash).toBe(i === 0 ? '0'.repeat(64) : sealed[i - 1].row_hash);
    expect(row.row_hash).toBe(row.recomputed);
  });
}
