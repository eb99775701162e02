/**
 * What an operator meets when starting the service wrong: every bad variable named at once,
 * before anything starts; a port that is taken named by the variable that moves it.
 */
import { createServer, type Server } from 'node:net';
import { ConfigError } from '@cec/config';
import { createLogger } from '@cec/observability';
import { startService } from '@cec/service-runtime';
import { credentials } from '@grpc/grpc-js';
import { healthV1 } from '@cec/proto';
import { bufListServices, capturingLogger, createTestIdentity, useTestDatabase, type TestIdentity } from '@cec/testing';
import { customersServiceSpec } from './customers-service';

const silent = createLogger('customers', 'silent');

async function occupiedPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
  return { port, server };
}

describe('starting the customers service', () => {
  const db = useTestDatabase();
  const base = () => ({
    DATABASE_URL: db.url,
    CUSTOMERS_GRPC_HOST: '127.0.0.1',
    CUSTOMERS_GRPC_PORT: '0',
    CUSTOMERS_METRICS_HOST: '127.0.0.1',
    CUSTOMERS_METRICS_PORT: '0',
    OVERDUE_SWEEP_INTERVAL_MS: '0',
  });

  it("checks the service's own variables with the platform's, before anything starts", async () => {
    // No DATABASE_URL: had anything started, it would be the embedded server; it is not reached.
    const error = await startService(customersServiceSpec, { OVERDUE_SWEEP_INTERVAL_MS: 'hourly', CUSTOMERS_GRPC_PORT: 'http', LOG_LEVEL: 'loud' }, silent).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(Object.keys((error as ConfigError).problems).sort()).toEqual(['CUSTOMERS_GRPC_PORT', 'LOG_LEVEL', 'OVERDUE_SWEEP_INTERVAL_MS']);
  });

  it('names CUSTOMERS_GRPC_PORT when the gRPC port is taken', async () => {
    const { port, server } = await occupiedPort();
    try {
      const error = (await startService(customersServiceSpec, { ...base(), CUSTOMERS_GRPC_PORT: String(port) }, silent).catch((e: Error) => e)) as Error;
      expect(error.message).toBe(`127.0.0.1:${port} is already in use (another process listens there): set CUSTOMERS_GRPC_PORT to a free port`);
    } finally {
      server.close();
    }
  });

  it('names CUSTOMERS_METRICS_PORT when the metrics port is taken', async () => {
    const { port, server } = await occupiedPort();
    try {
      const error = (await startService(customersServiceSpec, { ...base(), CUSTOMERS_METRICS_PORT: String(port) }, silent).catch((e: Error) => e)) as Error;
      expect(error.message).toBe(`127.0.0.1:${port} is already in use (another process listens there): set CUSTOMERS_METRICS_PORT to a free port`);
    } finally {
      server.close();
    }
  });

  it('reports the ports it really listens on', async () => {
    const log = capturingLogger();
    const service = await startService(customersServiceSpec, base(), log.logger);
    try {
      const started = log.lines().find((l) => String(l.msg).includes('service started'));
      expect(started?.msg).toBe(`customers service started: gRPC on port ${service.grpcPort}, /metrics on port ${service.metricsPort}`);
      expect(started?.grpc).toBe(`127.0.0.1:${service.grpcPort}`);
    } finally {
      await service.stop();
    }
  });

  describe('with authentication', () => {
    let identity: TestIdentity;
    beforeAll(async () => {
      identity = await createTestIdentity();
    });
    afterAll(() => identity?.remove());

    it('refuses to listen on a non-loopback address without authentication, naming what to set', async () => {
      const error = (await startService(customersServiceSpec, { ...base(), CUSTOMERS_GRPC_HOST: '0.0.0.0' }, silent).catch((e: Error) => e)) as Error;
      expect(error).toBeInstanceOf(Error);
      expect(error.message).toMatch(/customers would listen on 0\.0\.0\.0 without authentication: set TLS_CERT_FILE, TLS_KEY_FILE and TLS_CA_FILE.*AUTH_INSECURE=true/);
    });

    it('starts there with AUTH_INSECURE=true, and warns', async () => {
      const log = capturingLogger();
      const service = await startService(customersServiceSpec, { ...base(), CUSTOMERS_GRPC_HOST: '0.0.0.0', AUTH_INSECURE: 'true' }, log.logger);
      try {
        expect(log.lines().some((l) => l.level === 'warn' && String(l.msg).includes('WITHOUT authentication'))).toBe(true);
      } finally {
        await service.stop();
      }
    });

    it('takes the three TLS files together or not at all', async () => {
      const error = await startService(customersServiceSpec, { ...base(), TLS_CERT_FILE: identity.certFiles('customers').cert }, silent).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems.auth).toMatch(/go together/);
    });

    it('serves health in plaintext on the health port, and no reflection when GRPC_REFLECTION=false', async () => {
      const service = await startService(
        customersServiceSpec,
        { ...base(), ...identity.serviceEnv('customers'), CUSTOMERS_HEALTH_PORT: '0', GRPC_REFLECTION: 'false' },
        silent,
      );
      const health = new healthV1.HealthClient(`127.0.0.1:${service.healthPort}`, credentials.createInsecure());
      try {
        const answer = await new Promise<healthV1.HealthCheckResponse>((resolve, reject) =>
          health.check({ service: '' }, (error, response) => (error ? reject(error) : resolve(response))),
        );
        expect(answer.status).toBe(healthV1.HealthCheckResponse_ServingStatus.SERVING);
        // The TLS port, asked by buf curl through reflection: there is none.
        const listed = await bufListServices(`localhost:${service.grpcPort}`, { tls: { caFile: identity.caFile } });
        expect(listed.code).not.toBe(0);
        expect(listed.stderr).toMatch(/unimplemented/i);
      } finally {
        health.close();
        await service.stop();
      }
    });
  });
});
