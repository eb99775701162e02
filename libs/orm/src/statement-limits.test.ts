import { defineEntity, type MikroORM } from '@mikro-orm/postgresql';
import { runInCall, systemCall, type CallContext, type Cancellable } from '@cec/context';
import { DeadlineExceededError } from '@cec/errors';
import { useTestDatabase } from '@cec/testing';
import { createOrm, inTransaction, sql, translateDatabaseError } from './index';

/**
 * Every statement runs under the call's deadline and is cancelled with the call: reads
 * through sql(), reads through the ORM outside a transaction, and statements of a
 * transaction. "Cancelled" means in the server: pg_stat_activity no longer shows it.
 */
describe('statement limits', () => {
  const db = useTestDatabase();
  let orm: MikroORM;

  beforeAll(async () => {
    // MikroORM wants one entity; these tests only send SQL.
    const Probe = defineEntity({ name: 'Probe', tableName: 'agents', properties: (p) => ({ id: p.uuid().primary() }) });
    orm = await createOrm({ url: db.urlAs('campaigns_svc'), entities: [Probe], poolMax: 4, applicationName: 'statement-limits-test' });
  });

  afterAll(async () => {
    await orm.close();
  });

  const withDeadline = (ms: number): CallContext => ({ ...systemCall('test', 'statement-limits'), deadline: new Date(Date.now() + ms) });
  const sleepers = async () =>
    (await db.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'statement-limits-test' AND query LIKE 'SELECT pg_sleep%' AND state = 'active'",
    ))[0].n;

  async function failure(work: Promise<unknown>): Promise<unknown> {
    return work.then(
      () => {
        throw new Error('expected the statement to be cut off');
      },
      (error: unknown) => error,
    );
  }

  it('cancels a read through sql() at the deadline', async () => {
    const started = Date.now();
    const error = await failure(runInCall(withDeadline(200), () => sql(orm.em.fork(), 'SELECT pg_sleep(5)')));
    expect(translateDatabaseError(error)).toBeInstanceOf(DeadlineExceededError);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(await sleepers()).toBe('0');
  });

  it('cancels an ORM read outside a transaction at the deadline', async () => {
    const em = orm.em.fork();
    const error = await failure(runInCall(withDeadline(200), () => em.getConnection().execute('SELECT pg_sleep(5)')));
    expect(translateDatabaseError(error)).toBeInstanceOf(DeadlineExceededError);
    expect(await sleepers()).toBe('0');
  });

  it('cancels a read at the deadline of a call that has a signal too (no timer of its own then)', async () => {
    const call = systemCall('test', 'statement-limits', { deadline: new Date(Date.now() + 200), signal: new AbortController().signal });
    const started = Date.now();
    const error = await failure(runInCall(call, () => sql(orm.em.fork(), 'SELECT pg_sleep(5)')));
    expect(translateDatabaseError(error)).toBeInstanceOf(DeadlineExceededError);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(await sleepers()).toBe('0');
  });

  it('cancels a running read when the call is cancelled', async () => {
    const cancelled = new AbortController();
    const call: CallContext = { ...systemCall('test', 'statement-limits'), signal: cancelled.signal };
    const running = failure(runInCall(call, () => sql(orm.em.fork(), 'SELECT pg_sleep(5)')));
    // Wait until the server runs it, then cancel the call.
    for (let i = 0; i < 100 && (await sleepers()) === '0'; i += 1) await new Promise((r) => setImmediate(r));
    cancelled.abort();
    expect(translateDatabaseError(await running)).toBeInstanceOf(DeadlineExceededError);
    expect(await sleepers()).toBe('0');
  });

  it('cancels a statement of a transaction when the call is cancelled', async () => {
    const cancelled = new AbortController();
    const call: CallContext = { ...systemCall('test', 'statement-limits'), signal: cancelled.signal };
    const running = failure(inTransaction(orm.em.fork(), call, (tx) => sql(tx, 'SELECT pg_sleep(5)')));
    for (let i = 0; i < 100 && (await sleepers()) === '0'; i += 1) await new Promise((r) => setImmediate(r));
    cancelled.abort();
    expect(translateDatabaseError(await running)).toBeInstanceOf(DeadlineExceededError);
    expect(await sleepers()).toBe('0');
  });

  /** A call that watches its work, as the gRPC layer's does (CallContext.watch). */
  function watchingCall() {
    const watched = new Set<Cancellable>();
    let cancelled = false;
    let signalsAskedFor = 0;
    const call: CallContext = {
      ...systemCall('test', 'statement-limits'),
      deadline: new Date(Date.now() + 60_000),
      // The gRPC layer's makes its signal when asked: a watched statement must not ask.
      get signal() {
        signalsAskedFor += 1;
        return new AbortController().signal;
      },
      watch: (work) => !cancelled && watched.add(work) !== undefined,
      unwatch: (work) => void watched.delete(work),
    };
    const cancel = (): void => {
      cancelled = true;
      for (const work of watched) work.cancel();
    };
    return { call, watched, cancel, signalsAskedFor: () => signalsAskedFor };
  }

  it('cancels a running read when a call that watches its statements is cancelled, and lets go of finished ones', async () => {
    const finished = watchingCall();
    expect(await runInCall(finished.call, () => sql<{ one: number }>(orm.em.fork(), 'SELECT 1 AS one'))).toEqual([{ one: 1 }]);
    expect(finished.watched.size).toBe(0);
    expect(finished.signalsAskedFor()).toBe(0);

    const { call, cancel } = watchingCall();
    const running = failure(runInCall(call, () => sql(orm.em.fork(), 'SELECT pg_sleep(5)')));
    for (let i = 0; i < 100 && (await sleepers()) === '0'; i += 1) await new Promise((r) => setImmediate(r));
    cancel();
    expect(translateDatabaseError(await running)).toBeInstanceOf(DeadlineExceededError);
    expect(await sleepers()).toBe('0');
    // Cancelled already: the next statement is not sent.
    expect(await failure(runInCall(call, () => sql(orm.em.fork(), 'SELECT 1')))).toBeInstanceOf(DeadlineExceededError);
  });

  it('refuses to start a statement once the deadline has passed', async () => {
    const error = await failure(runInCall(withDeadline(-1), () => sql(orm.em.fork(), 'SELECT 1')));
    expect(error).toBeInstanceOf(DeadlineExceededError);
  });

  it('leaves statements of calls that finish in time alone, and the pool usable', async () => {
    const rows = await runInCall(withDeadline(5_000), () => sql<{ one: number }>(orm.em.fork(), 'SELECT ?::int AS one', [1]));
    expect(rows).toEqual([{ one: 1 }]);
    const outside = await sql<{ two: number }>(orm.em.fork(), 'SELECT 2 AS two');
    expect(outside).toEqual([{ two: 2 }]);
  });
});
