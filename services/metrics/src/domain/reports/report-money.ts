import { formatAmount } from '@cec/money';

/** An amount of one currency as the Money message carries it: exact, with the currency's minor-unit digits. */
export interface MoneyAmount {
  currencyCode: string;
  amount: string;
}

/** A numeric from PostgreSQL (a decimal string) as Money of `currency`: "1200.5000" USD -> "1200.50". */
export function money(currency: string, value: string | null | undefined): MoneyAmount {
  return { currencyCode: currency, amount: formatAmount(value ?? '0', currency) };
}

/** A ratio or figure from PostgreSQL as the decimal string the report returns; '' when there is none (NULL). */
export function figure(value: string | null | undefined): string {
  return value ?? '';
}
