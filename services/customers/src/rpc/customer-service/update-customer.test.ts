import { customersV1 } from '@cec/proto';
import { call } from '@cec/testing';
import { useCustomersService } from '../../testing/customers-harness';
import { customerFixtures, ContactMethod, UNKNOWN_ID, millis } from './testing-fixtures';

describe('CustomerService', () => {
  const h = useCustomersService();
  const { create, createCustomer, getCustomer, getProfile, updateCustomer, updateProfile, recalculate, expectInvalid, expectNotFound, auditOf } = customerFixtures(h);

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
});
