import { useCustomersService } from '../../testing/customers-harness';
import { customerFixtures, ContactMethod, UNKNOWN_ID } from './testing-fixtures';

describe('CustomerService', () => {
  const h = useCustomersService();
  const { create, getProfile, expectInvalid, expectNotFound } = customerFixtures(h);

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
});
