import { randomUUID } from 'node:crypto';
import { customersV1 } from '@cec/proto';
import { call } from '@cec/testing';
import { useCustomersService } from '../../testing/customers-harness';
import { customerFixtures, ContactMethod, RiskLevel, UUID, millis } from './testing-fixtures';

describe('CustomerService', () => {
  const h = useCustomersService();
  const { create, createCustomer, updateCustomer, databaseState, expectInvalid, auditOf, countRows } = customerFixtures(h);

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
});
