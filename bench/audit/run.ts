/**
 * Audit trail benchmark (npm run bench:audit -w @cec/bench): BENCH_CLIENTS connections (16),
 * each running one transaction after another, each transaction writing one event:
 *
 *   plain     INSERT into bench_audit_plain (same columns and listing indexes, no trigger, no
 *             chain): the baseline
 *   audited   SELECT log_audit_event(...) into audit_logs (migration 008: unsealed, no lock),
 *             while the sequencer (startAuditSequencer from @cec/orm, as compliance_svc) seals
 *   v004      SELECT bench_log_audit_event_v004(...): migration 004's chain trigger with its
 *             global lock, for reference
 *
 * measured side by side in the same run, in rounds that alternate the order. At the end every
 * audited row must be sealed and verify_audit_chain() must find the chain intact, or the run
 * fails. See bench/README.md.
 *
 * Settings (environment): BENCH_SECONDS (measured seconds per scenario, default 16, split over
 * BENCH_ROUNDS rounds, default 4), BENCH_WARMUP_SECONDS (per round, default 1), BENCH_CLIENTS
 * (default 16), BENCH_SEAL_INTERVAL_MS (the sequencer's pause, default 200), BENCH_SEAL_BATCH
 * (rows per seal_audit_chain call, default 2000), BENCH_SCENARIOS (e.g. plain,audited; default
 * all), DATABASE_URL (use that server instead of a throw-away embedded one).
 */
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Client, Pool } from 'pg';
import { withUser } from '@cec/db';
import { startAuditSequencer, type AuditSequencer } from '@cec/orm';
import { createBenchDatabase, withClient, type BenchDatabase } from './database';
import { envNumber } from '../common/env';

const GOAL = 0.8;

const settings = {
  seconds: envNumber('BENCH_SECONDS', 16, 1),
  rounds: Math.round(envNumber('BENCH_ROUNDS', 4, 1)),
  warmupSeconds: envNumber('BENCH_WARMUP_SECONDS', 1, 0),
  clients: Math.round(envNumber('BENCH_CLIENTS', 16, 1)),
  sealIntervalMs: Math.round(envNumber('BENCH_SEAL_INTERVAL_MS', 200, 0)),
  sealBatch: Math.round(envNumber('BENCH_SEAL_BATCH', 2000, 1)),
  only: (process.env.BENCH_SCENARIOS ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean),
};

const log = (line: string): void => console.log(`[bench:audit] ${line}`);

/** Fired on Ctrl-C / SIGTERM: the load stops before the database goes away. */
const interrupted = new AbortController();

// ---------------------------------------------------------------------------------------------
// Scenarios: one statement per transaction (autocommit), the same event for each.
// ---------------------------------------------------------------------------------------------

type ScenarioName = 'plain' | 'audited' | 'v004';

interface Scenario {
  name: ScenarioName;
  label: string;
  text: string;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'plain',
    label: 'plain INSERT (baseline)',
    text: 'INSERT INTO bench_audit_plain (entity_type, entity_id, action, actor_type, actor_id, details) VALUES ($1, $2, $3, $4, $5, $6::jsonb) RETURNING id',
  },
  {
    name: 'audited',
    label: 'log_audit_event + sequencer',
    text: 'SELECT log_audit_event($1, $2, $3, $4, $5, $6::jsonb) AS id',
  },
  {
    name: 'v004',
    label: 'old 004 scheme (global lock)',
    text: 'SELECT bench_log_audit_event_v004($1, $2, $3, $4, $5, $6::jsonb) AS id',
  },
];

function scenarios(): Scenario[] {
  const unknown = settings.only.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length) throw new Error(`BENCH_SCENARIOS: unknown ${unknown.join(', ')} (known: ${SCENARIOS.map((s) => s.name).join(', ')})`);
  const chosen = SCENARIOS.filter((s) => settings.only.length === 0 || settings.only.includes(s.name));
  if (!chosen.some((s) => s.name === 'plain') || !chosen.some((s) => s.name === 'audited')) {
    throw new Error('BENCH_SCENARIOS must include plain and audited (the ratio is audited / plain)');
  }
  return chosen;
}

/** A payment recorded on an invoice: what the customers service writes. */
function eventParams(): unknown[] {
  return [
    'invoice',
    randomUUID(),
    'payment_recorded',
    'service',
    'customers',
    JSON.stringify({
      before: { status: 'overdue', amount_paid: '0.0000' },
      after: { status: 'partial', amount_paid: '125.5000' },
      payment_id: randomUUID(),
      request_id: randomUUID(),
    }),
  ];
}

// ---------------------------------------------------------------------------------------------
// Load: each client a loop awaiting its previous transaction, so exactly `clients` are in flight.
// ---------------------------------------------------------------------------------------------

interface LoadResult {
  completed: number;
  errors: number;
  /** Successful transactions outside the window (warm-up, and those finishing after it). */
  outside: number;
  errorKinds: Map<string, number>;
  seconds: number;
  latenciesMs: Float64Array;
}

/** Waits `ms`, or less when the run is interrupted. */
const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      interrupted.signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    interrupted.signal.addEventListener('abort', done, { once: true });
  });

async function runLoad(connections: Client[], text: string, hooks: { onWindowStart(): void; onWindowEnd(): void }): Promise<LoadResult> {
  let phase: 'warmup' | 'measure' | 'done' = 'warmup';
  let completed = 0;
  let errors = 0;
  let outside = 0;
  const errorKinds = new Map<string, number>();
  let latencies = new Float64Array(1 << 16);

  const loop = async (client: Client): Promise<void> => {
    while (phase !== 'done' && !interrupted.signal.aborted) {
      const started = process.hrtime.bigint();
      try {
        await client.query(text, eventParams());
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        if (phase === 'measure') {
          if (completed === latencies.length) {
            const bigger = new Float64Array(latencies.length * 2);
            bigger.set(latencies);
            latencies = bigger;
          }
          latencies[completed] = ms;
          completed += 1;
        } else {
          outside += 1;
        }
      } catch (error) {
        const kind = (error as Error).message;
        errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
        errors += 1;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  };

  const loops = connections.map((c) => loop(c));
  await sleep(settings.warmupSeconds * 1000);
  hooks.onWindowStart();
  phase = 'measure';
  const windowStart = process.hrtime.bigint();
  await sleep((settings.seconds / settings.rounds) * 1000);
  phase = 'done';
  const windowEnd = process.hrtime.bigint();
  hooks.onWindowEnd();
  await Promise.all(loops);
  return { completed, errors, outside, errorKinds, seconds: Number(windowEnd - windowStart) / 1e9, latenciesMs: latencies.subarray(0, completed) };
}

// ---------------------------------------------------------------------------------------------
// CPU time (Linux /proc): where a transaction's time goes.
// ---------------------------------------------------------------------------------------------

let clockTicks = 100;
try {
  clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // not Linux: CPU figures are left out anyway when /proc is missing
}

/** utime + stime of a process (ms), and with `withReaped` the time of its ended children it has waited for. */
function statCpuMs(stat: string, withReaped = false): { ppid: number; ms: number } {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]) + (withReaped ? Number(fields[13]) + Number(fields[14]) : 0);
  return { ppid: Number(fields[1]), ms: (ticks * 1000) / clockTicks };
}

/**
 * CPU ms of the server by pid: each child of the postmaster (backends, workers), and under the
 * postmaster's own pid its time plus that of the children that ended (autovacuum workers come
 * and go), which it has reaped.
 */
function postgresCpuMs(postmasterPid: number | undefined): Map<number, number> | undefined {
  if (!postmasterPid) return undefined;
  const byPid = new Map<number, number>();
  try {
    byPid.set(postmasterPid, statCpuMs(readFileSync(`/proc/${postmasterPid}/stat`, 'utf8'), true).ms);
  } catch {
    return undefined;
  }
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const { ppid, ms } = statCpuMs(readFileSync(`/proc/${entry}/stat`, 'utf8'));
      if (ppid === postmasterPid) byPid.set(Number(entry), ms);
    } catch {
      // the process ended while we looked
    }
  }
  return byPid;
}

function machineCpu(): { busy: number; total: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - fields[3] - fields[4], total };
  } catch {
    return undefined;
  }
}

interface CpuSample {
  postgres?: Map<number, number>;
  client: NodeJS.CpuUsage;
  machine?: { busy: number; total: number };
}

const sampleCpu = (postmasterPid: number | undefined): CpuSample => ({
  postgres: postgresCpuMs(postmasterPid),
  client: process.cpuUsage(),
  machine: machineCpu(),
});

interface CpuPerTx {
  /** All of the server's processes. */
  postgres?: number;
  /** Of which: the writers' backends, the sequencer's backend, everything else (WAL writer, autovacuum, ...). */
  writers?: number;
  sequencer?: number;
  other?: number;
  /** This process: the load generator (and the sequencer's client side). */
  client: number;
  machineBusy?: number;
}

function cpuPerTx(before: CpuSample, after: CpuSample, transactions: number, pids: { writers: Set<number>; sequencer: Set<number> }): CpuPerTx {
  const result: CpuPerTx = {
    client: (after.client.user - before.client.user + after.client.system - before.client.system) / 1000 / transactions,
  };
  if (before.postgres && after.postgres) {
    let total = 0;
    let writers = 0;
    let sequencer = 0;
    for (const [pid, ms] of after.postgres) {
      // a process that started in between counts from 0; one that ended is in the postmaster's reaped time
      const used = ms - (before.postgres.get(pid) ?? 0);
      total += used;
      if (pids.writers.has(pid)) writers += used;
      else if (pids.sequencer.has(pid)) sequencer += used;
    }
    Object.assign(result, {
      postgres: total / transactions,
      writers: writers / transactions,
      sequencer: sequencer / transactions,
      other: (total - writers - sequencer) / transactions,
    });
  }
  if (before.machine && after.machine && after.machine.total > before.machine.total) {
    result.machineBusy = (after.machine.busy - before.machine.busy) / (after.machine.total - before.machine.total);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------------

interface Run extends LoadResult {
  cpu: CpuPerTx;
  /** audited only: rows waiting for the sequencer when the window closed */
  backlogAtEnd?: number;
}

interface Measured {
  transactions: number;
  tps: number;
  p50: number;
  p99: number;
  errors: number;
  roundTps: number[];
  cpu: CpuPerTx;
  backlogs: number[];
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function combine(runs: Run[]): Measured {
  const all = new Float64Array(runs.reduce((n, r) => n + r.latenciesMs.length, 0));
  let at = 0;
  for (const r of runs) {
    all.set(r.latenciesMs, at);
    at += r.latenciesMs.length;
  }
  all.sort();
  const transactions = runs.reduce((n, r) => n + r.completed, 0);
  const seconds = runs.reduce((n, r) => n + r.seconds, 0);
  const avg = (pick: (c: CpuPerTx) => number | undefined): number | undefined => {
    const values = runs.map((r) => pick(r.cpu));
    return values.every((v) => v !== undefined) ? (values as number[]).reduce((a, b) => a + b, 0) / values.length : undefined;
  };
  return {
    transactions,
    tps: transactions / seconds,
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    roundTps: runs.map((r) => r.completed / r.seconds),
    cpu: {
      postgres: avg((c) => c.postgres),
      writers: avg((c) => c.writers),
      sequencer: avg((c) => c.sequencer),
      other: avg((c) => c.other),
      client: avg((c) => c.client) as number,
      machineBusy: avg((c) => c.machineBusy),
    },
    backlogs: runs.flatMap((r) => (r.backlogAtEnd === undefined ? [] : [r.backlogAtEnd])),
  };
}

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
const fmtMs = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '-');
const fmtCpu = (n: number | undefined): string => (n === undefined ? '-' : n.toFixed(3));

function table(rows: { scenario: Scenario; m: Measured }[], baseline: Measured): string {
  const header = ['scenario', 'transactions', 'tx/s', 'p50 ms', 'p99 ms', 'errors', 'rounds tx/s', 'CPU ms/tx: postgres', '= writers', '+ sequencer', '+ other', 'client', 'CPU busy', 'vs plain'];
  const cells = rows.map(({ scenario, m }) => [
    scenario.label,
    fmtInt(m.transactions),
    fmtInt(m.tps),
    fmtMs(m.p50),
    fmtMs(m.p99),
    String(m.errors),
    m.roundTps.map(fmtInt).join(' / '),
    fmtCpu(m.cpu.postgres),
    fmtCpu(m.cpu.writers),
    scenario.name === 'audited' ? fmtCpu(m.cpu.sequencer) : '',
    fmtCpu(m.cpu.other),
    fmtCpu(m.cpu.client),
    m.cpu.machineBusy === undefined ? '-' : `${Math.round(m.cpu.machineBusy * 100)}%`,
    scenario.name === 'plain' ? '' : (m.tps / baseline.tps).toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i].length)));
  const line = (row: string[]): string => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

async function main(cleanup: (() => Promise<unknown>)[]): Promise<number> {
  const chosen = scenarios();
  log(
    `${chosen.map((s) => s.name).join(', ')}: ${settings.clients} clients, one event per transaction, ${settings.seconds} s measured per scenario ` +
      `(${settings.rounds} rounds of ${(settings.seconds / settings.rounds).toFixed(1)} s, each after ${settings.warmupSeconds} s of warm-up); ` +
      `sequencer every ${settings.sealIntervalMs} ms, ${settings.sealBatch} rows per batch`,
  );
  const db: BenchDatabase = await createBenchDatabase(log);
  cleanup.push(() => db.dispose());

  const connections = await Promise.all(
    Array.from({ length: settings.clients }, async () => {
      const c = new Client({
        connectionString: withUser(db.url, 'customers_svc', process.env.CUSTOMERS_DB_PASSWORD || undefined),
        application_name: 'bench-audit-writer',
      });
      await c.connect();
      return c;
    }),
  );
  cleanup.push(() => Promise.all(connections.map((c) => c.end().catch(() => undefined))));
  const writerPids = new Set(connections.map((c) => (c as unknown as { processID: number }).processID));
  const sealerPool = new Pool({
    connectionString: withUser(db.url, 'compliance_svc', process.env.COMPLIANCE_DB_PASSWORD || undefined),
    application_name: 'bench-audit-sequencer',
    max: 1,
    idleTimeoutMillis: 0,
  });
  sealerPool.on('error', () => undefined);
  cleanup.push(() => sealerPool.end());
  const sequencerLog = { warnings: [] as string[] };
  const startSequencer = (): AuditSequencer =>
    startAuditSequencer({
      run: async (text, params) => (await sealerPool.query(text, params as unknown[])).rows,
      intervalMs: settings.sealIntervalMs,
      batchSize: settings.sealBatch,
      logger: {
        debug: () => undefined,
        info: () => undefined,
        warn: (fields, message) => sequencerLog.warnings.push(`${message} ${JSON.stringify(fields)}`),
      },
    });
  const status = (): Promise<{ sealed_through_seq: string; unsealed_count: string }> =>
    withClient(db.url, async (c) => (await c.query('SELECT * FROM audit_chain_status()')).rows[0]);

  let auditedWritten = 0;
  const runs = new Map<ScenarioName, Run[]>(chosen.map((s) => [s.name, []]));
  for (let round = 0; round < settings.rounds && !interrupted.signal.aborted; round += 1) {
    // Alternate the order, so a drift of the machine hits every scenario alike.
    const order = round % 2 === 0 ? chosen : [...chosen].reverse();
    for (const scenario of order) {
      if (interrupted.signal.aborted) break;
      const sequencer = scenario.name === 'audited' ? startSequencer() : undefined;
      let before: CpuSample | undefined;
      let after: CpuSample | undefined;
      const result = await runLoad(connections, scenario.text, {
        onWindowStart: () => (before = sampleCpu(db.postmasterPid)),
        onWindowEnd: () => (after = sampleCpu(db.postmasterPid)),
      });
      await sequencer?.stop();
      const sequencerPids = new Set(
        await withClient(db.url, async (c) =>
          (await c.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = 'bench-audit-sequencer'")).rows.map((r) => r.pid),
        ),
      );
      const run: Run = {
        ...result,
        cpu: cpuPerTx(before as CpuSample, after as CpuSample, Math.max(1, result.completed), { writers: writerPids, sequencer: sequencerPids }),
      };
      if (scenario.name === 'audited') {
        auditedWritten += result.completed + result.outside;
        run.backlogAtEnd = Number((await status()).unsealed_count);
      }
      (runs.get(scenario.name) as Run[]).push(run);
      log(
        `${scenario.label.padEnd(30)} round ${round + 1}: ${fmtInt(result.completed / result.seconds)} tx/s` +
          (run.cpu.postgres === undefined ? '' : `, postgres ${fmtCpu(run.cpu.postgres)} CPU ms/tx (writers ${fmtCpu(run.cpu.writers)})`) +
          (run.backlogAtEnd === undefined ? '' : `, ${fmtInt(run.backlogAtEnd)} rows left unsealed when the writers stopped`) +
          (result.errors ? `, ${result.errors} ERRORS` : ''),
      );
    }
  }
  if (interrupted.signal.aborted) return 130;

  // Everything audited must end up sealed, once, in one intact chain.
  const finalSequencer = startSequencer();
  const drained = await finalSequencer.sealNow();
  await finalSequencer.stop();
  const end = await withClient(db.url, async (c) => {
    const state = (await c.query('SELECT * FROM audit_chain_status()')).rows[0];
    const counts = (await c.query('SELECT count(*)::bigint AS rows, count(seq)::bigint AS sealed, count(DISTINCT seq)::bigint AS distinct_seq, min(seq) AS min_seq, max(seq) AS max_seq FROM audit_logs')).rows[0];
    const problems = (await c.query('SELECT * FROM verify_audit_chain()')).rows;
    const hot = (await c.query("SELECT n_tup_upd::bigint AS upd, n_tup_hot_upd::bigint AS hot FROM pg_stat_user_tables WHERE relname = 'audit_logs'")).rows[0];
    return { state, counts, problems, hot };
  });

  const measured = new Map<ScenarioName, Measured>([...runs].map(([name, r]) => [name, combine(r)]));
  const baseline = measured.get('plain') as Measured;
  const audited = measured.get('audited') as Measured;
  const c0 = cpus()[0];
  console.log('');
  console.log(`Audited writes vs plain inserts: ${settings.clients} clients (pg connections as customers_svc), one event per transaction (autocommit)`);
  console.log(`machine: ${cpus().length} × ${c0?.model ?? 'unknown CPU'}, Node ${process.version}; PostgreSQL ${db.serverVersion}: ${db.description}`);
  console.log(
    `measured: ${settings.seconds} s per scenario in ${settings.rounds} rounds (order alternating), ${settings.warmupSeconds} s warm-up each; ` +
      `sequencer (compliance_svc) every ${settings.sealIntervalMs} ms, ${settings.sealBatch} rows per batch, during the log_audit_event rounds`,
  );
  console.log('');
  console.log(table(chosen.map((scenario) => ({ scenario, m: measured.get(scenario.name) as Measured })), baseline));
  console.log('');

  const rows = Number(end.counts.rows);
  const sealed = Number(end.counts.sealed);
  const intact = end.problems.length === 0;
  const complete =
    rows === auditedWritten && sealed === rows && Number(end.counts.distinct_seq) === rows && Number(end.counts.min_seq) === 1 &&
    Number(end.counts.max_seq) === rows && Number(end.state.sealed_through_seq) === rows && Number(end.state.unsealed_count) === 0;
  console.log(
    `sequencer: ${fmtInt(audited.backlogs.length ? Math.max(...audited.backlogs) : 0)} rows at most left unsealed when a log_audit_event round ended; ` +
      `${fmtInt(drained)} sealed after the last one; ${sequencerLog.warnings.length} failed passes; ` +
      `${end.hot.upd > 0 ? Math.round((Number(end.hot.hot) / Number(end.hot.upd)) * 100) : 0}% of the seals were HOT updates`,
  );
  console.log(
    `audit_logs at the end: ${fmtInt(rows)} rows (${fmtInt(auditedWritten)} written), ${fmtInt(sealed)} sealed as seq 1..${end.counts.max_seq ?? 0} ` +
      `(${fmtInt(Number(end.counts.distinct_seq))} distinct), ${end.state.unsealed_count} unsealed, verify_audit_chain(): ` +
      `${intact ? 'intact' : `${end.problems.length} PROBLEMS, first: ${JSON.stringify(end.problems[0])}`} — ${complete && intact ? 'OK' : 'FAILED'}`,
  );
  for (const warning of sequencerLog.warnings.slice(0, 5)) console.log(`  sequencer: ${warning}`);

  const ratio = audited.tps / baseline.tps;
  console.log(
    `verdict: log_audit_event reaches ${ratio.toFixed(2)} of the plain insert's throughput (goal ${GOAL}): ${ratio >= GOAL ? 'goal met' : 'BELOW the goal'}` +
      (measured.has('v004') ? `; the old scheme reached ${((measured.get('v004') as Measured).tps / baseline.tps).toFixed(2)}` : ''),
  );
  const errors = [...measured.values()].reduce((n, m) => n + m.errors, 0);
  if (errors) {
    console.log(`NOT VALID: ${errors} failed transactions:`);
    for (const r of [...runs.values()].flat()) for (const [kind, n] of r.errorKinds) console.log(`  ${n} × ${kind}`);
  }
  return errors || !complete || !intact ? 1 : 0;
}

const cleanup: (() => Promise<unknown>)[] = [];
const runCleanup = async (): Promise<void> => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping the load and removing the bench database`);
    interrupted.abort();
  });
}
main(cleanup).then(
  async (code) => {
    await runCleanup();
    process.exit(code);
  },
  async (error: Error) => {
    console.error(`[bench:audit] failed: ${error.stack ?? error.message}`);
    await runCleanup();
    process.exit(1);
  },
);
