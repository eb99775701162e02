import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { databaseDir, migrate } from '@cec/db';
import { createTestDatabase, eventually, useTestDatabase, type TestDatabase } from '@cec/testing';
import { appendEvents, chainRows, expectOneChain, sealAll, withConnection } from './audit-helpers';

/**
 * Migration 008's sequencer: appends are unsealed inserts without a lock; seal_audit_chain()
 * chains committed rows in batches, from any number of sessions at once.
 */

const state = async (db: TestDatabase) =>
  (await db.query<{ sealed_through_seq: string; head_row_hash: string; scan_from: string; horizon_append_id: string | null }>(
    'SELECT sealed_through_seq, head_row_hash, scan_from, horizon_append_id FROM audit_chain_state',
  ))[0];
/** One seal_audit_chain call: on the test database's pool, or on a connection of a test's own. */
const seal = async (db: TestDatabase, max = 1000): Promise<number> =>
  (await db.query<{ sealed: number }>('SELECT seal_audit_chain($1) AS sealed', [max]))[0].sealed;
const sealOn = async (c: Client, max = 1000): Promise<number> =>
  (await c.query<{ sealed: number }>('SELECT seal_audit_chain($1) AS sealed', [max])).rows[0].sealed;

describe('seal_audit_chain', () => {
  const db = useTestDatabase();

  it('chains committed rows in append order, in batches of at most max_rows, continuing the chain', async () => {
    await appendEvents(db, 3);
    expect((await chainRows(db)).every((r) => r.seq === null)).toBe(true);
    expect(await seal(db, 2)).toBe(2);
    expect(await seal(db, 2)).toBe(1);
    expect(await seal(db, 2)).toBe(0);
    let rows = await chainRows(db);
    expect(rows.map((r) => r.seq)).toEqual(['1', '2', '3']);
    expectOneChain(rows);

    await appendEvents(db, 2);
    expect(await seal(db)).toBe(2);
    rows = await chainRows(db);
    expect(rows.map((r) => r.seq)).toEqual(['1', '2', '3', '4', '5']);
    expect(rows[3].prev_hash).toBe(rows[2].row_hash);
    expectOneChain(rows);
    expect(await state(db)).toMatchObject({ sealed_through_seq: '5', head_row_hash: rows[4].row_hash });
    expect(await db.query('SELECT * FROM verify_audit_chain()')).toEqual([]);
  });

  it('chains a row that commits after a batch was sealed, even with a smaller append_id, after the rows sealed before it', async () => {
    const before = Number((await state(db)).sealed_through_seq);
    await withConnection(db.url, async (late) => {
      await late.query('BEGIN');
      const { rows: [{ id: lateId }] } = await late.query("SELECT log_audit_event('invoice', NULL, 'late', 'service', 'customers') AS id");
      const [earlyId] = await appendEvents(db, 1, 'early'); // a larger append_id, committed first
      expect(await seal(db)).toBe(1);
      await late.query('COMMIT');
      expect(await seal(db)).toBe(1);
      const rows = await db.query<{ id: string; seq: string; append_id: string }>(
        'SELECT id, seq, append_id FROM audit_logs WHERE id = ANY($1) ORDER BY seq',
        [[lateId, earlyId]],
      );
      expect(rows.map((r) => [r.id, Number(r.seq)])).toEqual([
        [earlyId, before + 1],
        [lateId, before + 2],
      ]);
      expect(Number(rows[1].append_id)).toBeLessThan(Number(rows[0].append_id));
    });
    expectOneChain(await chainRows(db));
    expect(await db.query('SELECT * FROM verify_audit_chain()')).toEqual([]);
  });

  it('never moves its scan past a row a transaction still holds open, and loses no row to it', async () => {
    let held = '';
    await withConnection(db.url, async (open) => {
      await open.query('BEGIN');
      const { rows: [{ id: heldId }] } = await open.query("SELECT log_audit_event('invoice', NULL, 'held', 'service', 'customers') AS id");
      [{ append_id: held }] = (await open.query<{ append_id: string }>('SELECT append_id FROM audit_logs WHERE id = $1', [heldId])).rows;
      // Many batches while it stays open: horizons are taken and decided around it.
      for (let i = 0; i < 5; i += 1) {
        await appendEvents(db, 3, 'meanwhile');
        expect(await seal(db, 2)).toBe(2);
        expect(await seal(db, 2)).toBe(1);
        expect(Number((await state(db)).scan_from)).toBeLessThan(Number(held));
      }
      await open.query('COMMIT');
    });
    expect(await seal(db)).toBe(1);
    // ... and once it has ended, the scan moves on past it (as soon as no transaction older than
    // the horizon runs anywhere on the server: other test files share it, and some hold a
    // transaction open for seconds on purpose, e.g. a service process paused mid-call; on a
    // shared server the wait is theirs, not the sequencer's).
    await eventually(async () => (await seal(db)) === 0 && Number((await state(db)).scan_from) >= Number(held), {
      what: 'the scan to move past the row once its transaction ended',
      timeoutMs: 60_000,
    });
    const [{ n }] = await db.query<{ n: string }>('SELECT count(*) AS n FROM audit_logs WHERE seq IS NULL');
    expect(n).toBe('0');
    expectOneChain(await chainRows(db));
    expect(await db.query('SELECT * FROM verify_audit_chain()')).toEqual([]);
  });

  it('makes a second sealer wait for the first, then continue its chain', async () => {
    await appendEvents(db, 2);
    const head = Number((await state(db)).sealed_through_seq);
    await withConnection(db.url, async (first) => {
      await withConnection(db.url, async (second) => {
        await first.query('BEGIN');
        expect(await sealOn(first)).toBe(2);
        const [{ pid }] = (await second.query('SELECT pg_backend_pid() AS pid')).rows;
        const waiting = sealOn(second);
        await eventually(
          async () =>
            (await db.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'", [pid])).length > 0,
          { what: 'the second sealer to wait for the lock' },
        );
        await appendEvents(db, 1); // committed while the first sealer still holds the lock
        await first.query('COMMIT');
        expect(await waiting).toBe(1);
      });
    });
    const rows = await chainRows(db);
    expect(rows.slice(-3).map((r) => Number(r.seq))).toEqual([head + 1, head + 2, head + 3]);
    expectOneChain(rows);
    expect(await db.query('SELECT * FROM verify_audit_chain()')).toEqual([]);
  });

  it('seals, in a transaction that has written, its own rows too (the seed does not need it, a test may)', async () => {
    await withConnection(db.url, async (c) => {
      await c.query('BEGIN');
      await c.query("SELECT log_audit_event('invoice', NULL, 'own', 'service', 'customers')");
      expect(await sealOn(c)).toBe(1);
      await c.query('ROLLBACK');
    });
    expect(await db.query("SELECT 1 FROM audit_logs WHERE action = 'own'")).toEqual([]);
    expect(await db.query('SELECT * FROM verify_audit_chain()')).toEqual([]);
  });

  it('refuses a snapshot older than its lock (REPEATABLE READ) and a max_rows below 1', async () => {
    await withConnection(db.url, async (c) => {
      await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await expect(c.query('SELECT seal_audit_chain()')).rejects.toMatchObject({ code: '25000', message: expect.stringContaining('READ COMMITTED') });
      await c.query('ROLLBACK');
    });
    await expect(db.query('SELECT seal_audit_chain(0)')).rejects.toMatchObject({ code: '22023' });
    await expect(db.query('SELECT seal_audit_chain(NULL)')).rejects.toMatchObject({ code: '22023' });
  });
});

describe('audit_chain_status', () => {
  const db = useTestDatabase();

  it('says how far the chain is sealed and what is waiting', async () => {
    expect(await db.query('SELECT * FROM audit_chain_status()')).toEqual([
      { sealed_through_seq: '0', head_row_hash: '0'.repeat(64), head_created_at: null, last_sealed_at: null, unsealed_count: '0', oldest_unsealed_at: null },
    ]);
    await appendEvents(db, 3);
    const [{ oldest }] = await db.query<{ oldest: Date }>('SELECT min(created_at) AS oldest FROM audit_logs');
    expect(await db.query('SELECT sealed_through_seq, unsealed_count, oldest_unsealed_at FROM audit_chain_status()')).toEqual([
      { sealed_through_seq: '0', unsealed_count: '3', oldest_unsealed_at: oldest },
    ]);
    await sealAll(db);
    const [head] = await db.query('SELECT * FROM audit_chain_head()');
    const [status] = await db.query('SELECT * FROM audit_chain_status()');
    expect(status).toEqual({
      sealed_through_seq: head.seq,
      head_row_hash: head.row_hash,
      head_created_at: head.created_at,
      last_sealed_at: expect.any(Date),
      unsealed_count: '0',
      oldest_unsealed_at: null,
    });
  });
});

describe('several sealers while many connections write', () => {
  const db = useTestDatabase();

  it('make one gap-free chain, every row sealed exactly once, verified intact', async () => {
    const WRITERS = 8;
    const PER_WRITER = 40;
    const writers = await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        const c = new Client({ connectionString: db.urlAs('customers_svc') });
        await c.connect();
        return c;
      }),
    );
    const sealers = await Promise.all(
      Array.from({ length: 3 }, async () => {
        const c = new Client({ connectionString: db.urlAs('compliance_svc') });
        await c.connect();
        return c;
      }),
    );
    let writing = true;
    const sealedBy = [0, 0, 0];
    try {
      const sealing = sealers.map(async (c, i) => {
        while (writing) sealedBy[i] += await sealOn(c, 7);
      });
      await Promise.all(
        writers.map(async (c, w) => {
          for (let j = 0; j < PER_WRITER; j += 1) {
            // a change and its audit event in one transaction, as a service writes them
            await c.query('BEGIN');
            await c.query("SELECT log_audit_event('task', gen_random_uuid(), 'claimed', 'agent', $1, jsonb_build_object('j', $2::int))", [`agent-${w}`, j]);
            await c.query(j % 7 === 3 ? 'ROLLBACK' : 'COMMIT');
          }
        }),
      );
      writing = false;
      await Promise.all(sealing);
      // what the sealers had not reached yet
      for (let last = -1; last !== 0; ) {
        last = await sealOn(sealers[0], 7);
        sealedBy[0] += last;
      }
    } finally {
      writing = false;
      await Promise.all([...writers, ...sealers].map((c) => c.end()));
    }
    const committed = WRITERS * Array.from({ length: PER_WRITER }, (_, j) => j).filter((j) => j % 7 !== 3).length;
    const rows = await chainRows(db);
    expect(rows).toHaveLength(committed);
    expect(sealedBy.reduce((a, b) => a + b, 0)).toBe(committed);
    expect(rows.filter((r) => r.seq === null)).toEqual([]);
    expect(new Set(rows.map((r) => r.seq)).size).toBe(committed);
    expectOneChain(rows);
    expect(await db.query('SELECT * FROM verify_audit_chain()')).toEqual([]);
    expect(await db.query('SELECT sealed_through_seq, unsealed_count FROM audit_chain_status()')).toEqual([
      { sealed_through_seq: String(committed), unsealed_count: '0' },
    ]);
  });
});

describe('log_audit_event with an event id', () => {
  const db = useTestDatabase();
  const record = (id: string, details = '{"amount": "12.50"}') =>
    db.query<{ id: string }>("SELECT log_audit_event('invoice', NULL, 'payment_recorded', 'service', 'customers', $2::jsonb, $1) AS id", [id, details]);

  it('records an event once: the same id again returns it and writes nothing', async () => {
    const id = '7b0c4d7e-58f5-4d2f-8a5b-6c1c1d0b3b21';
    expect(await record(id)).toEqual([{ id }]);
    expect(await record(id)).toEqual([{ id }]);
    expect(await record(id, '{"amount": "12.50"}')).toEqual([{ id }]);
    expect(await db.query('SELECT count(*)::int AS n FROM audit_logs WHERE id = $1', [id])).toEqual([{ n: 1 }]);
  });

  it('refuses the same id with another payload (23505)', async () => {
    const id = '7b0c4d7e-58f5-4d2f-8a5b-6c1c1d0b3b22';
    await record(id);
    await expect(record(id, '{"amount": "99.00"}')).rejects.toMatchObject({ code: '23505', message: expect.stringContaining(id) });
    await expect(
      db.query("SELECT log_audit_event('invoice', NULL, 'cancelled', 'service', 'customers', '{\"amount\": \"12.50\"}', $1)", [id]),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await db.query('SELECT count(*)::int AS n FROM audit_logs WHERE id = $1', [id])).toEqual([{ n: 1 }]);
  });

  it('records it once when two transactions race with the same id', async () => {
    const id = '7b0c4d7e-58f5-4d2f-8a5b-6c1c1d0b3b23';
    await withConnection(db.urlAs('customers_svc'), async (a) => {
      await withConnection(db.urlAs('customers_svc'), async (b) => {
        await a.query('BEGIN');
        await b.query('BEGIN');
        const call = "SELECT log_audit_event('invoice', NULL, 'payment_recorded', 'service', 'customers', '{}', $1) AS id";
        expect((await a.query(call, [id])).rows).toEqual([{ id }]);
        const [{ pid }] = (await b.query('SELECT pg_backend_pid() AS pid')).rows;
        const twin = b.query(call, [id]);
        await eventually(
          async () => (await db.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'", [pid])).length > 0,
          { what: 'the twin to wait for the first insert' },
        );
        await a.query('COMMIT');
        expect((await twin).rows).toEqual([{ id }]);
        await b.query('COMMIT');
      });
    });
    expect(await db.query('SELECT count(*)::int AS n FROM audit_logs WHERE id = $1', [id])).toEqual([{ n: 1 }]);
  });

  it('makes up an id when given NULL', async () => {
    const [{ id }] = await db.query<{ id: string }>("SELECT log_audit_event('invoice', NULL, 'noted', 'service', 'customers', '{}', NULL) AS id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('log_audit_events (many events in one statement)', () => {
  const db = useTestDatabase();
  const bulk = (events: unknown) => db.query<{ ids: string[] }>('SELECT log_audit_events($1::jsonb) AS ids', [JSON.stringify(events)]);
  const event = (n: number, extra: Record<string, unknown> = {}) => ({
    entity_type: 'invoice',
    entity_id: `7b0c4d7e-58f5-4d2f-8a5b-6c1c1d0b3c${String(n).padStart(2, '0')}`,
    action: 'marked_overdue',
    actor_type: 'system',
    actor_id: 'overdue-sweeper',
    details: { n },
    ...extra,
  });

  it('appends every event, unsealed, and returns their ids in order', async () => {
    const [{ ids }] = await bulk([event(1), event(2), { ...event(3), details: undefined }]);
    expect(ids).toHaveLength(3);
    const rows = await db.query('SELECT id, entity_id, action, actor_type, actor_id, details, seq FROM audit_logs WHERE id = ANY($1) ORDER BY append_id', [ids]);
    expect(rows).toEqual([
      { id: ids[0], entity_id: event(1).entity_id, action: 'marked_overdue', actor_type: 'system', actor_id: 'overdue-sweeper', details: { n: 1 }, seq: null },
      { id: ids[1], entity_id: event(2).entity_id, action: 'marked_overdue', actor_type: 'system', actor_id: 'overdue-sweeper', details: { n: 2 }, seq: null },
      { id: ids[2], entity_id: event(3).entity_id, action: 'marked_overdue', actor_type: 'system', actor_id: 'overdue-sweeper', details: {}, seq: null },
    ]);
    expect(await bulk([])).toEqual([{ ids: [] }]);
  });

  it('is idempotent per event_id, within one call and across calls', async () => {
    const id = '7b0c4d7e-58f5-4d2f-8a5b-6c1c1d0b3d01';
    const [{ ids }] = await bulk([event(4, { event_id: id }), event(5), event(4, { event_id: id })]);
    expect(ids[0]).toBe(id);
    expect(ids[2]).toBe(id);
    const [{ ids: again }] = await bulk([event(4, { event_id: id })]);
    expect(again).toEqual([id]);
    expect(await db.query('SELECT count(*)::int AS n FROM audit_logs WHERE id = $1', [id])).toEqual([{ n: 1 }]);
    await expect(bulk([event(6), event(9, { event_id: id })])).rejects.toMatchObject({ code: '23505' });
  });

  it('refuses what is not an array of event objects, and writes nothing of a batch with one bad event', async () => {
    const [{ n: before }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_logs');
    await expect(bulk({ events: [] })).rejects.toMatchObject({ code: '22023', message: expect.stringContaining('JSON array') });
    await expect(bulk([event(7), 'x'])).rejects.toMatchObject({ code: '22023', message: expect.stringContaining('event 2 is not a JSON object') });
    await expect(bulk([{ ...event(7), entityType: 'invoice' }])).rejects.toMatchObject({ code: '22023', message: expect.stringContaining('entityType') });
    await expect(bulk([event(7), { ...event(8), actor_type: 'robot' }])).rejects.toMatchObject({ code: '23514' });
    await expect(db.query('SELECT log_audit_events(NULL)')).rejects.toMatchObject({ code: '22023' });
    expect(await db.query('SELECT count(*)::int AS n FROM audit_logs')).toEqual([{ n: before }]);
  });
});

describe('migrating a chain that 004 built', () => {
  let db: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    dir = mkdtempSync(join(tmpdir(), 'cec-audit-008-'));
    cpSync(databaseDir(), dir, { recursive: true });
  });

  afterAll(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The copy of database/ with only the migrations up to `last`. */
  const upTo = (last: number): string => {
    for (const file of readdirSync(join(dir, 'migrations'))) {
      const version = Number(file.slice(0, 3));
      if (Number.isInteger(version) && version > last) rmSync(join(dir, 'migrations', file));
    }
    return dir;
  };

  it('keeps every row and hash, and seals new rows after the old head', async () => {
    await migrate(db.url, { databaseDir: upTo(7) });
    for (let i = 0; i < 3; i += 1) {
      await db.query("SELECT log_audit_event('customer', NULL, 'updated', 'user', 'ops', jsonb_build_object('n', $1::int))", [i]);
    }
    const old = await db.query<{ id: string; seq: string; prev_hash: string; row_hash: string }>('SELECT id, seq, prev_hash, row_hash FROM audit_logs ORDER BY seq');
    expect(old.map((r) => r.seq)).toEqual(['1', '2', '3']);

    cpSync(join(databaseDir(), 'migrations', '008_audit_sequencer.sql'), join(dir, 'migrations', '008_audit_sequencer.sql'));
    await migrate(db.url, { databaseDir: dir });
    expect(await db.query('SELECT id, seq, prev_hash, row_hash FROM audit_logs ORDER BY seq')).toEqual(old);
    expect(await db.query('SELECT * FROM verify_audit_chain()')).toEqual([]);
    expect(await db.query('SELECT sealed_through_seq, head_row_hash, unsealed_count FROM audit_chain_status()')).toEqual([
      { sealed_through_seq: '3', head_row_hash: old[2].row_hash, unsealed_count: '0' },
    ]);

    await db.query("SELECT log_audit_event('customer', NULL, 'updated', 'user', 'ops', '{\"n\": 3}')");
    expect(await seal(db)).toBe(1);
    const rows = await chainRows(db);
    expect(rows.map((r) => r.seq)).toEqual(['1', '2', '3', '4']);
    expect(rows[3].prev_hash).toBe(old[2].row_hash);
    expectOneChain(rows);
    expect(await db.query('SELECT * FROM verify_audit_chain()')).toEqual([]);
  });
});
