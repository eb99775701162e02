import { Violations } from '@cec/errors';
import { PRESETS, presetByName } from './presets';
import { parseRuleParameters, ruleParametersToJson } from './rule-parameters';
import { validateRuleShape } from './rule-shape';
import { contact, customer, decide, outcomeOf } from './test-fixtures';
import type { Rule } from './types';

const asRules = (...names: string[]): Rule[] =>
  names.flatMap((name) => presetByName(name)?.rules ?? []).map((r, i) => ({ ...r, id: `preset-${i}`, version: 1, active: true }) as Rule);

describe('presets', () => {
  it('are found by name', () => {
    expect(PRESETS.map((p) => p.name)).toEqual(['us-regulation-f', 'us-massachusetts']);
    expect(presetByName('us-regulation-f')?.rules.map((r) => [r.code, r.type, r.channels, r.citation])).toEqual([
      ['reg_f_contact_hours', 'contact_window', ['phone', 'sms'], '12 CFR 1006.6(b)(1)(i)'],
      ['reg_f_call_frequency', 'frequency_cap', ['phone'], '12 CFR 1006.14(b)(2)(i)(A)'],
      ['reg_f_conversation_cooldown', 'conversation_cooldown', ['phone'], '12 CFR 1006.14(b)(2)(i)(B)'],
    ]);
    expect(presetByName('us-massachusetts')?.rules.map((r) => [r.code, r.scope, r.parameters, r.citation])).toEqual([
      ['ma_call_frequency', { kind: 'region', country: 'US', region: 'MA' }, { maxAttempts: 2, windowDays: 7 }, '940 CMR 7.04(1)(f)'],
    ]);
    expect(presetByName('us-california')).toBeUndefined();
  });

  it('hold rules that pass the same checks as an operator\'s, with unique codes', () => {
    const rules = PRESETS.flatMap((p) => p.rules);
    expect(new Set(rules.map((r) => r.code)).size).toBe(rules.length);
    for (const r of rules) {
      const v = new Violations();
      expect(validateRuleShape(v, { ...r, channels: r.channels, scope: r.scope })).toBeDefined();
      expect(parseRuleParameters(r.type, ruleParametersToJson(r.parameters))).toEqual(r.parameters);
      expect(() => v.throwIfAny()).not.toThrow();
    }
  });

  it('cannot be changed by a caller', () => {
    const parameters = presetByName('us-massachusetts')?.rules[0].parameters as { maxAttempts: number };
    expect(() => {
      parameters.maxAttempts = 99;
    }).toThrow(TypeError);
    expect(presetByName('us-massachusetts')?.rules[0].parameters).toEqual({ maxAttempts: 2, windowDays: 7 });
  });
});

describe('presets at work (America/New_York, EDT UTC-04:00; Friday 2026-03-20 11:00 EDT = 15:00Z)', () => {
  const at = '2026-03-20T15:00:00Z';
  const daily = (days: number[]) => days.map((d) => contact(`2026-03-${String(d).padStart(2, '0')}T15:00:00Z`, 'no_answer'));

  it.each([
    // Reg F: the 8th call in 7 days is refused until the oldest ages out (2026-03-14 + 7 × 24 h).
    ['Reg F, 6 calls', 'NY', daily([14, 15, 16, 17, 18, 19]), 'ALLOW'],
    ['Reg F, 7 calls', 'NY', daily([14, 15, 16, 17, 18, 19, 20]), 'DEFER 2026-03-21T15:00:00.000Z'],
    // Massachusetts: 2 in 7 days (the oldest of the 2, 2026-03-18 15:00Z, ages out 2026-03-25 15:00Z).
    ['Massachusetts, 1 call', 'MA', daily([18]), 'ALLOW'],
    ['Massachusetts, 2 calls', 'MA', daily([18, 19]), 'DEFER 2026-03-25T15:00:00.000Z'],
    ['New York, 2 calls', 'NY', daily([18, 19]), 'ALLOW'],
    // Reg F cool-down: answered 2026-03-17 15:00Z -> no call until 2026-03-24 15:00Z.
    ['Reg F, answered 3 days ago', 'NY', [contact('2026-03-17T15:00:00Z', 'answered')], 'DEFER 2026-03-24T15:00:00.000Z'],
    ['Reg F, voicemail 3 days ago', 'NY', [contact('2026-03-17T15:00:00Z', 'voicemail')], 'ALLOW'],
  ])('%s (%s)', (_what, regionCode, history, expected) => {
    const d = decide({ rules: asRules('us-regulation-f', 'us-massachusetts'), customer: customer({ regionCode }), history, at });
    expect(outcomeOf(d)).toBe(expected);
  });

  it('Reg F hours: no call at 07:30 EDT, texts too, email is not held back', () => {
    const rules = asRules('us-regulation-f');
    // 2026-03-20T11:30Z is 07:30 EDT: opens at 08:00 EDT = 12:00Z.
    expect(outcomeOf(decide({ rules, at: '2026-03-20T11:30:00Z' }))).toBe('DEFER 2026-03-20T12:00:00.000Z');
    expect(outcomeOf(decide({ rules, channel: 'sms', at: '2026-03-20T11:30:00Z' }))).toBe('DEFER 2026-03-20T12:00:00.000Z');
    expect(outcomeOf(decide({ rules, channel: 'email', at: '2026-03-20T11:30:00Z' }))).toBe('ALLOW');
  });
});
