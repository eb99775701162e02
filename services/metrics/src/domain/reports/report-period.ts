import { Violations } from '@cec/errors';
import { daysBetween, isoDate, todayUtc } from '@cec/validation';

/** A dashboard period of whole UTC days: [startDate, endDate), endDate the day after the last. */
export interface ReportPeriod {
  startDate: string;
  endDate: string;
  days: number;
  /** Step recovery counts payments received within this many days of a step. */
  recoveryWindowDays: number;
}

export const MAX_PERIOD_DAYS = 3660;
export const DEFAULT_RECOVERY_WINDOW_DAYS = 7;
export const MAX_RECOVERY_WINDOW_DAYS = 366;

/**
 * The dashboard's period, or INVALID_ARGUMENT naming every bad field: both dates required and
 * real, the end after the start and at most MAX_PERIOD_DAYS later, the start not after today
 * (a period that has not begun has no figures), the window 1-366 days (0: the default).
 */
export function reportPeriod(input: { startDate: string; endDate: string; recoveryWindowDays: number }, today = todayUtc()): ReportPeriod {
  const v = new Violations();
  const startDate = isoDate(v, 'start_date', input.startDate, { required: true });
  const endDate = isoDate(v, 'end_date', input.endDate, { required: true });
  if (startDate && startDate > today) v.add('start_date', `must not be after today (${today} UTC), got ${startDate}`);
  if (startDate && endDate) {
    const days = daysBetween(startDate, endDate);
    if (days <= 0) v.add('end_date', `must be after start_date (the period is [start_date, end_date): end_date is the day after its last day), got ${startDate} to ${endDate}`);
    else if (days > MAX_PERIOD_DAYS) v.add('end_date', `must be at most ${MAX_PERIOD_DAYS} days after start_date, got ${days}`);
  }
  const window = input.recoveryWindowDays || DEFAULT_RECOVERY_WINDOW_DAYS;
  if (!Number.isInteger(window) || window < 1 || window > MAX_RECOVERY_WINDOW_DAYS) {
    v.add('recovery_window_days', `must be 1-${MAX_RECOVERY_WINDOW_DAYS} days (0: ${DEFAULT_RECOVERY_WINDOW_DAYS}), got ${input.recoveryWindowDays}`);
  }
  v.throwIfAny();
  return { startDate: startDate as string, endDate: endDate as string, days: daysBetween(startDate as string, endDate as string), recoveryWindowDays: window };
}

/** The day whose close an aging report is taken at: the given date, or today (UTC) when empty. */
export function asOfDate(value: string, today = todayUtc()): string {
  const v = new Violations();
  const date = isoDate(v, 'as_of_date', value);
  v.throwIfAny();
  return date ?? today;
}

/** The instant a UTC day begins: the timestamp bound of a period's day-grained data. */
export function startOfUtcDay(date: string): Date {
  return new Date(`${date}T00:00:00.000Z`);
}

/** A [start, end) time filter: both optional; when both are given, end after start. */
export function timeRange(v: Violations, start: Date | undefined, end: Date | undefined, fields = { start: 'start_time', end: 'end_time' }): { start?: Date; end?: Date } {
  if (start && end && end.getTime() <= start.getTime()) v.add(fields.end, `must be after ${fields.start}`);
  return { start, end };
}
