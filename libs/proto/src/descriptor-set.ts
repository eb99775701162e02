import { BinaryReader } from '@bufbuild/protobuf/wire';
import { DESCRIPTOR_SET_BASE64 } from './gen/descriptor-set';

/**
 * The serialized FileDescriptorProtos of every contract (and its imports: well-known types,
 * grpc.health.v1), exactly as `buf build` wrote them, imports and comments included.
 */
export function fileDescriptorProtos(): Uint8Array[] {
  const reader = new BinaryReader(Buffer.from(DESCRIPTOR_SET_BASE64, 'base64'));
  const files: Uint8Array[] = [];
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1) files.push(reader.bytes()); // FileDescriptorSet.file
    else reader.skip(wireType);
  }
  return files;
}
