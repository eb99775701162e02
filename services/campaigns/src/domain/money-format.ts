/** What is owed, as exact decimals (big.js, never floats), and how it is written for a locale. */
import Big from 'big.js';

/** Intl formatters are costly to build (tens of microseconds) and cheap to reuse: one per locale and currency, kept. */
const moneyFormats = new Map<string, Intl.NumberFormat>();
const MAX_FORMATS = 1_000;

/** amount minus paid as a decimal string ("4210.00" - "1000" = "3210.00"); never below zero. */
export function outstandingAmount(amount: string, paid: string | undefined): string {
  const rest = new Big(amount).minus(new Big(paid || '0'));
  return rest.lt(0) ? '0' : rest.toFixed();
}

/**
 * The amount with its currency as the locale writes it: "$4,210.00" (en-US), "4.210,00 €"
 * (de-DE), "£4,210.50" (en-GB), "￥4,210" (ja-JP). Intl formats the decimal string itself (no
 * float on the way), with the currency's own number of minor digits.
 */
export function formatMoney(amount: string, currencyCode: string, locale: string): string {
  const key = `${locale}|${currencyCode}`;
  let format = moneyFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, { style: 'currency', currency: currencyCode });
    if (moneyFormats.size >= MAX_FORMATS) moneyFormats.clear();
    moneyFormats.set(key, format);
  }
  // Intl.NumberFormat formats decimal strings exactly (ECMA-402 NumberFormat v3); the lib types only say number.
  return format.format(amount as unknown as number);
}

