import { defineEntity, type MikroORM } from '@mikro-orm/postgresql';
import { AbortedError, AlreadyExistsError, DeadlineExceededError, UnavailableError } from '@cec/errors';
import { systemCall } from '@cec/context';
import { useTestDatabase } from '@cec/testing';
import { createOrm, inTransaction, pingDatabase, translateDatabaseError } from './index';

// A minimal mapping of one migrated table, enough to exercise the library.
const Agent = defineEntity({
  name: 'Agent',
  tableName: 'agents',
  properties: (p) => ({
    id: p.uuid().primary(),
    name: p.string(),
    type: p.string(),
    status: p.string(),
  }),
});

const call = systemCall('orm.test', 'orm-test');

describe('orm', () => {
  const db = useTestDatabase();
  let orm: MikroORM;

  beforeAll(async () => {
    orm = await createOrm({ url: db.urlAs('campaigns_svc'), entities: [Agent], poolMax: 4 });
  });

  afterAll(async () => {
    await orm.close();
  });

  it('connects as the service role, in UTC', async () => {
    const [row] = await orm.em.fork().getConnection().execute("SELECT current_user AS who, current_setting('TimeZone') AS tz");
    expect(row).toEqual({ who: 'campaigns_svc', tz: 'UTC' });
    await expect(pingDatabase(orm.em.fork())).resolves.toBeUndefined();
  });

  it('maps a duplicate to ALREADY_EXISTS naming the constraint, not the values', async () => {
    const em = orm.em.fork();
    await em.insert(Agent, { id: '6f1c0a52-98a5-4b59-8f0c-111111111111', name: 'dup-agent', type: 'email', status: 'idle' });
    const error = await em
      .insert(Agent, { id: '6f1c0a52-98a5-4b59-8f0c-222222222222', name: 'dup-agent', type: 'email', status: 'idle' })
      .catch((e: unknown) => e);
    const translated = translateDatabaseError(error);
    expect(translated).toBeInstanceOf(AlreadyExistsError);
    expect(translated?.message).toBe('a record with the same unique value already exists (agents_name_key)');
  });

  it('cuts a statement off at the call deadline', async () => {
    const error = await inTransaction(orm.em.fork(), { ...call, deadline: new Date(Date.now() + 150) }, (tx) =>
      tx.getConnection().execute('SELECT pg_sleep(3)', [], 'all', tx.getTransactionContext()),
    ).catch((e: unknown) => e);
    expect(translateDatabaseError(error)).toBeInstanceOf(DeadlineExceededError);
  });

  it('maps a serialization failure to ABORTED', async () => {
    const a = orm.em.fork();
    const b = orm.em.fork();
    await a.insert(Agent, { id: '6f1c0a52-98a5-4b59-8f0c-333333333333', name: 'ser-agent', type: 'sms', status: 'idle' });
    const update = (em: typeof a, status: string) =>
      em.transactional(
        async (tx) => {
          await tx.getConnection().execute("SELECT status FROM agents WHERE name = 'ser-agent'", [], 'all', tx.getTransactionContext());
          await new Promise((r) => setTimeout(r, 100));
          await tx.getConnection().execute(`UPDATE agents SET status = '${status}' WHERE name = 'ser-agent'`, [], 'run', tx.getTransactionContext());
        },
        { isolationLevel: 'serializable' as never },
      );
    const results = await Promise.allSettled([update(a, 'busy'), update(b, 'error')]);
    const failure = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(failure).toBeDefined();
    expect(translateDatabaseError(failure.reason)).toBeInstanceOf(AbortedError);
  });

  it('maps an unreachable database to UNAVAILABLE', async () => {
    const broken = await createOrm({ url: 'postgres://campaigns_svc@127.0.0.1:1/nowhere', entities: [Agent] }).catch((e: unknown) => e);
    const error =
      broken instanceof Error ? broken : await pingDatabase((broken as MikroORM).em.fork()).catch((e: unknown) => e);
    expect(translateDatabaseError(error)).toBeInstanceOf(UnavailableError);
    if (!(broken instanceof Error)) await (broken as MikroORM).close();
  });
});
