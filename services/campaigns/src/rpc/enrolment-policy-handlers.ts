import type { AsyncService } from '@cec/grpc';
import type { campaignsV1 } from '@cec/proto';
import type { CampaignsDeps } from '../campaigns-config';

type Handlers = Pick<AsyncService<campaignsV1.EscalationServiceServer>, 'getEnrolmentPolicy' | 'updateEnrolmentPolicy'>;

// PLACEHOLDER: replaced by the real handlers (the auto-enrolment policy).
const notBuilt = async (): Promise<never> => {
  throw new Error('not built yet');
};

export function enrolmentPolicyHandlers(_deps: CampaignsDeps): Handlers {
  return { getEnrolmentPolicy: notBuilt, updateEnrolmentPolicy: notBuilt };
}
