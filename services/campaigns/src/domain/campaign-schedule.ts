/** When a running campaign's next step is due. */

const DAY_MS = 86_400_000;

/**
 * The instant the first step of a starting campaign is due: the anchor due date plus the step's
 * delay_days, at the start of that day (UTC); a day already past means now. The first step
 * always counts from the due date (validateSteps), so it needs no history.
 */
export function firstStepDue(first: { delayDays: number }, anchorDueDate: string, now: Date): Date {
  const [y, m, d] = anchorDueDate.split('-').map(Number);
  const due = new Date(Date.UTC(y, m - 1, d) + first.delayDays * DAY_MS);
  return due.getTime() < now.getTime() ? now : due;
}
