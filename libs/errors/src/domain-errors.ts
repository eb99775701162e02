/**
 * Errors that domain code throws. They carry no transport: @cec/grpc maps each kind to its
 * gRPC status code, with the message as the status details, so messages must be written
 * for the caller (say what is wrong and what to do) and must not leak internals.
 */

export interface FieldViolation {
  /** The request field, as the caller spells it: `customer.email`, `amount.currency_code`. */
  field: string;
  description: string;
}

export abstract class DomainError extends Error {
  abstract readonly kind:
    | 'invalid_argument'
    | 'not_found'
    | 'already_exists'
    | 'failed_precondition'
    | 'aborted'
    | 'unavailable'
    | 'permission_denied'
    | 'unauthenticated'
    | 'deadline_exceeded'
    | 'unknown_outcome';
}

/** The caller sent something malformed; each violation names the field. */
export class InvalidArgumentError extends DomainError {
  readonly kind = 'invalid_argument';
  constructor(readonly violations: FieldViolation[]) {
    super(violations.map((v) => `${v.field}: ${v.description}`).join('; '));
    this.name = 'InvalidArgumentError';
  }

  static field(field: string, description: string): InvalidArgumentError {
    return new InvalidArgumentError([{ field, description }]);
  }
}

export class NotFoundError extends DomainError {
  readonly kind = 'not_found';
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }

  static resource(resource: string, id: string): NotFoundError {
    return new NotFoundError(`${resource} ${id} not found`);
  }
}

export class AlreadyExistsError extends DomainError {
  readonly kind = 'already_exists';
  constructor(message: string) {
    super(message);
    this.name = 'AlreadyExistsError';
  }
}

/** The resource is not in a state that allows the operation (an illegal transition). */
export class FailedPreconditionError extends DomainError {
  readonly kind = 'failed_precondition';
  constructor(message: string) {
    super(message);
    this.name = 'FailedPreconditionError';
  }
}

/** A concurrent change won; retrying the whole call is safe. */
export class AbortedError extends DomainError {
  readonly kind = 'aborted';
  constructor(message: string) {
    super(message);
    this.name = 'AbortedError';
  }
}

/** A dependency (database, another service) cannot be reached; retrying later is safe. */
export class UnavailableError extends DomainError {
  readonly kind = 'unavailable';
  constructor(message: string) {
    super(message);
    this.name = 'UnavailableError';
  }
}

export class DeadlineExceededError extends DomainError {
  readonly kind = 'deadline_exceeded';
  constructor(message: string) {
    super(message);
    this.name = 'DeadlineExceededError';
  }
}

export class PermissionDeniedError extends DomainError {
  readonly kind = 'permission_denied';
  constructor(message: string) {
    super(message);
    this.name = 'PermissionDeniedError';
  }
}

export class UnauthenticatedError extends DomainError {
  readonly kind = 'unauthenticated';
  constructor(message: string) {
    super(message);
    this.name = 'UnauthenticatedError';
  }
}

/**
 * The change may or may not have been saved: the connection to the database broke while it
 * was being committed. Not safe to retry blindly; retrying with the same request id is (the
 * retry returns the first result when there was one).
 */
export class UnknownOutcomeError extends DomainError {
  readonly kind = 'unknown_outcome';
  constructor(message: string) {
    super(message);
    this.name = 'UnknownOutcomeError';
  }
}
