import { nextWindowOpening } from './contact-window';
import { customer, decide, expectFirstAllowed, outcomeOf, rule } from './test-fixtures';
import type { ContactWindowParameters } from './types';

const calls = (p: ContactWindowParameters) => [rule('contact_window', p, { channels: ['phone', 'sms'] })];
const hours = { start: '08:00', end: '21:00' };

describe('contact_window 08:00–21:00 in America/New_York across daylight saving', () => {
  // EST is UTC-05:00; EDT is UTC-04:00. 2026-03-08 02:00 EST jumps to 03:00 EDT;
  // 2026-11-01 02:00 EDT falls back to 01:00 EST (01:00–02:00 happens twice).
  it.each([
    // [what, at (UTC), local time, expected]
    ['Saturday before the jump, 08:00 EST', '2026-03-07T13:00:00Z', '08:00 EST', 'ALLOW'],
    ['Friday 21:00 EST is closed', '2026-03-07T02:00:00Z', '2026-03-06 21:00 EST', 'DEFER 2026-03-07T13:00:00.000Z'], // Sat 08:00 EST
    ['jump day 01:30 EST', '2026-03-08T06:30:00Z', '01:30 EST', 'DEFER 2026-03-08T12:00:00.000Z'], // 08:00 EDT
    ['jump day 07:59:59 EDT', '2026-03-08T11:59:59Z', '07:59:59 EDT', 'DEFER 2026-03-08T12:00:00.000Z'],
    ['jump day 08:00 EDT opens', '2026-03-08T12:00:00Z', '08:00 EDT', 'ALLOW'],
    ['jump day 20:59:59 EDT', '2026-03-09T00:59:59Z', '20:59:59 EDT', 'ALLOW'],
    ['jump day 21:00 EDT closes', '2026-03-09T01:00:00Z', '21:00 EDT', 'DEFER 2026-03-09T12:00:00.000Z'], // Mon 08:00 EDT
    ['night before fall-back, 21:00 EDT', '2026-11-01T01:00:00Z', '2026-10-31 21:00 EDT', 'DEFER 2026-11-01T13:00:00.000Z'], // 08:00 EST
    ['fall-back first 01:30 (EDT)', '2026-11-01T05:30:00Z', '01:30 EDT', 'DEFER 2026-11-01T13:00:00.000Z'],
    ['fall-back second 01:30 (EST)', '2026-11-01T06:30:00Z', '01:30 EST', 'DEFER 2026-11-01T13:00:00.000Z'],
    ['fall-back day 07:59 EST', '2026-11-01T12:59:00Z', '07:59 EST', 'DEFER 2026-11-01T13:00:00.000Z'],
    ['fall-back day 08:00 EST', '2026-11-01T13:00:00Z', '08:00 EST', 'ALLOW'],
  ])('%s: %s (%s) -> %s', (_what, at, _local, expected) => {
    expect(outcomeOf(decide({ rules: calls(hours), at }))).toBe(expected);
  });

  it('says where, what time it is there and when the window opens', () => {
    const d = decide({ rules: calls(hours), at: '2026-03-08T06:30:00Z' });
    expect(d.reasons).toHaveLength(1);
    expect(d.reasons[0]).toMatchObject({ code: 'OUTSIDE_CONTACT_WINDOW', until: new Date('2026-03-08T12:00:00Z') });
    expect(d.reasons[0].message).toContain('outside the contact window 08:00–21:00 in America/New_York: it is 2026-03-08 01:30 (UTC-05:00) there; opens 2026-03-08 08:00 (UTC-04:00) local');
  });
});

describe('next opening when the start time is skipped or repeated (America/New_York)', () => {
  const zone = 'America/New_York';
  it.each([
    // 02:30 does not exist on 2026-03-08: the clock reaches it by jumping from 01:59:59 EST to
    // 03:00 EDT, so the window opens at the jump, 03:00 EDT = 07:00Z (not 03:30 EDT).
    ['start 02:30 on the jump day, from 01:00 EST (06:00Z)', { start: '02:30', end: '21:00' }, '2026-03-08T06:00:00Z', '2026-03-08T07:00:00.000Z'],
    // A window 02:00–02:30 does not happen at all on 2026-03-08: next is 2026-03-09 02:00 EDT = 06:00Z.
    ['window inside the gap, from 01:00 EST (06:00Z)', { start: '02:00', end: '02:30' }, '2026-03-08T06:00:00Z', '2026-03-09T06:00:00.000Z'],
    // 01:30 happens twice on 2026-11-01: the first time is 01:30 EDT = 05:30Z.
    ['start 01:30 on fall-back day, from 01:00 EDT (05:00Z)', { start: '01:30', end: '03:00' }, '2026-11-01T05:00:00Z', '2026-11-01T05:30:00.000Z'],
    // At 01:50 EDT the window 01:00–01:45 has closed, but at 02:00 EDT the clock falls back to
    // 01:00 EST (06:00Z), inside the window again.
    ['clock falls back into the window, from 01:50 EDT (05:50Z)', { start: '01:00', end: '01:45' }, '2026-11-01T05:50:00Z', '2026-11-01T06:00:00.000Z'],
    // Window 00:30–01:45: at 01:50 EDT it has closed; at 02:00 EDT the clock falls back to
    // 01:00 EST (06:00Z), which is inside, although the clock never reads 00:30 again.
    ['clock falls back into the middle of the window, from 01:50 EDT (05:50Z)', { start: '00:30', end: '01:45' }, '2026-11-01T05:50:00Z', '2026-11-01T06:00:00.000Z'],
    // After the second 01:45 (EST, 06:45Z) it is next open on 2026-11-02 01:00 EST = 06:00Z.
    ['after the repeated hour, from 01:50 EST (06:50Z)', { start: '01:00', end: '01:45' }, '2026-11-01T06:50:00Z', '2026-11-02T06:00:00.000Z'],
  ])('%s', (_what, p, from, expected) => {
    expect(new Date(nextWindowOpening(p, zone, Date.parse(from)) as number).toISOString()).toBe(expected);
  });

  it('defers to the jump instant through evaluateContact as well', () => {
    expectFirstAllowed({ rules: calls({ start: '02:30', end: '21:00' }), at: '2026-03-08T06:00:00Z' }, '2026-03-08T07:00:00.000Z');
  });
});

describe('zones with odd offsets and local dates unlike UTC', () => {
  it.each([
    // Asia/Kathmandu is UTC+05:45 all year: 09:00 local = 03:15Z.
    ['Kathmandu 08:45 (03:00Z)', 'Asia/Kathmandu', { start: '09:00', end: '17:00' }, '2026-01-15T03:00:00Z', 'DEFER 2026-01-15T03:15:00.000Z'],
    ['Kathmandu 09:00 (03:15Z)', 'Asia/Kathmandu', { start: '09:00', end: '17:00' }, '2026-01-15T03:15:00Z', 'ALLOW'],
    ['Kathmandu 17:00 (11:15Z)', 'Asia/Kathmandu', { start: '09:00', end: '17:00' }, '2026-01-15T11:15:00Z', 'DEFER 2026-01-16T03:15:00.000Z'],
    // Australia/Adelaide: ACDT UTC+10:30 in January, ACST UTC+09:30 in July.
    ['Adelaide summer 07:30 ACDT (Jan 14 21:00Z)', 'Australia/Adelaide', hours, '2026-01-14T21:00:00Z', 'DEFER 2026-01-14T21:30:00.000Z'],
    ['Adelaide winter 07:30 ACST (Jul 14 22:00Z)', 'Australia/Adelaide', hours, '2026-07-14T22:00:00Z', 'DEFER 2026-07-14T22:30:00.000Z'],
    // 2026-10-04 02:00 ACST jumps to 03:00 ACDT: from 01:30 ACST (Oct 3 16:00Z), 08:00 ACDT = Oct 3 21:30Z.
    ['Adelaide jump day 01:30 ACST', 'Australia/Adelaide', hours, '2026-10-03T16:00:00Z', 'DEFER 2026-10-03T21:30:00.000Z'],
    // Pacific/Auckland is NZDT UTC+13 in January. 2026-01-14T20:00Z is Thursday 2026-01-15 09:00.
    ['Auckland Thu 09:00 on weekdays', 'Pacific/Auckland', { start: '09:00', end: '17:00', days: [1, 2, 3, 4, 5] }, '2026-01-14T20:00:00Z', 'ALLOW'],
    // Friday 2026-01-16T20:00Z is already Saturday 2026-01-17 09:00 in Auckland: next is
    // Monday 2026-01-19 09:00 NZDT = Sunday 2026-01-18T20:00Z.
    ['Auckland Saturday while UTC is Friday', 'Pacific/Auckland', { start: '09:00', end: '17:00', days: [1, 2, 3, 4, 5] }, '2026-01-16T20:00:00Z', 'DEFER 2026-01-18T20:00:00.000Z'],
  ])('%s', (_what, timeZone, p, at, expected) => {
    expect(outcomeOf(decide({ rules: calls(p), customer: customer({ timeZone }), at }))).toBe(expected);
  });
});

describe('contact_window on some weekdays only', () => {
  it('waits for the next allowed weekday, days ahead', () => {
    // Mondays 09:00–17:00. Tuesday 2026-03-10 11:00 EDT (15:00Z) -> Monday 2026-03-16 09:00 EDT = 13:00Z.
    const q = { rules: calls({ start: '09:00', end: '17:00', days: [1] }), at: '2026-03-10T15:00:00Z' };
    expectFirstAllowed(q, '2026-03-16T13:00:00.000Z');
    expect(decide(q).reasons[0].message).toContain('outside the contact window 09:00–17:00 on Mon in America/New_York');
  });
});

describe('contact_window channels', () => {
  it('does not hold back a channel the rule does not name', () => {
    // 01:30 EST, but the rule covers phone and sms only.
    expect(decide({ rules: calls(hours), channel: 'email', at: '2026-03-08T06:30:00Z' }).result).toBe('ALLOW');
  });
});
