import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { DeadlineExceededError, NotFoundError, UnavailableError } from '@cec/errors';
import { PeerRefusedError, peerCallError, type PeerCall } from './peer-call-error';

const failed = (code: status, details = 'said so'): ServiceError => Object.assign(new Error(details), { code, details, metadata: new Metadata() });
const CALL: PeerCall = { peer: 'customers', asked: 'for the invoices', whenUnavailable: 'retry later' };

it.each([
  [status.UNAVAILABLE, UnavailableError],
  [status.RESOURCE_EXHAUSTED, UnavailableError],
  [status.ABORTED, UnavailableError],
  [status.INTERNAL, UnavailableError],
  [status.UNKNOWN, UnavailableError],
  [status.DEADLINE_EXCEEDED, DeadlineExceededError],
  [status.CANCELLED, DeadlineExceededError],
  [status.PERMISSION_DENIED, PeerRefusedError],
  [status.UNAUTHENTICATED, PeerRefusedError],
  [status.INVALID_ARGUMENT, PeerRefusedError],
  [status.UNIMPLEMENTED, PeerRefusedError],
  [status.NOT_FOUND, PeerRefusedError],
])('a peer answering %s becomes a %p', (code, kind) => {
  expect(peerCallError(failed(code), CALL)).toBeInstanceOf(kind);
});

it("passes the peer's NOT_FOUND on only when the id came from the caller", () => {
  const error = peerCallError(failed(status.NOT_FOUND, 'customer 42 not found'), { ...CALL, passNotFound: true });
  expect(error).toBeInstanceOf(NotFoundError);
  expect(error.message).toBe('customer 42 not found');
});

it('says who refused what, for the log line an operator reads', () => {
  expect(peerCallError(failed(status.PERMISSION_DENIED, 'service campaigns may not call x'), CALL).message).toBe(
    "the customers service refused this service's call when asked for the invoices (PERMISSION_DENIED: service campaigns may not call x): " +
      'a fault of the deployment (access policy, certificates) or of this service, which retrying does not fix',
  );
  expect(peerCallError(failed(status.UNAVAILABLE, 'connection refused'), CALL).message).toBe(
    'the customers service did not answer (UNAVAILABLE: connection refused); retry later',
  );
});
