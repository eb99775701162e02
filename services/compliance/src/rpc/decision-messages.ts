import type { complianceV1 } from '@cec/proto';
import type { DecisionRecord } from '../store/decision-rows';
import { channels, decisionResults, reasonCodes } from './enums';

export function decisionToProto(d: DecisionRecord): complianceV1.Decision {
  return {
    id: d.id,
    customerId: d.customerId,
    channel: channels.to(d.channel),
    proposedTime: d.proposedAt,
    result: decisionResults.to(d.result),
    notBeforeTime: d.notBefore ?? undefined,
    reasons: d.reasons.map((r) => ({
      code: reasonCodes.to(r.code),
      ruleId: r.ruleId ?? '',
      ruleVersion: r.ruleVersion ?? 0,
      message: r.message,
      untilTime: r.until ? new Date(r.until) : undefined,
    })),
    rules: d.rules.map((r) => ({ ruleId: r.ruleId, version: r.version, code: r.code })),
    reservationExpireTime: d.reservationExpiresAt ?? undefined,
    timeZone: d.facts.timeZone,
    countryCode: d.facts.countryCode,
    regionCode: d.facts.regionCode,
    doNotContact: d.facts.doNotContact,
    createTime: d.createdAt,
    requestedBy: d.requestedBy,
  };
}
