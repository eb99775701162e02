/**
 * `npm start`: the whole system on this machine. Uses DATABASE_URL, or starts the embedded
 * PostgreSQL; creates and migrates the database (and loads the seed data into a database
 * it just created), then runs every service as its own process on its default ports, with
 * authentication on: a development CA, a certificate per service and a token signing key in
 * .data/identity (kept while still valid), a token for a demo operator written there, and the
 * buf curl / grpcurl lines that use it printed once every service answers SERVING on its health
 * port ("ready in … s"). Each service finds its peers at the ports
 * configured here (<PEER>_ADDRESS, unless set). Then the agent simulator (apps/agent-simulator)
 * runs as its own process against campaigns and compliance, with the same identity folder
 * (SIMULATOR=false: not started; its SIMULATOR_* variables pass through).
 * Every port comes from the environment (<SERVICE>_GRPC_PORT, _METRICS_PORT, _HEALTH_PORT,
 * EMBEDDED_PG_PORT, SIMULATOR_METRICS_PORT), the embedded server's folder from EMBEDDED_PG_DIR,
 * the identity folder from IDENTITY_DIR (default .data/identity).
 * Ctrl-C (or SIGTERM) stops the simulator first (it finishes the tasks it holds), then the
 * services gracefully, then the embedded server if it started it, and exits 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bool, readEnv, str } from '@cec/config';
import {
  ensureDatabaseExists,
  migrate,
  redactUrl,
  resolveDatabaseTarget,
  seed,
  stopEmbeddedPostgres,
  workspaceRoot,
} from '@cec/db';
import { peerAddressVariable, readServiceConfig, SERVICE_NAMES } from '../src/index';
import { callLines, DEMO_OPERATOR, defaultIdentityDir, shownPath, writeSystemIdentity, writeTokenFile } from './dev-identity';
import { untilServing } from './until-serving';

const say = (line: string): void => console.log(`[start] ${line}`);

const START_ENV = {
  IDENTITY_DIR: str({ default: '', desc: 'The development identity folder (default .data/identity).' }),
  SIMULATOR: bool({ default: true, desc: 'Run the agent simulator beside the services (false: not).' }),
};
/** The simulator's own default (apps/agent-simulator/src/options.ts), for the printed line. */
const SIMULATOR_METRICS_PORT = 9459;

/** How long npm start waits for every service to be SERVING before it says which are not. */
const READY_TIMEOUT_MS = 120_000;

/** A signal this long after the first one stops the children at once (sooner: the same Ctrl-C twice). */
const SECOND_SIGNAL_AFTER_MS = 2_000;

/** Spawns `main` with node and tsx as its loader, in a process group of its own (see below). */
function spawnNode(main: string, cwd: string, env: NodeJS.ProcessEnv): ChildProcess {
  // Plain node with tsx as its loader: no tsx parent process between this script and the child.
  // DEP0123: Node warns when a TLS client connects to an IP address with it as the server name,
  // which grpc-js does for 127.0.0.1; Node then sends no server name (RFC 6066) and still checks
  // the certificate against the IP, so the warning only confuses on a laptop.
  return spawn(process.execPath, ['--disable-warning=DEP0123', '--import', 'tsx', main], {
    cwd,
    env,
    stdio: 'inherit',
    // Its own process group: Ctrl-C reaches only this script, which then sends each
    // child one SIGTERM (a second signal would make it exit at once).
    detached: true,
  });
}

/** Sends SIGTERM (unless it has exited) and resolves once it exited. */
function terminate(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function main(): Promise<void> {
  const root = workspaceRoot();
  const { SIMULATOR: simulatorOn, IDENTITY_DIR } = readEnv(START_ENV);
  const target = await resolveDatabaseTarget();
  if (target.embedded) say(`embedded PostgreSQL on 127.0.0.1:${target.embedded.port} (data in ${target.embedded.dataDir})`);
  const created = await ensureDatabaseExists(target);
  say(`database ${redactUrl(target.databaseUrl)}${created ? ' (created)' : ''}`);
  await migrate(target.databaseUrl, { log: (line) => say(line) });
  if (created) await seed(target.databaseUrl, { log: (line) => say(`${line} (demo data for a new database)`) });

  // Every service's variables are checked before anything starts; ports as configured, not as defaulted.
  const services = SERVICE_NAMES.map((name) => ({ name, config: readServiceConfig({ name }).config }));
  const present = services.filter((s) => existsSync(join(root, 'services', s.name, 'src', 'main.ts')));
  const missing = services.filter((s) => !present.includes(s)).map((s) => s.name);
  const identityDir = IDENTITY_DIR ? resolve(IDENTITY_DIR) : defaultIdentityDir();
  const identity = await writeSystemIdentity(identityDir);
  const tokenFile = join(identityDir, 'operator.token');
  const operator = await writeTokenFile(identity, DEMO_OPERATOR, tokenFile);
  const children = new Map<string, ChildProcess>();
  let simulator: ChildProcess | undefined;
  let stopping: Promise<never> | undefined;
  const grpcAddress = (name: string): string => `127.0.0.1:${services.find((s) => s.name === name)?.config.grpcPort}`;
  // Each service reaches its peers at the ports configured here, unless told otherwise.
  const peerEnv = Object.fromEntries(
    SERVICE_NAMES.map((name) => [peerAddressVariable(name).name, process.env[peerAddressVariable(name).name] || grpcAddress(name)]),
  );

  let stopStarted = 0;
  const stopAll = (code: number): Promise<never> => {
    if (stopping) {
      // The same Ctrl-C may arrive twice (from the terminal, and forwarded by npm): only a
      // second signal well after the first means "now": every child still running gets one
      // more, and exits at once.
      if (Date.now() - stopStarted < SECOND_SIGNAL_AFTER_MS) return stopping;
      for (const child of [simulator, ...children.values()]) if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return stopping;
    }
    stopStarted = Date.now();
    stopping = (async () => {
      // The simulator first: it finishes the tasks it holds, which needs the services.
      if (simulator) await terminate(simulator);
      await Promise.all([...children.values()].map(terminate));
      if (target.embedded?.startedHere) {
        await stopEmbeddedPostgres(target.embedded.dataDir);
        say('stopped the embedded PostgreSQL');
      }
      process.exit(code);
    })();
    return stopping;
  };

  for (const service of present) {
    const child = spawnNode(join(root, 'services', service.name, 'src', 'main.ts'), root, {
      ...process.env,
      ...peerEnv,
      DATABASE_URL: target.databaseUrl,
      ...identity.serviceEnv(service.name),
    });
    children.set(service.name, child);
    child.on('exit', (code, signal) => {
      if (stopping) return;
      say(`${service.name} exited (${signal ?? code}); stopping the others`);
      void stopAll(1);
    });
  }
  const simulatorMain = join(root, 'apps', 'agent-simulator', 'src', 'main.ts');
  const runSimulator = simulatorOn && present.some((s) => s.name === 'campaigns') && existsSync(simulatorMain);
  if (runSimulator) {
    // It waits for campaigns to answer before it registers its agents.
    simulator = spawnNode(simulatorMain, root, {
      ...process.env,
      SIMULATOR_CAMPAIGNS_ADDRESS: grpcAddress('campaigns'),
      SIMULATOR_COMPLIANCE_ADDRESS: grpcAddress('compliance'),
      SIMULATOR_AUTH: 'dev',
      SIMULATOR_IDENTITY_DIR: identityDir,
    });
    simulator.on('exit', (code, signal) => {
      if (!stopping) say(`agent-simulator exited (${signal ?? code}); the services keep running`);
    });
  }
  say('starting, with authentication on (mutual TLS between services, bearer tokens for people and agents; docs/security.md):');
  for (const { name, config } of present) {
    say(
      `  ${name.padEnd(11)} gRPC 127.0.0.1:${config.grpcPort} (TLS)   health 127.0.0.1:${config.healthPort} (plaintext)   metrics http://127.0.0.1:${config.metricsPort}/metrics`,
    );
  }
  if (runSimulator) {
    const metricsPort = process.env.SIMULATOR_METRICS_PORT || SIMULATOR_METRICS_PORT;
    say(
      `  ${'simulator'.padEnd(11)} agents (e-mail, SMS, phone, research) working the task queue at ${grpcAddress('campaigns')}   metrics http://127.0.0.1:${metricsPort}/metrics`,
    );
    say('              (SIMULATOR=false: not started; alone: npm run simulate -- --help)');
  } else {
    say(`agent simulator not started${simulatorOn ? ' (no campaigns service or no apps/agent-simulator)' : ' (SIMULATOR=false)'}`);
  }
  if (missing.length) say(`not built yet (nothing listens on their ports): ${missing.join(', ')}`);
  const caFile = shownPath(identity.caFile);
  const shownToken = shownPath(tokenFile);
  say(`identity in ${shownPath(identityDir)} (${identity.created ? 'created' : 'reused'}): CA ${caFile}, a certificate per service`);
  say(
    `token of ${DEMO_OPERATOR.subject} (${DEMO_OPERATOR.roles.join(', ')}) in ${shownToken}, valid until ${operator.expires.toISOString()}; ` +
      'another role or an agent: npm run identity:dev -- --token --sub <agent id> --roles agent',
  );
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  // The lines to try only once they can work: a call before a service serves finds nothing.
  const waitingSince = Date.now();
  const notServing = await untilServing(
    present.map(({ name, config }) => ({ name, address: `127.0.0.1:${config.healthPort}` })),
    { timeoutMs: READY_TIMEOUT_MS, stopWaiting: () => stopping !== undefined },
  );
  if (stopping) return;
  if (notServing.length) {
    say(`not SERVING after ${READY_TIMEOUT_MS / 1000} s: ${notServing.join(', ')} (their log lines above say why); the others are`);
  } else {
    say(`ready in ${((Date.now() - waitingSince) / 1000).toFixed(1)} s: ${present.map((s) => s.name).join(', ')} SERVING`);
  }
  const first = present.find((s) => s.name === 'customers') ?? present[0];
  if (first) {
    const customers = first.name === 'customers';
    const lines = callLines({
      caFile,
      tokenFile: shownToken,
      address: `127.0.0.1:${first.config.grpcPort}`,
      ...(customers ? { method: 'escalation.customers.v1.CustomerService/ListCustomers', data: '{"page_size": 3}' } : {}),
    });
    say('try:');
    for (const line of [lines.bufList, lines.bufCall, lines.grpcurlList, lines.grpcurlCall]) if (line) say(`  ${line}`);
  }
}

main().catch((error: Error) => {
  console.error(`[start] cannot start the system: ${error.message}`);
  process.exit(1);
});
