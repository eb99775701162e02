import { InvalidArgumentError, Violations } from '@cec/errors';
import { daysBetween, isoDate, todayUtc } from './dates';

/** The violations isoDate reports for one value, as [field, description] pairs. */
function problems(value: string, options: { required?: boolean } = {}): { result: string | undefined; violations: string[] } {
  const v = new Violations();
  const result = isoDate(v, 'due_date', value, options);
  try {
    v.throwIfAny();
    return { result, violations: [] };
  } catch (error) {
    return { result, violations: (error as InvalidArgumentError).violations.map((x) => `${x.field}: ${x.description}`) };
  }
}

describe('todayUtc', () => {
  it('is the UTC calendar date, whatever the local time zone', () => {
    expect(todayUtc(new Date('2026-03-14T23:59:59.999Z'))).toBe('2026-03-14');
    expect(todayUtc(new Date('2026-03-15T00:00:00.000Z'))).toBe('2026-03-15');
    // 01:30 in UTC+2 is still the previous day in UTC.
    expect(todayUtc(new Date('2026-03-15T01:30:00+02:00'))).toBe('2026-03-14');
  });

  it('defaults to now', () => {
    expect(todayUtc()).toBe(new Date().toISOString().slice(0, 10));
  });
});

describe('isoDate', () => {
  it.each(['2026-01-31', '2024-02-29', '2000-01-01', '2100-12-31', '2026-12-01'])('accepts %s', (value) => {
    expect(problems(value)).toEqual({ result: value, violations: [] });
  });

  it.each([
    ['2026-02-30', 'not a day of February'],
    ['2023-02-29', 'not a leap year'],
    ['2026-13-01', 'no month 13'],
    ['2026-00-10', 'no month 0'],
    ['2026-04-31', 'April has 30 days'],
    ['2026-4-1', 'not zero-padded'],
    ['20260401', 'no dashes'],
    ['2026-04-01T00:00:00Z', 'a timestamp'],
    [' 2026-04-01', 'a leading space'],
    ['tomorrow', 'a word'],
    ['0050-01-01', 'a two-digit year in disguise'],
  ])('refuses %s (%s)', (value) => {
    expect(problems(value)).toEqual({
      result: undefined,
      violations: [`due_date: must be a date "YYYY-MM-DD", got "${value}"`],
    });
  });

  it.each(['1999-12-31', '2101-01-01'])('refuses %s as out of range', (value) => {
    expect(problems(value)).toEqual({
      result: undefined,
      violations: [`due_date: must be between 2000-01-01 and 2100-12-31, got "${value}"`],
    });
  });

  it('treats an empty value as not given, or as missing when required', () => {
    expect(problems('')).toEqual({ result: undefined, violations: [] });
    expect(problems('', { required: true })).toEqual({
      result: undefined,
      violations: ['due_date: is required (a date "YYYY-MM-DD")'],
    });
  });

  it('quotes at most 32 characters of a bad value', () => {
    const { violations } = problems('x'.repeat(100));
    expect(violations).toEqual([`due_date: must be a date "YYYY-MM-DD", got "${'x'.repeat(32)}"`]);
  });
});

describe('daysBetween', () => {
  it.each([
    ['2026-03-01', '2026-03-01', 0],
    ['2026-03-01', '2026-03-02', 1],
    ['2026-03-02', '2026-03-01', -1],
    ['2026-02-01', '2026-03-01', 28],
    ['2024-02-01', '2024-03-01', 29],
    ['2025-12-31', '2026-01-01', 1],
    ['2025-01-01', '2026-01-01', 365],
    // Across the EU and US daylight-saving changes: still whole days.
    ['2026-03-28', '2026-03-30', 2],
    ['2026-11-01', '2026-11-02', 1],
  ])('from %s to %s is %i days', (from, to, days) => {
    expect(daysBetween(from, to)).toBe(days);
  });
});
