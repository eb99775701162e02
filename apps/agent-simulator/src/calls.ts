import { status, type Client, type Metadata, type ServiceError } from '@grpc/grpc-js';

type Callback<Res> = (error: ServiceError | null, response: Res) => void;
// Generated clients overload each method; inference reads the last (metadata, options, callback) signature.
/* eslint-disable @typescript-eslint/no-explicit-any */
type RequestOf<M> = M extends (request: infer Req, metadata: any, options: any, callback: any) => any ? Req : never;
type ResponseOf<M> = M extends (request: any, metadata: any, options: any, callback: (error: any, response: infer Res) => void) => any ? Res : never;
/* eslint-enable @typescript-eslint/no-explicit-any */

/** One unary call with this metadata (the caller's credentials); the client's interceptor gives it its deadline. */
export function unary<C extends Client, K extends keyof C>(client: C, method: K, request: RequestOf<C[K]>, metadata: Metadata): Promise<ResponseOf<C[K]>> {
  const fn = client[method] as unknown as (req: RequestOf<C[K]>, md: Metadata, options: object, callback: Callback<ResponseOf<C[K]>>) => unknown;
  return new Promise((resolve, reject) => {
    fn.call(client, request, metadata, {}, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

/** The status code of a failed call (UNKNOWN for anything that is not a gRPC error). */
export function codeOf(error: unknown): status {
  const code = (error as Partial<ServiceError> | null)?.code;
  return typeof code === 'number' ? code : status.UNKNOWN;
}

/** A failed call in words for the logs: code and details. */
export function failureText(error: unknown): string {
  const e = error as Partial<ServiceError>;
  return typeof e?.code === 'number' ? `${status[e.code]}: ${e.details ?? e.message}` : String((error as Error)?.message ?? error);
}

/** Codes that say the service is not there (yet): wait and try again. */
export function isUnreachable(error: unknown): boolean {
  const code = codeOf(error);
  return code === status.UNAVAILABLE || code === status.DEADLINE_EXCEEDED;
}
