import { fileDescriptorProtos } from './index';

describe('descriptor set', () => {
  it('holds every contract file and the imports reflection needs', () => {
    const text = fileDescriptorProtos().map((bytes) => Buffer.from(bytes).toString('latin1'));
    const names = text.map((t) => /^\n.([\x20-\x7e]+?\.proto)/s.exec(t)?.[1]);
    expect(names).toEqual(
      expect.arrayContaining([
        'escalation/customers/v1/customer_service.proto',
        'escalation/customers/v1/invoice_service.proto',
        'escalation/common/v1/money.proto',
        'google/protobuf/timestamp.proto',
        'google/protobuf/field_mask.proto',
        'grpc/health/v1/health.proto',
        'google/rpc/status.proto',
        'google/rpc/error_details.proto',
        'google/protobuf/any.proto',
      ]),
    );
    // Only the two google/rpc files the error details need, not the rest of googleapis.
    expect(names.filter((n) => n?.startsWith('google/') && !n.startsWith('google/protobuf/')).sort()).toEqual([
      'google/rpc/error_details.proto',
      'google/rpc/status.proto',
    ]);
    // customer_service.proto keeps its import list (what reflection clients resolve types through).
    const service = text.find((t) => t.includes('escalation/customers/v1/customer_service.proto'));
    expect(service).toContain('google/protobuf/field_mask.proto');
  });
});
