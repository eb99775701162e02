import { enumTable as table } from '@cec/grpc';
import { complianceV1 } from '@cec/proto';
import type { Channel, Outcome, ReasonCode, RuleType } from '../domain/types';

const { Channel: C, ContactOutcome: O, RuleType: T, ScopeKind: S, OptOutSource: Src, DecisionResult: D, ReasonCode: R } = complianceV1;

export const channels = table<Channel>([
  [C.CHANNEL_EMAIL, 'email'],
  [C.CHANNEL_PHONE, 'phone'],
  [C.CHANNEL_SMS, 'sms'],
]);

export const outcomes = table<Outcome>([
  [O.CONTACT_OUTCOME_SENT, 'sent'],
  [O.CONTACT_OUTCOME_DELIVERED, 'delivered'],
  [O.CONTACT_OUTCOME_OPENED, 'opened'],
  [O.CONTACT_OUTCOME_ANSWERED, 'answered'],
  [O.CONTACT_OUTCOME_REPLIED, 'replied'],
  [O.CONTACT_OUTCOME_BOUNCED, 'bounced'],
  [O.CONTACT_OUTCOME_FAILED, 'failed'],
  [O.CONTACT_OUTCOME_NO_ANSWER, 'no_answer'],
  [O.CONTACT_OUTCOME_VOICEMAIL, 'voicemail'],
]);

export const ruleTypes = table<RuleType>([
  [T.RULE_TYPE_CONTACT_WINDOW, 'contact_window'],
  [T.RULE_TYPE_FREQUENCY_CAP, 'frequency_cap'],
  [T.RULE_TYPE_CONVERSATION_COOLDOWN, 'conversation_cooldown'],
  [T.RULE_TYPE_BLACKOUT_DATES, 'blackout_dates'],
  [T.RULE_TYPE_CHANNEL_BLOCK, 'channel_block'],
]);

export const scopeKinds = table<'global' | 'country' | 'region' | 'customer'>([
  [S.SCOPE_KIND_GLOBAL, 'global'],
  [S.SCOPE_KIND_COUNTRY, 'country'],
  [S.SCOPE_KIND_REGION, 'region'],
  [S.SCOPE_KIND_CUSTOMER, 'customer'],
]);

export const optOutSources = table<string>([
  [Src.OPT_OUT_SOURCE_CUSTOMER_REQUEST, 'customer_request'],
  [Src.OPT_OUT_SOURCE_REPLY_STOP, 'reply_stop'],
  [Src.OPT_OUT_SOURCE_UNSUBSCRIBE_LINK, 'unsubscribe_link'],
  [Src.OPT_OUT_SOURCE_AGENT, 'agent'],
  [Src.OPT_OUT_SOURCE_LEGAL, 'legal'],
  [Src.OPT_OUT_SOURCE_COMPLIANCE_OFFICER, 'compliance_officer'],
]);

export const decisionResults = table<'allow' | 'defer' | 'deny'>([
  [D.DECISION_RESULT_ALLOW, 'allow'],
  [D.DECISION_RESULT_DEFER, 'defer'],
  [D.DECISION_RESULT_DENY, 'deny'],
]);

export const reasonCodes = table<ReasonCode>([
  [R.REASON_CODE_OPTED_OUT, 'OPTED_OUT'],
  [R.REASON_CODE_DO_NOT_CONTACT, 'DO_NOT_CONTACT'],
  [R.REASON_CODE_CHANNEL_BLOCKED, 'CHANNEL_BLOCKED'],
  [R.REASON_CODE_OUTSIDE_CONTACT_WINDOW, 'OUTSIDE_CONTACT_WINDOW'],
  [R.REASON_CODE_BLACKOUT_DATE, 'BLACKOUT_DATE'],
  [R.REASON_CODE_FREQUENCY_CAP, 'FREQUENCY_CAP'],
  [R.REASON_CODE_COOLDOWN, 'COOLDOWN'],
  [R.REASON_CODE_UNKNOWN_LOCATION, 'UNKNOWN_LOCATION'],
  [R.REASON_CODE_NO_ALLOWED_TIME, 'NO_ALLOWED_TIME'],
]);
