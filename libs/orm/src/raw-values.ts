/**
 * Values of raw rows (em.getConnection().execute): MikroORM's connection returns timestamps
 * and dates as PostgreSQL's text ("2026-11-24 21:45:32.174+00", "2026-11-24"), numerics as
 * strings, json as objects.
 */

/** A timestamptz as text (or a Date already) to a Date; null stays null. */
export function pgTimestamp(value: string | Date | null | undefined): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  // V8 reads PostgreSQL's text form directly (the hot path); normalise to ISO 8601 otherwise.
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? new Date(value.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00')) : parsed;
}

export function pgTimestampRequired(value: string | Date): Date {
  return pgTimestamp(value) as Date;
}
