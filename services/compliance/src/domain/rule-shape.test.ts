import { Violations, type InvalidArgumentError } from '@cec/errors';
import { validateRuleShape, type RuleShapeInput } from './rule-shape';

const good: RuleShapeInput = {
  code: 'reg_f_contact_hours',
  name: '  Calls between 08:00 and 21:00  ',
  type: 'contact_window',
  channels: ['phone', 'sms'],
  scope: { kind: 'country', country: 'US' },
  effectiveFrom: '2026-01-01',
  effectiveTo: '2026-12-31',
};

function fieldsOf(input: RuleShapeInput, prefix?: string): string[] {
  const v = new Violations();
  const shape = validateRuleShape(v, input, prefix);
  try {
    v.throwIfAny();
  } catch (error) {
    expect(shape).toBeUndefined();
    return (error as InvalidArgumentError).violations.map((x) => x.field);
  }
  return [];
}

describe('validateRuleShape', () => {
  it('returns the typed shape, name trimmed', () => {
    expect(validateRuleShape(new Violations(), good)).toEqual({ ...good, name: 'Calls between 08:00 and 21:00' });
  });

  it.each([
    ['code with capitals', { code: 'Reg_F' }, ['code']],
    ['code starting with _', { code: '_reg' }, ['code']],
    ['code of 101 characters', { code: 'a'.repeat(101) }, ['code']],
    ['empty name', { name: '   ' }, ['name']],
    ['name of 201 characters', { name: 'n'.repeat(201) }, ['name']],
    ['unknown type', { type: 'quiet_hours' }, ['type']],
    ['no channels', { channels: [] }, ['channels']],
    ['unknown and repeated channels', { channels: ['phone', 'fax', 'phone'] }, ['channels[1]', 'channels[2]']],
    ['country in lower case', { scope: { kind: 'country', country: 'us' } }, ['scope.country_code']],
    ['region without region code', { scope: { kind: 'region', country: 'US' } }, ['scope.region_code']],
    ['region code too long', { scope: { kind: 'region', country: 'US', region: 'MASS' } }, ['scope.region_code']],
    ['global with a country', { scope: { kind: 'global', country: 'US' } }, ['scope.country_code']],
    ['country with a region', { scope: { kind: 'country', country: 'US', region: 'MA' } }, ['scope.region_code']],
    ['customer without id', { scope: { kind: 'customer', customerId: ' ' } }, ['scope.customer_id']],
    ['unknown scope kind', { scope: { kind: 'planet' } }, ['scope.kind']],
    ['invalid dates', { effectiveFrom: '2026-02-30', effectiveTo: '31/12/2026' }, ['effective_from', 'effective_to']],
    ['ends before it starts', { effectiveFrom: '2026-06-01', effectiveTo: '2026-05-31' }, ['effective_to']],
    ['everything at once', { code: '', name: '', type: '', channels: [], scope: { kind: '' } }, ['code', 'name', 'type', 'channels', 'scope.kind']],
  ] as const)('%s -> %j', (_what, change, expected) => {
    expect(fieldsOf({ ...good, ...change } as RuleShapeInput)).toEqual(expected);
  });

  it.each([
    ['global', { kind: 'global' }],
    ['region', { kind: 'region', country: 'US', region: 'MA' }],
    ['customer', { kind: 'customer', customerId: 'c0ffee00-0000-4000-8000-000000000001' }],
  ] as const)('accepts a %s scope', (_kind, scope) => {
    expect(validateRuleShape(new Violations(), { ...good, scope })?.scope).toEqual(scope);
  });

  it('accepts open-ended and same-day ranges, and names fields under a prefix', () => {
    expect(fieldsOf({ ...good, effectiveFrom: '', effectiveTo: undefined })).toEqual([]);
    expect(fieldsOf({ ...good, effectiveFrom: '2026-05-31', effectiveTo: '2026-05-31' })).toEqual([]);
    expect(fieldsOf({ ...good, code: 'X' }, 'rule.')).toEqual(['rule.code']);
  });
});
