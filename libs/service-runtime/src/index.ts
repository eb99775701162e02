export {
  DEFAULT_SETTLE_MS,
  feedClientKey,
  MAX_BATCH,
  METRICS_FEED_CLIENT,
  METRICS_FEED_ENV,
  metricsFeedOf,
  sqlCollector,
  startMetricsFeed,
  type FeedRun,
  type FeedSample,
  type MetricsCollector,
  type MetricsFeed,
  type MetricsFeedDeps,
  type MetricsFeedOptions,
  type MinuteRange,
} from './metrics-feed';
export { repeatEvery } from './repeat-every';
export { readServiceConfig, serviceEnvSpecs, type ConfigShape, type ServiceConfig } from './service-config';
export { serviceDatabaseUrl } from './service-database';
export { envPrefix, peerAddressVariable, SERVICE_DIRECTORY, SERVICE_NAMES, type ServiceName } from './service-directory';
export { type PeerClients, type PeerConnections } from './peers';
export {
  defineService,
  runService,
  startService,
  type BackgroundWork,
  type RunningService,
  type ServiceDeps,
  type ServiceSpec,
} from './start-service';
