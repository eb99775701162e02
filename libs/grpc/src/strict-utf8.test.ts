import { credentials, Metadata, status, type ServiceDefinition, type ServiceError } from '@grpc/grpc-js';
import { InvalidArgumentError } from '@cec/errors';
import { customersV1 } from '@cec/proto';
import { INVALID_FIELDS, startGrpcServer, statusDetailsOf, type RunningGrpcServer, type ServiceRegistration } from './index';
import { MalformedRequest, strictDeserializer, strictUtf8 } from './strict-utf8';
import { capturingLogger } from '@cec/testing';

const INVOICE_ID = '00000000-0000-4000-8000-000000000001';

/** `bytes` with the UTF-8 of every "ü" (C3 BC) replaced by FF FE, which is not UTF-8 (same length, so the framing holds). */
function breakUtf8(bytes: Uint8Array): Buffer {
  const out = Buffer.from(bytes);
  const marker = Buffer.from('ü');
  let found = 0;
  for (let at = out.indexOf(marker); at !== -1; at = out.indexOf(marker, at + 2)) {
    out[at] = 0xff;
    out[at + 1] = 0xfe;
    found += 1;
  }
  if (!found) throw new Error('no "ü" to break');
  return out;
}

const cancelBytes = (reason: string): Buffer => Buffer.from(customersV1.CancelInvoiceRequest.encode({ invoiceId: INVOICE_ID, reason }).finish());

/** The error a MalformedRequest carries (fails the test for anything else). */
function rejection(result: unknown): InvalidArgumentError {
  if (!(result instanceof MalformedRequest)) throw new Error(`expected a MalformedRequest, got ${JSON.stringify(result)}`);
  return result.error;
}

describe('strictDeserializer', () => {
  const cancel = strictDeserializer(customersV1.InvoiceServiceService.cancelInvoice.requestDeserialize);

  it('passes valid UTF-8 through unchanged, U+FFFD sent on purpose included', () => {
    for (const reason of ['plain ASCII', 'Zürich ☕ 🚀', 'a real \uFFFD replacement character', '\uFEFFleading BOM kept']) {
      expect(cancel(cancelBytes(reason))).toEqual({ invoiceId: INVOICE_ID, reason });
    }
  });

  it('rejects a string with invalid UTF-8, naming its field', () => {
    const error = rejection(cancel(breakUtf8(cancelBytes('Zürich'))));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.violations).toEqual([{ field: 'reason', description: expect.stringContaining('must be valid UTF-8') }]);
  });

  it('names nested and repeated fields by their snake_case path', () => {
    const create = strictDeserializer(customersV1.InvoiceServiceService.createInvoice.requestDeserialize);
    const request = customersV1.CreateInvoiceRequest.fromPartial({
      invoice: { customerId: INVOICE_ID, invoiceNumber: 'INV-ü', description: 'Beschreibung für März', amount: { currencyCode: 'USD', amount: '1.00' } },
    });
    const nested = rejection(create(breakUtf8(customersV1.CreateInvoiceRequest.encode(request).finish())));
    expect(nested.violations.map((v) => v.field)).toEqual(['invoice.invoice_number', 'invoice.description']);

    const batch = strictDeserializer(customersV1.CustomerServiceService.batchGetContactProfiles.requestDeserialize);
    const ids = customersV1.BatchGetContactProfilesRequest.encode({ customerIds: [INVOICE_ID, 'xü', INVOICE_ID, 'ü'] }).finish();
    expect(rejection(batch(breakUtf8(ids))).violations.map((v) => v.field)).toEqual(['customer_ids[1]', 'customer_ids[3]']);
  });

  it('rejects bytes that are not a protobuf message at all', () => {
    const truncated = cancelBytes('a reason').subarray(0, 10);
    const error = rejection(cancel(truncated));
    expect(error.violations).toEqual([]);
    expect(error.message).toMatch(/^the request is not a valid protobuf message/);
  });
});

describe('strictUtf8', () => {
  it('refuses at start-up a definition whose deserializer does not take a BinaryReader', () => {
    const method = customersV1.InvoiceServiceService.cancelInvoice;
    const notTsProto = { cancelInvoice: { ...method, requestDeserialize: (bytes: Buffer) => ({ length: bytes.subarray(0).length }) } };
    expect(() => strictUtf8(notTsProto as unknown as ServiceDefinition, {})).toThrow(/does not take a BinaryReader/);
  });
});

describe('a served method', () => {
  const log = capturingLogger();
  const received: customersV1.CancelInvoiceRequest[] = [];
  let server: RunningGrpcServer;
  let client: customersV1.InvoiceServiceClient;

  beforeAll(async () => {
    const definition = customersV1.InvoiceServiceService;
    const handlers: Record<string, unknown> = Object.fromEntries(
      Object.keys(definition).map((name) => [name, async () => Promise.reject(new Error('not used in this test'))]),
    );
    handlers.cancelInvoice = async (request: customersV1.CancelInvoiceRequest) => {
      received.push(request);
      return { invoice: undefined };
    };
    const registration: ServiceRegistration = { definition, handlers };
    server = await startGrpcServer({ host: '127.0.0.1', port: 0, logger: log.logger, services: [registration], readinessIntervalMs: 60_000 });
    client = new customersV1.InvoiceServiceClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
  });

  afterAll(async () => {
    client.close();
    await server.shutdown();
  });

  /** Sends `bytes` as they are as a CancelInvoice request. */
  function send(bytes: Buffer, requestId: string): Promise<{ error?: ServiceError; response?: customersV1.CancelInvoiceResponse }> {
    const metadata = new Metadata();
    metadata.set('x-request-id', requestId);
    return new Promise((resolve) =>
      client.makeUnaryRequest(
        customersV1.InvoiceServiceService.cancelInvoice.path,
        (raw: Buffer) => raw,
        (raw: Buffer) => customersV1.CancelInvoiceResponse.decode(raw),
        bytes,
        metadata,
        { deadline: Date.now() + 5_000 },
        (error, response) => resolve({ error: error ?? undefined, response }),
      ),
    );
  }

  it('answers invalid UTF-8 with INVALID_ARGUMENT naming the field, with the request id, without calling the handler', async () => {
    const { error } = await send(breakUtf8(cancelBytes('Zürich')), 'req-utf8-1');
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
    expect(error?.details).toMatch(/^reason: must be valid UTF-8/);
    expect(error?.metadata.get('x-request-id')).toEqual(['req-utf8-1']);
    expect(error?.metadata.get(INVALID_FIELDS)).toEqual(['reason']);
    const details = statusDetailsOf(error?.metadata);
    expect(details?.badRequest?.fieldViolations.map((v) => v.field)).toEqual(['reason']);
    expect(details?.requestInfo?.requestId).toBe('req-utf8-1');
    expect(received).toEqual([]);
    expect(log.lines().find((l) => l.msg === 'rpc' && l.request_id === 'req-utf8-1')).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('answers undecodable bytes with INVALID_ARGUMENT, not INTERNAL', async () => {
    const { error } = await send(cancelBytes('a reason').subarray(0, 10), 'req-utf8-2');
    expect({ code: error?.code, requestId: error?.metadata.get('x-request-id') }).toEqual({ code: status.INVALID_ARGUMENT, requestId: ['req-utf8-2'] });
    expect(received).toEqual([]);
  });

  it('serves valid non-ASCII text as sent', async () => {
    const { error } = await send(cancelBytes('Zürich ☕ 🚀'), 'req-utf8-3');
    expect(error).toBeUndefined();
    expect(received).toEqual([{ invoiceId: INVOICE_ID, reason: 'Zürich ☕ 🚀' }]);
  });
});
