import { evaluateContact } from './domain/evaluate';
import { readRuleParameters } from './domain/rule-parameters';
import type { Rule, RuleType } from './domain/types';
import { Violations } from '@cec/errors';
import type { Decider } from './store/decision-store';
import type { RuleRecord } from './store/rule-rows';
import { scopeOf } from './rpc/rule-messages';
import { trustedTimeZone } from './domain/profile-time-zone';

/**
 * Rules as the domain reads them, by id and version: a version never changes (the database
 * numbers every change anew), so a parsed version can be kept. Bounded: cleared when full.
 */
const parsed = new Map<string, Rule>();
const MAX_PARSED = 10_000;

/** A stored rule as the domain reads it, parsed once per version. */
export function cachedRuleOf(record: RuleRecord): Rule {
  // is_active and the effective dates are part of a version too; the key covers what can differ.
  const key = `${record.id}:${record.version}`;
  let rule = parsed.get(key);
  if (!rule) {
    rule = ruleOf(record);
    if (parsed.size >= MAX_PARSED) parsed.clear();
    parsed.set(key, rule);
  }
  return rule;
}

/** A stored rule as the domain reads it. Parameters that no longer read (hand-edited rows) are an error, never ignored. */
export function ruleOf(record: RuleRecord): Rule {
  const v = new Violations();
  const parameters = readRuleParameters(v, record.ruleType as RuleType, record.parameters, `compliance rule ${record.code} parameters`);
  if (!parameters) {
    throw new Error(`compliance rule ${record.code} (${record.id}) has parameters the service cannot read: ${JSON.stringify(record.parameters).slice(0, 200)}`);
  }
  return {
    id: record.id,
    version: record.version,
    code: record.code,
    type: record.ruleType,
    channels: record.channels,
    scope: scopeOf(record.jurisdiction, record.customerId),
    active: record.isActive,
    parameters,
    ...(record.effectiveFrom ? { effectiveFrom: record.effectiveFrom } : {}),
    ...(record.effectiveTo ? { effectiveTo: record.effectiveTo } : {}),
  } as Rule;
}

/** The domain's evaluation, as the decision store asks for it. */
export const decider: Decider = {
  toRule: cachedRuleOf,
  lookbackDays(rules) {
    let days = 0;
    for (const rule of rules) {
      if (rule.type === 'frequency_cap') days = Math.max(days, rule.parameters.windowDays);
      if (rule.type === 'conversation_cooldown') days = Math.max(days, rule.parameters.days);
    }
    return days;
  },
  decide({ rules, customer, channel, at, history, optedOut }) {
    return evaluateContact({ rules, customer: { ...customer, timeZone: trustedTimeZone(customer.timeZone) }, channel, at, history, optedOut });
  },
};
