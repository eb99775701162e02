import { describeAmounts, type CampaignFigures } from './campaign-figures';
import { complianceGoverns, TASK_CHANNEL, type Channel } from './contact';
import { unmetCondition } from './step-conditions';
import { nextStepAt, stepDueAt } from './step-timing';
import type { EscalationStep } from './step';

/** What the escalation engine does with a campaign whose step is due: pure decisions, no I/O. */

export type NextMove =
  /** Nothing is owed any more, or no step is left: the campaign completes with this outcome. */
  | { kind: 'complete'; outcome: string }
  /** The step's conditions do not hold today: it is skipped (recorded with the reason). */
  | { kind: 'skip'; stepIndex: number; reason: string }
  /** A contact step: compliance decides it before its task is made. */
  | { kind: 'contact'; stepIndex: number; step: EscalationStep; channel: Channel }
  /** Research, manual review or a letter (compliance decides calls and electronic messages only): the task is made, no decision. */
  | { kind: 'task'; stepIndex: number; step: EscalationStep };

/** How a campaign ends when its steps ran out: what a collections team acts on. */
export function exhaustedOutcome(steps: readonly EscalationStep[], figures: CampaignFigures): string {
  const owed = describeAmounts(figures.outstanding);
  const last = steps[steps.length - 1];
  if (last && last.channel === null) return `handed to ${last.taskType === 'research' ? 'research' : 'manual review'}, ${owed} outstanding`;
  return `exhausted, ${owed} outstanding`;
}

/** How a campaign ends when nothing is owed on its invoices any more. */
export function settledOutcome(figures: CampaignFigures): string {
  return figures.anyPaid ? 'paid in full' : 'nothing owed: the invoices were cancelled';
}

/** The move for the campaign's current step on today's figures. */
export function nextMove(campaign: { steps: readonly EscalationStep[]; currentStep: number }, figures: CampaignFigures): NextMove {
  if (figures.settled) return { kind: 'complete', outcome: settledOutcome(figures) };
  const step = campaign.steps[campaign.currentStep];
  if (!step) return { kind: 'complete', outcome: exhaustedOutcome(campaign.steps, figures) };
  if (step.anchor === 'due_date' && step.delayDays < 0 && figures.daysOverdue > 0) {
    const days = figures.daysOverdue === 1 ? '1 day' : `${figures.daysOverdue} days`;
    return { kind: 'skip', stepIndex: campaign.currentStep, reason: `a reminder before the due date, and the invoice is ${days} overdue already` };
  }
  const unmet = unmetCondition(step.conditions, figures);
  if (unmet) return { kind: 'skip', stepIndex: campaign.currentStep, reason: unmet };
  if (step.channel === null || !complianceGoverns(step.channel)) return { kind: 'task', stepIndex: campaign.currentStep, step };
  return { kind: 'contact', stepIndex: campaign.currentStep, step, channel: step.channel };
}

/** Compliance's answer, as the engine needs it. */
export type Verdict = { result: 'allow' } | { result: 'defer'; notBefore: Date } | { result: 'deny'; reasons: string[] };

export type ContactResolution =
  /** Make the task on this channel (the step's, or its fallback's). */
  | { kind: 'create'; channel: Channel; fellBack: boolean }
  /** Try the step again at notBefore. */
  | { kind: 'defer'; notBefore: Date }
  /** Ask compliance about the fallback channel before deciding. */
  | { kind: 'ask-fallback'; channel: Channel }
  /** Skip the step, recording why. */
  | { kind: 'refuse'; reason: string };

/**
 * What to do with a contact step given compliance's verdict on its channel and, once asked, on
 * its fallback's. A DENY falls back to the channel the step names, if any; a fallback refused
 * too refuses the step with both reasons; a deferred fallback defers the step.
 */
export function resolveContact(step: EscalationStep, primary: Verdict, fallback?: Verdict): ContactResolution {
  if (primary.result === 'allow') return { kind: 'create', channel: step.channel as Channel, fellBack: false };
  if (primary.result === 'defer') return { kind: 'defer', notBefore: primary.notBefore };
  const refused = `${step.channel} refused: ${primary.reasons.join('; ') || 'no reason given'}`;
  const fallbackChannel = step.fallback ? (TASK_CHANNEL[step.fallback.taskType] ?? null) : null;
  if (!fallbackChannel) return { kind: 'refuse', reason: refused };
  // A letter needs no decision (see nextMove).
  if (!complianceGoverns(fallbackChannel)) return { kind: 'create', channel: fallbackChannel, fellBack: true };
  if (!fallback) return { kind: 'ask-fallback', channel: fallbackChannel };
  if (fallback.result === 'allow') return { kind: 'create', channel: fallbackChannel, fellBack: true };
  if (fallback.result === 'defer') return { kind: 'defer', notBefore: fallback.notBefore };
  return { kind: 'refuse', reason: `${refused}; fallback ${fallbackChannel} refused: ${fallback.reasons.join('; ') || 'no reason given'}` };
}

/** Where a campaign stands once its step `taken` was taken (task made, refused or skipped) at `at`. */
export type Advance =
  /** The next step is looked at from nextStepAt. */
  | { currentStep: number; nextStepAt: Date; completedOutcome: null }
  /** No step is left: the campaign completes with this outcome. */
  | { currentStep: number; nextStepAt: null; completedOutcome: string };

/**
 * The campaign after step `taken` was taken at `at` (`contacted`: its task was made; otherwise it
 * was refused or skipped): one step further, looked at again when the next step is due
 * (nextStepAt), or completed when it was the last (exhaustedOutcome on today's figures: "handed
 * to research, ... outstanding", "exhausted, ... outstanding").
 */
export function advanceAfter(steps: readonly EscalationStep[], taken: number, anchorDueDate: string, at: Date, figures: CampaignFigures, contacted = false): Advance {
  const next = nextStepAt(steps, taken, anchorDueDate, at, contacted);
  if (next) return { currentStep: taken + 1, nextStepAt: next, completedOutcome: null };
  return { currentStep: taken + 1, nextStepAt: null, completedOutcome: exhaustedOutcome(steps, figures) };
}

/**
 * The instant a contact step is proposed to compliance: when it is due, or now if that is past
 * (compliance then picks the hour: a DEFER names the first allowed instant).
 */
export function proposedContactTime(step: EscalationStep, anchorDueDate: string, lastStepAt: Date | null, now: Date): Date {
  const due = stepDueAt(step, anchorDueDate, lastStepAt);
  return due.getTime() > now.getTime() ? due : now;
}
