/**
 * The campaigns service as its own process with its escalation loop on, next to the harness's
 * customers and compliance processes, and what its metrics say it committed.
 */
import { startServiceProcess, type ServiceProcess } from '@cec/testing';
import type { CampaignsHarness } from '../testing/campaigns-harness';

/** A campaigns process over the harness's database and peers; `env` sets the engine (ENGINE_INTERVAL_MS, ENGINE_BATCH_SIZE, ENGINE_LEASE_MS). */
export function startCampaignsProcess(h: CampaignsHarness, env: Record<string, string>): Promise<ServiceProcess> {
  return startServiceProcess('campaigns', h.db.url, {
    CUSTOMERS_ADDRESS: h.customersProcess.address,
    COMPLIANCE_ADDRESS: h.complianceProcess.address,
    // Nobody works the tasks: the relay and the sweeper have nothing to do.
    OUTBOX_RELAY_INTERVAL_MS: '60000',
    TASK_LEASE_SWEEP_INTERVAL_MS: '60000',
    ...env,
  });
}

/** Step outcomes a process committed (its loop's and its RunEscalation calls'), from campaigns_engine_steps_total. */
const COMMITTED_OUTCOMES = ['task_created', 'fell_back', 'deferred', 'refused', 'skipped'];

export async function committedSteps(process: ServiceProcess): Promise<number> {
  const text = await (await fetch(`http://${process.metricsAddress}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^campaigns_engine_steps_total\{[^}]*outcome="([a-z_]+)"[^}]*\} (\d+)$/.exec(line);
    if (match && COMMITTED_OUTCOMES.includes(match[1])) sum += Number(match[2]);
  }
  return sum;
}
