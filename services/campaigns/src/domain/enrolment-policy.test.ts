import { InvalidArgumentError, Violations } from '@cec/errors';
import { checkPolicyChanges, policyDiff, POLICY_FIELDS, type EnrolmentPolicy, type PolicyInput } from './enrolment-policy';

const ID = '10000000-0000-4000-8000-000000000001';
const input = (overrides: Partial<PolicyInput> = {}): PolicyInput => ({
  enabled: true,
  minOverdueAmounts: [{ currencyCode: 'USD', amount: '100' }],
  minDaysOverdue: 7,
  preset: 'standard-b2b',
  excludedCustomerIds: [ID],
  ...overrides,
});
const ALL = new Set(POLICY_FIELDS);

function problems(i: PolicyInput, fields = ALL): Record<string, string> {
  const v = new Violations();
  checkPolicyChanges(v, i, fields);
  try {
    v.throwIfAny();
    return {};
  } catch (error) {
    return Object.fromEntries((error as InvalidArgumentError).violations.map((p) => [p.field, p.description]));
  }
}

describe('checkPolicyChanges', () => {
  it('a good policy: amounts with the currency\'s digits, sorted; ids lower-cased', () => {
    const v = new Violations();
    const changes = checkPolicyChanges(
      v,
      input({ minOverdueAmounts: [{ currencyCode: 'USD', amount: '100' }, { currencyCode: 'JPY', amount: '5000' }, { currencyCode: 'EUR', amount: '0' }], excludedCustomerIds: [ID.toUpperCase()] }),
      ALL,
    );
    expect(v.any).toBe(false);
    expect(changes).toEqual({ enabled: true, minOverdueAmounts: { EUR: '0.00', JPY: '5000', USD: '100.00' }, minDaysOverdue: 7, preset: 'standard-b2b', excludedCustomerIds: [ID] });
    expect(Object.keys(changes.minOverdueAmounts ?? {})).toEqual(['EUR', 'JPY', 'USD']);
  });

  it('reads only the fields asked for', () => {
    const v = new Violations();
    expect(checkPolicyChanges(v, input({ preset: 'nope' }), new Set(['min_days_overdue'] as const))).toEqual({ minDaysOverdue: 7 });
    expect(v.any).toBe(false);
  });

  it.each([
    ['a currency that is not ISO 4217', { minOverdueAmounts: [{ currencyCode: 'XYZ', amount: '1' }] }, 'policy.min_overdue_amounts[0].currency_code'],
    ['a currency twice', { minOverdueAmounts: [{ currencyCode: 'USD', amount: '1' }, { currencyCode: 'USD', amount: '2' }] }, 'policy.min_overdue_amounts[1].currency_code'],
    ['a negative amount', { minOverdueAmounts: [{ currencyCode: 'USD', amount: '-1' }] }, 'policy.min_overdue_amounts[0].amount'],
    ['more digits than the currency has', { minOverdueAmounts: [{ currencyCode: 'USD', amount: '1.001' }] }, 'policy.min_overdue_amounts[0].amount'],
    ['not a decimal', { minOverdueAmounts: [{ currencyCode: 'EUR', amount: '1e3' }] }, 'policy.min_overdue_amounts[0].amount'],
    ['days below 0', { minDaysOverdue: -1 }, 'policy.min_days_overdue'],
    ['days above 3650', { minDaysOverdue: 3651 }, 'policy.min_days_overdue'],
    ['an unknown preset', { preset: 'aggressive' }, 'policy.preset'],
    ['no preset', { preset: '' }, 'policy.preset'],
    ['a customer id that is not a UUID', { excludedCustomerIds: [ID, 'cust-1'] }, 'policy.excluded_customer_ids[1]'],
    ['a customer id twice', { excludedCustomerIds: [ID, ID.toUpperCase()] }, 'policy.excluded_customer_ids[1]'],
    ['too many customer ids', { excludedCustomerIds: Array.from({ length: 1001 }, () => ID) }, 'policy.excluded_customer_ids'],
  ])('%s is named', (_name, overrides, field) => {
    expect(Object.keys(problems(input(overrides)))).toEqual([field]);
  });

  it('the edges are accepted: 0 and 3650 days, 1000 customers', () => {
    expect(problems(input({ minDaysOverdue: 0 }))).toEqual({});
    expect(problems(input({ minDaysOverdue: 3650 }))).toEqual({});
    const ids = Array.from({ length: 1000 }, (_, i) => `10000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    expect(problems(input({ excludedCustomerIds: ids }))).toEqual({});
  });

  it('every problem at once', () => {
    expect(Object.keys(problems(input({ minDaysOverdue: 9999, preset: 'x', excludedCustomerIds: ['y'], minOverdueAmounts: [{ currencyCode: 'usd', amount: '1' }] }))).sort()).toEqual([
      'policy.excluded_customer_ids[0]',
      'policy.min_days_overdue',
      'policy.min_overdue_amounts[0].currency_code',
      'policy.preset',
    ]);
  });
});

describe('policyDiff', () => {
  const before: EnrolmentPolicy = {
    enabled: false,
    minOverdueAmounts: { USD: '100.00' },
    minDaysOverdue: 1,
    preset: 'standard-b2b',
    excludedCustomerIds: [],
    updatedBy: null,
    updatedAt: new Date(0),
  };

  it('names what changes, with before and after', () => {
    expect(policyDiff(before, { enabled: true, minDaysOverdue: 1, minOverdueAmounts: { EUR: '5.00', USD: '100.00' } })).toEqual({
      enabled: { before: false, after: true },
      min_overdue_amounts: { before: { USD: '100.00' }, after: { EUR: '5.00', USD: '100.00' } },
    });
  });

  it('is empty when nothing changes', () => {
    expect(policyDiff(before, { enabled: false, preset: 'standard-b2b', excludedCustomerIds: [] })).toEqual({});
  });
});
