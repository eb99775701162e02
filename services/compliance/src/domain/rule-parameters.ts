/**
 * Rule parameters as stored (snake_case JSON in compliance_rules.parameters) <-> typed.
 * Reading collects every problem, each naming its field ('parameters.max_attempts'), and
 * refuses keys the rule type does not have, so a typo cannot silently drop a limit.
 */
import { Temporal } from 'temporal-polyfill';
import { Violations } from '@cec/errors';
import {
  OUTCOMES,
  type BlackoutDatesParameters,
  type ContactWindowParameters,
  type ConversationCooldownParameters,
  type FrequencyCapParameters,
  type Outcome,
  type RuleParameters,
  type RuleType,
} from './types';
import { trackViolations, type ViolationSink } from './violation-sink';

const KEYS: Record<RuleType, readonly string[]> = {
  contact_window: ['start', 'end', 'days'],
  frequency_cap: ['max_attempts', 'window_days', 'counted_outcomes'],
  conversation_cooldown: ['days', 'after_outcomes'],
  blackout_dates: ['dates'],
  channel_block: [],
};

export const DEFAULT_COOLDOWN_OUTCOMES: readonly Outcome[] = ['answered', 'replied'];

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Reads raw parameters into `v`; undefined when anything was wrong. */
export function readRuleParameters<T extends RuleType>(v: Violations, type: T, raw: unknown, field = 'parameters'): RuleParameters<T> | undefined {
  if (!(type in KEYS)) {
    v.add(field, `cannot be read for the unknown rule type "${String(type).slice(0, 40)}"`);
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    v.add(field, `must be a JSON object (${describeKeys(type)})`);
    return undefined;
  }
  const obj = raw as Record<string, unknown>;
  const local = trackViolations(v);
  for (const key of Object.keys(obj)) {
    if (!KEYS[type].includes(key)) local.add(`${field}.${key}`, `is not a parameter of a ${type} rule (${describeKeys(type)})`);
  }
  const read = {
    contact_window: readContactWindow,
    frequency_cap: readFrequencyCap,
    conversation_cooldown: readCooldown,
    blackout_dates: readBlackoutDates,
    channel_block: (): RuleParameters<'channel_block'> => ({}),
  }[type];
  const parameters = read(local, obj, field);
  return local.failed ? undefined : (parameters as RuleParameters<T>);
}

/** Reads raw parameters or throws InvalidArgumentError naming every bad field. */
export function parseRuleParameters<T extends RuleType>(type: T, raw: unknown, field = 'parameters'): RuleParameters<T> {
  const v = new Violations();
  const parameters = readRuleParameters(v, type, raw, field);
  v.throwIfAny();
  return parameters as RuleParameters<T>;
}

/** The snake_case JSON stored in compliance_rules.parameters. */
export function ruleParametersToJson(parameters: RuleParameters): Record<string, unknown> {
  if ('start' in parameters) {
    return { start: parameters.start, end: parameters.end, ...(parameters.days ? { days: [...parameters.days] } : {}) };
  }
  if ('maxAttempts' in parameters) {
    return {
      max_attempts: parameters.maxAttempts,
      window_days: parameters.windowDays,
      ...(parameters.countedOutcomes ? { counted_outcomes: [...parameters.countedOutcomes] } : {}),
    };
  }
  if ('afterOutcomes' in parameters) return { days: parameters.days, after_outcomes: [...parameters.afterOutcomes] };
  if ('dates' in parameters) return { dates: [...parameters.dates] };
  return {};
}

function readContactWindow(v: ViolationSink, obj: Record<string, unknown>, field: string): ContactWindowParameters {
  const start = obj.start;
  const end = obj.end;
  const startOk = typeof start === 'string' && HH_MM.test(start);
  const endOk = typeof end === 'string' && (HH_MM.test(end) || end === '24:00');
  if (!startOk) v.add(`${field}.start`, 'must be a local time HH:MM from 00:00 to 23:59');
  if (!endOk) v.add(`${field}.end`, 'must be a local time HH:MM from 00:01 to 24:00');
  if (startOk && endOk && end <= start) v.add(`${field}.end`, `must be after start (${start}); a window cannot cross midnight`);
  const out: ContactWindowParameters = { start: String(start), end: String(end) };
  if (obj.days !== undefined) {
    const days = obj.days;
    if (!Array.isArray(days) || days.length === 0) {
      v.add(`${field}.days`, 'must be a non-empty list of ISO weekdays (1 = Monday .. 7 = Sunday)');
    } else {
      days.forEach((d, i) => {
        if (!Number.isInteger(d) || (d as number) < 1 || (d as number) > 7) v.add(`${field}.days[${i}]`, 'must be an ISO weekday from 1 (Monday) to 7 (Sunday)');
        else if (days.indexOf(d) !== i) v.add(`${field}.days[${i}]`, `repeats ${d}`);
      });
      out.days = [...(days as number[])].sort((a, b) => a - b);
    }
  }
  return out;
}

function readFrequencyCap(v: ViolationSink, obj: Record<string, unknown>, field: string): FrequencyCapParameters {
  const out: FrequencyCapParameters = {
    maxAttempts: integer(v, obj.max_attempts, `${field}.max_attempts`, 1, 1000),
    windowDays: integer(v, obj.window_days, `${field}.window_days`, 1, 366),
  };
  if (obj.counted_outcomes !== undefined) out.countedOutcomes = outcomes(v, obj.counted_outcomes, `${field}.counted_outcomes`);
  return out;
}

function readCooldown(v: ViolationSink, obj: Record<string, unknown>, field: string): ConversationCooldownParameters {
  return {
    days: integer(v, obj.days, `${field}.days`, 1, 366),
    afterOutcomes: obj.after_outcomes === undefined ? [...DEFAULT_COOLDOWN_OUTCOMES] : outcomes(v, obj.after_outcomes, `${field}.after_outcomes`),
  };
}

function readBlackoutDates(v: ViolationSink, obj: Record<string, unknown>, field: string): BlackoutDatesParameters {
  const dates = obj.dates;
  if (!Array.isArray(dates) || dates.length < 1 || dates.length > 366) {
    v.add(`${field}.dates`, 'must be a list of 1 to 366 local dates YYYY-MM-DD');
    return { dates: [] };
  }
  dates.forEach((d, i) => {
    if (!isDate(d)) v.add(`${field}.dates[${i}]`, `must be a valid date YYYY-MM-DD, got ${JSON.stringify(d)?.slice(0, 40)}`);
    else if (dates.indexOf(d) !== i) v.add(`${field}.dates[${i}]`, `repeats ${d}`);
  });
  return { dates: [...(dates as string[])].sort() };
}

/** 'YYYY-MM-DD' naming a real calendar date (no 2026-02-30). */
export function isDate(value: unknown): value is string {
  if (typeof value !== 'string' || !DATE.test(value)) return false;
  try {
    Temporal.PlainDate.from(value);
    return true;
  } catch {
    return false;
  }
}

function integer(v: ViolationSink, value: unknown, field: string, min: number, max: number): number {
  if (value === undefined) v.add(field, `is required: an integer from ${min} to ${max}`);
  else if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) v.add(field, `must be an integer from ${min} to ${max}`);
  return value as number;
}

function outcomes(v: ViolationSink, value: unknown, field: string): Outcome[] {
  if (!Array.isArray(value) || value.length === 0) {
    v.add(field, `must be a non-empty list of outcomes (${OUTCOMES.join(', ')})`);
    return [];
  }
  value.forEach((o, i) => {
    if (!(OUTCOMES as readonly unknown[]).includes(o)) v.add(`${field}[${i}]`, `must be one of ${OUTCOMES.join(', ')}`);
    else if (value.indexOf(o) !== i) v.add(`${field}[${i}]`, `repeats ${o}`);
  });
  return [...(value as Outcome[])];
}

function describeKeys(type: RuleType): string {
  return KEYS[type].length ? `a ${type} rule takes ${KEYS[type].join(', ')}` : `a ${type} rule takes no parameters: {}`;
}
