/**
 * Waits until services answer SERVING on their plaintext health ports (grpc.health.v1 Check, the
 * '' service: ready to serve), for npm start's "ready" line. Asks each every 250 ms (a port
 * that is not listening yet cannot be watched), until every one is SERVING, `timeoutMs` passes,
 * or `give` says to stop waiting (the system is stopping).
 */
import { credentials, Metadata } from '@grpc/grpc-js';
import { healthV1 } from '@cec/proto';

export interface HealthTarget {
  name: string;
  /** host:port of its plaintext health server */
  address: string;
}

/** Resolves with the names that did not answer SERVING in time (none: all are ready). */
export async function untilServing(targets: HealthTarget[], options: { timeoutMs: number; stopWaiting: () => boolean }): Promise<string[]> {
  const clients = new Map(targets.map((t) => [t.name, new healthV1.HealthClient(t.address, credentials.createInsecure())]));
  const serving = new Set<string>();
  const end = Date.now() + options.timeoutMs;
  try {
    while (serving.size < targets.length && Date.now() < end && !options.stopWaiting()) {
      await Promise.all(
        targets
          .filter((t) => !serving.has(t.name))
          .map(
            (t) =>
              new Promise<void>((resolve) => {
                (clients.get(t.name) as healthV1.HealthClient).check({ service: '' }, new Metadata(), { deadline: Date.now() + 1_000 }, (error, response) => {
                  if (!error && response.status === healthV1.HealthCheckResponse_ServingStatus.SERVING) serving.add(t.name);
                  resolve();
                });
              }),
          ),
      );
      if (serving.size < targets.length) await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    for (const client of clients.values()) client.close();
  }
  return targets.filter((t) => !serving.has(t.name)).map((t) => t.name);
}
