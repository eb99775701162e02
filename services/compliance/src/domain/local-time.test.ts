import { formatLocal, minutesOf, offsetText } from './local-time';
import * as reference from './temporal-reference';
import { seeded } from './test-random';

describe('formatLocal: the wall clock and offset, as Temporal writes them', () => {
  it.each([
    // A second inside the wall time is shown; Monrovia was UTC−00:44:30 until 1972.
    ['2026-03-08T06:30:00Z', 'America/New_York', '2026-03-08 01:30 (UTC-05:00)'],
    ['2026-03-08T07:00:00Z', 'America/New_York', '2026-03-08 03:00 (UTC-04:00)'],
    ['2026-01-15T03:15:30.500Z', 'Asia/Kathmandu', '2026-01-15 09:00:30 (UTC+05:45)'],
    ['1960-06-01T12:00:00Z', 'Africa/Monrovia', '1960-06-01 11:15:30 (UTC-00:44:30)'],
    ['2026-06-01T00:00:00Z', 'Pacific/Chatham', '2026-06-01 12:45 (UTC+12:45)'],
    ['2026-06-01T00:00:00Z', 'UTC', '2026-06-01 00:00 (UTC+00:00)'],
  ])('%s in %s: %s', (iso, zone, expected) => {
    expect(formatLocal(Date.parse(iso), zone)).toBe(expected);
  });

  it('agrees with Temporal at random instants of 1890–2450 and of far years', () => {
    const random = seeded(7);
    const zones = ['America/New_York', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Asia/Kathmandu', 'America/St_Johns', 'Pacific/Apia', 'Africa/Monrovia', 'Europe/Dublin', '-12:00'];
    const from = Date.UTC(1890, 0, 1);
    const span = Date.UTC(2450, 0, 1) - from;
    const cases: [number, string][] = [];
    for (let i = 0; i < 1500; i++) cases.push([from + Math.floor(random.next() * span), random.pick(zones)]);
    for (let i = 0; i < 30; i++) cases.push([Math.floor((random.next() * 2 - 1) * 8.6e15), random.pick(zones)]);
    expect(cases.filter(([ms, zone]) => formatLocal(ms, zone) !== reference.formatLocal(ms, zone))).toEqual([]);
  });
});

describe('offsetText', () => {
  it.each([
    [0, '+00:00'],
    [-4 * 3_600_000, '-04:00'],
    [(5 * 60 + 45) * 60_000, '+05:45'],
    [-(44 * 60 + 30) * 1000, '-00:44:30'],
    [(13 * 60 + 45) * 60_000, '+13:45'],
  ])('%d ms: %s', (ms, expected) => {
    expect(offsetText(ms)).toBe(expected);
  });
});

describe('minutesOf', () => {
  it('reads every HH:MM from 00:00 to 24:00 as splitting on ":" does, and anything else the same way as before', () => {
    const split = (hhmm: string): number => {
      const [h, m] = hhmm.split(':').map(Number);
      return h * 60 + m;
    };
    const texts = ['24:00', '8:00', '08:00:30', '99:99', 'ab:cd', ''];
    for (let m = 0; m < 24 * 60; m++) texts.push(`${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);
    expect(texts.filter((text) => !Object.is(minutesOf(text), split(text)))).toEqual([]);
  });
});
