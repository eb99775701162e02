/**
 * `npm start`: the whole system on this machine. Uses DATABASE_URL, or starts the embedded
 * PostgreSQL; creates and migrates the database (and loads the seed data into a database
 * it just created), then runs every service as its own process on its default ports.
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
      env: { ...process.env, DATABASE_URL: target.databaseUrl },
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
  say('starting:');
  for (const { name, config } of present) {
    say(`  ${name.padEnd(11)} gRPC 127.0.0.1:${config.grpcPort}   metrics http://127.0.0.1:${config.metricsPort}/metrics`);
  }
  if (missing.length) say(`not built yet (nothing listens on their ports): ${missing.join(', ')}`);
  const first = present[0];
  if (first) say(`try: npx buf curl --protocol grpc --http2-prior-knowledge --list-services http://127.0.0.1:${first.config.grpcPort}`);
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
}

main().catch((error: Error) => {
  console.error(`[start] cannot start the system: ${error.message}`);
  process.exit(1);
});
