import { randomUUID } from 'node:crypto';
import type { Logger } from '@cec/observability';
import type { BackgroundWork } from '@cec/service-runtime';
import { systemCall } from '@cec/context';
import type { OverdueStore } from './store/overdue-store';

/**
 * Runs the overdue sweep now and then every `intervalMs` (0: never). Safe on every replica
 * at once: the sweep itself never marks an invoice twice. A tick that comes while the last
 * sweep still runs is skipped, so sweeps of one replica never pile up; stop() waits for the
 * running sweep and starts no other.
 */
export function startOverdueSweeper(store: OverdueStore, intervalMs: number, logger: Logger): BackgroundWork {
  if (intervalMs <= 0) return { stop: async () => undefined };
  let running: Promise<void> | undefined;
  let stopped = false;
  const sweep = (): void => {
    if (running || stopped) return;
    running = store
      .sweepOverdue(systemCall('customers.overdue_sweeper', `overdue-sweep-${randomUUID()}`))
      .then(
        (marked) => {
          if (marked) logger.info({ marked_overdue: marked }, 'overdue sweep');
        },
        (error: Error) => logger.warn({ err: { message: error.message } }, 'overdue sweep failed; it runs again at the next interval'),
      )
      .finally(() => {
        running = undefined;
      });
  };
  const first = setTimeout(sweep, 1_000);
  const timer = setInterval(sweep, intervalMs);
  first.unref();
  timer.unref();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
