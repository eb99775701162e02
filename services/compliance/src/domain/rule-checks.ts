/**
 * One check per rule, for the search: what the rule's type says, only while the rule is in
 * force (a rule that ends on effectiveTo stops blocking at the end of that local date).
 * Everything about the rule that does not depend on the instant (its window in milliseconds,
 * its dates as day numbers, when it stops being in force) is worked out once per evaluation.
 */
import { effectiveDatesOf, effectiveEnd, effectiveOn, type EffectiveDates } from './applicable-rules';
import { blackoutOf, checkBlackoutDates } from './blackout-dates';
import type { Blocked, Check, ContactAt, FormatInstant } from './constraint';
import { checkContactWindow, windowOf } from './contact-window';
import { checkConversationCooldown } from './conversation-cooldown';
import type { CustomerZones } from './customer-zones';
import { checkFrequencyCap } from './frequency-cap';
import type { Rule } from './types';
import type { ZoneClock } from './zone-clock';

export interface CheckContext {
  zones: CustomerZones;
  /** The clocks of zones.zones, in order. */
  clocks: readonly ZoneClock[];
  /** The clocks local dates are read in: those of zones.zones, or anywhere (UTC-12..UTC+14) when none is known. */
  readingClocks: readonly ZoneClock[];
  history: readonly ContactAt[];
  format: FormatInstant;
}

export function ruleCheck(rule: Rule, ctx: CheckContext, dates: EffectiveDates | undefined = effectiveDatesOf(rule)): Check {
  const check = typeCheck(rule, ctx);
  let ends: number | null | undefined; // when the rule stops being in force: worked out the first time it blocks
  return (t) => {
    if (!effectiveOn(dates, t, ctx.readingClocks)) return undefined;
    const blocked = check(t);
    if (!blocked) return undefined;
    if (ends === undefined) ends = effectiveEnd(dates, ctx.readingClocks);
    const next = blocked.next === null ? ends : ends === null ? blocked.next : Math.min(blocked.next, ends);
    return { code: blocked.code, message: blocked.message, next };
  };
}

function typeCheck(rule: Rule, { zones, clocks, history, format }: CheckContext): Check {
  switch (rule.type) {
    case 'contact_window': {
      const window = windowOf(rule.parameters);
      return (t) => (clocks.length ? checkContactWindow(window, zones, clocks, t) : unknownLocation(zones, 'contact hours'));
    }
    case 'blackout_dates': {
      const blackout = blackoutOf(rule.parameters);
      return (t) => (clocks.length ? checkBlackoutDates(blackout, zones, clocks, t) : unknownLocation(zones, 'blackout dates'));
    }
    case 'frequency_cap':
      return (t) => checkFrequencyCap(rule.parameters, rule.channels, history, t, format);
    case 'conversation_cooldown':
      return (t) => checkConversationCooldown(rule.parameters, rule.channels, history, t, format);
    case 'channel_block':
      return () => ({ code: 'CHANNEL_BLOCKED', message: `contact by ${rule.channels.join('/')} is blocked`, next: null });
  }
}

function unknownLocation(zones: CustomerZones, what: string): Blocked {
  return { code: 'UNKNOWN_LOCATION', message: `local ${what} cannot be checked for a customer in ${zones.description}`, next: null };
}
