/**
 * One check per rule, for the search: what the rule's type says, only while the rule is in
 * force (a rule that ends on effectiveTo stops blocking at the end of that local date).
 */
import { effectiveUntil, isEffectiveAt } from './applicable-rules';
import { checkBlackoutDates } from './blackout-dates';
import type { Blocked, Check, ContactAt, FormatInstant } from './constraint';
import { checkContactWindow } from './contact-window';
import { checkConversationCooldown } from './conversation-cooldown';
import type { CustomerZones } from './customer-zones';
import { checkFrequencyCap } from './frequency-cap';
import type { Rule } from './types';

export interface CheckContext {
  zones: CustomerZones;
  history: readonly ContactAt[];
  format: FormatInstant;
}

export function ruleCheck(rule: Rule, ctx: CheckContext): Check {
  const check = typeCheck(rule, ctx);
  return (t) => {
    if (!isEffectiveAt(rule, t, ctx.zones.zones)) return undefined;
    const blocked = check(t);
    if (!blocked) return undefined;
    const ends = effectiveUntil(rule, ctx.zones.zones);
    const next = blocked.next === null ? ends : ends === null ? blocked.next : Math.min(blocked.next, ends);
    return { ...blocked, next };
  };
}

function typeCheck(rule: Rule, { zones, history, format }: CheckContext): Check {
  switch (rule.type) {
    case 'contact_window':
      return (t) => (zones.zones.length ? checkContactWindow(rule.parameters, zones, t) : unknownLocation(zones, 'contact hours'));
    case 'blackout_dates':
      return (t) => (zones.zones.length ? checkBlackoutDates(rule.parameters, zones, t) : unknownLocation(zones, 'blackout dates'));
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
