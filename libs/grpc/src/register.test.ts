import { customersV1 } from '@cec/proto';
import { register, type AsyncService } from './index';

/** register() ties handlers to the definition they serve; `nx typecheck grpc` fails if an @ts-expect-error below stops being an error. */
describe('register', () => {
  const customerHandlers = {} as AsyncService<customersV1.CustomerServiceServer>;

  it('pairs a definition with handlers of its own type', () => {
    expect(register(customersV1.CustomerServiceService, customerHandlers)).toEqual({
      definition: customersV1.CustomerServiceService,
      handlers: customerHandlers,
    });
  });

  it('refuses, at compile time, handlers of another service or with a method missing', () => {
    // @ts-expect-error CustomerService handlers do not implement InvoiceService.
    register(customersV1.InvoiceServiceService, customerHandlers);
    // @ts-expect-error Every method of the definition needs its handler.
    register(customersV1.CustomerServiceService, { getCustomer: customerHandlers.getCustomer });
    const { getCustomer: _unused, ...rest } = customerHandlers;
    // @ts-expect-error A handler returning another method's response.
    register(customersV1.CustomerServiceService, { ...rest, getCustomer: async () => ({ profiles: [] as customersV1.ContactProfile[] }) });
    expect(true).toBe(true);
  });
});
