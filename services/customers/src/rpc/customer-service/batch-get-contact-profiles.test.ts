import { randomUUID } from 'node:crypto';
import { useCustomersService } from '../../testing/customers-harness';
import { customerFixtures, ContactMethod, RiskLevel, UNKNOWN_ID } from './testing-fixtures';

describe('CustomerService', () => {
  const h = useCustomersService();
  const { createCustomer, batchGet, expectInvalid, expectNotFound } = customerFixtures(h);

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
});
