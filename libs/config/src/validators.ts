import { makeValidator } from 'envalid';

/** A TCP port, or 0 for "any free port" (tests). */
export const portOrZero = makeValidator<number>((input) => {
  const n = Number(input);
  if (!/^\d+$/.test(String(input).trim()) || n > 65535) throw new Error(`must be a port number 0-65535, got "${input}"`);
  return n;
});

/** A whole number within [min, max]. */
export function intInRange(min: number, max: number) {
  return makeValidator<number>((input) => {
    const n = Number(input);
    if (!/^-?\d+$/.test(String(input).trim()) || n < min || n > max) {
      throw new Error(`must be a whole number from ${min} to ${max}, got "${input}"`);
    }
    return n;
  });
}
