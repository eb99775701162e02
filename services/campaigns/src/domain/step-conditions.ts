import { decimal } from '@cec/money';
import { describeAmounts, type CampaignFigures } from './campaign-figures';
import type { StepConditions } from './step';

/**
 * Why a step's conditions do not hold on today's figures, or null when they hold (every condition
 * that is set must):
 * - minimum overdue amount, per currency: some currency owed past due meets its minimum (a currency
 *   without a minimum meets it with any amount);
 * - minimum days overdue: the oldest unpaid due date is at least that many days ago;
 * - risk levels: the customer's level today is one of them (an unknown level is not).
 */
export function unmetCondition(conditions: StepConditions, figures: CampaignFigures): string | null {
  const minimums = Object.entries(conditions.minAmountOverdue);
  if (minimums.length) {
    const owed = Object.entries(figures.overdue);
    const meets = owed.some(([currency, amount]) => {
      const min = conditions.minAmountOverdue[currency];
      return min === undefined ? decimal(amount).gt(0) : decimal(amount).gte(min);
    });
    if (!meets) {
      const wanted = describeAmounts(conditions.minAmountOverdue);
      return `less is overdue (${owed.length ? describeAmounts(figures.overdue) : 'nothing'}) than the step's minimum (${wanted})`;
    }
  }
  if (conditions.minDaysOverdue !== null && figures.daysOverdue < conditions.minDaysOverdue) {
    return `${figures.daysOverdue} days overdue, the step needs ${conditions.minDaysOverdue}`;
  }
  if (conditions.riskLevels.length && (figures.riskLevel === null || !conditions.riskLevels.includes(figures.riskLevel))) {
    return `risk level ${figures.riskLevel ?? 'unknown'} is not one of ${conditions.riskLevels.join(', ')}`;
  }
  return null;
}
