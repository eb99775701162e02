/** gRPC helpers of the benchmarks: a promise per unary call, and the health check. */
import { credentials, makeGenericClientConstructor, Metadata, type ServiceDefinition, type ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

/** A generated client method in its (request, metadata, options, callback) form. */
export type Unary<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: { deadline: number },
  callback: (error: ServiceError | null, response: Res) => void,
) => unknown;

/** Calls `method` of `client` with a deadline `timeoutMs` from now and the given metadata. */
export function unary<Req, Res>(client: object, method: Unary<Req, Res>, request: Req, timeoutMs: number, metadata?: Metadata): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, request, metadata ?? new Metadata(), { deadline: Date.now() + timeoutMs }, (error, response) =>
      error ? reject(error) : resolve(response),
    );
  });
}

const HealthClient = makeGenericClientConstructor(healthService as unknown as ServiceDefinition, 'Health');

/** True when grpc.health.v1.Health/Check at `address` says SERVING. */
export async function isServing(address: string): Promise<boolean> {
  const client = new HealthClient(address, credentials.createInsecure());
  try {
    const answer = await unary<{ service: string }, { status?: string }>(
      client,
      (client as unknown as { check: Unary<{ service: string }, { status?: string }> }).check,
      { service: '' },
      1_000,
    );
    return answer.status === 'SERVING';
  } finally {
    client.close();
  }
}
