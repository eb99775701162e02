/**
 * Calendar arithmetic on day numbers (days since 1970-01-01) in the proleptic Gregorian
 * calendar, Temporal's ISO calendar, with no Temporal objects. A wall clock is handled as
 * "local milliseconds": the epoch milliseconds a UTC clock would show at that reading, so
 * its day is floor(local / DAY_MS) and its time of day the remainder.
 */

export const DAY_MS = 86_400_000;

/** The day number of local milliseconds. */
export function dayOf(local: number): number {
  return Math.floor(local / DAY_MS);
}

/** ISO weekday of a day number: 1 = Monday .. 7 = Sunday (day 0, 1970-01-01, was a Thursday). */
export function isoWeekday(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

/** The day number of a calendar date (month 1..12); days_from_civil of H. Hinnant's date algorithms. */
export function dayOfCivil(year: number, month: number, dayOfMonth: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + dayOfMonth - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

/** The calendar date of a day number; civil_from_days of the same algorithms. */
export function civilOf(dayNumber: number): CivilDate {
  const z = dayNumber + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day: dayOfYear - Math.floor((153 * mp + 2) / 5) + 1 };
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

// The last date written: messages write a few instants of the same day or two.
let lastDay = Number.NaN;
let lastText = '';

/** 'YYYY-MM-DD', exactly as Temporal.PlainDate#toString writes it (±YYYYYY outside years 0..9999). */
export function dateText(dayNumber: number): string {
  if (dayNumber === lastDay) return lastText;
  const { year, month, day } = civilOf(dayNumber);
  const y = year < 0 || year > 9999 ? `${year < 0 ? '-' : '+'}${String(Math.abs(year)).padStart(6, '0')}` : String(year).padStart(4, '0');
  lastText = `${y}-${pad2(month)}-${pad2(day)}`;
  lastDay = dayNumber;
  return lastText;
}

const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * The day number of a real date written 'YYYY-MM-DD' (what dateText writes for years
 * 0..9999), else undefined: such text is compared as text, as it always was.
 */
export function dayOfDateText(text: string): number | undefined {
  const m = DATE_TEXT.exec(text);
  if (!m) return undefined;
  const dayNumber = dayOfCivil(Number(m[1]), Number(m[2]), Number(m[3]));
  return dateText(dayNumber) === text ? dayNumber : undefined;
}

/** The day numbers whose dateText is 'YYYY-MM-DD' with a 4-digit year: there, text order is day order. */
export const FIRST_4_DIGIT_DAY = dayOfCivil(0, 1, 1);
export const LAST_4_DIGIT_DAY = dayOfCivil(9999, 12, 31);
