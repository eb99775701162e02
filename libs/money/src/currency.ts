/**
 * ISO 4217 currencies and their minor units, from the ICU data built into Node's Intl
 * (no hand-kept table to go stale).
 */
const CODES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));
const minorUnitsCache = new Map<string, number>();

export function isCurrencyCode(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && CODES.has(code);
}

/** Digits after the decimal point the currency uses: USD 2, JPY 0, BHD 3. */
export function minorUnits(code: string): number {
  let digits = minorUnitsCache.get(code);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
    minorUnitsCache.set(code, digits);
  }
  return digits;
}
