import { checkContactWindow, nextWindowOpening, windowOf } from './contact-window';
import { customerZones } from './customer-zones';
import * as reference from './temporal-reference';
import { customer } from './test-fixtures';
import { seeded } from './test-random';
import type { ContactWindowParameters } from './types';
import { clockFor } from './zone-clock';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const hhmm = (minutes: number): string => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** A window that often starts or ends near a DST change, on some weekdays now and then. */
function randomWindow(random: ReturnType<typeof seeded>): ContactWindowParameters {
  const start = random.next() < 0.5 ? random.pick([0, 30, 60, 90, 120, 150, 165, 180, 210]) : random.int(0, 23 * 60 + 59);
  const end = random.next() < 0.2 ? '24:00' : hhmm(Math.min(24 * 60 - 1, start + random.pick([15, 30, 45, 60, 90, 8 * 60, 13 * 60])));
  const p: ContactWindowParameters = { start: hhmm(start), end: end <= hhmm(start) ? '24:00' : end };
  if (random.next() < 0.3) p.days = [...new Set([random.int(1, 7), random.int(1, 7)])].sort();
  return p;
}

/** Instants near the zone's transitions of 2020–2030 (where the searches differ most), and some anywhere in those years. */
function instantsNear(zone: string, random: ReturnType<typeof seeded>, count: number): number[] {
  const changes = reference.transitions(zone, Date.UTC(2020, 0, 1), Date.UTC(2030, 0, 1));
  return Array.from({ length: count }, () =>
    changes.length && random.next() < 0.7
      ? random.pick(changes) + random.int(-36, 36) * 20 * 60_000 + random.pick([0, 0, -1, 1])
      : Date.UTC(2020, 0, 1) + Math.floor(random.next() * 10 * 365 * DAY_MS),
  );
}

describe('nextWindowOpening: the cached search finds what the Temporal search finds', () => {
  it.each(['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Asia/Kathmandu', 'America/St_Johns', 'Pacific/Apia', 'America/Havana', 'Africa/Casablanca'])(
    '%s',
    (zone) => {
      const random = seeded(zone.length * 31);
      const wrong = instantsNear(zone, random, 60).flatMap((t) => {
        const p = randomWindow(random);
        const [fast, slow] = [nextWindowOpening(p, zone, t), reference.nextWindowOpening(p, zone, t)];
        return fast === slow ? [] : [{ p, t: new Date(t).toISOString(), fast, slow }];
      });
      expect(wrong).toEqual([]);
    },
  );

  it('decides windows that open in none of the next 9 days as Temporal did', () => {
    // 02:00–02:30 on Sundays only: on 2026-03-08 the clock jumps over it, the next Sunday is
    // 14 days away; a window that ends before it starts never opens.
    for (const p of [{ start: '02:00', end: '02:30', days: [7] }, { start: '10:00', end: '09:00' }]) {
      for (const t of [Date.parse('2026-03-01T12:00:00Z'), Date.parse('2026-03-07T12:00:00Z')]) {
        expect(nextWindowOpening(p, 'America/New_York', t)).toBe(reference.nextWindowOpening(p, 'America/New_York', t));
      }
    }
  });
});

describe('checkContactWindow in every zone of a country: zones with the same offsets are searched once', () => {
  it.each(['US', 'CA', 'AU', 'MX'])('%s: the binding zone and opening are the ones each zone alone gives', (countryCode) => {
    const random = seeded(countryCode.charCodeAt(0) * 97 + countryCode.charCodeAt(1));
    const zones = customerZones(customer({ timeZone: '', countryCode }));
    const clocks = zones.zones.map(clockFor);
    const wrong = instantsNear(zones.zones[0], random, 12).flatMap((t) => {
      const p = randomWindow(random);
      const blocked = checkContactWindow(windowOf(p), zones, clocks, t);
      // As the evaluation always read it: closed zones, the first that never opens, else the first that opens last.
      const openings = zones.zones.filter((zone) => !reference.inContactWindow(p, zone, t)).map((zone) => ({ zone, at: reference.nextWindowOpening(p, zone, t) }));
      const binding = openings.find((o) => o.at === null) ?? openings.reduce<(typeof openings)[number] | undefined>((a, b) => (!a || (b.at as number) > (a.at as number) ? b : a), undefined);
      const expected = binding && { next: binding.at, zone: binding.at === null ? null : binding.zone };
      // The message ends "opens <local time> local in <zone>" (or says it does not open).
      const got = blocked && { next: blocked.next, zone: blocked.next === null ? null : /local in (\S+)$/.exec(blocked.message)?.[1] };
      return JSON.stringify(got) === JSON.stringify(expected) ? [] : [{ p, t: new Date(t).toISOString(), got, expected }];
    });
    expect(wrong).toEqual([]);
  });
});
