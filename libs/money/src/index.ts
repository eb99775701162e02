export { isCurrencyCode, minorUnits } from './currency';
export { amountProblem, decimal, formatAmount, type Decimal } from './decimal';
