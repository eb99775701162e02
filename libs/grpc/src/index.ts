export { createClient, retryServiceConfig, type ClientConstructor, type ClientFactoryOptions } from './client';
export { ACTOR, CALLER, REQUEST_ID } from './metadata-keys';
export { currentRpcContext, runInRpcContext, type Actor, type RpcContext } from './request-context';
export { register, serviceNameOf, startGrpcServer, type GrpcServerOptions, type RunningGrpcServer, type ServiceRegistration } from './server';
export { exitOnSignal } from './shutdown-signals';
export { INVALID_FIELDS, toServiceError, type ErrorTranslator } from './status-mapping';
export { type AsyncService, type AsyncUnary } from './unary';
export { resolveUpdateMask } from './field-mask';
export { decodePageToken, encodePageToken, filterFingerprint, pageSize, paginate, type KeyPart } from './pagination';
