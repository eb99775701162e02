import { ensureDatabaseExists, migrate, redactUrl, resolveDatabaseTarget, withUser } from '@cec/db';
import type { Logger } from '@cec/observability';

/**
 * The URL the service connects with: the server and database of DATABASE_URL, but always as
 * the service's own role (so a bug in it cannot touch another domain's tables).
 *
 * Without DATABASE_URL this is the embedded development server, started if needed, with its
 * database created and migrated: `npx nx serve <service>` works on a fresh clone. With
 * DATABASE_URL the schema is the deployment's job (`npm run db:migrate`).
 */
export async function serviceDatabaseUrl(
  options: { role: string; password: string; databaseUrl?: string; env?: NodeJS.ProcessEnv },
  logger: Logger,
): Promise<string> {
  if (options.databaseUrl) {
    const given = new URL(options.databaseUrl);
    const samePassword = decodeURIComponent(given.username) === options.role ? decodeURIComponent(given.password) : undefined;
    const url = withUser(options.databaseUrl, options.role, options.password || samePassword);
    logger.info({ database: redactUrl(url) }, 'database');
    return url;
  }
  const target = await resolveDatabaseTarget({ ...(options.env ?? process.env), DATABASE_URL: '' });
  await ensureDatabaseExists(target);
  const result = await migrate(target.databaseUrl, { log: (line) => logger.info({ migration: line }, 'migrate') });
  logger.info(
    { database: redactUrl(target.databaseUrl), embedded_port: target.embedded?.port, applied: result.applied.length },
    `embedded PostgreSQL (development) on 127.0.0.1:${target.embedded?.port}: it keeps running after this service stops ` +
      '(`npm run db:stop` stops it); set DATABASE_URL to use a server of your own',
  );
  return withUser(target.databaseUrl, options.role, options.password || undefined);
}
