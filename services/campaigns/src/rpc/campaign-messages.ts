import { InvalidArgumentError, type Violations } from '@cec/errors';
import { campaignsV1 } from '@cec/proto';
import { TASK_CHANNEL } from '../domain/contact';
import type { CampaignPreset } from '../domain/presets';
import { MAX_STEPS, type EscalationStep, type StepDraft } from '../domain/step';
import type { CampaignRecord } from '../store/campaign-store';
import { campaignStatuses, channels, priorities, riskLevels, stepAnchors, taskTypes } from './enums';

/** A request's steps as drafts, enums named (a missing or unknown one is a violation here). */
export function stepDraftsFromProto(steps: readonly campaignsV1.EscalationStep[], v: Violations, field = 'campaign.steps'): StepDraft[] {
  // Too many steps is one violation (validateSteps says it), not one per step.
  if (steps.length > MAX_STEPS) return steps.map(() => ({ name: '', templateId: '', delayDays: 0, fallbackTemplateId: '' }));
  return steps.map((s, i) => {
    const p = `${field}[${i}]`;
    return {
      name: s.name,
      taskType: taskTypes.from(s.taskType, v, `${p}.task_type`, 'task type'),
      templateId: s.templateId,
      delayDays: s.delayDays,
      anchor: stepAnchors.from(s.anchor, v, `${p}.anchor`, 'step anchor'),
      priority: priorities.optional(s.priority, v, `${p}.priority`, 'priority'),
      conditions: s.conditions && {
        minAmountOverdue: s.conditions.minAmountOverdue.map((m) => ({ currencyCode: m.currencyCode, amount: m.amount })),
        minDaysOverdue: s.conditions.minDaysOverdue,
        riskLevels: s.conditions.riskLevels.map((r, j) => {
          const f = `${p}.conditions.risk_levels[${j}]`;
          if (r === 0) v.add(f, 'must not be UNSPECIFIED');
          return r === 0 ? undefined : riskLevels.from(r, v, f, 'risk level');
        }),
      },
      fallbackTaskType: taskTypes.optional(s.fallbackTaskType, v, `${p}.fallback_task_type`, 'task type'),
      fallbackTemplateId: s.fallbackTemplateId,
    };
  });
}

export function stepToProto(s: EscalationStep): campaignsV1.EscalationStep {
  return {
    name: s.name,
    taskType: taskTypes.to(s.taskType),
    channel: s.channel ? channels.to(s.channel) : campaignsV1.Channel.CHANNEL_UNSPECIFIED,
    templateId: s.template?.id ?? '',
    templateVersion: s.template?.version ?? 0,
    delayDays: s.delayDays,
    anchor: stepAnchors.to(s.anchor),
    priority: priorities.to(s.priority),
    conditions: {
      minAmountOverdue: Object.entries(s.conditions.minAmountOverdue)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([currencyCode, amount]) => ({ currencyCode, amount })),
      minDaysOverdue: s.conditions.minDaysOverdue ?? 0,
      riskLevels: s.conditions.riskLevels.map((r) => riskLevels.to(r)),
    },
    fallbackTaskType: s.fallback ? taskTypes.to(s.fallback.taskType) : campaignsV1.TaskType.TASK_TYPE_UNSPECIFIED,
    fallbackTemplateId: s.fallback?.template.id ?? '',
  };
}

export function campaignToProto(c: CampaignRecord): campaignsV1.Campaign {
  return {
    id: c.id,
    customerId: c.customerId,
    name: c.name,
    description: c.description ?? '',
    status: campaignStatuses.to(c.status),
    invoiceIds: c.invoiceIds,
    steps: c.steps.map(stepToProto),
    currentStep: c.currentStep,
    nextStepTime: c.nextStepAt ?? undefined,
    preset: c.preset ?? '',
    outcome: c.outcome ?? '',
    startTime: c.startedAt ?? undefined,
    completeTime: c.completedAt ?? undefined,
    createTime: c.createdAt,
    updateTime: c.updatedAt,
    createdBy: c.createdBy ?? '',
  };
}

/** A preset as ListCampaignPresets shows it: steps without template ids, the template names beside them. */
export function presetToProto(p: CampaignPreset): campaignsV1.CampaignPreset {
  return {
    name: p.name,
    description: p.description,
    steps: p.steps.map((s) =>
      stepToProto({
        name: s.name,
        taskType: s.taskType,
        channel: TASK_CHANNEL[s.taskType] ?? null,
        template: null,
        delayDays: s.delayDays,
        anchor: s.anchor,
        priority: s.priority,
        conditions: { minAmountOverdue: {}, minDaysOverdue: null, riskLevels: [] },
        fallback: null,
      }),
    ),
    templateNames: p.steps.map((s) => s.template ?? ''),
  };
}

/** A timestamptz as PostgreSQL writes it (microseconds kept): the time part of a page token. */
const TIMESTAMP_TEXT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;

/** The time key of a decoded page token, checked before it reaches SQL. */
export function timestampKey(value: string): string {
  if (!TIMESTAMP_TEXT.test(value)) throw InvalidArgumentError.field('page_token', 'is not a token this API issued; pass next_page_token unchanged');
  return value;
}
