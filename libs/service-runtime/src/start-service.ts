import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EntitySchema, MikroORM } from '@mikro-orm/postgresql';
import { exitOnSignal, startGrpcServer, type RunningGrpcServer, type ServiceRegistration } from '@cec/grpc';
import { createLogger, createServiceMetrics, startMetricsServer, type Logger } from '@cec/observability';
import { createOrm, pingDatabase, translateDatabaseError } from '@cec/orm';
import { readServiceConfig, type ServiceConfig, type ServiceIdentity } from './service-config';
import { serviceDatabaseUrl } from './service-database';

/** What a service's own code gets to build its handlers and background work from. */
export interface ServiceDeps {
  orm: MikroORM;
  logger: Logger;
  config: ServiceConfig;
  /** The environment the service was started with, for its own settings. */
  env: NodeJS.ProcessEnv;
}

/** Work that runs beside the gRPC server, e.g. a periodic sweep. Stopped first at shutdown. */
export interface BackgroundWork {
  stop(): Promise<void>;
}

export interface ServiceSpec extends ServiceIdentity {
  entities: EntitySchema[];
  services(deps: ServiceDeps): ServiceRegistration[];
  background?(deps: ServiceDeps): BackgroundWork[];
}

export interface RunningService {
  grpcPort: number;
  metricsPort: number;
  grpc: RunningGrpcServer;
  orm: MikroORM;
  logger: Logger;
  stop(): Promise<void>;
}

/**
 * Starts a service: validated configuration, JSON logger, metrics endpoint, database as the
 * service's role, gRPC server (health NOT_SERVING until the database answers), background
 * work. stop() undoes it in reverse: background work, gRPC (in-flight calls finish within
 * the grace period), database pool, metrics endpoint.
 */
export async function startService(spec: ServiceSpec, env: NodeJS.ProcessEnv = process.env, logger?: Logger): Promise<RunningService> {
  const config = readServiceConfig(spec, env);
  const log = logger ?? createLogger(spec.name, config.logLevel);
  const metrics = createServiceMetrics(spec.name);
  const url = await serviceDatabaseUrl({ role: spec.role, password: config.dbPassword, databaseUrl: config.databaseUrl }, log);
  const orm = await createOrm({ url, entities: spec.entities, poolMax: config.dbPoolMax, applicationName: spec.name });
  const deps: ServiceDeps = { orm, logger: log, config, env };

  let metricsServer: HttpServer | undefined;
  let grpc: RunningGrpcServer | undefined;
  let background: BackgroundWork[] = [];
  try {
    metricsServer = await startMetricsServer(metrics.registry, config.metricsPort, config.metricsHost);
    grpc = await startGrpcServer({
      host: config.grpcHost,
      port: config.grpcPort,
      services: spec.services(deps),
      logger: log,
      metrics,
      translators: [translateDatabaseError],
      readinessCheck: () => pingDatabase(orm.em.fork()),
      shutdownGraceMs: config.shutdownGraceMs,
    });
    background = spec.background?.(deps) ?? [];
  } catch (error) {
    await grpc?.shutdown();
    metricsServer?.close();
    await orm.close();
    throw error;
  }

  const server = grpc;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      await Promise.all(background.map((work) => work.stop()));
      await server.shutdown();
      await orm.close();
      await new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));
      log.info('stopped');
    })();
    return stopped;
  };
  const metricsPort = (metricsServer.address() as AddressInfo).port;
  log.info({ grpc_port: server.port, metrics_port: metricsPort }, `${spec.name} service started`);
  return { grpcPort: server.port, metricsPort, grpc: server, orm, logger: log, stop };
}

/** The whole of a service's main.ts: start, stop gracefully on SIGTERM/SIGINT, exit 1 with a clear message if it cannot start. */
export function runService(spec: ServiceSpec): void {
  startService(spec).then(
    (service) => exitOnSignal(service.stop, service.logger),
    (error: Error) => {
      createLogger(spec.name).fatal({ err: { message: error.message } }, `cannot start the ${spec.name} service: ${error.message}`);
      process.exit(1);
    },
  );
}
