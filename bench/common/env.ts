/** Benchmark settings from the environment. */

/** A number >= min from `name`, or `fallback` when unset or empty; anything else is an error. */
export function envNumber(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number >= ${min}, got "${raw}"`);
  return value;
}

/** A comma-separated list, lower case, empty entries dropped. */
export function envList(name: string): string[] {
  return (process.env[name] ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
}
