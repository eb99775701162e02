import type { EscalationStep } from './step';

/** When a campaign's steps are due. */

const DAY_MS = 86_400_000;

/**
 * The instant a step is due: a `due_date` step at the start (UTC) of the anchor due date plus its
 * delay_days; a `previous_step` step delay_days after the previous step was taken (or after the
 * anchor date's start, if no step was taken yet). Payments never move it: the dates come from
 * the invoices' due date and the steps taken, so a partial payment cannot make a step be skipped.
 * Compliance then picks the hour (contact windows in the customer's zone).
 */
export function stepDueAt(step: Pick<EscalationStep, 'anchor' | 'delayDays'>, anchorDueDate: string, lastStepAt: Date | null): Date {
  const anchorStart = Date.parse(`${anchorDueDate}T00:00:00Z`);
  if (step.anchor === 'previous_step') return new Date((lastStepAt?.getTime() ?? anchorStart) + step.delayDays * DAY_MS);
  return new Date(anchorStart + step.delayDays * DAY_MS);
}

/**
 * When the engine looks at the campaign next, after step `taken` was taken at `at`: the next
 * step's due instant, or `at` itself when that is already past (one step per pass: the next pass
 * takes it, so every step is taken, in order, even after a long stop). Null when no step is left.
 */
export function nextStepAt(steps: readonly Pick<EscalationStep, 'anchor' | 'delayDays'>[], taken: number, anchorDueDate: string, at: Date): Date | null {
  const next = steps[taken + 1];
  if (!next) return null;
  const due = stepDueAt(next, anchorDueDate, at);
  return due.getTime() < at.getTime() ? at : due;
}
