/**
 * The one table of the system's services: default ports and database roles. healthPort: the
 * plaintext grpc.health.v1 port a service opens beside its TLS port when authentication is on
 * (for probes that cannot speak TLS). Everything
 * else that names a port (the service specs, `npm start`, `<PEER>_ADDRESS` defaults, the
 * compose file, the Dockerfiles, the README) derives from it or is checked against it by
 * service-directory.test.ts.
 */
export const SERVICE_DIRECTORY = {
  customers: { grpcPort: 50051, metricsPort: 9451, healthPort: 50061, role: 'customers_svc' },
  campaigns: { grpcPort: 50052, metricsPort: 9452, healthPort: 50062, role: 'campaigns_svc' },
  compliance: { grpcPort: 50053, metricsPort: 9453, healthPort: 50063, role: 'compliance_svc' },
  metrics: { grpcPort: 50054, metricsPort: 9454, healthPort: 50064, role: 'metrics_svc' },
} as const;

export type ServiceName = keyof typeof SERVICE_DIRECTORY;

export const SERVICE_NAMES = Object.keys(SERVICE_DIRECTORY) as ServiceName[];

/** CUSTOMERS_GRPC_PORT, CAMPAIGNS_ADDRESS, …: the prefix of a service's variables. */
export function envPrefix(name: ServiceName): string {
  return name.toUpperCase();
}

/** The variable that tells a service where to reach `peer`, and its default (this machine, the peer's default port). */
export function peerAddressVariable(peer: ServiceName): { name: string; defaultAddress: string } {
  return { name: `${envPrefix(peer)}_ADDRESS`, defaultAddress: `127.0.0.1:${SERVICE_DIRECTORY[peer].grpcPort}` };
}
