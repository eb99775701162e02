import type { Client, ServiceError } from '@grpc/grpc-js';

/* eslint-disable @typescript-eslint/no-explicit-any */
// Generated clients overload each method; inference reads the last (4-argument) signature.
type RequestOf<M> = M extends (request: infer Req, metadata: any, options: any, callback: any) => any ? Req : never;
type ResponseOf<M> = M extends (request: any, metadata: any, options: any, callback: (error: any, response: infer Res) => void) => any ? Res : never;
/* eslint-enable @typescript-eslint/no-explicit-any */
type UnaryMethod<Req, Res> = (request: Req, options: { deadline: number }, callback: (error: ServiceError | null, response: Res) => void) => unknown;

/** A unary call as a promise, with a deadline (the bearer token travels in the channel's call credentials). */
export function unary<C extends Client, K extends keyof C>(client: C, method: K, request: RequestOf<C[K]>, deadlineMs = 15_000): Promise<ResponseOf<C[K]>> {
  const fn = client[method] as unknown as UnaryMethod<RequestOf<C[K]>, ResponseOf<C[K]>>;
  return new Promise((resolve, reject) => {
    fn.call(client, request, { deadline: Date.now() + deadlineMs }, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

