import { customersV1 } from '@cec/proto';
import { useCustomersService } from '../../testing/customers-harness';
import { customerFixtures, ContactMethod, UNKNOWN_ID, millis } from './testing-fixtures';

describe('CustomerService', () => {
  const h = useCustomersService();
  const { create, createCustomer, getCustomer, getProfile, updateProfile, expectInvalid, expectNotFound, auditOf } = customerFixtures(h);

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
});
