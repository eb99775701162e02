import { Violations } from '@cec/errors';
import { requireUuid } from './uuid';

/** The most ids a batch call takes. */
export const MAX_BATCH = 1000;

/**
 * A repeated id field of a batch call: 1..max UUIDs, lower-cased, duplicates dropped, in
 * request order. Throws INVALID_ARGUMENT naming each bad element.
 */
export function idList(field: string, values: string[], max = MAX_BATCH): string[] {
  const v = new Violations();
  if (!values.length) v.add(field, 'needs at least one id');
  if (values.length > max) v.add(field, `takes at most ${max} ids, got ${values.length}`);
  v.throwIfAny();
  const ids = values.map((value, i) => requireUuid(v, `${field}[${i}]`, value));
  v.throwIfAny();
  return [...new Set(ids)];
}
