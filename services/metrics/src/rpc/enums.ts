import { enumTable as table } from '@cec/grpc';
import { metricsV1 } from '@cec/proto';
import type { Aggregate, Bucket } from '../domain/queries';
import type { MetricType } from '../domain/samples';

const { MetricType: T, TimeBucket: B, Aggregate: A } = metricsV1;

export const metricTypes = table<MetricType>([
  [T.METRIC_TYPE_COUNTER, 'counter'],
  [T.METRIC_TYPE_GAUGE, 'gauge'],
  [T.METRIC_TYPE_HISTOGRAM, 'histogram'],
  [T.METRIC_TYPE_SUMMARY, 'summary'],
]);

export const buckets = table<Bucket>([
  [B.TIME_BUCKET_MINUTE, 'minute'],
  [B.TIME_BUCKET_HOUR, 'hour'],
  [B.TIME_BUCKET_DAY, 'day'],
]);

export const aggregates = table<Aggregate>([
  [A.AGGREGATE_COUNT, 'count'],
  [A.AGGREGATE_SUM, 'sum'],
  [A.AGGREGATE_AVG, 'avg'],
  [A.AGGREGATE_MIN, 'min'],
  [A.AGGREGATE_MAX, 'max'],
  [A.AGGREGATE_P95, 'p95'],
]);
