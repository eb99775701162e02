/**
 * contact_window: the local wall-clock time is in [start, end), on an allowed ISO weekday,
 * in every zone the customer could be in. The window can only open at an instant where the
 * wall clock reads `start` (both readings of a repeated hour) or where the clock jumps (a
 * daylight-saving transition: forward over `start`, or back into the window). The next
 * opening is the earliest of those candidates at which the window is actually open, so a
 * window the gap swallows that day is skipped.
 */
import { Temporal } from 'temporal-polyfill';
import type { Blocked } from './constraint';
import type { CustomerZones } from './customer-zones';
import { DAY_MS, formatLocal, localDate, minutesOf, wallClockMs, zoned } from './local-time';
import type { ContactWindowParameters } from './types';

const WEEKDAYS = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const MINUTE_MS = 60_000;

export function inContactWindow(p: ContactWindowParameters, zone: string, ms: number): boolean {
  const z = zoned(ms, zone);
  const wall = wallClockMs(z);
  return wall >= minutesOf(p.start) * MINUTE_MS && wall < minutesOf(p.end) * MINUTE_MS && (!p.days || p.days.includes(z.dayOfWeek));
}

/** The first instant after `t` at which the window is open in `zone`; null if none within 9 days. */
export function nextWindowOpening(p: ContactWindowParameters, zone: string, t: number): number | null {
  const candidates: number[] = [];
  const start = Temporal.PlainTime.from(p.start);
  const today = localDate(t, zone);
  for (let i = -1; i <= 8; i++) {
    const wall = today.add({ days: i }).toPlainDateTime(start);
    const earlier = wall.toZonedDateTime(zone, { disambiguation: 'earlier' });
    const later = wall.toZonedDateTime(zone, { disambiguation: 'later' });
    candidates.push(earlier.epochMilliseconds, later.epochMilliseconds);
  }
  // When `start` falls in a gap the clock passes it at the jump; when the clock falls back
  // it may land inside the window: both are transitions.
  let z: Temporal.ZonedDateTime | null = zoned(t, zone);
  while (z && z.epochMilliseconds <= t + 9 * DAY_MS) {
    z = z.getTimeZoneTransition('next');
    if (z) candidates.push(z.epochMilliseconds);
  }
  const opens = candidates.filter((c) => c > t && inContactWindow(p, zone, c));
  return opens.length ? Math.min(...opens) : null;
}

export function checkContactWindow(p: ContactWindowParameters, zones: CustomerZones, t: number): Blocked | undefined {
  const closed = zones.zones.filter((zone) => !inContactWindow(p, zone, t));
  if (!closed.length) return undefined;
  const openings = closed.map((zone) => ({ zone, at: nextWindowOpening(p, zone, t) }));
  const never = openings.find((o) => o.at === null);
  const binding = never ?? openings.reduce((a, b) => ((b.at as number) > (a.at as number) ? b : a));
  const window = `${p.start}–${p.end}${p.days ? ` on ${p.days.map((d) => WEEKDAYS[d]).join(', ')}` : ''}`;
  const where = zones.source === 'customer' ? zones.zones[0] : `${closed.slice(0, 3).join(', ')}${closed.length > 3 ? ` and ${closed.length - 3} more` : ''} (${zones.description})`;
  const now = `it is ${formatLocal(t, closed[0])}${closed.length > 1 || zones.source !== 'customer' ? ` in ${closed[0]}` : ' there'}`;
  const opens = binding.at === null ? 'it does not open in the next 9 days' : `opens ${formatLocal(binding.at, binding.zone)} local${zones.source === 'customer' ? '' : ` in ${binding.zone}`}`;
  return { code: 'OUTSIDE_CONTACT_WINDOW', message: `outside the contact window ${window} in ${where}: ${now}; ${opens}`, next: binding.at };
}
