import type { Metadata } from '@grpc/grpc-js';
import { googleRpc } from '@cec/proto';

/**
 * The standard rich error model (AIP-193, google.rpc.Status) that grpcurl and Google's client
 * libraries read: a serialized google.rpc.Status {code, message, details} in this binary
 * trailer, its details packed as google.protobuf.Any.
 */
export const STATUS_DETAILS = 'grpc-status-details-bin';

const TYPE_URL_PREFIX = 'type.googleapis.com/';
export const BAD_REQUEST_TYPE_URL = `${TYPE_URL_PREFIX}google.rpc.BadRequest`;
export const REQUEST_INFO_TYPE_URL = `${TYPE_URL_PREFIX}google.rpc.RequestInfo`;

interface Encodes<T> {
  encode(message: T): { finish(): Uint8Array };
}

/** `message` as a google.protobuf.Any of the given type URL. */
export function packAny<T>(typeUrl: string, type: Encodes<T>, message: T): googleRpc.Any {
  return { typeUrl, value: Buffer.from(type.encode(message).finish()) };
}

/** A google.rpc.Status serialized for the STATUS_DETAILS trailer. */
export function encodeStatusDetails(details: googleRpc.Status): Buffer {
  return Buffer.from(googleRpc.Status.encode(details).finish());
}

/** What a client learns from an error's STATUS_DETAILS trailer. */
export interface StatusDetails {
  status: googleRpc.Status;
  /** The field violations of an INVALID_ARGUMENT (the first of them, see status-mapping.ts). */
  badRequest?: googleRpc.BadRequest;
  requestInfo?: googleRpc.RequestInfo;
}

/**
 * Decodes the google.rpc.Status of an error's trailers (e.g. a ServiceError's `metadata`) and
 * unpacks the details this platform sends; undefined when there is none.
 */
export function statusDetailsOf(metadata: Metadata | undefined): StatusDetails | undefined {
  const raw = metadata?.get(STATUS_DETAILS)[0];
  if (!raw || typeof raw === 'string') return undefined;
  const status = googleRpc.Status.decode(raw);
  const out: StatusDetails = { status };
  for (const any of status.details) {
    if (any.typeUrl === BAD_REQUEST_TYPE_URL) out.badRequest = googleRpc.BadRequest.decode(any.value);
    else if (any.typeUrl === REQUEST_INFO_TYPE_URL) out.requestInfo = googleRpc.RequestInfo.decode(any.value);
  }
  return out;
}
