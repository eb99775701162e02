import { Temporal } from 'temporal-polyfill';
import { PLACES, placeAtNight } from './night-zone';

describe('placeAtNight', () => {
  it('finds, every 97 minutes through a year (so at every minute of the hour), a place where the clock is within 45 minutes of 02:00', () => {
    const start = Date.UTC(2026, 0, 1);
    const far: string[] = [];
    for (let t = start; t < start + 366 * 86_400_000; t += 97 * 60_000) {
      const place = placeAtNight(new Date(t));
      const local = Temporal.Instant.fromEpochMilliseconds(t).toZonedDateTimeISO(place.zone);
      const minutes = local.hour * 60 + local.minute;
      if (minutes < 75 || minutes > 165) far.push(`${new Date(t).toISOString()}: ${place.zone} ${local.toPlainTime().toString()}`);
    }
    expect(far).toEqual([]);
  });

  it('answers the place with its local time, for the instant given', () => {
    const at = new Date('2026-12-03T11:46:00Z');
    const place = placeAtNight(at);
    expect(place).toMatchObject({ zone: 'Pacific/Tahiti', country: 'PF', city: 'Papeete' });
    expect(place.localTime.toPlainTime().toString()).toBe('01:46:00');
  });

  it('lists no place in the United States (the demo data holds e-mail there to 08:00-21:00 too)', () => {
    expect(PLACES.filter((p) => p.country === 'US' || p.zone.startsWith('US/'))).toEqual([]);
  });
});
