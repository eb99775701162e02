import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from '@cec/db';
import { peerAddressVariable, SERVICE_DIRECTORY, SERVICE_NAMES } from './service-directory';

/**
 * The service directory is the one table of ports and roles; the files that cannot import it
 * (compose, Dockerfiles, the README, migration 006) must say the same, and this test keeps them
 * honest.
 */
describe('the service directory', () => {
  const root = workspaceRoot();
  const read = (path: string) => readFileSync(join(root, path), 'utf8');
  const built = SERVICE_NAMES.filter((name) => existsSync(join(root, 'services', name, 'src', 'main.ts')));

  it('has a distinct port pair and role per service', () => {
    const ports = SERVICE_NAMES.flatMap((n) => [SERVICE_DIRECTORY[n].grpcPort, SERVICE_DIRECTORY[n].metricsPort]);
    expect(new Set(ports).size).toBe(ports.length);
    expect(SERVICE_NAMES.map((n) => SERVICE_DIRECTORY[n].role)).toEqual(['customers_svc', 'campaigns_svc', 'compliance_svc', 'metrics_svc']);
  });

  it('agrees with the roles that migration 006 creates', () => {
    const migration = read('database/migrations/006_create_service_roles.sql');
    for (const name of SERVICE_NAMES) expect(migration).toContain(SERVICE_DIRECTORY[name].role);
  });

  it('agrees with the README table of ports and roles', () => {
    const readme = read('README.md');
    for (const name of SERVICE_NAMES) {
      const { grpcPort, metricsPort, role } = SERVICE_DIRECTORY[name];
      expect(readme).toMatch(new RegExp(`\\| ${name} \\| ${grpcPort} \\| ${metricsPort} \\| \`${role}\` \\|`));
    }
  });

  it.each(SERVICE_NAMES.map((name) => [name]))('agrees with the compose file and the Dockerfile of %s, when it is built', (name) => {
    if (!built.includes(name)) return;
    const { grpcPort, metricsPort } = SERVICE_DIRECTORY[name];
    const upper = name.toUpperCase();
    const compose = read('docker-compose.yml');
    expect(compose).toContain(`"\${${upper}_GRPC_PORT:-${grpcPort}}:${grpcPort}"`);
    expect(compose).toContain(`"\${${upper}_METRICS_PORT:-${metricsPort}}:${metricsPort}"`);
    const dockerfile = read(`services/${name}/Dockerfile`);
    expect(dockerfile).toContain(`EXPOSE ${grpcPort} ${metricsPort}`);
    expect(dockerfile).toContain(`\${${upper}_GRPC_PORT:-${grpcPort}}`);
  });

  it("names each peer's address variable after the peer", () => {
    expect(peerAddressVariable('compliance')).toEqual({ name: 'COMPLIANCE_ADDRESS', defaultAddress: '127.0.0.1:50053' });
  });
});
