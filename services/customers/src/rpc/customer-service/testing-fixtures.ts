/*
 * What the CustomerService tests (one file per method, each with its own service and
 * database) share: requests with valid defaults, reads of the database, and the checks that
 * a refused call changed nothing.
 */
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { customersV1 } from '@cec/proto';
import { call, expectInvalid as expectInvalidArgument, rejectionOf, snapshot, type DatabaseSnapshot } from '@cec/testing';
import type { ServiceError } from '@grpc/grpc-js';
import type { CustomersHarness } from '../../testing/customers-harness';

export const { ContactMethod, RiskLevel } = customersV1;

/** On whose behalf the test calls: the audit trail must name this actor. */
export const OPS = { 'x-actor': 'user:ops@example.com' };
export const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** The service works in UTC days; so do the invoices these tests insert. */
export const TODAY = `(now() AT TIME ZONE 'UTC')::date`;

export type Customer = customersV1.Customer;
export type Profile = customersV1.CustomerProfile;
/** What a request may carry (fromPartial fills in the rest). */
export type CustomerFields = Partial<Omit<Customer, 'address'>> & { address?: Partial<customersV1.PostalAddress> };
export type ProfileFields = Partial<Omit<Profile, 'riskFactors'>>;

/** A field the response must carry. */
export function present<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('the response lacks a field it must carry');
  return value;
}
export const millis = (time: Date | undefined): number => present(time).getTime();

export interface AuditRow {
  entity_type: string;
  entity_id: string;
  action: string;
  actor_type: string;
  actor_id: string;
  details: Record<string, unknown>;
}

/** A word no other test uses, to find "our" customers with a search. */
export const newTag = (): string => `zq${randomUUID().replace(/-/g, '').slice(0, 10)}`;

/** Company names in the order ListCustomers must give them: by name, then by id. */
export const byNameThenId = (a: Customer, b: Customer): number =>
  a.companyName === b.companyName ? (a.id < b.id ? -1 : 1) : a.companyName < b.companyName ? -1 : 1;

/** What a call to CustomerService could change. */
const TABLES = ['customers', 'customer_profiles', 'audit_logs'];

/** The helpers, bound to a file's service: `const f = customerFixtures(useCustomersService())`. */
export function customerFixtures(h: CustomersHarness) {
  let counter = 0;

  async function create(
    customer: CustomerFields = {},
    options: { profile?: ProfileFields; requestId?: string; metadata?: Record<string, string> } = {},
  ): Promise<{ customer: Customer; profile: Profile }> {
    counter += 1;
    const request = customersV1.CreateCustomerRequest.fromPartial({
      customer: { companyName: `Company ${counter}`, email: `ap${counter}@acme.example`, ...customer },
      profile: options.profile,
      requestId: options.requestId,
    });
    const response = await call(h.customers, 'createCustomer', request, { metadata: options.metadata ?? OPS });
    return { customer: present(response.customer), profile: present(response.profile) };
  }

  const createCustomer = async (customer: CustomerFields = {}, profile?: ProfileFields): Promise<Customer> =>
    (await create(customer, { profile })).customer;

  const getCustomer = async (id: string): Promise<Customer> =>
    present((await call(h.customers, 'getCustomer', customersV1.GetCustomerRequest.fromPartial({ customerId: id }))).customer);

  const getProfile = async (id: string): Promise<Profile> =>
    present((await call(h.customers, 'getCustomerProfile', customersV1.GetCustomerProfileRequest.fromPartial({ customerId: id }))).profile);

  const updateCustomer = async (customer: CustomerFields, updateMask?: string[]): Promise<{ customer: Customer }> => {
    const request = customersV1.UpdateCustomerRequest.fromPartial({ customer, updateMask });
    return { customer: present((await call(h.customers, 'updateCustomer', request, { metadata: OPS })).customer) };
  };

  const updateProfile = async (profile: ProfileFields, updateMask?: string[]): Promise<{ profile: Profile }> => {
    const request = customersV1.UpdateCustomerProfileRequest.fromPartial({ profile, updateMask });
    return { profile: present((await call(h.customers, 'updateCustomerProfile', request, { metadata: OPS })).profile) };
  };

  const list = (request: Partial<customersV1.ListCustomersRequest>) =>
    call(h.customers, 'listCustomers', customersV1.ListCustomersRequest.fromPartial(request));

  const recalculate = async (id: string): Promise<{ profile: Profile }> => {
    const request = customersV1.RecalculateRiskScoreRequest.fromPartial({ customerId: id });
    return { profile: present((await call(h.customers, 'recalculateRiskScore', request, { metadata: OPS })).profile) };
  };

  const batchGet = (ids: string[]) =>
    call(h.customers, 'batchGetContactProfiles', customersV1.BatchGetContactProfilesRequest.fromPartial({ customerIds: ids }));

  /** Row counts and a digest of every customer, profile and audit row, to prove a call changed nothing. */
  const databaseState = (): Promise<DatabaseSnapshot> => snapshot(h.db, TABLES);

  /**
   * The call fails with INVALID_ARGUMENT naming exactly `fields` (x-invalid-fields, in this order;
   * each in the message and the BadRequest details), and the database is as before.
   */
  async function expectInvalid(work: () => Promise<unknown>, fields: string[], details: string | RegExp): Promise<ServiceError> {
    const before = await databaseState();
    const error = await expectInvalidArgument(work(), fields);
    expect({ code: error.code, fields: error.metadata.get('x-invalid-fields') }).toEqual({ code: status.INVALID_ARGUMENT, fields: [fields.join(',')] });
    if (typeof details === 'string') expect(error.details).toContain(details);
    else expect(error.details).toMatch(details);
    expect(await databaseState()).toEqual(before);
    return error;
  }

  /** The call fails with NOT_FOUND and this message, and the database is as before. */
  async function expectNotFound(work: () => Promise<unknown>, details: string): Promise<void> {
    const before = await databaseState();
    const error = await rejectionOf(work());
    expect({ code: error.code, details: error.details }).toEqual({ code: status.NOT_FOUND, details });
    expect(await databaseState()).toEqual(before);
  }

  const auditOf = (entityId: string): Promise<AuditRow[]> =>
    h.db.query<AuditRow>(
      'SELECT entity_type, entity_id, action, actor_type, actor_id, details FROM audit_logs WHERE entity_id = $1 ORDER BY append_id',
      [entityId],
    );

  const countRows = async (sql: string, params: unknown[]): Promise<number> => (await h.db.query<{ n: number }>(sql, params))[0].n;

  /** An invoice inserted as the database's CHECK constraints allow it (dates in days relative to today, UTC). */
  async function addInvoice(
    customerId: string,
    invoice: { amount: string; status: 'pending' | 'overdue' | 'partial' | 'paid' | 'cancelled'; dueInDays: number; amountPaid?: string; paidDaysAfterDue?: number },
  ): Promise<void> {
    await h.db.query(
      `INSERT INTO payment_records (customer_id, invoice_number, amount, amount_paid, currency, issued_date, due_date, paid_date, status, cancelled_at)
       VALUES ($1, $2, $3::numeric, $4::numeric, 'USD', ${TODAY} + $5::int - 30, ${TODAY} + $5::int,
               CASE WHEN $6 = 'paid' THEN ${TODAY} + $5::int + $7::int END, $6,
               CASE WHEN $6 = 'cancelled' THEN now() END)`,
      [customerId, `INV-${randomUUID()}`, invoice.amount, invoice.amountPaid ?? '0', invoice.dueInDays, invoice.status, invoice.paidDaysAfterDue ?? 0],
    );
  }

  return {
    create,
    createCustomer,
    getCustomer,
    getProfile,
    updateCustomer,
    updateProfile,
    list,
    recalculate,
    batchGet,
    databaseState,
    expectInvalid,
    expectNotFound,
    auditOf,
    countRows,
    addInvoice,
  };
}
