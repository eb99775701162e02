/**
 * Compliance service benchmark (npm run bench:compliance -w @cec/bench): CheckContact at
 * concurrency 50 and BatchCheckContacts of 1,000 checks at concurrency 2, against the real
 * compliance service (with the real customers service it asks for facts) and against a bare
 * grpc-js + pg baseline that runs the same SQL, measured in the same run. See bench/README.md.
 *
 * Settings (environment): BENCH_SECONDS (measured seconds per server and scenario, default 10,
 * split over BENCH_ROUNDS rounds, default 2), BENCH_BATCH_SECONDS (the same for batches, default
 * twice BENCH_SECONDS), BENCH_WARMUP_SECONDS (per round, default 2),
 * BENCH_CONCURRENCY (CheckContact calls in flight, default 50), BENCH_BATCH_CONCURRENCY
 * (default 2), BENCH_BATCH_SIZE (default 1000), BENCH_CUSTOMERS (default 10000),
 * BENCH_ATTEMPTS (contact history rows, default 100000), BENCH_SCENARIOS (e.g. CheckContact),
 * BENCH_CPU_PROF (a folder: the servers write V8 CPU profiles there, summarised at the end),
 * BENCH_KEEP_RESERVATIONS=1 (do not clear reservations between windows), BENCH_BASELINE_FACTS
 * (customers, default: the baseline asks the customers service for the facts, as the service
 * must; sql: what-if, it reads customer_profiles itself),
 * BENCH_BATCH_DISJOINT=1 (what-if: concurrent batches on disjoint customers), BENCH_SETUP_SQL
 * (what-if SQL after seeding), DATABASE_URL (use that server instead of an embedded one).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { Channel, credentials, status, type ServiceError } from '@grpc/grpc-js';
import { freePort, withUser } from '@cec/db';
import { complianceV1 } from '@cec/proto';
import { createBenchDatabase, runSetupSql, type BenchDatabase } from '../customers/database';
import { runLoad, summarise, type LoadResult, type Summary } from '../customers/load';
import { startTs, waitUntilReady, type Child } from '../customers/processes';
import { runMain, type Cleanup } from '../common/cleanup';
import { cpuUsed, sampleCpu, type CpuSample, type CpuUsed } from '../common/cpu';
import { formatProfile, newestProfile, summariseProfile, type ProfileWindow } from '../common/cpu-profile';
import { envList, envNumber } from '../common/env';
import { isServing, unary, type Unary } from '../common/grpc';
import { answerCases, BLOCKED_SMS_CASE, comparable, unexpected, type AnswerCase } from './answers';
import { clearReservations, freshCustomers, seed, unsealedAuditRows, type DataSet } from './database';
import { actorMetadata, installRules } from './rules';

const ROOT = resolve(__dirname, '..', '..');
/** CheckContact: the service should reach this share of the baseline's throughput. */
const SINGLE_GOAL = 0.7;
/** BatchCheckContacts: decisions per second the service should reach on this machine. */
const BATCH_GOAL = 5_000;
const DAY_MS = 86_400_000;

const settings = {
  seconds: envNumber('BENCH_SECONDS', 10, 1),
  /** Batches take a second or so each: a longer window, so that a call more or less in it moves the figure less. */
  batchSeconds: envNumber('BENCH_BATCH_SECONDS', process.env.BENCH_SECONDS ? 2 * Number(process.env.BENCH_SECONDS) : 20, 1),
  rounds: Math.round(envNumber('BENCH_ROUNDS', 2, 1)),
  warmupSeconds: envNumber('BENCH_WARMUP_SECONDS', 2, 0),
  concurrency: Math.round(envNumber('BENCH_CONCURRENCY', 50, 1)),
  batchConcurrency: Math.round(envNumber('BENCH_BATCH_CONCURRENCY', 2, 1)),
  batchSize: Math.round(envNumber('BENCH_BATCH_SIZE', 1000, 1)),
  customers: Math.round(envNumber('BENCH_CUSTOMERS', 10_000, 100)),
  attempts: Math.round(envNumber('BENCH_ATTEMPTS', 100_000, 0)),
  cpuProfDir: process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined,
  keepReservations: process.env.BENCH_KEEP_RESERVATIONS === '1',
  /**
   * 'customers' (default): the baseline asks the customers service for the facts, as the service's contract requires of it;
   * 'sql' (what-if): it reads customer_profiles itself, which the service may not.
   */
  baselineFacts: (process.env.BENCH_BASELINE_FACTS || 'customers') as 'sql' | 'customers',
  /** What-if: each batch in flight draws its customers from its own share of them, so concurrent batches never wait for each other's locks. */
  batchDisjoint: process.env.BENCH_BATCH_DISJOINT === '1',
  setupSql: process.env.BENCH_SETUP_SQL ?? '',
  only: envList('BENCH_SCENARIOS'),
};

const log = (line: string): void => console.log(`[bench:compliance] ${line}`);
const interrupted = new AbortController();

// ---------------------------------------------------------------------------------------------
// Clients: one grpc-js channel per server.
// ---------------------------------------------------------------------------------------------

type ServerName = 'baseline' | 'service';

interface Mix {
  allow: number;
  defer: number;
  deny: number;
}

interface Target {
  name: ServerName;
  /** The process that serves the calls. */
  child: Child;
  client: complianceV1.ComplianceServiceClient;
  channel: Channel;
  /** Results of the current scenario's calls, warm-ups included. */
  mix: Mix;
}

function connect(name: ServerName, child: Child, address: string): Target {
  const channel = new Channel(address, credentials.createInsecure(), {});
  const client = new complianceV1.ComplianceServiceClient(address, credentials.createInsecure(), { channelOverride: channel });
  return { name, child, client, channel, mix: { allow: 0, defer: 0, deny: 0 } };
}

const checkContact = (t: Target, request: complianceV1.CheckContactRequest): Promise<complianceV1.CheckContactResponse> =>
  unary(t.client, t.client.checkContact as Unary<complianceV1.CheckContactRequest, complianceV1.CheckContactResponse>, request, 30_000, actorMetadata());

const batchCheck = (t: Target, checks: complianceV1.CheckContactRequest[]): Promise<complianceV1.BatchCheckContactsResponse> =>
  unary(
    t.client,
    t.client.batchCheckContacts as Unary<complianceV1.BatchCheckContactsRequest, complianceV1.BatchCheckContactsResponse>,
    { checks },
    60_000,
    actorMetadata(),
  );

function count(mix: Mix, d: complianceV1.Decision): void {
  if (d.result === complianceV1.DecisionResult.DECISION_RESULT_ALLOW) mix.allow += 1;
  else if (d.result === complianceV1.DecisionResult.DECISION_RESULT_DEFER) mix.defer += 1;
  else if (d.result === complianceV1.DecisionResult.DECISION_RESULT_DENY) mix.deny += 1;
}

// ---------------------------------------------------------------------------------------------
// Answer check
// ---------------------------------------------------------------------------------------------

/** Both servers, fresh customers of the same profile: the same answers, and the ones the rules give. */
async function checkAnswers(baseline: Target, service: Target, cases: { c: AnswerCase; ids: [string, string] }[]): Promise<string> {
  const problems: string[] = [];
  // A customer's own rule has its own code (bench_no_sms_N): compared by kind.
  const normalise = (text: string): string => text.replace(/bench_no_sms_\d+/g, 'bench_no_sms_*');
  for (const { c, ids } of cases) {
    const request = (customerId: string): complianceV1.CheckContactRequest => ({
      customerId,
      channel: c.channel,
      proposedTime: c.at === undefined ? undefined : new Date(c.at),
      requestId: '',
    });
    const answers: Record<ServerName, complianceV1.Decision | undefined> = { baseline: undefined, service: undefined };
    for (const [i, t] of [baseline, service].entries()) {
      try {
        answers[t.name] = (await checkContact(t, request(ids[i]))).decision;
      } catch (error) {
        const e = error as ServiceError;
        problems.push(`${c.name}: ${t.name} failed: ${status[e.code] ?? e.code} ${e.details ?? e.message}`);
      }
    }
    if (!answers.baseline || !answers.service) continue;
    const a = normalise(comparable(answers.baseline));
    const b = normalise(comparable(answers.service));
    if (a !== b) problems.push(`${c.name}: the servers answer differently:\n  baseline: ${a}\n  service:  ${b}`);
    for (const t of [baseline, service]) for (const p of unexpected(c, answers[t.name])) problems.push(`${c.name}: ${t.name}: ${p}`);
  }
  if (problems.length) throw new Error(`the answer check failed, so the comparison would not be fair:\n${problems.join('\n')}`);
  return `${cases.length} checks on fresh customers answered alike by both servers, and as the rules say (${cases.map((x) => x.c.name.split(' -> ')[1]).join(', ')})`;
}

// ---------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------

const CHANNELS = [complianceV1.Channel.CHANNEL_EMAIL, complianceV1.Channel.CHANNEL_PHONE, complianceV1.Channel.CHANNEL_SMS];

/** A random check: a seeded customer, a channel, and now (half of them) or an instant in the next 7 days. */
function randomCheck(ids: string[]): complianceV1.CheckContactRequest {
  return {
    customerId: ids[Math.floor(Math.random() * ids.length)],
    channel: CHANNELS[Math.floor(Math.random() * CHANNELS.length)],
    proposedTime: Math.random() < 0.5 ? undefined : new Date(Date.now() + 60_000 + Math.floor(Math.random() * 7 * DAY_MS)),
    requestId: '',
  };
}

interface Scenario {
  name: string;
  decisionsPerCall: number;
  concurrency: number;
  /** Measured seconds per server, split over the rounds. */
  seconds: number;
  call(target: Target): () => Promise<unknown>;
}

function scenarios(ids: string[]): Scenario[] {
  // BENCH_BATCH_DISJOINT: one share of the customers per batch in flight; a call takes a free share and gives it back.
  const shares = Array.from({ length: settings.batchConcurrency }, (_, k) => ids.filter((_id, i) => i % settings.batchConcurrency === k));
  const free = shares.map((_, k) => k);
  const all: Scenario[] = [
    {
      name: 'CheckContact',
      decisionsPerCall: 1,
      concurrency: settings.concurrency,
      seconds: settings.seconds,
      call: (t) => async () => {
        const request = randomCheck(ids);
        const { decision } = await checkContact(t, request);
        if (!decision || decision.customerId !== request.customerId || !decision.result) {
          throw new Error(`CheckContact ${request.customerId} answered ${decision ? `${decision.customerId} ${decision.result}` : 'no decision'}`);
        }
        count(t.mix, decision);
      },
    },
    {
      name: 'BatchCheckContacts',
      decisionsPerCall: settings.batchSize,
      concurrency: settings.batchConcurrency,
      seconds: settings.batchSeconds,
      call: (t) => async () => {
        const share = settings.batchDisjoint ? (free.pop() as number) : -1;
        const pool = share >= 0 ? shares[share] : ids;
        const checks = Array.from({ length: settings.batchSize }, () => randomCheck(pool));
        let decisions: complianceV1.Decision[];
        try {
          ({ decisions } = await batchCheck(t, checks));
        } finally {
          if (share >= 0) free.push(share);
        }
        if (decisions.length !== checks.length) throw new Error(`BatchCheckContacts answered ${decisions.length} decisions for ${checks.length} checks`);
        decisions.forEach((d, i) => {
          if (d.customerId !== checks[i].customerId || !d.result) throw new Error(`BatchCheckContacts: decision ${i} is for ${d.customerId}, not ${checks[i].customerId}`);
          count(t.mix, d);
        });
      },
    },
  ];
  if (!settings.only.length) return all;
  const chosen = all.filter((s) => settings.only.includes(s.name.toLowerCase()));
  if (!chosen.length) throw new Error(`BENCH_SCENARIOS matches none of ${all.map((s) => s.name).join(', ')}`);
  return chosen;
}

interface Run extends LoadResult {
  cpu: CpuUsed;
  window: ProfileWindow;
}

interface Measured {
  summary: Summary;
  decisionsPerSecond: number;
  roundDecisions: number[];
  /** CPU ms per decision, averaged over the rounds. */
  cpu: { server?: number; customers?: number; postgres?: number; client?: number; machineBusy?: number };
  mix: Mix;
}

interface Env {
  dbUrl: string;
  postmasterPid?: number;
  customers: Child;
}

/** Before each run: the audit sequencer has sealed everything, and (unless kept) no reservations are left. */
async function settle(env: Env): Promise<void> {
  const started = Date.now();
  for (;;) {
    const unsealed = await unsealedAuditRows(env.dbUrl);
    if (!unsealed) break;
    if (Date.now() - started > 120_000) throw new Error(`the audit sequencer left ${unsealed} rows unsealed for 2 minutes`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const waited = Date.now() - started;
  if (waited > 1_500) log(`  (waited ${(waited / 1000).toFixed(1)} s for the audit sequencer to seal the previous run's events)`);
  if (!settings.keepReservations) await clearReservations(env.dbUrl);
}

async function measure(scenario: Scenario, target: Target, env: Env): Promise<Run> {
  await settle(env);
  const pids = { server: target.child.process.pid, customers: env.customers.process.pid };
  let before: CpuSample | undefined;
  let after: CpuSample | undefined;
  const window = { startUs: 0, endUs: 0 };
  const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
  const result = await runLoad(scenario.call(target), {
    concurrency: scenario.concurrency,
    warmupMs: settings.warmupSeconds * 1000,
    measureMs: (scenario.seconds * 1000) / settings.rounds,
    onWindowStart: () => {
      before = sampleCpu(pids, env.postmasterPid);
      window.startUs = nowUs();
    },
    onWindowEnd: () => {
      window.endUs = nowUs();
      after = sampleCpu(pids, env.postmasterPid);
    },
    signal: interrupted.signal,
  });
  if (interrupted.signal.aborted) throw new Error('interrupted');
  return { ...result, cpu: cpuUsed(before as CpuSample, after as CpuSample), window };
}

function combine(scenario: Scenario, runs: Run[], mix: Mix): Measured {
  const perDecision = (run: Run, ms: number | undefined): number | undefined =>
    ms === undefined || !run.completed ? undefined : ms / (run.completed * scenario.decisionsPerCall);
  const avg = (pick: (r: Run) => number | undefined): number | undefined => {
    const values = runs.map(pick);
    return values.some((v) => v === undefined) ? undefined : (values as number[]).reduce((a, b) => a + b, 0) / values.length;
  };
  const summary = summarise(runs);
  return {
    summary,
    decisionsPerSecond: summary.rps * scenario.decisionsPerCall,
    roundDecisions: summary.roundRps.map((r) => r * scenario.decisionsPerCall),
    cpu: {
      server: avg((r) => perDecision(r, r.cpu.processes.server)),
      customers: avg((r) => perDecision(r, r.cpu.processes.customers)),
      postgres: avg((r) => perDecision(r, r.cpu.postgres)),
      client: avg((r) => perDecision(r, r.cpu.client)),
      machineBusy: avg((r) => r.cpu.machineBusy),
    },
    mix: { ...mix },
  };
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
const fmtMs = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '-');
const fmtCpu = (n: number | undefined): string => (n === undefined ? '-' : n.toFixed(3));
const fmtMix = (m: Mix): string => {
  const total = m.allow + m.defer + m.deny || 1;
  return `${Math.round((m.allow / total) * 100)} / ${Math.round((m.defer / total) * 100)} / ${Math.round((m.deny / total) * 100)}`;
};

/**
 * Decisions per second the machine's cores could give if they did nothing else: cores × 1000 ÷
 * the CPU ms a decision costs over server, customers service, PostgreSQL and load generator.
 * Less sensitive to other people's load than decisions/s (though contention inflates CPU
 * time too, so on a busy machine it errs low).
 */
function ceiling(m: Measured): number | undefined {
  const { server, customers, postgres, client } = m.cpu;
  if (server === undefined || customers === undefined || postgres === undefined || client === undefined) return undefined;
  return (cpus().length * 1000) / (server + customers + postgres + client);
}

interface ScenarioResult {
  scenario: Scenario;
  baseline: Measured;
  service: Measured;
}

function table(results: ScenarioResult[]): string {
  const header = [
    'scenario',
    'server',
    'calls',
    'calls/s',
    'decisions/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'rounds decisions/s',
    'CPU ms/decision: server',
    'customers',
    'postgres',
    'client',
    'CPU busy',
    'ceiling/s',
    'allow/defer/deny %',
  ];
  const blocks: string[][][] = [];
  for (const r of results) {
    const rows: string[][] = [];
    for (const [name, m] of [['baseline', r.baseline], ['service', r.service]] as const) {
      const s = m.summary;
      rows.push([
        name === 'baseline' ? r.scenario.name : '',
        name,
        fmtInt(s.requests),
        s.rps < 100 ? s.rps.toFixed(1) : fmtInt(s.rps),
        fmtInt(m.decisionsPerSecond),
        fmtMs(s.p50),
        fmtMs(s.p99),
        String(s.errors + s.warmupErrors),
        m.roundDecisions.map(fmtInt).join(' / '),
        fmtCpu(m.cpu.server),
        fmtCpu(m.cpu.customers),
        fmtCpu(m.cpu.postgres),
        fmtCpu(m.cpu.client),
        m.cpu.machineBusy === undefined ? '-' : `${Math.round(m.cpu.machineBusy * 100)}%`,
        ceiling(m) === undefined ? '-' : fmtInt(ceiling(m) as number),
        fmtMix(m.mix),
      ]);
    }
    const ratio = r.service.decisionsPerSecond / r.baseline.decisionsPerSecond;
    const cpuRatio = (pick: (m: Measured) => number | undefined): string => {
      const a = pick(r.service);
      const b = pick(r.baseline);
      return a === undefined || b === undefined || !b ? '' : (a / b).toFixed(2);
    };
    rows.push([
      '',
      'ratio',
      '',
      ratio.toFixed(2),
      ratio.toFixed(2),
      (r.service.summary.p50 / r.baseline.summary.p50).toFixed(2),
      (r.service.summary.p99 / r.baseline.summary.p99).toFixed(2),
      '',
      '',
      cpuRatio((m) => m.cpu.server),
      '',
      cpuRatio((m) => m.cpu.postgres),
      '',
      '',
      ceiling(r.service) && ceiling(r.baseline) ? ((ceiling(r.service) as number) / (ceiling(r.baseline) as number)).toFixed(2) : '',
      '',
    ]);
    blocks.push(rows);
  }
  const all = blocks.flat();
  const widths = header.map((h, i) => Math.max(h.length, ...all.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  ')];
  blocks.forEach((rows, i) => {
    out.push(...rows.map(line));
    if (i < blocks.length - 1) out.push('');
  });
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

async function main(cleanup: Cleanup): Promise<number> {
  log(
    `compliance service vs bare grpc-js + pg baseline: CheckContact at concurrency ${settings.concurrency}, ` +
      `BatchCheckContacts of ${settings.batchSize} at concurrency ${settings.batchConcurrency}; ${settings.seconds} s (batches ${settings.batchSeconds} s) ` +
      `measured per server and scenario in ${settings.rounds} rounds, each after ${settings.warmupSeconds} s of warm-up`,
  );
  scenarios([]); // a BENCH_SCENARIOS typo fails before the setup, not after
  if (!['sql', 'customers'].includes(settings.baselineFacts)) throw new Error(`BENCH_BASELINE_FACTS must be sql or customers, got "${settings.baselineFacts}"`);
  const db: BenchDatabase = await createBenchDatabase(log);
  cleanup.add(() => db.dispose());
  const seedStarted = Date.now();
  const data: DataSet = await seed(db.url, settings.customers, settings.attempts);
  log(
    `seeded in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s: ${fmtInt(data.customers)} customers with profiles ` +
      `(${fmtInt(data.doNotContact)} do-not-contact), ${fmtInt(data.optOutEvents)} opt-out records, ${fmtInt(data.attempts)} contact attempts over 30 days`,
  );
  if (settings.setupSql) {
    await runSetupSql(db.url, settings.setupSql);
    log(`WHAT-IF: applied BENCH_SETUP_SQL: ${settings.setupSql}`);
  }
  const ids = data.ids;
  // Fresh customers for the answer check: two per case (one per server), none in the load's pool.
  const cases = answerCases();
  const allCases = [...cases, BLOCKED_SMS_CASE];
  const freshIds = await freshCustomers(db.url, allCases.flatMap((c) => [c.customer, c.customer]));
  const caseIds = allCases.map((c, i) => ({ c, ids: [freshIds[2 * i], freshIds[2 * i + 1]] as [string, string] }));
  // SMS blocked for every 1000th seeded customer and for the blocked case's two customers.
  const blockedSms = [...ids.filter((_, i) => i % 1000 === 500), ...caseIds[caseIds.length - 1].ids];

  const profArgs = (name: string): string[] => {
    if (!settings.cpuProfDir) return [];
    const dir = join(settings.cpuProfDir, name);
    mkdirSync(dir, { recursive: true });
    return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
  };

  // The customers service, as in production (it connects as customers_svc by itself).
  const customersPort = await freePort();
  const customers = startTs('customers service', join(ROOT, 'services', 'customers', 'src', 'main.ts'), {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      CUSTOMERS_GRPC_HOST: '127.0.0.1',
      CUSTOMERS_GRPC_PORT: String(customersPort),
      CUSTOMERS_METRICS_HOST: '127.0.0.1',
      CUSTOMERS_METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
      OVERDUE_SWEEP_INTERVAL_MS: '0',
    },
    nodeArgs: profArgs('customers'),
  });
  cleanup.add(() => customers.stop());

  // The compliance service (connects as compliance_svc by itself; asks the customers service for facts).
  const servicePort = await freePort();
  const serviceChild = startTs('compliance service', join(ROOT, 'services', 'compliance', 'src', 'main.ts'), {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      COMPLIANCE_GRPC_HOST: '127.0.0.1',
      COMPLIANCE_GRPC_PORT: String(servicePort),
      COMPLIANCE_METRICS_HOST: '127.0.0.1',
      COMPLIANCE_METRICS_PORT: '0',
      CUSTOMERS_ADDRESS: `127.0.0.1:${customersPort}`,
      LOG_LEVEL: 'warn',
    },
    nodeArgs: profArgs('compliance'),
  });
  cleanup.add(() => serviceChild.stop());

  // The baseline: compliance_svc for the decisions; the facts from the customers service (or, for the sql what-if, as customers_svc).
  let baselinePort = 0;
  const baselineChild = startTs('baseline server', join(ROOT, 'bench', 'compliance', 'baseline-server.ts'), {
    cwd: ROOT,
    env: {
      ...process.env,
      BASELINE_DATABASE_URL: withUser(db.url, 'compliance_svc', process.env.COMPLIANCE_DB_PASSWORD || undefined),
      BASELINE_FACTS_DATABASE_URL: withUser(db.url, 'customers_svc', process.env.CUSTOMERS_DB_PASSWORD || undefined),
      BASELINE_PORT: '0',
      ...(settings.baselineFacts === 'customers' ? { BASELINE_CUSTOMERS_ADDRESS: `127.0.0.1:${customersPort}` } : {}),
    },
    nodeArgs: profArgs('baseline'),
    onLine: (line) => {
      if (line.startsWith('{"ready"')) baselinePort = (JSON.parse(line) as { port: number }).port;
    },
  });
  cleanup.add(() => baselineChild.stop());

  await waitUntilReady(customers, () => isServing(`127.0.0.1:${customersPort}`));
  await waitUntilReady(serviceChild, () => isServing(`127.0.0.1:${servicePort}`));
  await waitUntilReady(baselineChild, async () => baselinePort > 0);
  log(
    `customers service on :${customersPort} (pid ${customers.process.pid}), compliance service on :${servicePort} (pid ${serviceChild.process.pid}), ` +
      `baseline on :${baselinePort} (pid ${baselineChild.process.pid}), all ready`,
  );

  const rulesClient = new complianceV1.ComplianceRuleServiceClient(`127.0.0.1:${servicePort}`, credentials.createInsecure());
  const codes = await installRules(rulesClient, new Date(), blockedSms);
  rulesClient.close();
  log(`rules installed through the service: ${codes.filter((c) => !c.startsWith('bench_no_sms_')).join(', ')}, and SMS blocked for ${blockedSms.length} customers`);

  const baseline = connect('baseline', baselineChild, `127.0.0.1:${baselinePort}`);
  const service = connect('service', serviceChild, `127.0.0.1:${servicePort}`);
  cleanup.add(async () => {
    for (const t of [baseline, service]) {
      t.client.close();
      t.channel.close();
    }
  });

  log(await checkAnswers(baseline, service, caseIds));

  const env: Env = { dbUrl: db.url, postmasterPid: db.postmasterPid, customers };
  const results: ScenarioResult[] = [];
  const windows: Record<string, Record<ServerName, ProfileWindow[]>> = {};
  for (const scenario of scenarios(ids)) {
    const runs: Record<ServerName, Run[]> = { baseline: [], service: [] };
    windows[scenario.name] = { baseline: [], service: [] };
    baseline.mix = { allow: 0, defer: 0, deny: 0 };
    service.mix = { allow: 0, defer: 0, deny: 0 };
    for (let round = 0; round < settings.rounds; round += 1) {
      // Alternate which server goes first, so a drift of the machine hits both alike.
      const order = round % 2 === 0 ? [baseline, service] : [service, baseline];
      for (const target of order) {
        const run = await measure(scenario, target, env);
        runs[target.name].push(run);
        windows[scenario.name][target.name].push(run.window);
        log(
          `${scenario.name.padEnd(18)} ${target.name.padEnd(8)} round ${round + 1}: ${fmtInt((run.completed * scenario.decisionsPerCall) / run.seconds)} decisions/s` +
            (run.errors + run.warmupErrors ? `, ${run.errors + run.warmupErrors} ERRORS` : ''),
        );
      }
    }
    results.push({ scenario, baseline: combine(scenario, runs.baseline, baseline.mix), service: combine(scenario, runs.service, service.mix) });
  }

  // --- the report ---
  const c0 = cpus()[0];
  console.log('');
  console.log(
    `Compliance service vs bare grpc-js + pg (same SQL, small decision, facts from ${settings.baselineFacts === 'customers' ? 'the customers service' : 'customer_profiles (what-if)'}), one channel per server`,
  );
  console.log(`machine: ${cpus().length} × ${c0?.model ?? 'unknown CPU'}, Node ${process.version}; PostgreSQL ${data.serverVersion}: ${db.description}`);
  console.log(
    `data: ${fmtInt(data.customers)} customers, ${fmtInt(data.attempts)} contact attempts, ${fmtInt(data.optOutEvents)} opt-out records; ` +
      `${settings.seconds} s (batches ${settings.batchSeconds} s) measured per row in ${settings.rounds} rounds (alternating order), ${settings.warmupSeconds} s warm-up per round; ` +
      `CheckContact at concurrency ${settings.concurrency}, BatchCheckContacts of ${settings.batchSize} at concurrency ${settings.batchConcurrency}`,
  );
  if (settings.setupSql) console.log(`WHAT-IF RUN — not the product's schema: BENCH_SETUP_SQL = ${settings.setupSql}`);
  if (settings.keepReservations) console.log('BENCH_KEEP_RESERVATIONS: reservations were not cleared between windows');
  if (settings.batchDisjoint) console.log('WHAT-IF BENCH_BATCH_DISJOINT: concurrent batches draw from disjoint shares of the customers (no lock waits between them)');
  if (settings.baselineFacts === 'sql') {
    console.log('WHAT-IF BENCH_BASELINE_FACTS=sql: the baseline reads customer_profiles itself instead of asking the customers service (the service may not)');
  }
  console.log('');
  console.log(table(results));
  console.log('');
  console.log('ratio row: service / baseline (calls/s, decisions/s: higher is better; p50, p99, CPU: lower is better)');
  console.log('CPU ms/decision: CPU time of the server answering, of the customers service, of all PostgreSQL processes (embedded server only)');
  console.log("and of this load generator, per decision; CPU busy: share of the whole machine's CPU time that was busy during the windows;");
  console.log(`ceiling/s: ${cpus().length} cores × 1000 ÷ the CPU ms per decision of all four, what the machine could give doing only this;`);
  console.log('allow/defer/deny %: results of the scenario\'s calls (the baseline decides with window rules only: see bench/README.md)');
  console.log('');

  let failed = false;
  for (const r of results) {
    const s = r.service.summary;
    const b = r.baseline.summary;
    const errors = b.errors + b.warmupErrors + s.errors + s.warmupErrors;
    const ratio = r.service.decisionsPerSecond / r.baseline.decisionsPerSecond;
    if (errors) {
      failed = true;
      const kinds = new Map([...b.errorKinds, ...s.errorKinds]);
      console.log(`${r.scenario.name}: NOT A VALID FIGURE — ${errors} calls failed: ${[...kinds].map(([k, n]) => `${n} × ${k}`).join('; ')}`);
    } else if (r.scenario.name === 'BatchCheckContacts') {
      const goal = r.scenario.decisionsPerCall === 1000 ? BATCH_GOAL : undefined;
      console.log(
        `${r.scenario.name}: service ${fmtInt(r.service.decisionsPerSecond)} decisions/s (${ratio.toFixed(2)} × baseline ${fmtInt(r.baseline.decisionsPerSecond)}) — ` +
          (goal === undefined
            ? `the goal (${fmtInt(BATCH_GOAL)}/s) is for batches of 1,000`
            : r.service.decisionsPerSecond >= goal
              ? `meets the goal (>= ${fmtInt(goal)} decisions/s)`
              : `BELOW the goal (>= ${fmtInt(goal)} decisions/s)`),
      );
    } else {
      console.log(
        `${r.scenario.name}: service ${fmtInt(r.service.decisionsPerSecond)} decisions/s = ${ratio.toFixed(2)} × baseline ${fmtInt(r.baseline.decisionsPerSecond)} — ` +
          (ratio >= SINGLE_GOAL ? `meets the goal (>= ${SINGLE_GOAL})` : `BELOW the goal (>= ${SINGLE_GOAL})`),
      );
    }
  }

  if (settings.cpuProfDir) {
    // Profiles are written when the servers exit.
    await Promise.all([serviceChild.stop(), customers.stop(), baselineChild.stop()]);
    writeFileSync(join(settings.cpuProfDir, 'windows.json'), `${JSON.stringify({ windows, results: results.map((r) => ({ scenario: r.scenario.name, decisions: { baseline: r.baseline.summary.requests * r.scenario.decisionsPerCall, service: r.service.summary.requests * r.scenario.decisionsPerCall } })) }, null, 1)}\n`);
    const root = ROOT;
    for (const r of results) {
      const decisions = (name: ServerName): number => r[name].summary.requests * r.scenario.decisionsPerCall;
      for (const [process, dir, server] of [
        ['compliance service', 'compliance', 'service'],
        ['customers service', 'customers', 'service'],
        ['baseline', 'baseline', 'baseline'],
      ] as const) {
        const file = newestProfile(join(settings.cpuProfDir, dir));
        if (!file) {
          console.log(`\n(no CPU profile of the ${process} in ${join(settings.cpuProfDir, dir)})`);
          continue;
        }
        const summary = summariseProfile(file, windows[r.scenario.name][server], root, process === 'compliance service' ? 25 : 12);
        console.log('');
        console.log(formatProfile(`${r.scenario.name}, ${process} (${file})`, summary, decisions(server), 'decision'));
      }
    }
    console.log('\n(profiled runs are slower: the figures above are not comparable with unprofiled ones)');
  }
  return failed ? 1 : 0;
}

runMain('[bench:compliance]', interrupted, main);
