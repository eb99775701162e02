import { civilOf, dateText, dayOf, dayOfCivil, dayOfDateText, isoWeekday } from './civil';
import { zoned } from './temporal-reference';
import { seeded } from './test-random';

const DAY_MS = 86_400_000;

describe('day numbers: the ISO calendar, as Temporal has it', () => {
  // Temporal's range is ±100,000,000 days from 1970-01-01 (years −271821..275760).
  const random = seeded(42);
  const days = [0, -1, 1, 59, 60, 365, 10_956, 20_513, dayOfCivil(0, 1, 1) - 1, dayOfCivil(0, 1, 1), dayOfCivil(9999, 12, 31), dayOfCivil(9999, 12, 31) + 1, -99_999_999, 99_999_999];
  for (let i = 0; i < 3000; i++) days.push(random.int(-99_999_999, 99_999_999));
  for (let i = 0; i < 3000; i++) days.push(random.int(-80_000, 200_000)); // 1751..2517

  it('dateText, civilOf, dayOfCivil and isoWeekday', () => {
    const wrong = days.filter((day) => {
      const date = zoned(day * DAY_MS, 'UTC').toPlainDate();
      const civil = civilOf(day);
      return (
        dateText(day) !== date.toString() ||
        civil.year !== date.year ||
        civil.month !== date.month ||
        civil.day !== date.day ||
        dayOfCivil(date.year, date.month, date.day) !== day ||
        isoWeekday(day) !== date.dayOfWeek
      );
    });
    expect(wrong).toEqual([]);
  });

  it('dayOf: the local day of local milliseconds, before 1970 too', () => {
    expect([dayOf(0), dayOf(DAY_MS - 1), dayOf(DAY_MS), dayOf(-1), dayOf(-DAY_MS), dayOf(-DAY_MS - 1)]).toEqual([0, 0, 1, -1, -1, -2]);
  });

  it('dayOfDateText reads real YYYY-MM-DD dates only', () => {
    expect(['1970-01-01', '2024-02-29', '0000-01-01', '9999-12-31'].map(dayOfDateText)).toEqual([0, 19_782, dayOfCivil(0, 1, 1), dayOfCivil(9999, 12, 31)]);
    for (const text of ['2026-02-30', '2025-02-29', '2026-13-01', '2026-00-10', '2026-3-01', '20260301', ' 2026-03-01', '2026-03-01T00:00', '+002026-03-01', '-000001-01-01', 'junk', ''])
      expect([text, dayOfDateText(text)]).toEqual([text, undefined]);
  });
});
