/** Task leases: how long a claim or an extension holds a task (no transport, no ORM). */

export const DEFAULT_LEASE_MS = 5 * 60_000;
export const MIN_LEASE_MS = 10_000;
export const MAX_LEASE_MS = 3_600_000;

/**
 * The lease a request asks for, in ms: undefined (unset) means the default; otherwise it must
 * lie within 10 s and 1 h. Returns the lease, or a problem to report under the field.
 */
export function leaseMs(requested: number | undefined): { ms: number } | { problem: string } {
  if (requested === undefined) return { ms: DEFAULT_LEASE_MS };
  if (!Number.isFinite(requested) || requested < MIN_LEASE_MS || requested > MAX_LEASE_MS) {
    return { problem: `must be from 10s to 3600s (1 h), got ${Number.isFinite(requested) ? `${requested / 1000}s` : 'an invalid duration'}` };
  }
  return { ms: Math.round(requested) };
}
