import { Client } from 'pg';
import { createTestDatabase, useTestDatabase, type TestDatabase } from '@cec/testing';

const SERVICE_ROLES = ['customers_svc', 'campaigns_svc', 'compliance_svc', 'metrics_svc'];

describe('audit_logs cannot be altered', () => {
  const db = useTestDatabase();
  let firstId: string;

  beforeAll(async () => {
    for (let i = 0; i < 3; i += 1) {
      await db.query("SELECT log_audit_event('invoice', gen_random_uuid(), 'payment_recorded', 'service', 'customers', jsonb_build_object('i', $1::int))", [i]);
    }
    [{ id: firstId }] = await db.query<{ id: string }>('SELECT id FROM audit_logs ORDER BY seq LIMIT 1');
  });

  async function as<T>(role: string | null, work: (c: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: role ? db.urlAs(role) : db.url });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  const snapshot = () => db.query('SELECT * FROM audit_logs ORDER BY seq');

  it.each(SERVICE_ROLES)('refuses UPDATE, DELETE, TRUNCATE and direct INSERT to %s', async (role) => {
    const before = await snapshot();
    await as(role, async (c) => {
      for (const sql of [
        "UPDATE audit_logs SET action = 'forged'",
        'DELETE FROM audit_logs',
        'TRUNCATE audit_logs',
        "INSERT INTO audit_logs (entity_type, action, actor_type, prev_hash, row_hash, seq) VALUES ('x', 'y', 'system', repeat('0', 64), repeat('0', 64), 99)",
      ]) {
        await expect(c.query(sql)).rejects.toMatchObject({ code: '42501' });
      }
    });
    expect(await snapshot()).toEqual(before);
  });

  it('refuses UPDATE, DELETE and TRUNCATE even to the owner', async () => {
    const before = await snapshot();
    await as(null, async (c) => {
      await expect(c.query("UPDATE audit_logs SET action = 'forged'")).rejects.toMatchObject({ code: '42501', message: expect.stringContaining('append-only') });
      await expect(c.query('DELETE FROM audit_logs WHERE id = $1', [firstId])).rejects.toMatchObject({ code: '42501' });
      await expect(c.query('TRUNCATE audit_logs')).rejects.toMatchObject({ code: '42501' });
    });
    expect(await snapshot()).toEqual(before);
  });

  it('refuses them under session_replication_role = replica (triggers are ENABLE ALWAYS)', async () => {
    const before = await snapshot();
    await as(null, async (c) => {
      await c.query('SET session_replication_role = replica');
      await expect(c.query("UPDATE audit_logs SET details = '{}'")).rejects.toMatchObject({ code: '42501' });
      await expect(c.query('DELETE FROM audit_logs')).rejects.toMatchObject({ code: '42501' });
      await expect(c.query('TRUNCATE audit_logs')).rejects.toMatchObject({ code: '42501' });
    });
    expect(await snapshot()).toEqual(before);
  });

  it('computes the chain itself: an owner INSERT with made-up hashes is re-chained', async () => {
    await as(null, (c) =>
      c.query(
        `INSERT INTO audit_logs (entity_type, action, actor_type, seq, prev_hash, row_hash)
         VALUES ('invoice', 'forged', 'system', 1, repeat('a', 64), repeat('b', 64))`,
      ),
    );
    const [last] = await db.query('SELECT * FROM audit_logs ORDER BY seq DESC LIMIT 1');
    expect(last.action).toBe('forged');
    expect(last.row_hash).not.toBe('b'.repeat(64));
    expect(await db.query('SELECT * FROM verify_audit_chain()')).toEqual([]);
  });
});

describe('audit chain verification', () => {
  // Each case tampers, so each gets a database of its own.
  let db: TestDatabase;

  afterEach(async () => {
    await db.drop();
  });

  beforeEach(async () => {
    db = await createTestDatabase();
    for (let i = 0; i < 4; i += 1) {
      await db.query("SELECT log_audit_event('customer', NULL, 'updated', 'user', 'ops', jsonb_build_object('n', $1::int))", [i]);
    }
  });

  // A superuser who switches the guard off can change rows; the chain still tells.
  async function withGuardsOff(sql: string, params: unknown[] = []): Promise<void> {
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('ALTER TABLE audit_logs DISABLE TRIGGER trg_audit_logs_no_update_delete');
      await client.query(sql, params);
      await client.query('ALTER TABLE audit_logs ENABLE ALWAYS TRIGGER trg_audit_logs_no_update_delete');
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  }

  it('detects a changed byte in a row', async () => {
    const [target] = await db.query<{ seq: string }>('SELECT seq FROM audit_logs ORDER BY seq DESC OFFSET 1 LIMIT 1');
    await withGuardsOff(`UPDATE audit_logs SET details = '{"n": 9}' WHERE seq = $1`, [target.seq]);
    const problems = await db.query('SELECT seq, problem FROM verify_audit_chain()');
    expect(problems).toEqual([{ seq: target.seq, problem: expect.stringContaining('row altered') }]);
  });

  it('detects a removed row', async () => {
    const [target] = await db.query<{ seq: string }>('SELECT seq FROM audit_logs ORDER BY seq DESC OFFSET 1 LIMIT 1');
    await withGuardsOff('DELETE FROM audit_logs WHERE seq = $1', [target.seq]);
    const problems = await db.query<{ seq: string; problem: string }>('SELECT seq, problem FROM verify_audit_chain()');
    expect(problems).toEqual([{ seq: String(Number(target.seq) + 1), problem: expect.stringContaining('sequence gap') }]);
  });

  it('detects a forged row whose hashes were recomputed to hide an edit', async () => {
    // Rewrite a row and its own hash: the next row's prev_hash no longer matches.
    const [target] = await db.query<{ seq: string }>('SELECT seq FROM audit_logs ORDER BY seq DESC OFFSET 1 LIMIT 1');
    await withGuardsOff(
      `UPDATE audit_logs SET actor_id = 'someone-else',
              row_hash = audit_row_hash(seq, prev_hash, entity_type, entity_id, action, actor_type, 'someone-else', details, created_at)
        WHERE seq = $1`,
      [target.seq],
    );
    const problems = await db.query<{ seq: string; problem: string }>('SELECT seq, problem FROM verify_audit_chain()');
    expect(problems).toEqual([{ seq: String(Number(target.seq) + 1), problem: expect.stringContaining('prev_hash') }]);
  });

  it('names the chain head so it can be recorded outside the database', async () => {
    const [head] = await db.query('SELECT * FROM audit_chain_head()');
    const [last] = await db.query('SELECT seq, row_hash FROM audit_logs ORDER BY seq DESC LIMIT 1');
    expect(head).toMatchObject({ seq: last.seq, row_hash: last.row_hash });
  });
});
