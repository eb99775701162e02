import type { Violations } from '@cec/errors';

/** Days of samples kept: at least one, at most ten years. */
export const MIN_RETENTION_DAYS = 1;
export const MAX_RETENTION_DAYS = 3650;
/** The retention job keeps the partitions of today and this many days ahead made. */
export const PARTITIONS_AHEAD_DAYS = 7;

export function checkRetentionDays(v: Violations, field: string, days: number): void {
  if (!Number.isInteger(days) || days < MIN_RETENTION_DAYS || days > MAX_RETENTION_DAYS) {
    v.add(field, `must be a whole number of days from ${MIN_RETENTION_DAYS} to ${MAX_RETENTION_DAYS}, got ${days}`);
  }
}

/** A UTC date ("YYYY-MM-DD") `days` days after `date` (before, when negative). */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * The first UTC day the retention keeps: today minus `retentionDays`. The days before it are
 * dropped whole. Every instant within the retention (now minus `retentionDays` days, or later)
 * falls on it or after, so no sample the retention covers is ever dropped.
 */
export function firstKeptDay(today: string, retentionDays: number): string {
  return addDays(today, -retentionDays);
}
