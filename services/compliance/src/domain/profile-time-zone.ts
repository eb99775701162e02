/**
 * The time zone a customer's profile gives, as far as it can be trusted. The customers
 * database fills a profile's zone with "UTC" when nobody set one, so "UTC" (and its aliases)
 * cannot tell a customer in UTC from a customer whose zone is unknown: it is read as unknown,
 * and the evaluation then takes the strictest reading (every zone of the customer's country).
 * A customer who really keeps UTC has a zone such as Atlantic/Reykjavik or Africa/Abidjan.
 */
const PLACEHOLDER_ZONES = new Set(['utc', 'etc/utc', 'etc/uct', 'uct', 'gmt', 'etc/gmt', 'zulu', 'etc/zulu', 'universal', 'etc/universal']);

export function trustedTimeZone(timeZone: string): string {
  const zone = timeZone.trim();
  return PLACEHOLDER_ZONES.has(zone.toLowerCase()) ? '' : zone;
}
