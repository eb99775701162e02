import type { MikroORM } from '@mikro-orm/postgresql';
import { currentCall, runInCall, type CallContext } from '@cec/context';
import { DeadlineExceededError, UnknownOutcomeError } from '@cec/errors';
import { limitStatement, type CancellingClient, type StatementLimit } from './statement-limits';
import { isConnectionLost } from './translate-database-error';

/** What sql() and a plain transaction need of a knex client (the pool's, or a transaction's, which always hands out its own connection). */
export interface KnexClient extends CancellingClient {
  acquireConnection(): Promise<PgConnection>;
  /** Never rejects (knex's and createOrm's both resolve at once): not awaited. */
  releaseConnection(connection: PgConnection): Promise<unknown>;
}

/** A pg Client, as far as sql() uses it. */
export interface PgConnection {
  query(text: string, values: readonly unknown[], callback: (error: Error | null, result: { rows: unknown[] }) => void): void;
  /** pg Pool's: with an error, the pool closes the connection instead of keeping it. */
  release?(error?: Error | boolean): void;
}

/** The statement on the connection (pg's callback form: its promise form makes two promises per statement). */
export function query(connection: PgConnection, text: string, values: readonly unknown[]): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    connection.query(text, values, (error, result) => (error ? reject(error) : resolve(result.rows)));
  });
}

/**
 * One transaction on one connection of the ORM's pool, without the ORM: for hot paths that
 * only send SQL (through sql(), which accepts it where it accepts an EntityManager). Made by
 * inSqlTransaction(), which begins, commits or rolls it back.
 */
export class SqlTransaction {
  /** @internal */
  constructor(
    readonly client: KnexClient,
    readonly connection: PgConnection,
    readonly call: CallContext,
  ) {}

  /**
   * Runs one statement (`$n` placeholders) in the transaction, under the call's deadline and
   * cancelled with the call (statement-limits.ts), as sql() does for an EntityManager.
   */
  async run(text: string, params: readonly unknown[]): Promise<unknown[]> {
    const limit: StatementLimit | undefined = limitStatement(this.client, this.connection, this.call);
    try {
      return await query(this.connection, text, params);
    } finally {
      // A cancel sent runs before the next statement is sent on the connection.
      const cancelling = limit?.end();
      if (cancelling) await cancelling;
    }
  }
}

/**
 * Runs `work` in one transaction on a connection of `orm`'s pool, for `call`, with the same
 * guarantees as inTransaction() and without MikroORM's unit of work (no entity manager fork,
 * knex transactor or flush): for work that only sends SQL, through sql(tx, …).
 * - No statement of the transaction runs past the call's deadline: `SET LOCAL
 *   statement_timeout` goes with BEGIN, in the same round trip, and every statement through
 *   sql() is cancelled in the server when the call is cancelled or its deadline passes.
 * - Any failure rolls the transaction back; a connection whose ROLLBACK failed is closed,
 *   not handed out again.
 * - When the connection breaks during COMMIT nobody knows whether it happened: the call fails
 *   with UnknownOutcomeError (gRPC UNKNOWN, never retried automatically). A connection lost
 *   earlier rolled the transaction back, and stays UNAVAILABLE (translateDatabaseError).
 */
export async function inSqlTransaction<T>(orm: MikroORM, call: CallContext, work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
  const begin = beginStatement(call.deadline);
  const client = orm.em.getConnection().getKnex().client as unknown as KnexClient;
  const connection = await client.acquireConnection();
  const tx = new SqlTransaction(client, connection, call);
  let committing = false;
  let broken: Error | undefined;
  try {
    await tx.run(begin, NO_PARAMS);
    // Code that reads the current call (an ORM statement, an outgoing call) sees this one.
    const result = currentCall() === call ? await work(tx) : await runInCall(call, () => work(tx));
    committing = true;
    // Not cancelled with the call: once COMMIT is sent, its outcome is what it is.
    await query(connection, 'COMMIT', NO_PARAMS);
    return result;
  } catch (error) {
    if (committing) {
      if (isConnectionLost(error)) {
        broken = error as Error;
        throw new UnknownOutcomeError(
          'the connection to the database broke while the change was being committed: it may or may not have been saved. ' +
            'Retry with the same request_id (a retry returns the first result), or read the resource to see',
        );
      }
      throw error;
    }
    // BEGIN may have run even when its answer did not arrive: roll back whatever is open.
    await query(connection, 'ROLLBACK', NO_PARAMS).catch((rollbackFailed: Error) => {
      broken = rollbackFailed;
    });
    throw error;
  } finally {
    if (broken !== undefined && connection.release) connection.release(broken);
    else void client.releaseConnection(connection);
  }
}

const NO_PARAMS: readonly unknown[] = [];

/** BEGIN, and the deadline for every statement after it, as one simple-protocol round trip. */
function beginStatement(deadline: Date | undefined): string {
  if (!deadline) return 'BEGIN';
  const ms = deadline.getTime() - Date.now();
  if (ms <= 0) throw new DeadlineExceededError('the call deadline passed before the database was asked');
  return `BEGIN; SET LOCAL statement_timeout = ${Math.ceil(ms)}`;
}
