/**
 * `npm run simulate -- [flags]`: the agent simulator from the command line (see --help and the
 * README). SIGINT or SIGTERM stops it gracefully: no more claims, the tasks held are finished,
 * a summary is logged, exit 0. A second signal exits at once (1).
 */
import { ConfigError } from '@cec/config';
import { createLogger } from '@cec/observability';
import { readOptions, usage } from './options';
import { runSimulator } from './simulator';

async function main(): Promise<number> {
  let options;
  try {
    options = readOptions(process.argv.slice(2));
  } catch (error) {
    const message = error instanceof ConfigError ? error.message : `invalid arguments: ${(error as Error).message}`;
    console.error(`agent-simulator: ${message}\n\n${usage()}`);
    return 2;
  }
  if (!options) {
    console.log(usage());
    return 0;
  }
  const logger = createLogger('agent-simulator', options.logLevel);
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      logger.warn({ signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    logger.info({ signal }, 'stopping: no more claims, finishing the tasks held');
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  let code = 0;
  try {
    await runSimulator({ ...options, logger }, controller.signal);
  } catch (error) {
    logger.error({ err: { message: (error as Error).message } }, `agent simulator failed: ${(error as Error).message}`);
    code = 1;
  }
  // Every line written, in order, before the exit (the log stream writes asynchronously).
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
  return code;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`agent-simulator: ${error.message}`);
    process.exit(1);
  },
);
