import type { ChildProcess } from 'node:child_process';

/** `work`, or a rejection naming `what` once `ms` have passed without it settling. */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string | (() => string)): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${typeof what === 'string' ? what : what()}`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Asks `check` until it answers something other than undefined/false/null (which it returns)
 * or the deadline passes (then fails naming `what`, with the last error `check` threw): for
 * state only a query can see, such as a row a background job changes.
 */
export async function eventually<T>(
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  options: { what: string; timeoutMs?: number; intervalMs?: number },
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 50;
  const end = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const result = await check();
      if (result !== undefined && result !== null && result !== false) return result as T;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= end) {
      const cause = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** What a test sees of a child process: its output so far, a line it printed, its exit. */
export interface WatchedProcess {
  /** stdout and stderr so far, interleaved as they came. */
  output(): string;
  /**
   * Resolves with the first line (of all output, earlier lines included) matching `pattern`;
   * rejects when the process exits first or `timeoutMs` passes, with the output in the message.
   */
  waitForLine(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
  /** The exit code (null when killed by a signal); rejects when it has not exited within `timeoutMs`. */
  exited(timeoutMs?: number): Promise<number | null>;
}

/** Starts collecting a child's output (spawn it with stdio 'pipe') and tracking its exit. */
export function watchProcess(child: ChildProcess): WatchedProcess {
  let output = '';
  const waiters = new Set<() => void>();
  const notify = (): void => waiters.forEach((wake) => wake());
  let exit: { code: number | null } | undefined;
  const exitPromise = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exit = { code };
      resolve(code);
      notify();
    }),
  );
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk) => {
      output += String(chunk);
      notify();
    });
  }
  const tail = (): string => (output.length > 4000 ? `…${output.slice(-4000)}` : output);
  const findLine = (pattern: RegExp | string): string | undefined =>
    output.split('\n').find((line, i, lines) => (i < lines.length - 1 || exit !== undefined) && (typeof pattern === 'string' ? line.includes(pattern) : pattern.test(line)));

  return {
    output: () => output,
    waitForLine: (pattern, timeoutMs = 20_000) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no output line matching ${String(pattern)} within ${timeoutMs} ms; output:\n${tail()}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        function check(): void {
          const line = findLine(pattern);
          if (line !== undefined) {
            done();
            resolve(line);
          } else if (exit !== undefined) {
            done();
            reject(new Error(`the process exited (code ${exit.code}) before printing a line matching ${String(pattern)}; output:\n${tail()}`));
          }
        }
        waiters.add(check);
        check();
      }),
    exited: (timeoutMs = 20_000) => withDeadline(exitPromise, timeoutMs, () => `the process to exit; output:\n${tail()}`),
  };
}
