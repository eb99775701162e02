import { randomUUID } from 'node:crypto';
import { status, type ServiceError } from '@grpc/grpc-js';
import { customersV1 } from '@cec/proto';
import { call } from '@cec/testing';
import { useCustomersService } from '../testing/customers-harness';

const { ContactMethod, RiskLevel } = customersV1;

/** On whose behalf the test calls: the audit trail must name this actor. */
const OPS = { 'x-actor': 'user:ops@example.com' };
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** The service works in UTC days; so do the invoices these tests insert. */
const TODAY = `(now() AT TIME ZONE 'UTC')::date`;

type Customer = customersV1.Customer;
type Profile = customersV1.CustomerProfile;
/** What a request may carry (fromPartial fills in the rest). */
type CustomerFields = Partial<Omit<Customer, 'address'>> & { address?: Partial<customersV1.PostalAddress> };
type ProfileFields = Partial<Omit<Profile, 'riskFactors'>>;

/** A field the response must carry. */
function present<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('the response lacks a field it must carry');
  return value;
}
const millis = (time: Date | undefined): number => present(time).getTime();

interface AuditRow {
  entity_type: string;
  entity_id: string;
  action: string;
  actor_type: string;
  actor_id: string;
  details: Record<string, unknown>;
}

describe('CustomerService', () => {
  const h = useCustomersService();

  // ---------------------------------------------------------------- helpers

  let counter = 0;
  /** A word no other test uses, to find "our" customers with a search. */
  const newTag = (): string => `zq${randomUUID().replace(/-/g, '').slice(0, 10)}`;

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

  /** Row counts and a digest of every customer and profile row, to prove a call changed nothing. */
  async function databaseState(): Promise<Record<string, unknown>> {
    const [row] = await h.db.query(`
      SELECT (SELECT count(*)::int FROM customers)         AS customers,
             (SELECT count(*)::int FROM customer_profiles) AS profiles,
             (SELECT count(*)::int FROM audit_logs)        AS audit_logs,
             (SELECT md5(COALESCE(string_agg(c::text, '|' ORDER BY c.id), '')) FROM customers c)         AS customers_digest,
             (SELECT md5(COALESCE(string_agg(p::text, '|' ORDER BY p.id), '')) FROM customer_profiles p) AS profiles_digest`);
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

  /** The call fails with INVALID_ARGUMENT naming exactly `fields`, and the database is as before. */
  async function expectInvalid(work: () => Promise<unknown>, fields: string[], details: string | RegExp): Promise<ServiceError> {
    const before = await databaseState();
    const error = await failureOf(work());
    expect({ code: error.code, fields: error.metadata.get('x-invalid-fields') }).toEqual({ code: status.INVALID_ARGUMENT, fields: [fields.join(',')] });
    if (typeof details === 'string') expect(error.details).toContain(details);
    else expect(error.details).toMatch(details);
    expect(await databaseState()).toEqual(before);
    return error;
  }

  /** The call fails with NOT_FOUND and this message, and the database is as before. */
  async function expectNotFound(work: () => Promise<unknown>, details: string): Promise<void> {
    const before = await databaseState();
    const error = await failureOf(work());
    expect({ code: error.code, details: error.details }).toEqual({ code: status.NOT_FOUND, details });
    expect(await databaseState()).toEqual(before);
  }

  const auditOf = (entityId: string): Promise<AuditRow[]> =>
    h.db.query<AuditRow>(
      'SELECT entity_type, entity_id, action, actor_type, actor_id, details FROM audit_logs WHERE entity_id = $1 ORDER BY seq',
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

  /** Company names in the order ListCustomers must give them: by name, then by id. */
  const byNameThenId = (a: Customer, b: Customer): number =>
    a.companyName === b.companyName ? (a.id < b.id ? -1 : 1) : a.companyName < b.companyName ? -1 : 1;

  // ---------------------------------------------------------------- CreateCustomer

  describe('CreateCustomer', () => {
    it('creates a customer and its profile with normalised values', async () => {
      const before = Date.now();
      const { customer, profile } = await create(
        {
          companyName: '  Acme Corp  ',
          contactName: ' Jane Doe ',
          email: ' ap@acme.example ',
          phone: '+1 (415) 555-0100',
          preferredContactMethod: ContactMethod.CONTACT_METHOD_SMS,
          address: { line1: '1 Main St', city: 'Boston', state: 'MA', postalCode: '02110', country: 'us' },
        },
        { profile: { timeZone: 'US/Eastern', countryCode: 'us', regionCode: 'ma', notes: 'prefers mornings' } },
      );
      const after = Date.now();

      expect(customer).toEqual({
        id: expect.stringMatching(UUID),
        companyName: 'Acme Corp',
        contactName: 'Jane Doe',
        email: 'ap@acme.example',
        phone: '+14155550100',
        preferredContactMethod: ContactMethod.CONTACT_METHOD_SMS,
        address: { line1: '1 Main St', line2: '', city: 'Boston', state: 'MA', postalCode: '02110', country: 'US' },
        riskLevel: RiskLevel.RISK_LEVEL_LOW,
        riskScore: 5,
        createTime: expect.any(Date),
        updateTime: expect.any(Date),
      });
      expect(millis(customer.createTime)).toBeGreaterThanOrEqual(before - 1000);
      expect(millis(customer.createTime)).toBeLessThanOrEqual(after + 1000);
      expect(customer.updateTime).toEqual(customer.createTime);

      expect(profile).toEqual({
        customerId: customer.id,
        preferredContactMethod: ContactMethod.CONTACT_METHOD_SMS,
        timeZone: 'America/New_York',
        countryCode: 'US',
        regionCode: 'MA',
        doNotContact: false,
        doNotContactReason: '',
        notes: 'prefers mornings',
        riskScore: 5,
        riskLevel: RiskLevel.RISK_LEVEL_LOW,
        riskFactors: expect.objectContaining({ totalInvoiced: '0', overdueBalance: '0', responsivenessPoints: 5, delayPoints: 0 }),
        riskCalculateTime: expect.any(Date),
        averagePaymentDelayDays: 0,
        responseRate: undefined,
        updateTime: expect.any(Date),
      });
    });

    it('stores the normalised values', async () => {
      const customer = await createCustomer({ phone: '+44 20 7946 0958', address: { country: 'gb' } }, { timeZone: 'europe/london' });
      const [row] = await h.db.query(
        `SELECT c.phone, c.address, c.preferred_contact_method, p.timezone, p.country_code, p.region_code, p.do_not_contact
           FROM customers c JOIN customer_profiles p ON p.customer_id = c.id WHERE c.id = $1`,
        [customer.id],
      );
      expect(row).toEqual({
        phone: '+442079460958',
        address: { country: 'GB' },
        preferred_contact_method: 'email',
        timezone: 'Europe/London',
        country_code: null,
        region_code: null,
        do_not_contact: false,
      });
    });

    it.each([
      ['US/Eastern', 'America/New_York'],
      ['Asia/Calcutta', 'Asia/Kolkata'],
      ['Europe/Kiev', 'Europe/Kyiv'],
    ])('stores time zone %j as %j, a name PostgreSQL knows', async (given, stored) => {
      const c = await createCustomer({}, { timeZone: given });
      const [row] = await h.db.query(
        `SELECT p.timezone, EXISTS (SELECT 1 FROM pg_timezone_names z WHERE z.name = p.timezone) AS known
           FROM customer_profiles p WHERE p.customer_id = $1`,
        [c.id],
      );
      expect(row).toEqual({ timezone: stored, known: true });
    });

    it('defaults to email, UTC and no jurisdiction', async () => {
      const { customer, profile } = await create({ companyName: 'Defaults Ltd', email: 'ap@defaults.example' });
      expect(customer).toMatchObject({ contactName: '', phone: '', preferredContactMethod: ContactMethod.CONTACT_METHOD_EMAIL });
      expect(customer.address).toEqual({ line1: '', line2: '', city: '', state: '', postalCode: '', country: '' });
      expect(profile).toMatchObject({ timeZone: 'UTC', countryCode: '', regionCode: '', doNotContact: false, doNotContactReason: '', notes: '' });
    });

    it('creates a customer that must not be contacted, with the reason', async () => {
      const { profile } = await create({}, { profile: { doNotContact: true, doNotContactReason: 'legal hold' } });
      expect(profile).toMatchObject({ doNotContact: true, doNotContactReason: 'legal hold' });
    });

    it('refuses a request without a customer', async () => {
      await expectInvalid(
        () => call(h.customers, 'createCustomer', customersV1.CreateCustomerRequest.fromPartial({})),
        ['customer', 'customer.company_name', 'customer.email'],
        'customer: is required',
      );
    });

    it('refuses an empty company name', async () => {
      await expectInvalid(() => create({ companyName: '   ' }), ['customer.company_name'], 'customer.company_name: is required');
    });

    it('refuses a company name of 201 characters', async () => {
      await expectInvalid(() => create({ companyName: 'x'.repeat(201) }), ['customer.company_name'], 'customer.company_name: must be at most 200 characters, got 201');
    });

    it('accepts a company name of 200 characters', async () => {
      expect((await createCustomer({ companyName: 'x'.repeat(200) })).companyName).toHaveLength(200);
    });

    it('refuses a malformed email', async () => {
      await expectInvalid(() => create({ email: 'ap.acme.example' }), ['customer.email'], 'customer.email: must be an email address such as ap@example.com');
    });

    it('refuses a missing email', async () => {
      await expectInvalid(() => create({ email: '' }), ['customer.email'], 'customer.email: is required');
    });

    it('refuses a malformed phone', async () => {
      await expectInvalid(() => create({ phone: '555-0100' }), ['customer.phone'], 'customer.phone: must be an E.164 phone number such as +14155550100');
    });

    it('refuses an unknown preferred contact method', async () => {
      await expectInvalid(
        () => create({ preferredContactMethod: 99 as customersV1.ContactMethod }),
        ['customer.preferred_contact_method'],
        'customer.preferred_contact_method: unknown value 99',
      );
    });

    it.each([
      ['SMS', ContactMethod.CONTACT_METHOD_SMS, 'sms'],
      ['phone', ContactMethod.CONTACT_METHOD_PHONE, 'phone'],
    ])('requires a phone number when the preferred method is %s', async (_name, method, word) => {
      await expectInvalid(
        () => create({ preferredContactMethod: method }),
        ['customer.phone'],
        `customer.phone: is required when the preferred contact method is ${word}`,
      );
    });

    it('refuses a bad address country', async () => {
      await expectInvalid(() => create({ address: { country: 'USA' } }), ['customer.address.country'], 'customer.address.country: must be an ISO 3166-1 alpha-2 country code');
    });

    it('refuses do_not_contact without a reason', async () => {
      await expectInvalid(
        () => create({}, { profile: { doNotContact: true } }),
        ['profile.do_not_contact_reason'],
        'profile.do_not_contact_reason: is required when do_not_contact is set',
      );
    });

    it('refuses a region without a country', async () => {
      await expectInvalid(() => create({}, { profile: { regionCode: 'MA' } }), ['profile.region_code'], 'profile.region_code: needs country_code');
    });

    it('refuses an unknown time zone', async () => {
      await expectInvalid(
        () => create({}, { profile: { timeZone: 'Mars/Olympus_Mons' } }),
        ['profile.time_zone'],
        'profile.time_zone: must be an IANA time zone such as America/New_York, got "Mars/Olympus_Mons"',
      );
    });

    it('refuses notes of 4001 characters', async () => {
      await expectInvalid(() => create({}, { profile: { notes: 'n'.repeat(4001) } }), ['profile.notes'], 'profile.notes: must be at most 4000 characters, got 4001');
    });

    it('refuses a request_id that is not a UUID', async () => {
      await expectInvalid(() => create({}, { requestId: 'retry-1' }), ['request_id'], 'request_id: must be a UUID, got "retry-1"');
    });

    it('names every bad field at once', async () => {
      await expectInvalid(
        () => create({ companyName: '', email: 'nope', phone: 'x' }, { requestId: 'nope', profile: { timeZone: 'Nowhere' } }),
        ['request_id', 'profile.time_zone', 'customer.company_name', 'customer.email', 'customer.phone'],
        /^request_id: .*; profile\.time_zone: .*; customer\.company_name: is required; customer\.email: .*; customer\.phone: /,
      );
    });

    it('refuses a NUL character as bad input, not as an internal error', async () => {
      await expectInvalid(() => create({ companyName: 'Acme\u0000Corp' }), ['customer.company_name'], 'customer.company_name: must not contain NUL');
      await expectInvalid(() => create({ email: 'ap\u0000@acme.example' }), ['customer.email'], 'customer.email: must be an email address');
    });

    it('refuses a malformed x-actor', async () => {
      await expectInvalid(() => create({}, { metadata: { 'x-actor': 'ops@example.com' } }), ['metadata x-actor'], 'must be "<user|service|agent|system>:<id>"');
    });
  });

  // ---------------------------------------------------------------- idempotency

  describe('CreateCustomer with a request_id', () => {
    it('answers a retry with the first customer and creates nothing more', async () => {
      const requestId = randomUUID();
      const first = await create({ companyName: 'Retry Inc', email: 'ap@retry.example' }, { requestId });
      const before = await databaseState();
      const second = await create({ companyName: 'Retry Inc', email: 'ap@retry.example' }, { requestId });

      expect(second.customer.id).toBe(first.customer.id);
      expect(second).toEqual(first);
      expect(await databaseState()).toEqual(before);
      expect(await countRows('SELECT count(*)::int AS n FROM customers WHERE request_id = $1', [requestId])).toBe(1);
      expect((await auditOf(first.customer.id)).map((a) => a.action)).toEqual(['created']);
    });

    it('matches the request_id in any case', async () => {
      const requestId = randomUUID();
      const first = await create({ companyName: 'Case Inc', email: 'ap@case.example' }, { requestId });
      const second = await create({ companyName: 'Case Inc', email: 'ap@case.example' }, { requestId: requestId.toUpperCase() });
      expect(second.customer.id).toBe(first.customer.id);
    });

    it('refuses the same request_id for a different company', async () => {
      const requestId = randomUUID();
      const first = await create({ companyName: 'First Co', email: 'ap@first.example' }, { requestId });
      await expectInvalid(
        () => create({ companyName: 'Second Co', email: 'ap@first.example' }, { requestId }),
        ['request_id'],
        `request_id: was already used to create customer ${first.customer.id} with different details`,
      );
    });

    it('refuses the same request_id for a different email', async () => {
      const requestId = randomUUID();
      await create({ companyName: 'Mail Co', email: 'ap@mail.example' }, { requestId });
      await expectInvalid(() => create({ companyName: 'Mail Co', email: 'billing@mail.example' }, { requestId }), ['request_id'], 'request_id: was already used');
    });

    it('answers a retry with the first customer even after the customer was edited', async () => {
      const requestId = randomUUID();
      const first = await create({ companyName: 'Rename Inc', email: 'ap@rename.example' }, { requestId });
      await updateCustomer({ id: first.customer.id, companyName: 'Renamed Inc', email: 'billing@rename.example' }, ['company_name', 'email']);
      const retry = await create({ companyName: 'Rename Inc', email: 'ap@rename.example' }, { requestId });
      expect(retry.customer.id).toBe(first.customer.id);
      expect(retry.customer.companyName).toBe('Renamed Inc');
      expect(await countRows('SELECT count(*)::int AS n FROM customers WHERE request_id = $1', [requestId])).toBe(1);
    });

    it('refuses the same request_id for different contact preferences', async () => {
      const requestId = randomUUID();
      await create({ companyName: 'Prefs Co', email: 'ap@prefs.example' }, { requestId, profile: { timeZone: 'Europe/Paris' } });
      await expectInvalid(
        () => create({ companyName: 'Prefs Co', email: 'ap@prefs.example' }, { requestId, profile: { timeZone: 'Europe/Rome' } }),
        ['request_id'],
        'request_id: was already used',
      );
    });

    it('creates exactly one customer for 20 concurrent calls with the same request_id', async () => {
      const requestId = randomUUID();
      const customers = await countRows('SELECT count(*)::int AS n FROM customers', []);
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => create({ companyName: 'Stampede Ltd', email: 'ap@stampede.example' }, { requestId })),
      );
      const ids = new Set(responses.map((r) => r.customer.id));
      expect(ids.size).toBe(1);
      const [id] = ids;
      expect(await countRows('SELECT count(*)::int AS n FROM customers', [])).toBe(customers + 1);
      expect(await countRows('SELECT count(*)::int AS n FROM customers WHERE request_id = $1', [requestId])).toBe(1);
      expect(await countRows('SELECT count(*)::int AS n FROM customer_profiles WHERE customer_id = $1', [id])).toBe(1);
      expect((await auditOf(id)).map((a) => a.action)).toEqual(['created']);
    });

    it('creates two customers for two different request_ids with the same details', async () => {
      const a = await create({ companyName: 'Twin Co', email: 'ap@twin.example' }, { requestId: randomUUID() });
      const b = await create({ companyName: 'Twin Co', email: 'ap@twin.example' }, { requestId: randomUUID() });
      expect(a.customer.id).not.toBe(b.customer.id);
    });
  });

  // ---------------------------------------------------------------- GetCustomer

  describe('GetCustomer', () => {
    it('answers what CreateCustomer answered', async () => {
      const created = await createCustomer({ contactName: 'Ann', phone: '+14155550123', address: { city: 'Salem', country: 'US' } });
      expect(await getCustomer(created.id)).toEqual(created);
    });

    it('accepts the id in upper case', async () => {
      const created = await createCustomer();
      expect((await getCustomer(created.id.toUpperCase())).id).toBe(created.id);
    });

    it('refuses a malformed id', async () => {
      await expectInvalid(() => getCustomer('not-a-uuid'), ['customer_id'], 'customer_id: must be a UUID, got "not-a-uuid"');
    });

    it('refuses an empty id', async () => {
      await expectInvalid(() => getCustomer(''), ['customer_id'], 'customer_id: is required');
    });

    it('says NOT_FOUND for an unknown id', async () => {
      await expectNotFound(() => getCustomer(UNKNOWN_ID), `customer ${UNKNOWN_ID} not found`);
    });
  });

  // ---------------------------------------------------------------- UpdateCustomer

  describe('UpdateCustomer', () => {
    const original = {
      companyName: 'Original Co',
      contactName: 'Olive',
      email: 'ap@original.example',
      phone: '+14155550111',
      preferredContactMethod: ContactMethod.CONTACT_METHOD_SMS,
      address: { line1: '1 Old Rd', city: 'Boston', country: 'US' },
    };

    it('changes only the fields in update_mask', async () => {
      const created = await createCustomer(original);
      const { customer } = await updateCustomer(
        { id: created.id, companyName: 'Ignored Co', contactName: 'Nina', email: 'ignored@x.example', phone: '' },
        ['contact_name'],
      );
      expect(customer).toEqual({ ...created, contactName: 'Nina', updateTime: expect.any(Date) });
      expect(millis(customer.updateTime)).toBeGreaterThan(millis(created.updateTime));
      expect(await getCustomer(created.id)).toEqual(customer);
    });

    it('accepts camelCase paths', async () => {
      const created = await createCustomer(original);
      const { customer } = await updateCustomer({ id: created.id, companyName: 'Camel Co', contactName: 'Carl', email: 'x@y.example' }, ['companyName', 'contactName']);
      expect(customer).toMatchObject({ companyName: 'Camel Co', contactName: 'Carl', email: original.email });
    });

    it('accepts paths with the resource prefix and several paths in one string', async () => {
      const created = await createCustomer(original);
      const { customer } = await updateCustomer({ id: created.id, email: 'new@original.example', phone: '+1 415 555 0199' }, ['customer.email,phone']);
      expect(customer).toMatchObject({ email: 'new@original.example', phone: '+14155550199', companyName: original.companyName });
    });

    it('replaces every field with "*"', async () => {
      const created = await createCustomer(original);
      const { customer } = await updateCustomer(
        { id: created.id, companyName: 'Star Co', email: 'ap@star.example', preferredContactMethod: ContactMethod.CONTACT_METHOD_EMAIL },
        ['*'],
      );
      expect(customer).toMatchObject({
        companyName: 'Star Co',
        contactName: '',
        email: 'ap@star.example',
        phone: '',
        preferredContactMethod: ContactMethod.CONTACT_METHOD_EMAIL,
        address: { line1: '', line2: '', city: '', state: '', postalCode: '', country: '' },
      });
    });

    it('without update_mask changes the fields the request sets', async () => {
      const created = await createCustomer(original);
      const { customer } = await updateCustomer({ id: created.id, email: 'only@original.example', address: { city: 'Salem', country: 'us' } });
      expect(customer).toEqual({
        ...created,
        email: 'only@original.example',
        address: { line1: '', line2: '', city: 'Salem', state: '', postalCode: '', country: 'US' },
        updateTime: expect.any(Date),
      });
    });

    it('switches to email and removes the phone in one update', async () => {
      const created = await createCustomer(original);
      const { customer } = await updateCustomer(
        { id: created.id, phone: '', preferredContactMethod: ContactMethod.CONTACT_METHOD_EMAIL },
        ['phone', 'preferred_contact_method'],
      );
      expect(customer).toMatchObject({ phone: '', preferredContactMethod: ContactMethod.CONTACT_METHOD_EMAIL });
    });

    it('writes one audit event without contact data values', async () => {
      const created = await createCustomer(original);
      await updateCustomer({ id: created.id, companyName: 'Audited Co', email: 'audited@original.example', phone: '+14155550177' }, [
        'company_name',
        'email',
        'phone',
      ]);
      const events = await auditOf(created.id);
      expect(events).toHaveLength(2);
      expect(events[1]).toEqual({
        entity_type: 'customer',
        entity_id: created.id,
        action: 'updated',
        actor_type: 'user',
        actor_id: 'ops@example.com',
        details: {
          request_id: expect.any(String),
          changes: { companyName: { before: 'Original Co', after: 'Audited Co' }, email: { changed: true }, phone: { changed: true } },
        },
      });
      const text = JSON.stringify(events);
      for (const secret of ['ap@original.example', 'audited@original.example', '+14155550111', '+14155550177', '5550111', '5550177']) {
        expect(text).not.toContain(secret);
      }
    });

    it('writes no audit event and keeps update_time for an update that changes nothing', async () => {
      const created = await createCustomer(original);
      const { customer } = await updateCustomer(
        { id: created.id, companyName: ' Original Co ', phone: '+1 415 555 0111', address: { line1: '1 Old Rd', city: 'Boston', country: 'us' } },
        ['company_name', 'phone', 'address'],
      );
      expect(customer).toEqual(created);
      expect((await auditOf(created.id)).map((a) => a.action)).toEqual(['created']);
    });

    it('loses nothing when updates of different fields run concurrently', async () => {
      const customers = await Promise.all(Array.from({ length: 5 }, () => createCustomer(original)));
      await Promise.all(
        customers.flatMap((c, i) => [
          updateCustomer({ id: c.id, contactName: `Contact ${i}` }, ['contact_name']),
          updateCustomer({ id: c.id, companyName: `Company ${i} Renamed` }, ['company_name']),
        ]),
      );
      for (const [i, c] of customers.entries()) {
        expect(await getCustomer(c.id)).toMatchObject({ contactName: `Contact ${i}`, companyName: `Company ${i} Renamed`, email: original.email });
        expect((await auditOf(c.id)).map((a) => a.action)).toEqual(['created', 'updated', 'updated']);
      }
    });

    it('loses nothing when ten changes of one customer run concurrently', async () => {
      const { customer: c, profile: p } = await create(original);
      await Promise.all([
        updateCustomer({ id: c.id, companyName: 'Parallel Co' }, ['company_name']),
        updateCustomer({ id: c.id, contactName: 'Pam' }, ['contact_name']),
        updateCustomer({ id: c.id, email: 'parallel@original.example' }, ['email']),
        updateCustomer({ id: c.id, phone: '+14155550999' }, ['phone']),
        updateCustomer({ id: c.id, address: { city: 'Worcester' } }, ['address']),
        updateProfile({ customerId: c.id, notes: 'parallel notes' }, ['notes']),
        updateProfile({ customerId: c.id, timeZone: 'America/Chicago' }, ['time_zone']),
        updateProfile({ customerId: c.id, countryCode: 'CA' }, ['country_code']),
        updateProfile({ customerId: c.id, doNotContact: true, doNotContactReason: 'paused' }, ['do_not_contact', 'do_not_contact_reason']),
        recalculate(c.id),
      ]);
      expect(await getCustomer(c.id)).toEqual({
        ...c,
        companyName: 'Parallel Co',
        contactName: 'Pam',
        email: 'parallel@original.example',
        phone: '+14155550999',
        address: { line1: '', line2: '', city: 'Worcester', state: '', postalCode: '', country: '' },
        updateTime: expect.any(Date),
      });
      expect(await getProfile(c.id)).toEqual({
        ...p,
        notes: 'parallel notes',
        timeZone: 'America/Chicago',
        countryCode: 'CA',
        doNotContact: true,
        doNotContactReason: 'paused',
        riskCalculateTime: expect.any(Date),
        updateTime: expect.any(Date),
      });
      expect((await auditOf(c.id)).map((a) => `${a.entity_type}.${a.action}`).sort()).toEqual([
        'customer.created',
        ...Array(5).fill('customer.updated'),
        'customer_profile.risk_recalculated',
        ...Array(4).fill('customer_profile.updated'),
      ]);
    });

    it('refuses a path that is not updatable', async () => {
      const created = await createCustomer(original);
      await expectInvalid(
        () => updateCustomer({ id: created.id, riskScore: 99 }, ['risk_score']),
        ['update_mask'],
        'update_mask: cannot update "risk_score"; updatable: company_name, contact_name, email, phone, preferred_contact_method, address',
      );
    });

    it('refuses a request that names and sets nothing', async () => {
      const created = await createCustomer(original);
      await expectInvalid(() => updateCustomer({ id: created.id }), ['update_mask'], 'update_mask: names no field and the request sets none');
    });

    it('refuses a bad email in the mask and changes nothing', async () => {
      const created = await createCustomer(original);
      await expectInvalid(
        () => updateCustomer({ id: created.id, email: 'broken', contactName: 'Kept?' }, ['email', 'contact_name']),
        ['customer.email'],
        'customer.email: must be an email address such as ap@example.com',
      );
      expect(await getCustomer(created.id)).toEqual(created);
    });

    it('refuses removing the phone of a customer who prefers SMS', async () => {
      const created = await createCustomer(original);
      await expectInvalid(() => updateCustomer({ id: created.id, phone: '' }, ['phone']), ['customer.phone'], 'customer.phone: is required when the preferred contact method is sms');
    });

    it('refuses an empty company name in the mask', async () => {
      const created = await createCustomer(original);
      await expectInvalid(() => updateCustomer({ id: created.id, companyName: '' }, ['company_name']), ['customer.company_name'], 'customer.company_name: is required');
    });

    it('refuses an unknown preferred contact method', async () => {
      const created = await createCustomer(original);
      await expectInvalid(
        () => updateCustomer({ id: created.id, preferredContactMethod: 99 as customersV1.ContactMethod }, ['preferred_contact_method']),
        ['customer.preferred_contact_method'],
        'customer.preferred_contact_method: unknown value 99',
      );
    });

    it('refuses a malformed id', async () => {
      await expectInvalid(() => updateCustomer({ id: '1234', email: 'a@b.example' }), ['customer.id'], 'customer.id: must be a UUID, got "1234"');
    });

    it('refuses a request without a customer', async () => {
      await expectInvalid(
        () => call(h.customers, 'updateCustomer', customersV1.UpdateCustomerRequest.fromPartial({ updateMask: ['email'] })),
        ['customer'],
        'customer: is required',
      );
    });

    it('says NOT_FOUND for an unknown id', async () => {
      await expectNotFound(() => updateCustomer({ id: UNKNOWN_ID, email: 'a@b.example' }, ['email']), `customer ${UNKNOWN_ID} not found`);
    });
  });

  // ---------------------------------------------------------------- ListCustomers

  describe('ListCustomers', () => {
    it('pages through customers by company name, then id, without gaps or duplicates', async () => {
      const tag = newTag();
      const names = ['Echo', 'Bravo', 'Alpha', 'Bravo', 'Delta', 'Bravo', 'Charlie'].map((n) => `${tag} ${n}`);
      const created: Customer[] = [];
      for (const companyName of names) created.push(await createCustomer({ companyName }));
      const expected = [...created].sort(byNameThenId).map((c) => c.id);

      const pages: string[][] = [];
      let pageToken = '';
      do {
        const page = await list({ search: tag, pageSize: 3, pageToken });
        pages.push(page.customers.map((c) => c.id));
        pageToken = page.nextPageToken;
        expect(pages.length).toBeLessThanOrEqual(3);
      } while (pageToken);

      expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
      expect(pages.flat()).toEqual(expected);
    });

    it('orders the unfiltered list as the database orders company names, then ids', async () => {
      await createCustomer({ companyName: 'aaa first' });
      await createCustomer({ companyName: 'aaa first' });
      const expected = await h.db.query<{ id: string }>('SELECT id FROM customers ORDER BY company_name, id LIMIT 5');
      const page = await list({ pageSize: 5 });
      expect(page.customers.map((c) => c.id)).toEqual(expected.map((r) => r.id));
      expect(page.nextPageToken).not.toBe('');
    });

    it('answers a page with the full customers, as GetCustomer does', async () => {
      const tag = newTag();
      const created = await createCustomer({ companyName: `${tag} Full`, contactName: 'Fay', phone: '+14155550142' });
      const page = await list({ search: tag });
      expect(page).toEqual({ customers: [created], nextPageToken: '' });
    });

    it('gives an empty next_page_token when the last page is exactly full', async () => {
      const tag = newTag();
      await createCustomer({ companyName: `${tag} One` });
      await createCustomer({ companyName: `${tag} Two` });
      const page = await list({ search: tag, pageSize: 2 });
      expect(page.customers).toHaveLength(2);
      expect(page.nextPageToken).toBe('');
    });

    it('uses the default page size for 0 and lowers a page size above 1000', async () => {
      const tag = newTag();
      await createCustomer({ companyName: `${tag} A` });
      await createCustomer({ companyName: `${tag} B` });
      expect((await list({ search: tag, pageSize: 0 })).customers).toHaveLength(2);
      expect((await list({ search: tag, pageSize: 5000 })).customers).toHaveLength(2);
    });

    it('searches company names, contact names and emails in any case', async () => {
      const tag = newTag();
      const byCompany = await createCustomer({ companyName: `Northwind ${tag.toUpperCase()} Traders` });
      const byContact = await createCustomer({ companyName: 'Unrelated Name', contactName: `Pat ${tag}` });
      const byEmail = await createCustomer({ companyName: 'Another Unrelated', email: `billing.${tag}@example.com` });
      await createCustomer({ companyName: 'Not a match', email: 'nobody@example.com' });

      const ids = (await list({ search: tag.toUpperCase() })).customers.map((c) => c.id);
      expect(ids.sort()).toEqual([byCompany.id, byContact.id, byEmail.id].sort());
      expect((await list({ search: `  ${tag.toLowerCase()} traders ` })).customers.map((c) => c.id)).toEqual([byCompany.id]);
    });

    it('takes % and _ in a search term literally', async () => {
      const tag = newTag();
      const literal = await createCustomer({ companyName: `${tag} 100% Pure_Co` });
      await createCustomer({ companyName: `${tag} 100X PureXCo` });
      expect((await list({ search: `${tag} 100% P` })).customers.map((c) => c.id)).toEqual([literal.id]);
      expect((await list({ search: 'e_Co' })).customers.map((c) => c.id)).toEqual([literal.id]);
      expect((await list({ search: `${tag}%` })).customers).toEqual([]);
      const backslash = await createCustomer({ companyName: `${tag} C:\\Temp` });
      await createCustomer({ companyName: `${tag} C:Temp` });
      expect((await list({ search: 'C:\\T' })).customers.map((c) => c.id)).toEqual([backslash.id]);
    });

    it('filters by risk level', async () => {
      const tag = newTag();
      const risky = await createCustomer({ companyName: `${tag} Risky` });
      const calm = await createCustomer({ companyName: `${tag} Calm` });
      await addInvoice(risky.id, { amount: '1000', status: 'overdue', dueInDays: -45 }); // 17.5 + 25 + 5.63 + 5 = 53
      expect((await recalculate(risky.id)).profile.riskLevel).toBe(RiskLevel.RISK_LEVEL_HIGH);

      expect((await list({ search: tag, riskLevel: RiskLevel.RISK_LEVEL_HIGH })).customers.map((c) => [c.id, c.riskLevel])).toEqual([
        [risky.id, RiskLevel.RISK_LEVEL_HIGH],
      ]);
      expect((await list({ search: tag, riskLevel: RiskLevel.RISK_LEVEL_LOW })).customers.map((c) => c.id)).toEqual([calm.id]);
      expect((await list({ search: tag, riskLevel: RiskLevel.RISK_LEVEL_CRITICAL })).customers).toEqual([]);
    });

    it('refuses a negative page_size', async () => {
      await expectInvalid(() => list({ pageSize: -1 }), ['page_size'], 'page_size: must not be negative, got -1');
    });

    it('refuses an unknown risk level', async () => {
      await expectInvalid(() => list({ riskLevel: 42 as customersV1.RiskLevel }), ['risk_level'], 'risk_level: unknown value 42');
    });

    it('refuses a page_token it did not issue', async () => {
      await expectInvalid(() => list({ pageToken: 'not-a-token' }), ['page_token'], 'page_token: is not a token this API issued');
    });

    it('refuses a page_token reused with different filters', async () => {
      const tag = newTag();
      for (const n of ['A', 'B', 'C']) await createCustomer({ companyName: `${tag} ${n}` });
      const first = await list({ search: tag, pageSize: 1 });
      expect(first.nextPageToken).not.toBe('');
      await expectInvalid(
        () => list({ search: `${tag} B`, pageSize: 1, pageToken: first.nextPageToken }),
        ['page_token'],
        'page_token: was issued for different filters',
      );
      await expectInvalid(
        () => list({ search: tag, riskLevel: RiskLevel.RISK_LEVEL_LOW, pageSize: 1, pageToken: first.nextPageToken }),
        ['page_token'],
        'page_token: was issued for different filters',
      );
      // The same filters with another page size are fine.
      expect((await list({ search: tag, pageSize: 5, pageToken: first.nextPageToken })).customers).toHaveLength(2);
    });

    it('refuses a tampered page_token as bad input, not as an internal error', async () => {
      const tag = newTag();
      for (const n of ['A', 'B']) await createCustomer({ companyName: `${tag} ${n}` });
      const { nextPageToken } = await list({ search: tag, pageSize: 1 });
      const body = JSON.parse(Buffer.from(nextPageToken, 'base64url').toString('utf8')) as { k: unknown[] };
      for (const k of [[`${tag} A`, 'not-a-uuid'], [`${tag} A`], [1, 2], [`${tag}\u0000`, randomUUID()]]) {
        const tampered = Buffer.from(JSON.stringify({ ...body, k })).toString('base64url');
        await expectInvalid(() => list({ search: tag, pageSize: 1, pageToken: tampered }), ['page_token'], 'page_token: is not a token this API issued');
      }
    });
  });

  // ---------------------------------------------------------------- GetCustomerProfile

  describe('GetCustomerProfile', () => {
    it('answers what CreateCustomer answered', async () => {
      const { customer, profile } = await create(
        { phone: '+14155550155', preferredContactMethod: ContactMethod.CONTACT_METHOD_PHONE },
        { profile: { timeZone: 'America/Chicago', countryCode: 'US', regionCode: 'IL', notes: 'n' } },
      );
      expect(await getProfile(customer.id)).toEqual(profile);
    });

    it('refuses a malformed id', async () => {
      await expectInvalid(() => getProfile('xyz'), ['customer_id'], 'customer_id: must be a UUID, got "xyz"');
    });

    it('says NOT_FOUND for an unknown id', async () => {
      await expectNotFound(() => getProfile(UNKNOWN_ID), `customer ${UNKNOWN_ID} not found`);
    });
  });

  // ---------------------------------------------------------------- UpdateCustomerProfile

  describe('UpdateCustomerProfile', () => {
    it('updates the time zone, in its canonical spelling', async () => {
      const c = await createCustomer();
      const { profile } = await updateProfile({ customerId: c.id, timeZone: 'US/Pacific', notes: 'ignored' }, ['time_zone']);
      expect(profile).toMatchObject({ timeZone: 'America/Los_Angeles', notes: '' });
      expect((await getProfile(c.id)).timeZone).toBe('America/Los_Angeles');
    });

    it('updates country and region, upper-cased', async () => {
      const c = await createCustomer();
      const { profile } = await updateProfile({ customerId: c.id, countryCode: 'ca', regionCode: 'on' }, ['country_code', 'region_code']);
      expect(profile).toMatchObject({ countryCode: 'CA', regionCode: 'ON' });
    });

    it('updates the notes', async () => {
      const c = await createCustomer({}, { notes: 'old' });
      const { profile } = await updateProfile({ customerId: c.id, notes: ' call after 10am ' }, ['notes']);
      expect(profile.notes).toBe('call after 10am');
    });

    it('sets do_not_contact with its reason', async () => {
      const c = await createCustomer();
      const { profile } = await updateProfile({ customerId: c.id, doNotContact: true, doNotContactReason: 'disputed debt' }, [
        'do_not_contact',
        'do_not_contact_reason',
      ]);
      expect(profile).toMatchObject({ doNotContact: true, doNotContactReason: 'disputed debt' });
      const [row] = await h.db.query('SELECT do_not_contact, do_not_contact_reason FROM customer_profiles WHERE customer_id = $1', [c.id]);
      expect(row).toEqual({ do_not_contact: true, do_not_contact_reason: 'disputed debt' });
    });

    it('clears the reason when do_not_contact is set to false', async () => {
      const c = await createCustomer({}, { doNotContact: true, doNotContactReason: 'legal hold' });
      const { profile } = await updateProfile({ customerId: c.id, doNotContact: false }, ['do_not_contact']);
      expect(profile).toMatchObject({ doNotContact: false, doNotContactReason: '' });
      const [row] = await h.db.query('SELECT do_not_contact, do_not_contact_reason FROM customer_profiles WHERE customer_id = $1', [c.id]);
      expect(row).toEqual({ do_not_contact: false, do_not_contact_reason: null });
    });

    it('sets the preferred contact method on the customer too', async () => {
      const { customer: c, profile: before } = await create({ phone: '+14155550188' });
      const { profile } = await updateProfile({ customerId: c.id, preferredContactMethod: ContactMethod.CONTACT_METHOD_SMS }, ['preferred_contact_method']);
      expect(profile).toEqual({ ...before, preferredContactMethod: ContactMethod.CONTACT_METHOD_SMS, updateTime: expect.any(Date) });
      const customer = await getCustomer(c.id);
      expect(customer.preferredContactMethod).toBe(ContactMethod.CONTACT_METHOD_SMS);
      // The profile changed, so its update_time moved (although the method is stored on the customer row).
      expect(millis(profile.updateTime)).toBeGreaterThan(millis(before.updateTime));
      expect(millis(customer.updateTime)).toBeGreaterThan(millis(c.updateTime));
      expect(await getProfile(c.id)).toEqual(profile);
    });

    it('without update_mask changes the fields the request sets', async () => {
      const c = await createCustomer({}, { timeZone: 'Europe/Paris', notes: 'keep me', countryCode: 'FR' });
      const { profile } = await updateProfile({ customerId: c.id, regionCode: 'idf' });
      expect(profile).toMatchObject({ timeZone: 'Europe/Paris', notes: 'keep me', countryCode: 'FR', regionCode: 'IDF' });
    });

    it('writes one audit event without the notes or the reason', async () => {
      const c = await createCustomer();
      await updateProfile({ customerId: c.id, timeZone: 'Europe/Berlin', notes: 'secret note', doNotContact: true, doNotContactReason: 'secret reason' }, [
        'time_zone',
        'notes',
        'do_not_contact',
        'do_not_contact_reason',
      ]);
      const events = await auditOf(c.id);
      expect(events).toHaveLength(2);
      expect(events[1]).toEqual({
        entity_type: 'customer_profile',
        entity_id: c.id,
        action: 'updated',
        actor_type: 'user',
        actor_id: 'ops@example.com',
        details: {
          request_id: expect.any(String),
          changes: {
            timezone: { before: 'UTC', after: 'Europe/Berlin' },
            doNotContact: { before: false, after: true },
            doNotContactReason: { changed: true },
            notes: { changed: true },
          },
        },
      });
      expect(JSON.stringify(events)).not.toMatch(/secret/);
    });

    it('writes no audit event for an update that changes nothing', async () => {
      const c = await createCustomer({}, { timeZone: 'America/New_York' });
      const before = await getProfile(c.id);
      const { profile } = await updateProfile({ customerId: c.id, timeZone: 'US/Eastern' }, ['time_zone']);
      expect(profile).toEqual(before);
      expect((await auditOf(c.id)).map((a) => a.action)).toEqual(['created']);
    });

    it('refuses SMS for a customer without a phone number', async () => {
      const c = await createCustomer();
      await expectInvalid(
        () => updateProfile({ customerId: c.id, preferredContactMethod: ContactMethod.CONTACT_METHOD_SMS }, ['preferred_contact_method']),
        ['profile.preferred_contact_method'],
        'profile.preferred_contact_method: sms needs a phone number on the customer; set customer.phone first',
      );
    });

    it('refuses an unknown preferred contact method', async () => {
      const c = await createCustomer();
      await expectInvalid(
        () => updateProfile({ customerId: c.id, preferredContactMethod: 99 as customersV1.ContactMethod }, ['preferred_contact_method']),
        ['profile.preferred_contact_method'],
        'profile.preferred_contact_method: unknown value 99',
      );
    });

    it('refuses do_not_contact without a reason', async () => {
      const c = await createCustomer();
      await expectInvalid(
        () => updateProfile({ customerId: c.id, doNotContact: true }, ['do_not_contact']),
        ['profile.do_not_contact_reason'],
        'profile.do_not_contact_reason: is required when do_not_contact is set',
      );
    });

    it('refuses a region without a country', async () => {
      const c = await createCustomer();
      await expectInvalid(() => updateProfile({ customerId: c.id, regionCode: 'MA' }, ['region_code']), ['profile.region_code'], 'profile.region_code: needs country_code');
    });

    it('refuses an unknown time zone', async () => {
      const c = await createCustomer();
      await expectInvalid(() => updateProfile({ customerId: c.id, timeZone: 'Atlantis/Capital' }, ['time_zone']), ['profile.time_zone'], 'profile.time_zone: must be an IANA time zone');
    });

    it('refuses an empty time zone in the mask', async () => {
      const c = await createCustomer();
      await expectInvalid(() => updateProfile({ customerId: c.id }, ['time_zone']), ['profile.time_zone'], 'profile.time_zone: is required');
    });

    it('refuses a retired country code', async () => {
      const c = await createCustomer();
      await expectInvalid(() => updateProfile({ customerId: c.id, countryCode: 'UK' }, ['country_code']), ['profile.country_code'], 'use "GB" instead of "UK"');
    });

    it('refuses notes of 4001 characters', async () => {
      const c = await createCustomer();
      await expectInvalid(() => updateProfile({ customerId: c.id, notes: 'n'.repeat(4001) }, ['notes']), ['profile.notes'], 'profile.notes: must be at most 4000 characters, got 4001');
    });

    it('refuses an output-only path', async () => {
      const c = await createCustomer();
      await expectInvalid(() => updateProfile({ customerId: c.id, riskScore: 3 }, ['risk_score']), ['update_mask'], 'update_mask: cannot update "risk_score"');
    });

    it('refuses a malformed id', async () => {
      await expectInvalid(() => updateProfile({ customerId: 'abc', notes: 'x' }), ['profile.customer_id'], 'profile.customer_id: must be a UUID, got "abc"');
    });

    it('says NOT_FOUND for an unknown id', async () => {
      await expectNotFound(() => updateProfile({ customerId: UNKNOWN_ID, notes: 'x' }, ['notes']), `customer ${UNKNOWN_ID} not found`);
    });
  });

  // ---------------------------------------------------------------- RecalculateRiskScore

  describe('RecalculateRiskScore', () => {
    async function riskFactorsRow(id: string): Promise<Record<string, string | number | null>> {
      const [row] = await h.db.query(`SELECT * FROM customer_risk_factors($1, ${TODAY})`, [id]);
      return row;
    }

    it('scores payment behaviour as customer_risk_factors does, and stores it', async () => {
      const c = await createCustomer();
      await addInvoice(c.id, { amount: '1000', status: 'overdue', dueInDays: -60 });
      await addInvoice(c.id, { amount: '500', amountPaid: '200', status: 'partial', dueInDays: -30 });
      await addInvoice(c.id, { amount: '300', amountPaid: '300', status: 'paid', dueInDays: -20, paidDaysAfterDue: 10 });
      await addInvoice(c.id, { amount: '200', status: 'pending', dueInDays: 30 });
      await addInvoice(c.id, { amount: '999', status: 'cancelled', dueInDays: -90 });
      const [stored] = await h.db.query('SELECT risk_calculated_at FROM customer_profiles WHERE customer_id = $1', [c.id]);

      const { profile } = await recalculate(c.id);
      const expected = await riskFactorsRow(c.id);

      // delay 35*43.33/90 = 16.85, exposure 25*1300/2000 = 16.25, age 15*60/120 = 7.5, broken 5, responsiveness 5
      expect(expected).toMatchObject({ score: 51, risk_level: 'high' });
      expect(profile).toMatchObject({ customerId: c.id, riskScore: 51, riskLevel: RiskLevel.RISK_LEVEL_HIGH, averagePaymentDelayDays: 43.33 });
      expect(profile.riskFactors).toEqual({
        weightedDaysLate: Number(expected.weighted_days_late),
        delayPoints: Number(expected.delay_points),
        totalInvoiced: expect.stringMatching(/^\d+(\.\d+)?$/),
        overdueBalance: expect.stringMatching(/^\d+(\.\d+)?$/),
        overdueRatio: Number(expected.overdue_ratio),
        exposurePoints: Number(expected.exposure_points),
        oldestDaysOverdue: expected.oldest_days_overdue,
        agePoints: Number(expected.age_points),
        brokenPayments: expected.broken_payments,
        brokenPoints: Number(expected.broken_points),
        responseRate: undefined,
        responsivenessPoints: Number(expected.responsiveness_points),
      });
      expect(Number(present(profile.riskFactors).totalInvoiced)).toBe(Number(expected.total_invoiced));
      expect(Number(present(profile.riskFactors).overdueBalance)).toBe(Number(expected.overdue_balance));
      expect(profile.riskFactors).toMatchObject({ weightedDaysLate: 43.33, totalInvoiced: '2000', overdueBalance: '1300', oldestDaysOverdue: 60, brokenPayments: 1 });

      const [row] = await h.db.query(
        'SELECT risk_score, risk_level, average_payment_delay, risk_calculated_at, risk_factors FROM customer_profiles WHERE customer_id = $1',
        [c.id],
      );
      expect(row).toMatchObject({ risk_score: 51, risk_level: 'high', average_payment_delay: '43.33' });
      expect(row.risk_calculated_at.getTime()).toBeGreaterThan(stored.risk_calculated_at.getTime());
      expect(profile.riskCalculateTime).toEqual(row.risk_calculated_at);
      expect(row.risk_factors).toMatchObject({ delay_points: 16.85, exposure_points: 16.25, age_points: 7.5, broken_points: 5, responsiveness_points: 5 });

      // Customer reads show the stored score.
      expect(await getCustomer(c.id)).toMatchObject({ riskScore: 51, riskLevel: RiskLevel.RISK_LEVEL_HIGH });
    });

    it('uses a known response rate', async () => {
      const c = await createCustomer();
      await h.db.query('UPDATE customer_profiles SET response_rate = 0.8 WHERE customer_id = $1', [c.id]);
      const { profile } = await recalculate(c.id);
      expect(profile).toMatchObject({ riskScore: 2, riskLevel: RiskLevel.RISK_LEVEL_LOW, responseRate: 0.8 });
      expect(profile.riskFactors).toMatchObject({ responseRate: 0.8, responsivenessPoints: 2, totalInvoiced: '0' });
    });

    it('writes one audit event with the score before and after', async () => {
      const c = await createCustomer();
      await addInvoice(c.id, { amount: '100', status: 'overdue', dueInDays: -200 });
      await recalculate(c.id);
      const events = await auditOf(c.id);
      expect(events.map((e) => [e.entity_type, e.action])).toEqual([
        ['customer', 'created'],
        ['customer_profile', 'risk_recalculated'],
      ]);
      // delay 35, exposure 25, age 15, responsiveness 5 = 80
      expect(events[1]).toMatchObject({
        entity_id: c.id,
        actor_type: 'user',
        actor_id: 'ops@example.com',
        details: { before: { score: 5, level: 'low' }, after: { score: 80, level: 'critical' } },
      });
    });

    it('refuses a malformed id', async () => {
      await expectInvalid(() => recalculate('123e4567'), ['customer_id'], 'customer_id: must be a UUID, got "123e4567"');
    });

    it('says NOT_FOUND for an unknown id', async () => {
      await expectNotFound(() => recalculate(UNKNOWN_ID), `customer ${UNKNOWN_ID} not found`);
    });
  });

  // ---------------------------------------------------------------- BatchGetContactProfiles

  describe('BatchGetContactProfiles', () => {
    it('answers in request order, each id once, with the jurisdiction', async () => {
      const ma = await createCustomer(
        { companyName: 'Mass Co', contactName: 'Mo', phone: '+16175550100', preferredContactMethod: ContactMethod.CONTACT_METHOD_PHONE },
        { timeZone: 'US/Eastern', countryCode: 'US', regionCode: 'MA', doNotContact: true, doNotContactReason: 'bankrupt' },
      );
      const us = await createCustomer({ companyName: 'Fed Co' }, { countryCode: 'us' });
      const unknown = await createCustomer({ companyName: 'Nowhere Co', email: 'ap@nowhere.example' });

      const { profiles } = await batchGet([unknown.id, ma.id, us.id, ma.id.toUpperCase(), unknown.id]);
      expect(profiles.map((p) => [p.customerId, p.jurisdiction])).toEqual([
        [unknown.id, ''],
        [ma.id, 'US-MA'],
        [us.id, 'US'],
      ]);
      expect(profiles[1]).toEqual({
        customerId: ma.id,
        companyName: 'Mass Co',
        contactName: 'Mo',
        email: ma.email,
        phone: '+16175550100',
        preferredContactMethod: ContactMethod.CONTACT_METHOD_PHONE,
        timeZone: 'America/New_York',
        countryCode: 'US',
        regionCode: 'MA',
        jurisdiction: 'US-MA',
        doNotContact: true,
        riskLevel: RiskLevel.RISK_LEVEL_LOW,
        riskScore: 5,
      });
      expect(profiles[0]).toMatchObject({ email: 'ap@nowhere.example', phone: '', timeZone: 'UTC', countryCode: '', regionCode: '', doNotContact: false });
    });

    it('refuses an empty batch', async () => {
      await expectInvalid(() => batchGet([]), ['customer_ids'], 'customer_ids: needs at least one id');
    });

    it('refuses more than 1000 ids', async () => {
      const ids = Array.from({ length: 1001 }, () => randomUUID());
      await expectInvalid(() => batchGet(ids), ['customer_ids'], 'customer_ids: takes at most 1000 ids, got 1001');
    });

    it('answers 1000 ids', async () => {
      const c = await createCustomer();
      const { profiles } = await batchGet(Array.from({ length: 1000 }, () => c.id));
      expect(profiles.map((p) => p.customerId)).toEqual([c.id]);
    });

    it('names each malformed id by its position', async () => {
      const c = await createCustomer();
      await expectInvalid(() => batchGet([c.id, 'bad', '']), ['customer_ids[1]', 'customer_ids[2]'], 'customer_ids[1]: must be a UUID, got "bad"; customer_ids[2]: is required');
    });

    it('says NOT_FOUND naming exactly the unknown ids', async () => {
      const c = await createCustomer();
      const other = randomUUID();
      await expectNotFound(() => batchGet([c.id, UNKNOWN_ID]), `customers not found: ${UNKNOWN_ID}`);
      await expectNotFound(() => batchGet([UNKNOWN_ID, c.id, other]), `customers not found: ${UNKNOWN_ID}, ${other}`);
    });
  });

  // ---------------------------------------------------------------- audit trail

  describe('audit trail', () => {
    it('records a create once, with the actor from x-actor and no contact data', async () => {
      const { customer } = await create(
        { companyName: 'Audit Co', contactName: 'Alice Secret', email: 'alice@audit.example', phone: '+14155550166', preferredContactMethod: ContactMethod.CONTACT_METHOD_SMS },
        { profile: { timeZone: 'Europe/Berlin', countryCode: 'DE', regionCode: 'BE', notes: 'private notes' } },
      );
      const events = await auditOf(customer.id);
      expect(events).toEqual([
        {
          entity_type: 'customer',
          entity_id: customer.id,
          action: 'created',
          actor_type: 'user',
          actor_id: 'ops@example.com',
          details: {
            request_id: expect.any(String),
            after: { preferred_contact_method: 'sms', time_zone: 'Europe/Berlin', jurisdiction: 'DE-BE', do_not_contact: false },
          },
        },
      ]);
      expect(JSON.stringify(events)).not.toMatch(/alice@audit\.example|\+?14155550166|Alice Secret|private notes/);
    });

    it('takes the actor from x-caller when x-actor is absent', async () => {
      const { customer } = await create({}, { metadata: { 'x-caller': 'campaigns' } });
      expect((await auditOf(customer.id))[0]).toMatchObject({ actor_type: 'service', actor_id: 'campaigns' });
    });

    it('records the x-request-id of the call', async () => {
      const requestId = randomUUID();
      const { customer } = await create({}, { metadata: { ...OPS, 'x-request-id': requestId } });
      expect((await auditOf(customer.id))[0].details).toMatchObject({ request_id: requestId });
    });

    it('writes one event per state change and none for reads', async () => {
      const c = await createCustomer({ phone: '+14155550100' });
      await getCustomer(c.id);
      await getProfile(c.id);
      await list({ search: c.companyName });
      await batchGet([c.id]);
      await updateCustomer({ id: c.id, contactName: 'New Contact' }, ['contact_name']);
      await updateProfile({ customerId: c.id, notes: 'n' }, ['notes']);
      await recalculate(c.id);
      expect((await auditOf(c.id)).map((e) => `${e.entity_type}.${e.action}`)).toEqual([
        'customer.created',
        'customer.updated',
        'customer_profile.updated',
        'customer_profile.risk_recalculated',
      ]);
    });

    it('keeps the hash chain intact', async () => {
      const c = await createCustomer();
      await Promise.all([updateCustomer({ id: c.id, contactName: 'Chain' }, ['contact_name']), recalculate(c.id)]);
      expect(await countRows('SELECT count(*)::int AS n FROM audit_logs', [])).toBeGreaterThanOrEqual(3);
      expect(await h.db.query('SELECT * FROM verify_audit_chain()')).toEqual([]);
    });
  });
});
