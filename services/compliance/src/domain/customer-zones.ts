/**
 * Which time zones a customer's local time is read in. A missing or unknown zone is never
 * read as UTC: the customer could be in any zone of their country, so local rules (contact
 * windows, blackout dates) must hold in every one of them, the strictest reading.
 */
import { getCountry } from 'countries-and-timezones';
import { isTimeZone } from './local-time';
import type { CustomerFacts } from './types';

export interface CustomerZones {
  /** The customer's zone, or every zone of their country, or [] when neither is known. */
  zones: string[];
  source: 'customer' | 'country' | 'none';
  /** For messages: "America/New_York", "all 29 time zones of US, since …", "an unknown place: …". */
  description: string;
}

/** The IANA zones countries-and-timezones lists for an ISO country code ([] when unknown). */
export function countryZones(countryCode: string): string[] {
  const country = countryCode ? getCountry(countryCode.toUpperCase() as Parameters<typeof getCountry>[0]) : null;
  return (country?.timezones ?? []).filter(isTimeZone);
}

export function customerZones(customer: CustomerFacts): CustomerZones {
  const zone = customer.timeZone.trim();
  if (isTimeZone(zone)) return { zones: [zone], source: 'customer', description: zone };
  const zones = countryZones(customer.countryCode.trim());
  const own = zone ? `"${zone}" is not a known time zone` : 'the customer has no time zone on file';
  const country = customer.countryCode.trim().toUpperCase();
  if (zones.length) return { zones, source: 'country', description: `all ${zones.length} time zones of ${country}, since ${own}` };
  const noCountry = country ? `the country "${country.slice(0, 8)}" is not known` : 'no country is on file';
  return { zones: [], source: 'none', description: `an unknown place: ${own} and ${noCountry}` };
}
