/**
 * conversation_cooldown: after a contact on the rule's channels that ended with one of
 * afterOutcomes (a conversation), no contact for days × 24 hours of elapsed time. Only
 * contacts at or before t are considered.
 */
import type { Blocked, ContactAt, FormatInstant } from './constraint';
import { DAY_MS } from './local-time';
import type { Channel, ConversationCooldownParameters } from './types';

export function checkConversationCooldown(
  p: ConversationCooldownParameters,
  channels: readonly Channel[],
  history: readonly ContactAt[],
  t: number,
  format: FormatInstant,
): Blocked | undefined {
  let latest: ContactAt | undefined;
  for (const c of history) {
    if (c.ms <= t && channels.includes(c.channel) && p.afterOutcomes.includes(c.outcome) && (!latest || c.ms > latest.ms)) latest = c;
  }
  if (!latest) return undefined;
  const until = latest.ms + p.days * DAY_MS;
  if (t >= until) return undefined;
  return {
    code: 'COOLDOWN',
    message: `a ${latest.channel} contact ${latest.outcome} at ${format(latest.ms)}; no ${channels.join('/')} contact for ${p.days} days (${p.days * 24} hours) after a conversation, until ${format(until)}`,
    next: until,
  };
}
