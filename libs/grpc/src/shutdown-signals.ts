import type { Logger } from '@cec/observability';

/**
 * On SIGTERM or SIGINT runs `stop` once (stop accepting, finish in-flight work, close pools)
 * and exits 0, or 1 if stopping failed. A second signal exits at once.
 */
export function exitOnSignal(stop: () => Promise<void>, logger: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
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
