import { MikroORM, type EntitySchema, type Options } from '@mikro-orm/postgresql';
import { Pool, type PoolClient, type PoolConfig } from 'pg';
import { underCallLimits, type CancellingClient } from './statement-limits';

export interface OrmOptions {
  /** postgres:// URL, with the service's own login role. */
  url: string;
  entities: EntitySchema[];
  /** Connections in the pool (default 10). */
  poolMax?: number;
  /** application_name seen in pg_stat_activity. */
  applicationName?: string;
  /**
   * The sessions' statement_timeout, a server-side backstop for statements that no call
   * limits (default 300000: 5 minutes; 0: none). A call's statements stop at its deadline
   * anyway (the client-side cancel; in a transaction `SET LOCAL statement_timeout`, which
   * overrides this): the backstop only ends a statement whose cancel never came (this process
   * died or hung, the cancel's connection failed) or one run for no call at all.
   */
  statementTimeoutMs?: number;
}

/** createOrm's default statement_timeout: far beyond any call's deadline. */
export const STATEMENT_TIMEOUT_BACKSTOP_MS = 300_000;

/**
 * MikroORM over tables that database/ migrations created: it never creates or alters
 * schema, never creates the database, and every connection works in UTC, so current_date
 * (due dates, days overdue) means the same day on every replica. Every session has a
 * statement_timeout backstop (OrmOptions.statementTimeoutMs), set with the connection's
 * startup options: no extra round trip.
 */
export async function createOrm(options: OrmOptions): Promise<MikroORM> {
  const poolMax = options.poolMax ?? 10;
  const statementTimeoutMs = Math.max(0, Math.floor(options.statementTimeoutMs ?? STATEMENT_TIMEOUT_BACKSTOP_MS));
  const config: Options = {
    clientUrl: options.url,
    entities: options.entities,
    ensureDatabase: false,
    allowGlobalContext: false,
    forceUtcTimezone: true,
    debug: false,
    pool: { min: 0, max: poolMax },
    driverOptions: {
      connection: { options: `-c TimeZone=UTC -c statement_timeout=${statementTimeoutMs}`, application_name: options.applicationName ?? 'client-escalation-calls' },
    },
    discovery: { warnWhenNoEntities: true },
  };
  const orm = await MikroORM.init(config);
  await connectionsFromPgPool(orm, poolMax);
  limitStatementsToTheCall(orm);
  return orm;
}

/** The knex client of MikroORM's connection, as far as this file uses it. */
interface KnexPgClient extends CancellingClient {
  connectionSettings: PoolConfig;
  pool?: { acquireTimeoutMillis?: number; idleTimeoutMillis?: number; destroy(): Promise<unknown> };
  acquireConnection(): Promise<PoolClient>;
  releaseConnection(connection: PoolClient): Promise<void>;
  destroy(callback?: unknown): Promise<unknown>;
  query(connection: unknown, query: unknown): Promise<unknown>;
}

/**
 * Every connection of the ORM comes from one pg Pool of `max` connections: MikroORM's
 * queries and transactions (knex asks its client's acquireConnection, a transaction once for
 * its whole life) and sql(). knex's own pool (tarn) is closed once MikroORM has checked the
 * connection with it. The pool is what every statement of every call goes through, and tarn
 * costs there: two pending operations per acquire, each with a timer and half a dozen
 * promises; pg's Pool hands over an idle connection with one (bench/README.md has the figures).
 *
 * Kept from knex's pool: the same connection settings (URL, role, time zone, MikroORM's type
 * parsers), at most `max` connections, idle ones closed after tarn's idle timeout, a wait for
 * a connection given up after knex's acquire timeout with knex's error (UNAVAILABLE), and a
 * connection that broke is not handed out again (pg's Pool drops it when it is released).
 */
async function connectionsFromPgPool(orm: MikroORM, max: number): Promise<void> {
  const client = orm.em.getConnection().getKnex().client as unknown as KnexPgClient;
  const tarn = client.pool;
  const pool = new Pool({
    ...client.connectionSettings,
    max,
    idleTimeoutMillis: tarn?.idleTimeoutMillis ?? 30_000,
    connectionTimeoutMillis: tarn?.acquireTimeoutMillis ?? 60_000,
  });
  // An idle connection that breaks is dropped by the pool; this only keeps the process alive.
  pool.on('error', () => undefined);
  // A checked-out connection that breaks fails its statement; without a listener its 'error'
  // event would end the process. The pool drops it when it is released.
  pool.on('connect', (connection) => connection.on('error', () => undefined));

  client.acquireConnection = () =>
    new Promise((resolve, reject) => {
      pool.connect((error, connection) => {
        if (!error) resolve(connection as PoolClient);
        else if (/timeout exceeded when trying to connect/.test(error.message)) reject(acquireTimeout());
        else reject(error);
      });
    });
  client.releaseConnection = (connection) => {
    connection.release();
    return Promise.resolve();
  };
  const destroy = client.destroy.bind(client);
  client.destroy = async (callback) => {
    await pool.end();
    return destroy(callback);
  };
  client.pool = undefined;
  await tarn?.destroy();
}

/** knex's error for a wait for a connection that took too long (translateDatabaseError: UNAVAILABLE). */
function acquireTimeout(): Error {
  const error = new Error('Knex: Timeout acquiring a connection. The pool is probably full.');
  error.name = 'KnexTimeoutError';
  return error;
}

/**
 * Every statement the ORM sends on its pool (reads by `em.find…` outside a transaction
 * included) runs under the current call's deadline and is cancelled with the call. Knex
 * sends every statement through its client's query(); a transaction's statements go through
 * a client of the transaction's own, which inTransaction() limits instead (SET LOCAL
 * statement_timeout, and a cancel when the call is cancelled). sql() limits its own.
 */
function limitStatementsToTheCall(orm: MikroORM): void {
  const client = orm.em.getConnection().getKnex().client as unknown as KnexPgClient;
  const query = client.query.bind(client);
  client.query = (connection, statement) => underCallLimits(client, connection, () => query(connection, statement));
}
