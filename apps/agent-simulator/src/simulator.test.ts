/*
 * The simulator as a library against the real customers, compliance and campaigns services
 * (processes on loopback, authentication on): tasks seeded by CreateTask end as the table says
 * for the seed, a STOP reply becomes an opt-out at compliance, a restart reuses the agents, a
 * stop while tasks are held finishes them, and agents with token files wait for theirs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { campaignsV1, complianceV1 } from '@cec/proto';
import { capturingLogger, eventually, sampleValue, scrapeMetrics } from '@cec/testing';
import { complianceChannel, OUTCOMES } from './outcomes';
import type { SimAgent } from './registration';
import { runSimulator, type SimulatorOptions, type SimulatorResult } from './simulator';
import { decideTask, type TaskDecision } from './task-report';
import { settledAsDecided, useTestSystem } from './test-system';

const { TaskType, TaskStatus } = campaignsV1;
const system = useTestSystem();
/** Runs a test started: stopped after it, also when it failed, so none works on in the next test. */
const running = new Set<Run>();
afterEach(async () => {
  await Promise.allSettled([...running].map((run) => run.stop()));
  running.clear();
});

interface Run {
  result: Promise<SimulatorResult>;
  ready: Promise<{ agents: SimAgent[]; metricsAddress?: string }>;
  lines: () => Record<string, unknown>[];
  stop(): Promise<SimulatorResult>;
}

function start(overrides: Partial<SimulatorOptions>): Run {
  const { logger, lines } = capturingLogger();
  const controller = new AbortController();
  let onReady!: (ready: { agents: SimAgent[]; metricsAddress?: string }) => void;
  const ready = new Promise<{ agents: SimAgent[]; metricsAddress?: string }>((resolve) => (onReady = resolve));
  const result = runSimulator(
    {
      campaignsAddress: system.campaigns.address,
      complianceAddress: system.compliance.address,
      agents: { email: 2, sms: 1, phone: 2, research: 1 },
      namePrefix: 'lib',
      speed: 20,
      seed: 1,
      leaseSeconds: 10,
      pollMs: 200,
      auth: { kind: 'dev', identityDir: system.identity.dir },
      metrics: { host: '127.0.0.1', port: 0 },
      summaryEverySeconds: 0,
      logger,
      onReady,
      ...overrides,
    },
    controller.signal,
  );
  const run: Run = {
    result,
    ready: Promise.race([ready, result.then(() => Promise.reject(new Error('the simulator stopped before it was ready')))]),
    lines,
    stop: () => {
      controller.abort();
      return result;
    },
  };
  running.add(run);
  return run;
}

/** The first seed from `from` whose decisions for `tasks` include each of `wanted` (outcome names). */
function seedCovering(tasks: campaignsV1.Task[], wanted: string[], from = 1): number {
  for (let seed = from; seed < from + 100_000; seed++) {
    const names = new Set(tasks.map((t) => decideTask(seed, t).outcome.name));
    if (wanted.every((w) => names.has(w))) return seed;
  }
  throw new Error(`no seed gives ${wanted.join(', ')}`);
}

describe('the agent simulator', () => {
  let firstAgents: SimAgent[];

  it('works seeded tasks to the outcomes the table draws for the seed, records opt-outs, counts it all, and holds nothing after a stop', async () => {
    const types = [
      ...Array(6).fill(TaskType.TASK_TYPE_SEND_EMAIL),
      ...Array(6).fill(TaskType.TASK_TYPE_SEND_SMS),
      ...Array(5).fill(TaskType.TASK_TYPE_MAKE_CALL),
      ...Array(2).fill(TaskType.TASK_TYPE_RESEARCH),
      ...Array(2).fill(TaskType.TASK_TYPE_MANUAL_REVIEW),
    ];
    const tasks = await Promise.all(types.map((type) => system.newTask(type)));
    // A seed under which these tasks see a STOP reply, a bounce, a retryable failure and a promise to pay.
    const seed = seedCovering(tasks, ['stop_reply', 'bounced', 'promise_to_pay', 'carrier_timeout']);
    const decisions = new Map(tasks.map((t) => [t.id, decideTask(seed, t)]));

    const run = start({ seed });
    const { agents, metricsAddress } = await run.ready;
    firstAgents = agents;
    expect(agents.map((a) => a.name).sort()).toEqual(['lib-email-1', 'lib-email-2', 'lib-phone-1', 'lib-phone-2', 'lib-research-1', 'lib-sms-1']);

    await eventually(
      async () => {
        const now = await Promise.all(tasks.map((t) => system.task(t.id)));
        return now.every((t) => settledAsDecided(t, decisions.get(t.id) as TaskDecision));
      },
      { what: 'every seeded task completed or failed as the table drew it', timeoutMs: 30_000, intervalMs: 250 },
    );

    // Each customer who asked to stop is opted out on that channel, at compliance; the others are not.
    const asked = tasks.filter((t) => decisions.get(t.id)?.outcome.optOut);
    expect(asked.length).toBeGreaterThan(0);
    await eventually(async () => (await Promise.all(asked.map((t) => system.optedOut(t.customerId, complianceChannel(t.channel))))).every(Boolean), {
      what: 'the opt-outs recorded',
    });
    const stopReply = asked.find((t) => decisions.get(t.id)?.outcome.name === 'stop_reply') as campaignsV1.Task;
    expect(stopReply.channel).toBe(campaignsV1.Channel.CHANNEL_SMS);
    const notAsked = tasks.filter((t) => t.type === TaskType.TASK_TYPE_SEND_SMS && !decisions.get(t.id)?.outcome.optOut);
    for (const t of notAsked) expect(await system.optedOut(t.customerId, complianceV1.Channel.CHANNEL_SMS)).toBe(false);

    // Its own /metrics: one count per task, by outcome.
    const metrics = await scrapeMetrics(metricsAddress as string);
    expect(sampleValue(metrics, 'agent_simulator_tasks_total')).toBe(tasks.length);
    const stops = tasks.filter((t) => decisions.get(t.id)?.outcome.name === 'stop_reply').length;
    expect(sampleValue(metrics, 'agent_simulator_tasks_total', { task_type: 'send_sms', result: 'completed', outcome: 'stop_reply' })).toBe(stops);
    expect(sampleValue(metrics, 'agent_simulator_opt_outs_total')).toBe(asked.length);

    const { summary } = await run.stop();
    expect(summary).toMatchObject({ completed: tasks.filter((t) => decisions.get(t.id)?.outcome.action === 'complete').length, held: 0, optOuts: asked.length });
    expect(summary.completed + summary.failed).toBe(tasks.length);
    const ids = new Set(agents.map((a) => a.id));
    expect((await system.heldTasks()).filter((t) => ids.has(t.agentId))).toEqual([]);
    // A line per finished task, and the summary.
    const lines = run.lines();
    expect(lines.filter((l) => l.msg === 'task completed' || l.msg === 'task failed')).toHaveLength(tasks.length);
    expect(lines.find((l) => l.msg === 'agent simulator stopped: summary')).toMatchObject({ completed: summary.completed, held: 0 });
  });

  it('reuses its agents after a restart instead of registering new ones', async () => {
    const run = start({});
    const { agents } = await run.ready;
    await run.stop();
    expect(agents.map((a) => a.id).sort()).toEqual(firstAgents.map((a) => a.id).sort());
    expect(run.lines().filter((l) => l.msg === 'agent reused')).toHaveLength(6);
    expect(run.lines().filter((l) => l.msg === 'agent registered')).toHaveLength(0);
    const registered = await system.agentsNamed('lib-');
    expect(registered.map((a) => a.name).sort()).toEqual(firstAgents.map((a) => a.name).sort());
  });

  it('finishes the tasks it holds when stopped, extending their leases while it works', async () => {
    const tasks = await Promise.all([1, 2, 3].map(() => system.newTask(TaskType.TASK_TYPE_RESEARCH)));
    const ours = new Set(tasks.map((t) => t.id));
    // Slow work (research takes 10-40 s at speed 0.5) under a 10 s lease: extended after 5 s.
    const run = start({ namePrefix: 'hold', agents: { email: 0, sms: 0, phone: 0, research: 2 }, speed: 0.5 });
    const { agents } = await run.ready;
    await eventually(async () => (await system.heldTasks()).some((t) => ours.has(t.id) && t.status === TaskStatus.TASK_STATUS_IN_PROGRESS), {
      what: 'a seeded task in progress (its lease extended)',
      timeoutMs: 20_000,
      intervalMs: 200,
    });
    const held = (await system.heldTasks()).filter((t) => ours.has(t.id));
    expect(held.length).toBeGreaterThan(0);
    const { summary } = await run.stop();
    expect(summary.held).toBe(0);
    const ids = new Set(agents.map((a) => a.id));
    expect((await system.heldTasks()).filter((t) => ids.has(t.agentId))).toEqual([]);
    for (const t of held) expect(settledAsDecided(await system.task(t.id), decideTask(1, t))).toBe(true);
    expect(run.lines().filter((l) => l.msg === 'task completed' || l.msg === 'task failed').length).toBeGreaterThanOrEqual(held.length);
  });

  it('with token files: registers as the operator, and each agent waits for its token file, then works', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-tokens-'));
    try {
      const operatorFile = join(dir, 'operator.token');
      writeFileSync(operatorFile, await system.identity.token({ subject: 'sim-operator', roles: ['collections-operator'] }));
      const task = await system.newTask(TaskType.TASK_TYPE_SEND_SMS);
      const run = start({
        namePrefix: 'tok',
        agents: { email: 0, sms: 1, phone: 0, research: 0 },
        auth: { kind: 'tokens', caFile: system.identity.caFile, operatorTokenFile: operatorFile, agentTokenDir: dir },
      });
      const { agents } = await run.ready;
      const [agent] = agents;
      await eventually(() => run.lines().some((l) => String(l.msg).startsWith(`no token for agent tok-sms-1 (id ${agent.id})`)), { what: 'the missing token named' });
      expect((await system.task(task.id)).status).toBe(TaskStatus.TASK_STATUS_PENDING);
      writeFileSync(join(dir, 'tok-sms-1.token'), `${await system.identity.token({ subject: agent.id, roles: ['agent'] })}\n`);
      const decision = decideTask(1, task);
      await eventually(async () => settledAsDecided(await system.task(task.id), decision), { what: 'the SMS task finished as drawn', timeoutMs: 20_000 });
      await run.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rides out a campaigns service that stops answering, logging the failure once, and works on when it answers again', async () => {
    const run = start({ namePrefix: 'outage', agents: { email: 0, sms: 0, phone: 0, research: 1 } });
    const before = await system.newTask(TaskType.TASK_TYPE_MANUAL_REVIEW);
    await eventually(async () => settledAsDecided(await system.task(before.id), decideTask(1, before)), { what: 'a first review finished as drawn', timeoutMs: 20_000 });
    system.campaigns.pause();
    try {
      await eventually(() => run.lines().some((l) => String(l.msg).startsWith('ClaimTasks failed: DEADLINE_EXCEEDED')), { what: 'the failed claim logged', timeoutMs: 20_000 });
      // Its claims go on failing (each after the 5 s deadline): logged once, counted each time.
      await eventually(() => run.lines().some((l) => String(l.msg).startsWith('AgentHeartbeat failed')), { what: 'a failed heartbeat too', timeoutMs: 20_000 });
    } finally {
      system.campaigns.resume();
    }
    const after = await system.newTask(TaskType.TASK_TYPE_MANUAL_REVIEW);
    await eventually(async () => settledAsDecided(await system.task(after.id), decideTask(1, after)), { what: 'the review after the outage finished as drawn', timeoutMs: 20_000 });
    const lines = run.lines();
    expect(lines.filter((l) => String(l.msg).startsWith('ClaimTasks failed'))).toHaveLength(1);
    expect(lines.some((l) => l.msg === 'ClaimTasks works again')).toBe(true);
    await run.stop();
  });

  it('has outcomes for every task type an agent may be given, and weights that add up to 100', () => {
    for (const type of [
      TaskType.TASK_TYPE_SEND_EMAIL,
      TaskType.TASK_TYPE_SEND_SMS,
      TaskType.TASK_TYPE_MAKE_CALL,
      TaskType.TASK_TYPE_SEND_LETTER,
      TaskType.TASK_TYPE_RESEARCH,
      TaskType.TASK_TYPE_MANUAL_REVIEW,
    ]) {
      const plan = OUTCOMES[type];
      expect(plan?.outcomes.reduce((sum, o) => sum + o.weight, 0)).toBe(100);
    }
  });
});
