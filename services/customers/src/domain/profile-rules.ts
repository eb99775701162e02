import { Violations } from '@cec/errors';
import { countryCode, regionCode, timeZone } from './contact-rules';
import { text } from '@cec/validation';
import type { ContactMethod } from './values';

/** The contact preferences a caller may set. */
export interface ProfilePreferences {
  timezone: string;
  countryCode: string | null;
  regionCode: string | null;
  doNotContact: boolean;
  doNotContactReason: string | null;
  notes: string | null;
}

export interface ProfileInput {
  timeZone: string;
  countryCode: string;
  regionCode: string;
  doNotContact: boolean;
  doNotContactReason: string;
  notes: string;
  preferredContactMethod: ContactMethod | undefined;
}

export const UPDATABLE_PROFILE_FIELDS = [
  'preferred_contact_method', 'time_zone', 'country_code', 'region_code', 'do_not_contact', 'do_not_contact_reason', 'notes',
] as const;
export type UpdatableProfileField = (typeof UPDATABLE_PROFILE_FIELDS)[number];

export const DEFAULT_PREFERENCES: ProfilePreferences = {
  timezone: 'UTC',
  countryCode: null,
  regionCode: null,
  doNotContact: false,
  doNotContactReason: null,
  notes: null,
};

function checkConsistency(v: Violations, prefix: string, p: ProfilePreferences): void {
  if (p.regionCode && !p.countryCode && !v.has(`${prefix}.region_code`)) v.add(`${prefix}.region_code`, 'needs country_code');
  if (p.doNotContact && !p.doNotContactReason && !v.has(`${prefix}.do_not_contact_reason`)) {
    v.add(`${prefix}.do_not_contact_reason`, 'is required when do_not_contact is set');
  }
}

/** The preferences after changing the fields in `paths`; violations go to `v` (nothing thrown). */
function mergePreferences(
  current: ProfilePreferences,
  input: ProfileInput,
  paths: ReadonlySet<UpdatableProfileField>,
  v: Violations,
  prefix: string,
): ProfilePreferences {
  const next: ProfilePreferences = { ...current };
  if (paths.has('time_zone')) {
    if (!input.timeZone.trim()) v.add(`${prefix}.time_zone`, 'is required (an IANA time zone such as America/New_York)');
    else next.timezone = timeZone(v, `${prefix}.time_zone`, input.timeZone) ?? next.timezone;
  }
  if (paths.has('country_code')) next.countryCode = countryCode(v, `${prefix}.country_code`, input.countryCode) ?? null;
  if (paths.has('region_code')) next.regionCode = regionCode(v, `${prefix}.region_code`, input.regionCode) ?? null;
  if (paths.has('do_not_contact')) next.doNotContact = input.doNotContact;
  if (paths.has('do_not_contact_reason')) {
    next.doNotContactReason = text(v, `${prefix}.do_not_contact_reason`, input.doNotContactReason, { max: 1000 }) ?? null;
  }
  if (paths.has('notes')) next.notes = text(v, `${prefix}.notes`, input.notes, { max: 4000 }) ?? null;
  if (!next.doNotContact && paths.has('do_not_contact') && !paths.has('do_not_contact_reason')) next.doNotContactReason = null;
  checkConsistency(v, prefix, next);
  return next;
}

/** The preferences after changing the fields in `paths`, validated as a whole; throws InvalidArgumentError. */
export function applyProfileChanges(
  current: ProfilePreferences,
  input: ProfileInput,
  paths: ReadonlySet<UpdatableProfileField>,
  v = new Violations(),
  prefix = 'profile',
): ProfilePreferences {
  const next = mergePreferences(current, input, paths, v, prefix);
  v.throwIfAny();
  return next;
}

/** Preferences given with a new customer (every field that is set); violations go to `v`. */
export function initialPreferences(input: ProfileInput | undefined, v: Violations, prefix = 'profile'): ProfilePreferences {
  if (!input) return { ...DEFAULT_PREFERENCES };
  const paths = new Set<UpdatableProfileField>();
  if (input.timeZone) paths.add('time_zone');
  if (input.countryCode) paths.add('country_code');
  if (input.regionCode) paths.add('region_code');
  if (input.doNotContact) paths.add('do_not_contact');
  if (input.doNotContactReason) paths.add('do_not_contact_reason');
  if (input.notes) paths.add('notes');
  return mergePreferences(DEFAULT_PREFERENCES, input, paths, v, prefix);
}
