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
  if (Object.keys(conditions.minAmountOverdue).length && !meetsMinimumOverdue(conditions.minAmountOverdue, figures.overdue)) {
    const wanted = describeAmounts(conditions.minAmountOverdue);
    return `less is overdue (${Object.keys(figures.overdue).length ? describeAmounts(figures.overdue) : 'nothing'}) than the step's minimum (${wanted})`;
  }
  if (conditions.minDaysOverdue !== null && figures.daysOverdue < conditions.minDaysOverdue) {
    return `${figures.daysOverdue} days overdue, the step needs ${conditions.minDaysOverdue}`;
  }
  if (conditions.riskLevels.length && (figures.riskLevel === null || !conditions.riskLevels.includes(figures.riskLevel))) {
    return `risk level ${figures.riskLevel ?? 'unknown'} is not one of ${conditions.riskLevels.join(', ')}`;
  }
  return null;
}

/**
 * Whether what is overdue (currency -> decimal string) meets the minimums (currency -> decimal
 * string): some currency owed past due meets its minimum, and a currency without a minimum meets
 * it with any amount above zero. Amounts are never added across currencies. With no minimum at
 * all, any amount above zero in any currency meets it.
 */
export function meetsMinimumOverdue(minimums: Readonly<Record<string, string>>, overdue: Readonly<Record<string, string>>): boolean {
  return Object.entries(overdue).some(([currency, amount]) => {
    const min = minimums[currency];
    return min === undefined ? decimal(amount).gt(0) : decimal(amount).gte(min);
  });
}
