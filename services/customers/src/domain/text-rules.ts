import type { Violations } from '@cec/errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Checks a required UUID field; returns it lower-cased. */
export function requireUuid(v: Violations, field: string, value: string): string {
  if (!value) v.add(field, 'is required');
  else if (!isUuid(value)) v.add(field, `must be a UUID, got "${value.slice(0, 64)}"`);
  return value.toLowerCase();
}

/** Checks an optional UUID field (empty = not given); returns it lower-cased or undefined. */
export function optionalUuid(v: Violations, field: string, value: string): string | undefined {
  if (!value) return undefined;
  if (!isUuid(value)) v.add(field, `must be a UUID, got "${value.slice(0, 64)}"`);
  return value.toLowerCase();
}

/**
 * Trims; checks it is present (when required), not longer than max characters (counted as
 * PostgreSQL's length() counts them: code points, not UTF-16 units) and free of NUL
 * characters, which PostgreSQL cannot store.
 */
export function text(v: Violations, field: string, value: string, options: { required?: boolean; max: number }): string | undefined {
  const trimmed = value.trim();
  if (!trimmed) {
    if (options.required) v.add(field, 'is required');
    return undefined;
  }
  const length = [...trimmed].length;
  if (length > options.max) v.add(field, `must be at most ${options.max} characters, got ${length}`);
  if (trimmed.includes('\u0000')) v.add(field, 'must not contain NUL (\\u0000) characters');
  return trimmed;
}
