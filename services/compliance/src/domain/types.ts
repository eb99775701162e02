/**
 * The compliance model: rules as data, the facts about a customer and the contact history
 * they are checked against, and the decision with its reasons.
 *
 * Instants are JS `Date`s at this boundary (the evaluation works in epoch milliseconds
 * inside). Calendar dates are 'YYYY-MM-DD' strings and times of day 'HH:MM' strings, both
 * read in the customer's local time zone.
 */

export const CHANNELS = ['email', 'phone', 'sms'] as const;
export type Channel = (typeof CHANNELS)[number];

export const OUTCOMES = ['sent', 'delivered', 'opened', 'answered', 'replied', 'bounced', 'failed', 'no_answer', 'voicemail'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const RULE_TYPES = ['contact_window', 'frequency_cap', 'conversation_cooldown', 'blackout_dates', 'channel_block'] as const;
export type RuleType = (typeof RULE_TYPES)[number];

/** Contact only while the local time is in [start, end), on the listed ISO weekdays if any. */
export interface ContactWindowParameters {
  /** 'HH:MM', 00:00..23:59. */
  start: string;
  /** 'HH:MM' after start; '24:00' means up to midnight. */
  end: string;
  /** ISO weekdays, 1 = Monday .. 7 = Sunday, ascending and unique; absent = every day. */
  days?: number[];
}

/** At most maxAttempts contacts in any rolling window of windowDays × 24 hours. */
export interface FrequencyCapParameters {
  maxAttempts: number;
  windowDays: number;
  /** Only contacts with these outcomes count; absent = every attempt counts. */
  countedOutcomes?: Outcome[];
}

/** No contact for days × 24 hours after a contact that ended with one of afterOutcomes. */
export interface ConversationCooldownParameters {
  days: number;
  afterOutcomes: Outcome[];
}

/** No contact on these local calendar dates ('YYYY-MM-DD', ascending and unique). */
export interface BlackoutDatesParameters {
  dates: string[];
}

/** The channel is not used at all. */
export type ChannelBlockParameters = Record<string, never>;

export interface RuleParametersByType {
  contact_window: ContactWindowParameters;
  frequency_cap: FrequencyCapParameters;
  conversation_cooldown: ConversationCooldownParameters;
  blackout_dates: BlackoutDatesParameters;
  channel_block: ChannelBlockParameters;
}

export type RuleParameters<T extends RuleType = RuleType> = RuleParametersByType[T];

export type RuleScope =
  | { kind: 'global' }
  | { kind: 'country'; country: string }
  | { kind: 'region'; country: string; region: string }
  | { kind: 'customer'; customerId: string };

interface RuleBase {
  id: string;
  version: number;
  code: string;
  /** Non-empty. */
  channels: Channel[];
  scope: RuleScope;
  active: boolean;
  /** First local date the rule applies on (inclusive). */
  effectiveFrom?: string;
  /** Last local date the rule applies on (inclusive). */
  effectiveTo?: string;
}

/** A rule, discriminated by `type`: `rule.type === 'frequency_cap'` types `rule.parameters`. */
export type Rule = { [T in RuleType]: RuleBase & { type: T; parameters: RuleParametersByType[T] } }[RuleType];

export type RuleOfType<T extends RuleType> = Extract<Rule, { type: T }>;

export interface CustomerFacts {
  customerId: string;
  /** IANA zone; '' = unknown. */
  timeZone: string;
  /** ISO 3166-1 alpha-2; '' = unknown. */
  countryCode: string;
  /** ISO 3166-2 subdivision suffix ('MA' of US-MA); '' = unknown. */
  regionCode: string;
  doNotContact: boolean;
}

/** An attempt already made, or reserved (a reservation is an attempt with outcome 'sent'). */
export interface PastContact {
  channel: Channel;
  at: Date;
  outcome: Outcome;
}

export const REASON_CODES = [
  'OPTED_OUT',
  'DO_NOT_CONTACT',
  'CHANNEL_BLOCKED',
  'OUTSIDE_CONTACT_WINDOW',
  'BLACKOUT_DATE',
  'FREQUENCY_CAP',
  'COOLDOWN',
  'UNKNOWN_LOCATION',
  'NO_ALLOWED_TIME',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export interface Reason {
  code: ReasonCode;
  ruleId?: string;
  ruleVersion?: number;
  /** Plain words for a compliance officer. */
  message: string;
  /** The earliest instant this reason alone would stop blocking (not set for denials). */
  until?: Date;
}

export interface RuleRef {
  id: string;
  version: number;
  code: string;
}

export type DecisionResult = 'ALLOW' | 'DEFER' | 'DENY';

export interface Decision {
  result: DecisionResult;
  /** DEFER only: the first instant at which every applicable rule allows the contact. */
  notBefore?: Date;
  reasons: Reason[];
  /** Every rule that applied to this customer and channel, once each. */
  applied: RuleRef[];
}
