import { InvalidArgumentError } from '@cec/errors';

/** A timestamptz as PostgreSQL writes it (microseconds kept): the time part of a page token. */
const TIMESTAMP_TEXT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;

/** The time key of a decoded page token, checked before it reaches SQL: a doctored token is INVALID_ARGUMENT, never a failed cast. */
export function timestampKey(value: string): string {
  if (!TIMESTAMP_TEXT.test(value)) throw InvalidArgumentError.field('page_token', 'is not a token this API issued; pass next_page_token unchanged');
  return value;
}
