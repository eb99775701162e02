import { Client } from 'pg';
import { createTestDatabase, useTestDatabase, type TestDatabase } from '@cec/testing';
import { appendEvents, sealAll, withConnection, withGuardsOff } from './audit-helpers';

const SERVICE_ROLES = ['customers_svc', 'campaigns_svc', 'compliance_svc', 'metrics_svc'];

describe('audit_logs cannot be altered', () => {
  const db = useTestDatabase();
  let firstId: string;

  beforeAll(async () => {
    for (let i = 0; i < 3; i += 1) {
      await db.query("SELECT log_audit_event('invoice', gen_random_uuid(), 'payment_recorded', 'service', 'customers', jsonb_build_object('i', $1::int))", [i]);
    }
    await sealAll(db);
    [{ id: firstId }] = await db.query<{ id: string }>('SELECT id FROM audit_logs ORDER BY seq LIMIT 1');
    // and one row still waiting for the sequencer
    await appendEvents(db, 1, 'pending');
  });

  const as = <T>(role: string | null, work: (c: Client) => Promise<T>): Promise<T> => withConnection(role ? db.urlAs(role) : db.url, work);
  const snapshot = () => db.query('SELECT * FROM audit_logs ORDER BY append_id');
  const state = () => db.query('SELECT * FROM audit_chain_state');

  it.each(SERVICE_ROLES)('refuses UPDATE, DELETE, TRUNCATE and direct INSERT to %s', async (role) => {
    const before = await snapshot();
    await as(role, async (c) => {
      for (const sql of [
        "UPDATE audit_logs SET action = 'forged'",
        'DELETE FROM audit_logs',
        'TRUNCATE audit_logs',
        "INSERT INTO audit_logs (entity_type, action, actor_type, prev_hash, row_hash, seq) VALUES ('x', 'y', 'system', repeat('0', 64), repeat('0', 64), 99)",
        "INSERT INTO audit_logs (entity_type, action, actor_type) VALUES ('x', 'y', 'system')",
      ]) {
        await expect(c.query(sql)).rejects.toMatchObject({ code: '42501' });
      }
    });
    expect(await snapshot()).toEqual(before);
  });

  it.each(SERVICE_ROLES)('does not let %s seal by hand, not even with the sealer\'s mark, nor touch the sequencer state', async (role) => {
    const before = await snapshot();
    const stateBefore = await state();
    await as(role, async (c) => {
      await c.query("SELECT set_config('cec.audit_sealing', 'on', false)");
      await expect(
        c.query("UPDATE audit_logs SET seq = 4, prev_hash = repeat('a', 64), row_hash = repeat('b', 64) WHERE seq IS NULL"),
      ).rejects.toMatchObject({ code: '42501' });
      await expect(c.query("UPDATE audit_logs SET seq = seq WHERE seq = 1")).rejects.toMatchObject({ code: '42501' });
      for (const sql of ['SELECT * FROM audit_chain_state', 'UPDATE audit_chain_state SET scan_from = 0', 'DELETE FROM audit_chain_state']) {
        await expect(c.query(sql)).rejects.toMatchObject({ code: '42501' });
      }
    });
    expect(await snapshot()).toEqual(before);
    expect(await state()).toEqual(stateBefore);
  });

  it("lets no caller's search_path redirect log_audit_event (it runs as the owner without SET search_path)", async () => {
    const id = await as('customers_svc', async (c) => {
      // a caller's temporary schema is searched first for relation and type names
      await c.query('CREATE TEMP TABLE audit_logs (id uuid, entity_type text, entity_id uuid, action text, actor_type text, actor_id text, details jsonb)');
      await c.query('CREATE TEMP TABLE uuid (x int)');
      await c.query('CREATE TEMP TABLE jsonb (x int)');
      await c.query('CREATE TEMP TABLE xid8 (x int)');
      await c.query('SET search_path = pg_temp, public, pg_catalog');
      const { rows } = await c.query("SELECT log_audit_event('invoice', NULL, 'shadowed', 'service', 'customers', '{\"a\": 1}') AS id");
      expect((await c.query('SELECT count(*)::int AS n FROM pg_temp.audit_logs')).rows).toEqual([{ n: 0 }]);
      return rows[0].id as string;
    });
    expect(await db.query('SELECT action, details FROM public.audit_logs WHERE id = $1', [id])).toEqual([{ action: 'shadowed', details: { a: 1 } }]);
  });

  it('refuses UPDATE, DELETE and TRUNCATE even to the owner', async () => {
    const before = await snapshot();
    await as(null, async (c) => {
      await expect(c.query("UPDATE audit_logs SET action = 'forged'")).rejects.toMatchObject({ code: '42501', message: expect.stringContaining('append-only') });
      await expect(c.query('DELETE FROM audit_logs WHERE id = $1', [firstId])).rejects.toMatchObject({ code: '42501' });
      await expect(c.query('DELETE FROM audit_logs WHERE false')).rejects.toMatchObject({ code: '42501' });
      await expect(c.query('TRUNCATE audit_logs')).rejects.toMatchObject({ code: '42501' });
    });
    expect(await snapshot()).toEqual(before);
  });

  it('does not let the owner seal by hand (only seal_audit_chain may), re-seal a sealed row, or change anything else while sealing', async () => {
    const before = await snapshot();
    await as(null, async (c) => {
      // without the sequencer's mark: not an update anyone may make
      await expect(
        c.query("UPDATE audit_logs SET seq = 4, prev_hash = repeat('a', 64), row_hash = repeat('b', 64) WHERE seq IS NULL"),
      ).rejects.toMatchObject({ code: '42501', message: 'audit_logs is append-only: UPDATE is not allowed' });
      // even with it (set by hand here), only the one-time fill of an unsealed row passes the guard
      await c.query('BEGIN');
      await c.query("SELECT set_config('cec.audit_sealing', 'on', true)");
      await expect(c.query("UPDATE audit_logs SET seq = 9, prev_hash = repeat('a', 64), row_hash = repeat('b', 64) WHERE id = $1", [firstId])).rejects.toMatchObject({
        code: '42501',
        message: expect.stringMatching(/already sealed \(seq 1\)/),
      });
      await c.query('ROLLBACK');
      for (const set of [
        "seq = 4, prev_hash = repeat('a', 64), row_hash = repeat('b', 64), action = 'forged'", // another column with it
        "seq = 4, prev_hash = repeat('a', 64), row_hash = repeat('b', 64), created_at = created_at - interval '1 day'",
        "seq = 4, prev_hash = repeat('a', 64)", // not all three
        "seq = 0, prev_hash = repeat('a', 64), row_hash = repeat('b', 64)", // seq must be > 0
        "seq = 4, prev_hash = 'short', row_hash = repeat('b', 64)",
        "action = 'forged'",
      ]) {
        await c.query('BEGIN');
        await c.query("SELECT set_config('cec.audit_sealing', 'on', true)");
        await expect(c.query(`UPDATE audit_logs SET ${set} WHERE seq IS NULL`)).rejects.toMatchObject({ code: '42501' });
        await c.query('ROLLBACK');
      }
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
      await expect(c.query('UPDATE audit_chain_state SET scan_from = 0')).rejects.toMatchObject({ code: '42501' });
    });
    expect(await snapshot()).toEqual(before);
  });

  it('keeps the sequencer state to seal_audit_chain, even for the owner', async () => {
    const stateBefore = await state();
    await as(null, async (c) => {
      await expect(c.query('UPDATE audit_chain_state SET sealed_through_seq = 0')).rejects.toMatchObject({ code: '42501' });
      await expect(c.query('DELETE FROM audit_chain_state')).rejects.toMatchObject({ code: '42501' });
      await expect(c.query('TRUNCATE audit_chain_state')).rejects.toMatchObject({ code: '42501' });
      await expect(c.query("INSERT INTO audit_chain_state (sealed_through_seq, head_row_hash, scan_from) VALUES (0, repeat('0', 64), 0)")).rejects.toMatchObject({
        code: '23505',
      });
    });
    expect(await state()).toEqual(stateBefore);
  });

  it('lets nobody insert a row already sealed or back-dated: an owner INSERT with made-up chain fields arrives unsealed, and the sequencer chains it', async () => {
    await as(null, (c) =>
      c.query(
        `INSERT INTO audit_logs (entity_type, action, actor_type, seq, prev_hash, row_hash, created_at)
         VALUES ('invoice', 'forged', 'system', 1, repeat('a', 64), repeat('b', 64), '2000-01-01T00:00:00Z')`,
      ),
    );
    const [row] = await db.query("SELECT seq, prev_hash, row_hash, created_at > now() - interval '1 hour' AS fresh FROM audit_logs WHERE action = 'forged'");
    expect(row).toEqual({ seq: null, prev_hash: null, row_hash: null, fresh: true });
    await sealAll(db);
    const [sealed] = await db.query<{ seq: string; row_hash: string }>("SELECT seq, row_hash FROM audit_logs WHERE action = 'forged'");
    const [{ n }] = await db.query<{ n: string }>('SELECT count(*) AS n FROM audit_logs');
    expect(sealed.seq).toBe(n); // the last row appended, so the last in the chain
    expect(sealed.row_hash).not.toBe('b'.repeat(64));
    expect(await db.query('SELECT * FROM verify_audit_chain()')).toEqual([]);
  });

  it('compares every column but the chain fields when a row is sealed (a column added later must join the list)', async () => {
    const columns = await db.query<{ attname: string }>(
      "SELECT attname FROM pg_attribute WHERE attrelid = 'audit_logs'::regclass AND attnum > 0 AND NOT attisdropped",
    );
    const [{ body }] = await db.query<{ body: string }>("SELECT prosrc AS body FROM pg_proc WHERE proname = 'audit_logs_update_is_not_a_seal'");
    for (const { attname } of columns) {
      if (['seq', 'prev_hash', 'row_hash'].includes(attname)) continue;
      expect(body).toContain(`n.${attname}`);
      expect(body).toContain(`o.${attname}`);
    }
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
    await appendEvents(db, 4);
    await sealAll(db);
  });

  const problems = () => db.query<{ seq: string; problem: string }>('SELECT seq, problem FROM verify_audit_chain()');
  const second = async () => (await db.query<{ seq: string; id: string }>('SELECT seq, id FROM audit_logs ORDER BY seq DESC OFFSET 1 LIMIT 1'))[0];

  it('detects a changed byte in a row', async () => {
    const target = await second();
    await withGuardsOff(db, `UPDATE audit_logs SET details = '{"n": 9}' WHERE seq = $1`, [target.seq]);
    expect(await problems()).toEqual([{ seq: target.seq, problem: expect.stringContaining('row altered') }]);
  });

  it('detects a removed row', async () => {
    const target = await second();
    await withGuardsOff(db, 'DELETE FROM audit_logs WHERE seq = $1', [target.seq]);
    expect(await problems()).toEqual([{ seq: String(Number(target.seq) + 1), problem: expect.stringContaining('sequence gap') }]);
  });

  it('detects rows removed from the end (the trail ends before the head the sequencer sealed)', async () => {
    await withGuardsOff(db, 'DELETE FROM audit_logs WHERE seq = 4');
    expect(await problems()).toEqual([{ seq: '4', problem: expect.stringContaining('the trail ends at seq 3, but the sequencer sealed through seq 4') }]);
  });

  it('detects a forged row whose hashes were recomputed to hide an edit', async () => {
    // Rewrite a row and its own hash: the next row's prev_hash no longer matches.
    const target = await second();
    await withGuardsOff(
      db,
      `UPDATE audit_logs SET actor_id = 'someone-else',
              row_hash = audit_row_hash(seq, prev_hash, entity_type, entity_id, action, actor_type, 'someone-else', details, created_at)
        WHERE seq = $1`,
      [target.seq],
    );
    expect(await problems()).toEqual([{ seq: String(Number(target.seq) + 1), problem: expect.stringContaining('prev_hash') }]);
  });

  it('detects a forged row inserted into the chain, even with a well-formed link', async () => {
    // A row claiming seq 3, linked to row 2 and hashed correctly: a duplicate seq, and row 4 no
    // longer follows the row before it.
    await withGuardsOff(
      db,
      `INSERT INTO audit_logs (entity_type, action, actor_type, actor_id, details, seq, prev_hash, row_hash, created_at)
       SELECT 'customer', 'updated', 'user', 'intruder', '{}', 3, p.row_hash,
              audit_row_hash(3, p.row_hash, 'customer', NULL, 'updated', 'user', 'intruder', '{}', '2030-01-01T00:00:00Z'),
              '2030-01-01T00:00:00Z'
         FROM audit_logs p WHERE p.seq = 2`,
    );
    expect(await problems()).toEqual([
      { seq: '3', problem: expect.stringContaining('duplicate seq 3') },
      { seq: '4', problem: expect.stringContaining('prev_hash') },
    ]);
  });

  it('detects a forged row appended after the head with a well-formed link', async () => {
    await withGuardsOff(
      db,
      `INSERT INTO audit_logs (entity_type, action, actor_type, actor_id, details, seq, prev_hash, row_hash, created_at)
       SELECT 'customer', 'updated', 'user', 'intruder', '{}', 5, p.row_hash,
              audit_row_hash(5, p.row_hash, 'customer', NULL, 'updated', 'user', 'intruder', '{}', '2030-01-01T00:00:00Z'),
              '2030-01-01T00:00:00Z'
         FROM audit_logs p WHERE p.seq = 4`,
    );
    expect(await problems()).toEqual([{ seq: '4', problem: expect.stringContaining('the trail ends at seq 5, but the sequencer sealed through seq 4') }]);
  });

  it('reports unsealed rows as pending, not as problems', async () => {
    await appendEvents(db, 2);
    expect(await problems()).toEqual([]);
    const [status] = await db.query('SELECT sealed_through_seq, unsealed_count FROM audit_chain_status()');
    expect(status).toEqual({ sealed_through_seq: '4', unsealed_count: '2' });
  });

  it('names the chain head so it can be recorded outside the database', async () => {
    const [head] = await db.query('SELECT * FROM audit_chain_head()');
    const [last] = await db.query('SELECT seq, row_hash, created_at FROM audit_logs ORDER BY seq DESC LIMIT 1');
    expect(head).toEqual(last);
    const [status] = await db.query('SELECT sealed_through_seq, head_row_hash, head_created_at FROM audit_chain_status()');
    expect(status).toEqual({ sealed_through_seq: last.seq, head_row_hash: last.row_hash, head_created_at: last.created_at });
  });
});
