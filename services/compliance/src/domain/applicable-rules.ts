/**
 * Which rules apply to a customer and channel at an instant: active, naming the channel,
 * scoped to the customer (global; their country; their country and region; them), and
 * effective on their local date. Every rule restricts contact, so the strictest reading of
 * an uncertain local date is "effective if it is effective on any date the customer could
 * be on": in any of their zones, or anywhere on Earth (UTC-12..UTC+14) when no zone is known.
 */
import { Temporal } from 'temporal-polyfill';
import { localDate, startOfLocalDay } from './local-time';
import type { Channel, CustomerFacts, Rule, RuleScope } from './types';

/** The extreme offsets in use, standing in for "somewhere" when no zone is known. */
const ANYWHERE = ['-12:00', '+14:00'];

export function scopeMatches(scope: RuleScope, customer: CustomerFacts): boolean {
  const country = customer.countryCode.trim().toUpperCase();
  const region = customer.regionCode.trim().toUpperCase();
  switch (scope.kind) {
    case 'global':
      return true;
    case 'country':
      return country !== '' && scope.country === country;
    case 'region':
      return country !== '' && scope.country === country && region !== '' && scope.region === region;
    case 'customer':
      return scope.customerId === customer.customerId;
  }
}

/** Active, on this channel and scoped to this customer: everything but the dates. */
export function ruleTargets(rule: Rule, customer: CustomerFacts, channel: Channel): boolean {
  return rule.active && rule.channels.includes(channel) && scopeMatches(rule.scope, customer);
}

/** True when the rule is in force on a local date the customer could be on at `ms`. */
export function isEffectiveAt(rule: Rule, ms: number, zones: readonly string[]): boolean {
  if (!rule.effectiveFrom && !rule.effectiveTo) return true;
  return readingZones(zones).some((zone) => {
    const date = localDate(ms, zone).toString();
    return (!rule.effectiveFrom || rule.effectiveFrom <= date) && (!rule.effectiveTo || date <= rule.effectiveTo);
  });
}

/**
 * For a rule in force at `ms`: the first later instant at which it is in force nowhere the
 * customer could be (local date past effectiveTo in every zone); null when it has no end.
 */
export function effectiveUntil(rule: Rule, zones: readonly string[]): number | null {
  if (!rule.effectiveTo) return null;
  const dayAfter = Temporal.PlainDate.from(rule.effectiveTo).add({ days: 1 });
  return Math.max(...readingZones(zones).map((zone) => startOfLocalDay(dayAfter, zone)));
}

export function applicableRules(rules: readonly Rule[], customer: CustomerFacts, channel: Channel, at: Date, zones: readonly string[]): Rule[] {
  return rules.filter((rule) => ruleTargets(rule, customer, channel) && isEffectiveAt(rule, at.getTime(), zones));
}

function readingZones(zones: readonly string[]): readonly string[] {
  return zones.length ? zones : ANYWHERE;
}
