import { InvalidArgumentError } from '@cec/errors';
import { agingBucketOf } from './aging-buckets';
import { asOfDate, reportPeriod } from './report-period';

const TODAY = '2026-03-15';

/** The fields an INVALID_ARGUMENT names. */
function fieldsOf(work: () => unknown): string[] {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return (error as InvalidArgumentError).violations.map((v) => v.field);
  }
  throw new Error('expected INVALID_ARGUMENT');
}

describe('reportPeriod', () => {
  it('takes [start, end) in whole days, the window 7 days unless given', () => {
    expect(reportPeriod({ startDate: '2026-01-01', endDate: '2026-02-01', recoveryWindowDays: 0 }, TODAY)).toEqual({
      startDate: '2026-01-01',
      endDate: '2026-02-01',
      days: 31,
      recoveryWindowDays: 7,
    });
    // A period may run past today (month to date), and start today.
    expect(reportPeriod({ startDate: TODAY, endDate: '2026-04-01', recoveryWindowDays: 366 }, TODAY).days).toBe(17);
  });

  it('names every bad field', () => {
    expect(fieldsOf(() => reportPeriod({ startDate: '', endDate: '', recoveryWindowDays: 0 }, TODAY))).toEqual(['start_date', 'end_date']);
    expect(fieldsOf(() => reportPeriod({ startDate: '2026-01-02', endDate: '2026-01-01', recoveryWindowDays: 0 }, TODAY))).toEqual(['end_date']);
    expect(fieldsOf(() => reportPeriod({ startDate: '2026-01-01', endDate: '2026-01-01', recoveryWindowDays: 0 }, TODAY))).toEqual(['end_date']);
    expect(fieldsOf(() => reportPeriod({ startDate: '2016-01-01', endDate: '2026-01-09', recoveryWindowDays: 0 }, TODAY))).toEqual(['end_date']); // 3661 days
    expect(reportPeriod({ startDate: '2016-01-01', endDate: '2026-01-08', recoveryWindowDays: 0 }, TODAY).days).toBe(3660); // the most
    expect(fieldsOf(() => reportPeriod({ startDate: '2026-03-16', endDate: '2026-04-01', recoveryWindowDays: 0 }, TODAY))).toEqual(['start_date']);
    expect(fieldsOf(() => reportPeriod({ startDate: '2026-01-01', endDate: '2026-02-01', recoveryWindowDays: 367 }, TODAY))).toEqual(['recovery_window_days']);
    expect(fieldsOf(() => reportPeriod({ startDate: '2026-01-01', endDate: '2026-02-01', recoveryWindowDays: -3 }, TODAY))).toEqual(['recovery_window_days']);
  });
});

describe('asOfDate', () => {
  it('is the date given, or today', () => {
    expect(asOfDate('2026-01-31', TODAY)).toBe('2026-01-31');
    expect(asOfDate('', TODAY)).toBe(TODAY);
    expect(fieldsOf(() => asOfDate('2026-13-01', TODAY))).toEqual(['as_of_date']);
  });
});

describe('agingBucketOf', () => {
  it('puts the edges where the report says', () => {
    expect([-30, 0, 1, 30, 31, 60, 61, 90, 91, 1000].map(agingBucketOf)).toEqual(['current', 'current', '1_30', '1_30', '31_60', '31_60', '61_90', '61_90', 'over_90', 'over_90']);
  });
});
