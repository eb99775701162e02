import type { Violations } from '@cec/errors';

export type Bucket = 'minute' | 'hour' | 'day';
export type Aggregate = 'count' | 'sum' | 'avg' | 'min' | 'max' | 'p95';

export const BUCKET_MS: Record<Bucket, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
/** Buckets one query may span. */
export const MAX_BUCKETS = 10_000;

/** A checked query: one aggregate per bucket of [start, end) over a name's samples whose labels include `labels`. */
export interface MetricQuery {
  name: string;
  labels: Record<string, string>;
  start: Date;
  end: Date;
  bucket: Bucket;
  aggregate: Aggregate;
}

/** One bucket's answer. */
export interface MetricPoint {
  start: Date;
  value: number;
  count: number;
}

/**
 * How many buckets [start, end) touches. Buckets start at whole UTC minutes, hours and days
 * (counted from the Unix epoch, which is a whole UTC day), so a range that starts or ends
 * inside a bucket touches it partly.
 */
export function bucketsSpanned(start: Date, end: Date, bucket: Bucket): number {
  const width = BUCKET_MS[bucket];
  return Math.floor((end.getTime() - 1) / width) - Math.floor(start.getTime() / width) + 1;
}

/** The range must be non-empty and span at most MAX_BUCKETS buckets. */
export function checkRange(v: Violations, start: Date | undefined, end: Date | undefined, bucket: Bucket | undefined): void {
  if (!start) v.add('start_time', 'is required');
  if (!end) v.add('end_time', 'is required');
  if (!start || !end) return;
  if (end <= start) {
    v.add('end_time', `must be after start_time (${start.toISOString()}), got ${end.toISOString()}`);
    return;
  }
  if (!bucket) return;
  const n = bucketsSpanned(start, end, bucket);
  if (n > MAX_BUCKETS) v.add('end_time', `the range spans ${n} ${bucket} buckets; at most ${MAX_BUCKETS}: use a wider bucket or a shorter range`);
}
