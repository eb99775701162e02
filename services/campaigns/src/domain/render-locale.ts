/**
 * Which locale a message is written for, and the dates in it. The language is the template's;
 * the conventions (number and date formats) are the customer's country's, unless the template's
 * language names a region of its own:
 *   "en" + US -> en-US, "de" + DE -> de-DE, "de" + AT -> de-AT, "en" + DE -> en-DE (English,
 *   German number formats), "en-GB" + anything -> en-GB, "en" + unknown country -> en.
 */
import { Temporal } from 'temporal-polyfill';

export function renderLocale(language: string, countryCode: string): string {
  if (language.includes('-')) return language;
  if (!/^[A-Z]{2}$/.test(countryCode)) return language;
  const candidate = `${language}-${countryCode}`;
  try {
    return Intl.getCanonicalLocales(candidate)[0] ?? language;
  } catch {
    return language;
  }
}

/** A "YYYY-MM-DD" date written out for the locale: "March 5, 2026", "5. März 2026", "2026年3月5日". */
export function formatDate(date: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));
}

/** Today's date where the customer is ("YYYY-MM-DD"); an unknown or empty zone counts as UTC. */
export function localToday(now: Date, timeZone: string): string {
  const instant = Temporal.Instant.fromEpochMilliseconds(now.getTime());
  try {
    return instant.toZonedDateTimeISO(timeZone || 'UTC').toPlainDate().toString();
  } catch {
    return instant.toZonedDateTimeISO('UTC').toPlainDate().toString();
  }
}

/** Whole days from the due date to the customer's today; 0 when not yet past due. */
export function daysOverdue(dueDate: string, now: Date, timeZone: string): number {
  const days = Temporal.PlainDate.from(dueDate).until(Temporal.PlainDate.from(localToday(now, timeZone)), { largestUnit: 'days' }).days;
  return Math.max(0, days);
}
