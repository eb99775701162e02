/**
 * For the tests: the local-time rules as they were written before the cached clocks
 * (zone-clock.ts), every step a Temporal call. The tests check that the fast code answers
 * exactly as these do.
 */
import { Temporal } from 'temporal-polyfill';
import type { BlackoutDatesParameters, ContactWindowParameters, Rule } from './types';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const ANYWHERE = ['-12:00', '+14:00'];
const pad = (n: number): string => String(n).padStart(2, '0');

export function zoned(ms: number, zone: string): Temporal.ZonedDateTime {
  return Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone);
}

export function offsetMs(zone: string, ms: number): number {
  return zoned(ms, zone).offsetNanoseconds / 1e6;
}

/** Temporal's transitions in (from, to], in order. */
export function transitions(zone: string, from: number, to: number): number[] {
  const found: number[] = [];
  for (let z = zoned(from, zone).getTimeZoneTransition('next'); z && z.epochMilliseconds <= to; z = z.getTimeZoneTransition('next')) found.push(z.epochMilliseconds);
  return found;
}

/** The local wall clock `local` (epoch ms read as UTC) as a PlainDateTime. */
export function plainDateTimeOf(local: number): Temporal.PlainDateTime {
  return zoned(local, 'UTC').toPlainDateTime();
}

export function formatLocal(ms: number, zone: string): string {
  const z = zoned(ms, zone);
  const seconds = z.second || z.millisecond ? `:${pad(z.second)}` : '';
  return `${z.toPlainDate().toString()} ${pad(z.hour)}:${pad(z.minute)}${seconds} (UTC${z.offset})`;
}

const minutesOf = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
};

export function inContactWindow(p: ContactWindowParameters, zone: string, ms: number): boolean {
  const z = zoned(ms, zone);
  const wall = ((z.hour * 60 + z.minute) * 60 + z.second) * 1000 + z.millisecond;
  return wall >= minutesOf(p.start) * MINUTE_MS && wall < minutesOf(p.end) * MINUTE_MS && (!p.days || p.days.includes(z.dayOfWeek));
}

export function nextWindowOpening(p: ContactWindowParameters, zone: string, t: number): number | null {
  const candidates: number[] = [];
  const start = Temporal.PlainTime.from(p.start);
  const today = zoned(t, zone).toPlainDate();
  for (let i = -1; i <= 8; i++) {
    const wall = today.add({ days: i }).toPlainDateTime(start);
    candidates.push(wall.toZonedDateTime(zone, { disambiguation: 'earlier' }).epochMilliseconds, wall.toZonedDateTime(zone, { disambiguation: 'later' }).epochMilliseconds);
  }
  let z: Temporal.ZonedDateTime | null = zoned(t, zone);
  while (z && z.epochMilliseconds <= t + 9 * DAY_MS) {
    z = z.getTimeZoneTransition('next');
    if (z) candidates.push(z.epochMilliseconds);
  }
  const opens = candidates.filter((c) => c > t && inContactWindow(p, zone, c));
  return opens.length ? Math.min(...opens) : null;
}

export function blackoutEnd(p: BlackoutDatesParameters, zone: string, t: number): number | undefined {
  let date = zoned(t, zone).toPlainDate();
  if (!p.dates.includes(date.toString())) return undefined;
  while (p.dates.includes(date.toString())) date = date.add({ days: 1 });
  return date.toZonedDateTime({ timeZone: zone }).epochMilliseconds;
}

export function isEffectiveAt(rule: Rule, ms: number, zones: readonly string[]): boolean {
  if (!rule.effectiveFrom && !rule.effectiveTo) return true;
  return (zones.length ? zones : ANYWHERE).some((zone) => {
    const date = zoned(ms, zone).toPlainDate().toString();
    return (!rule.effectiveFrom || rule.effectiveFrom <= date) && (!rule.effectiveTo || date <= rule.effectiveTo);
  });
}

export function effectiveUntil(rule: Rule, zones: readonly string[]): number | null {
  if (!rule.effectiveTo) return null;
  const dayAfter = Temporal.PlainDate.from(rule.effectiveTo).add({ days: 1 });
  return Math.max(...(zones.length ? zones : ANYWHERE).map((zone) => dayAfter.toZonedDateTime({ timeZone: zone }).epochMilliseconds));
}
