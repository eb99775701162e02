import { Metadata, type Client, type ServiceError } from '@grpc/grpc-js';

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: { deadline?: Date | number },
  callback: (error: ServiceError | null, response: Res) => void,
) => unknown;

// Generated clients overload each method; inference reads the last (4-argument) signature.
/* eslint-disable @typescript-eslint/no-explicit-any */
type RequestOf<M> = M extends (request: infer Req, metadata: any, options: any, callback: any) => any ? Req : never;
type ResponseOf<M> = M extends (request: any, metadata: any, options: any, callback: (error: any, response: infer Res) => void) => any
  ? Res
  : never;
/* eslint-enable @typescript-eslint/no-explicit-any */

/**
 * (The same as @cec/grpc's callUnary, with a 10 s default deadline: @cec/testing cannot import
 * @cec/grpc, whose own tests import @cec/testing.)
 *
 * Calls a unary method and resolves with its response, or rejects with the ServiceError
 * (code, details, metadata), so tests can `await expect(call(...)).rejects.toMatchObject({ code })`.
 */
export function call<C extends Client, K extends keyof C>(
  client: C,
  method: K,
  request: RequestOf<C[K]>,
  options: { metadata?: Record<string, string>; deadlineMs?: number } = {},
): Promise<ResponseOf<C[K]>> {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(options.metadata ?? {})) metadata.set(key, value);
  const fn = client[method] as unknown as UnaryMethod<RequestOf<C[K]>, ResponseOf<C[K]>>;
  return new Promise((resolve, reject) => {
    fn.call(client, request, metadata, { deadline: Date.now() + (options.deadlineMs ?? 10_000) }, (error, response) =>
      error ? reject(error) : resolve(response),
    );
  });
}
