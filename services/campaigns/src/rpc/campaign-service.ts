import { decodePageToken, filterFingerprint, pageSize, paginate, type AsyncService } from '@cec/grpc';
import { InvalidArgumentError, Violations } from '@cec/errors';
import type { campaignsV1 } from '@cec/proto';
import { enumList, optionalUuid, requireUuid, text } from '@cec/validation';
import type { CampaignsDeps } from '../campaigns-config';
import { checkCampaignFields, checkInvoiceIds } from '../domain/campaign';
import { anchorDueDate, campaignableInvoices } from '../domain/campaign-invoices';
import type { CampaignAction } from '../domain/campaign-state';
import { PRESETS, presetByName, presetDrafts, presetTemplateNames } from '../domain/presets';
import { templateIdsOf, validateSteps, type StepDraft } from '../domain/step';
import { CampaignStore } from '../store/campaign-store';
import { activeTemplatesNamed, templatesByIds } from '../store/campaign-templates';
import { lookUpInvoices, type InvoicePeers } from './campaign-invoice-lookup';
import { campaignToProto, presetToProto, stepDraftsFromProto, timestampKey } from './campaign-messages';
import { campaignStatuses, riskLevels } from './enums';

/** The language preset templates resolve in: the customers service keeps no language per customer yet. */
const DEFAULT_LANGUAGE = 'en';

/** escalation.campaigns.v1.CampaignService. */
export function campaignService(deps: CampaignsDeps): AsyncService<campaignsV1.CampaignServiceServer> {
  return campaignHandlers(new CampaignStore(deps.orm), deps.clients);
}

export function campaignHandlers(store: CampaignStore, peers: InvoicePeers): AsyncService<campaignsV1.CampaignServiceServer> {
  const transition = async (campaignId: string, action: Exclude<CampaignAction, 'complete'>, reason: string | undefined, context: Parameters<CampaignStore['transition']>[3]) => ({
    campaign: campaignToProto(await store.transition(campaignId, action, reason, context)),
  });

  return {
    async createCampaign(request, context) {
      if (!request.campaign) throw InvalidArgumentError.field('campaign', 'is required');
      const c = request.campaign;
      const v = new Violations();
      const requestId = optionalUuid(v, 'request_id', request.requestId);
      const customerId = requireUuid(v, 'campaign.customer_id', c.customerId);
      const fields = checkCampaignFields(v, c);
      const invoiceIds = checkInvoiceIds(v, c.invoiceIds);
      const preset = request.preset ? presetByName(request.preset) : undefined;
      let drafts: StepDraft[] | undefined;
      if (request.preset) {
        if (!preset) v.add('preset', `no preset is named "${request.preset.slice(0, 64)}": the presets are ${PRESETS.map((p) => p.name).join(', ')}`);
        if (c.steps.length) v.add('preset', 'give either campaign.steps or a preset, not both');
      } else {
        drafts = stepDraftsFromProto(c.steps, v);
      }
      // A retry of a create that committed returns it, whatever changed since (templates, invoices).
      if (requestId && !v.any) {
        const earlier = await store.findByRequestId(requestId);
        if (earlier) return { campaign: campaignToProto(earlier) };
      }
      // The templates the steps name are checked with everything else, so every problem is named at once.
      const steps = drafts ? validateSteps(drafts, await templatesByIds(store.reader(), templateIdsOf(drafts)), v) : [];
      v.throwIfAny();

      const invoices = campaignableInvoices(customerId, invoiceIds, await lookUpInvoices(peers, customerId, invoiceIds));
      let presetSteps = steps;
      if (preset) {
        const candidates = await activeTemplatesNamed(store.reader(), presetTemplateNames(preset), [...new Set([DEFAULT_LANGUAGE, 'en'])]);
        const check = new Violations();
        presetSteps = validateSteps(presetDrafts(preset, candidates, DEFAULT_LANGUAGE), new Map(candidates.map((t) => [t.id, t])), check);
        check.throwIfAny();
      }
      const created = await store.create(
        {
          customerId,
          name: fields.name,
          description: fields.description,
          steps: presetSteps,
          invoiceIds,
          preset: preset?.name ?? null,
          anchorDueDate: anchorDueDate(invoices),
          start: request.start,
        },
        requestId,
        context,
      );
      return { campaign: campaignToProto(created) };
    },

    async getCampaign(request) {
      const v = new Violations();
      const id = requireUuid(v, 'campaign_id', request.campaignId);
      v.throwIfAny();
      return { campaign: campaignToProto(await store.get(id)) };
    },

    async listCampaigns(request) {
      const v = new Violations();
      const size = pageSize(request.pageSize);
      const filters = {
        statuses: enumList(v, 'statuses', request.statuses, (n, vv, f) => campaignStatuses.from(n, vv, f, 'campaign status')).sort(),
        customerId: optionalUuid(v, 'customer_id', request.customerId),
        invoiceId: optionalUuid(v, 'invoice_id', request.invoiceId),
        riskLevel: riskLevels.optional(request.riskLevel, v, 'risk_level', 'risk level'),
      };
      v.throwIfAny();
      const fingerprint = filterFingerprint(filters);
      const after = decodePageToken(request.pageToken, fingerprint, ['text', 'uuid']);
      const rows = await store.list(filters, after && [timestampKey(after[0]), after[1]], size + 1);
      const { page, nextPageToken } = paginate(rows, size, (r) => [r.createdAtText, r.id], fingerprint);
      return { campaigns: page.map(campaignToProto), nextPageToken };
    },

    async startCampaign(request, context) {
      const v = new Violations();
      const id = requireUuid(v, 'campaign_id', request.campaignId);
      v.throwIfAny();
      return transition(id, 'start', undefined, context);
    },

    async pauseCampaign(request, context) {
      const v = new Violations();
      const id = requireUuid(v, 'campaign_id', request.campaignId);
      const reason = text(v, 'reason', request.reason, { max: 500 });
      v.throwIfAny();
      return transition(id, 'pause', reason, context);
    },

    async resumeCampaign(request, context) {
      const v = new Violations();
      const id = requireUuid(v, 'campaign_id', request.campaignId);
      v.throwIfAny();
      return transition(id, 'resume', undefined, context);
    },

    async cancelCampaign(request, context) {
      const v = new Violations();
      const id = requireUuid(v, 'campaign_id', request.campaignId);
      const reason = text(v, 'reason', request.reason, { required: true, max: 500 });
      v.throwIfAny();
      return transition(id, 'cancel', reason, context);
    },

    async listCampaignPresets() {
      return { presets: PRESETS.map(presetToProto) };
    },
  };
}
