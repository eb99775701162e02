import type { Logger } from '@cec/observability';
import type { BackgroundWork } from '@cec/service-runtime';
import { SYSTEM_CALL } from './store/call-info';
import type { InvoiceStore } from './store/invoice-store';

/**
 * Runs the overdue sweep now and then every `intervalMs` (0: never). Safe on every replica
 * at once: the sweep itself never marks an invoice twice. stop() waits for a running sweep.
 */
export function startOverdueSweeper(store: InvoiceStore, intervalMs: number, logger: Logger): BackgroundWork {
  if (intervalMs <= 0) return { stop: async () => undefined };
  let running: Promise<void> = Promise.resolve();
  const sweep = (): void => {
    running = store.sweepOverdue(SYSTEM_CALL).then(
      (marked) => {
        if (marked) logger.info({ marked_overdue: marked }, 'overdue sweep');
      },
      (error: Error) => logger.warn({ err: { message: error.message } }, 'overdue sweep failed; it runs again at the next interval'),
    );
  };
  const first = setTimeout(sweep, 1_000);
  const timer = setInterval(sweep, intervalMs);
  first.unref();
  timer.unref();
  return {
    stop: async () => {
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
