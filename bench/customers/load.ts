/** Closed-loop load: exactly `concurrency` calls in flight, a warm-up, then a measured window. */

export interface LoadOptions {
  concurrency: number;
  warmupMs: number;
  measureMs: number;
  /** Called when the measured window opens and closes (e.g. to sample CPU time). */
  onWindowStart?: () => void;
  onWindowEnd?: () => void;
  /** Ends the run early (Ctrl-C): the loops stop starting calls and runLoad resolves. */
  signal?: AbortSignal;
}

export interface LoadResult {
  /** Calls that completed successfully inside the measured window. */
  completed: number;
  /** Calls that failed inside the measured window (warm-up failures are counted too, separately). */
  errors: number;
  warmupErrors: number;
  /** Error message -> count (warm-up and measured). */
  errorKinds: Map<string, number>;
  /** Actual length of the measured window, seconds. */
  seconds: number;
  /** Latencies (ms) of the successful calls of the measured window. */
  latenciesMs: Float64Array;
}

/**
 * Runs `concurrency` loops, each awaiting its previous call before starting the next, so
 * exactly that many calls are in flight at all times. A call belongs to the measured window
 * when it completes inside it; its latency is from its start to its completion.
 */
export async function runLoad(call: () => Promise<unknown>, options: LoadOptions): Promise<LoadResult> {
  let phase: 'warmup' | 'measure' | 'done' = 'warmup';
  let windowStart = 0n;
  let windowEnd = 0n;
  let completed = 0;
  let errors = 0;
  let warmupErrors = 0;
  const errorKinds = new Map<string, number>();
  let latencies = new Float64Array(1 << 16);

  const record = (ms: number): void => {
    if (completed === latencies.length) {
      const bigger = new Float64Array(latencies.length * 2);
      bigger.set(latencies);
      latencies = bigger;
    }
    latencies[completed] = ms;
    completed += 1;
  };

  const signal = options.signal;
  const loop = async (): Promise<void> => {
    while (phase !== 'done' && !signal?.aborted) {
      const started = process.hrtime.bigint();
      try {
        await call();
        const ended = process.hrtime.bigint();
        if (phase === 'measure') record(Number(ended - started) / 1e6);
      } catch (error) {
        const e = error as { code?: number; details?: string; message?: string };
        const kind = e.details ?? e.message ?? String(error);
        errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
        if (phase === 'measure') errors += 1;
        else if (phase === 'warmup') warmupErrors += 1;
        // A call that fails at once (server gone, channel closed) must not turn the loops into
        // a microtask spin that starves timers and I/O: give the event loop a turn.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  };

  const loops = Array.from({ length: options.concurrency }, () => loop());
  await sleep(options.warmupMs, signal);
  options.onWindowStart?.();
  phase = 'measure';
  windowStart = process.hrtime.bigint();
  await sleep(options.measureMs, signal);
  phase = 'done';
  windowEnd = process.hrtime.bigint();
  options.onWindowEnd?.();
  await Promise.all(loops);
  return { completed, errors, warmupErrors, errorKinds, seconds: Number(windowEnd - windowStart) / 1e9, latenciesMs: latencies.slice(0, completed) };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
  });
}

/** Nearest-rank percentile (p in 0..100) of an ascending array. */
export function percentile(sorted: Float64Array, p: number): number {
  if (!sorted.length) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Several runs of one (server, scenario) pooled: total calls over total time, all latencies. */
export interface Summary {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  warmupErrors: number;
  roundRps: number[];
  errorKinds: Map<string, number>;
}

export function summarise(results: LoadResult[]): Summary {
  const requests = results.reduce((n, r) => n + r.completed, 0);
  const seconds = results.reduce((n, r) => n + r.seconds, 0);
  const all = new Float64Array(requests);
  let offset = 0;
  for (const r of results) {
    all.set(r.latenciesMs, offset);
    offset += r.latenciesMs.length;
  }
  all.sort();
  const errorKinds = new Map<string, number>();
  for (const r of results) for (const [kind, n] of r.errorKinds) errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + n);
  return {
    requests,
    seconds,
    rps: requests / seconds,
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    errors: results.reduce((n, r) => n + r.errors, 0),
    warmupErrors: results.reduce((n, r) => n + r.warmupErrors, 0),
    roundRps: results.map((r) => r.completed / r.seconds),
    errorKinds,
  };
}
