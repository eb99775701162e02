import { status, type Metadata, type ServiceError } from '@grpc/grpc-js';
import { InvalidArgumentError, NotFoundError, type FieldViolation } from '@cec/errors';
import { googleRpc } from '@cec/proto';
import { ERROR_LIMITS, INVALID_FIELDS, STATUS_DETAILS, statusDetailsOf, toServiceError } from './index';
import { capturingLogger } from '@cec/testing';

const REQUEST_ID = 'req-0123456789';
const { logger } = capturingLogger();
const map = (error: unknown): Partial<ServiceError> & { metadata: Metadata } => {
  const mapped = toServiceError(error, { requestId: REQUEST_ID, logger });
  if (!mapped.metadata) throw new Error('toServiceError returned no metadata');
  return mapped as Partial<ServiceError> & { metadata: Metadata };
};

const malformedIds = (n: number): FieldViolation[] =>
  Array.from({ length: n }, (_, i) => ({ field: `customer_ids[${i}]`, description: `must be a UUID, got "not-a-uuid-${i}"` }));

/**
 * The header list the client receives for this error, counted as HTTP/2 counts it (name + value
 * + 32 per entry): what grpc-js sends in a trailers-only response, plus the x-request-id
 * unary.ts adds (at most 128 characters).
 */
function headerListSize(mapped: Partial<ServiceError> & { metadata: Metadata }): number {
  const headers: Record<string, string | string[]> = {
    ':status': '200',
    'content-type': 'application/grpc+proto',
    'grpc-status': String(mapped.code),
    'grpc-message': encodeURI(mapped.details ?? ''),
    'x-request-id': 'r'.repeat(128),
    ...(mapped.metadata.toHttp2Headers() as Record<string, string | string[]>),
  };
  return Object.entries(headers).reduce((sum, [name, value]) => sum + [value].flat().reduce((s, v) => s + name.length + v.length + 32, 0), 0);
}

describe('toServiceError', () => {
  it('names the first 10 of 1,000 violations in the message, then how many more', () => {
    const mapped = map(new InvalidArgumentError(malformedIds(1000)));
    expect(mapped.code).toBe(status.INVALID_ARGUMENT);
    const shown = malformedIds(10).map((v) => `${v.field}: ${v.description}`);
    expect(mapped.details).toBe(`${shown.join('; ')}; and 990 more`);
  });

  it('keeps the message of a few violations as it was, and their fields in x-invalid-fields', () => {
    const mapped = map(
      new InvalidArgumentError([
        { field: 'invoice.amount', description: 'must be positive' },
        { field: 'invoice.due_date', description: 'is required' },
        { field: 'invoice.amount', description: 'must have at most 2 fraction digits' },
      ]),
    );
    expect(mapped.details).toBe('invoice.amount: must be positive; invoice.due_date: is required; invoice.amount: must have at most 2 fraction digits');
    expect(mapped.metadata.get(INVALID_FIELDS)).toEqual(['invoice.amount,invoice.due_date']);
  });

  it('lists at most 100 distinct fields in x-invalid-fields', () => {
    const fields = String(map(new InvalidArgumentError(malformedIds(1000))).metadata.get(INVALID_FIELDS)[0]).split(',');
    expect(fields.length).toBeGreaterThanOrEqual(50);
    expect(fields.length).toBeLessThanOrEqual(ERROR_LIMITS.invalidFields);
    expect(fields).toEqual(malformedIds(fields.length).map((v) => v.field));
    expect(fields.join(',').length).toBeLessThanOrEqual(ERROR_LIMITS.invalidFieldsBytes);
  });

  it('cuts each description at 200 characters, never inside a surrogate pair', () => {
    const description = '🚀'.repeat(500);
    const mapped = map(InvalidArgumentError.field('reason', description));
    const expected = `${'🚀'.repeat(ERROR_LIMITS.descriptionChars)}…`;
    const details = statusDetailsOf(mapped.metadata);
    expect(details?.badRequest?.fieldViolations[0]).toMatchObject({ field: 'reason', description: expected });
    // The message is cut further, to its byte budget once percent-encoded, at a code point.
    expect(encodeURI(mapped.details ?? '').length).toBeLessThanOrEqual(ERROR_LIMITS.messageBytes);
    expect(mapped.details).toMatch(/^reason: (🚀)+…$/u);
  });

  it('keeps every trailer of an error well under 8 KiB, however large its violations', () => {
    const huge: FieldViolation[] = Array.from({ length: 1000 }, (_, i) => ({
      field: `field_${i}_${'ü'.repeat(300)}`,
      description: `${'☕ "x" '.repeat(2000)}\uD800`, // non-ASCII, quotes, a lone surrogate
    }));
    for (const violations of [huge, malformedIds(1000), malformedIds(1)]) {
      const mapped = map(new InvalidArgumentError(violations));
      expect(headerListSize(mapped)).toBeLessThanOrEqual(ERROR_LIMITS.trailerBytes);
      expect(encodeURI(mapped.details ?? '').length).toBeLessThanOrEqual(ERROR_LIMITS.messageBytes);
      expect(statusDetailsOf(mapped.metadata)?.badRequest?.fieldViolations.length).toBeGreaterThan(0);
    }
    const longMessage = map(new NotFoundError(`customer ${'x'.repeat(100_000)} not found`));
    expect(headerListSize(longMessage)).toBeLessThanOrEqual(ERROR_LIMITS.trailerBytes);
    expect(longMessage.details).toMatch(/^customer x+…$/);
  });

  it('sends a google.rpc.Status with the field violations and the request id', () => {
    const mapped = map(new InvalidArgumentError(malformedIds(1000)));
    const raw = mapped.metadata.get(STATUS_DETAILS)[0] as Buffer;
    const decoded = googleRpc.Status.decode(raw);
    expect({ code: decoded.code, message: decoded.message }).toEqual({ code: status.INVALID_ARGUMENT, message: mapped.details });
    expect(decoded.details.map((d) => d.typeUrl)).toEqual(['type.googleapis.com/google.rpc.BadRequest', 'type.googleapis.com/google.rpc.RequestInfo']);

    const badRequest = googleRpc.BadRequest.decode(decoded.details[0].value);
    expect(badRequest.fieldViolations.length).toBeGreaterThan(ERROR_LIMITS.messageViolations);
    expect(badRequest.fieldViolations.length).toBeLessThanOrEqual(ERROR_LIMITS.detailViolations);
    expect(badRequest.fieldViolations.map(({ field, description }) => ({ field, description }))).toEqual(
      malformedIds(badRequest.fieldViolations.length),
    );
    expect(googleRpc.RequestInfo.decode(decoded.details[1].value)).toEqual({ requestId: REQUEST_ID, servingData: '' });
  });

  it('sends the request id in the details of every error, INTERNAL included', () => {
    const notFound = statusDetailsOf(map(NotFoundError.resource('customer', 'abc')).metadata);
    expect(notFound).toEqual({
      status: expect.objectContaining({ code: status.NOT_FOUND, message: 'customer abc not found' }),
      requestInfo: { requestId: REQUEST_ID, servingData: '' },
    });

    const internal = map(new Error('connection to 10.0.0.7 failed: password=hunter2'));
    expect(internal.code).toBe(status.INTERNAL);
    const details = statusDetailsOf(internal.metadata);
    expect(details).toEqual({
      status: expect.objectContaining({ code: status.INTERNAL, message: `internal error (reference: request ${REQUEST_ID})` }),
      requestInfo: { requestId: REQUEST_ID, servingData: '' },
    });
    expect(JSON.stringify(details)).not.toContain('hunter2');
  });
});
