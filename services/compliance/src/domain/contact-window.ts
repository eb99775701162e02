/**
 * contact_window: the local wall-clock time is in [start, end), on an allowed ISO weekday,
 * in every zone the customer could be in. The window can only open at an instant where the
 * wall clock reads `start` (both readings of a repeated hour) or where the clock jumps (a
 * daylight-saving transition: forward over `start`, or back into the window). The next
 * opening is the earliest of those candidates at which the window is actually open, so a
 * window the gap swallows that day is skipped.
 */
import { Temporal } from 'temporal-polyfill';
import { DAY_MS, dayOf, isoWeekday } from './civil';
import type { Blocked } from './constraint';
import type { CustomerZones } from './customer-zones';
import { formatLocal, MINUTE_MS, minutesOf } from './local-time';
import type { ContactWindowParameters } from './types';
import { clockFor, type ZoneClock } from './zone-clock';

const WEEKDAYS = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
const SEARCH_MS = 9 * DAY_MS;

/** A window's parameters, read once: [startMs, endMs) after local midnight and the weekdays as bits (1 << ISO weekday). */
export interface Window {
  parameters: ContactWindowParameters;
  startMs: number;
  endMs: number;
  weekdays: number;
  /** `start` is 'HH:MM', as rule-parameters requires: the fast search applies. */
  fast: boolean;
}

export function windowOf(p: ContactWindowParameters): Window {
  let weekdays = 0xff;
  if (p.days) {
    weekdays = 0;
    for (const d of p.days) if (Number.isInteger(d) && d >= 1 && d <= 7) weekdays |= 1 << d;
  }
  return { parameters: p, startMs: minutesOf(p.start) * MINUTE_MS, endMs: minutesOf(p.end) * MINUTE_MS, weekdays, fast: HH_MM.test(p.start) };
}

export function inContactWindow(p: ContactWindowParameters, zone: string, ms: number): boolean {
  return isOpen(windowOf(p), clockFor(zone), ms);
}

function isOpen(w: Window, clock: ZoneClock, ms: number): boolean {
  const local = clock.localAt(ms);
  const day = dayOf(local);
  const wall = local - day * DAY_MS;
  return wall >= w.startMs && wall < w.endMs && (w.weekdays & (1 << isoWeekday(day))) !== 0;
}

/** The first instant after `t` at which the window is open in `zone`; null if none within 9 days. */
export function nextWindowOpening(p: ContactWindowParameters, zone: string, t: number): number | null {
  return nextOpening(windowOf(p), clockFor(zone), t);
}

function nextOpening(w: Window, clock: ZoneClock, t: number): number | null {
  return finalOpening(w.fast ? firstOpenCandidate(w, clock, t) : Number.POSITIVE_INFINITY, w, clock, t);
}

/**
 * Temporal's search also proposes the first transition after t + 9 days. An opening found by
 * t + 9 days comes before it, so is the answer; otherwise Temporal decides, as it always did.
 */
function finalOpening(first: number, w: Window, clock: ZoneClock, t: number): number | null {
  return first <= t + SEARCH_MS ? first : nextWindowOpeningByTemporal(w.parameters, clock.zone, t);
}

/**
 * nextOpening in each zone. firstOpenCandidate reads offsets between t − 6 days and t + 13
 * days only (days −1..8 around t, a day either side of each reading, transitions to t + 9
 * days; offsets are under a day), so zones whose offsets agree over that span (the same
 * offset at its start, the same transitions in it: a country's zones mostly do) get the same
 * answer from it: it runs once for each such group.
 */
function nextOpenings(w: Window, clocks: readonly ZoneClock[], t: number): (number | null)[] {
  const groups: { offsets: number[]; first: number }[] = [];
  return clocks.map((clock) => {
    if (!w.fast) return nextOpening(w, clock, t);
    const offsets = offsetsAround(clock, t - 6 * DAY_MS, t + 13 * DAY_MS);
    let group = groups.find((g) => sameNumbers(g.offsets, offsets));
    if (!group) groups.push((group = { offsets, first: firstOpenCandidate(w, clock, t) }));
    return finalOpening(group.first, w, clock, t);
  });
}

/** The offset at `from`, then each transition in (from, until] and the offset it starts. */
function offsetsAround(clock: ZoneClock, from: number, until: number): number[] {
  const offsets = [clock.offsetAt(from)];
  for (let at = clock.nextTransition(from, until); at === at; at = clock.nextTransition(at, until)) offsets.push(at, clock.offsetAt(at));
  return offsets;
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The candidates of nextWindowOpeningByTemporal up to t + 9 days, from the zone's cached
 * offsets: both readings of `start` on the local days −1..8 around t, and the transitions in
 * (t, t + 9 days]. Returns the earliest open one after t (Infinity when none).
 */
function firstOpenCandidate(w: Window, clock: ZoneClock, t: number): number {
  let best = Number.POSITIVE_INFINITY;
  const today = dayOf(clock.localAt(t));
  for (let i = -1; i <= 8; i++) {
    const wall = (today + i) * DAY_MS + w.startMs;
    const earlier = clock.instantOf(wall, 'earlier');
    if (earlier > t && earlier < best && isOpen(w, clock, earlier)) best = earlier;
    const later = clock.instantOf(wall, 'later');
    if (later > t && later < best && isOpen(w, clock, later)) best = later;
  }
  const until = t + SEARCH_MS;
  for (let at = clock.nextTransition(t, until); at < best; at = clock.nextTransition(at, until)) {
    if (isOpen(w, clock, at)) best = at;
  }
  return best;
}

/** The reference search, all in Temporal: used when the cached one cannot decide (a window that does not open within 9 days). */
function nextWindowOpeningByTemporal(p: ContactWindowParameters, zone: string, t: number): number | null {
  const zoned = (ms: number): Temporal.ZonedDateTime => Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone);
  const candidates: number[] = [];
  const start = Temporal.PlainTime.from(p.start);
  const today = zoned(t).toPlainDate();
  for (let i = -1; i <= 8; i++) {
    const wall = today.add({ days: i }).toPlainDateTime(start);
    const earlier = wall.toZonedDateTime(zone, { disambiguation: 'earlier' });
    const later = wall.toZonedDateTime(zone, { disambiguation: 'later' });
    candidates.push(earlier.epochMilliseconds, later.epochMilliseconds);
  }
  // When `start` falls in a gap the clock passes it at the jump; when the clock falls back
  // it may land inside the window: both are transitions.
  let z: Temporal.ZonedDateTime | null = zoned(t);
  while (z && z.epochMilliseconds <= t + SEARCH_MS) {
    z = z.getTimeZoneTransition('next');
    if (z) candidates.push(z.epochMilliseconds);
  }
  const opens = candidates.filter((c) => c > t && inContactWindow(p, zone, c));
  return opens.length ? Math.min(...opens) : null;
}

/** Checks the window in every zone of `clocks` (the clocks of zones.zones, in order). */
export function checkContactWindow(w: Window, zones: CustomerZones, clocks: readonly ZoneClock[], t: number): Blocked | undefined {
  let closed: ZoneClock[] | undefined;
  for (const clock of clocks) if (!isOpen(w, clock, t)) (closed ??= []).push(clock);
  if (!closed) return undefined;
  // The zone whose window opens last binds (the first such, in order); one that never opens binds at once.
  const openings = closed.length === 1 ? [nextOpening(w, closed[0], t)] : nextOpenings(w, closed, t);
  let bound = openings.indexOf(null);
  if (bound < 0) {
    bound = 0;
    for (let i = 1; i < openings.length; i++) if ((openings[i] as number) > (openings[bound] as number)) bound = i;
  }
  const zone = closed[bound].zone;
  const at = openings[bound];
  const p = w.parameters;
  const names = closed.map((c) => c.zone);
  const window = `${p.start}–${p.end}${p.days ? ` on ${p.days.map((d) => WEEKDAYS[d]).join(', ')}` : ''}`;
  const where = zones.source === 'customer' ? zones.zones[0] : `${names.slice(0, 3).join(', ')}${names.length > 3 ? ` and ${names.length - 3} more` : ''} (${zones.description})`;
  const now = `it is ${formatLocal(t, names[0])}${names.length > 1 || zones.source !== 'customer' ? ` in ${names[0]}` : ' there'}`;
  const opens = at === null ? 'it does not open in the next 9 days' : `opens ${formatLocal(at, zone)} local${zones.source === 'customer' ? '' : ` in ${zone}`}`;
  return { code: 'OUTSIDE_CONTACT_WINDOW', message: `outside the contact window ${window} in ${where}: ${now}; ${opens}`, next: at };
}
