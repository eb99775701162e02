/**
 * Which rules apply to a customer and channel at an instant: active, naming the channel,
 * scoped to the customer (global; their country; their country and region; them), and
 * effective on their local date. Every rule restricts contact, so the strictest reading of
 * an uncertain local date is "effective if it is effective on any date the customer could
 * be on": in any of their zones, or anywhere on Earth (UTC-12..UTC+14) when no zone is known.
 */
import { Temporal } from 'temporal-polyfill';
import { DAY_MS, dateText, dayOf, dayOfCivil, dayOfDateText, FIRST_4_DIGIT_DAY, LAST_4_DIGIT_DAY } from './civil';
import type { Channel, CustomerFacts, Rule, RuleScope } from './types';
import { clockFor, type ZoneClock } from './zone-clock';

/** The extreme offsets in use, standing in for "somewhere" when no zone is known. */
const ANYWHERE = ['-12:00', '+14:00'];

export function scopeMatches(scope: RuleScope, customer: CustomerFacts): boolean {
  return scopeIs(scope, customer.countryCode.trim().toUpperCase(), customer.regionCode.trim().toUpperCase(), customer.customerId);
}

/** scopeMatches, with the customer's country and region codes already trimmed and in capitals. */
function scopeIs(scope: RuleScope, country: string, region: string, customerId: string): boolean {
  switch (scope.kind) {
    case 'global':
      return true;
    case 'country':
      return country !== '' && scope.country === country;
    case 'region':
      return country !== '' && scope.country === country && region !== '' && scope.region === region;
    case 'customer':
      return scope.customerId === customerId;
  }
}

/** Active, on this channel and scoped to this customer: everything but the dates. */
export function ruleTargets(rule: Rule, customer: CustomerFacts, channel: Channel): boolean {
  return rule.active && rule.channels.includes(channel) && scopeMatches(rule.scope, customer);
}

/** The rules that target the customer on the channel (ruleTargets), the customer's codes read once: a batch's rule list can be long. */
export function targetedRules(rules: readonly Rule[], customer: CustomerFacts, channel: Channel): Rule[] {
  const country = customer.countryCode.trim().toUpperCase();
  const region = customer.regionCode.trim().toUpperCase();
  return rules.filter((rule) => rule.active && rule.channels.includes(channel) && scopeIs(rule.scope, country, region, customer.customerId));
}

/** A first or last effective date: its text, and its day number when it is a 'YYYY-MM-DD' date. */
interface DateBound {
  text: string;
  day: number | undefined;
}

/** A rule's effective dates, read once; undefined when it has none (in force on every date). */
export interface EffectiveDates {
  from?: DateBound;
  to?: DateBound;
}

export function effectiveDatesOf(rule: Rule): EffectiveDates | undefined {
  if (!rule.effectiveFrom && !rule.effectiveTo) return undefined;
  const bound = (text: string | undefined): DateBound | undefined => (text ? { text, day: dayOfDateText(text) } : undefined);
  return { from: bound(rule.effectiveFrom), to: bound(rule.effectiveTo) };
}

/**
 * `text <= dateText(day)` (sign = 1) or `dateText(day) <= text` (sign = −1): the dates were
 * always compared as text. For 'YYYY-MM-DD' dates in years 0..9999 text order is day order,
 * so the day numbers are compared instead.
 */
function within(day: number, bound: DateBound | undefined, sign: 1 | -1): boolean {
  if (!bound) return true;
  if (bound.day !== undefined && day >= FIRST_4_DIGIT_DAY && day <= LAST_4_DIGIT_DAY) return sign * (day - bound.day) >= 0;
  const date = dateText(day);
  return sign === 1 ? bound.text <= date : date <= bound.text;
}

/** True when the rule is in force on the local date at `ms` in one of the clocks' zones. */
export function effectiveOn(dates: EffectiveDates | undefined, ms: number, clocks: readonly ZoneClock[]): boolean {
  if (!dates) return true;
  for (const clock of clocks) {
    const day = dayOf(clock.localAt(ms));
    if (within(day, dates.from, 1) && within(day, dates.to, -1)) return true;
  }
  return false;
}

/** The first instant at which the local date is past the last effective date in every one of the clocks' zones; null when there is no last date. */
export function effectiveEnd(dates: EffectiveDates | undefined, clocks: readonly ZoneClock[]): number | null {
  if (!dates?.to) return null;
  const dayAfter = (dates.to.day ?? temporalDay(dates.to.text)) + 1;
  let end = Number.NEGATIVE_INFINITY;
  for (const clock of clocks) end = Math.max(end, clock.instantOf(dayAfter * DAY_MS, 'startOfDay'));
  return end;
}

/** Text that is not 'YYYY-MM-DD', read by Temporal as it always was (which throws when it cannot). */
function temporalDay(text: string): number {
  const date = Temporal.PlainDate.from(text).withCalendar('iso8601');
  return dayOfCivil(date.year, date.month, date.day);
}

/** The clocks a local date is read in: the customer's zones, or anywhere (UTC-12..UTC+14) when none is known. */
export function readingClocks(zones: readonly string[]): ZoneClock[] {
  return (zones.length ? zones : ANYWHERE).map(clockFor);
}

/** True when the rule is in force on a local date the customer could be on at `ms`. */
export function isEffectiveAt(rule: Rule, ms: number, zones: readonly string[]): boolean {
  const dates = effectiveDatesOf(rule);
  return !dates || effectiveOn(dates, ms, readingClocks(zones));
}

/**
 * For a rule in force at `ms`: the first later instant at which it is in force nowhere the
 * customer could be (local date past effectiveTo in every zone); null when it has no end.
 */
export function effectiveUntil(rule: Rule, zones: readonly string[]): number | null {
  return effectiveEnd(effectiveDatesOf(rule), readingClocks(zones));
}

export function applicableRules(rules: readonly Rule[], customer: CustomerFacts, channel: Channel, at: Date, zones: readonly string[]): Rule[] {
  return rules.filter((rule) => ruleTargets(rule, customer, channel) && isEffectiveAt(rule, at.getTime(), zones));
}
