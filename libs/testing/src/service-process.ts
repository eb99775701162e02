import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from '@cec/db';
import { testServiceEnv } from './test-service';
import { watchProcess, type WatchedProcess } from './waiting';

export interface ServiceProcess {
  /** host:port of its gRPC server. */
  address: string;
  /** host:port of its Prometheus /metrics endpoint. */
  metricsAddress: string;
  process: WatchedProcess;
  /** SIGTERM, then SIGKILL if it has not exited within 15 s. Safe to call twice. */
  stop(): Promise<void>;
  /**
   * Sends `signal` to the service's own process (tsx runs main.ts as a child of its own) and
   * resolves once it exited: SIGKILL plays a crash (no shutdown runs, its connections just drop).
   */
  kill(signal: NodeJS.Signals): Promise<void>;
  /**
   * Freezes the service's own process (SIGSTOP): it holds its connections and answers nothing,
   * like a peer that hangs; resume() (SIGCONT) lets it go on. stop() resumes it first.
   */
  pause(): void;
  resume(): void;
}

/**
 * Another service of the system as its own process (`services/<name>/src/main.ts` through
 * tsx), on free ports of 127.0.0.1 over `databaseUrl`: the real peer a service under test
 * calls. (A service cannot import another service's code; it reaches it over gRPC, as here.)
 * Resolves once it says SERVING.
 */
export async function startServiceProcess(name: string, databaseUrl: string, env: Record<string, string> = {}): Promise<ServiceProcess> {
  const root = workspaceRoot();
  const main = join(root, 'services', name, 'src', 'main.ts');
  const child = spawn(join(root, 'node_modules/.bin/tsx'), [main], {
    env: { ...process.env, ...testServiceEnv(name, databaseUrl), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const watched = watchProcess(child);
  let stopped: Promise<void> | undefined;
  let paused: number | undefined;
  const ownPid = (): number => {
    // tsx's children: esbuild's service and the node process running main.ts (the service).
    const pids = childrenRunning(child.pid as number, main);
    if (pids.length !== 1) throw new Error(`expected one process running ${main} under tsx (pid ${child.pid}), found ${pids.length}`);
    return pids[0];
  };
  const pause = (): void => {
    paused = ownPid();
    process.kill(paused, 'SIGSTOP');
  };
  const resume = (): void => {
    if (paused === undefined) return;
    process.kill(paused, 'SIGCONT');
    paused = undefined;
  };
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      resume();
      child.kill('SIGTERM');
      await watched.exited(15_000).catch(() => {
        child.kill('SIGKILL');
      });
    })());
  const kill = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    process.kill(ownPid(), signal);
    await watched.exited(15_000);
  };
  try {
    await watched.waitForLine('"status":"SERVING"', 40_000);
    const started = JSON.parse(await watched.waitForLine(/"grpc":"127\.0\.0\.1:\d+"/, 10_000)) as { grpc: string; metrics: string };
    return { address: started.grpc, metricsAddress: started.metrics, process: watched, stop, kill, pause, resume };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The processes whose parent is `parentPid` and whose command line names `file` (Linux: /proc; elsewhere pgrep). */
function childrenRunning(parentPid: number, file: string): number[] {
  if (!existsSync('/proc/self/stat')) {
    return execFileSync('pgrep', ['-P', String(parentPid), '-f', file], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  }
  const read = (path: string): string => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return ''; // gone meanwhile
    }
  };
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      // stat: "pid (comm) state ppid …"; comm may hold spaces and parentheses, so read after the last ')'.
      const stat = read(`/proc/${pid}/stat`);
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parentPid && read(`/proc/${pid}/cmdline`).split('\0').includes(file);
    })
    .map(Number);
}

/**
 * In a test file: `const peer = useServiceProcess('customers', () => db.url)` starts the
 * process before the file's first test and stops it after its last. Call it before the
 * service that calls the peer is started (hooks run in order), and use `peer.address` in hooks and tests.
 */
export function useServiceProcess(name: string, databaseUrl: () => string, env: Record<string, string> = {}): ServiceProcess {
  const handle = {} as ServiceProcess;
  let started: ServiceProcess | undefined;
  beforeAll(async () => {
    started = await startServiceProcess(name, databaseUrl(), env);
    Object.assign(handle, started);
  });
  afterAll(async () => {
    await started?.stop();
  });
  return handle;
}
