/**
 * The simulator as a library: registers (or reuses) its agents once the campaigns service
 * answers, runs them until `signal` is aborted, then lets every agent finish what it holds and
 * answers the summary. main.ts runs it from the command line; tests call it directly.
 */
import { setMaxListeners } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChannelCredentials } from '@grpc/grpc-js';
import { createChannel, createClient, describeCallFailure } from '@cec/grpc';
import { startMetricsServer, type Logger } from '@cec/observability';
import { campaignsV1, complianceV1 } from '@cec/proto';
import { AgentWorker, pause, type Clients } from './agent-worker';
import { isUnreachable } from './calls';
import { createIdentity, type AuthMode, type Identity } from './identity';
import { SIM_AGENT_TYPES, type SimAgentType } from './outcomes';
import { ensureAgents, wantedAgents, type SimAgent } from './registration';
import { SimulatorStats } from './stats';

export interface SimulatorOptions {
  /** host:port of the campaigns service (agents, tasks). */
  campaignsAddress: string;
  /** host:port of the compliance service (opt-outs). */
  complianceAddress: string;
  /** Agents of each type. */
  agents: Record<SimAgentType, number>;
  /** Agent names are <namePrefix>-<type>-<n>. */
  namePrefix: string;
  /** Work times are divided by it: 10 works ten times as fast. */
  speed: number;
  /** Same seed, same outcome for each task. */
  seed: number;
  leaseSeconds: number;
  pollMs: number;
  auth: AuthMode;
  /** Serve /metrics here (port 0: any free port); undefined: no metrics server. */
  metrics?: { host: string; port: number };
  /** Log the summary this often (0: only when stopping). */
  summaryEverySeconds: number;
  logger: Logger;
  /** Told the agents once they are registered and about to work. */
  onReady?: (ready: { agents: SimAgent[]; metricsAddress?: string }) => void;
}

export interface SimulatorResult {
  agents: SimAgent[];
  summary: ReturnType<SimulatorStats['summary']>;
}

function clientsFor(options: SimulatorOptions, credentials: ChannelCredentials): Clients {
  const common = { caller: 'agent-simulator', credentials };
  // One channel for both campaigns clients, as a service has per peer (connectPeers): one
  // reconnect backoff, so after a campaigns restart both reach it once either does.
  const campaigns = createChannel(options.campaignsAddress, common);
  return {
    agents: createClient(campaignsV1.AgentServiceClient, options.campaignsAddress, { ...common, channel: campaigns }),
    tasks: createClient(campaignsV1.TaskServiceClient, options.campaignsAddress, { ...common, channel: campaigns }),
    optOuts: createClient(complianceV1.OptOutServiceClient, options.complianceAddress, common),
  };
}

/** Registers the agents, waiting (every second) while the campaigns service cannot be reached; undefined when stopped first. */
async function registerWhenReachable(clients: Clients, options: SimulatorOptions, identity: Identity, signal: AbortSignal): Promise<SimAgent[] | undefined> {
  let told = false;
  while (!signal.aborted) {
    try {
      return await ensureAgents(clients.agents, identity, wantedAgents(options.namePrefix, options.agents), options.logger);
    } catch (error) {
      if (!isUnreachable(error)) throw new Error(`cannot register the agents at ${options.campaignsAddress}: ${describeCallFailure(error)}`);
      if (!told) options.logger.info({ campaigns: options.campaignsAddress }, `waiting for the campaigns service at ${options.campaignsAddress} (${describeCallFailure(error)})`);
      told = true;
      await pause(1000, signal);
    }
  }
  return undefined;
}

export async function runSimulator(options: SimulatorOptions, stopSignal: AbortSignal): Promise<SimulatorResult> {
  const { logger } = options;
  // Every slot and heartbeat loop waits on the stop: one listener each, more than the default 10.
  const stopping = new AbortController();
  const signal = stopping.signal;
  setMaxListeners(0, signal);
  if (stopSignal.aborted) stopping.abort();
  else stopSignal.addEventListener('abort', () => stopping.abort(), { once: true });
  const identity = await createIdentity(options.auth);
  const clients = clientsFor(options, identity.credentials);
  const stats = new SimulatorStats();
  let server: Server | undefined;
  let summaryTimer: NodeJS.Timeout | undefined;
  try {
    let metricsAddress: string | undefined;
    if (options.metrics) {
      server = await startMetricsServer(stats.registry, options.metrics.port, options.metrics.host);
      metricsAddress = `${options.metrics.host}:${(server.address() as AddressInfo).port}`;
    }
    const agents = (await registerWhenReachable(clients, options, identity, signal)) ?? [];
    for (const kind of SIM_AGENT_TYPES) stats.agents(kind, agents.filter((a) => a.kind === kind).length);
    if (!signal.aborted) {
      logger.info(
        {
          campaigns: options.campaignsAddress,
          compliance: options.complianceAddress,
          // In words: the logger redacts fields named email or phone.
          agents: SIM_AGENT_TYPES.map((k) => `${options.agents[k]} ${k}`).join(', '),
          speed: options.speed,
          seed: options.seed,
          auth: options.auth.kind,
          ...(metricsAddress ? { metrics: `http://${metricsAddress}/metrics` } : {}),
        },
        'agent simulator running',
      );
      options.onReady?.({ agents, metricsAddress });
    }
    if (options.summaryEverySeconds > 0) {
      summaryTimer = setInterval(() => logger.info(stats.summary(), 'summary'), options.summaryEverySeconds * 1000);
      summaryTimer.unref();
    }
    const context = { ...options, clients, identity, stats, signal };
    await Promise.all(agents.map((agent) => new AgentWorker(agent, context).run()));
    const summary = stats.summary();
    logger.info(summary, 'agent simulator stopped: summary');
    return { agents, summary };
  } finally {
    clearInterval(summaryTimer);
    for (const channel of new Set(Object.values(clients).map((client) => client.getChannel()))) channel.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}
