import { campaignFigures, describeAmounts, type CampaignFigures, type InvoiceState } from '../domain/campaign-figures';
import { complianceGoverns, type Channel, type TaskType } from '../domain/contact';
import { nextMove, proposedContactTime, resolveContact } from '../domain/escalation-plan';
import { renderTemplate, type RenderableTemplate, type RenderSettings, type RenderedMessage } from '../domain/render';
import type { EscalationStep, RiskLevel } from '../domain/step';
import type { TaskContext } from '../domain/task';
import type { ClaimedCampaign } from '../store/escalation-store';
import type { CheckedContact } from './compliance-checks';

/** What the engine decides a due step on: no I/O here, the facts were fetched for the whole batch. */

/** An invoice as the customers service reports it today, with what a message says of it. */
export interface InvoiceFact extends InvoiceState {
  invoiceNumber: string;
  amount: string;
  amountPaid: string;
}

/** The customer as the customers service reports it today. */
export interface CustomerFact {
  companyName: string;
  contactName: string;
  email: string;
  phone: string;
  timeZone: string;
  countryCode: string;
  riskLevel: RiskLevel | null;
}

export interface CampaignFacts {
  invoices: InvoiceFact[];
  customer: CustomerFact;
}

export interface DecideContext {
  now: Date;
  /** "YYYY-MM-DD" in UTC: the day figures (days overdue) are counted on. */
  today: string;
  settings: RenderSettings;
  /** The template versions of the batch's steps (by id, and by name@version). */
  templates: ReadonlyMap<string, RenderableTemplate>;
}

/** A task ready to be made, but for the decision that allows it. */
export interface PreparedTask {
  type: TaskType;
  channel: Channel | null;
  context: TaskContext;
}

/** What a due step comes to. */
export type StepResult =
  | { kind: 'taken'; outcome: 'task_created' | 'fell_back'; stepIndex: number; task: PreparedTask; decisionId: string | null; runDecisionId: string | null; reason: string | null }
  | { kind: 'deferred'; stepIndex: number; channel: Channel; decisionId: string; notBefore: Date; reason: string }
  | { kind: 'refused'; stepIndex: number; channel: Channel; decisionId: string | null; reason: string }
  | { kind: 'skipped'; stepIndex: number; reason: string }
  | { kind: 'complete'; outcome: string; settled: boolean };

/** A contact compliance must decide before the step's outcome is known. */
export interface PendingCheck {
  channel: 'email' | 'sms' | 'phone';
  proposedTime: Date;
  task: PreparedTask;
}

export type Decision = { kind: 'final'; result: StepResult } | { kind: 'ask'; check: PendingCheck };

/** The figures and the first decision of a campaign's due step. */
export interface FirstMove {
  figures: CampaignFigures;
  /** The date due_date-anchored steps count from. */
  anchorDueDate: string;
  decision: Decision;
}

const final = (result: StepResult): Decision => ({ kind: 'final', result });

/** The UTC calendar day of an instant, "YYYY-MM-DD". */
export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

/**
 * The move for the campaign's due step on today's figures: complete (paid in full, or no step
 * left), skip (a condition does not hold), a task with no decision (research, manual review, a
 * letter), or a contact for compliance to decide (its content rendered and its endpoint known
 * first: a step that cannot be sent is skipped with the reason, before any slot is reserved).
 */
export function firstMove(campaign: ClaimedCampaign, facts: CampaignFacts, ctx: DecideContext): FirstMove {
  const figures = campaignFigures(facts.invoices, ctx.today, facts.customer.riskLevel);
  const anchorDueDate = campaign.anchorDueDate ?? oldestDueDate(facts.invoices) ?? ctx.today;
  const move = nextMove(campaign, figures);
  const decide = (): Decision => {
    if (move.kind === 'complete') return final({ kind: 'complete', outcome: move.outcome, settled: figures.settled });
    if (move.kind === 'skip') return final({ kind: 'skipped', stepIndex: move.stepIndex, reason: move.reason });
    const prepared = prepareTask(move.step.taskType, move.step.channel, move.step.template, campaign, move.step, figures, facts, ctx);
    if (typeof prepared === 'string') return final({ kind: 'skipped', stepIndex: move.stepIndex, reason: prepared });
    if (move.kind === 'task' || !complianceGoverns(move.channel)) {
      return final({ kind: 'taken', outcome: 'task_created', stepIndex: move.stepIndex, task: prepared, decisionId: null, runDecisionId: null, reason: null });
    }
    return { kind: 'ask', check: { channel: move.channel, proposedTime: proposedContactTime(move.step, anchorDueDate, campaign.lastStepAt, ctx.now), task: prepared } };
  };
  return { figures, anchorDueDate, decision: decide() };
}

/**
 * What compliance's answer on the step's channel (and, once asked, on its fallback's) leads to:
 * the task (with the decision that allowed it), a deferral to the first allowed instant, a
 * question about the fallback channel, or a refusal with the reasons.
 */
export function afterVerdict(
  campaign: ClaimedCampaign,
  figures: CampaignFigures,
  facts: CampaignFacts,
  ctx: DecideContext,
  primary: { check: PendingCheck; answer: CheckedContact },
  fallback?: { check: PendingCheck; answer: CheckedContact },
): Decision {
  const stepIndex = campaign.currentStep;
  const step = campaign.steps[stepIndex];
  const resolution = resolveContact(step, primary.answer.verdict, fallback?.answer.verdict);
  const last = fallback ?? primary;
  switch (resolution.kind) {
    case 'create': {
      if (!resolution.fellBack) {
        return final({ kind: 'taken', outcome: 'task_created', stepIndex, task: primary.check.task, decisionId: primary.answer.decisionId, runDecisionId: primary.answer.decisionId, reason: null });
      }
      const refused = `${step.channel} refused: ${reasonsOf(primary.answer)}`;
      // A fallback compliance allowed, or a letter (no decision needed).
      const task = fallback?.check.task ?? prepareFallback(campaign, step, figures, facts, ctx);
      if (typeof task === 'string') return final({ kind: 'refused', stepIndex, channel: resolution.channel, decisionId: primary.answer.decisionId, reason: `${refused}; fallback ${resolution.channel} cannot be sent: ${task}` });
      const decisionId = fallback ? fallback.answer.decisionId : null;
      return final({ kind: 'taken', outcome: 'fell_back', stepIndex, task, decisionId, runDecisionId: decisionId ?? primary.answer.decisionId, reason: refused });
    }
    case 'defer':
      return final({
        kind: 'deferred',
        stepIndex,
        channel: last.check.channel,
        decisionId: last.answer.decisionId,
        notBefore: resolution.notBefore,
        reason: `${last.check.channel} deferred to ${resolution.notBefore.toISOString()}: ${reasonsOf(last.answer)}`,
      });
    case 'refuse':
      return final({ kind: 'refused', stepIndex, channel: last.check.channel, decisionId: last.answer.decisionId, reason: resolution.reason });
    case 'ask-fallback': {
      const task = prepareFallback(campaign, step, figures, facts, ctx);
      const refused = `${step.channel} refused: ${reasonsOf(primary.answer)}`;
      if (typeof task === 'string') return final({ kind: 'refused', stepIndex, channel: resolution.channel, decisionId: primary.answer.decisionId, reason: `${refused}; fallback ${resolution.channel} cannot be sent: ${task}` });
      return { kind: 'ask', check: { channel: resolution.channel as PendingCheck['channel'], proposedTime: primary.check.proposedTime, task } };
    }
  }
}

const reasonsOf = (answer: CheckedContact): string => answer.reasons.join('; ') || 'no reason given';

function prepareFallback(campaign: ClaimedCampaign, step: EscalationStep, figures: CampaignFigures, facts: CampaignFacts, ctx: DecideContext): PreparedTask | string {
  const fallback = step.fallback;
  if (!fallback) return 'the step has no fallback';
  return prepareTask(fallback.taskType, channelOfTask(fallback.taskType), fallback.template, campaign, step, figures, facts, ctx);
}

const TASK_CHANNELS: Partial<Record<TaskType, Channel>> = { send_email: 'email', send_sms: 'sms', make_call: 'phone', send_letter: 'letter' };
const channelOfTask = (type: TaskType): Channel | null => TASK_CHANNELS[type] ?? null;

/**
 * The task of a step (or of its fallback): the template rendered for the customer and the
 * campaign's oldest unpaid invoice, where to reach the customer, and what to do in words. A
 * string says why it cannot be made (no such template version, a fact the template needs is
 * missing, no address for the channel).
 */
function prepareTask(
  type: TaskType,
  channel: Channel | null,
  templateRef: EscalationStep['template'],
  campaign: ClaimedCampaign,
  step: EscalationStep,
  figures: CampaignFigures,
  facts: CampaignFacts,
  ctx: DecideContext,
): PreparedTask | string {
  const { customer } = facts;
  if (channel === 'email' && !customer.email) return 'the customer has no e-mail address';
  if ((channel === 'sms' || channel === 'phone') && !customer.phone) return 'the customer has no phone number';
  const context: TaskContext = {
    endpoint: compact({
      email: customer.email,
      phone: customer.phone,
      contact_name: customer.contactName,
      company_name: customer.companyName,
      time_zone: customer.timeZone,
    }),
    instructions:
      `Campaign step ${campaign.currentStep + 1} of ${campaign.steps.length} ("${step.name}"): ` +
      `${describeAmounts(figures.outstanding)} outstanding, ${figures.daysOverdue} days overdue.`,
  };
  if (templateRef) {
    const template = ctx.templates.get(templateRef.id) ?? ctx.templates.get(`${templateRef.name}@${templateRef.version}`);
    if (!template) return `template ${templateRef.name} version ${templateRef.version} is not stored`;
    let rendered: RenderedMessage;
    try {
      rendered = renderTemplate(template, renderFacts(facts, ctx.now), ctx.settings);
    } catch (error) {
      return `template ${template.name} version ${template.version} cannot be rendered: ${(error as Error).message}`;
    }
    context.content = {
      channel: rendered.channel,
      ...(rendered.subject !== null ? { subject: rendered.subject } : {}),
      body: rendered.body,
      ...(rendered.htmlBody !== null ? { html_body: rendered.htmlBody } : {}),
      ...(rendered.sms ? { sms_encoding: rendered.sms.encoding === 'GSM-7' ? ('gsm_7' as const) : ('ucs_2' as const), sms_segments: rendered.sms.segments } : {}),
      template_id: rendered.templateId,
      template_version: rendered.templateVersion,
    };
  }
  return { type, channel, context };
}

function compact<T extends Record<string, string>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== '')) as Partial<T>;
}

/** The invoice a message names: the campaign's oldest unpaid one (or its oldest, when none is unpaid). */
function renderFacts(facts: CampaignFacts, now: Date) {
  const unpaid = facts.invoices.filter((i) => (i.status === 'overdue' || i.status === 'partial' || i.status === 'pending') && Number(i.balance) > 0);
  const invoice = [...(unpaid.length ? unpaid : facts.invoices)].sort((a, b) => a.dueDate.localeCompare(b.dueDate) || a.id.localeCompare(b.id))[0];
  const { customer } = facts;
  return {
    customer: { companyName: customer.companyName, contactName: customer.contactName, countryCode: customer.countryCode, timeZone: customer.timeZone },
    invoice: invoice
      ? {
          invoiceNumber: invoice.invoiceNumber,
          dueDate: invoice.dueDate,
          amount: { amount: invoice.amount, currencyCode: invoice.currency },
          amountPaid: { amount: invoice.amountPaid || '0', currencyCode: invoice.currency },
        }
      : undefined,
    now,
  };
}

function oldestDueDate(invoices: readonly InvoiceFact[]): string | undefined {
  return invoices.map((i) => i.dueDate).sort()[0];
}
