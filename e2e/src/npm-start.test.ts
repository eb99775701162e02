/*
 * `npm start` as a newcomer runs it, under test: the script it runs (start-system.ts) in a process
 * group of its own, as a terminal runs it, every port moved to a free one, the embedded PostgreSQL
 * in a temporary folder. The four services answer SERVING on their health ports and a call made
 * with the operator token it writes, and the agent simulator completes tasks; Ctrl-C (SIGINT to
 * the whole group, as the terminal sends it) stops the simulator and every service gracefully,
 * exit code 0, nothing listening on any port; a second start reuses the data (database, rows,
 * agents); a port already taken stops the start with a message naming the variable to change.
 *
 * It runs the real `npm start`: its script is `exec node --import tsx …start-system.ts`, so npm's
 * child is the script itself (not a `sh -c` that dies of the SIGINT at once) and npm waits for the
 * graceful stop and exits with its code. The script may get the Ctrl-C twice (the terminal's, and
 * npm's forwarded one): a second signal within 2 s is the same Ctrl-C.
 *
 * Nothing of the developer's is touched: the identity goes to IDENTITY_DIR, the database to
 * EMBEDDED_PG_DIR, both in the temporary folder.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, type ChannelCredentials } from '@grpc/grpc-js';
import { Client } from 'pg';
import { DEFAULT_DATABASE, freePort, stopEmbeddedPostgres, workspaceRoot } from '@cec/db';
import { campaignsV1, customersV1, healthV1 } from '@cec/proto';
import { call, eventually, watchProcess, type WatchedProcess } from '@cec/testing';

jest.setTimeout(180_000);

const SERVICES = ['customers', 'campaigns', 'compliance', 'metrics'] as const;
type Service = (typeof SERVICES)[number];
interface Ports {
  grpc: number;
  metrics: number;
  health: number;
}

const root = workspaceRoot();
const dataDir = mkdtempSync(join(tmpdir(), 'cec-npm-start-'));
// Readable by others: run as root, the embedded server runs as the OS user postgres and must reach its data directory in here.
chmodSync(dataDir, 0o755);
const pgDir = join(dataDir, 'postgres');
const identityDir = join(dataDir, 'identity');
let pgPort = 0;
let simulatorMetricsPort = 0;
const ports = {} as Record<Service, Ports>;
interface Started {
  process: WatchedProcess;
  pid: number;
  running(): boolean;
}
let started: Started | undefined;
let blocker: Server | undefined;

/** Free ports, all different. */
async function distinctFreePorts(count: number): Promise<number[]> {
  const found = new Set<number>();
  while (found.size < count) found.add(await freePort());
  return [...found];
}

/** Every variable that names a port, moved; the embedded server's data in the temporary folder; no DATABASE_URL (the embedded route). */
function startEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    EMBEDDED_PG_DIR: pgDir,
    EMBEDDED_PG_PORT: String(pgPort),
    IDENTITY_DIR: identityDir,
    LOG_LEVEL: 'info',
    // The simulator: its own agents' names, work 20 times faster, the same outcomes every run.
    SIMULATOR_METRICS_PORT: String(simulatorMetricsPort),
    SIMULATOR_NAME_PREFIX: 'e2e',
    SIMULATOR_SPEED: '20',
    SIMULATOR_SEED: '12',
    SIMULATOR_POLL_MS: '200',
  };
  delete env.DATABASE_URL;
  for (const name of SERVICES) {
    const p = name.toUpperCase();
    env[`${p}_GRPC_PORT`] = String(ports[name].grpc);
    env[`${p}_METRICS_PORT`] = String(ports[name].metrics);
    env[`${p}_HEALTH_PORT`] = String(ports[name].health);
    env[`${p}_ADDRESS`] = `127.0.0.1:${ports[name].grpc}`;
  }
  return env;
}

/** The README's first command (after the install). */
const START = ['npm', 'start'];

/** `npm start`'s script in a process group of its own, as a terminal starts it. */
function npmStart(): Started {
  const child = spawn(START[0], START.slice(1), { cwd: root, env: startEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  return { process: watchProcess(child), pid: child.pid as number, running: () => child.exitCode === null && child.signalCode === null };
}

/** Ctrl-C: the terminal sends SIGINT to the whole foreground process group. */
const ctrlC = (pid: number): void => {
  process.kill(-pid, 'SIGINT');
};

/** Every port this test gave the system, PostgreSQL's too. */
const allPorts = (): number[] => [pgPort, simulatorMetricsPort, ...SERVICES.flatMap((name) => [ports[name].grpc, ports[name].metrics, ports[name].health])];

/** The processes of this test's starts still running: those whose environment names its identity folder (Linux: /proc). */
function leftovers(): number[] {
  if (!existsSync('/proc/self/environ')) return [];
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`IDENTITY_DIR=${identityDir}`);
      } catch {
        return false; // gone meanwhile, or not ours to read
      }
    })
    .map(Number);
}

/** Whether something accepts connections on 127.0.0.1:port. */
const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

const stillListening = async (except: number[] = []): Promise<number[]> => {
  const open = await Promise.all(allPorts().map(async (port) => ((await listening(port)) && !except.includes(port) ? port : undefined)));
  return open.filter((port): port is number => port !== undefined);
};

/** Health's answer on a service's plaintext health port: 'SERVING', or why not. */
async function health(name: Service): Promise<string> {
  const client = new healthV1.HealthClient(`127.0.0.1:${ports[name].health}`, credentials.createInsecure());
  try {
    const { status } = await call(client, 'check', { service: '' }, { deadlineMs: 2_000 });
    return healthV1.HealthCheckResponse_ServingStatus[status];
  } catch (error) {
    return (error as Error).message;
  } finally {
    client.close();
  }
}

/** Resolves once all four services answer SERVING; fails at once, with its output, if npm start exits first. */
async function allServing(run: Started, timeoutMs: number): Promise<void> {
  let exited = false;
  const serving = eventually(async () => exited || (await Promise.all(SERVICES.map(health))).every((answer) => answer === 'SERVING'), {
    what: 'the four services SERVING on their health ports',
    timeoutMs,
    intervalMs: 500,
  });
  const exit = run.process.exited(timeoutMs + 5_000).then((code) => {
    exited = true;
    throw new Error(`npm start exited (code ${code}) before the four services were SERVING:\n${run.process.output()}`);
  });
  await Promise.race([serving, exit]);
}

/** The JSON log lines of the services and the simulator. */
function logLines(output: string): Record<string, unknown>[] {
  return output.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return []; // a line cut by the end of a chunk
    }
  });
}

/** Who said they stopped gracefully: each service ("stopped"), the simulator (its summary). */
const stoppedGracefully = (output: string): string[] =>
  logLines(output)
    .filter((line) => line.msg === 'stopped' || line.msg === 'agent simulator stopped: summary')
    .map((line) => String(line.service))
    .sort();

/** The application database of the embedded server, as its superuser. */
async function query<R>(text: string, params: unknown[] = []): Promise<R[]> {
  const client = new Client({ connectionString: `postgres://postgres@127.0.0.1:${pgPort}/${DEFAULT_DATABASE}` });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as R[];
  } finally {
    await client.end();
  }
}

/** The operator's TLS and token, from the files npm start wrote: what its printed buf curl lines use. */
function asOperator(): { tls: ChannelCredentials; metadata: Record<string, string> } {
  const token = readFileSync(join(identityDir, 'operator.token'), 'utf8').trim();
  return { tls: credentials.createSsl(readFileSync(join(identityDir, 'ca.pem'))), metadata: { authorization: `Bearer ${token}` } };
}

async function createCustomer(companyName: string): Promise<string> {
  const { tls, metadata } = asOperator();
  const client = new customersV1.CustomerServiceClient(`127.0.0.1:${ports.customers.grpc}`, tls);
  try {
    const { customer } = await call(
      client,
      'createCustomer',
      {
        customer: customersV1.Customer.fromPartial({ companyName, contactName: 'Sam Starter', email: 'ap@npm-start.example' }),
        profile: customersV1.CustomerProfile.fromPartial({ timeZone: 'UTC', countryCode: 'GB' }),
        requestId: '',
      },
      { metadata },
    );
    return customer?.id as string;
  } finally {
    client.close();
  }
}

/** Manual reviews for the customer (the simulator's research agent completes every one). */
async function createReviews(customerId: string, count: number): Promise<string[]> {
  const { tls, metadata } = asOperator();
  const client = new campaignsV1.TaskServiceClient(`127.0.0.1:${ports.campaigns.grpc}`, tls);
  try {
    const ids: string[] = [];
    for (let n = 1; n <= count; n++) {
      const { task } = await call(
        client,
        'createTask',
        { task: campaignsV1.Task.fromPartial({ customerId, type: campaignsV1.TaskType.TASK_TYPE_MANUAL_REVIEW, instructions: `Review ${n}` }), requestId: '' },
        { metadata },
      );
      ids.push(task?.id as string);
    }
    return ids;
  } finally {
    client.close();
  }
}

beforeAll(async () => {
  const [pg, simulator, ...free] = await distinctFreePorts(2 + 3 * SERVICES.length);
  pgPort = pg;
  simulatorMetricsPort = simulator;
  SERVICES.forEach((name, i) => (ports[name] = { grpc: free[3 * i], metrics: free[3 * i + 1], health: free[3 * i + 2] }));
});

/** After a failed test: Ctrl-C (the script stops its services), else SIGKILL; then whatever a broken stop left behind. */
async function stopWhatRuns(): Promise<void> {
  if (started?.running()) {
    const { pid, process: run } = started;
    ctrlC(pid);
    await run.exited(60_000).catch(() => process.kill(-pid, 'SIGKILL'));
  }
  // The services and the simulator run in process groups of their own.
  for (const pid of leftovers()) process.kill(pid, 'SIGKILL');
}

afterAll(async () => {
  await stopWhatRuns();
  blocker?.close();
  await stopEmbeddedPostgres(pgDir, 'immediate').catch(() => false);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  let customerId = '';
  let completedTaskIds: string[] = [];

  it('the first start creates and seeds the database in the embedded server and brings the four services to SERVING', async () => {
    started = npmStart();
    await allServing(started, 150_000);
    const output = started.process.output();
    expect(output).toContain(`[start] embedded PostgreSQL on 127.0.0.1:${pgPort} (data in ${pgDir})`);
    expect(output).toMatch(/\[start\] database postgres:\/\/\S+ \(created\)/);
    expect(output).toContain('(demo data for a new database)');
    // The lines to try come once every service serves (before, a newcomer's first paste could find nothing).
    const ready = await started.process.waitForLine(/\[start\] ready in [0-9.]+ s: customers, campaigns, compliance, metrics SERVING/, 30_000);
    await started.process.waitForLine('[start] try:', 10_000);
    expect(started.process.output().indexOf('[start] try:')).toBeGreaterThan(started.process.output().indexOf(ready));
    customerId = await createCustomer('First Run Ltd');
  });

  it('the agent simulator completes tasks: three manual reviews made through campaigns, completed by its agents, logged', async () => {
    const run = (started as Started).process;
    const created = await createReviews(customerId, 3);
    await eventually(
      async () => {
        const logged = new Set(logLines(run.output()).filter((line) => line.msg === 'task completed').map((line) => String(line.taskId)));
        if (!created.every((id) => logged.has(id))) return undefined;
        const rows = await query<{ status: string; agent: string }>(
          'SELECT t.status, a.name AS agent FROM tasks t JOIN agents a ON a.id = t.agent_id WHERE t.id = ANY($1::uuid[])',
          [created],
        );
        return rows.length === created.length && rows.every((row) => row.status === 'completed' && row.agent.startsWith('e2e-research-'));
      },
      { what: 'the three reviews completed by the simulator, logged and in the database', timeoutMs: 60_000, intervalMs: 250 },
    );
    completedTaskIds = created;
  });

  it('Ctrl-C stops it gracefully: exit code 0, nothing listening on any of its ports, the embedded server stopped', async () => {
    const { process: run, pid } = started as Started;
    ctrlC(pid);
    expect(await run.exited(60_000)).toBe(0);
    expect(stoppedGracefully(run.output())).toEqual(['agent-simulator', 'campaigns', 'compliance', 'customers', 'metrics']);
    expect(run.output()).toContain('[start] stopped the embedded PostgreSQL');
    expect(await stillListening()).toEqual([]);
    expect(leftovers()).toEqual([]);
  });

  it('a second start reuses the data: the database not created again, the first run’s rows and agents there', async () => {
    await stopWhatRuns(); // (only when the test before failed)
    started = npmStart();
    await allServing(started, 120_000);
    const output = started.process.output();
    expect(output).toMatch(/\[start\] database postgres:\/\/\S+\n/);
    expect(output).not.toContain('(created)');
    expect(output).not.toContain('demo data');
    expect(await query('SELECT company_name FROM customers WHERE id = $1', [customerId])).toEqual([{ company_name: 'First Run Ltd' }]);
    const completed = await query<{ n: number }>("SELECT count(*)::int AS n FROM tasks WHERE id = ANY($1::uuid[]) AND status = 'completed'", [completedTaskIds]);
    expect(completed).toEqual([{ n: completedTaskIds.length }]);
    // The simulator finds its agents by name: reused, none registered again.
    const run = started.process;
    await run.waitForLine('"msg":"agent reused"', 60_000);
    expect(logLines(run.output()).filter((line) => line.msg === 'agent registered')).toEqual([]);
    ctrlC(started.pid);
    expect(await run.exited(60_000)).toBe(0);
    expect(stoppedGracefully(run.output())).toEqual(['agent-simulator', 'campaigns', 'compliance', 'customers', 'metrics']);
    expect(await stillListening()).toEqual([]);
    expect(leftovers()).toEqual([]);
  });

  it('a port already taken: the start fails with a message naming the variable to change, and leaves nothing running', async () => {
    await stopWhatRuns(); // (only when a test before failed)
    blocker = createServer();
    await new Promise<void>((resolve, reject) => (blocker as Server).once('error', reject).listen(ports.customers.grpc, '127.0.0.1', resolve));
    started = npmStart();
    const run = started.process;
    expect(await run.exited(120_000)).toBe(1);
    const output = run.output();
    expect(output).toMatch(/is already in use \(another process listens there\): set CUSTOMERS_GRPC_PORT to a free port/);
    expect(output).toContain('[start] customers exited (1); stopping the others');
    expect(output).toContain('[start] stopped the embedded PostgreSQL');
    expect(await stillListening([ports.customers.grpc])).toEqual([]);
    expect(leftovers()).toEqual([]);
  });
});
