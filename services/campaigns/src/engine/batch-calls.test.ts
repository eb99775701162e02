import { inBatches } from './batch-calls';

class Unknown extends Error {}

describe('inBatches', () => {
  const split = (e: unknown) => e instanceof Unknown;

  it('answers every item in order, in chunks of at most max', async () => {
    const sizes: number[] = [];
    const answers = await inBatches(
      [1, 2, 3, 4, 5],
      async (chunk) => {
        sizes.push(chunk.length);
        return chunk.map((n) => n * 10);
      },
      { max: 2, split },
    );
    expect(answers).toEqual([10, 20, 30, 40, 50].map((value) => ({ ok: true, value })));
    expect(sizes.sort()).toEqual([1, 2, 2]);
  });

  it('splits a chunk refused because of one item until that item is alone; the others are answered', async () => {
    const calls: number[][] = [];
    const answers = await inBatches(
      [1, 2, 3, 4, 5, 6],
      async (chunk) => {
        calls.push(chunk);
        if (chunk.includes(4)) throw new Unknown('4 is unknown');
        return chunk;
      },
      { max: 6, split },
    );
    expect(answers.map((a) => a.ok)).toEqual([true, true, true, false, true, true]);
    expect(calls.length).toBeLessThanOrEqual(1 + 2 + 2 + 2);
  });

  it('a failure that names no item (the peer is down) is the answer of the whole chunk, with no split', async () => {
    let calls = 0;
    const down = new Error('UNAVAILABLE');
    const answers = await inBatches(
      [1, 2, 3],
      async () => {
        calls += 1;
        throw down;
      },
      { max: 10, split },
    );
    expect(answers).toEqual([1, 2, 3].map(() => ({ ok: false, error: down })));
    expect(calls).toBe(1);
  });

  it('no items, no call', async () => {
    expect(await inBatches([], async () => [], { max: 10, split })).toEqual([]);
  });
});
