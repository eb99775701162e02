// grpc.health.v1 (the standard health protocol; served by grpc-health-check)
export * from './gen/grpc/health/v1/health';
