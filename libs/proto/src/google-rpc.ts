// google.rpc: the standard error model (AIP-193), sent as grpc-status-details-bin. From the
// google-proto-files devDependency (google/rpc/status.proto, google/rpc/error_details.proto).
export * from './gen/google/rpc/status';
export * from './gen/google/rpc/error_details';
// google.protobuf.Any, which google.rpc.Status.details holds.
export { Any } from './gen/google/protobuf/any';
