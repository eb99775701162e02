/**
 * The metrics service's /metrics as Prometheus scrapes it: valid text, the calls made counted
 * by method and code, the retention job's counters there.
 */
import { call, sampleValue, scrapeMetrics } from '@cec/testing';
import { useMetricsService } from './testing/metrics-harness';

const h = useMetricsService();
const LIST_NAMES = '/escalation.metrics.v1.MetricsService/ListMetricNames';

describe('the metrics service /metrics', () => {
  it('counts the ListMetricNames calls made and shows the retention job counters', async () => {
    const before = await scrapeMetrics(h.kit.metricsAddress);
    await call(h.metrics, 'listMetricNames', { pageSize: 0, pageToken: '' });
    await call(h.metrics, 'listMetricNames', { pageSize: 0, pageToken: '' });
    const after = await scrapeMetrics(h.kit.metricsAddress);

    const handled = (m: typeof after) => sampleValue(m, 'grpc_server_handled_total', { method: LIST_NAMES, code: 'OK' });
    expect(after.get('grpc_server_handled_total')?.type).toBe('counter');
    expect(handled(after) - handled(before)).toBe(2);
    expect(after.get('grpc_server_handling_seconds')?.type).toBe('histogram');
    expect(sampleValue(after, 'grpc_server_handling_seconds_count', { method: LIST_NAMES, code: 'OK' })).toBe(handled(after));
    for (const name of ['metrics_partitions_made_total', 'metrics_partitions_dropped_total', 'metrics_retention_failures_total']) {
      expect(after.get(name)?.type).toBe('counter');
    }
    // Every sample carries the service label the registry sets.
    expect(after.get('grpc_server_handled_total')?.samples.every((s) => s.labels.service === 'metrics')).toBe(true);
  });
});
