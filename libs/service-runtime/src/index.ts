export { readServiceConfig, serviceEnvSpecs, type ServiceConfig, type ServiceIdentity } from './service-config';
export { serviceDatabaseUrl } from './service-database';
export { runService, startService, type BackgroundWork, type RunningService, type ServiceDeps, type ServiceSpec } from './start-service';
