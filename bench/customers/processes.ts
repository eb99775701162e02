/** Child processes of the benchmark: start, wait until ready, stop. */
import { spawn, type ChildProcess } from 'node:child_process';

export interface Child {
  name: string;
  process: ChildProcess;
  /** The last lines it wrote (stdout and stderr), for error messages. */
  output(): string;
  /** Resolves with the exit code (or signal) once it has exited. */
  exited: Promise<string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Runs a TypeScript file in a new Node process (node --import tsx, the loader the `tsx`
 * command uses, without its extra wrapper process). `nodeArgs` go before the file, e.g.
 * --cpu-prof. `onLine` sees every stdout line.
 */
export function startTs(
  name: string,
  file: string,
  options: { cwd: string; env: NodeJS.ProcessEnv; nodeArgs?: string[]; onLine?: (line: string) => void },
): Child {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', file], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (line: string): void => {
    lines.push(line);
    if (lines.length > 40) lines.shift();
  };
  let pending = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      keep(line);
      options.onLine?.(line);
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => chunk.split('\n').filter(Boolean).forEach(keep));
  const exited = new Promise<string>((resolve) => {
    child.on('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `code ${code}`));
    child.on('error', (error) => resolve(`spawn error ${error.message}`));
  });

  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 10_000): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };
  return { name, process: child, output: () => lines.join('\n'), exited, stop };
}

/** Polls `ready` until it resolves true; fails early when the child exits, or after `timeoutMs`. */
export async function waitUntilReady(child: Child, ready: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exit: string | undefined;
  void child.exited.then((how) => (exit = how));
  for (;;) {
    if (exit) throw new Error(`${child.name} exited (${exit}) before it was ready:\n${child.output()}`);
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${child.name} was not ready after ${timeoutMs / 1000} s:\n${child.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
