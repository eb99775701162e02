/**
 * The three services of the engine benchmark, each its own process as in production, on free
 * loopback ports: customers (no overdue sweep: nothing changes the invoices during the run),
 * compliance (asks customers for facts), campaigns (asks both; the engine's loop off, passes
 * are driven with RunEscalation; ENGINE_BATCH_SIZE = the benchmark's batch).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@cec/db';
import { startTs, waitUntilReady, type Child } from '../customers/processes';
import type { Cleanup } from '../common/cleanup';
import { isServing } from '../common/grpc';

export type ServiceName = 'customers' | 'compliance' | 'campaigns';

export interface Services {
  children: Record<ServiceName, Child>;
  addresses: Record<ServiceName, string>;
}

export async function startServices(
  root: string,
  dbUrl: string,
  options: { batch: number; leaseMs: number; cpuProfDir?: string },
  cleanup: Cleanup,
): Promise<Services> {
  const ports = { customers: await freePort(), compliance: await freePort(), campaigns: await freePort() };
  const addresses = {
    customers: `127.0.0.1:${ports.customers}`,
    compliance: `127.0.0.1:${ports.compliance}`,
    campaigns: `127.0.0.1:${ports.campaigns}`,
  };
  const profArgs = (name: string): string[] => {
    if (!options.cpuProfDir) return [];
    const dir = join(options.cpuProfDir, name);
    mkdirSync(dir, { recursive: true });
    return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
  };
  const common = { ...process.env, DATABASE_URL: dbUrl, LOG_LEVEL: 'warn' };
  const own = (name: ServiceName): NodeJS.ProcessEnv => {
    const prefix = name.toUpperCase();
    return { [`${prefix}_GRPC_HOST`]: '127.0.0.1', [`${prefix}_GRPC_PORT`]: String(ports[name]), [`${prefix}_METRICS_HOST`]: '127.0.0.1', [`${prefix}_METRICS_PORT`]: '0' };
  };
  const start = (name: ServiceName, env: NodeJS.ProcessEnv): Child => {
    const child = startTs(`${name} service`, join(root, 'services', name, 'src', 'main.ts'), { cwd: root, env: { ...common, ...own(name), ...env }, nodeArgs: profArgs(name) });
    cleanup.add(() => child.stop());
    return child;
  };
  const children = {
    customers: start('customers', { OVERDUE_SWEEP_INTERVAL_MS: '0' }),
    compliance: start('compliance', { CUSTOMERS_ADDRESS: addresses.customers }),
    campaigns: start('campaigns', {
      CUSTOMERS_ADDRESS: addresses.customers,
      COMPLIANCE_ADDRESS: addresses.compliance,
      ENGINE_INTERVAL_MS: '0',
      ENGINE_BATCH_SIZE: String(options.batch),
      ENGINE_LEASE_MS: String(options.leaseMs),
    }),
  };
  for (const name of ['customers', 'compliance', 'campaigns'] as const) {
    await waitUntilReady(children[name], () => isServing(addresses[name]));
  }
  return { children, addresses };
}
