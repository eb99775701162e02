import { randomUUID } from 'node:crypto';
import { systemCall } from '@cec/context';
import type { Logger } from '@cec/observability';
import { repeatEvery, type BackgroundWork } from '@cec/service-runtime';
import { AgentSweepStore } from './store/agent-store';
import type { TaskSweepStore } from './store/task-sweep-store';

/**
 * Every `intervalMs`: tasks whose lease ran out go back to the queue (or fail on their last
 * attempt), agents that stopped heartbeating become offline, and agents' performance_metrics
 * are refreshed. Safe on every replica at once (each step takes its rows FOR UPDATE SKIP
 * LOCKED). Passes never overlap (the interval counts from the end of the last); a failed
 * step is logged and tried again at the next pass; stop() waits for the running pass.
 */
export function startLeaseSweeper(stores: { tasks: TaskSweepStore; agents: AgentSweepStore }, intervalMs: number, logger: Logger): BackgroundWork {
  const step = async (name: string, work: () => Promise<unknown>): Promise<void> => {
    try {
      const done = await work();
      const changed = typeof done === 'number' ? done > 0 : Object.values(done as object).some((n) => n > 0);
      if (changed) logger.info({ [name]: done }, `lease sweeper: ${name}`);
    } catch (error) {
      logger.warn({ err: { message: (error as Error).message } }, `lease sweeper: ${name} failed; it runs again at the next interval`);
    }
  };
  return repeatEvery(intervalMs, async () => {
    const call = systemCall('campaigns.lease_sweeper', `lease-sweep-${randomUUID()}`);
    await step('expired_leases', () => stores.tasks.sweepExpiredLeases(call));
    await step('agents_offline', () => stores.agents.markOffline(call));
    await step('performance_refreshed', () => stores.agents.refreshPerformance(call));
  });
}
