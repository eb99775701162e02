import { InvalidArgumentError, NotFoundError, Violations } from './index';

describe('Violations', () => {
  it('collects every problem and names each field in the message', () => {
    const v = new Violations().check(false, 'customer.email', 'must be an email address').add('customer.phone', 'must be E.164');
    expect(v.has('customer.email')).toBe(true);
    let error: unknown;
    try {
      v.throwIfAny();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).violations).toHaveLength(2);
    expect((error as Error).message).toBe('customer.email: must be an email address; customer.phone: must be E.164');
  });

  it('does nothing when every check passes', () => {
    expect(() => new Violations().check(true, 'x', 'y').throwIfAny()).not.toThrow();
  });

  it('phrases a missing resource', () => {
    expect(NotFoundError.resource('customer', 'abc').message).toBe('customer abc not found');
  });
});
