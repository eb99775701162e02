/*
 * Against services without authentication (plaintext on loopback): --auth none says who calls in
 * x-actor metadata; the agents register, work and record a STOP reply's opt-out the same way.
 */
import { campaignsV1, complianceV1 } from '@cec/proto';
import { capturingLogger, eventually } from '@cec/testing';
import { runSimulator } from './simulator';
import { decideTask } from './task-report';
import { settledAsDecided, useTestSystem } from './test-system';

const system = useTestSystem({ auth: false });

it('works tasks and records opt-outs with --auth none', async () => {
  const tasks = await Promise.all([1, 2, 3, 4, 5, 6].map(() => system.newTask(campaignsV1.TaskType.TASK_TYPE_SEND_SMS)));
  let seed = 1;
  while (!tasks.some((t) => decideTask(seed, t).outcome.name === 'stop_reply')) seed++;
  const { logger } = capturingLogger();
  const controller = new AbortController();
  const run = runSimulator(
    {
      campaignsAddress: system.campaigns.address,
      complianceAddress: system.compliance.address,
      agents: { email: 0, sms: 1, phone: 0, research: 0 },
      namePrefix: 'plain',
      speed: 20,
      seed,
      leaseSeconds: 10,
      pollMs: 200,
      auth: { kind: 'none' },
      summaryEverySeconds: 0,
      logger,
    },
    controller.signal,
  );
  try {
    await eventually(async () => (await Promise.all(tasks.map(async (t) => settledAsDecided(await system.task(t.id), decideTask(seed, t))))).every(Boolean), {
      what: 'the SMS tasks finished as drawn',
      timeoutMs: 20_000,
      intervalMs: 200,
    });
    const stopped = tasks.filter((t) => decideTask(seed, t).outcome.name === 'stop_reply');
    await eventually(async () => (await Promise.all(stopped.map((t) => system.optedOut(t.customerId, complianceV1.Channel.CHANNEL_SMS)))).every(Boolean), {
      what: 'the STOP replies recorded as opt-outs',
    });
  } finally {
    controller.abort();
  }
  expect((await run).summary.held).toBe(0);
});
