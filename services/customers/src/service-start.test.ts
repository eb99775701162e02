/**
 * What an operator meets when starting the service wrong: every bad variable named at once,
 * before anything starts; a port that is taken named by the variable that moves it.
 */
import { createServer, type Server } from 'node:net';
import { ConfigError } from '@cec/config';
import { createLogger } from '@cec/observability';
import { startService } from '@cec/service-runtime';
import { capturingLogger, useTestDatabase } from '@cec/testing';
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
});
