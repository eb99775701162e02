/**
 * For gauges that read the database when Prometheus scrapes: every gauge of one scrape shares
 * the read in flight, and the next scrape reads again (never a value cached across scrapes).
 */
export function readPerScrape<T>(read: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  return () =>
    (inFlight ??= read().finally(() => {
      inFlight = undefined;
    }));
}
