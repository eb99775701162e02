/**
 * Named rule sets an operator installs with one call. Codes are stable: installing a preset
 * again finds its rules by code. Rows get their id and version when stored.
 */
import type { Channel, RuleParametersByType, RuleScope, RuleType } from './types';

export type PresetRule = {
  [T in RuleType]: {
    code: string;
    name: string;
    description: string;
    citation: string;
    type: T;
    channels: Channel[];
    scope: RuleScope;
    parameters: RuleParametersByType[T];
  };
}[RuleType];

export interface Preset {
  name: string;
  title: string;
  description: string;
  rules: PresetRule[];
}

const US: RuleScope = { kind: 'country', country: 'US' };
const US_MA: RuleScope = { kind: 'region', country: 'US', region: 'MA' };

export const US_REGULATION_F: Preset = {
  name: 'us-regulation-f',
  title: 'US Regulation F (12 CFR 1006)',
  description: 'Federal debt collection rules: calling hours, call frequency and the pause after a conversation.',
  rules: [
    {
      code: 'reg_f_contact_hours',
      name: 'Calls and texts between 08:00 and 21:00 local time',
      description: 'No telephone calls or text messages before 8 a.m. or after 9 p.m. at the consumer’s location (an inconvenient time).',
      citation: '12 CFR 1006.6(b)(1)(i)',
      type: 'contact_window',
      channels: ['phone', 'sms'],
      scope: US,
      parameters: { start: '08:00', end: '21:00' },
    },
    {
      code: 'reg_f_call_frequency',
      name: 'At most 7 calls in 7 days',
      description: 'More than seven telephone calls within seven consecutive days is presumed harassment: the eighth is refused.',
      citation: '12 CFR 1006.14(b)(2)(i)(A)',
      type: 'frequency_cap',
      channels: ['phone'],
      scope: US,
      parameters: { maxAttempts: 7, windowDays: 7 },
    },
    {
      code: 'reg_f_conversation_cooldown',
      name: 'No call within 7 days after a phone conversation',
      description: 'No telephone call within seven days after engaging in a telephone conversation with the consumer.',
      citation: '12 CFR 1006.14(b)(2)(i)(B)',
      type: 'conversation_cooldown',
      channels: ['phone'],
      scope: US,
      parameters: { days: 7, afterOutcomes: ['answered'] },
    },
  ],
};

export const US_MASSACHUSETTS: Preset = {
  name: 'us-massachusetts',
  title: 'Massachusetts debt collection (940 CMR 7.00)',
  description: 'Massachusetts limits calls to a debtor to two in each seven-day period.',
  rules: [
    {
      code: 'ma_call_frequency',
      name: 'At most 2 calls in 7 days (Massachusetts)',
      description: 'No more than two telephone communications initiated with the debtor in each seven-day period.',
      citation: '940 CMR 7.04(1)(f)',
      type: 'frequency_cap',
      channels: ['phone'],
      scope: US_MA,
      parameters: { maxAttempts: 2, windowDays: 7 },
    },
  ],
};

/** Frozen, so no caller can change a preset for everyone else. */
export const PRESETS: readonly Preset[] = deepFreeze([US_REGULATION_F, US_MASSACHUSETTS]);

export function presetByName(name: string): Preset | undefined {
  return PRESETS.find((preset) => preset.name === name);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}
