import { decodePageToken, filterFingerprint, pageSize, paginate, type AsyncService } from '@cec/grpc';
import { Violations } from '@cec/errors';
import { campaignsV1 } from '@cec/proto';
import { requireUuid } from '@cec/validation';
import type { CampaignsDeps } from '../campaigns-config';
import { ContactAttemptStore } from '../store/contact-attempt-store';
import { actsForAnotherAgent, AgentRefusals, notOwnAttempt, callingAgent } from './agent-identity';
import { attemptInput, timestampKey, toContactAttempt } from './contact-attempt-messages';
import { channels, contactStatuses } from './enums';

/** escalation.campaigns.v1.ContactAttemptService. */
export function contactAttemptService(deps: Pick<CampaignsDeps, 'orm'>): AsyncService<campaignsV1.ContactAttemptServiceServer> {
  const store = new ContactAttemptStore(deps.orm);
  const refusals = new AgentRefusals(deps.orm, 'campaigns');
  const methods = campaignsV1.ContactAttemptServiceService;
  return {
    async recordContactAttempt(request, context) {
      const v = new Violations();
      const input = attemptInput(request.attempt, request.requestId, v);
      v.throwIfAny();
      // An agent records the contacts it made: attempt.agent_id is its own id.
      await refusals.check(context, methods.recordContactAttempt.path, actsForAnotherAgent(context, input.agentId, 'attempt.agent_id'));
      return { attempt: toContactAttempt(await store.record(input, context)) };
    },

    async updateContactStatus(request, context) {
      const v = new Violations();
      const id = requireUuid(v, 'contact_attempt_id', request.contactAttemptId);
      const status = contactStatuses.from(request.status, v, 'status', 'contact status');
      v.throwIfAny();
      // An agent reports receipts of its own attempts only (an attempt's agent never changes).
      if (callingAgent(context) !== undefined) {
        const attempt = await store.get(id);
        await refusals.check(context, methods.updateContactStatus.path, notOwnAttempt(context, id, attempt.agent_id));
      }
      const row = await store.updateStatus(id, status as NonNullable<typeof status>, request.statusTime ?? new Date(), context);
      return { attempt: toContactAttempt(row) };
    },

    async getContactAttempt(request) {
      const v = new Violations();
      const id = requireUuid(v, 'contact_attempt_id', request.contactAttemptId);
      v.throwIfAny();
      return { attempt: toContactAttempt(await store.get(id)) };
    },

    async listCustomerCommunications(request) {
      const v = new Violations();
      const customerId = requireUuid(v, 'customer_id', request.customerId);
      const channel = channels.optional(request.channel, v, 'channel', 'channel');
      if (request.pageSize < 0) v.add('page_size', `must not be negative, got ${request.pageSize}`);
      v.throwIfAny();
      const size = pageSize(request.pageSize);
      const fingerprint = filterFingerprint({ customerId, channel });
      const after = decodePageToken(request.pageToken, fingerprint, ['text', 'uuid']);
      const rows = await store.listForCustomer(customerId, channel, after && [timestampKey(after[0]), after[1]], size + 1);
      const { page, nextPageToken } = paginate(rows, size, (r) => [r.attempted_at, r.id], fingerprint);
      return { attempts: page.map(toContactAttempt), nextPageToken };
    },
  };
}
