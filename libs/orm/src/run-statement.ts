import type { MikroORM } from '@mikro-orm/postgresql';
import type { CallContext } from '@cec/context';
import { DeadlineExceededError, UnknownOutcomeError } from '@cec/errors';
import { limitStatement, type StatementLimit } from './statement-limits';
import type { KnexClient, PgConnection } from './sql-transaction';
import { isConnectionLost } from './translate-database-error';

export interface StatementOptions {
  /**
   * The statement changes nothing (a plain SELECT): a connection lost while it ran is
   * UNAVAILABLE (retryable), not UNKNOWN. Default false: treated as a write.
   */
  readOnly?: boolean;
}

/**
 * Runs ONE statement (`$n` placeholders, bind values) on its own, in autocommit, on a
 * connection of `orm`'s pool, for `call`, and returns its rows: one round trip where
 * inSqlTransaction takes three (BEGIN with the deadline, the statement, COMMIT). For hot
 * paths whose whole change is a single statement (CTEs included).
 *
 * Why it is safe for one statement only: PostgreSQL runs a statement sent outside a
 * transaction block as a transaction of its own, committed when it ends, so the statement is
 * all or nothing, its row locks are held until it ends, and an error answer means nothing
 * was stored — exactly what a transaction around it gives. Two statements would each commit
 * on their own. The statement is sent with the extended protocol, which the server refuses
 * for several statements in one text; statements that open or end a transaction or change the
 * session's settings (BEGIN, COMMIT, SET, …) are refused here, since they would outlive the call
 * on a pooled connection.
 *
 * The guarantees every statement of the platform has:
 * - It runs under the call's deadline and is cancelled with the call: the client-side cancel
 *   of statement-limits.ts (pg_cancel_backend when the deadline passes or the caller
 *   cancels), as sql() does; a call already cut off is refused before a connection is taken.
 *   The cancel is sent before the connection goes back to the pool.
 * - Database errors are thrown as the driver reports them, for the service's error
 *   translation (translateDatabaseError: a cancelled statement DEADLINE_EXCEEDED, a lost
 *   connection UNAVAILABLE, a conflict ABORTED, a unique violation ALREADY_EXISTS, …), as
 *   sql() and inSqlTransaction do.
 * - A connection lost while a write ran: the statement may have committed before the
 *   connection broke, or not (the answer never came): UnknownOutcomeError (gRPC UNKNOWN, never
 *   retried automatically; the caller retries with its request_id or reads to see), and the
 *   connection is dropped from the pool. A read (readOnly) stays UNAVAILABLE.
 *
 * What it gives up against inSqlTransaction: the server-side deadline (`SET LOCAL
 * statement_timeout`, which needs a transaction block). Only the client-side cancel stops the
 * statement at the deadline, and it needs this process alive, its event loop free enough to
 * send the cancel on time, and a connection to the server to send it on. The pool's sessions
 * carry a server-side backstop for those cases (createOrm's statementTimeoutMs, 5 minutes by
 * default): far beyond any call's deadline, it only ends a statement nobody is waiting for.
 */
export async function runStatement<Row = Record<string, unknown>>(
  orm: MikroORM,
  call: CallContext,
  text: string,
  params: readonly unknown[] = [],
  options: StatementOptions = {},
): Promise<Row[]> {
  if (SESSION_CHANGING.test(text)) throw new Error(`runStatement runs one self-contained statement, not ${text.trim().split(/\s/)[0]}: use inSqlTransaction`);
  if (call.deadline !== undefined && call.deadline.getTime() <= Date.now()) {
    throw new DeadlineExceededError('the call deadline passed before the database was asked');
  }
  const client = orm.em.getConnection().getKnex().client as unknown as KnexClient;
  const connection = (await client.acquireConnection()) as PgConnection & ExtendedQuery;
  let limit: StatementLimit | undefined;
  let broken: Error | undefined;
  try {
    // Throws DeadlineExceededError when the call ended while it waited for the connection.
    limit = limitStatement(client, connection, call);
    return (await extendedQuery(connection, text, params)) as Row[];
  } catch (error) {
    if (!isConnectionLost(error)) throw error;
    broken = error as Error;
    if (options.readOnly) throw error;
    throw new UnknownOutcomeError(
      'the connection to the database broke while the change was being made: it may or may not have been saved. ' +
        'Retry with the same request_id (a retry returns the first result), or read the resource to see',
    );
  } finally {
    // A cancel sent runs before the connection goes back to the pool (statement-limits.ts).
    const cancelling = limit?.end();
    if (cancelling) await cancelling;
    if (broken !== undefined && connection.release) connection.release(broken);
    else void client.releaseConnection(connection);
  }
}

/** Statements that open or end a transaction or change the session: they would outlive the call on a pooled connection. */
const SESSION_CHANGING = /^\s*(begin|start|commit|end|rollback|abort|savepoint|release|prepare\s+transaction|set|reset|discard)\b/i;

/** pg's Client.query with a query config (queryMode: 'extended' even without parameters: one statement only). */
interface ExtendedQuery {
  query(config: { text: string; values: readonly unknown[]; queryMode: 'extended' }, callback: (error: Error | null, result: { rows: unknown[] }) => void): void;
}

function extendedQuery(connection: ExtendedQuery, text: string, values: readonly unknown[]): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    connection.query({ text, values, queryMode: 'extended' }, (error, result) => (error ? reject(error) : resolve(result.rows)));
  });
}
