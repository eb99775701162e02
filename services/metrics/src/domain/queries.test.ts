import { Violations } from '@cec/errors';
import { bucketsSpanned, checkRange } from './queries';
import { addDays, firstKeptDay } from './retention';

const t = (iso: string) => new Date(iso);

describe('bucketsSpanned', () => {
  it('counts the whole UTC buckets a range touches, the end excluded', () => {
    expect(bucketsSpanned(t('2026-03-01T00:00:00Z'), t('2026-03-02T00:00:00Z'), 'hour')).toBe(24);
    expect(bucketsSpanned(t('2026-03-01T00:30:00Z'), t('2026-03-01T01:00:00.001Z'), 'hour')).toBe(2);
    expect(bucketsSpanned(t('2026-03-01T00:00:00Z'), t('2026-03-01T00:00:00.001Z'), 'day')).toBe(1);
    expect(bucketsSpanned(t('2026-03-01T23:59:00Z'), t('2026-03-02T00:01:00Z'), 'day')).toBe(2);
    expect(bucketsSpanned(t('2026-03-01T00:00:00Z'), t('2026-03-07T22:40:00Z'), 'minute')).toBe(10_000);
  });

  it('refuses more than 10,000 buckets, and empty or reversed ranges', () => {
    const problems = (start: Date, end: Date) => {
      const v = new Violations();
      checkRange(v, start, end, 'minute');
      return v.has('end_time');
    };
    expect(problems(t('2026-03-01T00:00:00Z'), t('2026-03-07T22:40:00Z'))).toBe(false);
    expect(problems(t('2026-03-01T00:00:00Z'), t('2026-03-07T22:40:00.001Z'))).toBe(true);
    expect(problems(t('2026-03-01T00:00:00Z'), t('2026-03-01T00:00:00Z'))).toBe(true);
    expect(problems(t('2026-03-01T00:00:01Z'), t('2026-03-01T00:00:00Z'))).toBe(true);
  });
});

describe('firstKeptDay', () => {
  it('is today minus the retention, across months and leap days', () => {
    expect(firstKeptDay('2026-03-01', 1)).toBe('2026-02-28');
    expect(firstKeptDay('2028-03-01', 1)).toBe('2028-02-29');
    expect(firstKeptDay('2026-01-15', 90)).toBe('2025-10-17');
    expect(addDays('2026-12-31', 7)).toBe('2027-01-07');
  });
});
