import { FailedPreconditionError } from '@cec/errors';
import { TASK_CHANNEL, type Channel, type TaskType } from './contact';
import type { Priority, StepAnchor, StepDraft, TemplateFacts } from './step';

/** A step of a preset: a template by name, resolved to a version when a campaign is made. */
export interface PresetStep {
  readonly name: string;
  readonly taskType: TaskType;
  /** The template's name (null for research and manual review). */
  readonly template: string | null;
  readonly delayDays: number;
  readonly anchor: StepAnchor;
  readonly priority: Priority;
}

export interface CampaignPreset {
  readonly name: string;
  readonly description: string;
  readonly steps: readonly PresetStep[];
}

const step = (name: string, taskType: TaskType, template: string | null, delayDays: number, priority: Priority): PresetStep =>
  Object.freeze({ name, taskType, template, delayDays, anchor: 'due_date', priority });

/** The named schedules CreateCampaign accepts instead of steps. Every step counts from the due date. */
export const PRESETS: readonly CampaignPreset[] = deepFreeze([
  {
    name: 'standard-b2b',
    description:
      'The standard business-to-business schedule: a reminder e-mail 3 days before the due date, an e-mail the day after it, ' +
      'an SMS at 7 days overdue, a call at 14, a final notice letter at 21, and research by a person at 30.',
    steps: [
      step('Pre-due reminder', 'send_email', 'pre_due_reminder_email', -3, 'low'),
      step('Friendly reminder', 'send_email', 'friendly_reminder_email', 1, 'medium'),
      step('SMS reminder', 'send_sms', 'payment_reminder_sms', 7, 'medium'),
      step('Reminder call', 'make_call', 'friendly_call_script', 14, 'high'),
      step('Final notice', 'send_letter', 'final_notice_letter', 21, 'high'),
      step('Research and human follow-up', 'research', null, 30, 'urgent'),
    ],
  },
  {
    name: 'gentle-b2b',
    description:
      'For valued customers, without calls: an e-mail the day after the due date, an SMS at 10 days overdue, a firmer e-mail at 20, ' +
      'a final notice letter at 30, and a review by a person at 45.',
    steps: [
      step('Friendly reminder', 'send_email', 'friendly_reminder_email', 1, 'low'),
      step('SMS reminder', 'send_sms', 'payment_reminder_sms', 10, 'medium'),
      step('Firm reminder', 'send_email', 'firm_reminder_email', 20, 'medium'),
      step('Final notice', 'send_letter', 'final_notice_letter', 30, 'high'),
      step('Manual review', 'manual_review', null, 45, 'high'),
    ],
  },
]);

/** The language preset templates resolve in: the customers service keeps no language per customer yet. */
export const PRESET_LANGUAGE = 'en';

export function presetByName(name: string): CampaignPreset | undefined {
  return PRESETS.find((p) => p.name === name);
}

/** The template names a preset uses, each once. */
export function presetTemplateNames(preset: CampaignPreset): string[] {
  return [...new Set(preset.steps.flatMap((s) => (s.template ? [s.template] : [])))];
}

/**
 * The preset's steps as drafts, each template name resolved among `candidates` (template
 * versions of those names) to the latest active version on the step's channel in `language`
 * if there is one, else in "en". A template that cannot be resolved is FAILED_PRECONDITION
 * naming each one (the preset is fine; the templates it needs are not installed).
 */
export function presetDrafts(preset: CampaignPreset, candidates: readonly TemplateFacts[], language = 'en'): StepDraft[] {
  const missing: string[] = [];
  const drafts = preset.steps.map((s): StepDraft => {
    let templateId = '';
    if (s.template) {
      const channel = TASK_CHANNEL[s.taskType] as Channel;
      const found = latestActive(candidates, s.template, channel, language) ?? latestActive(candidates, s.template, channel, 'en');
      if (found) templateId = found.id;
      else missing.push(`${s.template} (${channel}, ${language === 'en' ? 'en' : `${language} or en`})`);
    }
    return {
      name: s.name,
      taskType: s.taskType,
      templateId,
      delayDays: s.delayDays,
      anchor: s.anchor,
      priority: s.priority,
      fallbackTemplateId: '',
    };
  });
  if (missing.length) {
    throw new FailedPreconditionError(
      `preset ${preset.name} needs templates that have no active version: ${[...new Set(missing)].join(', ')}; create them (TemplateService) or give the steps yourself`,
    );
  }
  return drafts;
}

function latestActive(candidates: readonly TemplateFacts[], name: string, channel: Channel, language: string): TemplateFacts | undefined {
  let best: TemplateFacts | undefined;
  for (const t of candidates) {
    if (t.name === name && t.channel === channel && t.language === language && t.active && (!best || t.version > best.version)) best = t;
  }
  return best;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
