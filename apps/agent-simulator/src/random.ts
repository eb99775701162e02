import { createHash } from 'node:crypto';

/**
 * Numbers in [0, 1) that depend only on the seed, a key and the draw's position: the simulator
 * draws a task's outcome and durations with the task's id as key, so the same seed gives every
 * task the same outcome whichever agent claims it and in whatever order the tasks come.
 */
export function seededRandom(seed: number, key: string): () => number {
  let n = 0;
  return () => createHash('sha256').update(`${seed}:${key}:${n++}`).digest().readUInt32BE(0) / 2 ** 32;
}
