/**
 * A create that a retry cannot duplicate, keyed by the caller's request id:
 * 1. look the request id up: a retry of a create that committed gets its result;
 * 2. otherwise insert;
 * 3. when the insert loses the race on one of `raceConstraints` (a concurrent twin of the
 *    same request committed first), look up again and answer with the twin's result.
 * `find` decides whether what it found is the same request (and throws when the id was
 * used for something else); without a request id this is a plain insert.
 */
export async function createOnce<T>(options: {
  requestId: string | undefined;
  find: (requestId: string) => Promise<T | undefined>;
  insert: () => Promise<T>;
  /** Unique constraints a concurrent twin of the same create trips. */
  raceConstraints: readonly string[];
}): Promise<T> {
  const { requestId, find, insert, raceConstraints } = options;
  if (!requestId) return insert();
  const earlier = await find(requestId);
  if (earlier !== undefined) return earlier;
  try {
    return await insert();
  } catch (error) {
    if (raceConstraints.includes((error as { constraint?: string }).constraint ?? '')) {
      const twin = await find(requestId);
      if (twin !== undefined) return twin;
    }
    throw error;
  }
}
