import { credentials, type ChannelCredentials, type Client, type ClientOptions } from '@grpc/grpc-js';
import { createLogger, type Logger, type LogLevel } from '@cec/observability';
import { createTestDatabase, type TestDatabase } from './test-database';

/*
 * A real service in the test process, over a database of its own.
 *
 * Why `start` is a parameter: @cec/testing sits below @cec/service-runtime in the project
 * graph (the tests of orm and grpc, which service-runtime is built on, use @cec/testing), so
 * it cannot import startService, not even its types, without a cycle. The caller passes
 * `startService` from @cec/service-runtime; a service's harness (src/testing/<name>-harness.ts)
 * does it once for all of its test files.
 */

/** What the kit needs of what startService answers. */
export interface StartedService {
  grpcPort: number;
  metricsPort: number;
  stop(): Promise<void>;
}

/** The shape of startService(spec, env, logger) from @cec/service-runtime. */
export type StartService<S, R extends StartedService> = (spec: S, env: NodeJS.ProcessEnv, logger: Logger) => Promise<R>;

/** A generated grpc-js client class, e.g. customersV1.CustomerServiceClient. */
export type ClientClass<C extends Client = Client> = new (address: string, credentials: ChannelCredentials, options?: Partial<ClientOptions>) => C;

/** Client instances by the names they were asked for. */
export type ClientsOf<K extends Record<string, ClientClass>> = { [N in keyof K]: InstanceType<K[N]> };

export interface TestServiceOptions<S, R extends StartedService, K extends Record<string, ClientClass>> {
  /** startService from @cec/service-runtime. */
  start: StartService<S, R>;
  /** The clients to create for the service's address, by name: `{ customers: customersV1.CustomerServiceClient }`. */
  clients?: K;
  /**
   * Variables merged over the kit's (they win, DATABASE_URL included): the service's own settings,
   * `<PEER>_ADDRESS`. A function gets the test database first (e.g. to route DATABASE_URL through a proxy).
   */
  env?: Record<string, string> | ((db: TestDatabase) => Record<string, string> | Promise<Record<string, string>>);
  /** The service's logger; default: JSON lines at TEST_LOG_LEVEL (default silent) on stdout. */
  logger?: Logger;
  /**
   * A database to share with another service of the same test (e.g. a peer started first):
   * used as it is and left for its owner to drop. Default: a fresh database of its own.
   */
  database?: TestDatabase;
  /** How the clients connect (default plaintext); e.g. TLS of a test identity when the service runs with authentication on. */
  channelCredentials?: ChannelCredentials;
}

export interface TestService<R extends StartedService = StartedService, K extends Record<string, ClientClass> = Record<string, never>> {
  /** The service's own database, a clone of the migrated template (connect as the migration role). */
  db: TestDatabase;
  /** What startService answered. */
  service: R;
  /** host:port of its gRPC server. */
  address: string;
  /** host:port of its /metrics endpoint. */
  metricsAddress: string;
  clients: ClientsOf<K>;
  /** The variables it was started with. */
  env: Record<string, string>;
  /** Closes the clients, stops the service, drops the database (unless it was given). Safe to call twice. */
  stop(): Promise<void>;
}

const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** TEST_LOG_LEVEL (default silent): set it to see a service's log lines while a test runs. */
export function testLogLevel(): LogLevel {
  const level = process.env.TEST_LOG_LEVEL || 'silent';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new Error(`TEST_LOG_LEVEL=${level}: use one of ${LOG_LEVELS.join(', ')}`);
  }
  return level as LogLevel;
}

/**
 * The variables that put a service on free ports of 127.0.0.1 over `databaseUrl`, with a short
 * grace period at stop. The names are service-config.ts's: `<NAME>_GRPC_PORT` and so on,
 * NAME the spec's name upper-cased (service-directory.ts, envPrefix).
 */
/** The services one may call (service-directory.ts in @cec/service-runtime, which this package cannot import). */
const PEERS = ['customers', 'campaigns', 'compliance', 'metrics'];
/** A port nobody listens on (1, tcpmux, is never served here): calls to it fail UNAVAILABLE at once. */
export const UNREACHABLE_ADDRESS = '127.0.0.1:1';

export function testServiceEnv(name: string, databaseUrl: string): Record<string, string> {
  const p = name.toUpperCase();
  return {
    DATABASE_URL: databaseUrl,
    [`${p}_GRPC_HOST`]: '127.0.0.1',
    [`${p}_GRPC_PORT`]: '0',
    [`${p}_METRICS_HOST`]: '127.0.0.1',
    [`${p}_METRICS_PORT`]: '0',
    [`${p}_HEALTH_PORT`]: '0',
    SHUTDOWN_GRACE_MS: '1000',
    // Every peer at a closed port unless the test says where it is: the defaults
    // (127.0.0.1:50051…50054) are where a developer's own `npm start` listens.
    ...Object.fromEntries(PEERS.map((peer) => [`${peer.toUpperCase()}_ADDRESS`, UNREACHABLE_ADDRESS])),
    // The business metrics feed is off: a test that wants it sets METRICS_ADDRESS and an interval itself.
    METRICS_FEED_INTERVAL_MS: '0',
  };
}

/** Runs every step, then throws the first error any of them threw. */
async function allOf(steps: (() => unknown)[]): Promise<void> {
  let first: unknown;
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      first ??= error;
    }
  }
  if (first !== undefined) throw first;
}

/**
 * Starts `spec` with `options.start` over a fresh test database (createTestDatabase), on free
 * ports of 127.0.0.1, and creates `options.clients` for it. stop() undoes it all. If starting
 * fails, the database is dropped before the error is thrown.
 */
export async function startTestService<S extends { name: string }, R extends StartedService, K extends Record<string, ClientClass> = Record<string, never>>(
  spec: S,
  options: TestServiceOptions<S, R, K>,
): Promise<TestService<R, K>> {
  const ownsDatabase = !options.database;
  const db = options.database ?? (await createTestDatabase());
  const dropOwnDatabase = async (): Promise<void> => {
    if (ownsDatabase) await db.drop();
  };
  let service: R;
  let env: Record<string, string>;
  try {
    const extra = typeof options.env === 'function' ? await options.env(db) : (options.env ?? {});
    env = { ...testServiceEnv(spec.name, db.url), ...extra };
    service = await options.start(spec, env, options.logger ?? createLogger(spec.name, testLogLevel()));
  } catch (error) {
    await dropOwnDatabase().catch(() => undefined);
    throw error;
  }
  const address = `127.0.0.1:${service.grpcPort}`;
  const clients = Object.fromEntries(
    Object.entries(options.clients ?? {}).map(([key, Class]) => [key, new Class(address, options.channelCredentials ?? credentials.createInsecure())]),
  ) as ClientsOf<K>;
  let stopped: Promise<void> | undefined;
  return {
    db,
    service,
    address,
    metricsAddress: `127.0.0.1:${service.metricsPort}`,
    clients,
    env,
    stop: () =>
      (stopped ??= allOf([
        () => Object.values(clients).forEach((client) => (client as Client).close()),
        () => service.stop(),
        () => dropOwnDatabase(),
      ])),
  };
}

/**
 * In a test file: `const svc = useService(spec, { start: startService, clients })` starts the
 * service before the file's first test and stops it after its last; every test of the file
 * shares it (one service and one database per file). The handle's fields are filled in once it
 * has started: use them inside tests and hooks, not at the top level of the file.
 */
export function useService<S extends { name: string }, R extends StartedService, K extends Record<string, ClientClass> = Record<string, never>>(
  spec: S,
  options: TestServiceOptions<S, R, K>,
): TestService<R, K> {
  const handle = {} as TestService<R, K>;
  let started: TestService<R, K> | undefined;
  beforeAll(async () => {
    started = await startTestService(spec, options);
    Object.assign(handle, started);
  });
  afterAll(async () => {
    await started?.stop();
  });
  return handle;
}
