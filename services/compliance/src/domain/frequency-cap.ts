/**
 * frequency_cap: allowed while fewer than maxAttempts counted contacts fall in the rolling
 * window (t − windowDays × 24 h, t]. The window is measured in elapsed time, 24 hours per
 * day, not in local calendar days: a contact made exactly windowDays × 24 h before t no
 * longer counts, whatever daylight saving did in between. Contacts after t are ignored.
 */
import type { Blocked, ContactAt, FormatInstant } from './constraint';
import { DAY_MS } from './local-time';
import type { Channel, FrequencyCapParameters } from './types';

/** The instants of the contacts that count against the cap at `t`, oldest first. */
export function countedContacts(p: FrequencyCapParameters, channels: readonly Channel[], history: readonly ContactAt[], t: number): number[] {
  const windowMs = p.windowDays * DAY_MS;
  const times: number[] = [];
  let ascending = true;
  for (const c of history) {
    if (channels.includes(c.channel) && c.ms > t - windowMs && c.ms <= t && (!p.countedOutcomes || p.countedOutcomes.includes(c.outcome))) {
      if (times.length && c.ms < times[times.length - 1]) ascending = false;
      times.push(c.ms);
    }
  }
  return ascending ? times : times.sort((a, b) => a - b);
}

export function checkFrequencyCap(
  p: FrequencyCapParameters,
  channels: readonly Channel[],
  history: readonly ContactAt[],
  t: number,
  format: FormatInstant,
): Blocked | undefined {
  const times = countedContacts(p, channels, history, t);
  if (times.length < p.maxAttempts) return undefined;
  // Enough of the oldest must age out to leave maxAttempts − 1: the (count − max + 1)-th oldest.
  const oldestToAgeOut = times[times.length - p.maxAttempts];
  const next = oldestToAgeOut + p.windowDays * DAY_MS;
  const counted = p.countedOutcomes ? ` (counting ${p.countedOutcomes.join(', ')})` : '';
  return {
    code: 'FREQUENCY_CAP',
    message:
      `${times.length} ${channels.join('/')} contacts${counted} in the ${p.windowDays} days (${p.windowDays * 24} hours) up to ${format(t)}; ` +
      `the cap is ${p.maxAttempts}, so the next is allowed from ${format(next)}, when the contact of ${format(oldestToAgeOut)} ages out`,
    next,
  };
}
