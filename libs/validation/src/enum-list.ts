import type { Violations } from '@cec/errors';

/** The most entries a repeated enum filter takes; an enum has far fewer values. */
export const MAX_ENUM_FILTER = 20;

/**
 * A repeated enum filter (`statuses`, `risk_levels`): at most MAX_ENUM_FILTER entries, none
 * UNSPECIFIED (0), each known to `from` (which adds its own violation for unknown numbers);
 * duplicates dropped. Returns the domain values.
 */
export function enumList<T>(
  v: Violations,
  field: string,
  values: number[],
  from: (value: number, v: Violations, field: string) => T | undefined,
): T[] {
  if (values.length > MAX_ENUM_FILTER) {
    v.add(field, `takes at most ${MAX_ENUM_FILTER} values, got ${values.length}`);
    return [];
  }
  const out: T[] = [];
  values.forEach((value, i) => {
    if (value === 0) {
      v.add(`${field}[${i}]`, 'must not be UNSPECIFIED');
      return;
    }
    const mapped = from(value, v, `${field}[${i}]`);
    if (mapped !== undefined) out.push(mapped);
  });
  return [...new Set(out)];
}
