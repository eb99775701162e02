import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { INVALID_FIELDS, statusDetailsOf, STATUS_DETAILS, type StatusDetails } from '@cec/grpc';
import { customersV1 } from '@cec/proto';
import { call } from '@cec/testing';
import { useCustomersService } from '../testing/customers-harness';

/*
 * What a caller gets back from the platform's edges, against the real customers service:
 * errors with very many violations arrive (bounded message and trailers, google.rpc.Status
 * details), and a request with invalid UTF-8 is refused before anything is stored.
 */

const h = useCustomersService();

const ACTOR = { 'x-actor': 'user:ops@example.com' };
const DEADLINE_MS = 5_000;
/** What grpc-js clients never deliver (128 KiB here) is far above this; gRPC C-core's default limit is 8 KiB. */
const TRAILERS_WELL_UNDER = 7 * 1024;

let serial = 0;

/** A customer with its profile, inserted directly. */
async function newCustomer(): Promise<string> {
  serial += 1;
  const [row] = await h.db.query<{ id: string }>(
    `WITH c AS (INSERT INTO customers (company_name, email) VALUES ($1, $2) RETURNING id)
     INSERT INTO customer_profiles (customer_id) SELECT id FROM c RETURNING customer_id AS id`,
    [`Limits ${process.pid}-${serial}`, `limits-${process.pid}-${serial}@example.com`],
  );
  return row.id;
}

/** A pending invoice due in 30 days, inserted directly. */
async function newInvoice(customerId: string): Promise<string> {
  serial += 1;
  const [row] = await h.db.query<{ id: string }>(
    `INSERT INTO payment_records (customer_id, invoice_number, amount, amount_paid, currency, issued_date, due_date, status)
     VALUES ($1, $2, 100, 0, 'USD', current_date, current_date + 30, 'pending') RETURNING id`,
    [customerId, `LIM-${process.pid}-${serial}`],
  );
  return row.id;
}

/** Row counts and a digest of every invoice, payment and audit row, to prove a call changed nothing. */
async function databaseState(): Promise<Record<string, unknown>> {
  const [row] = await h.db.query(`
    SELECT (SELECT count(*)::int FROM payment_records) AS invoices,
           (SELECT count(*)::int FROM audit_logs)      AS audit_logs,
           (SELECT md5(COALESCE(string_agg(p::text, '|' ORDER BY p.id), '')) FROM payment_records p) AS invoices_digest`);
  return row;
}

async function failureOf(work: Promise<unknown>): Promise<ServiceError> {
  try {
    await work;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('expected the call to fail');
}

/** Fails unless the call failed INVALID_ARGUMENT well before its deadline; returns the error and its decoded details. */
async function invalidInTime(work: () => Promise<unknown>): Promise<{ error: ServiceError; details: StatusDetails; ms: number }> {
  const started = Date.now();
  const error = await failureOf(work());
  const ms = Date.now() - started;
  expect({ code: status[error.code], fast: ms < DEADLINE_MS / 2 }).toEqual({ code: 'INVALID_ARGUMENT', fast: true });
  const details = statusDetailsOf(error.metadata);
  if (!details) throw new Error(`no ${STATUS_DETAILS} in the trailers`);
  expect(details.status).toMatchObject({ code: status.INVALID_ARGUMENT, message: error.details });
  expect(details.requestInfo?.requestId).toBe(String(error.metadata.get('x-request-id')[0]));
  return { error, details, ms };
}

/** The size of what came back in the trailers, counted as HTTP/2 counts a header list. */
function trailerBytes(error: ServiceError): number {
  const headers: Record<string, unknown> = { 'grpc-status': String(error.code), 'grpc-message': encodeURI(error.details), ...error.metadata.toHttp2Headers() };
  let size = 0;
  for (const [name, value] of Object.entries(headers)) for (const v of [value].flat()) size += name.length + String(v).length + 32;
  return size;
}

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

/** Sends `bytes` as they are (no serializer) as a CancelInvoice request, with a 5 s deadline. */
function sendCancel(bytes: Buffer): Promise<customersV1.CancelInvoiceResponse> {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(ACTOR)) metadata.set(key, value);
  return new Promise((resolve, reject) =>
    h.invoices.makeUnaryRequest(
      customersV1.InvoiceServiceService.cancelInvoice.path,
      (raw: Buffer) => raw,
      (raw: Buffer) => customersV1.CancelInvoiceResponse.decode(raw),
      bytes,
      metadata,
      { deadline: Date.now() + DEADLINE_MS },
      (error, response) => (error ? reject(error) : resolve(response as customersV1.CancelInvoiceResponse)),
    ),
  );
}

const cancelBytes = (invoiceId: string, reason: string): Buffer =>
  Buffer.from(customersV1.CancelInvoiceRequest.encode({ invoiceId, reason }).finish());

async function invoiceRow(id: string): Promise<{ status: string; cancelled_at: Date | null; cancellation_reason: string | null }> {
  const [row] = await h.db.query<{ status: string; cancelled_at: Date | null; cancellation_reason: string | null }>(
    'SELECT status, cancelled_at, cancellation_reason FROM payment_records WHERE id = $1',
    [id],
  );
  return row;
}

describe('errors with very many violations', () => {
  // Before the caps, the first came back as about 100 KB of trailers, which grpc-js still takes;
  // the second as about 400 KB (descriptions echo up to 64 characters of each id, and non-ASCII
  // text is percent-encoded in grpc-message), which it never delivers: the call hit its deadline.
  it.each([
    ['short', (i: number) => `not-a-uuid-${i}`],
    ['64-character non-ASCII', (i: number) => `${i}-`.padEnd(64, 'ü')],
  ])('answers 1,000 malformed %s ids in BatchGetContactProfiles with INVALID_ARGUMENT well before the deadline', async (_label, id) => {
    const ids = Array.from({ length: 1000 }, (_, i) => id(i));
    const { error, details } = await invalidInTime(() =>
      call(h.customers, 'batchGetContactProfiles', customersV1.BatchGetContactProfilesRequest.fromPartial({ customerIds: ids }), {
        deadlineMs: DEADLINE_MS,
      }),
    );
    expect(error.details).toMatch(/^customer_ids\[0\]: must be a UUID, got ".*; and \d+ more$/);
    expect(error.details.startsWith(`customer_ids[0]: must be a UUID, got "${ids[0]}"`)).toBe(true);
    expect(encodeURI(error.details).length).toBeLessThanOrEqual(1024);
    expect(trailerBytes(error)).toBeLessThan(TRAILERS_WELL_UNDER);

    const violations = details.badRequest?.fieldViolations ?? [];
    expect(violations.length).toBeGreaterThan(0);
    expect(violations.length).toBeLessThanOrEqual(100);
    expect(violations.map((v) => v.field)).toEqual(ids.slice(0, violations.length).map((_, i) => `customer_ids[${i}]`));
    expect(violations[0].description).toBe(`must be a UUID, got "${ids[0]}"`);

    const fields = String(error.metadata.get(INVALID_FIELDS)[0]).split(',');
    expect(fields.length).toBeLessThanOrEqual(100);
    expect(fields.slice(0, 3)).toEqual(['customer_ids[0]', 'customer_ids[1]', 'customer_ids[2]']);
  });

  it('names the first 10 of 1,000 malformed ids in the message, then how many more', async () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `not-a-uuid-${i}`);
    const error = await failureOf(
      call(h.customers, 'batchGetContactProfiles', customersV1.BatchGetContactProfilesRequest.fromPartial({ customerIds: ids }), {
        deadlineMs: DEADLINE_MS,
      }),
    );
    const first10 = ids.slice(0, 10).map((value, i) => `customer_ids[${i}]: must be a UUID, got "${value}"`);
    expect(error.details).toBe(`${first10.join('; ')}; and 990 more`);
  });

  it.each([
    ['UNSPECIFIED (0)', 0],
    ['unknown', 99],
  ])('answers 1,000 %s statuses in ListInvoices with INVALID_ARGUMENT well before the deadline', async (_label, value) => {
    const request = customersV1.ListInvoicesRequest.fromPartial({ statuses: Array.from({ length: 1000 }, () => value) });
    const { error, details } = await invalidInTime(() => call(h.invoices, 'listInvoices', request, { deadlineMs: DEADLINE_MS }));
    expect(error.details).toMatch(/^statuses/);
    expect(encodeURI(error.details).length).toBeLessThanOrEqual(1024);
    expect(trailerBytes(error)).toBeLessThan(TRAILERS_WELL_UNDER);
    const violations = details.badRequest?.fieldViolations ?? [];
    expect(violations.length).toBeGreaterThan(0);
    expect(violations.length).toBeLessThanOrEqual(100);
    for (const v of violations) expect(v.field).toMatch(/^statuses(\[\d+\])?$/);
  });
});

describe('strings that are not UTF-8', () => {
  it('refuses a CancelInvoice whose reason holds invalid UTF-8, naming reason, and leaves the invoice as it was', async () => {
    const invoiceId = await newInvoice(await newCustomer());
    const before = await databaseState();
    const { error, details } = await invalidInTime(() => sendCancel(breakUtf8(cancelBytes(invoiceId, 'duplicate für März'))));
    expect(error.details).toMatch(/^reason: must be valid UTF-8/);
    expect(error.metadata.get(INVALID_FIELDS)).toEqual(['reason']);
    expect(details.badRequest?.fieldViolations.map((v) => v.field)).toEqual(['reason']);
    expect(await invoiceRow(invoiceId)).toEqual({ status: 'pending', cancelled_at: null, cancellation_reason: null });
    expect(await databaseState()).toEqual(before);
  });

  it('refuses a CreateInvoice whose invoice.description holds invalid UTF-8, creating nothing', async () => {
    const customerId = await newCustomer();
    const before = await databaseState();
    const request = customersV1.CreateInvoiceRequest.fromPartial({
      invoice: { customerId, invoiceNumber: `LIM-${process.pid}-create`, amount: { currencyCode: 'USD', amount: '10.00' }, dueDate: '2999-01-01', description: 'Gebühr' },
    });
    const bytes = breakUtf8(customersV1.CreateInvoiceRequest.encode(request).finish());
    const metadata = new Metadata();
    for (const [key, value] of Object.entries(ACTOR)) metadata.set(key, value);
    const { details } = await invalidInTime(
      () =>
        new Promise((resolve, reject) =>
          h.invoices.makeUnaryRequest(
            customersV1.InvoiceServiceService.createInvoice.path,
            (raw: Buffer) => raw,
            (raw: Buffer) => customersV1.CreateInvoiceResponse.decode(raw),
            bytes,
            metadata,
            { deadline: Date.now() + DEADLINE_MS },
            (error, response) => (error ? reject(error) : resolve(response)),
          ),
        ),
    );
    expect(details.badRequest?.fieldViolations.map((v) => v.field)).toEqual(['invoice.description']);
    expect(await databaseState()).toEqual(before);
  });

  it('cancels with a valid non-ASCII reason sent the same way, stored as sent', async () => {
    const invoiceId = await newInvoice(await newCustomer());
    const reason = 'Zürich ☕ 🚀';
    const response = await sendCancel(cancelBytes(invoiceId, reason));
    expect(response.invoice).toMatchObject({ id: invoiceId, status: customersV1.InvoiceStatus.INVOICE_STATUS_CANCELLED, cancellationReason: reason });
    expect(await invoiceRow(invoiceId)).toMatchObject({ status: 'cancelled', cancellation_reason: reason });
  });

  it('cancels with a valid non-ASCII reason through the generated client', async () => {
    const invoiceId = await newInvoice(await newCustomer());
    const reason = 'Zürich ☕ 🚀';
    const response = await call(h.invoices, 'cancelInvoice', customersV1.CancelInvoiceRequest.fromPartial({ invoiceId, reason }), {
      metadata: ACTOR,
    });
    expect(response.invoice?.cancellationReason).toBe(reason);
    expect((await invoiceRow(invoiceId)).cancellation_reason).toBe(reason);
  });
});
