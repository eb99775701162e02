export { call } from './grpc-calls';
export { postgresTool } from './postgres-tools';
export { createTestDatabase, useTestDatabase, type TestDatabase } from './test-database';
export { testServer, type TestServer } from './test-server';
