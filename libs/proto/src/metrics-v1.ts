// escalation.metrics.v1
export * from './gen/escalation/metrics/v1/metric';
export * from './gen/escalation/metrics/v1/metrics_service';
export * from './gen/escalation/metrics/v1/report_service';
