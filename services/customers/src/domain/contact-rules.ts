import type { Violations } from '@cec/errors';

// No whitespace and no control characters (PostgreSQL cannot store NUL: without this a NUL
// would reach the database and fail there as an internal error).
const EMAIL = /^[^@\s\p{Cc}]+@[^@\s\p{Cc}]+\.[^@\s\p{Cc}]+$/u;
const E164 = /^\+[1-9]\d{6,14}$/;
// Region codes CLDR knows that are not ISO 3166-1 countries: groupings (EU, EZ, UN, QO),
// unknown (ZZ), pseudo-locales (XA, XB) and ISO's "exceptionally reserved" codes.
const NOT_COUNTRIES = new Set(['EU', 'EZ', 'UN', 'QO', 'ZZ', 'XA', 'XB', 'AC', 'CP', 'DG', 'EA', 'IC', 'TA']);
// ICU still calls these zones by names that IANA has replaced; answer with IANA's names
// (PostgreSQL knows both spellings).
const ICU_LEGACY_ZONES: Record<string, string> = {
  'Africa/Asmera': 'Africa/Asmara',
  'America/Buenos_Aires': 'America/Argentina/Buenos_Aires',
  'America/Catamarca': 'America/Argentina/Catamarca',
  'America/Coral_Harbour': 'America/Atikokan',
  'America/Cordoba': 'America/Argentina/Cordoba',
  'America/Godthab': 'America/Nuuk',
  'America/Indianapolis': 'America/Indiana/Indianapolis',
  'America/Jujuy': 'America/Argentina/Jujuy',
  'America/Louisville': 'America/Kentucky/Louisville',
  'America/Mendoza': 'America/Argentina/Mendoza',
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Asia/Rangoon': 'Asia/Yangon',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
  'Europe/Kiev': 'Europe/Kyiv',
  'Pacific/Enderbury': 'Pacific/Kanton',
  'Pacific/Ponape': 'Pacific/Pohnpei',
  'Pacific/Truk': 'Pacific/Chuuk',
};
const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });

export function email(v: Violations, field: string, value: string): string | undefined {
  const trimmed = value.trim();
  if (!trimmed) {
    v.add(field, 'is required');
    return undefined;
  }
  if (trimmed.length > 254 || !EMAIL.test(trimmed)) v.add(field, 'must be an email address such as ap@example.com');
  return trimmed;
}

/** E.164 after dropping spaces, dots, dashes and brackets: "+1 (415) 555-0100" -> "+14155550100". */
export function phone(v: Violations, field: string, value: string): string | undefined {
  if (!value.trim()) return undefined;
  const compact = value.replace(/[\s().-]/g, '');
  if (!E164.test(compact)) v.add(field, 'must be an E.164 phone number such as +14155550100');
  return compact;
}

/**
 * An IANA time zone, returned in its canonical spelling ("US/Eastern" -> "America/New_York",
 * "Asia/Calcutta" -> "Asia/Kolkata").
 */
export function timeZone(v: Violations, field: string, value: string): string | undefined {
  const trimmed = value.trim();
  if (!trimmed) return undefined;
  try {
    if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(trimmed)) throw new RangeError();
    const resolved = new Intl.DateTimeFormat('en', { timeZone: trimmed }).resolvedOptions().timeZone;
    // ICU still knows the SystemV zones, which tzdata (and so PostgreSQL) dropped in 2020.
    if (resolved.startsWith('SystemV/')) throw new RangeError();
    return ICU_LEGACY_ZONES[resolved] ?? resolved;
  } catch {
    v.add(field, `must be an IANA time zone such as America/New_York, got "${trimmed.slice(0, 64)}"`);
    return undefined;
  }
}

/** ISO 3166-1 alpha-2, upper case. */
export function countryCode(v: Violations, field: string, value: string): string | undefined {
  const code = value.trim().toUpperCase();
  if (!code) return undefined;
  if (!/^[A-Z]{2}$/.test(code) || NOT_COUNTRIES.has(code) || !regionNames.of(code)) {
    v.add(field, `must be an ISO 3166-1 alpha-2 country code such as US, got "${value.slice(0, 16)}"`);
    return code;
  }
  // Retired or reserved codes CLDR still resolves (UK -> GB, SU -> RU): compliance rules
  // are keyed by the ISO code, so only that one is accepted.
  const current = new Intl.Locale(`und-${code}`).region;
  if (current && current !== code) v.add(field, `must be an ISO 3166-1 alpha-2 country code: use "${current}" instead of "${code}"`);
  return code;
}

/** The subdivision part of ISO 3166-2 ("MA" of US-MA), upper case. */
export function regionCode(v: Violations, field: string, value: string): string | undefined {
  const code = value.trim().toUpperCase();
  if (!code) return undefined;
  if (!/^[A-Z0-9]{1,3}$/.test(code)) v.add(field, `must be an ISO 3166-2 subdivision code such as MA, got "${value.slice(0, 16)}"`);
  return code;
}

/** "US-MA", "US" or "" (unknown): the key of per-jurisdiction compliance rules. */
export function jurisdiction(country: string | null | undefined, region: string | null | undefined): string {
  if (!country) return '';
  return region ? `${country}-${region}` : country;
}
