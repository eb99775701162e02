/**
 * `npm start`: the whole system on this machine. Uses DATABASE_URL, or starts the embedded
 * PostgreSQL; creates and migrates the database (and loads the seed data into a database
 * it just created), then runs every service as its own process on its default ports, with
 * authentication on: a development CA, a certificate per service and a token signing key in
 * .data/identity (kept while still valid), a token for a demo operator written there, and the
 * buf curl / grpcurl lines that use it printed.
 * Ctrl-C (or SIGTERM) stops the services gracefully, and the embedded server if it started it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  ensureDatabaseExists,
  migrate,
  redactUrl,
  resolveDatabaseTarget,
  seed,
  stopEmbeddedPostgres,
  workspaceRoot,
} from '@cec/db';
import { readServiceConfig, SERVICE_NAMES } from '../src/index';
import { callLines, DEMO_OPERATOR, defaultIdentityDir, shownPath, writeSystemIdentity, writeTokenFile } from './dev-identity';

const say = (line: string): void => console.log(`[start] ${line}`);

async function main(): Promise<void> {
  const root = workspaceRoot();
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
  const identityDir = defaultIdentityDir();
  const identity = await writeSystemIdentity(identityDir);
  const tokenFile = join(identityDir, 'operator.token');
  const operator = await writeTokenFile(identity, DEMO_OPERATOR, tokenFile);
  const children = new Map<string, ChildProcess>();
  let stopping = false;

  const stopAll = async (code: number): Promise<never> => {
    stopping = true;
    await Promise.all(
      [...children.values()].map(
        (child) => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', () => resolve()), child.kill('SIGTERM')))),
      ),
    );
    if (target.embedded?.startedHere) {
      await stopEmbeddedPostgres(target.embedded.dataDir);
      say('stopped the embedded PostgreSQL');
    }
    process.exit(code);
  };

  for (const service of present) {
    // Plain node with tsx as its loader: no tsx parent process between this script and the service.
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'services', service.name, 'src', 'main.ts')], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: target.databaseUrl, ...identity.serviceEnv(service.name) },
      stdio: 'inherit',
      // Its own process group: Ctrl-C reaches only this script, which then sends each
      // service one SIGTERM (a second signal would make a service exit at once).
      detached: true,
    });
    children.set(service.name, child);
    child.on('exit', (code, signal) => {
      if (stopping) return;
      say(`${service.name} exited (${signal ?? code}); stopping the others`);
      void stopAll(1);
    });
  }
  say('starting, with authentication on (mutual TLS between services, bearer tokens for people and agents; docs/security.md):');
  for (const { name, config } of present) {
    say(
      `  ${name.padEnd(11)} gRPC 127.0.0.1:${config.grpcPort} (TLS)   health 127.0.0.1:${config.healthPort} (plaintext)   metrics http://127.0.0.1:${config.metricsPort}/metrics`,
    );
  }
  if (missing.length) say(`not built yet (nothing listens on their ports): ${missing.join(', ')}`);
  const caFile = shownPath(identity.caFile);
  const shownToken = shownPath(tokenFile);
  say(`identity in ${shownPath(identityDir)} (${identity.created ? 'created' : 'reused'}): CA ${caFile}, a certificate per service`);
  say(
    `token of ${DEMO_OPERATOR.subject} (${DEMO_OPERATOR.roles.join(', ')}) in ${shownToken}, valid until ${operator.expires.toISOString()}; ` +
      'another role or an agent: npm run identity:dev -- --token --sub <agent id> --roles agent',
  );
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
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
}

main().catch((error: Error) => {
  console.error(`[start] cannot start the system: ${error.message}`);
  process.exit(1);
});
