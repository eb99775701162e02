import { offsetMs, plainDateTimeOf, transitions, zoned } from './temporal-reference';
import { seeded } from './test-random';
import { clockFor } from './zone-clock';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

// Zones with every kind of rule: DST both ways, 30-minute DST (Lord Howe), +12:45/+13:45
// (Chatham), +05:45 (Kathmandu, +05:30 until 1986), −03:30 (St John's), a skipped day and a
// dropped DST (Apia), negative DST (Dublin), DST suspended for Ramadan (Casablanca), midnight
// transitions (Havana), an offset in seconds until 1972 (Monrovia), a 2-hour DST (Troll), a
// fixed offset.
const ZONES = [
  'America/New_York',
  'Europe/London',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'Asia/Kathmandu',
  'America/St_Johns',
  'Pacific/Apia',
  'Europe/Dublin',
  'Africa/Casablanca',
  'America/Havana',
  'Africa/Monrovia',
  'Antarctica/Troll',
  '+05:30',
];

describe('ZoneClock.offsetAt: Temporal\'s offset, from the cache', () => {
  it.each(ZONES)('%s, around every transition of 1960–2040 and at random instants of 2020–2030 and of 1890–2450', (zone) => {
    const clock = clockFor(zone);
    const random = seeded(zone.length * 7919);
    const instants: number[] = [];
    for (const at of transitions(zone, Date.UTC(1960, 0, 1), Date.UTC(2040, 0, 1))) instants.push(at - HOUR_MS, at - 1000, at - 1, at, at + 1, at + 999, at + HOUR_MS);
    for (const [from, to, count] of [[Date.UTC(2020, 0, 1), Date.UTC(2030, 0, 1), 400], [Date.UTC(1890, 0, 1), Date.UTC(2450, 0, 1), 80]]) {
      for (let i = 0; i < count; i++) instants.push(from + Math.floor(random.next() * (to - from)));
    }
    expect(instants.filter((ms) => clock.offsetAt(ms) !== offsetMs(zone, ms))).toEqual([]);
  });
});

describe('ZoneClock.nextTransition: Temporal\'s getTimeZoneTransition(\'next\')', () => {
  it.each(ZONES)('%s, 2000–2035 in order, and from random instants', (zone) => {
    const clock = clockFor(zone);
    const from = Date.UTC(2000, 0, 1);
    const to = Date.UTC(2035, 0, 1);
    const listed: number[] = [];
    for (let at = clock.nextTransition(from, to); !Number.isNaN(at); at = clock.nextTransition(at, to)) listed.push(at);
    expect(listed).toEqual(transitions(zone, from, to));

    const random = seeded(zone.length);
    for (let i = 0; i < 60; i++) {
      const t = from + Math.floor(random.next() * (to - from));
      const [next] = transitions(zone, t, t + 9 * DAY_MS);
      expect([t, clock.nextTransition(t, t + 9 * DAY_MS)]).toEqual([t, next ?? Number.NaN]);
    }
  });
});

describe('ZoneClock.instantOf: a wall-clock time read as Temporal reads it', () => {
  it.each(ZONES)('%s, every 20 minutes for 3 hours either side of each transition of 2005–2035, and local midnights', (zone) => {
    const clock = clockFor(zone);
    const wrong: string[] = [];
    const check = (local: number): void => {
      const wall = plainDateTimeOf(local);
      const expected = {
        earlier: wall.toZonedDateTime(zone, { disambiguation: 'earlier' }).epochMilliseconds,
        later: wall.toZonedDateTime(zone, { disambiguation: 'later' }).epochMilliseconds,
      };
      for (const reading of ['earlier', 'later'] as const) if (clock.instantOf(local, reading) !== expected[reading]) wrong.push(`${wall} ${reading}`);
      if (local % DAY_MS === 0 && clock.instantOf(local, 'startOfDay') !== wall.toPlainDate().toZonedDateTime({ timeZone: zone }).epochMilliseconds) wrong.push(`${wall} startOfDay`);
    };
    for (const at of transitions(zone, Date.UTC(2005, 0, 1), Date.UTC(2035, 0, 1))) {
      const local = Math.floor((at + offsetMs(zone, at - 1)) / (20 * 60_000)) * 20 * 60_000;
      for (let d = -3 * HOUR_MS; d <= 3 * HOUR_MS; d += 20 * 60_000) check(local + d);
      const midnight = Math.floor(local / DAY_MS) * DAY_MS;
      for (const day of [-1, 0, 1]) check(midnight + day * DAY_MS);
    }
    // Outside the cached years Temporal answers directly.
    for (const local of [Date.UTC(1850, 5, 1, 12, 30), Date.UTC(2500, 0, 1), Date.UTC(1899, 11, 31, 23, 59, 59, 999)]) check(local);
    expect(wrong).toEqual([]);
  });

  it('keeps the milliseconds of a wall time', () => {
    const local = Date.UTC(2026, 2, 8, 12, 34, 56, 789);
    expect(clockFor('America/New_York').instantOf(local, 'earlier')).toBe(zoned(local, 'UTC').toPlainDateTime().toZonedDateTime('America/New_York').epochMilliseconds);
  });
});

describe('clockFor', () => {
  it('stays right when more zones are asked for than it keeps', () => {
    // 2,879 distinct fixed offsets: past the 2,000 clocks kept, the cache starts over.
    const names: string[] = [];
    for (let minutes = -1439; minutes <= 1439; minutes++) {
      const abs = Math.abs(minutes);
      names.push(`${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`);
    }
    const at = Date.UTC(2026, 0, 1);
    const offsets = names.map((name) => clockFor(name).offsetAt(at));
    expect(offsets.filter((offset, i) => offset !== offsetMs(names[i], at))).toEqual([]);
    expect(clockFor('America/New_York').offsetAt(at)).toBe(-5 * HOUR_MS);
  });

  it('throws as Temporal does for a zone it does not know', () => {
    expect(() => clockFor('Mars/Olympus').offsetAt(0)).toThrow(RangeError);
  });
});
