import { Temporal } from 'temporal-polyfill';

/** A place for the demo's customer: its IANA zone, country (ISO 3166-1) and a city to name it by. */
export interface Place {
  zone: string;
  country: string;
  city: string;
}

/**
 * One place per hour of offset from UTC-11 to UTC+13 (zones without daylight saving where one is
 * at hand, none of them in the United States: the demo data's house rule there holds e-mail to
 * 08:00-21:00 too, and the first contact of the story is an e-mail sent now).
 */
export const PLACES: readonly Place[] = [
  { zone: 'Pacific/Niue', country: 'NU', city: 'Alofi' },
  { zone: 'Pacific/Tahiti', country: 'PF', city: 'Papeete' },
  { zone: 'Pacific/Gambier', country: 'PF', city: 'Rikitea' },
  { zone: 'Pacific/Pitcairn', country: 'PN', city: 'Adamstown' },
  { zone: 'America/Hermosillo', country: 'MX', city: 'Hermosillo' },
  { zone: 'America/Costa_Rica', country: 'CR', city: 'San José' },
  { zone: 'America/Bogota', country: 'CO', city: 'Bogotá' },
  { zone: 'America/La_Paz', country: 'BO', city: 'La Paz' },
  { zone: 'America/Montevideo', country: 'UY', city: 'Montevideo' },
  { zone: 'America/Noronha', country: 'BR', city: 'Fernando de Noronha' },
  { zone: 'Atlantic/Cape_Verde', country: 'CV', city: 'Praia' },
  { zone: 'Africa/Abidjan', country: 'CI', city: 'Abidjan' },
  { zone: 'Africa/Lagos', country: 'NG', city: 'Lagos' },
  { zone: 'Africa/Johannesburg', country: 'ZA', city: 'Johannesburg' },
  { zone: 'Africa/Nairobi', country: 'KE', city: 'Nairobi' },
  { zone: 'Asia/Dubai', country: 'AE', city: 'Dubai' },
  { zone: 'Asia/Karachi', country: 'PK', city: 'Karachi' },
  { zone: 'Asia/Dhaka', country: 'BD', city: 'Dhaka' },
  { zone: 'Asia/Bangkok', country: 'TH', city: 'Bangkok' },
  { zone: 'Asia/Singapore', country: 'SG', city: 'Singapore' },
  { zone: 'Asia/Tokyo', country: 'JP', city: 'Tokyo' },
  { zone: 'Australia/Brisbane', country: 'AU', city: 'Brisbane' },
  { zone: 'Pacific/Noumea', country: 'NC', city: 'Nouméa' },
  { zone: 'Pacific/Fiji', country: 'FJ', city: 'Suva' },
  { zone: 'Pacific/Tongatapu', country: 'TO', city: 'Nukuʻalofa' },
];

/** How far the local clock is from 02:00, either way, in minutes. */
function minutesFromTwoAm(local: Temporal.ZonedDateTime): number {
  const minutes = local.hour * 60 + local.minute;
  const diff = Math.abs(minutes - 120);
  return Math.min(diff, 24 * 60 - diff);
}

/**
 * The place where it is closest to 02:00 at `now` (computed from the current UTC time and each
 * zone's rules, daylight saving included): night there, with hours to go before 08:00, so a
 * call or a text is deferred whenever the demo runs.
 */
export function placeAtNight(now = new Date()): Place & { localTime: Temporal.ZonedDateTime } {
  const instant = Temporal.Instant.fromEpochMilliseconds(now.getTime());
  const ranked = PLACES.map((place) => ({ ...place, localTime: instant.toZonedDateTimeISO(place.zone) })).sort(
    (a, b) => minutesFromTwoAm(a.localTime) - minutesFromTwoAm(b.localTime),
  );
  return ranked[0];
}
