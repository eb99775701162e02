import { metricsV1 } from '@cec/proto';
import { call, expectInvalid } from '@cec/testing';
import { useMetricsService } from '../../testing/metrics-harness';

const h = useMetricsService();
const { MetricType, TimeBucket: B, Aggregate: A } = metricsV1;
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

// The start of the UTC day two days ago: every sample below is on that day.
const base = Math.floor(Date.now() / DAY) * DAY - 2 * DAY;
const at = (ms: number) => new Date(base + ms);

// response_ms, by channel:
//   sms    00:00 10, 00:15 20, 00:30 30, 00:45 40, 01:00 100, 05:59:59.999 7
//   email  00:10 5
const SERIES: [number, number, string][] = [
  [0, 10, 'sms'],
  [15 * MIN, 20, 'sms'],
  [30 * MIN, 30, 'sms'],
  [45 * MIN, 40, 'sms'],
  [HOUR, 100, 'sms'],
  [6 * HOUR - 1, 7, 'sms'],
  [10 * MIN, 5, 'email'],
];

const query = (overrides: Partial<metricsV1.QueryMetricsRequest>) =>
  call(
    h.metrics,
    'queryMetrics',
    metricsV1.QueryMetricsRequest.fromPartial({ name: 'response_ms', startTime: at(0), endTime: at(DAY), bucket: B.TIME_BUCKET_HOUR, aggregate: A.AGGREGATE_COUNT, ...overrides }),
  );
const points = async (overrides: Partial<metricsV1.QueryMetricsRequest>) =>
  (await query(overrides)).points.map((p) => [p.startTime!.getTime() - base, p.value, Number(p.sampleCount)]);

describe('MetricsService.QueryMetrics', () => {
  beforeAll(async () => {
    const samples = SERIES.map(([ms, value, channel], i) =>
      metricsV1.MetricSample.fromPartial({ name: 'response_ms', type: MetricType.METRIC_TYPE_GAUGE, value, unit: 'ms', labels: { channel, region: 'eu' }, time: at(ms), clientKey: `s${i}` }),
    );
    await call(h.metrics, 'recordMetrics', { samples }, { metadata: { 'x-actor': 'service:campaigns' } });
  });

  it('gives each aggregate per hour, only buckets with samples, oldest first (worked by hand)', async () => {
    const sms = { labelFilters: { channel: 'sms' } };
    expect(await points({ ...sms, aggregate: A.AGGREGATE_COUNT })).toEqual([[0, 4, 4], [HOUR, 1, 1], [5 * HOUR, 1, 1]]);
    expect(await points({ ...sms, aggregate: A.AGGREGATE_SUM })).toEqual([[0, 100, 4], [HOUR, 100, 1], [5 * HOUR, 7, 1]]);
    expect(await points({ ...sms, aggregate: A.AGGREGATE_AVG })).toEqual([[0, 25, 4], [HOUR, 100, 1], [5 * HOUR, 7, 1]]);
    expect(await points({ ...sms, aggregate: A.AGGREGATE_MIN })).toEqual([[0, 10, 4], [HOUR, 100, 1], [5 * HOUR, 7, 1]]);
    expect(await points({ ...sms, aggregate: A.AGGREGATE_MAX })).toEqual([[0, 40, 4], [HOUR, 100, 1], [5 * HOUR, 7, 1]]);
    // p95 of 10, 20, 30, 40: rank 0.95 x (4 - 1) = 2.85 -> 30 + 0.85 x (40 - 30) = 38.5.
    expect(await points({ ...sms, aggregate: A.AGGREGATE_P95 })).toEqual([[0, 38.5, 4], [HOUR, 100, 1], [5 * HOUR, 7, 1]]);
  });

  it('filters by labels (all of them), and without filters takes every sample of the name', async () => {
    // 5, 10, 20, 30, 40: sum 105, avg 21; p95 rank 0.95 x 4 = 3.8 -> 30 + 0.8 x 10 = 38.
    expect(await points({ aggregate: A.AGGREGATE_SUM })).toEqual([[0, 105, 5], [HOUR, 100, 1], [5 * HOUR, 7, 1]]);
    expect(await points({ aggregate: A.AGGREGATE_AVG })).toEqual([[0, 21, 5], [HOUR, 100, 1], [5 * HOUR, 7, 1]]);
    expect(await points({ aggregate: A.AGGREGATE_P95 })).toEqual([[0, 38, 5], [HOUR, 100, 1], [5 * HOUR, 7, 1]]);
    expect(await points({ labelFilters: { channel: 'email', region: 'eu' }, aggregate: A.AGGREGATE_SUM })).toEqual([[0, 5, 1]]);
    expect(await points({ labelFilters: { channel: 'email', region: 'us' } })).toEqual([]);
  });

  it('buckets by minute and by day, on whole UTC minutes and days', async () => {
    expect(await points({ bucket: B.TIME_BUCKET_MINUTE, endTime: at(20 * MIN), aggregate: A.AGGREGATE_MAX })).toEqual([[0, 10, 1], [10 * MIN, 5, 1], [15 * MIN, 20, 1]]);
    // sms over the day: 10, 20, 30, 40, 100, 7 -> sorted 7, 10, 20, 30, 40, 100; rank 0.95 x 5 = 4.75 -> 40 + 0.75 x 60 = 85.
    expect(await points({ bucket: B.TIME_BUCKET_DAY, labelFilters: { channel: 'sms' }, aggregate: A.AGGREGATE_P95 })).toEqual([[0, 85, 6]]);
    expect(await points({ bucket: B.TIME_BUCKET_DAY, startTime: at(-DAY), endTime: at(2 * DAY), aggregate: A.AGGREGATE_SUM })).toEqual([[0, 212, 7]]);
  });

  it('takes [start, end): the start included, the end not; a bucket the range cuts is named by its whole-hour start', async () => {
    expect(await points({ startTime: at(15 * MIN), endTime: at(45 * MIN), aggregate: A.AGGREGATE_SUM })).toEqual([[0, 50, 2]]);
    expect(await points({ startTime: at(45 * MIN), endTime: at(6 * HOUR - 1), aggregate: A.AGGREGATE_SUM })).toEqual([[0, 40, 1], [HOUR, 100, 1]]);
    expect(await points({ startTime: at(6 * HOUR - 1), endTime: at(6 * HOUR) })).toEqual([[5 * HOUR, 1, 1]]);
  });

  it('answers an empty series for a known name with nothing in the range', async () => {
    expect(await points({ startTime: at(-DAY), endTime: at(0) })).toEqual([]);
  });

  it('refuses bad ranges, unknown and malformed names, missing bucket or aggregate, and a range of more than 10,000 buckets (INVALID_ARGUMENT)', async () => {
    await expectInvalid(query({ endTime: at(0) }), ['end_time']);
    await expectInvalid(query({ startTime: at(HOUR), endTime: at(0) }), ['end_time']);
    await expectInvalid(query({ startTime: undefined, endTime: undefined }), ['start_time', 'end_time']);
    await expectInvalid(query({ name: 'never_recorded' }), ['name']);
    await expectInvalid(query({ name: 'Response-MS' }), ['name']);
    await expectInvalid(query({ bucket: B.TIME_BUCKET_UNSPECIFIED, aggregate: 99 as metricsV1.Aggregate }), ['bucket', 'aggregate']);
    await expectInvalid(query({ labelFilters: { 'Bad Key': 'x' } }), ['label_filters[Bad Key]']);
    // 10,000 whole minutes pass (every sample is in them); one more does not, nor two years of hours (17,544).
    expect((await query({ bucket: B.TIME_BUCKET_MINUTE, endTime: at(10_000 * MIN) })).points.length).toBe(7);
    await expectInvalid(query({ bucket: B.TIME_BUCKET_MINUTE, endTime: at(10_000 * MIN + 1) }), ['end_time']);
    await expectInvalid(query({ bucket: B.TIME_BUCKET_HOUR, startTime: at(-730 * DAY), endTime: at(DAY) }), ['end_time']);
  });
});
