import { decodePageToken, filterFingerprint, pageSize, paginate, type AsyncService } from '@cec/grpc';
import { Violations } from '@cec/errors';
import type { complianceV1 } from '@cec/proto';
import { idList, optionalUuid, requireUuid, text } from '@cec/validation';
import type { FactsSource } from '../customer-facts';
import { CHANNELS, type Channel } from '../domain/types';
import type { OptOutChannel, OptOutRecord, OptOutStore } from '../store/opt-out-store';
import { channels, optOutSources } from './enums';
import { timestampKey } from './page-keys';

function channelOf(v: Violations, channel: number, all: boolean): OptOutChannel | undefined {
  if (all) {
    if (channel !== 0) v.add('channel', 'must be unset when all_channels is true');
    return 'all';
  }
  if (channel === 0) {
    v.add('channel', 'is required (or set all_channels)');
    return undefined;
  }
  return channels.from(channel, v, 'channel', 'channel');
}

function effectiveTime(v: Violations, value: Date | undefined): Date {
  const now = new Date();
  if (!value) return now;
  if (value.getTime() > now.getTime() + 60_000) v.add('effective_time', 'must not be in the future');
  return value;
}

function recordToProto(r: OptOutRecord): complianceV1.OptOutRecord {
  return {
    id: r.id,
    customerId: r.customerId,
    channel: r.channel === 'all' ? 0 : channels.to(r.channel),
    allChannels: r.channel === 'all',
    optIn: r.kind === 'opt_in',
    source: optOutSources.to(r.source),
    reason: r.reason ?? '',
    effectiveTime: r.effectiveAt,
    expireTime: r.expiresAt ?? undefined,
    createTime: r.recordedAt,
    recordedBy: r.recordedBy ?? '',
  };
}

/** Each channel's state, email, phone and sms in that order: opted out when an opt-out is in force or the customer is do-not-contact. */
function channelStates(inForce: ReadonlyMap<Channel, string | null> | undefined, doNotContact: boolean): complianceV1.ChannelOptOutState[] {
  return CHANNELS.map((c: Channel) => ({
    channel: channels.to(c),
    optedOut: doNotContact || Boolean(inForce?.get(c)),
    optOutId: inForce?.get(c) ?? '',
    doNotContact,
  }));
}

/** escalation.compliance.v1.OptOutService over the append-only opt-out history. */
export function optOutService(store: OptOutStore, facts: FactsSource): AsyncService<complianceV1.OptOutServiceServer> {
  return {
    async recordOptOut(request, context) {
      const v = new Violations();
      const customerId = requireUuid(v, 'customer_id', request.customerId);
      const channel = channelOf(v, request.channel, request.allChannels);
      const source = optOutSources.from(request.source, v, 'source', 'opt-out source');
      const reason = text(v, 'reason', request.reason, { max: 1000 });
      const effectiveAt = effectiveTime(v, request.effectiveTime);
      const expiresAt = request.expireTime ?? null;
      if (expiresAt && expiresAt <= effectiveAt) v.add('expire_time', 'must be after effective_time');
      const requestId = optionalUuid(v, 'request_id', request.requestId);
      v.throwIfAny();
      await facts([customerId]); // NOT_FOUND for an unknown customer, from the customers service
      const record = await store.append(
        { customerId, channel: channel as OptOutChannel, kind: 'opt_out', source: source as string, reason: reason ?? null, effectiveAt, expiresAt },
        requestId,
        context,
      );
      return { record: recordToProto(record) };
    },

    async recordOptIn(request, context) {
      const v = new Violations();
      const customerId = requireUuid(v, 'customer_id', request.customerId);
      const channel = channelOf(v, request.channel, request.allChannels);
      const source = optOutSources.from(request.source, v, 'source', 'opt-out source');
      const reason = text(v, 'reason', request.reason, { required: true, max: 1000 });
      const effectiveAt = effectiveTime(v, request.effectiveTime);
      const requestId = optionalUuid(v, 'request_id', request.requestId);
      v.throwIfAny();
      await facts([customerId]);
      const record = await store.append(
        { customerId, channel: channel as OptOutChannel, kind: 'opt_in', source: source as string, reason: reason as string, effectiveAt, expiresAt: null },
        requestId,
        context,
      );
      return { record: recordToProto(record) };
    },

    async listOptOutHistory(request) {
      const v = new Violations();
      const customerId = requireUuid(v, 'customer_id', request.customerId);
      v.throwIfAny();
      const size = pageSize(request.pageSize);
      const fingerprint = filterFingerprint({ customerId });
      const after = decodePageToken(request.pageToken, fingerprint, ['text', 'uuid']);
      const rows = await store.history(customerId, after && { effectiveAt: timestampKey(after[0]), id: after[1] }, size + 1);
      const { page, nextPageToken } = paginate(rows, size, (r) => [r.effectiveAtText, r.id], fingerprint);
      return { records: page.map(recordToProto), nextPageToken };
    },

    async getOptOutStatus(request) {
      const v = new Violations();
      const customerId = requireUuid(v, 'customer_id', request.customerId);
      v.throwIfAny();
      const profile = (await facts([customerId])).get(customerId);
      const inForce = await store.inForce(customerId, CHANNELS);
      return {
        channels: channelStates(inForce, profile?.doNotContact ?? false),
        asOfTime: new Date(),
      };
    },

    async batchGetOptOutStatus(request) {
      const ids = idList('customer_ids', request.customerIds);
      const profiles = await facts(ids); // NOT_FOUND names the unknown customers, as GetOptOutStatus
      const inForce = await store.inForceMany(ids, CHANNELS);
      return {
        // One per requested id, repeats included, in request order (idList lower-cased the ids).
        statuses: request.customerIds.map((raw) => {
          const customerId = raw.toLowerCase();
          return { customerId, channels: channelStates(inForce.get(customerId), profiles.get(customerId)?.doNotContact ?? false) };
        }),
        asOfTime: new Date(),
      };
    },
  };
}
