import type { Violations } from '@cec/errors';

/** A UUID of any version, either case. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
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
