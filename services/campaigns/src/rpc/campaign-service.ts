import { decodePageToken, filterFingerprint, pageSize, paginate, type AsyncService } from '@cec/grpc';
import { Violations } from '@cec/errors';
import type { campaignsV1 } from '@cec/proto';
import { enumList, optionalUuid, requireUuid, text } from '@cec/validation';
import type { CampaignsDeps } from '../campaigns-config';
import type { CampaignAction } from '../domain/campaign-state';
import { PRESETS } from '../domain/presets';
import { CampaignStore } from '../store/campaign-store';
import type { InvoicePeers } from './campaign-invoice-lookup';
import { checkCampaign, readCampaignRequest } from './campaign-draft';
import { campaignToProto, presetToProto, timestampKey } from './campaign-messages';
import { campaignStatuses, riskLevels } from './enums';

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
      const v = new Violations();
      const requestId = optionalUuid(v, 'request_id', request.requestId);
      const read = readCampaignRequest(request.campaign, request.preset, v);
      // A retry of a create that committed returns it, whatever changed since (templates, invoices).
      if (requestId && !v.any) {
        const earlier = await store.findByRequestId(requestId);
        if (earlier) return { campaign: campaignToProto(earlier) };
      }
      const { invoices: _invoices, ...checked } = await checkCampaign(store, peers, read, v);
      const created = await store.create({ ...checked, start: request.start }, requestId, context);
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
