import { pgTimestamp } from '@cec/orm';
import type { CampaignStatus } from '../domain/campaign-state';
import type { Channel, TaskType } from '../domain/contact';
import type { EscalationStep, Priority, RiskLevel, StepAnchor } from '../domain/step';

/** A campaign as the service reads it: the row, its steps and the invoices it chases. */
export interface CampaignRecord {
  id: string;
  customerId: string;
  name: string;
  description: string | null;
  status: CampaignStatus;
  steps: EscalationStep[];
  /** Sorted. */
  invoiceIds: string[];
  currentStep: number;
  nextStepAt: Date | null;
  preset: string | null;
  outcome: string | null;
  anchorDueDate: string | null;
  startedAt: Date | null;
  completedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  createdBy: string | null;
  /** created_at as PostgreSQL writes it (microseconds kept): the time part of a page token. */
  createdAtText: string;
}

export interface CampaignRow {
  id: string;
  customer_id: string;
  name: string;
  description: string | null;
  status: CampaignStatus;
  escalation_steps: StepJson[];
  invoice_ids: string[];
  current_step: number;
  next_step_at: string | null;
  preset: string | null;
  outcome: string | null;
  anchor_due_date: string | null;
  started_at: string | null;
  completed_at: string | null;
  created_at: string;
  updated_at: string;
  created_by: string | null;
}

export const CAMPAIGN_COLUMNS =
  'c.id, c.customer_id, c.name, c.description, c.status, c.escalation_steps, c.current_step, c.next_step_at::text, c.preset, c.outcome, ' +
  'c.anchor_due_date::text, c.started_at::text, c.completed_at::text, c.created_at::text, c.updated_at::text, c.created_by, ' +
  'ARRAY(SELECT ci.invoice_id::text FROM campaign_invoices ci WHERE ci.campaign_id = c.id ORDER BY ci.invoice_id) AS invoice_ids';

export function campaignRecordOf(r: CampaignRow): CampaignRecord {
  return {
    id: r.id,
    customerId: r.customer_id,
    name: r.name,
    description: r.description,
    status: r.status,
    steps: r.escalation_steps.map(stepFromJson),
    invoiceIds: r.invoice_ids,
    currentStep: r.current_step,
    nextStepAt: pgTimestamp(r.next_step_at),
    preset: r.preset,
    outcome: r.outcome,
    anchorDueDate: r.anchor_due_date,
    startedAt: pgTimestamp(r.started_at),
    completedAt: pgTimestamp(r.completed_at),
    createdAt: pgTimestamp(r.created_at) as Date,
    updatedAt: pgTimestamp(r.updated_at) as Date,
    createdBy: r.created_by,
    createdAtText: r.created_at,
  };
}

/**
 * One element of campaigns.escalation_steps, as migration 002 documents it (name, task_type,
 * channel, template, delay_days, delay_from, priority, conditions) with the template version
 * it resolved to (template_id, template_version) and the optional fallback. Conditions hold
 * only what is set: min_amount_overdue is {currency: decimal string}.
 */
export interface StepJson {
  name: string;
  task_type: TaskType;
  channel: Channel | null;
  template: string | null;
  template_id?: string | null;
  template_version?: number | null;
  delay_days: number;
  delay_from: StepAnchor;
  priority: Priority;
  conditions: { min_amount_overdue?: Record<string, string> | string; min_days_overdue?: number; risk_levels?: RiskLevel[] };
  fallback_task_type?: TaskType;
  fallback_template?: string;
  fallback_template_id?: string;
  fallback_template_version?: number;
}

export function stepToJson(s: EscalationStep): StepJson {
  const conditions: StepJson['conditions'] = {};
  if (Object.keys(s.conditions.minAmountOverdue).length) conditions.min_amount_overdue = s.conditions.minAmountOverdue;
  if (s.conditions.minDaysOverdue !== null) conditions.min_days_overdue = s.conditions.minDaysOverdue;
  if (s.conditions.riskLevels.length) conditions.risk_levels = s.conditions.riskLevels;
  return {
    name: s.name,
    task_type: s.taskType,
    channel: s.channel,
    template: s.template?.name ?? null,
    template_id: s.template?.id ?? null,
    template_version: s.template?.version ?? null,
    delay_days: s.delayDays,
    delay_from: s.anchor,
    priority: s.priority,
    conditions,
    ...(s.fallback
      ? {
          fallback_task_type: s.fallback.taskType,
          fallback_template: s.fallback.template.name,
          fallback_template_id: s.fallback.template.id,
          fallback_template_version: s.fallback.template.version,
        }
      : {}),
  };
}

/** Reads a stored step; campaigns written before template ids were kept (the seed's) have names only. */
export function stepFromJson(j: StepJson): EscalationStep {
  const minAmount = j.conditions?.min_amount_overdue;
  return {
    name: j.name,
    taskType: j.task_type,
    channel: j.channel ?? null,
    template: j.template ? { id: j.template_id ?? '', name: j.template, version: j.template_version ?? 0 } : null,
    delayDays: j.delay_days,
    anchor: j.delay_from,
    priority: j.priority,
    conditions: {
      minAmountOverdue: typeof minAmount === 'object' && minAmount ? minAmount : {},
      minDaysOverdue: j.conditions?.min_days_overdue ?? null,
      riskLevels: j.conditions?.risk_levels ?? [],
    },
    fallback:
      j.fallback_task_type && j.fallback_template_id
        ? { taskType: j.fallback_task_type, template: { id: j.fallback_template_id, name: j.fallback_template ?? '', version: j.fallback_template_version ?? 0 } }
        : null,
  };
}
