import { randomUUID } from 'node:crypto';
import { defineEntity, type MikroORM } from '@mikro-orm/postgresql';
import { systemCall, type CallContext, type Cancellable } from '@cec/context';
import { DeadlineExceededError, UnknownOutcomeError } from '@cec/errors';
import { useTestDatabase } from '@cec/testing';
import { auditEventsPayload, createOrm, inSqlTransaction, recordAuditEvents, sql, translateDatabaseError } from './index';

/**
 * inSqlTransaction: a transaction without the ORM's unit of work, with inTransaction's
 * guarantees (statements under the call's deadline and cancelled with it, rollback on any
 * failure, UNKNOWN when the connection breaks during COMMIT).
 */
describe('inSqlTransaction', () => {
  const db = useTestDatabase();
  let orm: MikroORM;

  beforeAll(async () => {
    const Probe = defineEntity({ name: 'Probe', tableName: 'agents', properties: (p) => ({ id: p.uuid().primary() }) });
    orm = await createOrm({ url: db.urlAs('campaigns_svc'), entities: [Probe], poolMax: 2, applicationName: 'sql-transaction-test' });
  });

  afterAll(async () => {
    await orm.close();
  });

  const call = (deadlineMs?: number): CallContext => ({
    ...systemCall('test', 'sql-transaction'),
    ...(deadlineMs === undefined ? {} : { deadline: new Date(Date.now() + deadlineMs) }),
  });
  const insertAgent = (tx: Parameters<typeof sql>[0], name: string) =>
    sql(tx, "INSERT INTO agents (id, name, type, status) VALUES (?, ?, 'email', 'idle')", [randomUUID(), name]);
  const agents = async (name: string) => (await db.query<{ n: string }>('SELECT count(*) AS n FROM agents WHERE name = $1', [name]))[0].n;
  const sleepers = async () =>
    (await db.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'sql-transaction-test' AND query LIKE 'SELECT pg_sleep%' AND state = 'active'",
    ))[0].n;

  it('commits the statements of the work as one transaction, under the call deadline, and leaves the connection as it was', async () => {
    const seen = await inSqlTransaction(orm, call(60_000), async (tx) => {
      await insertAgent(tx, 'sql-tx-commit');
      const [row] = await sql<{ n: string; timeout: string; open: boolean }>(
        tx,
        "SELECT count(*) AS n, (SELECT setting FROM pg_settings WHERE name = 'statement_timeout') AS timeout, now() = statement_timestamp() AS open FROM agents WHERE name = ?",
        ['sql-tx-commit'],
      );
      return row;
    });
    expect(seen.n).toBe('1');
    // SET LOCAL statement_timeout went with BEGIN: the deadline's milliseconds, in this transaction only.
    expect(Number(seen.timeout)).toBeGreaterThan(55_000);
    expect(Number(seen.timeout)).toBeLessThanOrEqual(60_000);
    expect(seen.open).toBe(false); // now() is the transaction's start, so BEGIN came first
    expect(await agents('sql-tx-commit')).toBe('1');
    // Both connections of the pool: no transaction left open, the session's statement_timeout (createOrm's backstop) back.
    const after = await Promise.all(
      [0, 1].map(() => inSqlTransaction(orm, call(), (tx) => sql<{ timeout: string }>(tx, "SELECT current_setting('statement_timeout') AS timeout"))),
    );
    expect(after.map((rows) => rows[0].timeout)).toEqual(['5min', '5min']);
  });

  it('rolls back everything when the work fails, and the connection serves the next call', async () => {
    const failure = await inSqlTransaction(orm, call(60_000), async (tx) => {
      await insertAgent(tx, 'sql-tx-rollback');
      throw new Error('the work failed');
    }).catch((e: unknown) => e);
    expect((failure as Error).message).toBe('the work failed');
    expect(await agents('sql-tx-rollback')).toBe('0');

    const statementFailed = await inSqlTransaction(orm, call(60_000), async (tx) => {
      await insertAgent(tx, 'sql-tx-rollback');
      await sql(tx, 'SELECT 1/0');
    }).catch((e: unknown) => e);
    expect((statementFailed as { code?: string }).code).toBe('22012');
    expect(await agents('sql-tx-rollback')).toBe('0');
    expect(await inSqlTransaction(orm, call(), (tx) => sql<{ one: number }>(tx, 'SELECT 1 AS one'))).toEqual([{ one: 1 }]);
  });

  it('cuts a statement off at the deadline and rolls back', async () => {
    const started = Date.now();
    const error = await inSqlTransaction(orm, call(300), async (tx) => {
      await insertAgent(tx, 'sql-tx-deadline');
      await sql(tx, 'SELECT pg_sleep(5)');
    }).catch((e: unknown) => e);
    expect(translateDatabaseError(error)).toBeInstanceOf(DeadlineExceededError);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(await sleepers()).toBe('0');
    expect(await agents('sql-tx-deadline')).toBe('0');
  });

  it('cancels the running statement when a call that watches its work is cancelled', async () => {
    const watched = new Set<Cancellable>();
    let cancelled = false;
    const watching: CallContext = {
      ...call(60_000),
      watch: (work) => !cancelled && watched.add(work) !== undefined,
      unwatch: (work) => void watched.delete(work),
    };
    const running = inSqlTransaction(orm, watching, (tx) => sql(tx, 'SELECT pg_sleep(5)')).catch((e: unknown) => e);
    for (let i = 0; i < 100 && (await sleepers()) === '0'; i += 1) await new Promise((r) => setTimeout(r, 10));
    cancelled = true;
    for (const work of watched) work.cancel();
    expect(translateDatabaseError(await running)).toBeInstanceOf(DeadlineExceededError);
    expect(await sleepers()).toBe('0');
    expect(watched.size).toBe(0);
  });

  it('refuses to begin once the deadline has passed', async () => {
    const error = await inSqlTransaction(orm, call(-1), async () => 'ran').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
  });

  it('answers UNKNOWN when the connection breaks during COMMIT, and drops that connection', async () => {
    const error = await inSqlTransaction(orm, call(60_000), async (tx) => {
      await insertAgent(tx, 'sql-tx-unknown');
      const [{ pid }] = await sql<{ pid: number }>(tx, 'SELECT pg_backend_pid() AS pid');
      await db.query('SELECT pg_terminate_backend($1)', [pid]);
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownOutcomeError);
    // The pool does not hand out the dead connection again.
    for (let i = 0; i < 3; i += 1) {
      expect(await inSqlTransaction(orm, call(), (tx) => sql<{ one: number }>(tx, 'SELECT 1 AS one'))).toEqual([{ one: 1 }]);
    }
  });

  it('records audit events in the transaction, alone or as part of a larger statement', async () => {
    const event = (n: number) => ({ entityType: 'agent', entityId: randomUUID(), action: 'probed', actor: { type: 'system', id: 'test' } as const, details: { n } });
    const [id] = await inSqlTransaction(orm, call(), (tx) => recordAuditEvents(tx, [event(1)]));
    const [{ n }] = await inSqlTransaction(orm, call(), (tx) =>
      sql<{ n: string }>(tx, 'SELECT count(*) AS n FROM unnest(log_audit_events(?::jsonb))', [auditEventsPayload([event(2), event(3)])]),
    );
    expect(n).toBe('2');
    const rows = await db.query<{ action: string; details: { n: number } }>("SELECT action, details FROM audit_logs WHERE entity_type = 'agent' ORDER BY append_id");
    expect(rows.map((r) => r.details.n)).toEqual([1, 2, 3]);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });
});
