import { pgTimestamp, pgTimestampRequired } from '@cec/orm';
import type { Channel } from '../domain/types';

export interface StoredReason {
  code: string;
  ruleId?: string;
  ruleVersion?: number;
  message: string;
  /** ISO 8601. */
  until?: string;
}

/** A stored decision, with its inputs. */
export interface DecisionRecord {
  id: string;
  customerId: string;
  channel: Channel;
  proposedAt: Date;
  result: 'allow' | 'defer' | 'deny';
  notBefore: Date | null;
  reasons: StoredReason[];
  rules: { ruleId: string; version: number; code: string }[];
  facts: { timeZone: string; countryCode: string; regionCode: string; doNotContact: boolean; optOutId: string | null };
  requestId: string | null;
  requestedBy: string;
  createdAt: Date;
  /** ALLOW: until when its reservation waits for the attempt. */
  reservationExpiresAt: Date | null;
}

export interface DecisionRow {
  id: string;
  customer_id: string;
  channel: Channel;
  proposed_at: string;
  result: DecisionRecord['result'];
  not_before: string | null;
  reasons: { code: string; rule_id: string | null; rule_version: number | null; message: string; until: string | null }[];
  rules: { rule_id: string; version: number; code: string }[];
  facts: { time_zone?: string; country_code?: string; region_code?: string; do_not_contact?: boolean; opt_out_id?: string | null };
  request_id: string | null;
  requested_by: string | null;
  created_at: string;
  reservation_expires_at: string | null;
}

export const DECISION_COLUMNS = `d.id, d.customer_id, d.channel, d.proposed_at::text, d.result, d.not_before::text, d.reasons, d.rules, d.facts,
  d.request_id, d.requested_by, d.created_at::text,
  (SELECT r.expires_at::text FROM contact_reservations r WHERE r.decision_id = d.id) AS reservation_expires_at`;

export function decisionRecordOf(row: DecisionRow): DecisionRecord {
  return {
    id: row.id,
    customerId: row.customer_id,
    channel: row.channel,
    proposedAt: pgTimestampRequired(row.proposed_at),
    result: row.result,
    notBefore: pgTimestamp(row.not_before),
    reasons: row.reasons.map((r) => ({
      code: r.code,
      ruleId: r.rule_id ?? undefined,
      ruleVersion: r.rule_version ?? undefined,
      message: r.message,
      until: r.until ?? undefined,
    })),
    rules: row.rules.map((r) => ({ ruleId: r.rule_id, version: r.version, code: r.code })),
    facts: {
      timeZone: row.facts.time_zone ?? '',
      countryCode: row.facts.country_code ?? '',
      regionCode: row.facts.region_code ?? '',
      doNotContact: row.facts.do_not_contact ?? false,
      optOutId: row.facts.opt_out_id ?? null,
    },
    requestId: row.request_id,
    requestedBy: row.requested_by ?? '',
    createdAt: pgTimestampRequired(row.created_at),
    reservationExpiresAt: pgTimestamp(row.reservation_expires_at),
  };
}
