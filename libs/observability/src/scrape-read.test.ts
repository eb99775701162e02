import { readPerScrape } from './scrape-read';

describe('readPerScrape', () => {
  it('shares the read in flight between the gauges of one scrape, and reads again at the next', async () => {
    let reads = 0;
    let release!: () => void;
    const read = readPerScrape(() => {
      reads += 1;
      return new Promise<number>((resolve) => (release = () => resolve(reads)));
    });
    const first = [read(), read()];
    expect(reads).toBe(1);
    release();
    expect(await Promise.all(first)).toEqual([1, 1]);
    const next = read();
    expect(reads).toBe(2);
    release();
    expect(await next).toBe(2);
  });

  it('reads again after a read that failed', async () => {
    let reads = 0;
    const read = readPerScrape(async () => {
      reads += 1;
      if (reads === 1) throw new Error('database down');
      return reads;
    });
    await expect(read()).rejects.toThrow('database down');
    await expect(read()).resolves.toBe(2);
  });
});
