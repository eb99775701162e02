import { cachedRuleOf } from './decider';
import type { RuleRecord } from './store/rule-rows';

const record = (version: number, maxAttempts: number): RuleRecord => ({
  id: '0b7f5c2e-1d4a-4e8b-9c3f-2a1b0c9d8e7f',
  version,
  code: 'cap',
  name: 'Cap',
  description: null,
  citation: null,
  ruleType: 'frequency_cap',
  channels: ['phone'],
  jurisdiction: 'US',
  customerId: null,
  parameters: { max_attempts: maxAttempts, window_days: 7 },
  isActive: true,
  effectiveFrom: null,
  effectiveTo: null,
  preset: null,
  createdAt: new Date(0),
  updatedAt: new Date(0),
  updatedBy: null,
});

describe('cachedRuleOf', () => {
  it('parses a rule version once, and a new version anew', () => {
    const v1 = cachedRuleOf(record(1, 7));
    expect(cachedRuleOf(record(1, 7))).toBe(v1);
    const v2 = cachedRuleOf(record(2, 3));
    expect(v2).not.toBe(v1);
    expect(v2).toMatchObject({ version: 2, scope: { kind: 'country', country: 'US' }, parameters: { maxAttempts: 3, windowDays: 7 } });
  });

  it('refuses parameters the service cannot read rather than ignoring the rule', () => {
    expect(() => cachedRuleOf({ ...record(9, 7), parameters: { max_attempts: 'seven' } })).toThrow(/cannot read/);
  });
});
