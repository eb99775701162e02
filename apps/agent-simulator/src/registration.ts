/**
 * The simulator's agents, registered once: each has a stable name (<prefix>-<type>-<n>), and a
 * start first lists the agents of each type and reuses those with its names, so restarts do not
 * pile up agents. Only the missing ones are registered.
 */
import { status } from '@grpc/grpc-js';
import type { Logger } from '@cec/observability';
import { campaignsV1 } from '@cec/proto';
import { statusCodeOf } from '@cec/grpc';
import { unary } from './calls';
import type { Identity } from './identity';
import { AGENT_KINDS, SIM_AGENT_TYPES, type SimAgentType } from './outcomes';

export interface SimAgent {
  id: string;
  name: string;
  kind: SimAgentType;
  capacity: number;
}

/** The names of the agents a run wants: <prefix>-email-1, <prefix>-email-2, <prefix>-sms-1, … */
export function wantedAgents(prefix: string, counts: Record<SimAgentType, number>): { name: string; kind: SimAgentType }[] {
  return SIM_AGENT_TYPES.flatMap((kind) => Array.from({ length: counts[kind] }, (_, i) => ({ name: `${prefix}-${kind}-${i + 1}`, kind })));
}

async function agentsOfType(agents: campaignsV1.AgentServiceClient, identity: Identity, type: campaignsV1.AgentType): Promise<Map<string, campaignsV1.Agent>> {
  const byName = new Map<string, campaignsV1.Agent>();
  let pageToken = '';
  do {
    const page = await unary(agents, 'listAgents', { pageSize: 200, pageToken, type, status: 0, capability: '' }, await identity.operator());
    for (const agent of page.agents) byName.set(agent.name, agent);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return byName;
}

/** Finds or registers every wanted agent (as the operator). */
export async function ensureAgents(
  agents: campaignsV1.AgentServiceClient,
  identity: Identity,
  wanted: { name: string; kind: SimAgentType }[],
  logger: Logger,
): Promise<SimAgent[]> {
  const result: SimAgent[] = [];
  for (const kind of SIM_AGENT_TYPES) {
    const mine = wanted.filter((w) => w.kind === kind);
    if (mine.length === 0) continue;
    const { type, capacity } = AGENT_KINDS[kind];
    let existing = await agentsOfType(agents, identity, type);
    for (const { name } of mine) {
      let agent = existing.get(name);
      if (agent) {
        logger.info({ agent: name, agentId: agent.id }, 'agent reused');
      } else {
        try {
          const registered = await unary(
            agents,
            'registerAgent',
            {
              agent: campaignsV1.Agent.fromPartial({ name, type, maxConcurrentTasks: capacity, config: { simulated: true } }),
              secrets: {},
              requestId: '',
            },
            await identity.operator(),
          );
          agent = registered.agent;
          logger.info({ agent: name, agentId: agent?.id }, 'agent registered');
        } catch (error) {
          // Another simulator registered it meanwhile: take that one.
          if (statusCodeOf(error) !== status.ALREADY_EXISTS) throw error;
          existing = await agentsOfType(agents, identity, type);
          agent = existing.get(name);
          if (!agent) throw error;
        }
      }
      if (!agent) throw new Error(`RegisterAgent answered no agent for ${name}`);
      result.push({ id: agent.id, name, kind, capacity: agent.maxConcurrentTasks || capacity });
    }
  }
  return result;
}
