import { defineEntity, type MikroORM } from '@mikro-orm/postgresql';
import { Pool } from 'pg';
import { systemCall } from '@cec/context';
import { capturingLogger, eventually, useTestDatabase, type TestDatabase } from '@cec/testing';
import { createOrm, inTransaction, recordAuditEvent, startAuditSequencer, type AuditSequencer, type RunStatement } from './index';

const Probe = defineEntity({ name: 'Probe', tableName: 'customers', properties: (p) => ({ id: p.uuid().primary() }) });
const call = systemCall('audit-sequencer.test', 'audit-sequencer-test');

async function append(db: TestDatabase, n: number): Promise<void> {
  await db.query(
    "SELECT log_audit_event('invoice', gen_random_uuid(), 'payment_recorded', 'service', 'customers', jsonb_build_object('n', g)) FROM generate_series(1, $1) g",
    [n],
  );
}

const status = async (db: TestDatabase) =>
  (await db.query<{ sealed_through_seq: string; unsealed_count: string }>('SELECT sealed_through_seq, unsealed_count FROM audit_chain_status()'))[0];

/** A deferred promise: resolved from outside, to hold a statement in flight. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('startAuditSequencer', () => {
  const db = useTestDatabase();
  const running: AuditSequencer[] = [];
  const orms: MikroORM[] = [];
  const pools: Pool[] = [];

  const complianceOrm = async (): Promise<MikroORM> => {
    const orm = await createOrm({ url: db.urlAs('compliance_svc'), entities: [Probe], poolMax: 2 });
    orms.push(orm);
    return orm;
  };
  const compliancePool = (): Pool => {
    const pool = new Pool({ connectionString: db.urlAs('compliance_svc'), max: 1 });
    pool.on('error', () => undefined); // an idle connection the server ends when the database is dropped
    pools.push(pool);
    return pool;
  };
  const start = (...args: Parameters<typeof startAuditSequencer>): AuditSequencer => {
    const sequencer = startAuditSequencer(...args);
    running.push(sequencer);
    return sequencer;
  };

  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.stop()));
  });

  afterAll(async () => {
    await Promise.all(orms.map((o) => o.close()));
    await Promise.all(pools.map((p) => p.end()));
  });

  it('seals now, batch after batch until one comes back short', async () => {
    await append(db, 10);
    const sequencer = start({ orm: await complianceOrm(), logger: capturingLogger().logger, intervalMs: 3_600_000, batchSize: 3 });
    expect(await sequencer.sealNow()).toBe(10);
    expect(await sequencer.sealNow()).toBe(0);
    expect(await status(db)).toEqual({ sealed_through_seq: '10', unsealed_count: '0' });
    expect(await db.query('SELECT * FROM verify_audit_chain()')).toEqual([]);
  });

  it('seals by itself, now and then every intervalMs', async () => {
    const { logger, lines } = capturingLogger();
    start({ orm: await complianceOrm(), logger, intervalMs: 20, batchSize: 100 });
    await append(db, 5);
    await eventually(async () => (await status(db)).unsealed_count === '0', { what: 'the sequencer to seal the rows' });
    await append(db, 5);
    await eventually(async () => (await status(db)).unsealed_count === '0', { what: 'the sequencer to seal the next rows' });
    expect(await status(db)).toEqual({ sealed_through_seq: '20', unsealed_count: '0' });
    expect(lines().filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('makes one chain with three sequencers (replicas) running while services write', async () => {
    const before = Number((await status(db)).sealed_through_seq);
    const writerOrm = await createOrm({ url: db.urlAs('customers_svc'), entities: [Probe], poolMax: 8 });
    orms.push(writerOrm);
    let sealedByRun = 0;
    const countingRun = (pool: Pool): RunStatement => async (text, params) => {
      const rows = (await pool.query(text, params as unknown[])).rows;
      sealedByRun += Number(rows[0].sealed);
      return rows;
    };
    const logs = [capturingLogger(), capturingLogger(), capturingLogger()];
    const sequencers = [
      start({ run: countingRun(compliancePool()), logger: logs[0].logger, intervalMs: 0, batchSize: 5 }),
      start({ run: countingRun(compliancePool()), logger: logs[1].logger, intervalMs: 1, batchSize: 5 }),
      start({ run: countingRun(compliancePool()), logger: logs[2].logger, intervalMs: 2, batchSize: 5 }),
    ];
    await Promise.all(
      Array.from({ length: 8 }, (_, w) =>
        (async () => {
          for (let i = 0; i < 25; i += 1) {
            await inTransaction(writerOrm.em.fork(), call, (tx) =>
              recordAuditEvent(tx, { entityType: 'task', entityId: null, action: 'claimed', actor: { type: 'agent', id: `agent-${w}` }, details: { i } }),
            );
          }
        })(),
      ),
    );
    await Promise.all(sequencers.map((s) => s.sealNow()));
    await Promise.all(sequencers.map((s) => s.stop()));
    expect(sealedByRun).toBe(200);
    expect(await status(db)).toEqual({ sealed_through_seq: String(before + 200), unsealed_count: '0' });
    const [{ n, distinct, max }] = await db.query('SELECT count(*)::int AS n, count(DISTINCT seq)::int AS distinct, max(seq)::int AS max FROM audit_logs');
    expect({ n, distinct, max }).toEqual({ n: before + 200, distinct: before + 200, max: before + 200 });
    expect(await db.query('SELECT * FROM verify_audit_chain()')).toEqual([]);
    expect(logs.flatMap((l) => l.lines()).filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('logs a failed pass and tries again at the next interval, never crashing; sealNow rejects meanwhile', async () => {
    const pool = compliancePool();
    let failures = 2;
    let broken = false;
    const run: RunStatement = async (text, params) => {
      if (broken || failures > 0) {
        failures -= 1;
        throw Object.assign(new Error('connection refused (test)'), { code: 'ECONNREFUSED' });
      }
      return (await pool.query(text, params as unknown[])).rows;
    };
    const { logger, lines } = capturingLogger();
    await append(db, 3);
    const sequencer = start({ run, logger, intervalMs: 5, batchSize: 100 });
    await eventually(() => lines().some((l) => l.msg === 'audit sequencer: sealing works again'), { what: 'the sequencer to recover' });
    expect(lines().filter((l) => l.level === 'warn')).toEqual([
      expect.objectContaining({ msg: 'audit sequencer: sealing failed; trying again in 5 ms', err: expect.objectContaining({ message: 'connection refused (test)', code: 'ECONNREFUSED' }) }),
      expect.objectContaining({ msg: 'audit sequencer: sealing failed; trying again in 5 ms' }),
    ]);
    expect((await status(db)).unsealed_count).toBe('0');
    broken = true;
    await expect(sequencer.sealNow()).rejects.toThrow('connection refused (test)');
  });

  it('logs, as a warning, a role that may not seal', async () => {
    const customersPool = new Pool({ connectionString: db.urlAs('customers_svc'), max: 1 });
    customersPool.on('error', () => undefined);
    pools.push(customersPool);
    const { logger, lines } = capturingLogger();
    start({ run: async (text, params) => (await customersPool.query(text, params as unknown[])).rows, logger, intervalMs: 3_600_000 });
    await eventually(() => lines().find((l) => l.level === 'warn'), { what: 'the warning' });
    expect(lines().find((l) => l.level === 'warn')).toMatchObject({ err: { code: '42501' } });
  });

  it('stop() waits for the batch in flight and starts no other; sealNow() is refused after it', async () => {
    const inFlight = deferred<readonly Record<string, unknown>[]>();
    const started = deferred<void>();
    let calls = 0;
    const sequencer = start({
      run: () => {
        calls += 1;
        started.resolve();
        return inFlight.promise;
      },
      logger: capturingLogger().logger,
      intervalMs: 0,
      batchSize: 1,
    });
    await started.promise;
    let stopped = false;
    const stopping = sequencer.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    inFlight.resolve([{ sealed: 1 }]); // a full batch: without stop() it would seal again at once
    await stopping;
    expect(calls).toBe(1);
    await expect(sequencer.sealNow()).rejects.toThrow('the audit sequencer is stopped');
  });

  it('refuses options it cannot work with', () => {
    const logger = capturingLogger().logger;
    const run: RunStatement = async () => [{ sealed: 0 }];
    expect(() => startAuditSequencer({ logger })).toThrow('give either orm or run');
    expect(() => startAuditSequencer({ run, logger, intervalMs: -1 })).toThrow('intervalMs');
    expect(() => startAuditSequencer({ run, logger, batchSize: 0 })).toThrow('batchSize');
    expect(() => startAuditSequencer({ run, logger, batchSize: 1.5 })).toThrow('batchSize');
  });
});
