import type { Violations } from '@cec/errors';
import { complianceV1 } from '@cec/proto';
import { readRuleParameters, ruleParametersToJson } from '../domain/rule-parameters';
import { validateRuleShape } from '../domain/rule-shape';
import type { PresetRule } from '../domain/presets';
import type { Outcome, RuleScope, RuleType } from '../domain/types';
import type { RuleContent } from '../store/rule-store';
import type { RuleRecord } from '../store/rule-rows';
import { channels, outcomes, ruleTypes, scopeKinds } from './enums';

type Parameters = complianceV1.ComplianceRule['parameters'];

/** The rule type each case of the oneof `parameters` sets. */
export const CASE_TYPE: Record<NonNullable<Parameters>['$case'], RuleType> = {
  contactWindow: 'contact_window',
  frequencyCap: 'frequency_cap',
  conversationCooldown: 'conversation_cooldown',
  blackoutDates: 'blackout_dates',
  channelBlock: 'channel_block',
};

/** Outcome names; an unknown number is a violation of its own element (and leaves the list out). */
function outcomeNames(values: number[], v: Violations, field: string): Outcome[] | undefined {
  const names = values.map((value, i) => outcomes.from(value, v, `${field}[${i}]`, 'contact outcome'));
  return names.every((n) => n !== undefined) ? (names as Outcome[]) : undefined;
}

const listOf = (key: string, values: number[], v: Violations, field: string): Record<string, unknown> => {
  if (!values.length) return {};
  const names = outcomeNames(values, v, `${field}.${key}`);
  return names ? { [key]: names } : {};
};

/**
 * The oneof `parameters` of a request as stored parameters (snake_case JSON), read and checked
 * by the domain: violations name the request's fields (`rule.frequency_cap.max_attempts`).
 */
export function parametersFromProto(p: Parameters, v: Violations, prefix: string): { type: RuleType; json: Record<string, unknown> } | undefined {
  if (!p) {
    v.add(`${prefix}parameters`, 'is required: one of contact_window, frequency_cap, conversation_cooldown, blackout_dates, channel_block');
    return undefined;
  }
  const type = CASE_TYPE[p.$case];
  const field = `${prefix}${type}`;
  let raw: Record<string, unknown>;
  switch (p.$case) {
    case 'contactWindow':
      raw = { start: p.value.start, end: p.value.end, ...(p.value.days.length ? { days: p.value.days } : {}) };
      break;
    case 'frequencyCap':
      raw = {
        max_attempts: p.value.maxAttempts,
        window_days: p.value.windowDays,
        ...listOf('counted_outcomes', p.value.countedOutcomes, v, field),
      };
      break;
    case 'conversationCooldown':
      raw = {
        days: p.value.days,
        ...listOf('after_outcomes', p.value.afterOutcomes, v, field),
      };
      break;
    case 'blackoutDates':
      raw = { dates: p.value.dates };
      break;
    default:
      raw = {};
  }
  const parameters = readRuleParameters(v, type, raw, field);
  return parameters && { type, json: ruleParametersToJson(parameters) };
}

/** Stored parameters as the oneof of the message. */
export function parametersToProto(type: string, json: Record<string, unknown>): Parameters {
  const list = (key: string): string[] => (Array.isArray(json[key]) ? (json[key] as string[]) : []);
  switch (type) {
    case 'contact_window':
      return { $case: 'contactWindow', value: { start: String(json.start ?? ''), end: String(json.end ?? ''), days: list('days') as unknown as number[] } };
    case 'frequency_cap':
      return {
        $case: 'frequencyCap',
        value: { maxAttempts: Number(json.max_attempts), windowDays: Number(json.window_days), countedOutcomes: list('counted_outcomes').map((o) => outcomes.to(o)) },
      };
    case 'conversation_cooldown':
      return { $case: 'conversationCooldown', value: { days: Number(json.days), afterOutcomes: list('after_outcomes').map((o) => outcomes.to(o)) } };
    case 'blackout_dates':
      return { $case: 'blackoutDates', value: { dates: list('dates') } };
    default:
      return { $case: 'channelBlock', value: {} };
  }
}

/** How compliance_rules stores a scope: jurisdiction and customer_id. */
export function scopeColumns(scope: RuleScope): { jurisdiction: string; customerId: string | null } {
  switch (scope.kind) {
    case 'global':
      return { jurisdiction: '*', customerId: null };
    case 'country':
      return { jurisdiction: scope.country, customerId: null };
    case 'region':
      return { jurisdiction: `${scope.country}-${scope.region}`, customerId: null };
    default:
      return { jurisdiction: '*', customerId: scope.customerId };
  }
}

export function scopeOf(jurisdiction: string, customerId: string | null): RuleScope {
  if (customerId) return { kind: 'customer', customerId };
  if (jurisdiction === '*') return { kind: 'global' };
  const [country, region] = jurisdiction.split('-');
  return region ? { kind: 'region', country, region } : { kind: 'country', country };
}

function scopeToProto(scope: RuleScope): complianceV1.RuleScope {
  return {
    kind: scopeKinds.to(scope.kind),
    countryCode: 'country' in scope ? scope.country : '',
    regionCode: scope.kind === 'region' ? scope.region : '',
    customerId: scope.kind === 'customer' ? scope.customerId : '',
  };
}

/**
 * A rule of a request, checked as a whole (every bad field named): what it says, as stored.
 * `prefix` is the request field holding it ('rule.').
 */
export function ruleContentFromProto(rule: complianceV1.ComplianceRule, v: Violations, prefix: string): RuleContent | undefined {
  const parameters = parametersFromProto(rule.parameters, v, prefix);
  const channelNames = rule.channels.map((c, i) => channels.from(c, v, `${prefix}channels[${i}]`, 'channel') ?? `#${c}`);
  const scope = rule.scope;
  if (!scope) v.add(`${prefix}scope`, 'is required');
  const kind = scope ? (scope.kind === 0 ? '' : (scopeKinds.from(scope.kind, v, `${prefix}scope.kind`, 'scope kind') ?? '')) : '';
  const shape = validateRuleShape(
    v,
    {
      code: rule.code,
      name: rule.name,
      type: parameters?.type ?? 'channel_block',
      channels: channelNames.filter((c) => !c.startsWith('#')),
      scope: { kind, country: scope?.countryCode, region: scope?.regionCode, customerId: scope?.customerId },
      effectiveFrom: rule.effectiveFrom,
      effectiveTo: rule.effectiveTo,
    },
    prefix,
  );
  if (!shape || !parameters) return undefined;
  return {
    code: shape.code,
    name: shape.name,
    description: rule.description.trim() || null,
    citation: rule.citation.trim() || null,
    ruleType: parameters.type,
    channels: shape.channels,
    ...scopeColumns(shape.scope),
    parameters: parameters.json,
    effectiveFrom: shape.effectiveFrom ?? null,
    effectiveTo: shape.effectiveTo ?? null,
    preset: null,
  };
}

export function presetRuleContent(rule: PresetRule, preset: string): RuleContent {
  return {
    code: rule.code,
    name: rule.name,
    description: rule.description,
    citation: rule.citation,
    ruleType: rule.type,
    channels: [...rule.channels],
    ...scopeColumns(rule.scope),
    parameters: ruleParametersToJson(rule.parameters),
    effectiveFrom: null,
    effectiveTo: null,
    preset,
  };
}

export function ruleToProto(r: RuleRecord): complianceV1.ComplianceRule {
  return {
    id: r.id,
    version: r.version,
    code: r.code,
    name: r.name,
    description: r.description ?? '',
    citation: r.citation ?? '',
    type: ruleTypes.to(r.ruleType),
    channels: r.channels.map((c) => channels.to(c)),
    scope: scopeToProto(scopeOf(r.jurisdiction, r.customerId)),
    parameters: parametersToProto(r.ruleType, r.parameters),
    active: r.isActive,
    effectiveFrom: r.effectiveFrom ?? '',
    effectiveTo: r.effectiveTo ?? '',
    preset: r.preset ?? '',
    createTime: r.createdAt,
    updateTime: r.updatedAt,
    updatedBy: r.updatedBy ?? '',
  };
}

/** A preset's rule as a message without id or version (ListPresets). */
export function presetRuleToProto(rule: PresetRule, preset: string): complianceV1.ComplianceRule {
  const c = presetRuleContent(rule, preset);
  return complianceV1.ComplianceRule.fromPartial({
    code: c.code,
    name: c.name,
    description: c.description ?? '',
    citation: c.citation ?? '',
    type: ruleTypes.to(c.ruleType),
    channels: c.channels.map((ch) => channels.to(ch)),
    scope: scopeToProto(rule.scope),
    parameters: parametersToProto(c.ruleType, c.parameters),
    active: true,
    preset,
  });
}
