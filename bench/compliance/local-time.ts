/**
 * Wall-clock time in an IANA zone by Intl (one cached formatter per zone): what the baseline's
 * small decision and the answer check need, without Temporal. Not DST-exact in a skipped or
 * repeated hour, which neither uses.
 */
const formatters = new Map<string, Intl.DateTimeFormat | null>();

/** The zone's formatter, or null when Intl does not know the zone. */
export function formatterOf(zone: string): Intl.DateTimeFormat | null {
  let f = formatters.get(zone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        weekday: 'short',
      });
    } catch {
      f = null;
    }
    formatters.set(zone, f);
  }
  return f;
}

const WEEKDAY: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** A wall clock: date, minutes after midnight, ISO weekday (1 Monday … 7 Sunday). */
export interface Wall {
  year: number;
  month: number;
  day: number;
  minutes: number;
  weekday: number;
}

export function wall(f: Intl.DateTimeFormat, ms: number): Wall {
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(ms)) p[part.type] = part.value;
  return { year: +p.year, month: +p.month, day: +p.day, minutes: +p.hour * 60 + +p.minute, weekday: WEEKDAY[p.weekday] };
}

/** The instant at which the zone's wall clock shows `minutes` after midnight of the date (day may overflow: day 32 is next month). */
export function instantOf(f: Intl.DateTimeFormat, year: number, month: number, day: number, minutes: number): number {
  const asUtc = Date.UTC(year, month - 1, day, 0, minutes);
  let guess = asUtc;
  for (let i = 0; i < 2; i++) {
    const w = wall(f, guess);
    guess = asUtc - (Date.UTC(w.year, w.month - 1, w.day, 0, w.minutes) - guess);
  }
  return guess;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** 'YYYY-MM-DD'. */
export const dateText = (w: Pick<Wall, 'year' | 'month' | 'day'>): string => `${w.year}-${pad(w.month)}-${pad(w.day)}`;

/** 'YYYY-MM-DD HH:MM'. */
export const wallText = (w: Wall): string => `${dateText(w)} ${pad(Math.floor(w.minutes / 60))}:${pad(w.minutes % 60)}`;

/** 'HH:MM' as minutes after midnight. */
export const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
