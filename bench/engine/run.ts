/**
 * bench:engine — the escalation engine end to end: BENCH_STEPS due steps (one due step in each
 * of as many active campaigns) over BENCH_CUSTOMERS customers, processed by the campaigns
 * service's engine (passes driven with RunEscalation) with the customers and compliance
 * services, each its own process. Prints steps per second, the lag from due to done (p50, p99),
 * the CPU time of each service and of PostgreSQL, the outcomes, the end checks (every due step
 * done exactly once, every task has its ALLOW, no orphan reservation), and a calls-only baseline
 * measured in the same run (baseline.ts): the same peer calls alone. See bench/README.md.
 *
 * Settings: BENCH_STEPS (100000), BENCH_CUSTOMERS (20000), BENCH_BATCH (ENGINE_BATCH_SIZE, 500),
 * BENCH_PASS (campaigns per RunEscalation, 10000), BENCH_IN_FLIGHT (passes at once, as many
 * replicas' loops; 1), BENCH_ARRIVAL_RATE (0: every step due at the start, a backlog; n: the
 * steps fall due n a second), BENCH_BASELINE (1; 0 skips it), BENCH_TIMEOUT_SECONDS (1200),
 * BENCH_CPU_PROF (a folder: the three services write V8 CPU profiles there, summarised over the
 * engine's run; profiled figures are slower), DATABASE_URL (that server instead of an embedded one),
 * BENCH_KEEP_DATABASE (1 with DATABASE_URL: the database is left in place, for EXPLAIN ANALYZE).
 */
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { campaignsV1, complianceV1, customersV1 } from '@cec/proto';
import { createBenchDatabase } from '../customers/database';
import { percentile } from '../customers/load';
import { runMain, type Cleanup } from '../common/cleanup';
import { cpuUsed, sampleCpu, type CpuSample, type CpuUsed } from '../common/cpu';
import { formatProfile, newestProfile, summariseProfile, type ProfileWindow } from '../common/cpu-profile';
import { envNumber } from '../common/env';
import { unary, type Unary } from '../common/grpc';
import { runBaseline, type BaselineResult } from './baseline';
import { checks, checksPass, clearReservations, firstInvoices, ledgerCount, makeDue, outcomes, replaySteps, seedCampaigns, seedCustomers, serverProcesses } from './database';
import { startServices, type ServiceName } from './services';
import { installRules, makeSchedules } from './setup';

const ROOT = resolve(__dirname, '..', '..');
const GOAL = 3_000;
const settings = {
  steps: Math.round(envNumber('BENCH_STEPS', 100_000, 10)),
  customers: Math.round(envNumber('BENCH_CUSTOMERS', 20_000, 1)),
  batch: Math.round(envNumber('BENCH_BATCH', 500, 1)),
  pass: Math.round(envNumber('BENCH_PASS', 10_000, 1)),
  inFlight: Math.round(envNumber('BENCH_IN_FLIGHT', 1, 1)),
  arrivalRate: envNumber('BENCH_ARRIVAL_RATE', 0, 0),
  baseline: envNumber('BENCH_BASELINE', 1, 0) > 0,
  timeoutSeconds: envNumber('BENCH_TIMEOUT_SECONDS', 1200, 10),
  cpuProfDir: process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined,
  leaseMs: 60_000,
  /** With DATABASE_URL: leave the bench database in place (for EXPLAIN ANALYZE of the engine's statements on its data). */
  keepDatabase: envNumber('BENCH_KEEP_DATABASE', 0, 0) > 0,
};

const log = (line: string): void => console.error(`[bench:engine] ${line}`);
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Drive {
  seconds: number;
  passes: number;
  emptyPasses: number;
  passMs: number[];
  summary: Record<string, number>;
  cpu: CpuUsed;
  /** PostgreSQL's CPU ms over the run by what its processes serve (a service's connections, its own workers). */
  postgresBy: Map<string, number>;
  window: ProfileWindow;
  timedOut: boolean;
}

/** PostgreSQL CPU between two samples, by what each process is (processes that ended in between are left out). */
function postgresByWhat(before: CpuSample, after: CpuSample, what: Map<number, string>): Map<string, number> {
  const by = new Map<string, number>();
  for (const [pid, ms] of after.postgres ?? []) {
    const name = what.get(pid) ?? 'postmaster and others';
    by.set(name, (by.get(name) ?? 0) + ms - (before.postgres?.get(pid) ?? 0));
  }
  return new Map([...by].filter(([, ms]) => ms > 0).sort((a, b) => b[1] - a[1]));
}

/**
 * BENCH_IN_FLIGHT loops of RunEscalation (maxCampaigns BENCH_PASS, no enrolment) from the start
 * instant until the ledger holds a row for every due step. A pass that found nothing waits 20 ms.
 */
async function drive(client: campaignsV1.EscalationServiceClient, dbUrl: string, due: number, startMs: number, pids: Record<ServiceName, number | undefined>, postmasterPid: number | undefined, signal: AbortSignal): Promise<Drive> {
  const wait = startMs - Date.now();
  if (wait > 0) await sleep(wait);
  else log(`the steps fell due ${fmt(-wait)} ms before the first pass could start (it counts in the lag)`);
  const before = sampleCpu(pids, postmasterPid);
  const window = { startUs: nowUs(), endUs: 0 };
  const started = process.hrtime.bigint();
  const deadline = Date.now() + settings.timeoutSeconds * 1000;
  const passMs: number[] = [];
  const summary: Record<string, number> = {};
  let passes = 0;
  let emptyPasses = 0;
  let done = false;
  let timedOut = false;
  const loop = async (): Promise<void> => {
    while (!done && !signal.aborted) {
      if (Date.now() > deadline) {
        timedOut = true;
        done = true;
        break;
      }
      const t0 = process.hrtime.bigint();
      const response = await unary(
        client,
        client.runEscalation as Unary<campaignsV1.RunEscalationRequest, campaignsV1.RunEscalationResponse>,
        { maxCampaigns: settings.pass, skipEnrolment: true },
        300_000,
      );
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      passes += 1;
      const s = response.summary as campaignsV1.PassSummary;
      for (const [k, v] of Object.entries(s)) if (typeof v === 'number') summary[k] = (summary[k] ?? 0) + v;
      if (s.campaignsExamined > 0) {
        passMs.push(ms);
        continue;
      }
      emptyPasses += 1;
      if ((await ledgerCount(dbUrl)) >= due) done = true;
      else await sleep(20);
    }
  };
  await Promise.all(Array.from({ length: settings.inFlight }, loop));
  // The end: when the last step was done (the empty passes after it and the count do not count).
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  window.endUs = nowUs();
  const after = sampleCpu(pids, postmasterPid);
  const postgresBy = postgresByWhat(before, after, await serverProcesses(dbUrl));
  return { seconds, passes, emptyPasses, passMs, summary, cpu: cpuUsed(before, after), postgresBy, window, timedOut };
}

/** The CPU table: ms per step and share of the total, per process. */
function cpuLines(used: CpuUsed, steps: number, names: string[]): string[] {
  const rows: [string, number | undefined][] = [
    ...names.map((n): [string, number | undefined] => [`${n} service`, used.processes[n]]),
    ['PostgreSQL (all processes)', used.postgres],
    ['this process (driver / client)', used.client],
  ];
  const total = rows.reduce((n, [, ms]) => n + (ms ?? 0), 0);
  const lines = rows.map(
    ([name, ms]) =>
      `  ${name.padEnd(32)} ${ms === undefined ? '-'.padStart(9) : fmt(ms).padStart(9)} ms  ${ms === undefined ? '-'.padStart(7) : (ms / steps).toFixed(3).padStart(7)} ms/step  ${ms === undefined || !total ? '' : `${((ms / total) * 100).toFixed(1).padStart(5)}%`}`,
  );
  lines.push(`  ${'total'.padEnd(32)} ${fmt(total).padStart(9)} ms  ${(total / steps).toFixed(3).padStart(7)} ms/step  → ${fmt((cpus().length * 1000 * steps) / total)} steps/s if ${cpus().length} cores did only this`);
  if (used.machineBusy !== undefined) lines.push(`  the whole machine was ${Math.round(used.machineBusy * 100)}% busy (other work included)`);
  return lines;
}

async function main(cleanup: Cleanup, interrupted: AbortController): Promise<number> {
  const s = settings;
  log(
    `${fmt(s.steps)} due steps over ${fmt(s.customers)} customers; ENGINE_BATCH_SIZE ${s.batch}, RunEscalation of ${fmt(s.pass)} campaigns, ${s.inFlight} in flight; ` +
      (s.arrivalRate ? `steps fall due at ${fmt(s.arrivalRate)}/s` : 'every step due at the start (a backlog)'),
  );
  const db = await createBenchDatabase(log);
  if (s.keepDatabase && process.env.DATABASE_URL) log(`keeping the database for inspection: ${db.url}`);
  else cleanup.add(() => db.dispose());
  let t = Date.now();
  const data = await seedCustomers(db.url, s.customers, s.steps);
  log(`seeded in ${((Date.now() - t) / 1000).toFixed(1)} s: ${fmt(data.customers)} customers (${Object.entries(data.byCountry).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}), ${fmt(data.invoices)} overdue invoices, opt-outs ${JSON.stringify(data.optOuts)}`);

  const services = await startServices(ROOT, db.url, { batch: s.batch, leaseMs: s.leaseMs, cpuProfDir: s.cpuProfDir }, cleanup);
  const pids = { customers: services.children.customers.process.pid, compliance: services.children.compliance.process.pid, campaigns: services.children.campaigns.process.pid };
  log(`services SERVING: customers ${services.addresses.customers}, compliance ${services.addresses.compliance}, campaigns ${services.addresses.campaigns}`);
  const insecure = credentials.createInsecure();
  const clients = {
    templates: new campaignsV1.TemplateServiceClient(services.addresses.campaigns, insecure),
    campaigns: new campaignsV1.CampaignServiceClient(services.addresses.campaigns, insecure),
    escalation: new campaignsV1.EscalationServiceClient(services.addresses.campaigns, insecure),
    rules: new complianceV1.ComplianceRuleServiceClient(services.addresses.compliance, insecure),
    compliance: new complianceV1.ComplianceServiceClient(services.addresses.compliance, insecure),
    invoices: new customersV1.InvoiceServiceClient(services.addresses.customers, insecure),
    customers: new customersV1.CustomerServiceClient(services.addresses.customers, insecure),
  };
  cleanup.add(async () => Object.values(clients).forEach((c) => c.close()));

  const rules = await installRules(clients.rules, new Date());
  log(`compliance rules: ${rules.join(', ')}`);
  const first = await firstInvoices(db.url);
  const schedules = await makeSchedules(clients.templates, clients.campaigns, first.customerId, first.invoiceIds);
  t = Date.now();
  const made = await seedCampaigns(db.url, schedules);
  log(`${fmt(made)} active campaigns written in ${((Date.now() - t) / 1000).toFixed(1)} s (${schedules.map((x) => `${x.tenths}/10 ${x.name}`).join(', ')})`);

  // Due from a moment just after the due instants are written (a margin for the update).
  const startMs = Date.now() + 3_000 + s.steps * 0.04;
  await makeDue(db.url, startMs, s.arrivalRate);
  const run = await drive(clients.escalation, db.url, made, startMs, pids, db.postmasterPid, interrupted.signal);
  if (interrupted.signal.aborted) return 130;
  const load = loadavg();
  const result = await outcomes(db.url);
  const k = await checks(db.url);
  const ok = checksPass(k) && !run.timedOut;

  let baseline: (BaselineResult & { cpu: CpuUsed }) | undefined;
  if (s.baseline) {
    const steps = await replaySteps(db.url);
    await clearReservations(db.url);
    log(`calls-only baseline: ${fmt(steps.length)} steps' calls in batches of ${s.batch}, ${s.inFlight} at a time`);
    const before = sampleCpu(pids, db.postmasterPid);
    const b = await runBaseline(clients, steps, s.batch, s.inFlight);
    baseline = { ...b, cpu: cpuUsed(before, sampleCpu(pids, db.postmasterPid)) };
  }

  // --- the report ---
  const rate = made / run.seconds;
  const passP = (q: number): number => percentile(Float64Array.from(run.passMs).sort(), q);
  const c0 = cpus()[0];
  const out: string[] = [];
  out.push('');
  out.push(`bench:engine — the escalation engine end to end (campaigns + customers + compliance, each its own process)`);
  out.push(`machine: ${cpus().length} × ${c0?.model ?? 'unknown CPU'}, Node ${process.version}; load average at the end ${load.map((x) => x.toFixed(2)).join(' ')}; PostgreSQL ${data.serverVersion}: ${db.description}`);
  out.push(
    `data: ${fmt(data.customers)} customers, ${fmt(made)} active campaigns with one step due each (${schedules.map((x) => `${x.tenths}/10 ${x.name}`).join(', ')}); ` +
      `ENGINE_BATCH_SIZE ${s.batch}, RunEscalation of ${fmt(s.pass)}, ${s.inFlight} pass(es) in flight; ${s.arrivalRate ? `steps fall due at ${fmt(s.arrivalRate)}/s` : 'all due at the start'}`,
  );
  out.push('');
  out.push(`steps done: ${fmt(made)} in ${run.seconds.toFixed(2)} s → ${fmt(rate)} steps/s${run.timedOut ? ' (TIMED OUT)' : ''}`);
  out.push(`lag from due to done: p50 ${fmt(result.lagMs.p50)} ms, p90 ${fmt(result.lagMs.p90)} ms, p99 ${fmt(result.lagMs.p99)} ms, max ${fmt(result.lagMs.max)} ms`);
  out.push(
    `passes: ${run.passes} (${run.emptyPasses} found nothing due); a pass that found steps took p50 ${fmt(passP(50))} ms, p99 ${fmt(passP(99))} ms ` +
      `(up to ${fmt(s.pass)} campaigns, in batches of ${s.batch}); in order, s: ${run.passMs.map((ms) => (ms / 1000).toFixed(1)).join(' ')}`,
  );
  out.push(`outcomes: ${Object.entries(result.byOutcome).map(([o, n]) => `${o} ${fmt(n)}`).join(', ')}; channels: ${Object.entries(result.byChannel).map(([o, n]) => `${o} ${fmt(n)}`).join(', ')}`);
  out.push(`pass summaries: ${Object.entries(run.summary).filter(([, v]) => v).map(([key, v]) => `${key} ${fmt(v)}`).join(', ')}`);
  out.push('');
  out.push('CPU time over the run (utime + stime from /proc):');
  out.push(...cpuLines(run.cpu, made, ['campaigns', 'compliance', 'customers']));
  if (run.postgresBy.size) {
    out.push(`  PostgreSQL by what its processes serve: ${[...run.postgresBy].map(([what, ms]) => `${what} ${fmt(ms)} ms (${(ms / made).toFixed(3)}/step)`).join(', ')}`);
  }
  if (baseline) {
    const bRate = baseline.steps / baseline.seconds;
    const bP = (q: number): number => percentile(Float64Array.from(baseline.batchMs).sort(), q);
    out.push('');
    out.push(
      `calls-only baseline (the same BatchGetInvoices + BatchGetContactProfiles, then BatchCheckContacts rounds, per batch of ${s.batch}, no engine): ` +
        `${fmt(baseline.steps)} steps' calls (${fmt(baseline.decisions)} decisions) in ${baseline.seconds.toFixed(2)} s → ${fmt(bRate)} steps/s; a batch took p50 ${fmt(bP(50))} ms, p99 ${fmt(bP(99))} ms`,
    );
    out.push(...cpuLines(baseline.cpu, baseline.steps, ['campaigns', 'compliance', 'customers']));
    out.push(`ratio engine / calls-only: ${(rate / bRate).toFixed(2)} (steps/s; 1.00 would mean the engine's own work — claim, templates, decide, render, commit — costs nothing)`);
  }
  out.push('');
  out.push(
    s.arrivalRate
      ? `goal >= ${fmt(GOAL)} steps/s: not measured (the steps fell due at ${fmt(s.arrivalRate)}/s; run without BENCH_ARRIVAL_RATE for the rate)`
      : `goal >= ${fmt(GOAL)} steps/s: ${rate >= GOAL ? 'met' : 'NOT met'} (${fmt(rate)})`,
  );
  out.push(
    `checks: ${fmt(k.doneOnce)} of ${fmt(k.due)} due steps done exactly once (${k.notDone} not done, ${k.doneTwice} more than once, ${k.stillDue} still due, ${k.leased} leases or run keys left, ` +
      `${k.advancedMismatch} campaigns whose position disagrees with their ledger); ${fmt(k.tasks)} tasks for ${fmt(k.takenRuns)} steps taken (${k.campaignsWithTwoTasks} campaigns with two); ` +
      `${k.tasksWithoutDecision} contact tasks without their ALLOW, ${k.runsWithoutDecision} ledger rows without a decision; ${k.orphanReservations} orphan reservations, ${k.tasksWithoutReservation} tasks without one — ${ok ? 'OK' : 'FAILED'}`,
  );
  console.log(out.join('\n'));

  if (s.cpuProfDir) {
    await Promise.all(Object.values(services.children).map((c) => c.stop()));
    for (const name of ['campaigns', 'compliance', 'customers'] as const) {
      const file = newestProfile(join(s.cpuProfDir, name));
      if (!file) {
        console.log(`\n(no CPU profile of the ${name} service in ${join(s.cpuProfDir, name)})`);
        continue;
      }
      console.log('');
      console.log(formatProfile(`${name} service over the engine's run (${file})`, summariseProfile(file, [run.window], ROOT, name === 'campaigns' ? 30 : 12), made, 'step'));
    }
    console.log('\n(profiled runs are slower: the figures above are not comparable with unprofiled ones)');
  }
  return ok ? 0 : 1;
}

const interrupted = new AbortController();
runMain('[bench:engine]', interrupted, (cleanup) => main(cleanup, interrupted));
