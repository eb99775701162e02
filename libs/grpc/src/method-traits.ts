import { create, createFileRegistry, fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema, MethodOptions_IdempotencyLevel } from '@bufbuild/protobuf/wkt';
import { fileDescriptorProtos } from '@cec/proto';

/** What a client may do with a method on its own, as the contract (proto/) declares it. */
export interface MethodTraits {
  /** Full method name, "escalation.customers.v1.InvoiceService/GetInvoice". */
  service: string;
  method: string;
  /**
   * `option idempotency_level = NO_SIDE_EFFECTS` or `IDEMPOTENT`: calling it twice has the
   * effect of calling it once, so a call that failed UNAVAILABLE may be sent again.
   */
  retryable: boolean;
  /** The request has a `request_id` field: the server answers a repeated request id with the first result. */
  hasRequestId: boolean;
}

let cache: Map<string, MethodTraits> | undefined;

/** Every method of every contract, by path ("/escalation.customers.v1.InvoiceService/GetInvoice"). */
export function methodTraits(): Map<string, MethodTraits> {
  if (cache) return cache;
  const set = create(FileDescriptorSetSchema, { file: fileDescriptorProtos().map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes)) });
  const registry = createFileRegistry(set);
  const traits = new Map<string, MethodTraits>();
  for (const file of registry.files) {
    for (const service of file.services) {
      for (const method of service.methods) {
        traits.set(`/${service.typeName}/${method.name}`, {
          service: service.typeName,
          method: method.name,
          retryable:
            method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS || method.idempotency === MethodOptions_IdempotencyLevel.IDEMPOTENT,
          hasRequestId: method.input.fields.some((field) => field.name === 'request_id' && field.fieldKind === 'scalar'),
        });
      }
    }
  }
  cache = traits;
  return traits;
}
