import type { Server } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { fileDescriptorProtos } from '@cec/proto';

/**
 * Server reflection (grpc.reflection.v1 and v1alpha) for grpcurl and `buf curl`.
 *
 * @grpc/reflection normally reads a proto-loader package definition, whose descriptors
 * have lost their import lists, so clients cannot resolve google.protobuf.Timestamp and
 * fail with "failed to find service". We hand it the FileDescriptorProtos exactly as
 * `buf build` wrote them instead, imports and comments intact. Only `services` are listed.
 */
export function addReflection(server: Server, services: string[]): void {
  const packageDefinition = { 'buf.descriptor_set': { fileDescriptorProtos: fileDescriptorProtos().map((f) => Buffer.from(f)) } };
  new ReflectionService(packageDefinition as never, { services }).addToServer(server);
}
