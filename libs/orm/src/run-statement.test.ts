import { randomUUID } from 'node:crypto';
import { defineEntity, type MikroORM } from '@mikro-orm/postgresql';
import { systemCall, type CallContext, type Cancellable } from '@cec/context';
import { AbortedError, AlreadyExistsError, DeadlineExceededError, FailedPreconditionError, UnavailableError, UnknownOutcomeError } from '@cec/errors';
import { useTestDatabase } from '@cec/testing';
import { createOrm, inSqlTransaction, runStatement, sql, translateDatabaseError } from './index';

/**
 * runStatement: one statement in autocommit (one round trip), with the guarantees of every
 * statement of the platform: under the call's deadline and cancelled with it, errors left for
 * translateDatabaseError, UNKNOWN when the connection breaks during a write.
 */
describe('runStatement', () => {
  const db = useTestDatabase();
  const APP = 'run-statement-test';
  const Probe = defineEntity({ name: 'Probe', tableName: 'agents', properties: (p) => ({ id: p.uuid().primary() }) });
  let orm: MikroORM;

  beforeAll(async () => {
    orm = await createOrm({ url: db.urlAs('campaigns_svc'), entities: [Probe], poolMax: 2, applicationName: APP });
  });

  afterAll(async () => {
    await orm.close();
  });

  const call = (deadlineMs?: number): CallContext => ({
    ...systemCall('test', 'run-statement'),
    ...(deadlineMs === undefined ? {} : { deadline: new Date(Date.now() + deadlineMs) }),
  });
  const INSERT_AGENT = "INSERT INTO agents (id, name, type, status) VALUES ($1, $2, 'email', 'idle') RETURNING name";
  const agents = async (name: string) => (await db.query<{ n: string }>('SELECT count(*) AS n FROM agents WHERE name = $1', [name]))[0].n;
  const running = async (like: string) =>
    db.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query LIKE $2 AND state = 'active'", [APP, like]);
  const untilRunning = async (like: string) => {
    for (let i = 0; i < 200; i += 1) {
      const rows = await running(like);
      if (rows.length) return rows[0].pid;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no statement like ${like} started`);
  };
  const failure = (work: Promise<unknown>) => work.then(() => undefined, (e: unknown) => e);
  /** No session of the pool left in a transaction block, and every connection (2) answers. */
  const poolIsClean = async () => {
    const open = await db.query("SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND state LIKE 'idle in transaction%'", [APP]);
    expect(open).toEqual([]);
    const rows = await Promise.all([0, 1].map(() => runStatement<{ one: number }>(orm, call(), 'SELECT 1 AS one')));
    expect(rows).toEqual([[{ one: 1 }], [{ one: 1 }]]);
  };

  it('runs the statement as a transaction of its own (committed when it ends), in one round trip', async () => {
    const rows = await runStatement<{ name: string }>(orm, call(60_000), INSERT_AGENT, [randomUUID(), 'run-stmt-commit']);
    expect(rows).toEqual([{ name: 'run-stmt-commit' }]);
    expect(await agents('run-stmt-commit')).toBe('1');
    // Committed as it ended: no transaction block left open on the connection.
    await poolIsClean();
    // No server-side deadline of the call (no transaction block for SET LOCAL): the session's backstop.
    const [{ timeout }] = await runStatement<{ timeout: string }>(orm, call(60_000), "SELECT current_setting('statement_timeout') AS timeout");
    expect(timeout).toBe('5min');
  });

  it('is all or nothing: a statement that fails half way stores nothing', async () => {
    const error = await failure(
      runStatement(orm, call(60_000), "INSERT INTO agents (name, type, status) VALUES ('run-stmt-half', 'email', 'idle'), ('run-stmt-half', 'email', 'idle')"),
    );
    expect(translateDatabaseError(error)).toBeInstanceOf(AlreadyExistsError);
    expect(await agents('run-stmt-half')).toBe('0');
  });

  it('cuts a slow statement off in the server at the deadline, and stores nothing', async () => {
    const started = Date.now();
    const error = await failure(
      runStatement(orm, call(300), "INSERT INTO agents (name, type, status) SELECT 'run-stmt-deadline', 'email', 'idle' FROM pg_sleep(5)"),
    );
    expect(translateDatabaseError(error)).toBeInstanceOf(DeadlineExceededError);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(await running('%run-stmt-deadline%')).toEqual([]);
    expect(await agents('run-stmt-deadline')).toBe('0');
    await poolIsClean();
  });

  it('cancels the running statement when a call that watches its work is cancelled', async () => {
    const watched = new Set<Cancellable>();
    let cancelled = false;
    const watching: CallContext = {
      ...call(60_000),
      watch: (work) => !cancelled && watched.add(work) !== undefined,
      unwatch: (work) => void watched.delete(work),
    };
    const statement = failure(runStatement(orm, watching, 'SELECT pg_sleep(5) AS watched', [], { readOnly: true }));
    await untilRunning('%AS watched%');
    cancelled = true;
    for (const work of watched) work.cancel();
    expect(translateDatabaseError(await statement)).toBeInstanceOf(DeadlineExceededError);
    expect(await running('%AS watched%')).toEqual([]);
    expect(watched.size).toBe(0);
  });

  it('refuses a call whose deadline passed, and stores nothing', async () => {
    await expect(runStatement(orm, call(-1), INSERT_AGENT, [randomUUID(), 'run-stmt-late'])).rejects.toBeInstanceOf(DeadlineExceededError);
    expect(await agents('run-stmt-late')).toBe('0');
  });

  it('answers UNKNOWN when the connection breaks during a write, and drops that connection', async () => {
    const write = failure(
      runStatement(orm, call(60_000), "INSERT INTO agents (name, type, status) SELECT 'run-stmt-unknown', 'email', 'idle' FROM pg_sleep(5)"),
    );
    const pid = await untilRunning('%run-stmt-unknown%');
    await db.query('SELECT pg_terminate_backend($1)', [pid]);
    const error = await write;
    expect(error).toBeInstanceOf(UnknownOutcomeError);
    expect((error as Error).message).toMatch(/may or may not have been saved/);
    // The pool does not hand out the dead connection again.
    for (let i = 0; i < 3; i += 1) await poolIsClean();
  });

  it('leaves a read whose connection breaks UNAVAILABLE (retryable), not UNKNOWN', async () => {
    const read = failure(runStatement(orm, call(60_000), 'SELECT pg_sleep(5) AS lost_read', [], { readOnly: true }));
    await db.query('SELECT pg_terminate_backend($1)', [await untilRunning('%AS lost_read%')]);
    const error = await read;
    expect(error).not.toBeInstanceOf(UnknownOutcomeError);
    expect(translateDatabaseError(error)).toBeInstanceOf(UnavailableError);
    await poolIsClean();
  });

  it('throws database errors as the driver reports them, for translateDatabaseError', async () => {
    const [{ name }] = await runStatement<{ name: string }>(orm, call(), INSERT_AGENT, [randomUUID(), 'run-stmt-errors']);
    const duplicate = await failure(runStatement(orm, call(), INSERT_AGENT, [randomUUID(), name]));
    expect(translateDatabaseError(duplicate)).toEqual(new AlreadyExistsError('a record with the same unique value already exists (agents_name_key)'));
    const check = await failure(runStatement(orm, call(), "UPDATE agents SET max_concurrent_tasks = 0 WHERE name = 'run-stmt-errors'"));
    expect(translateDatabaseError(check)).toBeInstanceOf(FailedPreconditionError);
    // A row another transaction holds, asked for with NOWAIT: a conflict, ABORTED (retry).
    const conflict = await inSqlTransaction(orm, call(), async (tx) => {
      await sql(tx, "SELECT 1 FROM agents WHERE name = 'run-stmt-errors' FOR UPDATE");
      return failure(runStatement(orm, call(), "SELECT 1 FROM agents WHERE name = 'run-stmt-errors' FOR UPDATE NOWAIT"));
    });
    expect(translateDatabaseError(conflict)).toBeInstanceOf(AbortedError);
    const division = await failure(runStatement(orm, call(), 'SELECT 1/0'));
    expect((division as { code?: string }).code).toBe('22012');
    expect(translateDatabaseError(division)).toBeUndefined(); // left for INTERNAL
    expect(await agents('run-stmt-errors')).toBe('1');
  });

  it('runs one statement only: several are refused by the server, transaction and session statements before sending', async () => {
    const several = await failure(
      runStatement(orm, call(), "INSERT INTO agents (name, type, status) VALUES ('run-stmt-two', 'email', 'idle'); SELECT 1"),
    );
    expect((several as { code?: string }).code).toBe('42601'); // cannot insert multiple commands into a prepared statement
    expect(await agents('run-stmt-two')).toBe('0');
    for (const text of ['BEGIN', ' start transaction', 'COMMIT', 'SET statement_timeout = 0', 'reset all', 'SAVEPOINT a']) {
      await expect(runStatement(orm, call(), text)).rejects.toThrow(/one self-contained statement/);
    }
    await poolIsClean();
  });

  it("ends a statement that no call limits at the pool's statement_timeout backstop", async () => {
    const short = await createOrm({ url: db.urlAs('campaigns_svc'), entities: [Probe], poolMax: 1, applicationName: APP, statementTimeoutMs: 200 });
    try {
      const started = Date.now();
      const error = await failure(runStatement(short, call(), 'SELECT pg_sleep(5) AS unlimited', [], { readOnly: true }));
      expect((error as { code?: string }).code).toBe('57014');
      expect(Date.now() - started).toBeLessThan(4_000);
    } finally {
      await short.close();
    }
  });
});
