import { useCustomersService } from '../../testing/customers-harness';
import { customerFixtures, UNKNOWN_ID } from './testing-fixtures';

describe('CustomerService', () => {
  const h = useCustomersService();
  const { createCustomer, getCustomer, expectInvalid, expectNotFound } = customerFixtures(h);

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
});
