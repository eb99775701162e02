/**
 * Everything about a rule but its parameters (rule-parameters.ts reads those): code, name,
 * type, channels, scope and effective dates, as the caller sent them. Field names are the
 * snake_case request fields (scope.country_code, scope.region_code: the contract's names), optionally
 * under a prefix ('rule.').
 */
import type { Violations } from '@cec/errors';
import { isDate } from './rule-parameters';
import { CHANNELS, RULE_TYPES, type Channel, type RuleScope, type RuleType } from './types';
import { trackViolations } from './violation-sink';

export const RULE_CODE = /^[a-z0-9][a-z0-9_]{0,99}$/;
export const SCOPE_COUNTRY = /^[A-Z]{2}$/;
export const SCOPE_REGION = /^[A-Z0-9]{1,3}$/;
const SCOPE_KINDS = ['global', 'country', 'region', 'customer'] as const;

export interface RuleShapeInput {
  code: string;
  name: string;
  type: string;
  channels: readonly string[];
  scope: { kind: string; country?: string; region?: string; customerId?: string };
  /** 'YYYY-MM-DD' or '' / undefined for open-ended. */
  effectiveFrom?: string;
  effectiveTo?: string;
}

export interface RuleShape {
  code: string;
  /** Trimmed. */
  name: string;
  type: RuleType;
  channels: Channel[];
  scope: RuleScope;
  effectiveFrom?: string;
  effectiveTo?: string;
}

/** Adds a violation per bad field to `v`; returns the typed shape when this input had none. */
export function validateRuleShape(v: Violations, input: RuleShapeInput, prefix = ''): RuleShape | undefined {
  const sink = trackViolations(v);
  const f = (name: string): string => `${prefix}${name}`;

  if (!RULE_CODE.test(input.code)) sink.add(f('code'), 'must be 1 to 100 characters of a-z, 0-9 and _, starting with a letter or digit');
  const name = input.name.trim();
  if (name.length < 1 || name.length > 200) sink.add(f('name'), 'must be 1 to 200 characters');
  if (!(RULE_TYPES as readonly string[]).includes(input.type)) sink.add(f('type'), `must be one of ${RULE_TYPES.join(', ')}`);

  if (input.channels.length === 0) sink.add(f('channels'), `must list at least one channel (${CHANNELS.join(', ')})`);
  input.channels.forEach((c, i) => {
    if (!(CHANNELS as readonly string[]).includes(c)) sink.add(f(`channels[${i}]`), `must be one of ${CHANNELS.join(', ')}`);
    else if (input.channels.indexOf(c) !== i) sink.add(f(`channels[${i}]`), `repeats ${c}`);
  });

  const scope = readScope(sink.add, input.scope, f);

  const from = input.effectiveFrom || undefined;
  const to = input.effectiveTo || undefined;
  if (from !== undefined && !isDate(from)) sink.add(f('effective_from'), 'must be a valid date YYYY-MM-DD');
  if (to !== undefined && !isDate(to)) sink.add(f('effective_to'), 'must be a valid date YYYY-MM-DD');
  else if (to !== undefined && from !== undefined && isDate(from) && to < from) sink.add(f('effective_to'), `must be on or after effective_from (${from})`);

  if (sink.failed || !scope) return undefined;
  return {
    code: input.code,
    name,
    type: input.type as RuleType,
    channels: [...input.channels] as Channel[],
    scope,
    ...(from ? { effectiveFrom: from } : {}),
    ...(to ? { effectiveTo: to } : {}),
  };
}

function readScope(add: (field: string, description: string) => void, scope: RuleShapeInput['scope'], f: (name: string) => string): RuleScope | undefined {
  const country = scope.country ?? '';
  const region = scope.region ?? '';
  const customerId = (scope.customerId ?? '').trim();
  let problems = 0;
  const fail = (field: string, description: string): void => {
    problems++;
    add(f(field), description);
  };
  if (!(SCOPE_KINDS as readonly string[]).includes(scope.kind)) {
    fail('scope.kind', `must be one of ${SCOPE_KINDS.join(', ')}`);
    return undefined;
  }
  const needsCountry = scope.kind === 'country' || scope.kind === 'region';
  if (needsCountry && !SCOPE_COUNTRY.test(country)) fail('scope.country_code', 'must be an ISO 3166-1 alpha-2 country code in capitals, such as US');
  if (!needsCountry && country) fail('scope.country_code', `must be empty for a ${scope.kind} scope`);
  if (scope.kind === 'region' && !SCOPE_REGION.test(region)) fail('scope.region_code', 'must be an ISO 3166-2 subdivision code in capitals, such as MA');
  if (scope.kind !== 'region' && region) fail('scope.region_code', `must be empty for a ${scope.kind} scope`);
  if (scope.kind === 'customer' && (customerId.length < 1 || customerId.length > 100)) fail('scope.customer_id', 'must name the customer (1 to 100 characters)');
  if (scope.kind !== 'customer' && customerId) fail('scope.customer_id', `must be empty for a ${scope.kind} scope`);
  if (problems) return undefined;
  switch (scope.kind) {
    case 'global':
      return { kind: 'global' };
    case 'country':
      return { kind: 'country', country };
    case 'region':
      return { kind: 'region', country, region };
    default:
      return { kind: 'customer', customerId };
  }
}
