/** What the global setup hands to the test workers, through the environment. */
export const TEST_ADMIN_URL = 'CEC_TEST_ADMIN_URL';
export const TEST_TEMPLATE = 'CEC_TEST_TEMPLATE';
export const TEST_DATA_DIR = 'CEC_TEST_DATA_DIR';

export interface TestServer {
  /** Superuser URL of the server's maintenance database. */
  adminUrl: string;
  /** The migrated database every test database is cloned from. */
  template: string;
}

export function testServer(): TestServer {
  const adminUrl = process.env[TEST_ADMIN_URL];
  const template = process.env[TEST_TEMPLATE];
  if (!adminUrl || !template) {
    throw new Error(
      'no test database server: run tests through jest with the preset in jest.preset.js (its globalSetup starts one)',
    );
  }
  return { adminUrl, template };
}
