import { retryDelayMs } from './backoff';

describe('retryDelayMs', () => {
  const fixed = (r: number) => () => r;

  it.each([
    // attempts, random, expected ms
    [1, 0, 15_000],
    [1, 0.999999, 30_000],
    [1, 0.5, 22_500],
    [2, 0, 30_000],
    [2, 1, 60_000],
    [3, 0.5, 90_000],
    [7, 0, 960_000],
    [8, 1, 3_600_000], // 30 s × 2^7 = 3,840 s: capped at an hour
    [8, 0, 1_800_000],
    [100, 1, 3_600_000],
    [0, 1, 30_000], // nonsense counts as the first attempt
  ])('after %i attempt(s), random %d: %i ms', (attempts, random, expected) => {
    expect(retryDelayMs(attempts, fixed(random))).toBe(expected);
  });

  it('never less than half the step nor more than the step, whatever the random source says', () => {
    for (const r of [-5, 0, 0.3, 0.99, 7]) {
      const delay = retryDelayMs(4, fixed(r));
      expect(delay).toBeGreaterThanOrEqual(120_000);
      expect(delay).toBeLessThanOrEqual(240_000);
    }
  });

  it('spreads retries of tasks that failed together', () => {
    let seed = 1;
    const lcg = () => ((seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647);
    const delays = new Set(Array.from({ length: 100 }, () => retryDelayMs(3, lcg)));
    expect(delays.size).toBeGreaterThan(90);
  });
});
