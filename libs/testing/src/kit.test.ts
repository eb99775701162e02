import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Metadata, Server, ServerCredentials, status, type ServiceError } from '@grpc/grpc-js';
import { Client } from 'pg';
import { workspaceRoot } from '@cec/db';
import { googleRpc, healthV1 } from '@cec/proto';
import {
  bufCurl,
  call,
  eventually,
  expectInvalid,
  snapshot,
  startTestService,
  useService,
  useTestDatabase,
  watchProcess,
  withDeadline,
  type StartedService,
} from './index';

/** A stand-in for startService: a gRPC server with grpc.health.v1.Health on the variables the kit sets. */
function fakeStart(seen: { env?: NodeJS.ProcessEnv; stopped?: boolean } = {}) {
  return async (spec: { name: string }, env: NodeJS.ProcessEnv): Promise<StartedService & { server: Server }> => {
    seen.env = env;
    const p = spec.name.toUpperCase();
    const server = new Server();
    server.addService(healthV1.HealthService, {
      check: (_call: unknown, done: (error: null, response: healthV1.HealthCheckResponse) => void) =>
        done(null, { status: healthV1.HealthCheckResponse_ServingStatus.SERVING }),
    });
    const grpcPort = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${env[`${p}_GRPC_HOST`]}:${env[`${p}_GRPC_PORT`]}`, ServerCredentials.createInsecure(), (error, port) =>
        error ? reject(error) : resolve(port),
      ),
    );
    return {
      server,
      grpcPort,
      metricsPort: 9999,
      stop: async () => {
        seen.stopped = true;
        await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      },
    };
  };
}

async function databaseExists(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === '3D000') return false;
    throw error;
  }
}

/** A ServiceError as grpc-js hands it to a client, with or without google.rpc details. */
function invalidArgument(message: string, violations?: string[]): Promise<never> {
  const metadata = new Metadata();
  if (violations) {
    const badRequest = googleRpc.BadRequest.encode({ fieldViolations: violations.map((field) => ({ field, description: 'bad' })) } as googleRpc.BadRequest).finish();
    const details = googleRpc.Status.encode({
      code: status.INVALID_ARGUMENT,
      message,
      details: [{ typeUrl: 'type.googleapis.com/google.rpc.BadRequest', value: Buffer.from(badRequest) }],
    }).finish();
    metadata.set('grpc-status-details-bin', Buffer.from(details));
  }
  return Promise.reject(Object.assign(new Error(`3 INVALID_ARGUMENT: ${message}`), { code: status.INVALID_ARGUMENT, details: message, metadata }) as ServiceError);
}

describe('snapshot', () => {
  const db = useTestDatabase();

  it('is equal while nothing changes and names the table that changed', async () => {
    await db.query("INSERT INTO agents (name, type) VALUES ('snap-a', 'email'), ('snap-b', 'sms')");
    const before = await snapshot(db, ['agents', 'audit_logs']);
    expect(before.agents.rows).toBeGreaterThanOrEqual(2);
    expect(await snapshot(db.url, ['agents', 'audit_logs'])).toEqual(before);
    await db.query("UPDATE agents SET name = 'snap-c' WHERE name = 'snap-b'");
    const after = await snapshot(db.pool, ['agents', 'audit_logs']);
    expect(after.agents).toEqual({ rows: before.agents.rows, md5: expect.not.stringMatching(before.agents.md5) });
    expect(after.audit_logs).toEqual(before.audit_logs);
  });
});

describe('expectInvalid', () => {
  it('returns the error when the code, the message and the BadRequest name every field', async () => {
    const error = await expectInvalid(invalidArgument('a.b: is required; c: is bad', ['a.b', 'c']), ['a.b', 'c']);
    expect(error.details).toBe('a.b: is required; c: is bad');
    await expectInvalid(invalidArgument('a.b: is required'), 'a.b');
  });

  it('fails for a success, another code, a field the message or the BadRequest lacks', async () => {
    await expect(expectInvalid(Promise.resolve({ ok: true }), ['a'])).rejects.toThrow('expected the call to fail, it answered {"ok":true}');
    const notFound = Object.assign(new Error('5 NOT_FOUND: gone'), { code: status.NOT_FOUND, details: 'gone', metadata: new Metadata() });
    await expect(expectInvalid(Promise.reject(notFound), ['a'])).rejects.toThrow(/INVALID_ARGUMENT/);
    await expect(expectInvalid(invalidArgument('a: bad'), ['a', 'b'])).rejects.toThrow();
    await expect(expectInvalid(invalidArgument('ab: bad', ['ab']), ['b'])).rejects.toThrow();
    await expect(expectInvalid(invalidArgument('a: bad; b: bad', ['a']), ['a', 'b'])).rejects.toThrow(/badRequestFields/);
  });
});

describe('startTestService', () => {
  it('starts a service on 127.0.0.1 over a database of its own, with typed clients, and undoes it all at stop', async () => {
    const seen: { env?: NodeJS.ProcessEnv; stopped?: boolean } = {};
    const svc = await startTestService({ name: 'compliance' }, {
      start: fakeStart(seen),
      clients: { health: healthV1.HealthClient },
      env: (db) => ({ EXTRA: db.name, SHUTDOWN_GRACE_MS: '250' }),
    });
    try {
      expect(seen.env).toEqual({
        DATABASE_URL: svc.db.url,
        COMPLIANCE_GRPC_HOST: '127.0.0.1',
        COMPLIANCE_GRPC_PORT: '0',
        COMPLIANCE_HEALTH_PORT: '0',
        COMPLIANCE_METRICS_HOST: '127.0.0.1',
        COMPLIANCE_METRICS_PORT: '0',
        // every peer at a closed port unless the test says where it is
        CUSTOMERS_ADDRESS: '127.0.0.1:1',
        CAMPAIGNS_ADDRESS: '127.0.0.1:1',
        COMPLIANCE_ADDRESS: '127.0.0.1:1',
        METRICS_ADDRESS: '127.0.0.1:1',
        METRICS_FEED_INTERVAL_MS: '0',
        SHUTDOWN_GRACE_MS: '250',
        EXTRA: svc.db.name,
      });
      expect(svc.address).toBe(`127.0.0.1:${svc.service.grpcPort}`);
      expect(svc.service.grpcPort).toBeGreaterThan(0);
      expect(await call(svc.clients.health, 'check', { service: '' })).toEqual({ status: healthV1.HealthCheckResponse_ServingStatus.SERVING });
      expect(await databaseExists(svc.db.url)).toBe(true);
    } finally {
      await svc.stop();
    }
    expect(seen.stopped).toBe(true);
    expect(await databaseExists(svc.db.url)).toBe(false);
    await svc.stop(); // twice is fine
  });

  it('drops the database when the service cannot start', async () => {
    let url = '';
    await expect(
      startTestService({ name: 'metrics' }, {
        env: (db) => {
          url = db.url;
          return {};
        },
        start: async () => {
          throw new Error('cannot start');
        },
      }),
    ).rejects.toThrow('cannot start');
    expect(url).not.toBe('');
    expect(await databaseExists(url)).toBe(false);
  });
});

describe('useService', () => {
  const svc = useService({ name: 'campaigns' }, { start: fakeStart(), clients: { health: healthV1.HealthClient } });

  it('is started before the tests of the file, and answers buf curl', async () => {
    expect(svc.env.CAMPAIGNS_GRPC_PORT).toBe('0');
    const schema = join(workspaceRoot(), 'node_modules/grpc-health-check/proto/health/v1/health.proto');
    const result = await bufCurl(svc.address, 'grpc.health.v1.Health/Check', { service: '' }, { schema });
    expect(result).toMatchObject({ code: 0, json: { status: 'SERVING' }, stderr: '' });
    const unknown = await bufCurl(svc.address, 'grpc.health.v1.Health/Nope', {}, { schema });
    expect(unknown.code).not.toBe(0);
  });
});

describe('waiting for events', () => {
  it('sees a line a process prints and its exit, and fails at the deadline', async () => {
    const child = spawn(process.execPath, ['-e', 'console.log("starting"); setTimeout(() => { console.log(JSON.stringify({ msg: "ready" })); process.exit(3); }, 100)'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const watched = watchProcess(child);
    expect(await watched.waitForLine(/"msg":"ready"/, 5_000)).toBe('{"msg":"ready"}');
    expect(await watched.exited(5_000)).toBe(3);
    await expect(watched.waitForLine('never printed', 5_000)).rejects.toThrow(/exited \(code 3\) before printing/);
    expect(watched.output()).toContain('starting');
  });

  it('asks until the answer comes, within the deadline', async () => {
    let asked = 0;
    expect(await eventually(() => (++asked >= 3 ? 'done' : undefined), { what: 'three asks', intervalMs: 1 })).toBe('done');
    await expect(eventually(() => false, { what: 'nothing', timeoutMs: 50 })).rejects.toThrow('timed out after 50 ms waiting for nothing');
    await expect(withDeadline(new Promise(() => undefined), 20, 'forever')).rejects.toThrow('timed out after 20 ms waiting for forever');
  });
});
