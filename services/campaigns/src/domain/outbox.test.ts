import { complianceOutcome, deliverBisecting, newestPerKey, retryDelayMs, RETRY_MAX_MS, type SendResult } from './outbox';

describe('retryDelayMs', () => {
  it.each([
    [1, 0, 500],
    [1, 0.999999, 1_000],
    [2, 0, 1_000],
    [3, 0.5, 3_000],
    [9, 0, 128_000],
    [10, 0, RETRY_MAX_MS / 2],
    [10, 0.999999, RETRY_MAX_MS],
    [1_000, 0.999999, RETRY_MAX_MS],
    [0, 0, 500],
  ])('after failure %i with random %d: %i ms', (attempts, random, ms) => {
    expect(retryDelayMs(attempts, random)).toBe(ms);
  });

  it('grows and stays within [half, all] of the exponential step', () => {
    for (let attempts = 1; attempts < 20; attempts++) {
      const step = Math.min(RETRY_MAX_MS, 1_000 * 2 ** (attempts - 1));
      const delay = retryDelayMs(attempts);
      expect(delay).toBeGreaterThanOrEqual(step / 2);
      expect(delay).toBeLessThanOrEqual(step);
    }
  });
});

describe('complianceOutcome', () => {
  it.each([
    ['email', 'replied', null, 'replied'],
    ['email', 'sent', 'no answer', 'sent'],
    ['phone', 'sent', null, 'sent'],
    ['phone', 'sent', 'no_answer', 'no_answer'],
    ['phone', 'sent', 'No Answer', 'no_answer'],
    ['phone', 'sent', 'voicemail', 'voicemail'],
    ['phone', 'sent', 'promise_to_pay', 'sent'],
    ['phone', 'answered', 'voicemail', 'answered'],
    ['phone', 'failed', 'no_answer', 'failed'],
  ] as const)('%s %s with disposition %p: %s', (channel, status, disposition, outcome) => {
    expect(complianceOutcome(channel, status, disposition)).toBe(outcome);
  });
});

describe('deliverBisecting', () => {
  /** A receiver that takes a batch all or nothing: refuses any batch holding a bad item. */
  const receiver = (bad: Set<number>, calls: number[][]) => async (batch: number[]): Promise<SendResult> => {
    calls.push(batch);
    const refused = batch.find((n) => bad.has(n));
    return refused === undefined ? { ok: true } : { ok: false, permanent: true, error: `INVALID_ARGUMENT: item ${refused}` };
  };
  const items = (n: number) => Array.from({ length: n }, (_, i) => i);

  it('sends everything in batches of maxBatch when all is well', async () => {
    const calls: number[][] = [];
    const out = await deliverBisecting(items(5), receiver(new Set(), calls), { maxBatch: 2 });
    expect(calls).toEqual([[0, 1], [2, 3], [4]]);
    expect(out).toEqual({ delivered: [0, 1, 2, 3, 4], refused: [], failed: [], untried: [] });
  });

  it.each([
    [8, [3]],
    [8, [0, 7]],
    [100, [13, 14, 99]],
    [1, [0]],
    [7, [0, 1, 2, 3, 4, 5, 6]],
  ])('of %i messages, finds the refused %j and delivers the rest', async (n, badList) => {
    const bad = new Set(badList);
    const calls: number[][] = [];
    const out = await deliverBisecting(items(n), receiver(bad, calls), { maxBatch: 1000 });
    expect(out.refused.map((r) => r.item)).toEqual(badList);
    expect(out.refused[0].error).toBe(`INVALID_ARGUMENT: item ${badList[0]}`);
    expect(out.delivered.sort((a, b) => a - b)).toEqual(items(n).filter((i) => !bad.has(i)));
    expect(out.failed).toEqual([]);
    expect(calls.length).toBeLessThanOrEqual(1 + 2 * badList.length * Math.ceil(Math.log2(n + 1)));
  });

  it('stops at a failure that may pass: that batch failed, the rest untried', async () => {
    const calls: number[][] = [];
    const out = await deliverBisecting(
      items(5),
      async (batch) => {
        calls.push(batch);
        return batch.includes(2) ? { ok: false, permanent: false, error: 'UNAVAILABLE: down' } : { ok: true };
      },
      { maxBatch: 2 },
    );
    expect(out).toEqual({ delivered: [0, 1], refused: [], failed: [{ item: 2, error: 'UNAVAILABLE: down' }, { item: 3, error: 'UNAVAILABLE: down' }], untried: [4] });
  });

  it('leaves what it had no time for untried', async () => {
    let budget = 1;
    const out = await deliverBisecting(items(5), async () => ({ ok: true }), { maxBatch: 2, more: () => budget-- > 0 });
    expect(out).toEqual({ delivered: [0, 1], refused: [], failed: [], untried: [2, 3, 4] });
  });
});

describe('newestPerKey', () => {
  it('keeps the newest message of each key and the ids of all', () => {
    const m = (id: string, message_key: string) => ({ id, message_key });
    expect(newestPerKey([m('9', 'a'), m('10', 'a'), m('3', 'b'), m('2', 'a')])).toEqual([
      { message: m('10', 'a'), ids: ['9', '10', '2'] },
      { message: m('3', 'b'), ids: ['3'] },
    ]);
  });
});
