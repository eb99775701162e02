import { intInRange, portOrZero, readEnv, str } from '@cec/config';
import { databaseEnvSpecs } from '@cec/db';
import type { LogLevel } from '@cec/observability';

export interface ServiceIdentity {
  /** Lower-case name: customers, campaigns, compliance, metrics. Env vars are prefixed with its upper case. */
  name: string;
  /** The PostgreSQL login role the service connects as (migration 006). */
  role: string;
  defaultGrpcPort: number;
  defaultMetricsPort: number;
}

export interface ServiceConfig {
  grpcHost: string;
  /** 0: any free port (tests). */
  grpcPort: number;
  metricsHost: string;
  /** 0: any free port (tests). */
  metricsPort: number;
  databaseUrl?: string;
  dbPassword: string;
  dbPoolMax: number;
  logLevel: LogLevel;
  shutdownGraceMs: number;
}

/** The environment variables of one service, e.g. CUSTOMERS_GRPC_PORT, and the shared ones. */
export function serviceEnvSpecs(identity: ServiceIdentity) {
  const p = identity.name.toUpperCase();
  return {
    [`${p}_GRPC_HOST`]: str({ default: '0.0.0.0', desc: 'Address the gRPC server binds to.' }),
    [`${p}_GRPC_PORT`]: portOrZero({ default: identity.defaultGrpcPort, desc: 'gRPC port.' }),
    [`${p}_METRICS_HOST`]: str({ default: '0.0.0.0', desc: 'Address the Prometheus /metrics endpoint binds to.' }),
    [`${p}_METRICS_PORT`]: portOrZero({ default: identity.defaultMetricsPort, desc: 'Prometheus /metrics port.' }),
    [`${p}_DB_PASSWORD`]: str({ default: '', desc: `Password of the ${identity.role} role, if the server asks for one.` }),
    [`${p}_DB_POOL_MAX`]: intInRange(1, 500)({ default: 10, desc: 'Database connections in the pool.' }),
    LOG_LEVEL: str({ choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], default: 'info' }),
    SHUTDOWN_GRACE_MS: intInRange(0, 600_000)({ default: 10_000, desc: 'How long in-flight calls may run after SIGTERM.' }),
    DATABASE_URL: databaseEnvSpecs.DATABASE_URL,
  };
}

export function readServiceConfig(identity: ServiceIdentity, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const p = identity.name.toUpperCase();
  const v = readEnv(serviceEnvSpecs(identity), env) as Record<string, unknown>;
  return {
    grpcHost: v[`${p}_GRPC_HOST`] as string,
    grpcPort: v[`${p}_GRPC_PORT`] as number,
    metricsHost: v[`${p}_METRICS_HOST`] as string,
    metricsPort: v[`${p}_METRICS_PORT`] as number,
    databaseUrl: v.DATABASE_URL as string | undefined,
    dbPassword: v[`${p}_DB_PASSWORD`] as string,
    dbPoolMax: v[`${p}_DB_POOL_MAX`] as number,
    logLevel: v.LOG_LEVEL as LogLevel,
    shutdownGraceMs: v.SHUTDOWN_GRACE_MS as number,
  };
}
