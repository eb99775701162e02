/** Batch calls to a peer: chunks of at most `max`, and a chunk refused because of one item split until that item is alone. */

export type ItemAnswer<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface BatchOptions {
  /** Items per call (the peers take 1-1000). */
  max: number;
  /** The failure names one bad item (NOT_FOUND for one id of a batch): split the chunk to answer the others. */
  split: (error: unknown) => boolean;
  /** Calls in flight at once. Default 4. */
  concurrency?: number;
}

/**
 * Sends `items` in chunks with `send` (which answers one value per item, in order) and returns
 * one answer per item. A chunk that fails with an error `split` accepts is halved and sent
 * again until the bad item is alone, so one unknown id never holds up the others; any other
 * failure (the peer is down, the deadline passed) is the answer of every item of the chunk.
 */
export async function inBatches<T, R>(items: readonly T[], send: (chunk: T[]) => Promise<R[]>, options: BatchOptions): Promise<ItemAnswer<R>[]> {
  const answers: ItemAnswer<R>[] = new Array(items.length);
  const chunks: [number, T[]][] = [];
  for (let from = 0; from < items.length; from += options.max) chunks.push([from, items.slice(from, from + options.max)]);

  const run = async (from: number, chunk: T[]): Promise<void> => {
    try {
      const values = await send(chunk);
      chunk.forEach((_, i) => (answers[from + i] = { ok: true, value: values[i] }));
    } catch (error) {
      if (chunk.length > 1 && options.split(error)) {
        const half = Math.ceil(chunk.length / 2);
        await Promise.all([run(from, chunk.slice(0, half)), run(from + half, chunk.slice(half))]);
        return;
      }
      chunk.forEach((_, i) => (answers[from + i] = { ok: false, error }));
    }
  };

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chunks.length) {
      const [from, chunk] = chunks[next++];
      await run(from, chunk);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, chunks.length) }, worker));
  return answers;
}
