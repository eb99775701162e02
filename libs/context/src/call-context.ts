/** Who caused a change, as the audit trail records it. */
export type ActorType = 'user' | 'service' | 'agent' | 'system';

export interface Actor {
  type: ActorType;
  id: string;
  /**
   * "service:campaigns": the authenticated service that made the call on this actor's behalf
   * (it passed the actor along and the access policy lets it). The audit trail records it
   * beside the actor (details.via). Absent when the actor called us itself.
   */
  via?: string;
}

/** Work that can be stopped while it runs for a call, e.g. a database statement. */
export interface Cancellable {
  cancel(): void;
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
  /**
   * Aborted when the caller cancels or the deadline passes: running queries are cancelled.
   * A context with both must abort its signal at the deadline (systemCall's is): the database
   * layer then listens to the signal alone, with no timer of its own.
   */
  signal?: AbortSignal;
  /**
   * The cheap way to stop work with the call, for what every call does (each database
   * statement): `work.cancel()` runs when the call is cancelled or its deadline passes while
   * `work` is watched. Returns false, watching nothing, when that has happened already.
   * A listener on `signal` does the same, but in Node 20 making an AbortSignal costs several
   * microseconds, so the gRPC layer's context makes its signal only when code asks for it
   * (outgoing calls do) and offers this instead.
   */
  watch?(work: Cancellable): boolean;
  /** Stops watching `work`: it has finished. */
  unwatch?(work: Cancellable): void;
}

/**
 * The context of work a service does on its own, e.g. a periodic sweep. With a deadline and a
 * signal, the signal it returns is also aborted at the deadline (see CallContext.signal).
 */
export function systemCall(id: string, requestId: string, options: { deadline?: Date; signal?: AbortSignal } = {}): CallContext {
  const { deadline, signal } = options;
  const call: CallContext = { actor: { type: 'system', id }, requestId, ...options };
  if (deadline && signal) call.signal = AbortSignal.any([signal, AbortSignal.timeout(Math.max(0, deadline.getTime() - Date.now()))]);
  return call;
}
