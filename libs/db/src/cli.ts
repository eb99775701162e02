/**
 * npm run db:migrate | db:seed | db:status | db:reset | db:stop
 *
 * Uses DATABASE_URL when set; otherwise the embedded development server (started if it is
 * not running; it keeps running for the services until `npm run db:stop`).
 */
import { redactUrl } from './database-url';
import { embeddedDataDir, ensureDatabaseExists, resolveDatabaseTarget, type DatabaseTarget } from './database-target';
import { stopEmbeddedPostgres } from './embedded-postgres';
import { migrate, migrationStatus } from './migrations/migrator';
import { resetDatabase } from './reset';
import { seed } from './seeds';

const log = (line: string): void => console.log(line);

const USAGE = `usage: cli.ts <command>
  migrate   apply pending migrations (creates the database if it does not exist)
  seed      load database/seeds (test and development data)
  status    list migrations: applied, pending, changed
  reset     development only: drop, recreate, migrate and seed (--no-seed to skip seeding)
  stop      stop the embedded development server`;

async function target(): Promise<DatabaseTarget> {
  const t = await resolveDatabaseTarget();
  if (t.embedded) {
    log(
      t.embedded.startedHere
        ? `started embedded PostgreSQL on 127.0.0.1:${t.embedded.port} (data in ${t.embedded.dataDir}); npm run db:stop stops it`
        : `using the embedded PostgreSQL running on 127.0.0.1:${t.embedded.port}`,
    );
  }
  log(`database: ${redactUrl(t.databaseUrl)}`);
  return t;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...flags] = argv;
  switch (command) {
    case 'migrate': {
      const t = await target();
      if (await ensureDatabaseExists(t)) log('created the database');
      await migrate(t.databaseUrl, { log });
      return 0;
    }
    case 'seed': {
      const t = await target();
      await seed(t.databaseUrl, { log });
      return 0;
    }
    case 'status': {
      const t = await target();
      const statuses = await migrationStatus(t.databaseUrl);
      for (const s of statuses) {
        log(`${s.state.padEnd(10)} ${s.name}${s.appliedAt ? `  (applied ${s.appliedAt.toISOString()})` : ''}`);
      }
      const drift = statuses.filter((s) => s.state === 'changed' || s.state === 'unknown');
      if (drift.length) log(`${drift.length} migration(s) differ from this checkout: db:migrate will refuse to run`);
      return drift.length ? 1 : 0;
    }
    case 'reset': {
      const t = await target();
      await resetDatabase(t, { log, seed: !flags.includes('--no-seed') });
      return 0;
    }
    case 'stop': {
      if (process.env.DATABASE_URL) {
        log('DATABASE_URL is set: there is no embedded server to stop');
        return 0;
      }
      const stopped = await stopEmbeddedPostgres(embeddedDataDir());
      log(stopped ? 'stopped the embedded PostgreSQL' : 'the embedded PostgreSQL is not running');
      return 0;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`error: ${error.message}`);
    process.exit(1);
  },
);
