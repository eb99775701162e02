/*
 * The simulator as its own process (`node --import tsx src/main.ts`, what `npm run simulate`
 * and `npm start` run) against the real services with authentication on: a JSON line per task
 * it finishes, periodic summaries, SIGTERM exits 0 with nothing held, a second start reuses the
 * agents, bad flags and refused credentials exit non-zero with the reason.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { campaignsV1 } from '@cec/proto';
import { eventually, watchProcess, type WatchedProcess } from '@cec/testing';
import { decideTask } from './task-report';
import { settledAsDecided, useTestSystem } from './test-system';

const { TaskType } = campaignsV1;
const system = useTestSystem();
const started: { child: ReturnType<typeof spawn>; watched: WatchedProcess }[] = [];

function simulator(args: string[]): WatchedProcess & { kill(signal: NodeJS.Signals): void } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'main.ts'), ...args], {
    cwd: join(__dirname, '..'),
    env: { ...process.env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const watched = watchProcess(child);
  started.push({ child, watched });
  return { ...watched, kill: (signal) => child.kill(signal) };
}

afterAll(async () => {
  for (const { child, watched } of started) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await watched.exited(10_000).catch(() => undefined);
  }
});

const jsonLines = (output: string): Record<string, unknown>[] =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('the agent simulator process', () => {
  const flags = (): string[] => [
    '--campaigns', system.campaigns.address,
    '--compliance', system.compliance.address,
    '--identity-dir', system.identity.dir,
    '--name-prefix', 'proc',
    '--email', '1', '--sms', '1', '--phone', '1', '--research', '1',
    '--speed', '20', '--seed', '7', '--poll', '200', '--metrics-port', '0', '--summary-every', '1',
  ];

  it('logs each task it finishes and a summary, and on SIGTERM exits 0 holding nothing', async () => {
    const tasks = await Promise.all(
      [TaskType.TASK_TYPE_SEND_SMS, TaskType.TASK_TYPE_SEND_SMS, TaskType.TASK_TYPE_SEND_EMAIL, TaskType.TASK_TYPE_MAKE_CALL, TaskType.TASK_TYPE_RESEARCH].map((type) =>
        system.newTask(type),
      ),
    );
    const run = simulator(flags());
    await run.waitForLine('"msg":"agent simulator running"', 30_000);
    await eventually(async () => (await Promise.all(tasks.map(async (t) => settledAsDecided(await system.task(t.id), decideTask(7, t))))).every(Boolean), {
      what: 'every task finished as drawn for seed 7',
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    await run.waitForLine('"msg":"summary"', 5_000);
    const ids = new Set(tasks.map((t) => t.id));
    await eventually(() => jsonLines(run.output()).filter((l) => ids.has(String(l.taskId)) && /^task (completed|failed)$/.test(String(l.msg))).length === tasks.length, {
      what: 'a line per task',
    });

    run.kill('SIGTERM');
    expect(await run.exited(20_000)).toBe(0);
    const last = jsonLines(run.output()).find((l) => l.msg === 'agent simulator stopped: summary');
    expect(last).toMatchObject({ held: 0 });
    expect(Number(last?.completed) + Number(last?.failed)).toBeGreaterThanOrEqual(tasks.length);
    const agents = new Set((await system.agentsNamed('proc-')).map((a) => a.id));
    expect((await system.heldTasks()).filter((t) => agents.has(t.agentId))).toEqual([]);
  });

  it('reuses the agents it registered before when started again', async () => {
    const run = simulator(flags());
    await run.waitForLine('"msg":"agent simulator running"', 30_000);
    run.kill('SIGTERM');
    expect(await run.exited(20_000)).toBe(0);
    const lines = jsonLines(run.output());
    expect(lines.filter((l) => l.msg === 'agent reused')).toHaveLength(4);
    expect(lines.filter((l) => l.msg === 'agent registered')).toHaveLength(0);
    expect((await system.agentsNamed('proc-')).map((a) => a.name).sort()).toEqual(['proc-email-1', 'proc-phone-1', 'proc-research-1', 'proc-sms-1']);
  });

  it('refuses bad flags with the flag named (exit 2) and exits 1 when its operator token file is missing', async () => {
    const bad = simulator(['--speed', 'fast', '--email', '500']);
    expect(await bad.exited(20_000)).toBe(2);
    expect(bad.output()).toContain('--speed / SIMULATOR_SPEED: must be a number from 0.01 to 1000, got "fast"');
    expect(bad.output()).toContain('--email / SIMULATOR_EMAIL_AGENTS');
    // Token files: the operator's is read before the first call.
    const refused = simulator([...flags(), '--auth', 'tokens', '--ca', system.identity.caFile, '--operator-token-file', '/nonexistent/operator.token', '--agent-token-dir', '/nonexistent']);
    expect(await refused.exited(20_000)).toBe(1);
    expect(refused.output()).toContain('the operator token file /nonexistent/operator.token is missing or empty');
  });
});
