export { bufCurl, bufListServices, type BufCurlOptions, type BufCurlResult, type BufTls } from './buf-curl';
export { capturingLogger } from './capturing-logger';
export { call } from './grpc-calls';
export { expectInvalid, fieldViolationsOf, rejectionOf, statusDetailsOf } from './grpc-errors';
export { minuteSeries } from './metric-series';
export { postgresTool } from './postgres-tools';
export { snapshot, type DatabaseSnapshot, type TableState } from './snapshot';
export { createTestDatabase, useTestDatabase, type TestDatabase } from './test-database';
export { testServer, type TestServer } from './test-server';
export {
  startTestService,
  testLogLevel,
  testServiceEnv,
  UNREACHABLE_ADDRESS,
  useService,
  type ClientClass,
  type ClientsOf,
  type StartedService,
  type StartService,
  type TestService,
  type TestServiceOptions,
} from './test-service';
export { eventually, watchProcess, withDeadline, type WatchedProcess } from './waiting';
export { startServiceProcess, useServiceProcess, type ServiceProcess } from './service-process';
export { startTcpProxy, type TcpProxy } from './tcp-proxy';
export { createTestIdentity, type TestIdentity } from './test-identity';
export { parsePrometheusText, sampleValue, scrapeMetrics, type MetricFamily, type MetricType, type Sample } from './prometheus-text';
