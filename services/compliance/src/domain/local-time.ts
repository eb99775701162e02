/**
 * Local-time helpers. Instants are epoch milliseconds; every offset comes from the zone
 * database through Temporal (cached by zone-clock.ts), so daylight saving and odd offsets
 * (+05:45, +09:30/+10:30) are the zone database's, never arithmetic on hours. Wall-clock
 * fields are plain arithmetic on the instant plus its offset (civil.ts).
 */
import { Temporal } from 'temporal-polyfill';
import { DAY_MS, dateText, dayOf } from './civil';
import { clockFor } from './zone-clock';

/** 24 hours. Windows and cool-downs measured in "days" are days × DAY_MS of elapsed time. */
export { DAY_MS };
export const MINUTE_MS = 60_000;

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

const HH_MM = /^\d\d:\d\d$/;

/** 'HH:MM' (or '24:00') as minutes after midnight. The format is checked by rule-parameters. */
export function minutesOf(hhmm: string): number {
  if (HH_MM.test(hhmm)) return ((hhmm.charCodeAt(0) - 48) * 10 + hhmm.charCodeAt(1) - 48) * 60 + (hhmm.charCodeAt(3) - 48) * 10 + hhmm.charCodeAt(4) - 48;
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

const pad = (n: number): string => (n < 10 ? `0${n}` : String(n));

// The last offset written (one zone's offsets, over and over).
let lastOffset = Number.NaN;
let lastOffsetText = '';

/** '+05:45', '-04:00', '+00:00' ('-00:44:30' with seconds): Temporal's ZonedDateTime#offset. */
export function offsetText(offsetMs: number): string {
  if (offsetMs === lastOffset) return lastOffsetText;
  const abs = Math.abs(offsetMs) / 1000;
  const seconds = abs % 60;
  const minutes = ((abs - seconds) / 60) % 60;
  const hours = Math.floor(abs / 3600);
  lastOffsetText = `${offsetMs < 0 ? '-' : '+'}${pad(hours)}:${pad(minutes)}${seconds ? `:${pad(seconds)}` : ''}`;
  lastOffset = offsetMs;
  return lastOffsetText;
}

/** "2026-03-09 08:00 (UTC-04:00)": the wall clock with its offset, unambiguous in a repeated hour. */
export function formatLocal(ms: number, zone: string): string {
  const offset = clockFor(zone).offsetAt(ms);
  const local = ms + offset;
  const day = dayOf(local);
  const wall = local - day * DAY_MS;
  const millisecond = wall % 1000;
  const second = ((wall - millisecond) / 1000) % 60;
  const minute = Math.floor(wall / 60_000) % 60;
  const hour = Math.floor(wall / 3_600_000);
  const seconds = second || millisecond ? `:${pad(second)}` : '';
  return `${dateText(day)} ${pad(hour)}:${pad(minute)}${seconds} (UTC${offsetText(offset)})`;
}

export function formatUtc(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}
