import { Metadata, type Channel, type Client } from '@grpc/grpc-js';
import { channelCredentials, createChannel, createClient, type ClientConstructor, type TlsFiles } from '@cec/grpc';
import type { Logger } from '@cec/observability';
import { healthV1 } from '@cec/proto';
import type { ServiceName } from './service-directory';

/** spec.clients: a name for each client the service's code uses, the peer and the generated client class. */
export type PeerClients = Record<string, { peer: ServiceName; client: ClientConstructor<Client> }>;

/** The client instances for spec.clients, by the same names. */
export type PeerConnections<P extends PeerClients> = { [K in keyof P]: InstanceType<P[K]['client']> };

/**
 * Creates the clients of a service's peers (createClient: deadline and cancellation from
 * the incoming call, request ids on creates, retries only where safe), asks each peer's
 * health once so that a wrong `<PEER>_ADDRESS` shows in the first lines of the log (a peer
 * that is down does not stop this service from starting: calls to it fail UNAVAILABLE until
 * it is back), and closes them all at stop. The clients of one peer share one channel: one
 * connection, and one reconnect backoff, so when the peer is back after a restart, the first
 * call that reaches it (the outbox's, say) has reconnected every client of it.
 */
export function connectPeers<P extends PeerClients>(
  caller: ServiceName,
  specs: P,
  addresses: Partial<Record<ServiceName, string>>,
  logger: Logger,
  tls?: TlsFiles,
): { clients: PeerConnections<P>; close(): void } {
  const channels = new Map<ServiceName, Channel>();
  const channelTo = (peer: ServiceName): Channel => {
    if (!channels.has(peer)) channels.set(peer, createChannel(addresses[peer] as string, { tls }));
    return channels.get(peer) as Channel;
  };
  const clients = Object.fromEntries(
    Object.entries(specs).map(([key, { peer, client }]) => [key, createClient(client, addresses[peer] as string, { caller, channel: channelTo(peer) })]),
  ) as PeerConnections<P>;

  for (const peer of new Set(Object.values(specs).map((s) => s.peer))) {
    const address = addresses[peer] as string;
    const health = new healthV1.HealthClient(address, channelCredentials(tls));
    health.check({ service: '' }, new Metadata(), { deadline: Date.now() + 5_000 }, (error, response) => {
      if (error) logger.warn({ peer, peer_address: address, err: { message: error.message } }, `${peer} is not reachable yet at ${address}; calls to it fail UNAVAILABLE until it is`);
      else logger.info({ peer, peer_address: address, status: healthV1.healthCheckResponse_ServingStatusToJSON(response.status) }, `${peer} at ${address}`);
      health.close();
    });
  }
  return { clients, close: () => channels.forEach((channel) => channel.close()) };
}
