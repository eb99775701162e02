/**
 * Local-time helpers over temporal-polyfill. Instants are epoch milliseconds here; every
 * conversion to a wall clock goes through Temporal, so daylight saving and odd offsets
 * (+05:45, +09:30/+10:30) are the zone database's, never arithmetic on hours.
 */
import { Temporal } from 'temporal-polyfill';

/** 24 hours. Windows and cool-downs measured in "days" are days × DAY_MS of elapsed time. */
export const DAY_MS = 86_400_000;

// Zone names come from customer profiles: the cache is bounded so junk cannot grow it forever.
const validZones = new Map<string, boolean>();
const MAX_CACHED_ZONES = 2000;

/** True when Temporal knows the zone ('America/New_York'); '' and made-up names are not zones. */
export function isTimeZone(zone: string): boolean {
  if (!zone) return false;
  let known = validZones.get(zone);
  if (known === undefined) {
    try {
      Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(zone);
      known = true;
    } catch {
      known = false;
    }
    if (validZones.size >= MAX_CACHED_ZONES) validZones.clear();
    validZones.set(zone, known);
  }
  return known;
}

export function zoned(ms: number, zone: string): Temporal.ZonedDateTime {
  return Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone);
}

export function localDate(ms: number, zone: string): Temporal.PlainDate {
  return zoned(ms, zone).toPlainDate();
}

/** The first instant of a local date (midnight, or the end of a gap when midnight is skipped). */
export function startOfLocalDay(date: Temporal.PlainDate, zone: string): number {
  return date.toZonedDateTime({ timeZone: zone }).epochMilliseconds;
}

/** Milliseconds since local midnight on the wall clock (what the clock on the wall shows). */
export function wallClockMs(z: Temporal.ZonedDateTime): number {
  return ((z.hour * 60 + z.minute) * 60 + z.second) * 1000 + z.millisecond;
}

/** 'HH:MM' (or '24:00') as minutes after midnight. The format is checked by rule-parameters. */
export function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** "2026-03-09 08:00 (UTC-04:00)": the wall clock with its offset, unambiguous in a repeated hour. */
export function formatLocal(ms: number, zone: string): string {
  const z = zoned(ms, zone);
  const seconds = z.second || z.millisecond ? `:${pad(z.second)}` : '';
  return `${z.toPlainDate().toString()} ${pad(z.hour)}:${pad(z.minute)}${seconds} (UTC${z.offset})`;
}

export function formatUtc(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}
