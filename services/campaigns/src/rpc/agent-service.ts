import type { AsyncService } from '@cec/grpc';
import type { campaignsV1 } from '@cec/proto';
import type { CampaignsDeps } from '../campaigns-config';

// PLACEHOLDER: replaced by the real handlers.
const notBuilt = async (): Promise<never> => {
  throw new Error('not built yet');
};

/** escalation.campaigns.v1.AgentService. */
export function agentService(_deps: CampaignsDeps): AsyncService<campaignsV1.AgentServiceServer> {
  return {
    registerAgent: notBuilt,
    getAgent: notBuilt,
    listAgents: notBuilt,
    updateAgent: notBuilt,
    agentHeartbeat: notBuilt,
    getAgentPerformance: notBuilt,
  };
}
