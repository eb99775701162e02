/**
 * Which locale a message is written for, and the dates in it. The language is the template's;
 * the conventions (number and date formats) are the customer's country's, unless the template's
 * language names a region of its own:
 *   "en" + US -> en-US, "de" + DE -> de-DE, "de" + AT -> de-AT, "en" + DE -> en-DE (English,
 *   German number formats), "en-GB" + anything -> en-GB, "en" + unknown country -> en.
 */
import { Temporal } from 'temporal-polyfill';

/**
 * Intl formatters and Temporal arithmetic are costly next to a message's rendering, and the
 * engine renders thousands a second over a few locales, zones and due dates: the formatters are
 * kept per locale, the locales per language and country, the last answers of localToday per
 * instant and zone (an engine batch renders every message at the same instant) and of
 * daysOverdue per due date and day. Each map is emptied when it holds MAX_CACHED entries.
 */
const MAX_CACHED = 1_000;
const locales = new Map<string, string>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();
const todays = new Map<string, string>();
const overdueDays = new Map<string, number>();

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= MAX_CACHED) map.clear();
  map.set(key, value);
}

export function renderLocale(language: string, countryCode: string): string {
  if (language.includes('-')) return language;
  if (!/^[A-Z]{2}$/.test(countryCode)) return language;
  const candidate = `${language}-${countryCode}`;
  let locale = locales.get(candidate);
  if (locale === undefined) {
    try {
      locale = Intl.getCanonicalLocales(candidate)[0] ?? language;
    } catch {
      locale = language;
    }
    remember(locales, candidate, locale);
  }
  return locale;
}

/** A "YYYY-MM-DD" date written out for the locale: "March 5, 2026", "5. März 2026", "2026年3月5日". */
export function formatDate(date: string, locale: string): string {
  let format = dateFormats.get(locale);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' });
    remember(dateFormats, locale, format);
  }
  return format.format(new Date(`${date}T00:00:00Z`));
}

/** Today's date where the customer is ("YYYY-MM-DD"); an unknown or empty zone counts as UTC. */
export function localToday(now: Date, timeZone: string): string {
  const key = `${now.getTime()}|${timeZone}`;
  const known = todays.get(key);
  if (known !== undefined) return known;
  const instant = Temporal.Instant.fromEpochMilliseconds(now.getTime());
  let today: string;
  try {
    today = instant.toZonedDateTimeISO(timeZone || 'UTC').toPlainDate().toString();
  } catch {
    today = instant.toZonedDateTimeISO('UTC').toPlainDate().toString();
  }
  remember(todays, key, today);
  return today;
}

/** Whole days from the due date to the customer's today; 0 when not yet past due. */
export function daysOverdue(dueDate: string, now: Date, timeZone: string): number {
  const today = localToday(now, timeZone);
  const key = `${dueDate}|${today}`;
  let days = overdueDays.get(key);
  if (days === undefined) {
    days = Math.max(0, Temporal.PlainDate.from(dueDate).until(Temporal.PlainDate.from(today), { largestUnit: 'days' }).days);
    remember(overdueDays, key, days);
  }
  return days;
}
