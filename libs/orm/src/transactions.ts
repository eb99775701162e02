import type { EntityManager } from '@mikro-orm/postgresql';
import { runInCall, type CallContext } from '@cec/context';
import { DeadlineExceededError, UnknownOutcomeError } from '@cec/errors';
import { sql } from './sql';
import { underCallLimits, type CancellingClient } from './statement-limits';
import { isConnectionLost } from './translate-database-error';

interface TransactionClient extends CancellingClient {
  acquireConnection(): Promise<unknown>;
}

/**
 * Runs `work` in one transaction on a fork of `em`, for `call`:
 * - no statement of the transaction, the ORM's own included, runs past the call's deadline
 *   (SET LOCAL statement_timeout), and cancelling the call cancels the statement running;
 * - `work`'s changes are flushed before COMMIT. When the connection breaks after that point
 *   nobody knows whether COMMIT happened: the call fails with UnknownOutcomeError (gRPC
 *   UNKNOWN, never retried automatically), not with a retryable UNAVAILABLE. A connection
 *   lost earlier rolled the transaction back, and stays UNAVAILABLE.
 */
export async function inTransaction<T>(em: EntityManager, call: CallContext, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  let committing = false;
  try {
    return await runInCall(call, () =>
      em.transactional(async (tx) => {
        await applyDeadline(tx, call.deadline);
        const client = tx.getTransactionContext<{ client: TransactionClient }>()?.client as TransactionClient;
        const connection = await client.acquireConnection();
        const result = await underCallLimits(client, connection, async () => {
          const value = await work(tx as EntityManager);
          await tx.flush();
          return value;
        });
        committing = true;
        return result;
      }),
    );
  } catch (error) {
    if (committing && isConnectionLost(error)) {
      throw new UnknownOutcomeError(
        'the connection to the database broke while the change was being committed: it may or may not have been saved. ' +
          'Retry with the same request_id (a retry returns the first result), or read the resource to see',
      );
    }
    throw error;
  }
}

export async function applyDeadline(em: EntityManager, deadline: Date | undefined): Promise<void> {
  if (!deadline) return;
  const ms = deadline.getTime() - Date.now();
  if (ms <= 0) throw new DeadlineExceededError('the call deadline passed before the database was asked');
  await sql(em, `SET LOCAL statement_timeout = ${Math.ceil(ms)}`);
}

/** Throws unless the database answers `SELECT 1`. For readiness checks. */
export async function pingDatabase(em: EntityManager): Promise<void> {
  await sql(em, 'SELECT 1');
}
