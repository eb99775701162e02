import type { Violations } from '@cec/errors';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Today's date in UTC, "YYYY-MM-DD": the calendar every due date is compared in. */
export function todayUtc(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** A real calendar date "YYYY-MM-DD" between 2000 and 2100, or a violation. */
export function isoDate(v: Violations, field: string, value: string, options: { required?: boolean } = {}): string | undefined {
  if (!value) {
    if (options.required) v.add(field, 'is required (a date "YYYY-MM-DD")');
    return undefined;
  }
  const match = ISO_DATE.exec(value);
  const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : undefined;
  if (!match || !date || date.toISOString().slice(0, 10) !== value) {
    v.add(field, `must be a date "YYYY-MM-DD", got "${value.slice(0, 32)}"`);
    return undefined;
  }
  if (value < '2000-01-01' || value > '2100-12-31') {
    v.add(field, `must be between 2000-01-01 and 2100-12-31, got "${value}"`);
    return undefined;
  }
  return value;
}

/** Whole days from `from` to `to` (both "YYYY-MM-DD"). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
