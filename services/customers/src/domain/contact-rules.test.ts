import { InvalidArgumentError, Violations, type FieldViolation } from '@cec/errors';
import { countryCode, email, jurisdiction, phone, regionCode, timeZone } from './contact-rules';

/** Runs one rule with fresh violations: what it returned and what it objected to. */
function check<T>(rule: (v: Violations, field: string, value: string) => T, value: string): { value: T; errors: FieldViolation[] } {
  const v = new Violations();
  const out = rule(v, 'f', value);
  try {
    v.throwIfAny();
    return { value: out, errors: [] };
  } catch (error) {
    return { value: out, errors: (error as InvalidArgumentError).violations };
  }
}

const ok = <T>(rule: (v: Violations, field: string, value: string) => T, value: string): T => {
  const result = check(rule, value);
  expect(result.errors).toEqual([]);
  return result.value;
};

const fails = <T>(rule: (v: Violations, field: string, value: string) => T, value: string): string => {
  const result = check(rule, value);
  expect(result.errors).toHaveLength(1);
  expect(result.errors[0].field).toBe('f');
  return result.errors[0].description;
};

describe('email', () => {
  it('accepts an address and trims it', () => {
    expect(ok(email, '  ap@acme.example ')).toBe('ap@acme.example');
  });

  it('is required', () => {
    expect(fails(email, '   ')).toBe('is required');
  });

  it.each(['ap', 'ap@', '@acme.example', 'ap@acme', 'a p@acme.example', 'ap@@acme.example', 'ap@acme.example\u0000', 'a\u0085b@acme.example'])(
    'rejects %j',
    (value) => {
      expect(fails(email, value)).toBe('must be an email address such as ap@example.com');
    },
  );

  it('rejects addresses longer than 254 characters', () => {
    const local = 'a'.repeat(64);
    const long = `${local}@${'b'.repeat(186)}.example`; // 64 + 1 + 186 + 8 = 259
    expect(fails(email, long)).toBe('must be an email address such as ap@example.com');
    expect(ok(email, `${local}@${'b'.repeat(181)}.example`)).toHaveLength(254);
  });
});

describe('phone', () => {
  it('normalises to E.164, dropping spaces, dots, dashes and brackets', () => {
    expect(ok(phone, '+1 (415) 555-0100')).toBe('+14155550100');
    expect(ok(phone, '+44.20.7946.0958')).toBe('+442079460958');
  });

  it('treats an empty value as not given', () => {
    expect(ok(phone, '  ')).toBeUndefined();
  });

  it.each(['4155550100', '+0 415 555 0100', '+1 415 555 01OO', '+12345', '+1234567890123456'])('rejects %j', (value) => {
    expect(fails(phone, value)).toBe('must be an E.164 phone number such as +14155550100');
  });
});

describe('timeZone', () => {
  it.each([
    ['America/New_York', 'America/New_York'],
    ['US/Eastern', 'America/New_York'],
    ['america/new_york', 'America/New_York'],
    ['utc', 'UTC'],
    ['Etc/GMT+5', 'Etc/GMT+5'],
    [' Europe/Berlin ', 'Europe/Berlin'],
  ])('accepts %j as %j', (value, canonical) => {
    expect(ok(timeZone, value)).toBe(canonical);
  });

  it.each([
    ['Asia/Kolkata', 'Asia/Kolkata'],
    ['Asia/Calcutta', 'Asia/Kolkata'],
    ['Europe/Kyiv', 'Europe/Kyiv'],
    ['Europe/Kiev', 'Europe/Kyiv'],
    ['Asia/Ho_Chi_Minh', 'Asia/Ho_Chi_Minh'],
    ['America/Nuuk', 'America/Nuuk'],
  ])('answers %j with the IANA name %j, not ICU\'s legacy one', (value, canonical) => {
    expect(ok(timeZone, value)).toBe(canonical);
  });

  it('treats an empty value as not given', () => {
    expect(ok(timeZone, '')).toBeUndefined();
  });

  it.each(['Mars/Olympus_Mons', 'New York', '+05:00', 'America/New_York; DROP TABLE', 'SystemV/EST5', `A${'b'.repeat(64)}`])('rejects %j', (value) => {
    expect(fails(timeZone, value)).toMatch(/^must be an IANA time zone such as America\/New_York, got "/);
  });
});

describe('countryCode', () => {
  it('upper-cases an ISO 3166-1 alpha-2 code', () => {
    expect(ok(countryCode, ' us ')).toBe('US');
    expect(ok(countryCode, 'De')).toBe('DE');
  });

  it('treats an empty value as not given', () => {
    expect(ok(countryCode, '')).toBeUndefined();
  });

  it.each(['USA', 'U1', 'AA', 'ZZ', 'EU', 'UN', 'XA'])('rejects %j', (value) => {
    expect(fails(countryCode, value)).toBe(`must be an ISO 3166-1 alpha-2 country code such as US, got "${value}"`);
  });

  it('rejects a retired code and names the current one', () => {
    expect(fails(countryCode, 'UK')).toBe('must be an ISO 3166-1 alpha-2 country code: use "GB" instead of "UK"');
    expect(fails(countryCode, 'su')).toBe('must be an ISO 3166-1 alpha-2 country code: use "RU" instead of "SU"');
  });
});

describe('regionCode', () => {
  it('upper-cases a subdivision code', () => {
    expect(ok(regionCode, 'ma')).toBe('MA');
    expect(ok(regionCode, '75')).toBe('75');
  });

  it('treats an empty value as not given', () => {
    expect(ok(regionCode, ' ')).toBeUndefined();
  });

  it.each(['US-MA', 'MASS', 'M A'])('rejects %j', (value) => {
    expect(fails(regionCode, value)).toBe(`must be an ISO 3166-2 subdivision code such as MA, got "${value}"`);
  });
});

describe('jurisdiction', () => {
  it('joins country and region', () => {
    expect(jurisdiction('US', 'MA')).toBe('US-MA');
  });

  it('is the country alone without a region', () => {
    expect(jurisdiction('US', null)).toBe('US');
  });

  it('is empty without a country', () => {
    expect(jurisdiction(null, null)).toBe('');
    expect(jurisdiction(undefined, 'MA')).toBe('');
  });
});
