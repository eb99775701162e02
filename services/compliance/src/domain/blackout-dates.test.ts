import { customer, decide, expectFirstAllowed, outcomeOf, rule } from './test-fixtures';

const holidays = [rule('blackout_dates', { dates: ['2026-12-24', '2026-12-25'] }, { channels: ['email', 'phone', 'sms'], code: 'holidays' })];

describe('blackout_dates in the customer\'s local calendar', () => {
  it.each([
    // America/New_York is EST (UTC-05:00) in December.
    ['New York 2026-12-23 23:59:59 EST', 'America/New_York', '2026-12-24T04:59:59Z', 'ALLOW'],
    // 2026-12-24 00:00 EST: both dates are skipped together, to 2026-12-26 00:00 EST = 05:00Z.
    ['New York 2026-12-24 00:00 EST', 'America/New_York', '2026-12-24T05:00:00Z', 'DEFER 2026-12-26T05:00:00.000Z'],
    ['New York 2026-12-25 23:59 EST', 'America/New_York', '2026-12-26T04:59:00Z', 'DEFER 2026-12-26T05:00:00.000Z'],
    ['New York 2026-12-26 00:00 EST', 'America/New_York', '2026-12-26T05:00:00Z', 'ALLOW'],
    // Pacific/Auckland is NZDT (UTC+13:00) in December: 2026-12-23T11:00Z is already 2026-12-24 00:00
    // there; contact resumes at 2026-12-26 00:00 NZDT = 2026-12-25T11:00Z.
    ['Auckland 2026-12-24 00:00 NZDT while UTC is still the 23rd', 'Pacific/Auckland', '2026-12-23T11:00:00Z', 'DEFER 2026-12-25T11:00:00.000Z'],
    ['Auckland 2026-12-26 00:00 NZDT while UTC is the 25th', 'Pacific/Auckland', '2026-12-25T11:00:00Z', 'ALLOW'],
    // Asia/Kathmandu (UTC+05:45): 2026-12-25T18:14Z is 23:59 on the 25th; resumes 2026-12-26 00:00 = 2026-12-25T18:15Z.
    ['Kathmandu 2026-12-25 23:59', 'Asia/Kathmandu', '2026-12-25T18:14:00Z', 'DEFER 2026-12-25T18:15:00.000Z'],
  ])('%s (%s, %s) -> %s', (_what, timeZone, at, expected) => {
    expect(outcomeOf(decide({ rules: holidays, customer: customer({ timeZone }), channel: 'email', at }))).toBe(expected);
  });

  it('is the first allowed instant and says which date', () => {
    const q = { rules: holidays, channel: 'email' as const, at: '2026-12-24T15:00:00Z' };
    expectFirstAllowed(q, '2026-12-26T05:00:00.000Z');
    expect(decide(q).reasons[0]).toMatchObject({
      code: 'BLACKOUT_DATE',
      message: 'holidays v1: 2026-12-24 is a blackout date in America/New_York; contact resumes 2026-12-26 00:00 (UTC-05:00) local',
    });
  });
});

describe('blackout_dates with no zone on file (every zone of the country)', () => {
  it('lasts until the date is over in the last zone', () => {
    // July: America/Adak is HDT (UTC-09:00), Pacific/Honolulu HST (UTC-10:00). At 2026-07-04T15:00Z
    // every US zone is on July 4; it ends at 2026-07-05 00:00 in Adak = 09:00Z, but in Honolulu
    // only at 00:00 HST = 10:00Z.
    const july4 = [rule('blackout_dates', { dates: ['2026-07-04'] }, { channels: ['email'], code: 'july_4' })];
    const q = { rules: july4, channel: 'email' as const, customer: customer({ timeZone: '', countryCode: 'US' }), at: '2026-07-04T15:00:00Z' };
    expectFirstAllowed(q, '2026-07-05T10:00:00.000Z');
    const [reason] = decide(q).reasons;
    expect(reason.until).toEqual(new Date('2026-07-05T10:00:00Z'));
    expect(reason.message).toContain('contact resumes 2026-07-05 00:00 (UTC-10:00) local');
  });
});
