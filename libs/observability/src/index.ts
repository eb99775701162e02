export { createLogger, type LogLevel, type Logger } from './logger';
export { createServiceMetrics, startMetricsServer, type ServiceMetrics } from './metrics';
export { readPerScrape } from './scrape-read';
