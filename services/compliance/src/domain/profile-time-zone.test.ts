import { trustedTimeZone } from './profile-time-zone';

describe('trustedTimeZone', () => {
  it.each([
    ['UTC', ''],
    ['Etc/UTC', ''],
    ['GMT', ''],
    [' utc ', ''],
    ['America/New_York', 'America/New_York'],
    ['Atlantic/Reykjavik', 'Atlantic/Reykjavik'],
    ['', ''],
  ])('%j -> %j', (given, expected) => {
    expect(trustedTimeZone(given)).toBe(expected);
  });
});
