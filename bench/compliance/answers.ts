/**
 * The answer check before measuring: the same checks, on fresh customers (no history; one
 * customer per server and case, with the same profile, since each ALLOW reserves a slot), go to
 * both servers, and the answers must agree on what the baseline's small decision covers —
 * result, not-before instant, reason codes, the rules that applied, the facts — and be what
 * the rules say (e.g. a call proposed at 06:00 local is deferred to 08:00 local).
 */
import { complianceV1 } from '@cec/proto';
import type { FreshCustomer } from './database';
import { dateText, formatterOf, instantOf, wall, wallText } from './local-time';
import { blackoutDates } from './rules';

const { Channel: C, DecisionResult: D, ReasonCode: R } = complianceV1;

export interface AnswerCase {
  name: string;
  customer: FreshCustomer;
  channel: complianceV1.Channel;
  /** The proposed instant; undefined = now. */
  at?: number;
  expect: { result: complianceV1.DecisionResult; reasons: complianceV1.ReasonCode[]; notBefore?: number };
}

/** Midnight-relative local time `minutes` on the local date `days` after today's, in `zone`. */
function localAt(zone: string, days: number, minutes: number, now: number): number {
  const f = formatterOf(zone) as Intl.DateTimeFormat;
  const today = wall(f, now);
  return instantOf(f, today.year, today.month, today.day + days, minutes);
}

/** Days ahead (1..14) of a Sunday that, like its Monday, is not a blackout date in `zone`. */
function sundayAhead(zone: string, now: number): number {
  const f = formatterOf(zone) as Intl.DateTimeFormat;
  const blackouts = new Set(blackoutDates(new Date(now)));
  for (let days = 1; days <= 14; days++) {
    const sunday = wall(f, localAt(zone, days, 600, now));
    const monday = wall(f, localAt(zone, days + 1, 600, now));
    if (sunday.weekday === 7 && !blackouts.has(dateText(sunday)) && !blackouts.has(dateText(monday))) return days;
  }
  throw new Error('no Sunday found');
}

/** The cases; the fresh customers are made from `customer` (two per case: one per server). */
export function answerCases(now = Date.now()): AnswerCase[] {
  const ny = 'America/New_York';
  const la = 'America/Los_Angeles';
  const berlin = 'Europe/Berlin';
  const sunday = sundayAhead(berlin, now);
  return [
    {
      name: 'call at 06:00 local (New York) -> DEFER to 08:00',
      customer: { zone: ny, country: 'US', region: 'NY' },
      channel: C.CHANNEL_PHONE,
      at: localAt(ny, 1, 6 * 60, now),
      expect: { result: D.DECISION_RESULT_DEFER, reasons: [R.REASON_CODE_OUTSIDE_CONTACT_WINDOW], notBefore: localAt(ny, 1, 8 * 60, now) },
    },
    {
      name: 'text at 22:30 local (California) -> DEFER to 08:00 next day',
      customer: { zone: la, country: 'US', region: 'CA' },
      channel: C.CHANNEL_SMS,
      at: localAt(la, 1, 22 * 60 + 30, now),
      expect: { result: D.DECISION_RESULT_DEFER, reasons: [R.REASON_CODE_OUTSIDE_CONTACT_WINDOW], notBefore: localAt(la, 2, 8 * 60, now) },
    },
    {
      name: 'call on a Sunday at 10:00 (Germany) -> DEFER to Monday 08:00',
      customer: { zone: berlin, country: 'DE', region: 'BY' },
      channel: C.CHANNEL_PHONE,
      at: localAt(berlin, sunday, 10 * 60, now),
      expect: { result: D.DECISION_RESULT_DEFER, reasons: [R.REASON_CODE_OUTSIDE_CONTACT_WINDOW], notBefore: localAt(berlin, sunday + 1, 8 * 60, now) },
    },
    {
      name: 'e-mail at 10:00 local (Massachusetts) -> ALLOW',
      customer: { zone: ny, country: 'US', region: 'MA' },
      channel: C.CHANNEL_EMAIL,
      at: localAt(ny, 1, 10 * 60, now),
      expect: { result: D.DECISION_RESULT_ALLOW, reasons: [] },
    },
    {
      name: 'call at 11:00 local (London) -> ALLOW',
      customer: { zone: 'Europe/London', country: 'GB', region: 'ENG' },
      channel: C.CHANNEL_PHONE,
      at: localAt('Europe/London', 1, 11 * 60, now),
      expect: { result: D.DECISION_RESULT_ALLOW, reasons: [] },
    },
    {
      name: 'do-not-contact customer -> DENY',
      customer: { zone: ny, country: 'US', region: 'NY', doNotContact: true },
      channel: C.CHANNEL_PHONE,
      expect: { result: D.DECISION_RESULT_DENY, reasons: [R.REASON_CODE_DO_NOT_CONTACT] },
    },
    {
      name: 'opted out of calls -> DENY',
      customer: { zone: 'Europe/London', country: 'GB', region: 'ENG', optedOut: 'phone' },
      channel: C.CHANNEL_PHONE,
      at: localAt('Europe/London', 1, 11 * 60, now),
      expect: { result: D.DECISION_RESULT_DENY, reasons: [R.REASON_CODE_OPTED_OUT] },
    },
    {
      name: 'text, nothing known of the location -> DENY',
      customer: { zone: 'UTC', country: null, region: null },
      channel: C.CHANNEL_SMS,
      expect: { result: D.DECISION_RESULT_DENY, reasons: [R.REASON_CODE_UNKNOWN_LOCATION] },
    },
  ];
}

/** The case whose customers get an SMS block rule of their own (CHANNEL_BLOCKED). */
export const BLOCKED_SMS_CASE: Omit<AnswerCase, 'customer'> & { customer: FreshCustomer } = {
  name: 'text to a customer with SMS blocked -> DENY',
  customer: { zone: 'America/Chicago', country: 'US', region: 'TX' },
  channel: C.CHANNEL_SMS,
  expect: { result: D.DECISION_RESULT_DENY, reasons: [R.REASON_CODE_CHANNEL_BLOCKED] },
};

/** What both servers must agree on, as text (the decision ids, times of creation, reservation expiry and messages differ by nature). */
export function comparable(d: complianceV1.Decision | undefined): string {
  if (!d) return 'no decision';
  return JSON.stringify({
    result: complianceV1.decisionResultToJSON(d.result),
    notBefore: d.notBeforeTime?.toISOString() ?? null,
    reasons: d.reasons.map((r) => complianceV1.reasonCodeToJSON(r.code)).sort(),
    rules: d.rules.map((r) => `${r.code} v${r.version}`).sort(),
    facts: [d.timeZone, d.countryCode, d.regionCode, d.doNotContact],
    reserved: d.reservationExpireTime !== undefined,
  });
}

/** Problems of a decision against the case's expectation ([] when as expected). */
export function unexpected(c: AnswerCase, d: complianceV1.Decision | undefined): string[] {
  if (!d) return ['no decision'];
  const problems: string[] = [];
  if (d.result !== c.expect.result) problems.push(`result ${complianceV1.decisionResultToJSON(d.result)}, expected ${complianceV1.decisionResultToJSON(c.expect.result)}`);
  const codes = d.reasons.map((r) => r.code).sort();
  const expected = [...c.expect.reasons].sort();
  if (JSON.stringify(codes) !== JSON.stringify(expected)) {
    problems.push(`reasons ${codes.map(complianceV1.reasonCodeToJSON).join(',') || '-'}, expected ${expected.map(complianceV1.reasonCodeToJSON).join(',') || '-'}`);
  }
  if (c.expect.notBefore !== undefined && d.notBeforeTime?.getTime() !== c.expect.notBefore) {
    const zone = c.customer.zone;
    const f = formatterOf(zone) as Intl.DateTimeFormat;
    const shown = d.notBeforeTime ? wallText(wall(f, d.notBeforeTime.getTime())) : 'none';
    problems.push(`not before ${shown} local, expected ${wallText(wall(f, c.expect.notBefore))} local (${zone})`);
  }
  return problems;
}
