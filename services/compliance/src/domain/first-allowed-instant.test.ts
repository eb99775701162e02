import type { Check } from './constraint';
import { firstAllowedInstant } from './first-allowed-instant';

/** A check that blocks before `opens` (proposing it) and records every instant it is asked about. */
function opensAt(opens: number, asked: number[]): Check {
  return (t) => {
    asked.push(t);
    return t < opens ? { code: 'FREQUENCY_CAP', message: `closed until ${opens}`, next: opens } : undefined;
  };
}

describe('firstAllowedInstant', () => {
  it('jumps to the latest proposal and re-checks everything there', () => {
    const asked: number[] = [];
    const result = firstAllowedInstant([{ rule: 'a', check: opensAt(50, asked) }, { rule: 'b', check: opensAt(100, asked) }], 0, 1000);
    expect(result.allowedAt).toBe(100);
    // Asked at 0 (both), then straight at 100 (both): never at 50.
    expect(asked).toEqual([0, 0, 100, 100]);
    expect(result.blocking.map((b) => [b.rule, b.at])).toEqual([['a', 0], ['b', 0]]);
  });

  it('keeps going while a rule that held starts to fail', () => {
    // b holds at 0 but fails in [100, 200): the answer is 200, not 100.
    const a: Check = (t) => (t < 100 ? { code: 'COOLDOWN', message: '', next: 100 } : undefined);
    const b: Check = (t) => (t >= 100 && t < 200 ? { code: 'BLACKOUT_DATE', message: '', next: 200 } : undefined);
    const result = firstAllowedInstant([{ rule: 'a', check: a }, { rule: 'b', check: b }], 0, 1000);
    expect(result.allowedAt).toBe(200);
    expect(result.blocking.map((x) => [x.rule, x.at])).toEqual([['a', 0], ['b', 100]]);
  });

  it('stops at a rule that never allows it, and past the horizon', () => {
    const never: Check = () => ({ code: 'CHANNEL_BLOCKED', message: '', next: null });
    expect(firstAllowedInstant([{ rule: 'x', check: never }], 0, 1000)).toMatchObject({ allowedAt: null, stoppedBy: 'never' });
    expect(firstAllowedInstant([{ rule: 'x', check: opensAt(1001, []) }], 0, 1000)).toMatchObject({ allowedAt: null, stoppedBy: 'horizon' });
    expect(firstAllowedInstant([{ rule: 'x', check: opensAt(1000, []) }], 0, 1000).allowedAt).toBe(1000);
  });

  it('stops after a bounded number of steps', () => {
    // A check that only ever proposes a millisecond later.
    const creeping: Check = (t) => ({ code: 'COOLDOWN', message: '', next: t + 1 });
    expect(firstAllowedInstant([{ rule: 'x', check: creeping }], 0, 1e9)).toMatchObject({ allowedAt: null, stoppedBy: 'iterations' });
  });

  it('allows at once when nothing blocks', () => {
    expect(firstAllowedInstant([], 42, 1000)).toEqual({ allowedAt: 42, blocking: [], lastBlocking: [] });
  });
});
