export { createTestDatabase, useTestDatabase, type TestDatabase } from './test-database';
export { testServer, type TestServer } from './test-server';
export { postgresTool } from './postgres-tools';
