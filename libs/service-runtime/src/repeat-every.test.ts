import { repeatEvery } from './repeat-every';

/** A promise with its resolve function, to hold a run open until the test lets it end. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('repeatEvery', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs after the first delay, then every interval counted from the end of the previous run; runs never overlap', async () => {
    const runs: number[] = [];
    const open: Array<() => void> = [];
    const work = repeatEvery(100, async () => {
      runs.push(Date.now());
      const hold = deferred();
      open.push(hold.resolve);
      await hold.promise;
    }, { firstDelayMs: 10 });
    const start = Date.now();
    await jest.advanceTimersByTimeAsync(10);
    expect(runs.map((t) => t - start)).toEqual([10]);
    // The first run is still going: however long it takes, no second run starts.
    await jest.advanceTimersByTimeAsync(500);
    expect(runs).toHaveLength(1);
    open[0]();
    await jest.advanceTimersByTimeAsync(99);
    expect(runs).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(runs.map((t) => t - start)).toEqual([10, 610]);
    open[1]();
    await work.stop();
  });

  it('a run that fails does not stop the next', async () => {
    let calls = 0;
    const work = repeatEvery(50, async () => {
      calls += 1;
      throw new Error('boom');
    });
    await jest.advanceTimersByTimeAsync(160);
    expect(calls).toBe(3);
    await work.stop();
  });

  it('stop waits for the running run and starts no other; interval 0 never runs', async () => {
    let calls = 0;
    const hold = deferred();
    const work = repeatEvery(20, async () => {
      calls += 1;
      await hold.promise;
    });
    await jest.advanceTimersByTimeAsync(20);
    let stopped = false;
    const stopping = work.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(100);
    expect(stopped).toBe(false);
    hold.resolve();
    await stopping;
    await jest.advanceTimersByTimeAsync(100);
    expect(calls).toBe(1);

    let never = 0;
    const off = repeatEvery(0, async () => {
      never += 1;
    });
    await jest.advanceTimersByTimeAsync(1_000);
    expect(never).toBe(0);
    await off.stop();
  });
});
