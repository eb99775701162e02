/**
 * blackout_dates: no contact while the local date, in any zone the customer could be in,
 * is one of the dates. Contact resumes at the local midnight that starts the first date
 * that is not blacked out (consecutive dates are skipped together).
 */
import type { Blocked } from './constraint';
import type { CustomerZones } from './customer-zones';
import { formatLocal, localDate, startOfLocalDay } from './local-time';
import type { BlackoutDatesParameters } from './types';

/** The first instant after the run of blackout dates that contains `t`'s local date in `zone`; undefined when not blacked out. */
export function blackoutEnd(p: BlackoutDatesParameters, zone: string, t: number): number | undefined {
  let date = localDate(t, zone);
  if (!p.dates.includes(date.toString())) return undefined;
  while (p.dates.includes(date.toString())) date = date.add({ days: 1 });
  return startOfLocalDay(date, zone);
}

export function checkBlackoutDates(p: BlackoutDatesParameters, zones: CustomerZones, t: number): Blocked | undefined {
  const hits = zones.zones.flatMap((zone) => {
    const end = blackoutEnd(p, zone, t);
    return end === undefined ? [] : [{ zone, end }];
  });
  if (!hits.length) return undefined;
  const binding = hits.reduce((a, b) => (b.end > a.end ? b : a));
  const date = localDate(t, binding.zone).toString();
  const where = zones.source === 'customer' ? binding.zone : `${binding.zone} (${zones.description})`;
  return {
    code: 'BLACKOUT_DATE',
    message: `${date} is a blackout date in ${where}; contact resumes ${formatLocal(binding.end, binding.zone)} local`,
    next: binding.end,
  };
}
