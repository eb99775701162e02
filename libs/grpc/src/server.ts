import { Server, ServerCredentials, type ServiceDefinition } from '@grpc/grpc-js';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import type { Logger, ServiceMetrics } from '@cec/observability';
import { addReflection } from './reflection';
import type { ErrorTranslator } from './status-mapping';
import { strictUtf8 } from './strict-utf8';
import type { CallGuard } from './call-guard';
import { serverTlsCredentials, type TlsFiles } from './tls';
import { implement, type AsyncService, type HandlersOf } from './unary';

/** A service to serve: its generated definition and its async handlers (see AsyncService). */
export interface ServiceRegistration {
  definition: ServiceDefinition;
  handlers: object;
}

/**
 * Pairs a ts-proto service definition with its handlers, checked against the definition at
 * compile time: every method present, named as in the definition, taking its request and
 * returning its response (a customers handler set does not type-check for InvoiceService).
 */
export function register<D extends ServiceDefinition>(definition: D, handlers: HandlersOf<D>): ServiceRegistration {
  return { definition, handlers };
}

/**
 * The grpc.health.v1 service name a liveness probe asks: SERVING while the process runs and is
 * not shutting down, even when the readiness check fails. Readiness probes ask '' (the default).
 */
export const LIVENESS_SERVICE = 'liveness';

export interface GrpcServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  services: ServiceRegistration[];
  logger: Logger;
  metrics?: ServiceMetrics;
  /** Turn lower-level errors (e.g. the database driver's) into domain errors. */
  translators?: ErrorTranslator[];
  /** Throws while the service cannot serve (e.g. its database is unreachable). */
  readinessCheck?: () => Promise<void>;
  readinessIntervalMs?: number;
  /** How long in-flight calls may take to finish after shutdown starts, before they are cancelled. */
  shutdownGraceMs?: number;
  /** Serve over TLS with these files (client certificates asked for, checked by `guard`). Default: plaintext. */
  tls?: TlsFiles;
  /** Authenticates and authorizes each call of the services (not Health, not reflection). */
  guard?: CallGuard;
  /** Serve reflection (default true). */
  reflection?: boolean;
  /**
   * Also serve grpc.health.v1.Health alone, in plaintext, on this port (0: a free one): for
   * probes that cannot speak TLS (Kubernetes' gRPC probes). Nothing else is served there.
   */
  healthPort?: number;
  /** The address the health port binds to (default: host). */
  healthHost?: string;
}

export interface RunningGrpcServer {
  port: number;
  /** The plaintext health-only port, when healthPort was given. */
  healthPort?: number;
  /** Full names of the services served, e.g. escalation.customers.v1.CustomerService. */
  serviceNames: string[];
  /** Runs the readiness check now and updates the health status. */
  checkReadiness(): Promise<boolean>;
  /** Stops accepting calls, lets in-flight calls finish (up to the grace period). Idempotent. */
  shutdown(): Promise<void>;
}

/** "escalation.customers.v1.CustomerService" from a method path "/escalation.customers.v1.CustomerService/GetCustomer". */
export function serviceNameOf(definition: ServiceDefinition): string {
  const first = Object.values(definition)[0];
  return first.path.split('/')[1];
}

/**
 * A gRPC server with everything every service needs: the services (each call wrapped by
 * unary(): request id, context, error mapping, a JSON log line and metrics), grpc.health.v1.Health
 * (NOT_SERVING while starting, while the readiness check fails and once shutting down) and
 * reflection for grpcurl and `buf curl`.
 */
export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const { logger } = options;
  const serviceNames = options.services.map((s) => serviceNameOf(s.definition));
  const server = new Server({
    'grpc.keepalive_time_ms': 60_000,
    'grpc.keepalive_timeout_ms': 20_000,
    'grpc.max_receive_message_length': 4 * 1024 * 1024,
  });
  const handlerOptions = { logger, metrics: options.metrics, translators: options.translators, guard: options.guard };
  for (const service of options.services) {
    // Strings are decoded strictly: invalid UTF-8 is answered INVALID_ARGUMENT (strict-utf8.ts).
    const { definition, handlers } = strictUtf8(service.definition, service.handlers);
    server.addService(definition, implement(definition, handlers as AsyncService<unknown>, handlerOptions));
  }

  // '' and each service: ready to serve (the readiness check passed). LIVENESS_SERVICE: the process
  // answers and is not shutting down, whatever its database does (a liveness probe that followed
  // readiness would restart every pod during a database outage).
  const health = new HealthImplementation({
    '': 'NOT_SERVING',
    ...Object.fromEntries(serviceNames.map((n) => [n, 'NOT_SERVING'])),
    [LIVENESS_SERVICE]: 'SERVING',
  });
  health.addToServer(server);
  if (options.reflection ?? true) addReflection(server, [...serviceNames, 'grpc.health.v1.Health']);

  const bind = (target: Server, host: string, port: number, creds: ServerCredentials): Promise<number> =>
    new Promise<number>((resolve, reject) =>
      target.bindAsync(`${host}:${port}`, creds, (error, bound) => (error ? reject(new Error(`cannot listen on ${host}:${port}: ${error.message}`)) : resolve(bound))),
    );
  const port = await bind(server, options.host, options.port, options.tls ? serverTlsCredentials(options.tls) : ServerCredentials.createInsecure());
  let healthServer: Server | undefined;
  let healthPort: number | undefined;
  if (options.healthPort !== undefined) {
    healthServer = new Server();
    health.addToServer(healthServer);
    try {
      healthPort = await bind(healthServer, options.healthHost ?? options.host, options.healthPort, ServerCredentials.createInsecure());
    } catch (error) {
      server.forceShutdown();
      throw error;
    }
  }

  let current: ServingStatus | undefined;
  let stopping = false;
  const setStatus = (next: ServingStatus, reason?: string): void => {
    if (next === current) return;
    current = next;
    health.setStatus('', next);
    for (const name of serviceNames) health.setStatus(name, next);
    logger.info({ status: next, reason }, 'health');
  };

  const checkReadiness = async (): Promise<boolean> => {
    if (stopping) return false;
    try {
      await options.readinessCheck?.();
      if (!stopping) setStatus('SERVING');
      return !stopping;
    } catch (error) {
      if (!stopping) setStatus('NOT_SERVING', (error as Error).message);
      return false;
    }
  };

  await checkReadiness();
  const timer = setInterval(() => void checkReadiness(), options.readinessIntervalMs ?? 5_000);
  timer.unref();
  logger.info({ port, health_port: healthPort, tls: Boolean(options.tls), services: serviceNames }, 'listening');

  let stopped: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopped ??= (async () => {
      stopping = true;
      clearInterval(timer);
      setStatus('NOT_SERVING', 'shutting down');
      health.setStatus(LIVENESS_SERVICE, 'NOT_SERVING');
      const grace = options.shutdownGraceMs ?? 10_000;
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          logger.warn({ grace_ms: grace }, 'grace period over: cancelling calls still in flight');
          server.forceShutdown();
          resolve();
        }, grace);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      healthServer?.forceShutdown();
      logger.info('gRPC server stopped');
    })();
    return stopped;
  };

  return { port, healthPort, serviceNames, checkReadiness, shutdown };
}
