import { randomUUID } from 'node:crypto';
import type { Logger } from '@cec/observability';
import { repeatEvery, type BackgroundWork } from '@cec/service-runtime';
import { systemCall } from '@cec/context';
import type { OverdueStore } from './store/overdue-store';

/**
 * Runs the overdue sweep now and then every `intervalMs` (0: never). Safe on every replica
 * at once: the sweep itself never marks an invoice twice. Sweeps of one replica never overlap
 * (the interval counts from the end of the last); stop() waits for the running sweep and starts
 * no other.
 */
export function startOverdueSweeper(store: OverdueStore, intervalMs: number, logger: Logger): BackgroundWork {
  return repeatEvery(
    intervalMs,
    async () => {
      try {
        const marked = await store.sweepOverdue(systemCall('customers.overdue_sweeper', `overdue-sweep-${randomUUID()}`));
        if (marked) logger.info({ marked_overdue: marked }, 'overdue sweep');
      } catch (error) {
        logger.warn({ err: { message: (error as Error).message } }, 'overdue sweep failed; it runs again at the next interval');
      }
    },
    { firstDelayMs: 1_000 },
  );
}
