import { status, type ServiceError } from '@grpc/grpc-js';
import { DeadlineExceededError, NotFoundError, UnavailableError } from '@cec/errors';

/** How a failed call to a peer is told to this service's caller. */
export interface PeerCall {
  /** The peer, as the caller knows it: `customers`. */
  peer: string;
  /** What it was asked, after "was asked": `for the customer's contact details`. */
  asked: string;
  /** What the caller should know when the peer is unreachable: `the task needs them; retry later`. */
  whenUnavailable: string;
  /** The peer's NOT_FOUND is the caller's answer too (the id came from the caller). */
  passNotFound?: boolean;
}

/**
 * The peer refused this service itself (its certificate, or the access policy, does not let it
 * make the call) or said the call was malformed: a fault of the deployment or of this service, not
 * of the caller, and retrying does not help. It is not a DomainError, so the caller gets INTERNAL
 * with a reference to its request id, and the log line has this message for the operator.
 */
export class PeerRefusedError extends Error {
  constructor(
    readonly peer: string,
    readonly code: status,
    message: string,
  ) {
    super(message);
    this.name = 'PeerRefusedError';
  }
}

/** Answers that say the peer could not answer now: the caller may retry later. */
const TRANSIENT = new Set<status>([status.UNAVAILABLE, status.RESOURCE_EXHAUSTED, status.ABORTED, status.UNKNOWN, status.INTERNAL]);

/**
 * The error to throw for a failed peer call: the deadline passing stays DEADLINE_EXCEEDED, a peer
 * that cannot answer now becomes UNAVAILABLE ("retry later"), NOT_FOUND passes through when asked
 * to, and a refusal of this service (PERMISSION_DENIED, UNAUTHENTICATED, or any other answer that
 * retrying cannot change) becomes a PeerRefusedError: INTERNAL for the caller, logged in full.
 */
export function peerCallError(error: ServiceError, call: PeerCall): Error {
  const code = error.code;
  const said = `${status[code] ?? code}: ${error.details}`;
  if (code === status.NOT_FOUND && call.passNotFound) return new NotFoundError(error.details);
  if (code === status.DEADLINE_EXCEEDED || code === status.CANCELLED) {
    return new DeadlineExceededError(`the deadline passed while the ${call.peer} service was asked ${call.asked}`);
  }
  if (TRANSIENT.has(code)) return new UnavailableError(`the ${call.peer} service did not answer (${said}); ${call.whenUnavailable}`);
  return new PeerRefusedError(
    call.peer,
    code,
    `the ${call.peer} service refused this service's call when asked ${call.asked} (${said}): ` +
      'a fault of the deployment (access policy, certificates) or of this service, which retrying does not fix',
  );
}
