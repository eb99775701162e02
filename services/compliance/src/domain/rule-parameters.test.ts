import { InvalidArgumentError, Violations, type FieldViolation } from '@cec/errors';
import { parseRuleParameters, readRuleParameters, ruleParametersToJson } from './rule-parameters';
import type { RuleType } from './types';

function violationsOf(type: RuleType, raw: unknown, field?: string): FieldViolation[] {
  try {
    parseRuleParameters(type, raw, field);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return (error as InvalidArgumentError).violations;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be refused`);
}
const fields = (type: RuleType, raw: unknown): string[] => violationsOf(type, raw).map((v) => v.field);

describe('parseRuleParameters: good input, typed, and back to the stored JSON', () => {
  it.each([
    ['contact_window', { start: '08:00', end: '21:00' }, { start: '08:00', end: '21:00' }, { start: '08:00', end: '21:00' }],
    ['contact_window', { start: '00:00', end: '24:00', days: [5, 1] }, { start: '00:00', end: '24:00', days: [1, 5] }, { start: '00:00', end: '24:00', days: [1, 5] }],
    ['frequency_cap', { max_attempts: 7, window_days: 7 }, { maxAttempts: 7, windowDays: 7 }, { max_attempts: 7, window_days: 7 }],
    [
      'frequency_cap',
      { max_attempts: 1000, window_days: 366, counted_outcomes: ['answered', 'voicemail'] },
      { maxAttempts: 1000, windowDays: 366, countedOutcomes: ['answered', 'voicemail'] },
      { max_attempts: 1000, window_days: 366, counted_outcomes: ['answered', 'voicemail'] },
    ],
    // after_outcomes defaults to a conversation: answered or replied.
    ['conversation_cooldown', { days: 7 }, { days: 7, afterOutcomes: ['answered', 'replied'] }, { days: 7, after_outcomes: ['answered', 'replied'] }],
    ['conversation_cooldown', { days: 1, after_outcomes: ['answered'] }, { days: 1, afterOutcomes: ['answered'] }, { days: 1, after_outcomes: ['answered'] }],
    ['blackout_dates', { dates: ['2026-12-25', '2024-02-29'] }, { dates: ['2024-02-29', '2026-12-25'] }, { dates: ['2024-02-29', '2026-12-25'] }],
    ['channel_block', {}, {}, {}],
  ] as const)('%s %j', (type, raw, typed, json) => {
    const parameters = parseRuleParameters(type, raw);
    expect(parameters).toEqual(typed);
    expect(ruleParametersToJson(parameters)).toEqual(json);
    expect(parseRuleParameters(type, ruleParametersToJson(parameters))).toEqual(typed);
  });
});

describe('parseRuleParameters: each bad field named', () => {
  it.each([
    ['contact_window', { start: '8:00', end: '21:00' }, ['parameters.start']],
    ['contact_window', { start: '08:00', end: '25:00' }, ['parameters.end']],
    ['contact_window', { start: '24:00', end: '24:00' }, ['parameters.start']],
    ['contact_window', { start: '21:00', end: '08:00' }, ['parameters.end']],
    ['contact_window', { start: '08:00', end: '08:00' }, ['parameters.end']],
    ['contact_window', { end: '21:00' }, ['parameters.start']],
    ['contact_window', { start: 800, end: null }, ['parameters.start', 'parameters.end']],
    ['contact_window', { start: '08:00', end: '21:00', days: [] }, ['parameters.days']],
    ['contact_window', { start: '08:00', end: '21:00', days: [0, 1, 8, 1, 2.5] }, ['parameters.days[0]', 'parameters.days[2]', 'parameters.days[3]', 'parameters.days[4]']],
    ['frequency_cap', { max_attempts: 0, window_days: 7 }, ['parameters.max_attempts']],
    ['frequency_cap', { max_attempts: 1001, window_days: 367 }, ['parameters.max_attempts', 'parameters.window_days']],
    ['frequency_cap', { max_attempts: '7', window_days: 7.5 }, ['parameters.max_attempts', 'parameters.window_days']],
    ['frequency_cap', {}, ['parameters.max_attempts', 'parameters.window_days']],
    ['frequency_cap', { max_attempts: 7, window_days: 7, counted_outcomes: [] }, ['parameters.counted_outcomes']],
    ['frequency_cap', { max_attempts: 7, window_days: 7, counted_outcomes: ['answered', 'hung_up', 'answered'] }, ['parameters.counted_outcomes[1]', 'parameters.counted_outcomes[2]']],
    ['conversation_cooldown', { days: 0 }, ['parameters.days']],
    ['conversation_cooldown', { days: 7, after_outcomes: 'answered' }, ['parameters.after_outcomes']],
    ['conversation_cooldown', { after_outcomes: ['talked'] }, ['parameters.days', 'parameters.after_outcomes[0]']],
    ['blackout_dates', { dates: [] }, ['parameters.dates']],
    ['blackout_dates', { dates: '2026-12-25' }, ['parameters.dates']],
    ['blackout_dates', { dates: Array.from({ length: 367 }, () => '2026-12-25') }, ['parameters.dates']],
    ['blackout_dates', { dates: ['2026-02-29', '2026-13-01', '26-12-25', '2026-12-25', '2026-12-25', 20261225] }, ['parameters.dates[0]', 'parameters.dates[1]', 'parameters.dates[2]', 'parameters.dates[4]', 'parameters.dates[5]']],
  ] as const)('%s %j -> %j', (type, raw, expected) => {
    expect(fields(type, raw)).toEqual(expected);
  });

  it('phrases the limits', () => {
    expect(violationsOf('frequency_cap', { max_attempts: 0, window_days: 7 })).toEqual([{ field: 'parameters.max_attempts', description: 'must be an integer from 1 to 1000' }]);
    expect(violationsOf('frequency_cap', { window_days: 7 })).toEqual([{ field: 'parameters.max_attempts', description: 'is required: an integer from 1 to 1000' }]);
    expect(violationsOf('contact_window', { start: '21:00', end: '08:00' })[0].description).toBe('must be after start (21:00); a window cannot cross midnight');
  });
});

describe('parseRuleParameters: unknown keys and shapes are refused', () => {
  it.each([
    ['frequency_cap', { max_attempts: 7, window_days: 7, maxAttempts: 3 }, ['parameters.maxAttempts']],
    ['frequency_cap', { max_attempts: 7, window_days: 7, window_hours: 1 }, ['parameters.window_hours']],
    ['conversation_cooldown', { days: 7, after_statuses: ['answered'] }, ['parameters.after_statuses']],
    ['contact_window', { start: '08:00', end: '21:00', timezone: 'UTC' }, ['parameters.timezone']],
    ['channel_block', { reason: 'x' }, ['parameters.reason']],
    ['channel_block', null, ['parameters']],
    ['frequency_cap', [7, 7], ['parameters']],
    ['blackout_dates', '2026-12-25', ['parameters']],
  ] as const)('%s %j -> %j', (type, raw, expected) => {
    expect(fields(type, raw)).toEqual(expected);
  });

  it('says which keys the type takes', () => {
    expect(violationsOf('frequency_cap', { max_attempts: 7, window_days: 7, windowDays: 7 })).toEqual([
      { field: 'parameters.windowDays', description: 'is not a parameter of a frequency_cap rule (a frequency_cap rule takes max_attempts, window_days, counted_outcomes)' },
    ]);
  });
});

describe('readRuleParameters', () => {
  it('adds to the caller\'s violations under the caller\'s field and returns undefined', () => {
    const v = new Violations().add('rule.code', 'is required');
    expect(readRuleParameters(v, 'frequency_cap', { max_attempts: 0, window_days: 7 }, 'rule.frequency_cap')).toBeUndefined();
    expect(v.has('rule.code')).toBe(true);
    expect(v.has('rule.frequency_cap.max_attempts')).toBe(true);
  });

  it('returns the parameters when this input is good, even if the caller already had violations', () => {
    const v = new Violations().add('rule.code', 'is required');
    expect(readRuleParameters(v, 'channel_block', {}, 'rule.channel_block')).toEqual({});
  });

  it('refuses an unknown rule type', () => {
    const v = new Violations();
    expect(readRuleParameters(v, 'quiet_hours' as RuleType, {})).toBeUndefined();
    expect(v.has('parameters')).toBe(true);
  });
});
