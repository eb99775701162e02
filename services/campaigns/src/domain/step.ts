import { amountProblem, isCurrencyCode } from '@cec/money';
import { isUuid, text } from '@cec/validation';
import type { Violations } from '@cec/errors';
import { complianceGoverns, TASK_CHANNEL, type Channel, type TaskType } from './contact';
import type { Priority } from './priority';

/** Escalation steps: what a caller asks for, how it is checked, what a campaign keeps. */

export { PRIORITIES, type Priority } from './priority';

export const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

/** What a step's delay_days counts from. */
export const STEP_ANCHORS = ['due_date', 'previous_step'] as const;
export type StepAnchor = (typeof STEP_ANCHORS)[number];

export const MAX_STEPS = 50;
/** delay_days lies within ten years either way. */
export const MAX_DELAY_DAYS = 3650;
const MAX_AMOUNT_CONDITIONS = 20;

/** A template version as a step needs to know it. */
export interface TemplateFacts {
  id: string;
  name: string;
  channel: Channel;
  language: string;
  version: number;
  active: boolean;
}

export interface MoneyInput {
  currencyCode: string;
  amount: string;
}

/**
 * A step as the caller sent it, its enums already named: undefined where the caller left a
 * required enum out or sent an unknown number (the transport reported that already).
 */
export interface StepDraft {
  name: string;
  taskType?: TaskType;
  templateId: string;
  delayDays: number;
  anchor?: StepAnchor;
  /** Default medium. */
  priority?: Priority;
  conditions?: {
    minAmountOverdue: MoneyInput[];
    minDaysOverdue: number;
    riskLevels: (RiskLevel | undefined)[];
  };
  fallbackTaskType?: TaskType;
  fallbackTemplateId: string;
}

export interface StepConditions {
  /** Currency code -> decimal string: at least this much overdue in that currency. */
  minAmountOverdue: Record<string, string>;
  minDaysOverdue: number | null;
  riskLevels: RiskLevel[];
}

/** A checked step, as a campaign keeps it (with the template version it resolved to). */
export interface EscalationStep {
  name: string;
  taskType: TaskType;
  /** The channel the task type contacts on; null for research and manual review. */
  channel: Channel | null;
  template: { id: string; name: string; version: number } | null;
  delayDays: number;
  anchor: StepAnchor;
  priority: Priority;
  conditions: StepConditions;
  fallback: { taskType: TaskType; template: { id: string; name: string; version: number } } | null;
}

/**
 * Checks a schedule against the templates it names (`templates`: every template version the
 * drafts' ids found) and returns it as a campaign keeps it. Each problem goes to `v` under its
 * field path (`campaign.steps[2].template_id`); the result is only meaningful when none did.
 *
 * - 1-50 steps; each with a name (up to 200 characters) and a task type;
 * - contact steps (e-mail, SMS, call, letter) name an active template version of their
 *   channel; research and manual review name none;
 * - timing: the first step counts from the due date; a step counting from the previous one
 *   waits 0 days or more; a step counting from the due date is not due before the previous
 *   step could be (the day it is due at the earliest);
 * - conditions: amounts per currency (ISO 4217, a decimal string within the currency's
 *   minor digits, each currency once), days overdue of 0 or more, risk levels;
 * - a fallback (both task type and template, or neither) replaces a step on a channel
 *   compliance decides with a contact on another channel.
 */
export function validateSteps(drafts: readonly StepDraft[], templates: ReadonlyMap<string, TemplateFacts>, v: Violations, field = 'campaign.steps'): EscalationStep[] {
  if (drafts.length === 0) {
    v.add(field, `needs 1-${MAX_STEPS} steps (or a preset)`);
    return [];
  }
  if (drafts.length > MAX_STEPS) {
    v.add(field, `takes at most ${MAX_STEPS} steps, got ${drafts.length}`);
    return [];
  }
  const out: EscalationStep[] = [];
  /** The day (relative to the due date) the previous step is due at the earliest; undefined when unknown. */
  let previousDay: number | undefined;
  drafts.forEach((draft, i) => {
    const p = `${field}[${i}]`;
    const name = text(v, `${p}.name`, draft.name, { required: true, max: 200 }) ?? '';
    const channel = draft.taskType ? TASK_CHANNEL[draft.taskType] : undefined;
    let template: EscalationStep['template'] = null;
    if (draft.taskType && channel) {
      template = templateFor(v, `${p}.template_id`, draft.templateId, channel, draft.taskType, templates);
    } else if (draft.taskType && draft.templateId) {
      v.add(`${p}.template_id`, `must be empty for a ${draft.taskType} step, which contacts nobody`);
    }

    let day: number | undefined;
    if (!Number.isInteger(draft.delayDays) || Math.abs(draft.delayDays) > MAX_DELAY_DAYS) {
      v.add(`${p}.delay_days`, `must be between -${MAX_DELAY_DAYS} and ${MAX_DELAY_DAYS}, got ${draft.delayDays}`);
    } else if (draft.anchor === 'previous_step') {
      if (i === 0) v.add(`${p}.anchor`, 'the first step cannot count from a previous step: anchor it to the due date');
      else if (draft.delayDays < 0) v.add(`${p}.delay_days`, `must be 0 or more for a step that counts from the previous step, got ${draft.delayDays}`);
      else if (previousDay !== undefined) day = previousDay + draft.delayDays;
    } else if (draft.anchor === 'due_date') {
      day = draft.delayDays;
      if (previousDay !== undefined && day < previousDay) {
        v.add(
          `${p}.delay_days`,
          `is day ${day} of the due date, before the previous step (due on day ${previousDay} at the earliest): steps must be in time order`,
        );
      }
    }
    previousDay = day;

    const conditions = checkConditions(v, `${p}.conditions`, draft.conditions);
    const fallback = checkFallback(v, p, draft, channel, templates);
    if (draft.taskType && draft.anchor) {
      out.push({
        name,
        taskType: draft.taskType,
        channel: channel ?? null,
        template,
        delayDays: draft.delayDays,
        anchor: draft.anchor,
        priority: draft.priority ?? 'medium',
        conditions,
        fallback,
      });
    }
  });
  return out;
}

function templateFor(
  v: Violations,
  field: string,
  id: string,
  channel: Channel,
  taskType: TaskType,
  templates: ReadonlyMap<string, TemplateFacts>,
): EscalationStep['template'] {
  if (!id) {
    v.add(field, `is required for a ${taskType} step: the id of an active ${channel} template version`);
    return null;
  }
  if (!isUuid(id)) {
    v.add(field, `must be a UUID, got "${id.slice(0, 64)}"`);
    return null;
  }
  const t = templates.get(id.toLowerCase());
  if (!t) {
    v.add(field, `no template version has id ${id}`);
    return null;
  }
  if (t.channel !== channel) {
    v.add(field, `is a ${t.channel} template (${t.name} version ${t.version}); a ${taskType} step needs a ${channel} template`);
    return null;
  }
  if (!t.active) {
    v.add(field, `template ${t.name} version ${t.version} (${t.language}) is not active: use an active version`);
    return null;
  }
  return { id: t.id, name: t.name, version: t.version };
}

/**
 * Minimum amounts per currency (a step's min_amount_overdue, the enrolment policy's
 * min_overdue_amounts): at most 20, one per ISO 4217 currency, each a decimal string with at
 * most the currency's minor digits (zero allowed). Returns currency -> amount for the good ones.
 */
export function checkMinimumAmounts(v: Violations, field: string, amounts: readonly MoneyInput[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (amounts.length > MAX_AMOUNT_CONDITIONS) {
    v.add(field, `takes at most ${MAX_AMOUNT_CONDITIONS} amounts (one per currency), got ${amounts.length}`);
    return out;
  }
  const seen = new Set<string>();
  amounts.forEach((money, j) => {
    const f = `${field}[${j}]`;
    const code = money.currencyCode;
    if (!isCurrencyCode(code)) v.add(`${f}.currency_code`, `must be an ISO 4217 currency code such as USD, got "${code.slice(0, 16)}"`);
    else if (seen.has(code)) v.add(`${f}.currency_code`, `${code} is given twice: one minimum per currency`);
    const problem = amountProblem(money.amount, code);
    if (problem) v.add(`${f}.amount`, problem);
    if (!problem && isCurrencyCode(code) && !seen.has(code)) out[code] = money.amount;
    seen.add(code);
  });
  return out;
}

function checkConditions(v: Violations, field: string, conditions: StepDraft['conditions']): StepConditions {
  const out: StepConditions = { minAmountOverdue: {}, minDaysOverdue: null, riskLevels: [] };
  if (!conditions) return out;
  out.minAmountOverdue = checkMinimumAmounts(v, `${field}.min_amount_overdue`, conditions.minAmountOverdue);
  if (!Number.isInteger(conditions.minDaysOverdue) || conditions.minDaysOverdue < 0 || conditions.minDaysOverdue > MAX_DELAY_DAYS) {
    v.add(`${field}.min_days_overdue`, `must be between 0 and ${MAX_DELAY_DAYS}, got ${conditions.minDaysOverdue}`);
  } else if (conditions.minDaysOverdue > 0) {
    out.minDaysOverdue = conditions.minDaysOverdue;
  }
  const levels = conditions.riskLevels.filter((r): r is RiskLevel => r !== undefined);
  out.riskLevels = RISK_LEVELS.filter((r) => levels.includes(r));
  return out;
}

function checkFallback(
  v: Violations,
  p: string,
  draft: StepDraft,
  channel: Channel | undefined,
  templates: ReadonlyMap<string, TemplateFacts>,
): EscalationStep['fallback'] {
  const { fallbackTaskType: type, fallbackTemplateId: templateId } = draft;
  if (!type && !templateId) return null;
  if (!type) {
    v.add(`${p}.fallback_task_type`, 'is required with fallback_template_id: the contact that replaces the step');
    return null;
  }
  const fallbackChannel = TASK_CHANNEL[type];
  if (!fallbackChannel) {
    v.add(`${p}.fallback_task_type`, `must be a contact task type (e-mail, SMS, call or letter), not ${type}`);
    return null;
  }
  if (draft.taskType && (!channel || !complianceGoverns(channel))) {
    v.add(`${p}.fallback_task_type`, `a ${draft.taskType} step cannot fall back: only steps on a channel compliance decides (email, sms, phone) can`);
    return null;
  }
  if (channel === fallbackChannel) {
    v.add(`${p}.fallback_task_type`, `must contact on another channel than the step (${channel})`);
    return null;
  }
  const template = templateFor(v, `${p}.fallback_template_id`, templateId, fallbackChannel, type, templates);
  return template ? { taskType: type, template } : null;
}

/** The template ids a schedule names (for one look-up), lower-cased, each once; only well-formed ones. */
export function templateIdsOf(drafts: readonly StepDraft[]): string[] {
  if (drafts.length > MAX_STEPS) return [];
  const ids = drafts.flatMap((d) => [d.templateId, d.fallbackTemplateId]).filter(isUuid);
  return [...new Set(ids.map((id) => id.toLowerCase()))];
}
