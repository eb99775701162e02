import { currentCall, type CallContext, type Cancellable } from '@cec/context';
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
 * when the call finishes in time: no extra round trip, no timer for a gRPC call (see
 * limitStatement).
 *
 * The cancel is never sent after `work` settled: the connection may by then serve another
 * caller, whose statement it would cancel.
 */
export async function underCallLimits<T>(client: CancellingClient, connection: unknown, work: () => Promise<T>): Promise<T> {
  const limit = limitStatement(client, connection);
  if (!limit) return work();
  try {
    return await work();
  } finally {
    await limit.end();
  }
}

/**
 * The limit of one statement about to run on `connection` for `call` (default: the current
 * call); undefined when it runs for no call, or for a call with neither deadline nor cancellation. Throws
 * DeadlineExceededError when the call was cancelled or its deadline passed already. Once the
 * statement settled, await end() before the connection is released.
 *
 * How the statement hears of the end of the call, cheapest first (CallContext):
 * - the call watches it (a gRPC call: told when the caller cancels and, by grpc-js's deadline
 *   timer, when the deadline passes);
 * - else a listener on the call's signal, which is aborted at the deadline too;
 * - else, for a deadline alone, a timer.
 */
export function limitStatement(client: CancellingClient, connection: unknown, call: CallContext | undefined = currentCall()): StatementLimit | undefined {
  if (call === undefined) return undefined;
  const deadline = call.deadline;
  if (deadline !== undefined && deadline.getTime() <= Date.now()) throw cutOff();
  if (call.watch) {
    const limit = new StatementLimit(client, connection);
    if (!call.watch(limit)) throw cutOff();
    limit.watchedBy = call;
    return limit;
  }
  // Read only now: the gRPC layer's context makes its signal when asked for it.
  const signal = call.signal;
  if (signal) {
    if (signal.aborted) throw cutOff();
    const limit = new StatementLimit(client, connection);
    limit.signal = signal;
    signal.addEventListener('abort', limit);
    return limit;
  }
  if (deadline === undefined) return undefined;
  const limit = new StatementLimit(client, connection);
  limit.timer = setTimeout(cancelStatement, deadline.getTime() - Date.now(), limit);
  return limit;
}

const cutOff = (): DeadlineExceededError =>
  new DeadlineExceededError('the call was cancelled or its deadline passed before the database was asked');

/**
 * One running statement, as its call sees it: what cancels it, and how it is told (one of
 * the three). Every statement of every call makes one, so it is one object (the watched
 * work, the abort listener, the timer's argument) rather than closures.
 */
export class StatementLimit implements Cancellable {
  watchedBy: CallContext | undefined;
  signal: AbortSignal | undefined;
  timer: NodeJS.Timeout | undefined;
  /** The cancel sent, if one was: the connection is not released before it has run. */
  private cancelling: Promise<unknown> | undefined;
  private settled = false;

  constructor(
    private readonly client: CancellingClient,
    private readonly connection: unknown,
  ) {}

  cancel(): void {
    if (this.settled || this.cancelling) return;
    this.cancelling = this.client.cancelQuery(this.connection).catch(() => undefined);
  }

  /** The abort listener (EventTarget calls handleEvent of a listener object). */
  handleEvent(): void {
    this.cancel();
  }

  /** The statement settled: from now on nothing is cancelled. Resolves once a cancel sent has run. */
  end(): Promise<unknown> | undefined {
    this.settled = true;
    this.watchedBy?.unwatch?.(this);
    this.signal?.removeEventListener('abort', this);
    if (this.timer) clearTimeout(this.timer);
    return this.cancelling;
  }
}

function cancelStatement(limit: StatementLimit): void {
  limit.cancel();
}
