import { MikroORM, type EntitySchema, type Options } from '@mikro-orm/postgresql';

export interface OrmOptions {
  /** postgres:// URL, with the service's own login role. */
  url: string;
  entities: EntitySchema[];
  /** Connections in the pool (default 10). */
  poolMax?: number;
  /** application_name seen in pg_stat_activity. */
  applicationName?: string;
}

/**
 * MikroORM over tables that database/ migrations created: it never creates or alters
 * schema, never creates the database, and every connection works in UTC, so current_date
 * (due dates, days overdue) means the same day on every replica.
 */
export async function createOrm(options: OrmOptions): Promise<MikroORM> {
  const config: Options = {
    clientUrl: options.url,
    entities: options.entities,
    ensureDatabase: false,
    allowGlobalContext: false,
    forceUtcTimezone: true,
    debug: false,
    pool: { min: 0, max: options.poolMax ?? 10 },
    driverOptions: {
      connection: { options: '-c TimeZone=UTC', application_name: options.applicationName ?? 'client-escalation-calls' },
    },
    discovery: { warnWhenNoEntities: true },
  };
  return MikroORM.init(config);
}
