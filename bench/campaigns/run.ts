/**
 * bench:campaigns — ClaimTasks + CompleteTask throughput of the real campaigns service (its own
 * process) next to a bare grpc-js + pg baseline running the same claims and completions as
 * single SQL statements (baseline-server.ts), in the same run, on the same data: 10 agents,
 * each looping claim → complete, one task at a time and in batches of 10 (the batch's
 * completions sent at once). Rounds alternate which server goes first.
 *
 * Settings: BENCH_SECONDS (measured seconds per server and mode, default 10), BENCH_ROUNDS (2),
 * BENCH_WARMUP_SECONDS (2), BENCH_AGENTS (10), BENCH_TASKS (tasks seeded, 150000),
 * BENCH_CUSTOMERS (2000), DATABASE_URL (use that server instead of an embedded one),
 * BENCH_CPU_PROF (a folder: both servers write V8 CPU profiles there, summarised per mode at
 * the end over the measured windows; profiled figures are slower, not comparable).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { freePort, withUser } from '@cec/db';
import { campaignsV1 } from '@cec/proto';
import { createBenchDatabase, seed as seedCustomers } from '../customers/database';
import { percentile } from '../customers/load';
import { startTs, waitUntilReady } from '../customers/processes';
import { runMain } from '../common/cleanup';
import { formatProfile, newestProfile, summariseProfile, type ProfileWindow } from '../common/cpu-profile';
import { envNumber } from '../common/env';
import { isServing, unary } from '../common/grpc';
import { withClient } from '../common/pg';

const ROOT = resolve(__dirname, '..', '..');
const SECONDS = envNumber('BENCH_SECONDS', 10, 1);
const ROUNDS = envNumber('BENCH_ROUNDS', 2, 1);
const WARMUP = envNumber('BENCH_WARMUP_SECONDS', 2, 0);
const AGENTS = envNumber('BENCH_AGENTS', 10, 1);
const TASKS = envNumber('BENCH_TASKS', 150_000, 1000);
const CUSTOMERS = envNumber('BENCH_CUSTOMERS', 2000, 10);
const GOAL = 0.7;
const LEASE = { seconds: '300', nanos: 0 };
const CPU_PROF = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined;
const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

const log = (line: string) => console.error(`[bench:campaigns] ${line}`);

/** A template, AGENTS email agents (capacity 10) and TASKS due send_email tasks as a campaign step writes them. */
async function seedQueue(url: string): Promise<string[]> {
  return withClient(url, async (c) => {
    const [template] = (
      await c.query<{ id: string }>(`INSERT INTO templates (name, channel, subject, body) VALUES ('bench_reminder', 'email', 'Invoice {{invoice_number}}', 'Please pay {{amount}}') RETURNING id`)
    ).rows;
    const agents = (
      await c.query<{ id: string }>(
        `INSERT INTO agents (name, type, status, max_concurrent_tasks, last_heartbeat_at)
         SELECT format('bench-mailer-%s', i), 'email', 'idle', 10, now() FROM generate_series(1, $1::int) i RETURNING id`,
        [AGENTS],
      )
    ).rows.map((r) => r.id);
    await c.query(
      `INSERT INTO tasks (customer_id, type, priority, context, scheduled_for, decision_id)
       SELECT cu.id, 'send_email', (ARRAY['low', 'medium', 'medium', 'high', 'urgent'])[1 + i % 5],
              jsonb_build_object(
                'content', jsonb_build_object('channel', 'email', 'subject', format('Invoice BENCH-%s', i), 'body', format('Dear %s, invoice BENCH-%s is overdue.', cu.company_name, i),
                                              'html_body', format('<p>Dear %s, invoice BENCH-%s is overdue.</p>', cu.company_name, i), 'template_id', $2::text, 'template_version', 1),
                'endpoint', jsonb_build_object('email', cu.email, 'phone', cu.phone, 'contact_name', cu.contact_name, 'company_name', cu.company_name, 'time_zone', 'America/New_York')),
              now() - make_interval(secs => i), gen_random_uuid()
         FROM generate_series(1, $1::int) i
         JOIN (SELECT id, company_name, email, phone, contact_name, row_number() OVER (ORDER BY id) - 1 AS n FROM customers) cu ON cu.n = i % $3::int`,
      [TASKS, template.id, CUSTOMERS],
    );
    await c.query('ANALYZE');
    return agents;
  });
}

type TaskClient = campaignsV1.TaskServiceClient;
interface Run {
  tasks: number;
  seconds: number;
  claims: number[];
  completes: number[];
  errors: Map<string, number>;
  empty: number;
  /** The measured window, in the clock of the servers' CPU profiles. */
  window: ProfileWindow;
}

/** AGENTS loops, each claim → complete; a cycle belongs to the window when its last completion ends inside it. */
async function measure(client: TaskClient, agents: string[], batch: number): Promise<Run> {
  let phase: 'warmup' | 'measure' | 'done' = 'warmup';
  const run: Run = { tasks: 0, seconds: 0, claims: [], completes: [], errors: new Map(), empty: 0, window: { startUs: 0, endUs: 0 } };
  const note = (error: unknown) => {
    const kind = (error as { details?: string }).details ?? String(error);
    run.errors.set(kind, (run.errors.get(kind) ?? 0) + 1);
  };
  const timed = async <T>(work: () => Promise<T>, into: number[]): Promise<T> => {
    const t0 = process.hrtime.bigint();
    const value = await work();
    if (phase === 'measure') into.push(Number(process.hrtime.bigint() - t0) / 1e6);
    return value;
  };
  const loop = async (agentId: string) => {
    while (phase !== 'done') {
      try {
        const { tasks } = await timed(() => unary(client, client.claimTasks, { agentId, types: [], maxTasks: batch, lease: LEASE }, 10_000), run.claims);
        if (!tasks.length) {
          run.empty += 1;
          await new Promise((r) => setTimeout(r, 10));
          continue;
        }
        await Promise.all(
          tasks.map((t) =>
            timed(
              () => unary(client, client.completeTask, { taskId: t.id, agentId, result: campaignsV1.TaskResult.fromPartial({ contactStatus: campaignsV1.ContactStatus.CONTACT_STATUS_DELIVERED }) }, 10_000),
              run.completes,
            ),
          ),
        );
        if (phase === 'measure') run.tasks += tasks.length;
      } catch (error) {
        note(error);
      }
    }
  };
  const loops = agents.map(loop);
  await new Promise((r) => setTimeout(r, WARMUP * 1000));
  phase = 'measure';
  run.window.startUs = nowUs();
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, (SECONDS * 1000) / ROUNDS));
  phase = 'done';
  run.window.endUs = nowUs();
  run.seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await Promise.all(loops);
  return run;
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const p = (values: number[], q: number) => percentile(Float64Array.from(values).sort(), q);

function summarise(runs: Run[]) {
  const tasks = runs.reduce((n, r) => n + r.tasks, 0);
  const seconds = runs.reduce((n, r) => n + r.seconds, 0);
  const claims = runs.flatMap((r) => r.claims);
  const completes = runs.flatMap((r) => r.completes);
  const errors = runs.reduce((n, r) => n + [...r.errors.values()].reduce((a, b) => a + b, 0), 0);
  return { tasks, rate: tasks / seconds, claimP50: p(claims, 50), claimP99: p(claims, 99), completeP50: p(completes, 50), completeP99: p(completes, 99), errors, rounds: runs.map((r) => r.tasks / r.seconds), kinds: runs.flatMap((r) => [...r.errors.entries()]) };
}

const interrupted = new AbortController();
runMain('[bench:campaigns]', interrupted, async (cleanup) => {
  const db = await createBenchDatabase(log);
  cleanup.add(() => db.dispose());
  log(`seeding ${fmt(CUSTOMERS)} customers, ${fmt(AGENTS)} agents and ${fmt(TASKS)} tasks`);
  await seedCustomers(db.url, CUSTOMERS);
  const agents = await seedQueue(db.url);

  const profArgs = (name: string): string[] => {
    if (!CPU_PROF) return [];
    const dir = join(CPU_PROF, name);
    mkdirSync(dir, { recursive: true });
    return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
  };
  let baselinePort = 0;
  const baselineChild = startTs('baseline server', join(ROOT, 'bench', 'campaigns', 'baseline-server.ts'), {
    cwd: ROOT,
    nodeArgs: profArgs('baseline'),
    env: { ...process.env, BASELINE_DATABASE_URL: withUser(db.url, 'campaigns_svc', process.env.CAMPAIGNS_DB_PASSWORD || undefined), BASELINE_PORT: '0' },
    onLine: (line) => {
      if (line.startsWith('{"ready"')) baselinePort = (JSON.parse(line) as { port: number }).port;
    },
  });
  cleanup.add(() => baselineChild.stop());
  const servicePort = await freePort();
  const serviceChild = startTs('campaigns service', join(ROOT, 'services', 'campaigns', 'src', 'main.ts'), {
    cwd: ROOT,
    nodeArgs: profArgs('service'),
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      CAMPAIGNS_GRPC_HOST: '127.0.0.1',
      CAMPAIGNS_GRPC_PORT: String(servicePort),
      CAMPAIGNS_METRICS_HOST: '127.0.0.1',
      CAMPAIGNS_METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
      // Nothing to relay to (the claim and completion paths call no peer); keep the relay quiet.
      OUTBOX_RELAY_INTERVAL_MS: '3600000',
      CUSTOMERS_ADDRESS: '127.0.0.1:1',
      COMPLIANCE_ADDRESS: '127.0.0.1:1',
    },
  });
  cleanup.add(() => serviceChild.stop());
  await waitUntilReady(baselineChild, async () => baselinePort > 0);
  await waitUntilReady(serviceChild, () => isServing(`127.0.0.1:${servicePort}`));
  log(`baseline on 127.0.0.1:${baselinePort}, service on 127.0.0.1:${servicePort}, both SERVING`);

  const clients = {
    baseline: new campaignsV1.TaskServiceClient(`127.0.0.1:${baselinePort}`, credentials.createInsecure()),
    service: new campaignsV1.TaskServiceClient(`127.0.0.1:${servicePort}`, credentials.createInsecure()),
  };
  cleanup.add(async () => Object.values(clients).forEach((c) => c.close()));

  const lines: string[] = [];
  const verdicts: boolean[] = [];
  const profiled: { mode: string; server: 'baseline' | 'service'; windows: ProfileWindow[]; tasks: number }[] = [];
  lines.push('mode          server     tasks/s  ClaimTasks p50/p99 ms  CompleteTask p50/p99 ms  errors  rounds tasks/s');
  for (const [mode, batch] of [['one at a time', 1], ['batches of 10', 10]] as const) {
    const runs: Record<'baseline' | 'service', Run[]> = { baseline: [], service: [] };
    for (let round = 0; round < ROUNDS; round += 1) {
      const order = round % 2 === 0 ? (['baseline', 'service'] as const) : (['service', 'baseline'] as const);
      for (const server of order) {
        if (interrupted.signal.aborted) return 130;
        const r = await measure(clients[server], agents, batch);
        log(`${mode}, round ${round + 1}, ${server}: ${fmt(r.tasks / r.seconds)} tasks/s${r.empty ? ` (${r.empty} empty claims)` : ''}`);
        runs[server].push(r);
      }
    }
    const b = summarise(runs.baseline);
    const s = summarise(runs.service);
    for (const server of ['service', 'baseline'] as const) {
      profiled.push({ mode, server, windows: runs[server].map((r) => r.window), tasks: (server === 'service' ? s : b).tasks });
    }
    for (const [name, x] of [['baseline', b], ['service', s]] as const) {
      lines.push(
        `${(name === 'baseline' ? mode : '').padEnd(14)}${name.padEnd(9)}${fmt(x.rate).padStart(9)}  ${`${fmt(x.claimP50, 2)} / ${fmt(x.claimP99, 2)}`.padStart(21)}  ${`${fmt(x.completeP50, 2)} / ${fmt(x.completeP99, 2)}`.padStart(23)}  ${String(x.errors).padStart(6)}  ${x.rounds.map((v) => fmt(v)).join(' / ')}`,
      );
      for (const [kind, n] of x.kinds) lines.push(`    ${name} error x${n}: ${kind}`);
    }
    const ratio = s.rate / b.rate;
    verdicts.push(ratio >= GOAL);
    lines.push(`${''.padEnd(14)}${'ratio'.padEnd(9)}${fmt(ratio, 2).padStart(9)}  ${`${fmt(s.claimP50 / b.claimP50, 2)} / ${fmt(s.claimP99 / b.claimP99, 2)}`.padStart(21)}  ${`${fmt(s.completeP50 / b.completeP50, 2)} / ${fmt(s.completeP99 / b.completeP99, 2)}`.padStart(23)}   goal >= ${GOAL}: ${ratio >= GOAL ? 'met' : 'NOT met'}`);
  }

  // Exactly once, whichever server did it: one contact attempt per completed task, no task claimed twice.
  const check = await withClient(db.url, async (c) =>
    (
      await c.query<{ completed: number; attempts: number; reclaimed: number; held: number }>(
        `SELECT (SELECT count(*)::int FROM tasks WHERE status = 'completed') AS completed,
                (SELECT count(*)::int FROM contact_attempts) AS attempts,
                (SELECT count(*)::int FROM tasks WHERE attempts > 1) AS reclaimed,
                (SELECT count(*)::int FROM tasks WHERE status IN ('assigned', 'in_progress')) AS held`,
      )
    ).rows[0],
  );
  console.log(`\nbench:campaigns — ${AGENTS} agents, ${fmt(TASKS)} tasks seeded, ${fmt(SECONDS)} s measured per server and mode over ${ROUNDS} rounds; ${db.description}\n`);
  console.log(lines.join('\n'));
  console.log(
    `\nchecks: ${fmt(check.completed)} tasks completed, ${fmt(check.attempts)} contact attempts, ${check.reclaimed} claimed twice, ${check.held} still held` +
      (check.completed === check.attempts && check.reclaimed === 0 && check.held === 0 ? ' — exactly once' : ' — MISMATCH'),
  );
  if (CPU_PROF) {
    // Profiles are written when the servers exit.
    await Promise.all([serviceChild.stop(), baselineChild.stop()]);
    for (const { mode, server, windows, tasks } of profiled) {
      const file = newestProfile(join(CPU_PROF, server));
      if (!file) {
        console.log(`\n(no CPU profile of the ${server} in ${join(CPU_PROF, server)})`);
        continue;
      }
      console.log('');
      console.log(formatProfile(`${mode}, ${server} (${file})`, summariseProfile(file, windows, ROOT, server === 'service' ? 25 : 12), tasks, 'task'));
    }
    console.log('\n(profiled runs are slower: the figures above are not comparable with unprofiled ones)');
  }
  return check.completed === check.attempts && check.reclaimed === 0 ? 0 : 1;
});
