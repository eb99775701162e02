import { leaseMs } from './lease';

describe('leaseMs', () => {
  it.each([
    [undefined, { ms: 300_000 }],
    [10_000, { ms: 10_000 }],
    [3_600_000, { ms: 3_600_000 }],
    [9_999, { problem: 'must be from 10s to 3600s (1 h), got 9.999s' }],
    [3_600_001, { problem: expect.stringContaining('3600.001s') }],
    [0, { problem: expect.any(String) }],
    [-20_000, { problem: expect.any(String) }],
    [Number.NaN, { problem: expect.stringContaining('invalid') }],
  ])('%p → %p', (requested, expected) => {
    expect(leaseMs(requested)).toEqual(expected);
  });
});
