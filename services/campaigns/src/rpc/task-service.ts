import type { AsyncService } from '@cec/grpc';
import type { campaignsV1 } from '@cec/proto';
import type { CampaignsDeps } from '../campaigns-config';

// PLACEHOLDER: replaced by the real handlers.
const notBuilt = async (): Promise<never> => {
  throw new Error('not built yet');
};

/** escalation.campaigns.v1.TaskService. */
export function taskService(_deps: CampaignsDeps): AsyncService<campaignsV1.TaskServiceServer> {
  return {
    createTask: notBuilt,
    getTask: notBuilt,
    listTasks: notBuilt,
    claimTasks: notBuilt,
    extendTaskLease: notBuilt,
    completeTask: notBuilt,
    failTask: notBuilt,
    cancelTask: notBuilt,
  };
}
