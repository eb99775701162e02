import type { BackgroundWork } from './start-service';

/**
 * Background work that runs `work` every `intervalMs`, counted from the end of the previous run
 * (runs never overlap or pile up), the first after `firstDelayMs` (default: intervalMs).
 * `intervalMs` 0 or less: never. `work` handles and logs its own failures; one that escapes is
 * dropped and the next run comes as usual. stop() starts no other run and waits for the one
 * running.
 */
export function repeatEvery(intervalMs: number, work: () => Promise<unknown>, options: { firstDelayMs?: number } = {}): BackgroundWork {
  if (intervalMs <= 0) return { stop: async () => undefined };
  let stopped = false;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const schedule = (delayMs: number): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = work()
        .then(
          () => undefined,
          () => undefined,
        )
        .finally(() => {
          running = undefined;
          schedule(intervalMs);
        });
    }, delayMs);
    timer.unref();
  };
  schedule(options.firstDelayMs ?? intervalMs);
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
