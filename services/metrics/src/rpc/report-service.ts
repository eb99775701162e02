import { decodePageToken, filterFingerprint, pageSize, paginate, type AsyncService } from '@cec/grpc';
import { NotFoundError, Violations } from '@cec/errors';
import type { metricsV1 } from '@cec/proto';
import { requireUuid, optionalUuid } from '@cec/validation';
import { AGENT_TYPES, CAMPAIGN_STATUSES, CONTACT_CHANNELS, optionalOneOf } from '../domain/reports/report-filters';
import { asOfDate, reportPeriod, timeRange } from '../domain/reports/report-period';
import type { ReportStore } from '../store/report-store';
import type { CustomerDirectory } from './customer-directory';
import {
  agentPerformanceToProto,
  agingToProto,
  campaignEffectivenessToProto,
  channelOutcomesToProto,
  communicationToProto,
  currencySummaryToProto,
  stepRecoveryToProto,
} from './report-service-messages';
import { timestampKey } from './report-service-page-keys';

/**
 * escalation.metrics.v1.ReportService: every figure is computed in SQL (migration 014) and defined
 * in services/metrics/README.md. `customers` is asked only whether a customer with no contact
 * attempts exists (GetCustomerCommunications).
 */
export function reportService(store: ReportStore, customers: CustomerDirectory): AsyncService<metricsV1.ReportServiceServer> {
  return {
    async getAgentPerformance(request) {
      const v = new Violations();
      const filters = { agentType: optionalOneOf(v, 'agent_type', request.agentType, AGENT_TYPES) };
      v.throwIfAny();
      const size = pageSize(request.pageSize);
      const fingerprint = filterFingerprint(filters);
      const after = decodePageToken(request.pageToken, fingerprint, ['text', 'uuid']);
      const rows = await store.agentPerformance(filters, after && { name: after[0], id: after[1] }, size + 1);
      const { page, nextPageToken } = paginate(rows, size, (r) => [r.agent_name, r.agent_id], fingerprint);
      return { agents: page.map(agentPerformanceToProto), nextPageToken };
    },

    async getCampaignEffectiveness(request) {
      const v = new Violations();
      const filters = {
        status: optionalOneOf(v, 'status', request.status, CAMPAIGN_STATUSES),
        customerId: optionalUuid(v, 'customer_id', request.customerId),
      };
      v.throwIfAny();
      const size = pageSize(request.pageSize);
      const fingerprint = filterFingerprint(filters);
      const after = decodePageToken(request.pageToken, fingerprint, ['text', 'uuid']);
      const { campaigns, money } = await store.campaignEffectiveness(filters, after && { name: after[0], id: after[1] }, size + 1);
      const { page, nextPageToken } = paginate(campaigns, size, (r) => [r.campaign_name, r.campaign_id], fingerprint);
      return {
        campaigns: page.map((c) => campaignEffectivenessToProto(c, money.filter((m) => m.campaign_id === c.campaign_id))),
        nextPageToken,
      };
    },

    async getOverdueAging(request) {
      const date = asOfDate(request.asOfDate);
      return { asOfDate: date, currencies: agingToProto(await store.overdueAging(date)) };
    },

    async getCustomerCommunications(request) {
      const v = new Violations();
      const customerId = requireUuid(v, 'customer_id', request.customerId);
      const channel = optionalOneOf(v, 'channel', request.channel, CONTACT_CHANNELS);
      const range = timeRange(v, request.startTime, request.endTime);
      v.throwIfAny();
      const filters = { customerId, channel, start: range.start, end: range.end };
      const size = pageSize(request.pageSize);
      const fingerprint = filterFingerprint(filters);
      const after = decodePageToken(request.pageToken, fingerprint, ['text', 'uuid']);
      const rows = await store.customerCommunications(filters, after && { attemptedAt: timestampKey(after[0]), id: after[1] }, size + 1);
      // An empty first page: an unknown customer, or one with no attempts (in this channel and
      // window). metrics_svc cannot read customers; the customers service tells them apart.
      if (!after && !rows.length && !(await customers.exists(customerId))) throw new NotFoundError(`customer ${customerId} does not exist`);
      const { page, nextPageToken } = paginate(rows, size, (r) => [r.attempted_at, r.contact_attempt_id], fingerprint);
      return { communications: page.map(communicationToProto), nextPageToken };
    },

    async getDashboardSummary(request, context) {
      const period = reportPeriod(request);
      const rows = await store.dashboard(period, context);
      return {
        startDate: period.startDate,
        endDate: period.endDate,
        daysInPeriod: period.days,
        recoveryWindowDays: period.recoveryWindowDays,
        currencies: rows.receivables.map(currencySummaryToProto),
        contactOutcomes: rows.contactOutcomes.map(channelOutcomesToProto),
        stepRecovery: stepRecoveryToProto(rows.stepRecovery),
      };
    },
  };
}
