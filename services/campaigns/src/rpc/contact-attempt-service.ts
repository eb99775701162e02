import type { AsyncService } from '@cec/grpc';
import type { campaignsV1 } from '@cec/proto';
import type { CampaignsDeps } from '../campaigns-config';

// PLACEHOLDER: replaced by the real handlers.
const notBuilt = async (): Promise<never> => {
  throw new Error('not built yet');
};

/** escalation.campaigns.v1.ContactAttemptService. */
export function contactAttemptService(_deps: CampaignsDeps): AsyncService<campaignsV1.ContactAttemptServiceServer> {
  return {
    recordContactAttempt: notBuilt,
    updateContactStatus: notBuilt,
    getContactAttempt: notBuilt,
    listCustomerCommunications: notBuilt,
  };
}
