import type { AsyncService } from '@cec/grpc';
import type { campaignsV1 } from '@cec/proto';
import type { CampaignsDeps } from '../campaigns-config';
import { enrolmentPolicyHandlers } from './enrolment-policy-handlers';
import { escalationRunHandlers } from './escalation-run-handlers';
import { simulateCampaignHandler } from './simulate-campaign-handler';

/** escalation.campaigns.v1.EscalationService: the engine's passes, its ledger, the dry run and the enrolment policy. */
export function escalationService(deps: CampaignsDeps): AsyncService<campaignsV1.EscalationServiceServer> {
  return { ...escalationRunHandlers(deps), ...simulateCampaignHandler(deps), ...enrolmentPolicyHandlers(deps) };
}
