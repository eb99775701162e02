import { InvalidArgumentError } from '@cec/errors';
import { contact, customer, decide, expectFirstAllowed, outcomeOf, rule } from './test-fixtures';
import type { Rule } from './types';

const hours = (more: Parameters<typeof rule>[2] = {}): Rule => rule('contact_window', { start: '08:00', end: '21:00' }, { channels: ['phone', 'sms'], code: 'hours', ...more });
const noZone = { timeZone: '', countryCode: '', regionCode: '' };

describe('denials', () => {
  // 2026-03-10T15:00Z is 11:00 EDT: inside the window, so only the denials speak.
  const at = '2026-03-10T15:00:00Z';

  it.each([
    ['opted out', { optedOut: true }, ['OPTED_OUT']],
    ['do not contact', { customer: customer({ doNotContact: true }) }, ['DO_NOT_CONTACT']],
    ['channel blocked', { rules: [rule('channel_block', {}, { code: 'no_calls' })] }, ['CHANNEL_BLOCKED']],
    [
      'all three, each named',
      { optedOut: true, customer: customer({ doNotContact: true }), rules: [rule('channel_block', {}, { code: 'no_calls' })] },
      ['OPTED_OUT', 'DO_NOT_CONTACT', 'CHANNEL_BLOCKED'],
    ],
  ])('%s -> DENY %j', (_what, q, codes) => {
    const d = decide({ at, ...q });
    expect(d.result).toBe('DENY');
    expect(d.notBefore).toBeUndefined();
    expect(d.reasons.map((r) => r.code)).toEqual(codes);
  });

  it('denies an opted-out customer even outside the window (DENY over DEFER)', () => {
    // 2026-03-10T03:00Z is 23:00 EDT on the 9th: the window alone would DEFER.
    const d = decide({ rules: [hours()], optedOut: true, at: '2026-03-10T03:00:00Z' });
    expect(outcomeOf(d)).toBe('DENY');
    expect(d.reasons.map((r) => r.code)).toEqual(['OPTED_OUT']);
    expect(d.applied.map((r) => r.code)).toEqual(['hours']);
  });

  it('names the blocking rule by id and version', () => {
    const block = rule('channel_block', {}, { code: 'no_sms', channels: ['sms'], version: 3 });
    const d = decide({ rules: [block], channel: 'sms', at });
    expect(d.reasons).toEqual([{ code: 'CHANNEL_BLOCKED', ruleId: block.id, ruleVersion: 3, message: 'no_sms v3: contact by sms is blocked' }]);
    expect(decide({ rules: [block], channel: 'phone', at }).result).toBe('ALLOW');
  });
});

describe('unknown time zone', () => {
  it.each([
    // June: EDT is UTC-04:00, Pacific/Honolulu UTC-10:00 (no DST), America/Adak HDT UTC-09:00.
    // 2026-06-15T12:00Z is 08:00 in New York but 02:00 in Honolulu: the window must hold in
    // every US zone, and opens last in Honolulu, 08:00 HST = 18:00Z (14:00 EDT).
    ['US, 08:00 Eastern', { ...noZone, countryCode: 'US' }, '2026-06-15T12:00:00Z', 'DEFER 2026-06-15T18:00:00.000Z'],
    // 2026-06-16T00:30Z: 20:30 EDT and 14:30 HST, inside everywhere.
    ['US, 20:30 Eastern', { ...noZone, countryCode: 'US' }, '2026-06-16T00:30:00Z', 'ALLOW'],
    // 2026-06-16T01:00Z: 21:00 EDT closes the window in New York until 08:00 HST = 18:00Z.
    ['US, 21:00 Eastern', { ...noZone, countryCode: 'US' }, '2026-06-16T01:00:00Z', 'DEFER 2026-06-16T18:00:00.000Z'],
    // A made-up zone is no zone: the same reading.
    ['US, zone "Mars/Olympus"', { ...noZone, timeZone: 'Mars/Olympus', countryCode: 'US' }, '2026-06-15T12:00:00Z', 'DEFER 2026-06-15T18:00:00.000Z'],
    // Never UTC: at 12:00Z a customer read as UTC would be allowed.
    ['no zone, no country', noZone, '2026-06-15T12:00:00Z', 'DENY'],
    ['made-up zone and made-up country', { ...noZone, timeZone: 'Nowhere/Town', countryCode: 'QQ' }, '2026-06-15T12:00:00Z', 'DENY'],
  ])('%s -> %s', (_what, facts, at, expected) => {
    expect(outcomeOf(decide({ rules: [hours({ scope: { kind: 'global' } })], customer: customer(facts), at }))).toBe(expected);
  });

  it('says the window is checked in every zone of the country', () => {
    const d = decide({ rules: [hours()], customer: customer({ ...noZone, countryCode: 'US' }), at: '2026-06-15T12:00:00Z' });
    expect(d.reasons[0].message).toContain('(all 29 time zones of US, since the customer has no time zone on file)');
    // The first zone listed that is closed is America/Adak (HDT, UTC-09:00): 03:00 there. The
    // binding opening is Honolulu's.
    expect(d.reasons[0].message).toContain('it is 2026-06-15 03:00 (UTC-09:00) in America/Adak');
    expect(d.reasons[0].message).toContain('opens 2026-06-15 08:00 (UTC-10:00) local in Pacific/Honolulu');
  });

  it('refuses calls and texts with no zone and no country, with or without rules', () => {
    for (const channel of ['phone', 'sms'] as const) {
      const d = decide({ rules: [], customer: customer(noZone), channel, at: '2026-06-15T16:00:00Z' });
      expect(d.result).toBe('DENY');
      expect(d.reasons.map((r) => r.code)).toEqual(['UNKNOWN_LOCATION']);
    }
  });

  it('lets email through with no zone unless a local-time rule covers email', () => {
    const c = customer(noZone);
    const cap = rule('frequency_cap', { maxAttempts: 3, windowDays: 7 }, { channels: ['email'] });
    expect(decide({ rules: [cap, hours()], customer: c, channel: 'email', at: '2026-06-15T16:00:00Z' }).result).toBe('ALLOW');
    const emailHours = rule('contact_window', { start: '08:00', end: '20:00' }, { channels: ['email'], code: 'email_hours' });
    const holiday = rule('blackout_dates', { dates: ['2026-07-04'] }, { channels: ['email'], code: 'july_4' });
    for (const local of [emailHours, holiday]) {
      const d = decide({ rules: [cap, local], customer: c, channel: 'email', at: '2026-06-15T16:00:00Z' });
      expect(d.result).toBe('DENY');
      expect(d.reasons).toEqual([expect.objectContaining({ code: 'UNKNOWN_LOCATION', message: expect.stringContaining(local.code) })]);
    }
  });
});

describe('several scopes at once: the strictest wins', () => {
  // A Massachusetts customer in America/New_York. 2026-03-10T13:30Z is Tuesday 09:30 EDT.
  const ma = customer({ customerId: 'cust-ma', regionCode: 'MA' });
  const global = rule('blackout_dates', { dates: ['2026-12-25'] }, { code: 'global_christmas', channels: ['email', 'phone', 'sms'] });
  const country = hours({ code: 'us_hours', scope: { kind: 'country', country: 'US' } });
  const region = rule('frequency_cap', { maxAttempts: 2, windowDays: 7 }, { code: 'ma_calls', scope: { kind: 'region', country: 'US', region: 'MA' } });
  const own = rule('contact_window', { start: '10:00', end: '16:00' }, { code: 'cust_hours', scope: { kind: 'customer', customerId: 'cust-ma' } });
  const otherRegion = rule('channel_block', {}, { code: 'ca_block', scope: { kind: 'region', country: 'US', region: 'CA' } });
  const otherCustomer = rule('channel_block', {}, { code: 'other_block', scope: { kind: 'customer', customerId: 'cust-2' } });
  const otherCountry = rule('channel_block', {}, { code: 'ca_country_block', scope: { kind: 'country', country: 'CA' } });
  const inactive = rule('channel_block', {}, { code: 'inactive_block', active: false });
  const emailOnly = rule('channel_block', {}, { code: 'email_block', channels: ['email'] });
  const rules = [global, country, region, own, otherRegion, otherCustomer, otherCountry, inactive, emailOnly];
  // Two calls in the 7 days: the MA cap (2) is reached until the 2026-03-05 15:00Z call ages
  // out at 2026-03-12T15:00Z, Thursday 11:00 EDT, inside both windows.
  const history = [contact('2026-03-05T15:00:00Z'), contact('2026-03-09T15:00:00Z')];

  it('defers to the latest of the rules, with every failing rule named and every applicable rule listed', () => {
    const q = { rules, customer: ma, history, at: '2026-03-10T13:30:00Z' };
    expectFirstAllowed(q, '2026-03-12T15:00:00.000Z');
    const d = decide(q);
    expect(d.reasons.map((r) => [r.code, r.ruleId])).toEqual([
      ['FREQUENCY_CAP', region.id],
      ['OUTSIDE_CONTACT_WINDOW', own.id],
    ]);
    expect(d.applied.map((r) => r.code)).toEqual(['global_christmas', 'us_hours', 'ma_calls', 'cust_hours']);
  });

  it('a narrower window alone defers to its own opening', () => {
    // Without the calls, only cust_hours fails: it opens at 10:00 EDT = 14:00Z.
    expect(outcomeOf(decide({ rules, customer: ma, at: '2026-03-10T13:30:00Z' }))).toBe('DEFER 2026-03-10T14:00:00.000Z');
  });

  it('a denial anywhere beats every deferral', () => {
    const block = rule('channel_block', {}, { code: 'cust_block', scope: { kind: 'customer', customerId: 'cust-ma' } });
    const d = decide({ rules: [...rules, block], customer: ma, history, at: '2026-03-10T13:30:00Z' });
    expect(outcomeOf(d)).toBe('DENY');
    expect(d.reasons.map((r) => r.code)).toEqual(['CHANNEL_BLOCKED']);
    expect(d.applied.map((r) => r.code)).toContain('cust_block');
  });

  it('a customer elsewhere in the US gets neither the MA cap nor the other customer\'s rules', () => {
    const ny = customer({ customerId: 'cust-ny', regionCode: 'NY' });
    const d = decide({ rules, customer: ny, history, at: '2026-03-10T13:30:00Z' });
    expect(outcomeOf(d)).toBe('ALLOW');
    expect(d.applied.map((r) => r.code)).toEqual(['global_christmas', 'us_hours']);
  });

  it('lists a rule passed twice once', () => {
    const d = decide({ rules: [country, country], customer: ma, at: '2026-03-10T13:30:00Z' });
    expect(d.applied).toEqual([{ id: country.id, version: 1, code: 'us_hours' }]);
  });
});

describe('deferrals that must satisfy several rules at once', () => {
  // America/New_York, EST (UTC-05:00). `at` is Thursday 2026-12-24 22:00 EST = 2026-12-25T03:00Z.
  const at = '2026-12-25T03:00:00Z';
  const christmas = rule('blackout_dates', { dates: ['2026-12-25'] }, { code: 'christmas' });
  const twoPerWeek = rule('frequency_cap', { maxAttempts: 2, windowDays: 7 }, { code: 'two_per_week' });

  it('window + blackout: the window opens on a blackout day, so the next day\'s window', () => {
    // Window alone: 2026-12-25 08:00 EST. Christmas is blacked out: 2026-12-26 08:00 EST = 13:00Z.
    const q = { rules: [hours(), christmas], at };
    expectFirstAllowed(q, '2026-12-26T13:00:00.000Z');
    expect(decide(q).reasons.map((r) => r.code)).toEqual(['OUTSIDE_CONTACT_WINDOW', 'BLACKOUT_DATE']);
  });

  it('window + cap: a cap ageing out at night waits for the morning', () => {
    // Calls at 2026-12-20T03:00Z and 2026-12-21T03:00Z: the first ages out at 2026-12-27T03:00Z,
    // Saturday 2026-12-26 22:00 EST, after the window closed; next 2026-12-27 08:00 EST = 13:00Z.
    const history = [contact('2026-12-20T03:00:00Z'), contact('2026-12-21T03:00:00Z')];
    expectFirstAllowed({ rules: [hours(), twoPerWeek], history, at }, '2026-12-27T13:00:00.000Z');
  });

  it('window + blackout + cap: each one moves the answer in turn', () => {
    // Calls at 2026-12-18T15:00Z and 2026-12-19T15:00Z: the cap frees up at 2026-12-25T15:00Z
    // (10:00 EST on Christmas) -> blacked out until 2026-12-26 00:00 EST (05:00Z) -> the window
    // opens at 08:00 EST = 2026-12-26T13:00Z. One rule at a time would say 2026-12-25T15:00Z.
    const history = [contact('2026-12-18T15:00:00Z'), contact('2026-12-19T15:00:00Z')];
    const q = { rules: [hours(), christmas, twoPerWeek], history, at };
    expectFirstAllowed(q, '2026-12-26T13:00:00.000Z');
    expect(decide(q).reasons.map((r) => [r.code, r.until?.toISOString()])).toEqual([
      ['OUTSIDE_CONTACT_WINDOW', '2026-12-25T13:00:00.000Z'],
      ['FREQUENCY_CAP', '2026-12-25T15:00:00.000Z'],
      ['BLACKOUT_DATE', '2026-12-26T05:00:00.000Z'],
    ]);
  });

  it('unknown zone in the US + blackout: the date must be over in every US zone', () => {
    // 2026-12-26 00:00 in Pacific/Honolulu (UTC-10:00) is 2026-12-26T10:00Z (05:00 EST); the
    // window then needs 08:00 in Honolulu as well: 2026-12-26T18:00Z.
    const q = { rules: [hours(), christmas], customer: customer({ ...noZone, countryCode: 'US' }), at };
    expectFirstAllowed(q, '2026-12-26T18:00:00.000Z');
  });
});

describe('no allowed time within the horizon', () => {
  const yearly = rule('frequency_cap', { maxAttempts: 1, windowDays: 366 }, { code: 'once_a_year' });
  const history = [contact('2026-03-01T15:00:00Z')];

  it('denies when the first allowed instant is past the horizon', () => {
    // The call ages out on 2027-03-02T15:00Z (366 × 24 h later), past 62 days.
    const d = decide({ rules: [yearly], history, at: '2026-03-10T15:00:00Z' });
    expect(outcomeOf(d)).toBe('DENY');
    expect(d.reasons.map((r) => r.code)).toEqual(['NO_ALLOWED_TIME', 'FREQUENCY_CAP']);
    expect(d.reasons[0].message).toContain('within 62 days');
  });

  it('defers when the horizon reaches it', () => {
    expect(outcomeOf(decide({ rules: [yearly], history, at: '2026-03-10T15:00:00Z', horizonDays: 366 }))).toBe('DEFER 2027-03-02T15:00:00.000Z');
  });

  it('denies when a block starts before the window opens', () => {
    // 22:00 EST on 2026-12-24; a channel block in force from 2026-12-25 with no end.
    const block = rule('channel_block', {}, { code: 'from_christmas', effectiveFrom: '2026-12-25' });
    const d = decide({ rules: [hours(), block], at: '2026-12-25T03:00:00Z' });
    expect(outcomeOf(d)).toBe('DENY');
    expect(d.reasons.map((r) => r.code)).toEqual(['NO_ALLOWED_TIME', 'OUTSIDE_CONTACT_WINDOW', 'CHANNEL_BLOCKED']);
    expect(d.applied.map((r) => r.code)).toEqual(['hours', 'from_christmas']);
  });

  it('refuses a horizon out of range and an invalid instant', () => {
    expect(() => decide({ at: '2026-03-10T15:00:00Z', horizonDays: 0 })).toThrow(InvalidArgumentError);
    expect(() => decide({ at: 'not a date' })).toThrow('at: must be a valid instant');
  });
});

describe('effective dates during a deferral', () => {
  it('a rule that starts later still shapes the answer and is listed', () => {
    // 22:00 EST on 2026-12-24; a blackout in force from 2026-12-25 (not yet at `at`).
    const later = rule('blackout_dates', { dates: ['2026-12-25'] }, { code: 'christmas_from_25th', effectiveFrom: '2026-12-25' });
    const d = decide({ rules: [hours(), later], at: '2026-12-25T03:00:00Z' });
    expect(outcomeOf(d)).toBe('DEFER 2026-12-26T13:00:00.000Z');
    expect(d.applied.map((r) => r.code)).toEqual(['hours', 'christmas_from_25th']);
  });

  it('with no zone, a local-time rule for email that starts during the deferral blocks while it is in force anywhere', () => {
    // Email, no zone, no country. Cap 1 per 7 days; last email 2026-03-09T16:00Z, so the cap
    // frees up at 2026-03-16T16:00Z. A blackout rule for email is in force from 2026-03-14:
    // with no zone its dates cannot be read, so email waits until that rule is over everywhere.
    const c = customer(noZone);
    const cap = rule('frequency_cap', { maxAttempts: 1, windowDays: 7 }, { channels: ['email'], code: 'cap' });
    const history = [contact('2026-03-09T16:00:00Z', 'sent', 'email')];
    const q = (effectiveTo?: string) => ({
      rules: [cap, rule('blackout_dates', { dates: ['2026-12-25'] }, { channels: ['email'], code: 'xmas', effectiveFrom: '2026-03-14', effectiveTo })],
      customer: c,
      history,
      channel: 'email' as const,
      at: '2026-03-10T16:00:00Z',
    });
    const open = decide(q());
    expect(outcomeOf(open)).toBe('DENY');
    expect(open.reasons.map((r) => r.code)).toEqual(['NO_ALLOWED_TIME', 'FREQUENCY_CAP', 'UNKNOWN_LOCATION']);
    // In force until 2026-03-20: over everywhere once 2026-03-21 starts at UTC-12:00, 2026-03-21T12:00Z.
    expectFirstAllowed(q('2026-03-20'), '2026-03-21T12:00:00.000Z');
  });

  it('a rule that ends stops blocking at the end of its last local day', () => {
    // Email, cap 1 per 7 days in force until 2026-03-10 (New York). Called 2026-03-09T16:00Z;
    // the cap would hold until 2026-03-16, but ends at 2026-03-11 00:00 EDT = 04:00Z.
    const ending = rule('frequency_cap', { maxAttempts: 1, windowDays: 7 }, { channels: ['email'], effectiveTo: '2026-03-10' });
    const history = [contact('2026-03-09T16:00:00Z', 'sent', 'email')];
    expectFirstAllowed({ rules: [ending], history, channel: 'email', at: '2026-03-10T16:00:00Z' }, '2026-03-11T04:00:00.000Z');
  });
});
