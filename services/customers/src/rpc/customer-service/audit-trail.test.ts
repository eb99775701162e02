import { randomUUID } from 'node:crypto';
import { useCustomersService } from '../../testing/customers-harness';
import { customerFixtures, ContactMethod, OPS } from './testing-fixtures';

describe('CustomerService', () => {
  const h = useCustomersService();
  const { create, createCustomer, getCustomer, getProfile, updateCustomer, updateProfile, list, recalculate, batchGet, auditOf, countRows } = customerFixtures(h);

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
      // Its own events: what other tests of the file wrote does not count.
      expect(await countRows('SELECT count(*)::int AS n FROM audit_logs WHERE entity_id = $1', [c.id])).toBe(3);
      expect(await h.db.query('SELECT * FROM verify_audit_chain()')).toEqual([]);
    });
  });
});
