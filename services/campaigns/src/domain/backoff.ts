/** When a task that failed and may be retried is tried again (no transport, no ORM). */

export interface BackoffPolicy {
  /** The delay before the second attempt, ms (doubled for each attempt after). */
  baseMs: number;
  /** The longest delay, ms. */
  capMs: number;
}

export const TASK_RETRY_BACKOFF: BackoffPolicy = { baseMs: 30_000, capMs: 3_600_000 };

/** A source of numbers in [0, 1): Math.random, or a fixed sequence in tests. */
export type RandomSource = () => number;

/**
 * The delay before the next attempt after `attempts` attempts (1 = the first failed): the
 * exponential step base × 2^(attempts-1), capped, with "equal jitter" — half of the step is
 * kept and the other half is random — so retries of tasks that failed together spread out
 * and none comes back at once.
 */
export function retryDelayMs(attempts: number, random: RandomSource = Math.random, policy: BackoffPolicy = TASK_RETRY_BACKOFF): number {
  const exponent = Math.max(0, Math.min(attempts - 1, 30));
  const step = Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(step / 2 + (step / 2) * r);
}
