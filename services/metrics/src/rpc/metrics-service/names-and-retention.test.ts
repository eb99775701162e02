import { metricsV1 } from '@cec/proto';
import { call, expectInvalid, rejectionOf } from '@cec/testing';
import { status } from '@grpc/grpc-js';
import { useMetricsService } from '../../testing/metrics-harness';

const h = useMetricsService();
const { MetricType } = metricsV1;
const AS_CAMPAIGNS = { metadata: { 'x-actor': 'service:campaigns' } };

describe('MetricsService.ListMetricNames', () => {
  it('lists each name once, in name order, with its newest sample\'s type, unit and time, page by page', async () => {
    const now = Date.now();
    const s = (name: string, ageMs: number, type: metricsV1.MetricType, unit: string, key: string) =>
      metricsV1.MetricSample.fromPartial({ name, type, value: 1, unit, time: new Date(now - ageMs), clientKey: key });
    await call(
      h.metrics,
      'recordMetrics',
      {
        samples: [
          s('tasks_created', 5_000, MetricType.METRIC_TYPE_COUNTER, '', 'a'),
          s('tasks_created', 1_000, MetricType.METRIC_TYPE_COUNTER, 'tasks', 'b'),
          s('queue_depth', 2_000, MetricType.METRIC_TYPE_GAUGE, '', 'c'),
          s('engine_lag_seconds', 86_400_000, MetricType.METRIC_TYPE_HISTOGRAM, 'seconds', 'd'),
          s('decisions_made', 3_000, MetricType.METRIC_TYPE_COUNTER, '', 'e'),
        ],
      },
      AS_CAMPAIGNS,
    );
    const seen: metricsV1.MetricName[] = [];
    let pageToken = '';
    let pages = 0;
    do {
      const page = await call(h.metrics, 'listMetricNames', { pageSize: 2, pageToken });
      seen.push(...page.metricNames);
      pageToken = page.nextPageToken;
      pages += 1;
    } while (pageToken);
    expect(pages).toBe(2);
    expect(seen).toEqual([
      { name: 'decisions_made', type: MetricType.METRIC_TYPE_COUNTER, unit: '', lastSampleTime: new Date(now - 3_000) },
      { name: 'engine_lag_seconds', type: MetricType.METRIC_TYPE_HISTOGRAM, unit: 'seconds', lastSampleTime: new Date(now - 86_400_000) },
      { name: 'queue_depth', type: MetricType.METRIC_TYPE_GAUGE, unit: '', lastSampleTime: new Date(now - 2_000) },
      { name: 'tasks_created', type: MetricType.METRIC_TYPE_COUNTER, unit: 'tasks', lastSampleTime: new Date(now - 1_000) },
    ]);
    expect((await call(h.metrics, 'listMetricNames', { pageSize: 0, pageToken: '' })).metricNames).toHaveLength(4);
    await expectInvalid(call(h.metrics, 'listMetricNames', { pageSize: 0, pageToken: 'garbage' }), ['page_token']);
    await expectInvalid(call(h.metrics, 'listMetricNames', { pageSize: -1, pageToken: '' }), ['page_size']);
  });
});

describe('MetricsService.GetRetention / UpdateRetention', () => {
  it('is 90 days until set; a change is kept, says who and when, and is audited once', async () => {
    expect((await call(h.metrics, 'getRetention', {})).retention).toMatchObject({ days: 90, updatedBy: '' });
    const before = Date.now();
    const updated = await call(h.metrics, 'updateRetention', { days: 30 }, { metadata: { 'x-actor': 'user:dana' } });
    expect(updated.retention).toMatchObject({ days: 30, updatedBy: 'user:dana' });
    expect(updated.retention!.updateTime!.getTime()).toBeGreaterThanOrEqual(before - 1_000);
    expect((await call(h.metrics, 'getRetention', {})).retention).toEqual(updated.retention);
    // The same again changes nothing and records nothing.
    expect((await call(h.metrics, 'updateRetention', { days: 30 }, { metadata: { 'x-actor': 'user:lee' } })).retention).toEqual(updated.retention);
    expect(await h.db.query("SELECT action, actor_type, actor_id, details->'before' AS before, details->'after' AS after FROM audit_logs WHERE entity_type = 'metrics_retention'")).toEqual([
      { action: 'updated', actor_type: 'user', actor_id: 'dana', before: { days: 90 }, after: { days: 30 } },
    ]);
  });

  it('refuses days outside 1-3650 and changes nothing', async () => {
    for (const days of [0, -1, 3651]) {
      const error = await rejectionOf(call(h.metrics, 'updateRetention', { days }));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
    }
    await expectInvalid(call(h.metrics, 'updateRetention', { days: 0 }), ['days']);
    expect((await call(h.metrics, 'getRetention', {})).retention?.days).toBe(30);
  });
});
