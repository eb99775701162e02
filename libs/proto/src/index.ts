export * as campaignsV1 from './campaigns-v1';
export * as commonV1 from './common-v1';
export * as complianceV1 from './compliance-v1';
export * as customersV1 from './customers-v1';
export * as googleRpc from './google-rpc';
export * as healthV1 from './health-v1';
export * as metricsV1 from './metrics-v1';
export { fileDescriptorProtos } from './descriptor-set';
