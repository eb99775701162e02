import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { Gauge } from 'prom-client';
import type { Logger, ServiceMetrics } from '@cec/observability';
import { sql } from '@cec/orm';
import type { BackgroundWork } from '@cec/service-runtime';

const countActive = async (orm: MikroORM): Promise<number> =>
  Number((await sql<{ n: string }>(orm.em.fork() as EntityManager, 'SELECT count(*) AS n FROM compliance_rules WHERE is_active'))[0].n);

/**
 * A compliance service with no rules at all decides on opt-outs and do-not-contact alone:
 * say so at start-up (a warning naming the fix) and expose the count of active rules as the
 * gauge `compliance_active_rules`, read from the database at every scrape, so an alert can fire
 * on 0 rather than contacts being allowed in silence.
 */
export function watchRuleCount(orm: MikroORM, logger: Logger, metrics: ServiceMetrics): BackgroundWork {
  new Gauge({
    name: 'compliance_active_rules',
    help: 'Active compliance rules (0: decisions rest on opt-outs and do-not-contact alone).',
    registers: [metrics.registry],
    async collect() {
      this.set(await countActive(orm));
    },
  });
  void countActive(orm).then(
    (n) => {
      if (n === 0) {
        logger.warn(
          { active_rules: 0 },
          'no active compliance rules: contacts are decided on opt-outs and do-not-contact alone. ' +
            'Install a preset (ComplianceRuleService/InstallPreset {"name": "us-regulation-f"}) or create rules',
        );
      } else logger.info({ active_rules: n }, `${n} active compliance rules`);
    },
    (error: Error) => logger.warn({ err: { message: error.message } }, 'could not count the compliance rules at start-up'),
  );
  return { stop: async () => undefined };
}
