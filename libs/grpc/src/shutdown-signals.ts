import type { Logger } from '@cec/observability';

/** Signals that arrive this close together are one request to stop (Ctrl-C under a runner: SIGINT from the terminal, SIGTERM from the runner). */
const SAME_REQUEST_MS = 1_000;

/**
 * On SIGTERM or SIGINT runs `stop` once (stop accepting, finish in-flight work, close pools)
 * and exits 0, or 1 if stopping failed. Another signal a second or more later exits at once
 * (Ctrl-C twice); one that comes with the first (a runner such as nx forwarding Ctrl-C as
 * SIGTERM while the terminal sends SIGINT) does not cut the graceful stop short.
 */
export function exitOnSignal(stop: () => Promise<void>, logger: Logger): void {
  let firstAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (firstAt !== undefined) {
      if (Date.now() - firstAt < SAME_REQUEST_MS) return;
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    firstAt = Date.now();
    logger.info({ signal }, 'shutting down');
    stop().then(
      () => process.exit(0),
      (error: Error) => {
        logger.error({ err: { message: error.message, stack: error.stack } }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
