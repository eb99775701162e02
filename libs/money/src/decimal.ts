import Big from 'big.js';
import { isCurrencyCode, minorUnits } from './currency';

/** A plain decimal: digits, optionally a point and more digits. No sign, exponent or spaces. */
const DECIMAL = /^\d{1,15}(\.\d{1,4})?$/;

export type Decimal = Big;

/** What is wrong with an amount string for this currency, or undefined when it is fine. */
export function amountProblem(amount: string, currencyCode: string, options: { positive?: boolean } = {}): string | undefined {
  if (amount.startsWith('-') && DECIMAL.test(amount.slice(1))) {
    return options.positive ? `must be more than zero, got "${amount.slice(0, 40)}"` : `must not be negative, got "${amount.slice(0, 40)}"`;
  }
  if (!DECIMAL.test(amount)) return `must be a decimal string such as "1200.50", got "${amount.slice(0, 40)}"`;
  if (isCurrencyCode(currencyCode)) {
    const fraction = amount.split('.')[1] ?? '';
    const digits = minorUnits(currencyCode);
    if (fraction.replace(/0+$/, '').length > digits) {
      return `${currencyCode} has ${digits} decimal place${digits === 1 ? '' : 's'}, got "${amount}"`;
    }
  }
  if (options.positive && new Big(amount).lte(0)) return 'must be more than zero';
  return undefined;
}

export function decimal(value: string | number): Decimal {
  return new Big(value);
}

/** The amount written with exactly the currency's minor-unit digits: "1200.5" USD -> "1200.50". */
export function formatAmount(value: string | Decimal, currencyCode: string): string {
  return new Big(value).toFixed(isCurrencyCode(currencyCode) ? minorUnits(currencyCode) : 2);
}
