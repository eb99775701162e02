/**
 * Aging buckets of receivables by days past due at the close of a day (that day minus the
 * due date): current (0 or less), 1-30, 31-60, 61-90, over 90 (91 and more).
 *
 * The SQL that puts an invoice in a bucket is report_aging_bucket() (migration 014); this is
 * the same table for the service and its tests, in the order the report lists them.
 */
export type AgingBucketKey = 'current' | '1_30' | '31_60' | '61_90' | 'over_90';

export interface AgingBucketEdges {
  key: AgingBucketKey;
  /** Fewest days past due in the bucket; null: no lower bound (current: not yet due). */
  minDays: number | null;
  /** Most days past due in the bucket; null: no upper bound. */
  maxDays: number | null;
}

export const AGING_BUCKETS: readonly AgingBucketEdges[] = [
  { key: 'current', minDays: null, maxDays: 0 },
  { key: '1_30', minDays: 1, maxDays: 30 },
  { key: '31_60', minDays: 31, maxDays: 60 },
  { key: '61_90', minDays: 61, maxDays: 90 },
  { key: 'over_90', minDays: 91, maxDays: null },
];

/** The bucket of `daysPastDue` whole days past due. */
export function agingBucketOf(daysPastDue: number): AgingBucketKey {
  const bucket = AGING_BUCKETS.find((b) => (b.minDays === null || daysPastDue >= b.minDays) && (b.maxDays === null || daysPastDue <= b.maxDays));
  return (bucket as AgingBucketEdges).key;
}

export function isAgingBucketKey(value: string): value is AgingBucketKey {
  return AGING_BUCKETS.some((b) => b.key === value);
}

/** Past due: every bucket but current. */
export function isPastDue(key: AgingBucketKey): boolean {
  return key !== 'current';
}
