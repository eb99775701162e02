import type { Client } from '@grpc/grpc-js';
import { callUnary, type RequestOf, type ResponseOf } from '@cec/grpc';

/** A unary call as a promise, with a deadline (the bearer token travels in the channel's call credentials). */
export function unary<C extends Client, K extends keyof C>(client: C, method: K, request: RequestOf<C[K]>, deadlineMs = 15_000): Promise<ResponseOf<C[K]>> {
  return callUnary(client, method, request, { deadlineMs });
}
