import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { DomainError, InvalidArgumentError, type FieldViolation } from '@cec/errors';
import type { Logger } from '@cec/observability';
import { googleRpc } from '@cec/proto';
import { BAD_REQUEST_TYPE_URL, encodeStatusDetails, packAny, REQUEST_INFO_TYPE_URL, STATUS_DETAILS } from './error-details';

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
  // The commit may or may not have happened: never retried automatically (libs/orm transactions.ts).
  unknown_outcome: status.UNKNOWN,
};

/**
 * Metadata key listing the fields of an INVALID_ARGUMENT, comma separated (the first
 * ERROR_LIMITS.invalidFields distinct ones). Deprecated: read the google.rpc.BadRequest in
 * grpc-status-details-bin (STATUS_DETAILS) instead.
 */
export const INVALID_FIELDS = 'x-invalid-fields';

/**
 * What one error may put on the wire. The status message and every trailer travel in one
 * HTTP/2 header block, and a client drops a block over its limit (grpc-js 1.14 never delivers
 * one of 128 KiB; gRPC C-core's default limit is 8 KiB): the caller then never gets the answer,
 * waits out its deadline, and other calls on the connection stall with it. So an
 * error names only its first violations, cut short, and all its trailers stay within
 * `trailerBytes`, counted as HTTP/2 counts a header list (name + value + 32 per entry).
 */
export const ERROR_LIMITS = {
  /** Violations the status message names, then "; and N more". */
  messageViolations: 10,
  /** Code points of one field path or description (then "…"), wherever it is sent. */
  fieldChars: 200,
  descriptionChars: 200,
  /** The status message as sent (grpc-message, percent-encoded). */
  messageBytes: 1024,
  /** Distinct fields in x-invalid-fields, and its length. */
  invalidFields: 100,
  invalidFieldsBytes: 1024,
  /** Field violations in the google.rpc.BadRequest (as many as fit the budget). */
  detailViolations: 100,
  /** Every header of the error response, from grpc-status to x-request-id. */
  trailerBytes: 6 * 1024,
} as const;

/**
 * Room kept in ERROR_LIMITS.trailerBytes for what is added after toServiceError: grpc-status,
 * x-request-id (at most 128 characters, unary.ts) and, in a trailers-only response, :status and
 * content-type.
 */
const RESERVED_BYTES = 512;
/** RFC 7540 section 6.5.2: each header counts its name, its value and 32 bytes. */
const headerSize = (name: string, valueLength: number): number => name.length + valueLength + 32;

/**
 * The status for an error thrown by a handler. Domain errors keep their message (written for
 * the caller); anything unexpected becomes INTERNAL with only a reference to the request id,
 * and is logged in full here so the reference leads to it.
 *
 * Every error carries grpc-status-details-bin: a google.rpc.Status with the same code and
 * message whose details hold a google.rpc.RequestInfo (the request id) and, for
 * INVALID_ARGUMENT, a google.rpc.BadRequest with the first field violations. All of it is
 * bounded (ERROR_LIMITS), however many violations the error holds.
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
    const code = CODES[domain.kind];
    const violations = domain instanceof InvalidArgumentError ? domain.violations : [];
    const message = violations.length ? violationsMessage(violations) : fitMessage(domain.message);
    const metadata = new Metadata();
    let used = RESERVED_BYTES + headerSize('grpc-message', encodeURI(message).length);
    if (violations.length) {
      const fields = invalidFields(violations);
      metadata.set(INVALID_FIELDS, fields);
      used += headerSize(INVALID_FIELDS, fields.length);
    }
    metadata.set(STATUS_DETAILS, statusDetails(code, message, violations, context.requestId, ERROR_LIMITS.trailerBytes - used));
    if (domain.kind === 'unavailable') context.logger.warn({ err: describe(error) }, 'dependency unavailable');
    return { code, details: message, metadata };
  }
  context.logger.error({ err: describe(error) }, 'unexpected error');
  const message = `internal error (reference: request ${context.requestId})`;
  const metadata = new Metadata();
  const room = ERROR_LIMITS.trailerBytes - RESERVED_BYTES - headerSize('grpc-message', encodeURI(message).length);
  metadata.set(STATUS_DETAILS, statusDetails(status.INTERNAL, message, [], context.requestId, room));
  return { code: status.INTERNAL, details: message, metadata };
}

/** "f1: d1; f2: d2; ...; and N more": the first violations that fit ERROR_LIMITS.messageBytes. */
function violationsMessage(violations: FieldViolation[]): string {
  const parts = violations.slice(0, ERROR_LIMITS.messageViolations).map(violationLine);
  const tail = (shown: number): string => (violations.length > shown ? `; and ${violations.length - shown} more` : '');
  for (let shown = parts.length; shown > 0; shown -= 1) {
    const message = parts.slice(0, shown).join('; ') + tail(shown);
    if (encodeURI(message).length <= ERROR_LIMITS.messageBytes) return message;
  }
  // Even the first violation alone is too long once percent-encoded (non-ASCII text).
  return cutEncoded(parts[0], ERROR_LIMITS.messageBytes - encodeURI(tail(1)).length) + tail(1);
}

const violationLine = (v: FieldViolation): string => `${cut(v.field, ERROR_LIMITS.fieldChars)}: ${cut(v.description, ERROR_LIMITS.descriptionChars)}`;

/** Any other message, cut to ERROR_LIMITS.messageBytes. */
const fitMessage = (message: string): string => cutEncoded(wellFormed(message), ERROR_LIMITS.messageBytes);

/** The first distinct fields that fit, as printable ASCII (what a text trailer may hold). */
function invalidFields(violations: FieldViolation[]): string {
  const fields = new Set<string>();
  let length = -1;
  for (const v of violations) {
    if (fields.size === ERROR_LIMITS.invalidFields) break;
    const field = cut(v.field, ERROR_LIMITS.fieldChars).replace(/[^ -~]/g, '?');
    if (fields.has(field)) continue;
    if (length + 1 + field.length > ERROR_LIMITS.invalidFieldsBytes) break;
    fields.add(field);
    length += 1 + field.length;
  }
  return [...fields].join(',');
}

/** A serialized google.rpc.Status of at most `maxHeaderBytes` as a base64 grpc-status-details-bin header. */
function statusDetails(code: status, message: string, violations: FieldViolation[], requestId: string, maxHeaderBytes: number): Buffer {
  const maxBytes = Math.floor(((maxHeaderBytes - headerSize(STATUS_DETAILS, 0)) * 3) / 4);
  const requestInfo = packAny(REQUEST_INFO_TYPE_URL, googleRpc.RequestInfo, { requestId, servingData: '' });
  const encode = (fieldViolations: googleRpc.BadRequest_FieldViolation[]): Buffer =>
    encodeStatusDetails({
      code,
      message,
      details: fieldViolations.length ? [packAny(BAD_REQUEST_TYPE_URL, googleRpc.BadRequest, { fieldViolations }), requestInfo] : [requestInfo],
    });

  // Add violations while they fit (an estimate: the BadRequest's own framing is not counted),
  // then drop from the end until the whole Status does.
  let room = maxBytes - encode([]).length - (BAD_REQUEST_TYPE_URL.length + 16);
  const chosen: googleRpc.BadRequest_FieldViolation[] = [];
  for (const v of violations.slice(0, ERROR_LIMITS.detailViolations)) {
    const fieldViolation = googleRpc.BadRequest_FieldViolation.fromPartial({
      field: cut(v.field, ERROR_LIMITS.fieldChars),
      description: cut(v.description, ERROR_LIMITS.descriptionChars),
    });
    const size = googleRpc.BadRequest_FieldViolation.encode(fieldViolation).finish().length + 3;
    if (size > room) break;
    room -= size;
    chosen.push(fieldViolation);
  }
  let encoded = encode(chosen);
  while (encoded.length > maxBytes && chosen.length) {
    chosen.pop();
    encoded = encode(chosen);
  }
  return encoded;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** Lone surrogates replaced with U+FFFD: they have no UTF-8, and encodeURI (grpc-js's grpc-message) throws on them. */
const wellFormed = (text: string): string => text.replace(LONE_SURROGATE, '\uFFFD');

/** The first `max` code points of `text` (never half a surrogate pair), "…" marking a cut. */
function cut(text: string, max: number): string {
  let count = 0;
  let end = 0;
  for (const char of text) {
    if (count === max) return `${wellFormed(text.slice(0, end))}…`;
    count += 1;
    end += char.length;
  }
  return wellFormed(text);
}

/** The longest prefix of `text` whose percent-encoding (as grpc-js sends grpc-message) fits `maxBytes`, "…" marking a cut. */
function cutEncoded(text: string, maxBytes: number): string {
  if (encodeURI(text).length <= maxBytes) return text;
  const budget = maxBytes - encodeURI('…').length;
  let used = 0;
  let end = 0;
  for (const char of text) {
    used += encodeURI(char).length;
    if (used > budget) break;
    end += char.length;
  }
  return `${text.slice(0, end)}…`;
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
