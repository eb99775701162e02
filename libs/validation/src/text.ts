import type { Violations } from '@cec/errors';

/**
 * Trims; checks it is present (when required), not longer than max characters (counted as
 * PostgreSQL's length() counts them: code points, not UTF-16 units) and free of NUL
 * characters, which PostgreSQL cannot store. (Invalid UTF-8 never gets this far: the gRPC
 * layer refuses the whole request.)
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
