import { currentCall } from '@cec/context';
import { DeadlineExceededError } from '@cec/errors';

/** The parts of a knex client this file uses (knex's pg dialect has both). */
export interface CancellingClient {
  /** Sends pg_cancel_backend for the connection's backend, over a connection of its own. */
  cancelQuery(connection: unknown): Promise<unknown>;
}

/**
 * Runs `work` on `connection` under the current call's deadline and cancellation: when the
 * deadline passes or the caller cancels, the running statement is cancelled in the server
 * (pg_cancel_backend), so nobody's abandoned query keeps running. Costs nothing on the way
 * when the call finishes in time: no extra round trip, one timer and one abort listener.
 *
 * The cancel is never sent after `work` settled: the connection may by then serve another
 * caller, whose statement it would cancel.
 */
export async function underCallLimits<T>(client: CancellingClient, connection: unknown, work: () => Promise<T>): Promise<T> {
  const call = currentCall();
  const deadline = call?.deadline;
  const signal = call?.signal;
  if (deadline === undefined && signal === undefined) return work();
  const ms = deadline === undefined ? undefined : deadline.getTime() - Date.now();
  if ((ms !== undefined && ms <= 0) || signal?.aborted) {
    throw new DeadlineExceededError('the call was cancelled or its deadline passed before the database was asked');
  }
  const limit = new StatementLimit(client, connection, ms, signal);
  try {
    return await work();
  } finally {
    limit.end();
    if (limit.cancelling) await limit.cancelling;
  }
}

/**
 * The timer and the abort listener of one running statement. Every statement of every call
 * pays for it, so it is one object (its own abort listener, the timer's argument) rather
 * than closures.
 */
class StatementLimit {
  /** The cancel sent, if one was: the connection is not released before it has run. */
  cancelling: Promise<unknown> | undefined;
  private settled = false;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: CancellingClient,
    private readonly connection: unknown,
    ms: number | undefined,
    private readonly signal: AbortSignal | undefined,
  ) {
    if (ms !== undefined) this.timer = setTimeout(cancelStatement, ms, this);
    signal?.addEventListener('abort', this);
  }

  /** The abort listener (EventTarget calls handleEvent of a listener object). */
  handleEvent(): void {
    this.cancel();
  }

  cancel(): void {
    if (this.settled || this.cancelling) return;
    this.cancelling = this.client.cancelQuery(this.connection).catch(() => undefined);
  }

  /** The statement settled: from now on nothing is cancelled. */
  end(): void {
    this.settled = true;
    if (this.timer) clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this);
  }
}

function cancelStatement(limit: StatementLimit): void {
  limit.cancel();
}
