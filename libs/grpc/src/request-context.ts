import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from '@cec/observability';

/** Who caused a change, as the audit trail records it. */
export interface Actor {
  type: 'user' | 'service' | 'agent' | 'system';
  id: string;
}

/** Everything about the RPC being served that code deeper down may need. */
export interface RpcContext {
  /** x-request-id of the call (taken from the caller, or made up), echoed in the response. */
  requestId: string;
  /** The caller's deadline, if it set one; propagated to outgoing calls and database statements. */
  deadline?: Date;
  /** From the x-actor metadata ("user:ops@example.com"), else the calling service (x-caller). */
  actor: Actor;
  /** A logger that adds the request id to every line. */
  logger: Logger;
}

const storage = new AsyncLocalStorage<RpcContext>();

/** The context of the RPC this code runs for, if any. */
export function currentRpcContext(): RpcContext | undefined {
  return storage.getStore();
}

export function runInRpcContext<T>(context: RpcContext, work: () => T): T {
  return storage.run(context, work);
}
