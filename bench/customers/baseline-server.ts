/**
 * The baseline of the customers benchmark: a bare @grpc/grpc-js server answering GetCustomer
 * and ListOverdueInvoices (first pages, no filters) with plain `pg` — no ORM, no interceptors,
 * no logging, no metrics, no request context. It registers the same generated service
 * definitions as the customers service, reads the same rows (as the same role, customers_svc,
 * through a pool of the same size) and answers with the same messages, so the difference
 * between the two is what the service's own layers cost. Nothing is cached.
 *
 * Run by bench/customers/run.ts as a child process:
 *   BASELINE_DATABASE_URL=postgres://customers_svc@host:port/db BASELINE_PORT=0 tsx baseline-server.ts
 * Prints one line `{"ready":true,"port":N}` on stdout once it listens; stops on SIGTERM/SIGINT.
 */
import { createHash } from 'node:crypto';
import {
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
  type UntypedHandleCall,
} from '@grpc/grpc-js';
import { Pool } from 'pg';
import { customersV1 } from '@cec/proto';

const { ContactMethod, InvoiceStatus, RiskLevel } = customersV1;

const databaseUrl = process.env.BASELINE_DATABASE_URL;
if (!databaseUrl) {
  console.error('baseline-server: set BASELINE_DATABASE_URL (the bench database, as customers_svc)');
  process.exit(2);
}

// Same pool size as the service's default (CUSTOMERS_DB_POOL_MAX=10), same session time zone
// (UTC: current_date, hence days overdue, means the same day as in the service).
const pool = new Pool({
  connectionString: databaseUrl,
  max: Number(process.env.BASELINE_POOL_MAX ?? 10),
  options: '-c TimeZone=UTC',
  application_name: 'bench-baseline',
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const CONTACT: Record<string, number> = {
  email: ContactMethod.CONTACT_METHOD_EMAIL,
  phone: ContactMethod.CONTACT_METHOD_PHONE,
  sms: ContactMethod.CONTACT_METHOD_SMS,
};
const RISK: Record<string, number> = {
  low: RiskLevel.RISK_LEVEL_LOW,
  medium: RiskLevel.RISK_LEVEL_MEDIUM,
  high: RiskLevel.RISK_LEVEL_HIGH,
  critical: RiskLevel.RISK_LEVEL_CRITICAL,
};
const STATUS: Record<string, number> = {
  pending: InvoiceStatus.INVOICE_STATUS_PENDING,
  overdue: InvoiceStatus.INVOICE_STATUS_OVERDUE,
  partial: InvoiceStatus.INVOICE_STATUS_PARTIAL,
  paid: InvoiceStatus.INVOICE_STATUS_PAID,
  cancelled: InvoiceStatus.INVOICE_STATUS_CANCELLED,
};

// --- money: a numeric string written with the currency's minor-unit digits, rounded half up ---

const minorDigits = new Map<string, number>();
function digitsOf(currency: string): number {
  let digits = minorDigits.get(currency);
  if (digits === undefined) {
    try {
      digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
    minorDigits.set(currency, digits);
  }
  return digits;
}

/** "1200.5000" -> "1200.50" (USD), "1500.0000" -> "1500" (JPY); non-negative values, exact. */
function formatAmount(value: string, digits: number): string {
  const [int, frac = ''] = value.split('.');
  if (frac.length <= digits) return digits ? `${int}.${frac.padEnd(digits, '0')}` : int;
  const kept = BigInt(int + frac.slice(0, digits)) + (frac.charCodeAt(digits) >= 53 /* '5' */ ? 1n : 0n);
  const s = kept.toString().padStart(digits + 1, '0');
  return digits ? `${s.slice(0, -digits)}.${s.slice(-digits)}` : s;
}

function money(amount: string, currency: string) {
  return { currencyCode: currency, amount: formatAmount(amount, digitsOf(currency)) };
}

// --- errors ---

function fail(callback: sendUnaryData<never>, code: status, details: string): void {
  callback({ code, details, name: 'Error', message: details } as never);
}

function internal(callback: sendUnaryData<never>, error: unknown): void {
  console.error('baseline-server:', (error as Error).message);
  fail(callback, status.INTERNAL, (error as Error).message);
}

// --- GetCustomer: the customer with its profile's risk level and score, one query ---

interface CustomerRow {
  id: string;
  company_name: string;
  contact_name: string | null;
  email: string;
  phone: string | null;
  preferred_contact_method: string;
  address: Record<string, string | undefined>;
  created_at: Date;
  updated_at: Date;
  risk_level: string;
  risk_score: number;
}

const GET_CUSTOMER = `
  SELECT c.id, c.company_name, c.contact_name, c.email, c.phone, c.preferred_contact_method, c.address,
         c.created_at, c.updated_at, p.risk_level, p.risk_score
    FROM customers c
    JOIN customer_profiles p ON p.customer_id = c.id
   WHERE c.id = $1`;

function getCustomer(
  call: ServerUnaryCall<customersV1.GetCustomerRequest, customersV1.GetCustomerResponse>,
  callback: sendUnaryData<customersV1.GetCustomerResponse>,
): void {
  const id = call.request.customerId;
  if (!UUID.test(id)) return fail(callback, status.INVALID_ARGUMENT, 'customer_id: must be a UUID');
  pool.query<CustomerRow>(GET_CUSTOMER, [id]).then(({ rows }) => {
    const c = rows[0];
    if (!c) return fail(callback, status.NOT_FOUND, `customer ${id} not found`);
    const a = c.address;
    callback(null, {
      customer: {
        id: c.id,
        companyName: c.company_name,
        contactName: c.contact_name ?? '',
        email: c.email,
        phone: c.phone ?? '',
        preferredContactMethod: CONTACT[c.preferred_contact_method],
        address: {
          line1: a.line1 ?? '',
          line2: a.line2 ?? '',
          city: a.city ?? '',
          state: a.state ?? '',
          postalCode: a.postal_code ?? '',
          country: a.country ?? '',
        },
        riskLevel: RISK[c.risk_level] ?? RiskLevel.RISK_LEVEL_UNSPECIFIED,
        riskScore: c.risk_score,
        createTime: c.created_at,
        updateTime: c.updated_at,
      },
    });
  }, (error) => internal(callback, error));
}

// --- ListOverdueInvoices: a page of v_overdue_payments with its invoices, one query ---

interface OverdueRow {
  payment_record_id: string;
  days_overdue: number;
  due_date: string;
  company_name: string;
  risk_level: string | null;
  risk_score: number | null;
  do_not_contact: boolean;
  customer_id: string;
  invoice_number: string;
  amount: string;
  amount_paid: string;
  balance: string;
  currency: string;
  issued_date: string;
  paid_date: string | null;
  status: string;
  description: string | null;
  last_payment_at: Date | null;
  cancelled_at: Date | null;
  cancellation_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

// The page is cut from the view first (ORDER BY its date column), then its invoices are joined:
// one round trip, and PostgreSQL never joins payment_records for rows outside the page.
function overdueQuery(cursor: string): string {
  return `
  SELECT v.payment_record_id, v.days_overdue, v.due_date::text AS due_date, v.company_name,
         v.risk_level, v.risk_score, v.do_not_contact,
         pr.customer_id, pr.invoice_number, pr.amount, pr.amount_paid, pr.amount - pr.amount_paid AS balance,
         pr.currency, pr.issued_date::text AS issued_date, pr.paid_date::text AS paid_date, pr.status,
         pr.description, pr.last_payment_at, pr.cancelled_at, pr.cancellation_reason, pr.created_at, pr.updated_at
    FROM (SELECT payment_record_id, days_overdue, due_date, company_name, risk_level, risk_score, do_not_contact
            FROM v_overdue_payments
           ${cursor}
           ORDER BY due_date, payment_record_id
           LIMIT $1) v
    JOIN payment_records pr ON pr.id = v.payment_record_id
   ORDER BY v.due_date, v.payment_record_id`;
}
const OVERDUE_FIRST_PAGE = overdueQuery('');
const OVERDUE_NEXT_PAGE = overdueQuery('WHERE (due_date, payment_record_id) > ($2::date, $3::uuid)');

// Page tokens in the service's format (base64url JSON {v, k: last sort key, f: filter digest}),
// so both servers answer with byte-identical messages. The baseline serves the unfiltered list
// only: its filter digest is that of "no filters".
const NO_FILTERS = createHash('sha256')
  .update(JSON.stringify({ customerId: undefined, minDaysOverdue: undefined, riskLevels: [] }))
  .digest('base64url')
  .slice(0, 16);

function toOverdueInvoice(r: OverdueRow): customersV1.OverdueInvoice {
  const currency = r.currency;
  return {
    invoice: {
      id: r.payment_record_id,
      customerId: r.customer_id,
      invoiceNumber: r.invoice_number,
      amount: money(r.amount, currency),
      amountPaid: money(r.amount_paid, currency),
      balance: money(r.balance, currency),
      issuedDate: r.issued_date,
      dueDate: r.due_date,
      paidDate: r.paid_date ?? '',
      status: STATUS[r.status],
      description: r.description ?? '',
      lastPaymentTime: r.last_payment_at ?? undefined,
      cancelTime: r.cancelled_at ?? undefined,
      cancellationReason: r.cancellation_reason ?? '',
      createTime: r.created_at,
      updateTime: r.updated_at,
    },
    daysOverdue: r.days_overdue,
    companyName: r.company_name,
    riskLevel: r.risk_level ? RISK[r.risk_level] : RiskLevel.RISK_LEVEL_UNSPECIFIED,
    riskScore: r.risk_score ?? 0,
    doNotContact: r.do_not_contact,
  };
}

function listOverdueInvoices(
  call: ServerUnaryCall<customersV1.ListOverdueInvoicesRequest, customersV1.ListOverdueInvoicesResponse>,
  callback: sendUnaryData<customersV1.ListOverdueInvoicesResponse>,
): void {
  const request = call.request;
  if (request.customerId || request.minDaysOverdue || request.riskLevels.length) {
    return fail(callback, status.UNIMPLEMENTED, 'the baseline serves the unfiltered overdue list only');
  }
  if (!Number.isInteger(request.pageSize) || request.pageSize < 0) {
    return fail(callback, status.INVALID_ARGUMENT, `page_size: must not be negative, got ${request.pageSize}`);
  }
  const size = request.pageSize === 0 ? 50 : Math.min(request.pageSize, 1000);
  let after: [string, string] | undefined;
  if (request.pageToken) {
    try {
      const body = JSON.parse(Buffer.from(request.pageToken, 'base64url').toString('utf8')) as { v: number; k: [string, string]; f: string };
      if (body.v !== 1 || body.f !== NO_FILTERS || !Array.isArray(body.k)) throw new Error('foreign token');
      after = body.k;
    } catch {
      return fail(callback, status.INVALID_ARGUMENT, 'page_token: is not a token this API issued');
    }
  }
  const query = after ? pool.query<OverdueRow>(OVERDUE_NEXT_PAGE, [size + 1, after[0], after[1]]) : pool.query<OverdueRow>(OVERDUE_FIRST_PAGE, [size + 1]);
  query.then(({ rows }) => {
    const page = rows.length > size ? rows.slice(0, size) : rows;
    const last = page[page.length - 1];
    const nextPageToken =
      rows.length > size ? Buffer.from(JSON.stringify({ v: 1, k: [last.due_date, last.payment_record_id], f: NO_FILTERS })).toString('base64url') : '';
    callback(null, { overdueInvoices: page.map(toOverdueInvoice), nextPageToken });
  }, (error) => internal(callback, error));
}

// --- the server: the same generated definitions; every other method answers UNIMPLEMENTED ---

function implementation(definition: ServiceDefinition, handlers: Record<string, UntypedHandleCall>): Record<string, UntypedHandleCall> {
  const out: Record<string, UntypedHandleCall> = {};
  for (const name of Object.keys(definition)) {
    out[name] =
      handlers[name] ??
      ((_call: unknown, callback: sendUnaryData<never>) => fail(callback, status.UNIMPLEMENTED, `${definition[name].path} is not part of the baseline`));
  }
  return out;
}

const server = new Server();
server.addService(customersV1.CustomerServiceService, implementation(customersV1.CustomerServiceService, { getCustomer: getCustomer as UntypedHandleCall }));
server.addService(
  customersV1.InvoiceServiceService,
  implementation(customersV1.InvoiceServiceService, { listOverdueInvoices: listOverdueInvoices as UntypedHandleCall }),
);

const host = process.env.BASELINE_HOST ?? '127.0.0.1';
server.bindAsync(`${host}:${Number(process.env.BASELINE_PORT ?? 0)}`, ServerCredentials.createInsecure(), (error, port) => {
  if (error) {
    console.error(`baseline-server: cannot listen: ${error.message}`);
    process.exit(1);
  }
  process.stdout.write(`${JSON.stringify({ ready: true, port })}\n`);
});

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  server.tryShutdown(() => void pool.end().finally(() => process.exit(0)));
  setTimeout(() => process.exit(0), 3_000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
