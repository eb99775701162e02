import type { AsyncService } from '@cec/grpc';
import type { campaignsV1 } from '@cec/proto';
import type { CampaignsDeps } from '../campaigns-config';

type Handlers = Pick<AsyncService<campaignsV1.EscalationServiceServer>, 'runEscalation' | 'listStepRuns'>;

// PLACEHOLDER: replaced by the real handlers (the engine's pass, the step ledger).
const notBuilt = async (): Promise<never> => {
  throw new Error('not built yet');
};

export function escalationRunHandlers(_deps: CampaignsDeps): Handlers {
  return { runEscalation: notBuilt, listStepRuns: notBuilt };
}
