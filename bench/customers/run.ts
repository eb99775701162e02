/**
 * Customers service benchmark (npm run bench): GetCustomer and the first page of
 * ListOverdueInvoices at concurrency 50, against the real service and against a bare
 * grpc-js + pg baseline measured in the same run. See bench/README.md.
 *
 * Settings (environment): BENCH_SECONDS (measured seconds per server and scenario, default 10,
 * split over BENCH_ROUNDS rounds, default 2), BENCH_WARMUP_SECONDS (per round, default 2),
 * BENCH_CONCURRENCY (default 50), BENCH_CUSTOMERS (default 10000), BENCH_CPU_PROF (a folder:
 * both servers write V8 CPU profiles there), BENCH_SCENARIOS (e.g. GetCustomer; default all),
 * BENCH_SETUP_SQL (extra SQL after seeding, for what-if experiments such as a proposed index),
 * DATABASE_URL (use that server instead of a throw-away embedded one), BENCH_AUTH_TOKENS (distinct
 * tokens of the GetCustomerAuth scenario's "new token every call" client, default 12000).
 *
 * GetCustomerAuth (in the default set): the customers service a second time, with
 * authentication on (TLS, client certificates, bearer tokens, the access policy), next to the
 * plaintext one without, GetCustomer through each in the same rounds.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { Channel, credentials, type ChannelCredentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { withUser } from '@cec/db';
import { customersV1 } from '@cec/proto';
import { CALLING_SERVICE, createAuthSetup, VERIFIER_CACHE_SIZE, type AuthSetup } from './auth';
import { createBenchDatabase, customerIds, runSetupSql, seed, type BenchDatabase, type DataSet } from './database';
import { runLoad, summarise, type LoadResult, type Summary } from './load';
import { freePort } from '@cec/db';
import { startTs, waitUntilReady, type Child } from './processes';
import { envNumber } from '../common/env';
import { isServing } from '../common/grpc';
import { formatProfile, newestProfile, summariseProfile, type ProfileWindow } from '../common/cpu-profile';

const ROOT = resolve(__dirname, '..', '..');
const GOAL = 0.7;

const settings = {
  seconds: envNumber('BENCH_SECONDS', 10, 1),
  rounds: Math.round(envNumber('BENCH_ROUNDS', 2, 1)),
  warmupSeconds: envNumber('BENCH_WARMUP_SECONDS', 2, 0),
  concurrency: Math.round(envNumber('BENCH_CONCURRENCY', 50, 1)),
  customers: Math.round(envNumber('BENCH_CUSTOMERS', 10_000, 10)),
  cpuProfDir: process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined,
  /** Extra SQL run as the superuser after seeding: what-if experiments only (the figures are then not the product's). */
  setupSql: process.env.BENCH_SETUP_SQL ?? '',
  /** Comma-separated scenario names to run (default: all). */
  only: (process.env.BENCH_SCENARIOS ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean),
};
/** Distinct tokens sent in turn by the "new token every call" client: more than the verifier remembers, plus the calls in flight. */
const authTokens = Math.round(envNumber('BENCH_AUTH_TOKENS', Math.max(12_000, VERIFIER_CACHE_SIZE + 2 * settings.concurrency), VERIFIER_CACHE_SIZE + settings.concurrency + 1));

const log = (line: string): void => console.log(`[bench] ${line}`);

/** Fired on Ctrl-C / SIGTERM: the load stops before the servers and the database go away. */
const interrupted = new AbortController();

// ---------------------------------------------------------------------------------------------
// Clients: one grpc-js channel per server, shared by its two service clients.
// ---------------------------------------------------------------------------------------------

interface Target {
  /** baseline, service; for GetCustomerAuth also the clients of the service with authentication on. */
  name: string;
  child: Child;
  customers: customersV1.CustomerServiceClient;
  invoices: customersV1.InvoiceServiceClient;
  channel: Channel;
  /** The metadata of each call (e.g. a bearer token); default: empty. */
  metadata?: () => Metadata;
}

function connect(name: string, child: Child, address: string, tls?: { credentials: ChannelCredentials; metadata?: () => Metadata }): Target {
  const channelCredentials = tls?.credentials ?? credentials.createInsecure();
  // TLS to 127.0.0.1 checks the certificate against the name localhost (it names both), so that
  // Node does not warn about an IP address as the TLS server name (RFC 6066).
  const channel = new Channel(address, channelCredentials, tls ? { 'grpc.ssl_target_name_override': 'localhost' } : {});
  const options = { channelOverride: channel };
  return {
    name,
    child,
    channel,
    customers: new customersV1.CustomerServiceClient(address, channelCredentials, options),
    invoices: new customersV1.InvoiceServiceClient(address, channelCredentials, options),
    metadata: tls?.metadata,
  };
}

const CALL_TIMEOUT_MS = 30_000;

type Unary<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: { deadline: number },
  callback: (error: ServiceError | null, response: Res) => void,
) => unknown;

function unary<Req, Res>(client: object, method: Unary<Req, Res>, request: Req, metadata?: Metadata): Promise<Res> {
  return new Promise((resolvePromise, reject) => {
    method.call(client, request, metadata ?? new Metadata(), { deadline: Date.now() + CALL_TIMEOUT_MS }, (error, response) =>
      error ? reject(error) : resolvePromise(response),
    );
  });
}

const getCustomer = (t: Target, customerId: string): Promise<customersV1.GetCustomerResponse> =>
  unary(
    t.customers,
    t.customers.getCustomer as Unary<customersV1.GetCustomerRequest, customersV1.GetCustomerResponse>,
    { customerId },
    t.metadata?.(),
  );

const FIRST_PAGE: customersV1.ListOverdueInvoicesRequest = { pageSize: 50, pageToken: '', customerId: '', minDaysOverdue: 0, riskLevels: [] };

const listOverdue = (t: Target, request = FIRST_PAGE): Promise<customersV1.ListOverdueInvoicesResponse> =>
  unary(
    t.invoices,
    t.invoices.listOverdueInvoices as Unary<customersV1.ListOverdueInvoicesRequest, customersV1.ListOverdueInvoicesResponse>,
    request,
  );

// ---------------------------------------------------------------------------------------------
// CPU time of processes (Linux /proc), to show where the time of a call goes.
// ---------------------------------------------------------------------------------------------

let clockTicks = 100;
try {
  clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // not Linux, or no getconf: CPU figures are left out anyway when /proc is missing
}

/** utime + stime of a process, ms; undefined when it cannot be read. */
function processCpuMs(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
  } catch {
    return undefined;
  }
}

/** CPU ms of each process of a PostgreSQL server (the postmaster and its children: backends, workers), by pid. */
function postgresCpuMs(postmasterPid: number | undefined): Map<number, number> | undefined {
  if (!postmasterPid) return undefined;
  const own = processCpuMs(postmasterPid);
  if (own === undefined) return undefined;
  const byPid = new Map<number, number>([[postmasterPid, own]]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === postmasterPid) byPid.set(Number(entry), ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks);
    } catch {
      // the process ended while we looked
    }
  }
  return byPid;
}

/**
 * CPU the server's processes used between two samples: per process alive at the end, its time
 * minus its time at the start (0 for a backend started in between). A backend that exited in
 * between (an idle pool connection closed) is left out rather than subtracted.
 */
function postgresDelta(before: Map<number, number> | undefined, after: Map<number, number> | undefined): number | undefined {
  if (!before || !after) return undefined;
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

/** Busy and total jiffies of the whole machine (/proc/stat), undefined when unreadable. */
function machineCpu(): { busy: number; total: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0); // user nice system idle iowait irq softirq steal
    return { busy: total - fields[3] - fields[4], total };
  } catch {
    return undefined;
  }
}

interface CpuSample {
  server?: number;
  postgres?: Map<number, number>;
  client: number;
  machine?: { busy: number; total: number };
}

interface CpuPerCall {
  server?: number;
  postgres?: number;
  client: number;
  /** Share of the machine's CPU time that was busy during the window, 0..1. */
  machineBusy?: number;
}

function sampleCpu(target: Target, postmasterPid: number | undefined): CpuSample {
  const own = process.cpuUsage();
  return {
    server: processCpuMs(target.child.process.pid),
    postgres: postgresCpuMs(postmasterPid),
    client: (own.user + own.system) / 1000,
    machine: machineCpu(),
  };
}

const diff = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined ? undefined : b - a);

// ---------------------------------------------------------------------------------------------
// Honesty check: both servers answer the same requests with the same messages.
// ---------------------------------------------------------------------------------------------

async function outcome<T>(promise: Promise<T>, toJson: (value: T) => unknown): Promise<string> {
  try {
    return JSON.stringify(toJson(await promise));
  } catch (error) {
    const e = error as ServiceError;
    return `error ${status[e.code] ?? e.code}`;
  }
}

async function compareAnswers(baseline: Target, service: Target, ids: string[]): Promise<string> {
  const mismatches: string[] = [];
  const check = (what: string, a: string, b: string): void => {
    if (a !== b) mismatches.push(`${what}:\n  baseline: ${a.slice(0, 600)}\n  service:  ${b.slice(0, 600)}`);
  };
  const sample = Array.from({ length: 25 }, (_, i) => ids[Math.floor((i * ids.length) / 25)]);
  for (const id of [...sample, '00000000-0000-4000-8000-000000000000']) {
    const toJson = (r: customersV1.GetCustomerResponse) => customersV1.GetCustomerResponse.toJSON(r);
    check(`GetCustomer ${id}`, await outcome(getCustomer(baseline, id), toJson), await outcome(getCustomer(service, id), toJson));
  }
  const toJson = (r: customersV1.ListOverdueInvoicesResponse) => customersV1.ListOverdueInvoicesResponse.toJSON(r);
  const first = await listOverdue(service);
  check('ListOverdueInvoices first page', await outcome(listOverdue(baseline), toJson), JSON.stringify(toJson(first)));
  if (first.overdueInvoices.length !== FIRST_PAGE.pageSize || !first.nextPageToken) {
    mismatches.push(`ListOverdueInvoices: expected a full first page of ${FIRST_PAGE.pageSize} and a next page, got ${first.overdueInvoices.length}`);
  }
  const next = { ...FIRST_PAGE, pageToken: first.nextPageToken };
  check('ListOverdueInvoices second page', await outcome(listOverdue(baseline, next), toJson), await outcome(listOverdue(service, next), toJson));
  if (mismatches.length) throw new Error(`the baseline and the service answer differently, so the comparison would not be fair:\n${mismatches.join('\n')}`);
  return `${sample.length + 1} GetCustomer (one unknown id) and 2 ListOverdueInvoices pages answered identically by both servers`;
}

/** The clients of the service with authentication on get what the plaintext service answers (and not UNAUTHENTICATED or PERMISSION_DENIED). */
async function compareAuthAnswers(plain: Target, clients: Target[], ids: string[]): Promise<string> {
  const mismatches: string[] = [];
  const toJson = (r: customersV1.GetCustomerResponse) => customersV1.GetCustomerResponse.toJSON(r);
  const sample = Array.from({ length: 10 }, (_, i) => ids[Math.floor((i * ids.length) / 10)]);
  for (const id of [...sample, '00000000-0000-4000-8000-000000000000']) {
    const expected = await outcome(getCustomer(plain, id), toJson);
    for (const client of clients) {
      const got = await outcome(getCustomer(client, id), toJson);
      if (got !== expected) mismatches.push(`GetCustomer ${id} by ${client.name}:\n  without: ${expected.slice(0, 600)}\n  ${client.name}: ${got.slice(0, 600)}`);
    }
  }
  if (mismatches.length) throw new Error(`the service with authentication on answers differently:\n${mismatches.join('\n')}`);
  return `${sample.length + 1} GetCustomer (one unknown id) answered identically with authentication (${clients.map((c) => c.name).join(', ')}) and without`;
}

// ---------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------

interface Scenario {
  name: string;
  call(target: Target): () => Promise<unknown>;
}

/** The GetCustomer scenario through the service with authentication on, next to the service without (its own table). */
const AUTH_SCENARIO = 'GetCustomerAuth';
const authSelected = (): boolean => !settings.only.length || settings.only.includes(AUTH_SCENARIO.toLowerCase());

/** GetCustomer of a random seeded customer on every call (a wrong reply counts as an error). */
function getCustomerScenario(ids: string[]): Scenario {
  return {
    name: 'GetCustomer',
    call: (t) => async () => {
      const id = ids[Math.floor(Math.random() * ids.length)];
      const response = await getCustomer(t, id);
      if (response.customer?.id !== id) throw new Error(`GetCustomer ${id} answered with customer ${response.customer?.id}`);
    },
  };
}

function scenarios(ids: string[]): Scenario[] {
  const all: Scenario[] = [
    getCustomerScenario(ids),
    {
      name: 'ListOverdueInvoices',
      call: (t) => async () => {
        const response = await listOverdue(t);
        if (response.overdueInvoices.length !== FIRST_PAGE.pageSize) throw new Error(`ListOverdueInvoices answered with ${response.overdueInvoices.length} invoices`);
      },
    },
  ];
  if (!settings.only.length) return all;
  const chosen = all.filter((s) => settings.only.includes(s.name.toLowerCase()));
  if (!chosen.length && !authSelected()) throw new Error(`BENCH_SCENARIOS matches none of ${[...all.map((s) => s.name), AUTH_SCENARIO].join(', ')}`);
  return chosen;
}

interface Measured {
  summary: Summary;
  cpu: { server?: number; postgres?: number; client?: number; machineBusy?: number };
}

type Run = LoadResult & { cpu: CpuPerCall; window: ProfileWindow };

const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

async function measure(scenario: Scenario, target: Target, rounds: number, postmasterPid: number | undefined): Promise<Run> {
  let before: CpuSample | undefined;
  let after: CpuSample | undefined;
  const window = { startUs: 0, endUs: 0 };
  const result = await runLoad(scenario.call(target), {
    concurrency: settings.concurrency,
    warmupMs: settings.warmupSeconds * 1000,
    measureMs: (settings.seconds * 1000) / rounds,
    onWindowStart: () => {
      before = sampleCpu(target, postmasterPid);
      window.startUs = nowUs();
    },
    onWindowEnd: () => {
      window.endUs = nowUs();
      after = sampleCpu(target, postmasterPid);
    },
    signal: interrupted.signal,
  });
  if (interrupted.signal.aborted) throw new Error('interrupted');
  const b = before as CpuSample;
  const a = after as CpuSample;
  const perCall = (d: number | undefined): number | undefined => (d === undefined || !result.completed ? undefined : d / result.completed);
  return {
    ...result,
    window,
    cpu: {
      server: perCall(diff(b.server, a.server)),
      postgres: perCall(postgresDelta(b.postgres, a.postgres)),
      client: perCall(a.client - b.client) ?? 0,
      machineBusy: a.machine && b.machine ? (a.machine.busy - b.machine.busy) / (a.machine.total - b.machine.total || 1) : undefined,
    },
  };
}

function combine(runs: (LoadResult & { cpu: CpuPerCall })[]): Measured {
  const avg = (pick: (c: CpuPerCall) => number | undefined): number | undefined => {
    const values = runs.map((r) => pick(r.cpu));
    return values.some((v) => v === undefined) ? undefined : (values as number[]).reduce((a, b) => a + b, 0) / values.length;
  };
  return {
    summary: summarise(runs),
    cpu: { server: avg((c) => c.server), postgres: avg((c) => c.postgres), client: avg((c) => c.client), machineBusy: avg((c) => c.machineBusy) },
  };
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
const fmtMs = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '-');
const fmtCpu = (n: number | undefined): string => (n === undefined ? '-' : n.toFixed(3));

const HEADER = ['scenario', 'server', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'rounds req/s', 'CPU ms/call: server', 'postgres', 'client', 'CPU busy'];

function measuredRow(scenario: string, name: string, m: Measured): string[] {
  const s = m.summary;
  return [
    scenario,
    name,
    fmtInt(s.requests),
    fmtInt(s.rps),
    fmtMs(s.p50),
    fmtMs(s.p99),
    String(s.errors + s.warmupErrors),
    s.roundRps.map(fmtInt).join(' / '),
    fmtCpu(m.cpu.server),
    fmtCpu(m.cpu.postgres),
    fmtCpu(m.cpu.client),
    m.cpu.machineBusy === undefined ? '-' : `${Math.round(m.cpu.machineBusy * 100)}%`,
  ];
}

/** req/s, p50 and p99 of `m` divided by those of `of`. */
function ratioRow(name: string, m: Measured, of: Measured): string[] {
  return ['', name, '', (m.summary.rps / of.summary.rps).toFixed(2), (m.summary.p50 / of.summary.p50).toFixed(2), (m.summary.p99 / of.summary.p99).toFixed(2), '', '', '', '', '', ''];
}

/** Groups of rows under one header, a blank line between groups; the first two columns left-aligned. */
function renderTable(header: string[], groups: string[][][]): string {
  const rows = groups.flat();
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  ')];
  groups.forEach((group, i) => {
    out.push(...group.map(line));
    if (i < groups.length - 1) out.push('');
  });
  return out.join('\n');
}

function table(results: { scenario: string; baseline: Measured; service: Measured }[]): string {
  return renderTable(
    HEADER,
    results.map((r) => [measuredRow(r.scenario, 'baseline', r.baseline), measuredRow('', 'service', r.service), ratioRow('ratio', r.service, r.baseline)]),
  );
}

/** The clients of the GetCustomerAuth scenario, in the order of its table; the first is the service without authentication. */
const AUTH_CLIENTS = [
  { name: 'without', label: 'plaintext, no checks (the service above)' },
  { name: 'token', label: 'TLS + the same bearer token on every call (verified once, then remembered)' },
  { name: 'mTLS', label: `TLS + the ${CALLING_SERVICE} service's client certificate, no token` },
  { name: 'new token', label: `TLS + a token not seen before on every call (each verified in full)` },
] as const;

function authTable(measured: Map<string, Measured>): string {
  const without = measured.get('without') as Measured;
  const rows = AUTH_CLIENTS.map((c, i) => measuredRow(i === 0 ? 'GetCustomer' : '', c.name, measured.get(c.name) as Measured));
  const ratios = AUTH_CLIENTS.slice(1).map((c) => ratioRow(`${c.name} ÷ without`, measured.get(c.name) as Measured, without));
  return renderTable(['scenario', 'client', ...HEADER.slice(2)], [rows, ratios]);
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

async function main(cleanup: Cleanup): Promise<number> {
  log(
    `customers service vs bare grpc-js + pg baseline: concurrency ${settings.concurrency}, ${settings.seconds} s measured per server and scenario ` +
      `(${settings.rounds} rounds of ${(settings.seconds / settings.rounds).toFixed(1)} s, each after ${settings.warmupSeconds} s of warm-up)`,
  );
  scenarios([]); // a BENCH_SCENARIOS typo fails before the setup, not after
  const db: BenchDatabase = await createBenchDatabase(log);
  cleanup.add(() => db.dispose());
  const seedStarted = Date.now();
  const data: DataSet = await seed(db.url, settings.customers);
  log(
    `seeded in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s: ${fmtInt(data.customers)} customers, ${fmtInt(data.invoices)} invoices ` +
      `(${Object.entries(data.byStatus).map(([s, n]) => `${s} ${fmtInt(n)}`).join(', ')}), ${fmtInt(data.overdueRows)} rows in v_overdue_payments, ` +
      `${fmtInt(data.payments)} payments`,
  );
  if (settings.setupSql) {
    await runSetupSql(db.url, settings.setupSql);
    log(`WHAT-IF: applied BENCH_SETUP_SQL: ${settings.setupSql}`);
  }
  const ids = await customerIds(db.url);
  const postmasterPid = db.postmasterPid;

  const profArgs = (name: string): string[] => {
    if (!settings.cpuProfDir) return [];
    const dir = join(settings.cpuProfDir, name);
    mkdirSync(dir, { recursive: true });
    return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
  };

  // The baseline, as customers_svc (like the service), on a port it picks and reports.
  let baselinePort = 0;
  const baselineChild = startTs('baseline server', join(ROOT, 'bench', 'customers', 'baseline-server.ts'), {
    cwd: ROOT,
    env: {
      ...process.env,
      BASELINE_DATABASE_URL: withUser(db.url, 'customers_svc', process.env.CUSTOMERS_DB_PASSWORD || undefined),
      BASELINE_PORT: '0',
    },
    nodeArgs: profArgs('baseline'),
    onLine: (line) => {
      if (line.startsWith('{"ready"')) baselinePort = (JSON.parse(line) as { port: number }).port;
    },
  });
  cleanup.add(() => baselineChild.stop());

  // The real service, started as in production (it connects as customers_svc by itself).
  const serviceEnv = (port: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    ...process.env,
    DATABASE_URL: db.url,
    CUSTOMERS_GRPC_HOST: '127.0.0.1',
    CUSTOMERS_GRPC_PORT: String(port),
    CUSTOMERS_METRICS_HOST: '127.0.0.1',
    CUSTOMERS_METRICS_PORT: '0',
    LOG_LEVEL: 'warn',
    OVERDUE_SWEEP_INTERVAL_MS: '0',
    ...extra,
  });
  const servicePort = await freePort();
  const serviceChild = startTs('customers service', join(ROOT, 'services', 'customers', 'src', 'main.ts'), {
    cwd: ROOT,
    env: serviceEnv(servicePort),
    nodeArgs: profArgs('service'),
  });
  cleanup.add(() => serviceChild.stop());

  // GetCustomerAuth: the same service again, in its own process, with authentication on; its
  // health is asked on the plaintext health port it opens beside the TLS one.
  let auth: { setup: AuthSetup; child: Child; port: number; healthPort: number } | undefined;
  if (authSelected()) {
    const setup = await createAuthSetup(ROOT);
    cleanup.add(async () => setup.remove());
    const port = await freePort();
    const healthPort = await freePort();
    const child = startTs('customers service with authentication', join(ROOT, 'services', 'customers', 'src', 'main.ts'), {
      cwd: ROOT,
      env: serviceEnv(port, { ...setup.serviceEnv, CUSTOMERS_HEALTH_PORT: String(healthPort) }),
      nodeArgs: profArgs('service-auth'),
    });
    cleanup.add(() => child.stop());
    auth = { setup, child, port, healthPort };
  }

  await waitUntilReady(baselineChild, async () => baselinePort > 0);
  await waitUntilReady(serviceChild, () => isServing(`127.0.0.1:${servicePort}`));
  log(`baseline on 127.0.0.1:${baselinePort} (pid ${baselineChild.process.pid}), service on 127.0.0.1:${servicePort} (pid ${serviceChild.process.pid}), both SERVING`);
  if (auth) {
    const { child, port, healthPort } = auth;
    await waitUntilReady(child, () => isServing(`127.0.0.1:${healthPort}`));
    log(`service with authentication on 127.0.0.1:${port} (TLS; pid ${child.process.pid}, plaintext health on ${healthPort}), SERVING`);
  }

  const baseline = connect('baseline', baselineChild, `127.0.0.1:${baselinePort}`);
  const service = connect('service', serviceChild, `127.0.0.1:${servicePort}`);
  cleanup.add(async () => {
    for (const t of [baseline, service]) {
      t.customers.close();
      t.invoices.close();
      t.channel.close();
    }
  });

  log(await compareAnswers(baseline, service, ids));

  let authTargets: Target[] = [];
  if (auth) {
    const { setup, child, port } = auth;
    const address = `127.0.0.1:${port}`;
    const minting = Date.now();
    const stream = await setup.tokenStream(authTokens);
    log(`minted ${fmtInt(authTokens)} distinct tokens in ${((Date.now() - minting) / 1000).toFixed(1)} s (the verifier remembers ${fmtInt(VERIFIER_CACHE_SIZE)})`);
    authTargets = [
      { ...service, name: 'without' },
      connect('token', child, address, { credentials: setup.credentials(), metadata: setup.sameToken() }),
      connect('mTLS', child, address, { credentials: setup.credentials(CALLING_SERVICE) }),
      connect('new token', child, address, { credentials: setup.credentials(), metadata: stream }),
    ];
    cleanup.add(async () => {
      for (const t of authTargets.slice(1)) {
        t.customers.close();
        t.invoices.close();
        t.channel.close();
      }
    });
    log(await compareAuthAnswers(authTargets[0], authTargets.slice(1), ids));
  }

  const results: { scenario: string; baseline: Measured; service: Measured }[] = [];
  for (const scenario of scenarios(ids)) {
    const runs: Record<string, (LoadResult & { cpu: CpuPerCall })[]> = { baseline: [], service: [] };
    for (let round = 0; round < settings.rounds; round += 1) {
      // Alternate which server goes first, so a drift of the machine hits both alike.
      const order = round % 2 === 0 ? [baseline, service] : [service, baseline];
      for (const target of order) {
        const run = await measure(scenario, target, settings.rounds, postmasterPid);
        runs[target.name].push(run);
        log(
          `${scenario.name.padEnd(20)} ${target.name.padEnd(8)} round ${round + 1}: ${fmtInt(run.completed / run.seconds)} req/s` +
            (run.errors + run.warmupErrors ? `, ${run.errors + run.warmupErrors} ERRORS` : ''),
        );
      }
    }
    results.push({ scenario: scenario.name, baseline: combine(runs.baseline), service: combine(runs.service) });
  }

  // GetCustomerAuth: the plaintext service and the three clients of the one with authentication
  // on, in the same rounds, the order reversed every other round.
  const authMeasured = new Map<string, Measured>();
  const authWindows = new Map<string, ProfileWindow[]>();
  if (authTargets.length) {
    const scenario = getCustomerScenario(ids);
    const runs = new Map<string, Run[]>(authTargets.map((t) => [t.name, []]));
    for (let round = 0; round < settings.rounds; round += 1) {
      const order = round % 2 === 0 ? authTargets : [...authTargets].reverse();
      for (const target of order) {
        const run = await measure(scenario, target, settings.rounds, postmasterPid);
        runs.get(target.name)?.push(run);
        log(
          `${AUTH_SCENARIO.padEnd(20)} ${target.name.padEnd(9)} round ${round + 1}: ${fmtInt(run.completed / run.seconds)} req/s` +
            (run.errors + run.warmupErrors ? `, ${run.errors + run.warmupErrors} ERRORS` : ''),
        );
      }
    }
    for (const [name, list] of runs) {
      authMeasured.set(name, combine(list));
      authWindows.set(name, list.map((r) => r.window));
    }
  }

  // --- the report ---
  const c0 = cpus()[0];
  console.log('');
  console.log(`Customers service vs bare grpc-js + pg, concurrency ${settings.concurrency}, one channel per server`);
  console.log(
    `machine: ${cpus().length} × ${c0?.model ?? 'unknown CPU'}, Node ${process.version}; PostgreSQL ${data.serverVersion}: ${db.description}`,
  );
  console.log(
    `data: ${fmtInt(data.customers)} customers, ${fmtInt(data.invoices)} invoices, ${fmtInt(data.overdueRows)} overdue rows; ` +
      `${settings.seconds} s measured per row (${settings.rounds} rounds, alternating order), ${settings.warmupSeconds} s warm-up per round`,
  );
  if (settings.setupSql) console.log(`WHAT-IF RUN — not the product's schema: BENCH_SETUP_SQL = ${settings.setupSql}`);
  console.log('');
  if (results.length) {
    console.log(table(results));
    console.log('');
    console.log('ratio row: service / baseline (req/s: higher is better; p50, p99: lower is better)');
    console.log('CPU ms/call: CPU time of the server process, of all PostgreSQL processes (embedded server only) and of this load generator, per call;');
    console.log('CPU busy: share of the whole machine\'s CPU time (all cores) that was busy during the measured windows');
    console.log('');
  }
  if (authMeasured.size) {
    console.log(
      'GetCustomer with authentication on: the customers service a second time, in its own process, with TLS_*/AUTH_* set ' +
        '(client certificates of the CA, ES256 bearer tokens, the access policy), next to the plaintext service without, in the same rounds',
    );
    console.log('');
    console.log(authTable(authMeasured));
    console.log('');
    for (const c of AUTH_CLIENTS) console.log(`${c.name.padEnd(9)} ${c.label}`);
    console.log(`÷ without: the client's req/s, p50 and p99 divided by those of "without"; "new token" cycles through ${fmtInt(authTokens)} tokens`);
    if (!results.length) {
      console.log('CPU ms/call: CPU time of the server process, of all PostgreSQL processes (embedded server only) and of this load generator, per call;');
      console.log('CPU busy: share of the whole machine\'s CPU time (all cores) that was busy during the measured windows');
    }
    console.log('');
  }

  let failed = false;
  for (const r of results) {
    const errors = r.baseline.summary.errors + r.baseline.summary.warmupErrors + r.service.summary.errors + r.service.summary.warmupErrors;
    const ratio = r.service.summary.rps / r.baseline.summary.rps;
    if (errors) {
      failed = true;
      const kinds = new Map([...r.baseline.summary.errorKinds, ...r.service.summary.errorKinds]);
      console.log(`${r.scenario}: NOT A VALID FIGURE — ${errors} calls failed: ${[...kinds].map(([k, n]) => `${n} × ${k}`).join('; ')}`);
    } else {
      console.log(
        `${r.scenario}: service ${fmtInt(r.service.summary.rps)} req/s = ${ratio.toFixed(2)} × baseline ${fmtInt(r.baseline.summary.rps)} req/s — ` +
          (ratio >= GOAL ? `meets the goal (>= ${GOAL})` : `BELOW the goal (>= ${GOAL})`),
      );
    }
  }
  if (authMeasured.size) {
    const without = authMeasured.get('without') as Measured;
    const clients = AUTH_CLIENTS.map((c) => ({ ...c, m: authMeasured.get(c.name) as Measured }));
    const errors = clients.reduce((n, c) => n + c.m.summary.errors + c.m.summary.warmupErrors, 0);
    if (errors) {
      failed = true;
      const kinds = new Map(clients.flatMap((c) => [...c.m.summary.errorKinds]));
      console.log(`${AUTH_SCENARIO}: NOT A VALID FIGURE — ${errors} calls failed: ${[...kinds].map(([k, n]) => `${n} × ${k}`).join('; ')}`);
    } else {
      console.log(
        `${AUTH_SCENARIO}: with authentication on, ` +
          clients
            .slice(1)
            .map((c) => `${c.name} ${fmtInt(c.m.summary.rps)} req/s = ${(c.m.summary.rps / without.summary.rps).toFixed(2)}`)
            .join(', ') +
          ` × without ${fmtInt(without.summary.rps)} req/s`,
      );
    }
  }
  if (settings.cpuProfDir) {
    console.log(`\nCPU profiles (written when the servers stop): ${settings.cpuProfDir}/{baseline,service${authMeasured.size ? ',service-auth' : ''}}/*.cpuprofile`);
    if (auth && authMeasured.size) {
      // Where the service's time goes per GetCustomer, for each client of GetCustomerAuth.
      await Promise.all([serviceChild.stop(), auth.child.stop()]);
      for (const c of AUTH_CLIENTS) {
        const dir = join(settings.cpuProfDir, c.name === 'without' ? 'service' : 'service-auth');
        const file = newestProfile(dir);
        if (!file) {
          console.log(`\n(no CPU profile in ${dir})`);
          continue;
        }
        const m = authMeasured.get(c.name) as Measured;
        console.log('');
        console.log(formatProfile(`${AUTH_SCENARIO}, ${c.name} (${file})`, summariseProfile(file, authWindows.get(c.name) ?? [], ROOT, 25), m.summary.requests, 'call'));
      }
      console.log('\n(profiled runs are slower: the figures above are not comparable with unprofiled ones)');
    }
  }
  return failed ? 1 : 0;
}

/** Undo steps, run in reverse order once: on success, on failure and on Ctrl-C. */
class Cleanup {
  private steps: (() => Promise<void>)[] = [];
  private running: Promise<void> | undefined;

  add(step: () => Promise<void>): void {
    this.steps.push(step);
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step();
        } catch (error) {
          console.error(`[bench] cleanup: ${(error as Error).message}`);
        }
      }
    })();
    return this.running;
  }
}

const cleanup = new Cleanup();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted.signal.aborted) return;
    console.error(`\n[bench] ${signal}: stopping the load, the servers and removing the bench database`);
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
    console.error(`[bench] failed: ${error.message}`);
    await cleanup.run();
    process.exit(1);
  },
);
