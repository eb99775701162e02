import { ConfigError, intInRange, portOrZero, readEnv, str } from '@cec/config';
import { authEnvSpecs, authSettingsOf, type AuthSettings } from '@cec/auth';
import { databaseEnvSpecs } from '@cec/db';
import type { LogLevel } from '@cec/observability';
import { envPrefix, peerAddressVariable, SERVICE_DIRECTORY, type ServiceName } from './service-directory';

export interface ServiceConfig {
  grpcHost: string;
  /** 0: any free port (tests). */
  grpcPort: number;
  metricsHost: string;
  /** 0: any free port (tests). */
  metricsPort: number;
  /** The plaintext health-only port, opened when authentication is on. */
  healthPort: number;
  /** Authentication and authorization: on when the TLS_* files are set. */
  auth: AuthSettings;
  databaseUrl?: string;
  dbPassword: string;
  dbPoolMax: number;
  logLevel: LogLevel;
  shutdownGraceMs: number;
  /** host:port of each service this one calls (`<PEER>_ADDRESS`). */
  peerAddresses: Partial<Record<ServiceName, string>>;
  /** The names of the variables behind the ports, for messages such as "port taken: set X". */
  variables: { grpcPort: string; metricsPort: string; healthPort: string; grpcHost: string };
}

/** What reading a service's environment needs to know about the service. */
export interface ConfigShape {
  name: ServiceName;
  /** The services it calls. */
  peers?: readonly ServiceName[];
  /** Its own variables (envalid specs). */
  env?: object;
}

/**
 * Every environment variable of one service: its ports and pool (CUSTOMERS_GRPC_PORT, …),
 * the shared ones (LOG_LEVEL, DATABASE_URL, the embedded server's), `<PEER>_ADDRESS` for each
 * service it calls, and its own.
 */
export function serviceEnvSpecs(shape: ConfigShape) {
  const p = envPrefix(shape.name);
  const defaults = SERVICE_DIRECTORY[shape.name];
  const peers = Object.fromEntries(
    (shape.peers ?? []).map((peer) => {
      const { name, defaultAddress } = peerAddressVariable(peer);
      return [name, str({ default: defaultAddress, desc: `host:port of the ${peer} service.` })];
    }),
  );
  return {
    [`${p}_GRPC_HOST`]: str({ default: '0.0.0.0', desc: 'Address the gRPC server binds to.' }),
    [`${p}_GRPC_PORT`]: portOrZero({ default: defaults.grpcPort, desc: 'gRPC port.' }),
    [`${p}_METRICS_HOST`]: str({ default: '0.0.0.0', desc: 'Address the Prometheus /metrics endpoint binds to.' }),
    [`${p}_METRICS_PORT`]: portOrZero({ default: defaults.metricsPort, desc: 'Prometheus /metrics port.' }),
    [`${p}_HEALTH_PORT`]: portOrZero({ default: defaults.healthPort, desc: 'Plaintext grpc.health.v1 port for probes, opened when authentication (TLS) is on.' }),
    [`${p}_DB_PASSWORD`]: str({ default: '', desc: `Password of the ${defaults.role} role, if the server asks for one.` }),
    [`${p}_DB_POOL_MAX`]: intInRange(1, 500)({ default: 10, desc: 'Database connections in the pool.' }),
    LOG_LEVEL: str({ choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], default: 'info' }),
    SHUTDOWN_GRACE_MS: intInRange(0, 600_000)({ default: 10_000, desc: 'How long in-flight calls may run after SIGTERM.' }),
    ...databaseEnvSpecs,
    ...authEnvSpecs,
    ...peers,
    ...(shape.env ?? {}),
  };
}

/**
 * Reads and checks every variable of the service at once (a ConfigError names every bad one):
 * the platform's, as a ServiceConfig, and the service's own, as `settings`.
 */
export function readServiceConfig<S extends object = object>(
  shape: ConfigShape & { env?: S },
  env: NodeJS.ProcessEnv = process.env,
): { config: ServiceConfig; settings: Readonly<Record<keyof S, unknown>> } {
  const p = envPrefix(shape.name);
  const v = readEnv(serviceEnvSpecs(shape), env) as Record<string, unknown>;
  const config: ServiceConfig = {
    grpcHost: v[`${p}_GRPC_HOST`] as string,
    grpcPort: v[`${p}_GRPC_PORT`] as number,
    metricsHost: v[`${p}_METRICS_HOST`] as string,
    metricsPort: v[`${p}_METRICS_PORT`] as number,
    healthPort: v[`${p}_HEALTH_PORT`] as number,
    auth: authSettings(v),
    databaseUrl: v.DATABASE_URL as string | undefined,
    dbPassword: v[`${p}_DB_PASSWORD`] as string,
    dbPoolMax: v[`${p}_DB_POOL_MAX`] as number,
    logLevel: v.LOG_LEVEL as LogLevel,
    shutdownGraceMs: v.SHUTDOWN_GRACE_MS as number,
    peerAddresses: Object.fromEntries((shape.peers ?? []).map((peer) => [peer, v[peerAddressVariable(peer).name] as string])),
    variables: { grpcPort: `${p}_GRPC_PORT`, metricsPort: `${p}_METRICS_PORT`, healthPort: `${p}_HEALTH_PORT`, grpcHost: `${p}_GRPC_HOST` },
  };
  const settings = Object.fromEntries(Object.keys(shape.env ?? {}).map((key) => [key, v[key]])) as Readonly<Record<keyof S, unknown>>;
  return { config, settings };
}

/** The auth settings, with a disagreement between the variables reported as a ConfigError like any other. */
function authSettings(v: Record<string, unknown>): AuthSettings {
  try {
    return authSettingsOf(v as Parameters<typeof authSettingsOf>[0]);
  } catch (error) {
    throw new ConfigError({ auth: (error as Error).message });
  }
}
