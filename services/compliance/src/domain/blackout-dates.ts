/**
 * blackout_dates: no contact while the local date, in any zone the customer could be in,
 * is one of the dates. Contact resumes at the local midnight that starts the first date
 * that is not blacked out (consecutive dates are skipped together).
 */
import { DAY_MS, dateText, dayOf, dayOfDateText } from './civil';
import type { Blocked } from './constraint';
import type { CustomerZones } from './customer-zones';
import { formatLocal } from './local-time';
import type { BlackoutDatesParameters } from './types';
import { clockFor, type ZoneClock } from './zone-clock';

/** The dates as day numbers, read once. Text that is not a 'YYYY-MM-DD' date is kept as text and matched as text. */
export interface Blackout {
  days: Set<number>;
  otherText: Set<string>;
}

export function blackoutOf(p: BlackoutDatesParameters): Blackout {
  const days = new Set<number>();
  const otherText = new Set<string>();
  for (const date of p.dates) {
    const day = dayOfDateText(date);
    if (day === undefined) otherText.add(date);
    else days.add(day);
  }
  return { days, otherText };
}

function isBlackedOut(b: Blackout, day: number): boolean {
  return b.days.has(day) || (b.otherText.size > 0 && b.otherText.has(dateText(day)));
}

/** The first instant after the run of blackout dates that contains `t`'s local date in `zone`; undefined when not blacked out. */
export function blackoutEnd(p: BlackoutDatesParameters, zone: string, t: number): number | undefined {
  return endOfRun(blackoutOf(p), clockFor(zone), t);
}

function endOfRun(b: Blackout, clock: ZoneClock, t: number): number | undefined {
  let day = dayOf(clock.localAt(t));
  if (!isBlackedOut(b, day)) return undefined;
  while (isBlackedOut(b, day)) day++;
  return clock.instantOf(day * DAY_MS, 'startOfDay');
}

/** Checks the dates in every zone of `clocks` (the clocks of zones.zones, in order). */
export function checkBlackoutDates(b: Blackout, zones: CustomerZones, clocks: readonly ZoneClock[], t: number): Blocked | undefined {
  // The zone whose run of dates ends last binds (the first such, in order).
  let binding: { clock: ZoneClock; end: number } | undefined;
  for (const clock of clocks) {
    const end = endOfRun(b, clock, t);
    if (end !== undefined && (!binding || end > binding.end)) binding = { clock, end };
  }
  if (!binding) return undefined;
  const zone = binding.clock.zone;
  const date = dateText(dayOf(binding.clock.localAt(t)));
  const where = zones.source === 'customer' ? zone : `${zone} (${zones.description})`;
  return {
    code: 'BLACKOUT_DATE',
    message: `${date} is a blackout date in ${where}; contact resumes ${formatLocal(binding.end, zone)} local`,
    next: binding.end,
  };
}
