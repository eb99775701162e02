import { status } from '@grpc/grpc-js';
import { customersV1 } from '@cec/proto';
import { call } from '@cec/testing';
import { useCustomersService } from '../testing/customers-harness';

describe('CustomerService', () => {
  const h = useCustomersService();

  it('creates and gets a customer', async () => {
    const created = await call(
      h.customers,
      'createCustomer',
      customersV1.CreateCustomerRequest.fromPartial({ customer: { companyName: 'Acme', email: 'ap@acme.example' } }),
    );
    expect(created.customer?.companyName).toBe('Acme');
    const got = await call(h.customers, 'getCustomer', { customerId: created.customer!.id });
    expect(got.customer).toEqual(created.customer);
  });

  it('says NOT_FOUND for an unknown customer', async () => {
    await expect(call(h.customers, 'getCustomer', { customerId: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({
      code: status.NOT_FOUND,
    });
  });
});
