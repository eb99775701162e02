import type { Violations } from '@cec/errors';

/** The kinds of metric, as Prometheus names them. */
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';

/** One sample to record: the caller's, checked. */
export interface Sample {
  name: string;
  type: MetricType;
  value: number;
  unit: string | null;
  labels: Record<string, string>;
  time: Date;
  clientKey: string;
}

/** Samples in one RecordMetrics call. */
export const MAX_SAMPLES = 1000;
/** Labels of a sample, and label filters of a query. */
export const MAX_LABELS = 20;
export const MAX_LABEL_VALUE = 200;
export const MAX_UNIT = 32;
export const MAX_CLIENT_KEY = 200;
/** How far ahead of now a sample's time may be (clocks differ). */
export const FUTURE_TOLERANCE_MS = 3_600_000;

/** A metric name or label key: what system_metrics' CHECK takes (and Prometheus' style). */
const NAME = /^[a-z_][a-z0-9_]{0,127}$/;

export function checkName(v: Violations, field: string, name: string): void {
  if (!NAME.test(name)) v.add(field, 'must be 1-128 characters of a-z, 0-9 and _, not starting with a digit (e.g. "tasks_completed")');
}

export function checkLabels(v: Violations, field: string, labels: Record<string, string>): void {
  const keys = Object.keys(labels);
  if (keys.length > MAX_LABELS) v.add(field, `must have at most ${MAX_LABELS} labels, got ${keys.length}`);
  for (const key of keys) {
    if (!NAME.test(key)) v.add(`${field}[${key}]`, 'label keys must be 1-128 characters of a-z, 0-9 and _, not starting with a digit');
    else if (labels[key].length > MAX_LABEL_VALUE || labels[key].includes('\u0000')) v.add(`${field}[${key}]`, `must be at most ${MAX_LABEL_VALUE} characters`);
  }
}

/** The times a sample may have: within the retention (whole days back from now) and at most an hour ahead. */
export function acceptedTimes(now: Date, retentionDays: number): { from: Date; to: Date } {
  return { from: new Date(now.getTime() - retentionDays * 86_400_000), to: new Date(now.getTime() + FUTURE_TOLERANCE_MS) };
}

/** Checks one sample's fields (the caller has mapped the type); `field` is its path, e.g. "samples[3]". */
export function checkSample(
  v: Violations,
  field: string,
  s: { name: string; value: number; unit: string; labels: Record<string, string>; time: Date | undefined; clientKey: string },
  accepted: { from: Date; to: Date },
  retentionDays: number,
): void {
  checkName(v, `${field}.name`, s.name);
  if (!Number.isFinite(s.value)) v.add(`${field}.value`, 'must be a finite number');
  if (s.unit.length > MAX_UNIT) v.add(`${field}.unit`, `must be at most ${MAX_UNIT} characters`);
  checkLabels(v, `${field}.labels`, s.labels);
  if (!s.time) v.add(`${field}.time`, 'is required');
  else if (s.time < accepted.from) v.add(`${field}.time`, `is older than the retention (${retentionDays} days): ${s.time.toISOString()}`);
  else if (s.time > accepted.to) v.add(`${field}.time`, `is more than an hour ahead: ${s.time.toISOString()}`);
  if (!s.clientKey) v.add(`${field}.client_key`, 'is required (the key a retried batch records its samples once by)');
  else if (s.clientKey.length > MAX_CLIENT_KEY || s.clientKey.includes('\u0000')) v.add(`${field}.client_key`, `must be at most ${MAX_CLIENT_KEY} characters`);
}

/** The UTC days a batch falls on ("YYYY-MM-DD"), once each. */
export function daysOf(times: readonly Date[]): string[] {
  return [...new Set(times.map((t) => t.toISOString().slice(0, 10)))].sort();
}
