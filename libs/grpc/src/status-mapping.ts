import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { DomainError, InvalidArgumentError } from '@cec/errors';
import type { Logger } from '@cec/observability';

/** Turns a lower-level error (e.g. from the database driver) into a DomainError, or returns undefined. */
export type ErrorTranslator = (error: unknown) => DomainError | undefined;

const CODES: Record<DomainError['kind'], status> = {
  invalid_argument: status.INVALID_ARGUMENT,
  not_found: status.NOT_FOUND,
  already_exists: status.ALREADY_EXISTS,
  failed_precondition: status.FAILED_PRECONDITION,
  aborted: status.ABORTED,
  unavailable: status.UNAVAILABLE,
  permission_denied: status.PERMISSION_DENIED,
  unauthenticated: status.UNAUTHENTICATED,
  deadline_exceeded: status.DEADLINE_EXCEEDED,
};

/** Metadata key listing the fields of an INVALID_ARGUMENT, comma separated. */
export const INVALID_FIELDS = 'x-invalid-fields';

/**
 * The status for an error thrown by a handler. Domain errors keep their message (written for
 * the caller); anything unexpected becomes INTERNAL with only a reference to the request id,
 * and is logged in full here so the reference leads to it.
 */
export function toServiceError(
  error: unknown,
  context: { requestId: string; logger: Logger; translators?: ErrorTranslator[] },
): Partial<ServiceError> {
  let domain: DomainError | undefined = error instanceof DomainError ? error : undefined;
  for (const translate of context.translators ?? []) {
    if (domain) break;
    domain = translate(error);
  }
  if (domain) {
    const metadata = new Metadata();
    if (domain instanceof InvalidArgumentError) {
      metadata.set(INVALID_FIELDS, [...new Set(domain.violations.map((v) => v.field))].join(','));
    }
    if (domain.kind === 'unavailable') context.logger.warn({ err: describe(error) }, 'dependency unavailable');
    return { code: CODES[domain.kind], details: domain.message, metadata };
  }
  context.logger.error({ err: describe(error) }, 'unexpected error');
  return { code: status.INTERNAL, details: `internal error (reference: request ${context.requestId})` };
}

/** What to log about an error: its type, code and message and stack, not driver details that may hold data. */
function describe(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { value: String(error) };
  const e = error as Error & { code?: unknown };
  // Only the first line of the message, and the stack frames: drivers and ORMs append the
  // offending values or whole entities (contact data) on the lines after it.
  const message = e.message.split('\n')[0];
  const frames = (e.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  return { type: e.name, message, code: e.code, stack: frames.join('\n') };
}
