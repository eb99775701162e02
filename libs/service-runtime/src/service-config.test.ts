import { ConfigError, intInRange } from '@cec/config';
import { createLogger } from '@cec/observability';
import { readServiceConfig, serviceDatabaseUrl } from './index';

const shape = { name: 'customers' as const };

describe('service configuration', () => {
  it('has the documented defaults, from the service directory', () => {
    expect(readServiceConfig(shape, {}).config).toEqual({
      grpcHost: '0.0.0.0',
      grpcPort: 50051,
      metricsHost: '0.0.0.0',
      metricsPort: 9451,
      healthPort: 50061,
      auth: { tls: undefined, tokens: undefined, trustDomain: 'client-escalation-calls', policyFile: undefined, insecure: false, reflection: true },
      databaseUrl: undefined,
      dbPassword: '',
      dbPoolMax: 10,
      logLevel: 'info',
      shutdownGraceMs: 10_000,
      peerAddresses: {},
      variables: { grpcPort: 'CUSTOMERS_GRPC_PORT', metricsPort: 'CUSTOMERS_METRICS_PORT', healthPort: 'CUSTOMERS_HEALTH_PORT', grpcHost: 'CUSTOMERS_GRPC_HOST' },
    });
  });

  it('reads the service-prefixed and shared variables', () => {
    const { config } = readServiceConfig(shape, {
      CUSTOMERS_GRPC_PORT: '6001',
      CUSTOMERS_METRICS_PORT: '0',
      CUSTOMERS_DB_POOL_MAX: '25',
      CAMPAIGNS_GRPC_PORT: '7000', // another service's: ignored
      LOG_LEVEL: 'debug',
      SHUTDOWN_GRACE_MS: '2500',
      DATABASE_URL: 'postgres://postgres@db:5432/client_escalation_calls',
    });
    expect(config).toMatchObject({
      grpcPort: 6001,
      metricsPort: 0,
      dbPoolMax: 25,
      logLevel: 'debug',
      shutdownGraceMs: 2500,
      databaseUrl: 'postgres://postgres@db:5432/client_escalation_calls',
    });
  });

  it("gives each peer a <PEER>_ADDRESS defaulting to the peer's port on this machine", () => {
    const peers = { name: 'campaigns' as const, peers: ['customers', 'compliance'] as const };
    expect(readServiceConfig(peers, {}).config.peerAddresses).toEqual({ customers: '127.0.0.1:50051', compliance: '127.0.0.1:50053' });
    expect(readServiceConfig(peers, { COMPLIANCE_ADDRESS: 'compliance.internal:7443' }).config.peerAddresses.compliance).toBe('compliance.internal:7443');
  });

  it("returns the service's own variables as settings", () => {
    const own = { name: 'customers' as const, env: { SWEEP_MS: intInRange(0, 1000)({ default: 5 }) } };
    expect(readServiceConfig(own, {}).settings).toEqual({ SWEEP_MS: 5 });
    expect(readServiceConfig(own, { SWEEP_MS: '7' }).settings).toEqual({ SWEEP_MS: 7 });
  });

  it('names every bad variable at once: platform, database, peers and its own', () => {
    let error: unknown;
    try {
      readServiceConfig(
        { name: 'customers', env: { SWEEP_MS: intInRange(0, 1000)({ default: 5 }) } },
        { CUSTOMERS_GRPC_PORT: 'http', CUSTOMERS_DB_POOL_MAX: '0', LOG_LEVEL: 'chatty', DATABASE_URL: 'nope', EMBEDDED_PG_PORT: 'x', SWEEP_MS: '-1' },
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(Object.keys((error as ConfigError).problems).sort()).toEqual([
      'CUSTOMERS_DB_POOL_MAX',
      'CUSTOMERS_GRPC_PORT',
      'DATABASE_URL',
      'EMBEDDED_PG_PORT',
      'LOG_LEVEL',
      'SWEEP_MS',
    ]);
  });
});

describe('the service database URL', () => {
  const logger = createLogger('test', 'silent');

  it('keeps server and database but logs in as the service role', async () => {
    const url = await serviceDatabaseUrl({ role: 'customers_svc', password: '', databaseUrl: 'postgres://postgres:admin-secret@db:5432/client_escalation_calls' }, logger);
    expect(url).toBe('postgres://customers_svc@db:5432/client_escalation_calls');
  });

  it("uses the role's own password", async () => {
    const url = await serviceDatabaseUrl({ role: 'customers_svc', password: 's3cr3t/+', databaseUrl: 'postgres://postgres@db:5432/cec' }, logger);
    expect(new URL(url).username).toBe('customers_svc');
    expect(decodeURIComponent(new URL(url).password)).toBe('s3cr3t/+');
  });

  it('keeps the password of a URL that already names the role', async () => {
    const url = await serviceDatabaseUrl({ role: 'customers_svc', password: '', databaseUrl: 'postgres://customers_svc:pw@db:5432/cec' }, logger);
    expect(url).toBe('postgres://customers_svc:pw@db:5432/cec');
  });
});
