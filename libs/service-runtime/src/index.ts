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
