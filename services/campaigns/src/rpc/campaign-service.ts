import type { AsyncService } from '@cec/grpc';
import type { campaignsV1 } from '@cec/proto';
import type { CampaignsDeps } from '../campaigns-config';

// PLACEHOLDER: replaced by the real handlers.
const notBuilt = async (): Promise<never> => {
  throw new Error('not built yet');
};

/** escalation.campaigns.v1.CampaignService. */
export function campaignService(_deps: CampaignsDeps): AsyncService<campaignsV1.CampaignServiceServer> {
  return {
    createCampaign: notBuilt,
    getCampaign: notBuilt,
    listCampaigns: notBuilt,
    startCampaign: notBuilt,
    pauseCampaign: notBuilt,
    resumeCampaign: notBuilt,
    cancelCampaign: notBuilt,
    listCampaignPresets: notBuilt,
  };
}
