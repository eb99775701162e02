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
 * After a contact (`contacted`: a task was made), two steps both counted from the due date keep
 * at least the spacing the schedule gives them: a campaign that started late, or a step deferred
 * or taken late, replays the rest of its schedule from then, instead of sending the steps it is
 * behind on one after another, a few seconds apart.
 */
export function nextStepAt(steps: readonly Pick<EscalationStep, 'anchor' | 'delayDays'>[], taken: number, anchorDueDate: string, at: Date, contacted = false): Date | null {
  const next = steps[taken + 1];
  if (!next) return null;
  const due = stepDueAt(next, anchorDueDate, at);
  const gapDays = contacted && steps[taken].anchor === 'due_date' && next.anchor === 'due_date' ? Math.max(0, next.delayDays - steps[taken].delayDays) : 0;
  const earliest = new Date(at.getTime() + gapDays * DAY_MS);
  return due.getTime() < earliest.getTime() ? earliest : due;
}
