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

const SERVICES = [
  { name: 'customers', grpc: 50051, metrics: 9451 },
  { name: 'campaigns', grpc: 50052, metrics: 9452 },
  { name: 'compliance', grpc: 50053, metrics: 9453 },
  { name: 'metrics', grpc: 50054, metrics: 9454 },
];

const say = (line: string): void => console.log(`[start] ${line}`);

async function main(): Promise<void> {
  const root = workspaceRoot();
  const target = await resolveDatabaseTarget();
  if (target.embedded) say(`embedded PostgreSQL on 127.0.0.1:${target.embedded.port} (data in ${target.embedded.dataDir})`);
  const created = await ensureDatabaseExists(target);
  say(`database ${redactUrl(target.databaseUrl)}${created ? ' (created)' : ''}`);
  await migrate(target.databaseUrl, { log: (line) => say(line) });
  if (created) await seed(target.databaseUrl, { log: (line) => say(`${line} (demo data for a new database)`) });

  const present = SERVICES.filter((s) => existsSync(join(root, 'services', s.name, 'src', 'main.ts')));
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
    const child = spawn(join(root, 'node_modules/.bin/tsx'), [join(root, 'services', service.name, 'src', 'main.ts')], {
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
  say(
    `running ${present.map((s) => `${s.name} (gRPC 127.0.0.1:${s.grpc}, metrics :${s.metrics})`).join(', ')}; ` +
      `try: npx buf curl --protocol grpc --http2-prior-knowledge --list-services http://127.0.0.1:50051`,
  );
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
}

main().catch((error: Error) => {
  console.error(`[start] cannot start the system: ${error.message}`);
  process.exit(1);
});
