import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { REQUEST_ID, statusCodeOf } from '@cec/grpc';

/** How each call of a pass is made: under the pass's deadline, with its request id. */
export interface PassCallOptions {
  deadline: Date;
  requestId: string;
}

type Callback<Res> = (error: ServiceError | null, response: Res) => void;
type UnaryMethod<Req, Res> = (request: Req, metadata: Metadata, options: { deadline: Date }, callback: Callback<Res>) => unknown;

/**
 * One unary call to a peer, under the pass's deadline (the client's interceptor also cancels it
 * with the incoming call, when the pass runs for RunEscalation). The x-request-id is the
 * pass's, so the peers' log lines name it.
 */
export function askPeer<Req, Res>(client: object, method: UnaryMethod<Req, Res>, request: Req, options: PassCallOptions): Promise<Res> {
  const metadata = new Metadata();
  metadata.set(REQUEST_ID, options.requestId);
  return new Promise((resolve, reject) => {
    method.call(client, request, metadata, { deadline: options.deadline }, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

/** Answers that name one bad item of a batch (the rest could be answered): split the batch to find it. */
export function namesABadItem(error: unknown): boolean {
  const code = statusCodeOf(error);
  return code === status.NOT_FOUND || code === status.INVALID_ARGUMENT || code === status.FAILED_PRECONDITION;
}
