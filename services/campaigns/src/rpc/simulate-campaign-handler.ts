import type { AsyncService } from '@cec/grpc';
import { FailedPreconditionError, Violations } from '@cec/errors';
import { campaignsV1 } from '@cec/proto';
import { requireUuid } from '@cec/validation';
import type { CampaignsDeps } from '../campaigns-config';
import type { SimulatedStep, SimulatedVerdict } from '../domain/campaign-simulation';
import { campaignSubject, newCampaignSubject, runSimulation, type SimulationSubject } from '../simulation';
import { CampaignStore } from '../store/campaign-store';
import { readCampaignProgress } from '../store/simulation-reads';
import { checkCampaign, readCampaignRequest } from './campaign-draft';
import { channels, taskTypes } from './enums';

type Handlers = Pick<AsyncService<campaignsV1.EscalationServiceServer>, 'simulateCampaign'>;

/** How far from now from_time may be: compliance decides contacts within a year of now. */
const MAX_FROM_OFFSET_MS = 366 * 86_400_000;

const { SimulatedVerdict: V } = campaignsV1;
const VERDICTS: Record<SimulatedVerdict, campaignsV1.SimulatedVerdict> = {
  contact: V.SIMULATED_VERDICT_CONTACT,
  deferred_contact: V.SIMULATED_VERDICT_DEFERRED_CONTACT,
  refused: V.SIMULATED_VERDICT_REFUSED,
  fallback: V.SIMULATED_VERDICT_FALLBACK,
  skipped: V.SIMULATED_VERDICT_SKIPPED,
  already_taken: V.SIMULATED_VERDICT_ALREADY_TAKEN,
};

/**
 * SimulateCampaign: an existing campaign (draft, active or paused) by campaign_id, or one not made
 * yet (campaign + steps or preset, checked exactly as CreateCampaign checks it), played through
 * from from_time on today's figures and compliance's dry run. Writes nothing anywhere.
 */
export function simulateCampaignHandler(deps: CampaignsDeps): Handlers {
  const store = new CampaignStore(deps.orm);
  return {
    async simulateCampaign(request) {
      const v = new Violations();
      const now = Date.now();
      const from = request.fromTime ?? new Date(now);
      if (Number.isNaN(from.getTime()) || Math.abs(from.getTime() - now) > MAX_FROM_OFFSET_MS) v.add('from_time', 'must be within a year of now');

      let subject: SimulationSubject;
      if (request.campaignId || !request.campaign) {
        const id = request.campaignId ? requireUuid(v, 'campaign_id', request.campaignId) : '';
        if (!request.campaignId) v.add('campaign_id', 'is required: the campaign to simulate (or give campaign, with steps or a preset, to simulate one before it is made)');
        if (request.campaign) v.add('campaign', 'give either campaign_id (a campaign that exists) or campaign (one to simulate before it is made), not both');
        if (request.preset) v.add('preset', 'goes with campaign (one not made yet), not with campaign_id');
        v.throwIfAny();
        const progress = await readCampaignProgress(store.reader(), id);
        const { status } = progress.campaign;
        if (status === 'completed' || status === 'cancelled') {
          throw new FailedPreconditionError(`campaign ${id} is ${status}: it takes no more steps, so there is nothing to simulate`);
        }
        subject = campaignSubject(progress);
      } else {
        const read = readCampaignRequest(request.campaign, request.preset, v);
        const checked = await checkCampaign(store, deps.clients, read, v);
        subject = newCampaignSubject(checked.customerId, checked.steps, checked.invoiceIds, checked.anchorDueDate);
      }

      const run = await runSimulation(deps.clients, subject, from);
      return { steps: run.steps.map(simulatedStepToProto), outcome: run.outcome };
    },
  };
}

function simulatedStepToProto(s: SimulatedStep): campaignsV1.SimulatedStep {
  return {
    stepIndex: s.stepIndex,
    stepName: s.step.name,
    taskType: taskTypes.to(s.step.taskType),
    channel: s.channel ? channels.to(s.channel) : campaignsV1.Channel.CHANNEL_UNSPECIFIED,
    dueTime: s.dueAt ?? undefined,
    contactTime: s.contactAt ?? undefined,
    verdict: VERDICTS[s.verdict],
    reasons: s.reasons,
  };
}
