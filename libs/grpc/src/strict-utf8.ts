import { BinaryReader } from '@bufbuild/protobuf/wire';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { InvalidArgumentError, type FieldViolation } from '@cec/errors';

/*
 * proto3 strings must be valid UTF-8, but ts-proto's decode reads them through
 * @bufbuild/protobuf's BinaryReader, which turns invalid bytes into U+FFFD: the handler would
 * store text the caller never sent. A deserializer cannot simply throw either: grpc-js answers
 * that with INTERNAL "Error deserializing request", without our trailers or log line. So the
 * strict deserializer hands grpc-js a MalformedRequest instead of the message, and the guarded
 * handler rejects it with INVALID_ARGUMENT before the service's handler runs; unary.ts then
 * maps, logs and counts it like any other error, x-request-id included.
 */

const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lossy = new TextDecoder('utf-8', { ignoreBOM: true });

/** A request protobuf does not let us serve: what the deserializer returns in its place. */
export class MalformedRequest {
  constructor(readonly error: InvalidArgumentError) {}
}

/** An INVALID_ARGUMENT about the request as a whole (no field to name): its message is the status message. */
class UndecodableRequestError extends InvalidArgumentError {
  constructor(message: string) {
    super([]);
    this.message = message;
  }
}

const NOT_UTF8 = 'must be valid UTF-8 (the request holds bytes that are not)';

/**
 * Wraps a ts-proto requestDeserialize (`(bytes) => X.decode(bytes)`; decode also takes a
 * BinaryReader): strings are decoded strictly, and a request with invalid UTF-8 (or bytes that
 * are not a protobuf message at all) becomes a MalformedRequest naming the fields.
 */
export function strictDeserializer<T>(deserialize: (bytes: Buffer) => T): (bytes: Buffer) => T | MalformedRequest {
  return (bytes) => {
    let invalid: Set<string> | undefined;
    const reader = new BinaryReader(bytes, (utf8) => {
      try {
        return fatal.decode(utf8);
      } catch {
        const text = lossy.decode(utf8);
        (invalid ??= new Set()).add(text);
        return text;
      }
    });
    let message: T;
    try {
      message = deserialize(reader as unknown as Buffer);
    } catch (error) {
      return new MalformedRequest(new UndecodableRequestError(`the request is not a valid protobuf message (${(error as Error).message})`));
    }
    if (!invalid) return message;
    const fields = fieldsHolding(message, invalid);
    if (!fields.length) return new MalformedRequest(new UndecodableRequestError(`the request holds a string that is not valid UTF-8`));
    return new MalformedRequest(new InvalidArgumentError(fields.map((field): FieldViolation => ({ field, description: NOT_UTF8 }))));
  };
}

/**
 * A service definition whose deserializers are strict, with its handlers guarded to reject a
 * MalformedRequest. Throws at start-up for a method whose deserializer does not take a
 * BinaryReader (not ts-proto's), rather than serve it unchecked.
 */
export function strictUtf8<H extends object>(definition: ServiceDefinition, handlers: H): { definition: ServiceDefinition; handlers: H } {
  const strict: Record<string, unknown> = {};
  const source = handlers as Record<string, unknown>;
  const guarded: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(definition)) {
    try {
      method.requestDeserialize(new BinaryReader(new Uint8Array(0)) as unknown as Buffer);
    } catch (error) {
      throw new Error(`${method.path}: requestDeserialize does not take a BinaryReader (${(error as Error).message}); serve ts-proto definitions`);
    }
    strict[name] = { ...method, requestDeserialize: strictDeserializer(method.requestDeserialize) };
    const handler = source[name];
    if (typeof handler !== 'function') continue; // implement() reports a missing handler
    guarded[name] = (request: unknown, context: unknown): Promise<unknown> =>
      request instanceof MalformedRequest ? Promise.reject(request.error) : handler.call(handlers, request, context);
  }
  return { definition: strict as ServiceDefinition, handlers: guarded as H };
}

/** The request fields (snake_case paths: `invoice.description`, `customer_ids[3]`) whose strings are in `invalid`. */
function fieldsHolding(message: unknown, invalid: Set<string>): string[] {
  const fields = new Set<string>();
  const walk = (value: unknown, path: string): void => {
    if (typeof value === 'string') {
      if (invalid.has(value)) fields.add(path);
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${path}[${i}]`));
    } else if (value !== null && typeof value === 'object' && !(value instanceof Date) && !ArrayBuffer.isView(value)) {
      for (const [key, item] of Object.entries(value)) {
        if (invalid.has(key)) fields.add(path); // a map key
        if (isOneofCase(item)) walk(item.value, join(path, snakeCase(item.$case)));
        else walk(item, join(path, snakeCase(key)));
      }
    }
  };
  walk(message, '');
  return [...fields].map((field) => field || 'request');
}

/** ts-proto's oneof=unions-value: `{ $case: 'fieldName', value }` under the oneof's name. */
const isOneofCase = (value: unknown): value is { $case: string; value: unknown } =>
  value !== null && typeof value === 'object' && typeof (value as { $case?: unknown }).$case === 'string';

const join = (path: string, name: string): string => (path ? `${path}.${name}` : name);

/** ts-proto's camelCase field name back to the .proto's snake_case (`invoiceNumber` → `invoice_number`). */
const snakeCase = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
