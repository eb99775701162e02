import { status, type Metadata, type ServiceError } from '@grpc/grpc-js';
import { googleRpc } from '@cec/proto';

/*
 * The trailer and type URL of the standard error model (AIP-193). libs/grpc (error-details.ts)
 * has the same decoder for production clients; @cec/testing cannot import @cec/grpc, whose
 * tests import @cec/testing (the project graph must stay acyclic), so it decodes here too.
 */
const STATUS_DETAILS = 'grpc-status-details-bin';
const BAD_REQUEST_TYPE_URL = 'type.googleapis.com/google.rpc.BadRequest';

/** The error a call failed with; fails the test, showing the response, when the call succeeded. */
export async function rejectionOf(work: Promise<unknown>): Promise<ServiceError> {
  let response: unknown;
  try {
    response = await work;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error(`expected the call to fail, it answered ${JSON.stringify(response)}`);
}

/** The google.rpc.Status of an error's grpc-status-details-bin trailer, or undefined when it has none. */
export function statusDetailsOf(error: { metadata?: Metadata }): googleRpc.Status | undefined {
  const raw = error.metadata?.get(STATUS_DETAILS)[0];
  if (!raw || typeof raw === 'string') return undefined;
  return googleRpc.Status.decode(raw);
}

/** The field violations of the google.rpc.BadRequest in an error's details, or undefined when it has none. */
export function fieldViolationsOf(error: { metadata?: Metadata }): googleRpc.BadRequest_FieldViolation[] | undefined {
  const badRequest = statusDetailsOf(error)?.details.find((any) => any.typeUrl === BAD_REQUEST_TYPE_URL);
  return badRequest ? googleRpc.BadRequest.decode(badRequest.value).fieldViolations : undefined;
}

/**
 * Awaits a call that must fail INVALID_ARGUMENT naming each of `fields`: in the status message
 * ("field: description; …", which names the first ten violations) and, when the error carries
 * grpc-status-details-bin, as a field violation of its
 * google.rpc.BadRequest (whose Status must have the same code and message). Returns the
 * ServiceError for further checks (exact message, other fields named or not).
 *
 *   const error = await expectInvalid(call(h.customers, 'getCustomer', { customerId: 'x' }), ['customer_id']);
 */
export async function expectInvalid(work: Promise<unknown>, fields: string | readonly string[]): Promise<ServiceError> {
  const error = await rejectionOf(work);
  const named = typeof fields === 'string' ? [fields] : [...fields];
  expect({ code: status[error.code] ?? error.code, details: error.details }).toEqual({
    code: status[status.INVALID_ARGUMENT],
    details: expect.any(String),
  });
  // Named as the platform names violations: "field: description; field: description".
  for (const field of named) expect(error.details).toMatch(new RegExp(`(?:^|; )${field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
  const details = statusDetailsOf(error);
  if (details) {
    expect({ code: status[details.code] ?? details.code, message: details.message }).toEqual({
      code: status[status.INVALID_ARGUMENT],
      message: error.details,
    });
    if (named.length) {
      expect({ badRequestFields: fieldViolationsOf(error)?.map((v) => v.field) }).toEqual({ badRequestFields: expect.arrayContaining(named) });
    }
  }
  return error;
}
