/** Who caused a change, as the audit trail records it. */
export type ActorType = 'user' | 'service' | 'agent' | 'system';

export interface Actor {
  type: ActorType;
  id: string;
}

/**
 * What code below the transport needs to know about the call it works for: who is calling
 * (for the audit trail), the request id (for logs and audit rows), and when to give up.
 * The gRPC layer builds one per incoming call; background work builds its own (systemCall).
 */
export interface CallContext {
  actor: Actor;
  /** x-request-id of the call (the caller's, or made up), echoed in the response trailers. */
  requestId: string;
  /** The caller's deadline, if any: every database statement and outgoing call stops by then. */
  deadline?: Date;
  /** Aborted when the caller cancels or the deadline passes: running queries are cancelled. */
  signal?: AbortSignal;
}

/** The context of work a service does on its own, e.g. a periodic sweep. */
export function systemCall(id: string, requestId: string, options: { deadline?: Date; signal?: AbortSignal } = {}): CallContext {
  return { actor: { type: 'system', id }, requestId, ...options };
}
