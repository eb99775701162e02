import { InvalidArgumentError, Violations, type FieldViolation } from '@cec/errors';
import {
  applyCustomerChanges,
  checkPreferredMethod,
  customerChanges,
  validateNewCustomer,
  type CustomerFields,
  type CustomerInput,
  type UpdatableCustomerField,
} from './customer-rules';

const input = (over: Partial<CustomerInput> = {}): CustomerInput => ({
  companyName: 'Acme Corp',
  contactName: 'Jane Doe',
  email: 'ap@acme.example',
  phone: '',
  preferredContactMethod: undefined,
  address: undefined,
  ...over,
});

const current: CustomerFields = {
  companyName: 'Acme Corp',
  contactName: 'Jane Doe',
  email: 'ap@acme.example',
  phone: '+14155550100',
  preferredContactMethod: 'sms',
  address: { city: 'Boston', country: 'US' },
};

/** The violations a call throws (fails the test if it throws anything else or nothing). */
function violationsOf(work: () => unknown): FieldViolation[] {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return (error as InvalidArgumentError).violations;
  }
  throw new Error('expected an InvalidArgumentError');
}

const fieldsOf = (work: () => unknown): string[] => violationsOf(work).map((v) => v.field);
const paths = (...p: UpdatableCustomerField[]): Set<UpdatableCustomerField> => new Set(p);

describe('validateNewCustomer', () => {
  it('trims, normalises and fills defaults', () => {
    const fields = validateNewCustomer(
      input({
        companyName: '  Acme Corp ',
        contactName: ' ',
        email: ' ap@acme.example ',
        phone: '+1 (415) 555-0100',
        address: { line1: ' 1 Main St ', line2: '', city: 'Boston', state: 'MA', postalCode: '02110', country: 'us' },
      }),
    );
    expect(fields).toEqual({
      companyName: 'Acme Corp',
      contactName: null,
      email: 'ap@acme.example',
      phone: '+14155550100',
      preferredContactMethod: 'email',
      address: { line1: '1 Main St', city: 'Boston', state: 'MA', postalCode: '02110', country: 'US' },
    });
  });

  it('keeps an explicit preferred method', () => {
    expect(validateNewCustomer(input({ phone: '+14155550100', preferredContactMethod: 'phone' })).preferredContactMethod).toBe('phone');
  });

  it('names every bad field at once, under the prefix', () => {
    const violations = violationsOf(() => validateNewCustomer(input({ companyName: '', email: 'nope', phone: '12' })));
    expect(violations).toEqual([
      { field: 'customer.company_name', description: 'is required' },
      { field: 'customer.email', description: 'must be an email address such as ap@example.com' },
      { field: 'customer.phone', description: 'must be an E.164 phone number such as +14155550100' },
    ]);
  });

  it('limits company and contact names to 200 characters', () => {
    expect(() => validateNewCustomer(input({ companyName: 'x'.repeat(200), contactName: 'y'.repeat(200) }))).not.toThrow();
    expect(violationsOf(() => validateNewCustomer(input({ companyName: 'x'.repeat(201), contactName: 'y'.repeat(201) })))).toEqual([
      { field: 'customer.company_name', description: 'must be at most 200 characters, got 201' },
      { field: 'customer.contact_name', description: 'must be at most 200 characters, got 201' },
    ]);
  });

  it('counts characters as the database does (an emoji is one character)', () => {
    expect(validateNewCustomer(input({ companyName: '🚀'.repeat(200) })).companyName).toBe('🚀'.repeat(200));
    expect(fieldsOf(() => validateNewCustomer(input({ companyName: '🚀'.repeat(201) })))).toEqual(['customer.company_name']);
  });

  it('rejects NUL characters, which the database cannot store', () => {
    expect(violationsOf(() => validateNewCustomer(input({ companyName: 'Acme\u0000' })))).toEqual([
      { field: 'customer.company_name', description: 'must not contain NUL (\\u0000) characters' },
    ]);
  });

  it.each(['sms', 'phone'] as const)('needs a phone number when the preferred method is %s', (method) => {
    expect(violationsOf(() => validateNewCustomer(input({ preferredContactMethod: method })))).toEqual([
      { field: 'customer.phone', description: `is required when the preferred contact method is ${method}` },
    ]);
  });

  it('reports a malformed phone once, not also as missing', () => {
    expect(fieldsOf(() => validateNewCustomer(input({ phone: 'call me', preferredContactMethod: 'sms' })))).toEqual(['customer.phone']);
  });

  it('checks the address fields', () => {
    expect(fieldsOf(() => validateNewCustomer(input({ address: { city: 'c'.repeat(201), country: 'USA' } })))).toEqual([
      'customer.address.city',
      'customer.address.country',
    ]);
  });

  it('adds to the violations it is given', () => {
    const v = new Violations().add('request_id', 'must be a UUID');
    expect(fieldsOf(() => validateNewCustomer(input({ email: '' }), v))).toEqual(['request_id', 'customer.email']);
  });
});

describe('applyCustomerChanges', () => {
  it('changes only the fields in paths', () => {
    const next = applyCustomerChanges(current, input({ companyName: 'Other', contactName: 'Bob', email: 'x@y.example' }), paths('contact_name'));
    expect(next).toEqual({ ...current, contactName: 'Bob' });
  });

  it('clears optional fields set to empty', () => {
    const next = applyCustomerChanges({ ...current, preferredContactMethod: 'email' }, input({ contactName: '', phone: '', address: undefined }), paths('contact_name', 'phone', 'address'));
    expect(next).toMatchObject({ contactName: null, phone: null, address: {} });
  });

  it('does not change the object it was given', () => {
    const before = structuredClone(current);
    applyCustomerChanges(current, input({ companyName: 'Other' }), paths('company_name'));
    expect(current).toEqual(before);
  });

  it('validates the result as a whole: removing the phone of an SMS customer fails', () => {
    expect(violationsOf(() => applyCustomerChanges(current, input({ phone: '' }), paths('phone')))).toEqual([
      { field: 'customer.phone', description: 'is required when the preferred contact method is sms' },
    ]);
  });

  it('accepts removing the phone together with switching to email', () => {
    const next = applyCustomerChanges(current, input({ phone: '', preferredContactMethod: 'email' }), paths('phone', 'preferred_contact_method'));
    expect(next).toMatchObject({ phone: null, preferredContactMethod: 'email' });
  });

  it('needs a phone when switching to phone calls', () => {
    expect(fieldsOf(() => applyCustomerChanges({ ...current, phone: null, preferredContactMethod: 'email' }, input({ preferredContactMethod: 'phone' }), paths('preferred_contact_method')))).toEqual([
      'customer.phone',
    ]);
  });

  it('requires a value for a preferred method in paths', () => {
    expect(violationsOf(() => applyCustomerChanges(current, input({ preferredContactMethod: undefined }), paths('preferred_contact_method')))).toEqual([
      { field: 'customer.preferred_contact_method', description: 'is required' },
    ]);
  });

  it('requires a company name and an email in paths', () => {
    expect(fieldsOf(() => applyCustomerChanges(current, input({ companyName: ' ', email: '' }), paths('company_name', 'email')))).toEqual([
      'customer.company_name',
      'customer.email',
    ]);
  });

  it('ignores bad values of fields not in paths', () => {
    expect(applyCustomerChanges(current, input({ email: 'broken', companyName: 'New' }), paths('company_name')).email).toBe('ap@acme.example');
  });
});

describe('checkPreferredMethod', () => {
  const run = (method: CustomerFields['preferredContactMethod'] | undefined, customerPhone: string | null): FieldViolation[] => {
    const v = new Violations();
    checkPreferredMethod(v, 'profile.preferred_contact_method', method, customerPhone);
    try {
      v.throwIfAny();
      return [];
    } catch (error) {
      return (error as InvalidArgumentError).violations;
    }
  };

  it('allows email without a phone and sms with one', () => {
    expect(run('email', null)).toEqual([]);
    expect(run('sms', '+14155550100')).toEqual([]);
  });

  it('refuses sms or phone without a phone number', () => {
    expect(run('sms', null)).toEqual([
      { field: 'profile.preferred_contact_method', description: 'sms needs a phone number on the customer; set customer.phone first' },
    ]);
    expect(run('phone', null).map((v) => v.field)).toEqual(['profile.preferred_contact_method']);
  });

  it('requires a value', () => {
    expect(run(undefined, '+14155550100')).toEqual([{ field: 'profile.preferred_contact_method', description: 'is required' }]);
  });
});

describe('customerChanges', () => {
  it('is empty when nothing differs', () => {
    expect(customerChanges(current, structuredClone(current))).toEqual({});
  });

  it('records before and after of plain fields', () => {
    expect(customerChanges(current, { ...current, companyName: 'New', preferredContactMethod: 'email' })).toEqual({
      companyName: { before: 'Acme Corp', after: 'New' },
      preferredContactMethod: { before: 'sms', after: 'email' },
    });
  });

  it('records only that contact data changed, never its values', () => {
    const changes = customerChanges(current, {
      ...current,
      email: 'new@acme.example',
      phone: '+14155550199',
      contactName: 'Bob',
      address: { city: 'Salem' },
    });
    expect(changes).toEqual({ email: { changed: true }, phone: { changed: true }, contactName: { changed: true }, address: { changed: true } });
    expect(JSON.stringify(changes)).not.toMatch(/acme|5550|Bob|Salem|Boston/);
  });
});
