import type { AsyncService } from '@cec/grpc';
import type { campaignsV1 } from '@cec/proto';
import type { CampaignsDeps } from '../campaigns-config';

type Handlers = Pick<AsyncService<campaignsV1.EscalationServiceServer>, 'simulateCampaign'>;

// PLACEHOLDER: replaced by the real handler (the dry run).
const notBuilt = async (): Promise<never> => {
  throw new Error('not built yet');
};

export function simulateCampaignHandler(_deps: CampaignsDeps): Handlers {
  return { simulateCampaign: notBuilt };
}
