import { AsyncLocalStorage } from 'node:async_hooks';
import type { CallContext } from './call-context';

const storage = new AsyncLocalStorage<CallContext>();

/**
 * The call the running code works for, if any. The gRPC layer sets it for each incoming RPC;
 * the database layer reads it so that every statement runs under the call's deadline and is
 * cancelled with the call, without every query having to be handed the context.
 */
export function currentCall<C extends CallContext = CallContext>(): C | undefined {
  return storage.getStore() as C | undefined;
}

export function runInCall<T>(call: CallContext, work: () => T): T {
  return storage.run(call, work);
}
