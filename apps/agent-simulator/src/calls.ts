import { status, type Client, type Metadata } from '@grpc/grpc-js';
import { callUnary, statusCodeOf, type RequestOf, type ResponseOf } from '@cec/grpc';

/** One unary call with this metadata (the caller's credentials); the client's interceptor gives it its deadline. */
export function unary<C extends Client, K extends keyof C>(client: C, method: K, request: RequestOf<C[K]>, metadata: Metadata): Promise<ResponseOf<C[K]>> {
  return callUnary(client, method, request, { metadata });
}

/** Codes that say the service is not there (yet): wait and try again. */
export function isUnreachable(error: unknown): boolean {
  const code = statusCodeOf(error);
  return code === status.UNAVAILABLE || code === status.DEADLINE_EXCEEDED;
}
