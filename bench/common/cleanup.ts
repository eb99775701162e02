/** Undo steps of a benchmark run, and Ctrl-C handling: the general form of bench/customers/run.ts's. */

/** Undo steps, run in reverse order once: on success, on failure and on Ctrl-C. */
export class Cleanup {
  private steps: (() => Promise<void>)[] = [];
  private running: Promise<void> | undefined;

  constructor(private readonly log: (line: string) => void = (line) => console.error(line)) {}

  add(step: () => Promise<void>): void {
    this.steps.push(step);
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step();
        } catch (error) {
          this.log(`cleanup: ${(error as Error).message}`);
        }
      }
    })();
    return this.running;
  }
}

/**
 * Runs `main` with a Cleanup: on SIGINT/SIGTERM `interrupted` is aborted (the load stops), the
 * cleanup runs and the process exits 130; otherwise the cleanup runs after `main` and the
 * process exits with its code (1 when it throws).
 */
export function runMain(prefix: string, interrupted: AbortController, main: (cleanup: Cleanup) => Promise<number>): void {
  const cleanup = new Cleanup((line) => console.error(`${prefix} ${line}`));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupted.signal.aborted) return;
      console.error(`\n${prefix} ${signal}: stopping the load, the servers and removing the bench database`);
      interrupted.abort();
      void cleanup.run().finally(() => process.exit(130));
    });
  }
  main(cleanup).then(
    async (code) => {
      await cleanup.run();
      process.exit(code);
    },
    async (error: Error) => {
      if (interrupted.signal.aborted) return; // the signal handler cleans up and exits
      console.error(`${prefix} failed: ${error.stack ?? error.message}`);
      await cleanup.run();
      process.exit(1);
    },
  );
}
