import { effectiveUntil, isEffectiveAt } from './applicable-rules';
import { blackoutEnd } from './blackout-dates';
import * as reference from './temporal-reference';
import { rule } from './test-fixtures';
import { seeded } from './test-random';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const ZONES = ['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Asia/Kathmandu', 'America/St_Johns', 'Pacific/Apia', 'America/Havana', 'Pacific/Kiritimati'];

/** The UTC date `days` after the instant: near the local date everywhere. */
const dateNear = (ms: number, days: number): string => new Date(ms + days * DAY_MS).toISOString().slice(0, 10);

/** Instants at local midnights and transitions (where dates change), and anywhere, in 2010–2030. */
function instants(zone: string, random: ReturnType<typeof seeded>, count: number): number[] {
  const changes = reference.transitions(zone, Date.UTC(2010, 0, 1), Date.UTC(2030, 0, 1));
  return Array.from({ length: count }, () => {
    const r = random.next();
    if (r < 0.3 && changes.length) return random.pick(changes) + random.pick([-1, 0, 1, -HOUR_MS, HOUR_MS]);
    const t = Date.UTC(2010, 0, 1) + Math.floor(random.next() * 20 * 365 * DAY_MS);
    if (r > 0.6) return t;
    const midnight = Math.floor((t + reference.offsetMs(zone, t)) / DAY_MS) * DAY_MS;
    return midnight - reference.offsetMs(zone, midnight) + random.pick([-1, 0, 1]); // about local midnight
  });
}

describe('local dates from the cached clocks are Temporal\'s', () => {
  it.each(ZONES)('%s: blackoutEnd', (zone) => {
    const random = seeded(zone.length * 13);
    const wrong = instants(zone, random, 150).flatMap((t) => {
      const dates = [-2, -1, 0, 1, 2].filter(() => random.next() < 0.6).map((d) => dateNear(t, d));
      if (random.next() < 0.1) dates.push('2026-02-30', '+010000-01-01');
      const [fast, slow] = [blackoutEnd({ dates }, zone, t), reference.blackoutEnd({ dates }, zone, t)];
      return fast === slow ? [] : [{ dates, t: new Date(t).toISOString(), fast, slow }];
    });
    expect(wrong).toEqual([]);
  });

  it.each(ZONES)('%s: isEffectiveAt and effectiveUntil, with another zone or none', (zone) => {
    const random = seeded(zone.length * 17);
    const wrong = instants(zone, random, 150).flatMap((t) => {
      const effectiveFrom = random.next() < 0.7 ? dateNear(t, random.int(-1, 1)) : random.pick(['', '2026-02-30', '2026-3-1']);
      const effectiveTo = random.next() < 0.7 ? dateNear(t, random.int(-1, 2)) : random.pick(['', '2026-02-29', '20260301', '+002026-03-01']);
      const r = rule('channel_block', {}, { effectiveFrom, effectiveTo });
      const zones = random.pick([[zone], [zone, random.pick(ZONES)], []]);
      const run = <T>(f: () => T): T | string => {
        try {
          return f();
        } catch (e) {
          return `throws ${(e as Error).message}`;
        }
      };
      const fast = [isEffectiveAt(r, t, zones), run(() => effectiveUntil(r, zones))];
      const slow = [reference.isEffectiveAt(r, t, zones), run(() => reference.effectiveUntil(r, zones))];
      return JSON.stringify(fast) === JSON.stringify(slow) ? [] : [{ effectiveFrom, effectiveTo, zones, t: new Date(t).toISOString(), fast, slow }];
    });
    expect(wrong).toEqual([]);
  });
});
