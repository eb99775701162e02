import type { AsyncService } from '@cec/grpc';
import type { metricsV1 } from '@cec/proto';

const notYet = () => Promise.reject(new Error('not implemented yet'));

/** escalation.metrics.v1.MetricsService over system_metrics and metrics_retention. */
export function metricsService(): AsyncService<metricsV1.MetricsServiceServer> {
  return {
    recordMetrics: notYet,
    queryMetrics: notYet,
    listMetricNames: notYet,
    getRetention: notYet,
    updateRetention: notYet,
  };
}
