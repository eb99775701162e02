import { Metadata, status, type Client, type ServiceError } from '@grpc/grpc-js';

// Generated clients overload each method; inference reads the last (4-argument) signature.
/* eslint-disable @typescript-eslint/no-explicit-any */
export type RequestOf<M> = M extends (request: infer Req, metadata: any, options: any, callback: any) => any ? Req : never;
export type ResponseOf<M> = M extends (request: any, metadata: any, options: any, callback: (error: any, response: infer Res) => void) => any ? Res : never;
/* eslint-enable @typescript-eslint/no-explicit-any */

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: { deadline?: number },
  callback: (error: ServiceError | null, response: Res) => void,
) => unknown;

export interface UnaryCallOptions {
  /** Metadata to send (e.g. a bearer token); plain pairs or a Metadata. */
  metadata?: Metadata | Record<string, string>;
  /** A deadline this long from now; none: the channel's (e.g. createClient's interceptor) or none. */
  deadlineMs?: number;
}

/**
 * A unary method of a generated client as a promise: resolves with the response, rejects with
 * the ServiceError (code, details, metadata). For programs and tests that call the services as
 * any client would (the services' own peer calls go through createClient's clients).
 */
export function callUnary<C extends Client, K extends keyof C>(
  client: C,
  method: K,
  request: RequestOf<C[K]>,
  options: UnaryCallOptions = {},
): Promise<ResponseOf<C[K]>> {
  let metadata = options.metadata;
  if (!(metadata instanceof Metadata)) {
    const pairs = metadata ?? {};
    metadata = new Metadata();
    for (const [key, value] of Object.entries(pairs)) metadata.set(key, value);
  }
  const callOptions = options.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs };
  const fn = client[method] as unknown as UnaryMethod<RequestOf<C[K]>, ResponseOf<C[K]>>;
  return new Promise((resolve, reject) => {
    fn.call(client, request, metadata, callOptions, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

/** The status code of a failed call (UNKNOWN for anything that is not a gRPC error). */
export function statusCodeOf(error: unknown): status {
  const code = (error as Partial<ServiceError> | null)?.code;
  return typeof code === 'number' ? code : status.UNKNOWN;
}

/** A failed call in words for the logs: code and details, never a request body. */
export function describeCallFailure(error: unknown): string {
  const e = error as Partial<ServiceError>;
  const code = statusCodeOf(error);
  return `${status[code] ?? code}: ${e?.details ?? e?.message ?? String(error)}`;
}
