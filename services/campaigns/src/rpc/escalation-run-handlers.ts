import { decodePageToken, filterFingerprint, pageSize, paginate, type AsyncService } from '@cec/grpc';
import { Violations } from '@cec/errors';
import type { campaignsV1 } from '@cec/proto';
import { requireUuid } from '@cec/validation';
import type { CampaignsDeps } from '../campaigns-config';
import { escalationEngine } from '../escalation-engine';
import { EscalationStore } from '../store/escalation-store';
import { timestampKey } from './campaign-messages';
import { passSummaryToProto, stepRunToProto } from './escalation-messages';

type Handlers = Pick<AsyncService<campaignsV1.EscalationServiceServer>, 'runEscalation' | 'listStepRuns'>;

const DEFAULT_MAX_CAMPAIGNS = 1000;
const MAX_CAMPAIGNS = 10_000;

/** RunEscalation (one pass of the engine, now) and ListStepRuns (a campaign's ledger). */
export function escalationRunHandlers(deps: CampaignsDeps): Handlers {
  const store = new EscalationStore(deps.orm);
  return {
    async runEscalation(request, context) {
      const v = new Violations();
      const max = request.maxCampaigns;
      if (!Number.isInteger(max) || max < 0 || max > MAX_CAMPAIGNS) v.add('max_campaigns', `must be from 1 to ${MAX_CAMPAIGNS} (0: ${DEFAULT_MAX_CAMPAIGNS}), got ${max}`);
      v.throwIfAny();
      const pass = await escalationEngine(deps).runPass(context, { maxCampaigns: max || DEFAULT_MAX_CAMPAIGNS, skipEnrolment: request.skipEnrolment });
      return { summary: passSummaryToProto(pass) };
    },

    async listStepRuns(request) {
      const v = new Violations();
      const size = pageSize(request.pageSize);
      const campaignId = requireUuid(v, 'campaign_id', request.campaignId);
      v.throwIfAny();
      const fingerprint = filterFingerprint({ campaignId: campaignId.toLowerCase() });
      const after = decodePageToken(request.pageToken, fingerprint, ['text', 'uuid']);
      const rows = await store.stepRuns(campaignId, after && [timestampKey(after[0]), after[1]], size + 1);
      const { page, nextPageToken } = paginate(rows, size, (r) => [r.createdAtText, r.id], fingerprint);
      return { runs: page.map(stepRunToProto), nextPageToken };
    },
  };
}
