// A process that stops the way a service does, for shutdown-signals.test.ts: it prints
// "ready", and on a signal takes 300 ms to stop, printing "stopped" when done.
import { createLogger } from '@cec/observability';
import { exitOnSignal } from './shutdown-signals';

const logger = createLogger('signal-fixture', 'info');
exitOnSignal(
  () =>
    new Promise<void>((resolve) =>
      setTimeout(() => {
        process.stdout.write('stopped\n');
        resolve();
      }, 300),
    ),
  logger,
);
setInterval(() => undefined, 60_000);
process.stdout.write('ready\n');
