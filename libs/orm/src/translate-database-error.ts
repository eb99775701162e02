import {
  AbortedError,
  AlreadyExistsError,
  DeadlineExceededError,
  FailedPreconditionError,
  UnavailableError,
  type DomainError,
} from '@cec/errors';

const CONNECTION_CODES = new Set([
  '08000', '08001', '08003', '08004', '08006', // connection exceptions
  '57P01', '57P02', '57P03', // admin shutdown, crash shutdown, cannot connect now
  '53300', // too many connections
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EPIPE',
]);

/** The connection to the server broke (or the server went away) while a statement ran. */
export function isConnectionLost(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const e = error as { code?: unknown; message?: unknown };
  if (typeof e.code === 'string' && CONNECTION_CODES.has(e.code)) return true;
  // node-postgres reports a socket closed under it without a code.
  return typeof e.message === 'string' && /Connection terminated|connection is closed|Client has encountered a connection error/i.test(e.message);
}

/**
 * Database failures the caller did not cause, as domain errors with an actionable message:
 * a lost concurrent update is ABORTED (retry), an unreachable database UNAVAILABLE, a
 * statement cut short by the deadline DEADLINE_EXCEEDED. Constraint violations that the
 * domain did not catch first keep their constraint name, never the offending values.
 * Anything else is left for INTERNAL.
 */
export function translateDatabaseError(error: unknown): DomainError | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const e = error as { code?: unknown; name?: string; message?: string; constraint?: string };
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code === '40001' || code === '40P01' || code === '55P03') {
    return new AbortedError('the change conflicted with a concurrent change; retry the call');
  }
  if (code === '57014') return new DeadlineExceededError('the database statement was cancelled: the call deadline passed or the caller cancelled');
  if (isConnectionLost(error) || e.name === 'KnexTimeoutError' || e.name === 'ConnectionException') {
    return new UnavailableError('the database is unavailable; retry later');
  }
  if (code === '23505') return new AlreadyExistsError(`a record with the same unique value already exists${e.constraint ? ` (${e.constraint})` : ''}`);
  if (code === '23503') return new FailedPreconditionError(`the change refers to a record that does not exist${e.constraint ? ` (${e.constraint})` : ''}`);
  if (code === '23514') return new FailedPreconditionError(`the change breaks a rule of the data${e.constraint ? ` (${e.constraint})` : ''}`);
  return undefined;
}
