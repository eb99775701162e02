import { currentCall, runInCall, type CallContext } from '@cec/context';
import type { Logger } from '@cec/observability';

/** The call context of an incoming RPC, with a logger that adds the request id to every line. */
export interface RpcContext extends CallContext {
  /** Aborted when the caller cancels the call. */
  signal: AbortSignal;
  logger: Logger;
}

/** The context of the RPC this code runs for, if any. */
export function currentRpcContext(): RpcContext | undefined {
  const call = currentCall<RpcContext>();
  return call && 'logger' in call ? call : undefined;
}

export function runInRpcContext<T>(context: RpcContext, work: () => T): T {
  return runInCall(context, work);
}
