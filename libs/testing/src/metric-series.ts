import { metricsV1 } from '@cec/proto';
import { call } from './grpc-calls';

/**
 * MetricsService/QueryMetrics in minute buckets over [from, to), as
 * { minutes after `from`: [value, samples in the bucket] }, for tests that check what was
 * recorded minute by minute: `{ 0: [120.75, 1], 3: [50, 1] }`. Default aggregate: SUM.
 */
export async function minuteSeries(
  client: metricsV1.MetricsServiceClient,
  query: { name: string; labels?: Record<string, string>; from: Date; to: Date; aggregate?: metricsV1.Aggregate },
): Promise<Record<number, [number, number]>> {
  const { points } = await call(client, 'queryMetrics', {
    name: query.name,
    labelFilters: query.labels ?? {},
    startTime: query.from,
    endTime: query.to,
    bucket: metricsV1.TimeBucket.TIME_BUCKET_MINUTE,
    aggregate: query.aggregate ?? metricsV1.Aggregate.AGGREGATE_SUM,
  });
  return Object.fromEntries(points.map((p) => [((p.startTime as Date).getTime() - query.from.getTime()) / 60_000, [p.value, Number(p.sampleCount)]]));
}
