import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EntitySchema, MikroORM } from '@mikro-orm/postgresql';
import { readEnv, type CleanedEnv } from '@cec/config';
import { exitOnSignal, startGrpcServer, type RunningGrpcServer, type ServiceRegistration } from '@cec/grpc';
import { createLogger, createServiceMetrics, startMetricsServer, type Logger, type ServiceMetrics } from '@cec/observability';
import { createOrm, pingDatabase, translateDatabaseError } from '@cec/orm';
import { callGuardFor } from './call-guard-setup';
import { listenProblem } from './listen-problem';
import { connectPeers, type PeerClients, type PeerConnections } from './peers';
import { readServiceConfig, type ServiceConfig } from './service-config';
import { serviceDatabaseUrl } from './service-database';
import { SERVICE_DIRECTORY, type ServiceName } from './service-directory';

/** What a service's own code gets to build its handlers and background work from. */
export interface ServiceDeps<E extends object = object, P extends PeerClients = PeerClients> {
  orm: MikroORM;
  logger: Logger;
  config: ServiceConfig;
  /** The service's own variables (spec.env), validated with every other before start. */
  settings: CleanedEnv<E>;
  /** One client per entry of spec.clients: deadlines, cancellation, request ids and safe retries built in. */
  clients: PeerConnections<P>;
  /** The service's Prometheus registry (served at /metrics), for metrics of its own. */
  metrics: ServiceMetrics;
}

/** Work that runs beside the gRPC server, e.g. a periodic sweep. Stopped first at shutdown. */
export interface BackgroundWork {
  stop(): Promise<void>;
}

/** Everything that makes a service: the runtime does the rest the same way for each. */
export interface ServiceSpec<E extends object = object, P extends PeerClients = PeerClients> {
  /** A row of the service directory: its role and default ports come from there. */
  name: ServiceName;
  entities: EntitySchema[];
  /** The service's own environment variables (envalid specs), checked with the platform's before anything starts. */
  env?: E;
  /** The services it calls: each is reached at `<PEER>_ADDRESS` (default: this machine, the peer's port). */
  clients?: P;
  services(deps: ServiceDeps<E, P>): ServiceRegistration[];
  background?(deps: ServiceDeps<E, P>): BackgroundWork[];
}

/** Keeps the types of a spec's settings and clients for its services() and background(). */
export function defineService<E extends object = object, P extends PeerClients = PeerClients>(spec: ServiceSpec<E, P>): ServiceSpec<E, P> {
  return spec;
}

export interface RunningService {
  grpcPort: number;
  /** The plaintext health-only port, when authentication is on. */
  healthPort?: number;
  metricsPort: number;
  grpc: RunningGrpcServer;
  orm: MikroORM;
  logger: Logger;
  stop(): Promise<void>;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
type AnySpec = ServiceSpec<any, any>;
/* eslint-enable @typescript-eslint/no-explicit-any */

/**
 * Starts a service: every variable checked first (one error names each bad one), then the
 * JSON logger, the database as the service's role, the metrics endpoint, the peer clients,
 * the gRPC server (health NOT_SERVING until the database answers) and background work.
 * stop() undoes it in reverse: background work, gRPC (in-flight calls finish within the
 * grace period), peer clients, database pool, metrics endpoint.
 */
export async function startService(spec: AnySpec, env: NodeJS.ProcessEnv = process.env, logger?: Logger): Promise<RunningService> {
  const peers = [...new Set(Object.values((spec.clients ?? {}) as PeerClients).map((c) => c.peer))];
  const { config } = readServiceConfig({ name: spec.name, peers, env: spec.env }, env);
  const settings = readEnv(spec.env ?? {}, env);
  const log = logger ?? createLogger(spec.name, config.logLevel);
  const metrics = createServiceMetrics(spec.name);
  const role = SERVICE_DIRECTORY[spec.name].role;
  const url = await serviceDatabaseUrl({ role, password: config.dbPassword, databaseUrl: config.databaseUrl, env }, log);
  const orm = await createOrm({ url, entities: spec.entities, poolMax: config.dbPoolMax, applicationName: spec.name });

  let metricsServer: HttpServer | undefined;
  let grpc: RunningGrpcServer | undefined;
  let background: BackgroundWork[] = [];
  let connections: ReturnType<typeof connectPeers> | undefined;
  try {
    metricsServer = await startMetricsServer(metrics.registry, config.metricsPort, config.metricsHost).catch((error: Error) => {
      throw listenProblem(error, `${config.metricsHost}:${config.metricsPort}`, config.variables.metricsPort);
    });
    const tls = config.auth.tls;
    connections = connectPeers(spec.name, (spec.clients ?? {}) as PeerClients, config.peerAddresses, log, tls);
    const deps: Parameters<AnySpec['services']>[0] = { orm, logger: log, config, settings, clients: connections.clients, metrics };
    const services = spec.services(deps);
    const guard = callGuardFor(spec.name, config, services, orm, log);
    grpc = await startGrpcServer({
      host: config.grpcHost,
      port: config.grpcPort,
      services,
      tls,
      guard,
      reflection: config.auth.reflection,
      healthPort: tls ? config.healthPort : undefined,
      logger: log,
      metrics,
      translators: [translateDatabaseError],
      readinessCheck: () => pingDatabase(orm.em.fork()),
      shutdownGraceMs: config.shutdownGraceMs,
    }).catch((error: Error) => {
      const onHealthPort = tls && error.message.includes(`:${config.healthPort}:`);
      throw onHealthPort
        ? listenProblem(error, `${config.grpcHost}:${config.healthPort}`, config.variables.healthPort)
        : listenProblem(error, `${config.grpcHost}:${config.grpcPort}`, config.variables.grpcPort);
    });
    background = spec.background?.(deps) ?? [];
  } catch (error) {
    await grpc?.shutdown();
    connections?.close();
    metricsServer?.close();
    await orm.close();
    throw error;
  }

  const server = grpc;
  const peerConnections = connections;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      await Promise.all(background.map((work) => work.stop()));
      await server.shutdown();
      peerConnections.close();
      await orm.close();
      await new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));
      if (!config.databaseUrl) log.info('stopped; the embedded PostgreSQL keeps running for the other services (`npm run db:stop` stops it)');
      else log.info('stopped');
    })();
    return stopped;
  };
  const metricsPort = (metricsServer.address() as AddressInfo).port;
  log.info(
    { grpc: `${config.grpcHost}:${server.port}`, metrics: `${config.metricsHost}:${metricsPort}`, peers: config.peerAddresses },
    `${spec.name} service started: gRPC on port ${server.port}${config.auth.tls ? ' (TLS)' : ''}, /metrics on port ${metricsPort}${server.healthPort ? `, plaintext health on port ${server.healthPort}` : ''}`,
  );
  return { grpcPort: server.port, healthPort: server.healthPort, metricsPort, grpc: server, orm, logger: log, stop };
}

/** The whole of a service's main.ts: start, stop gracefully on SIGTERM/SIGINT, exit 1 with a clear message if it cannot start. */
export function runService(spec: AnySpec): void {
  startService(spec).then(
    (service) => exitOnSignal(service.stop, service.logger),
    (error: Error) => {
      createLogger(spec.name).fatal({ err: { message: error.message } }, `cannot start the ${spec.name} service: ${error.message}`);
      process.exit(1);
    },
  );
}
