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

  it('has distinct ports (gRPC, metrics, plaintext health) and a role per service', () => {
    const ports = SERVICE_NAMES.flatMap((n) => [SERVICE_DIRECTORY[n].grpcPort, SERVICE_DIRECTORY[n].metricsPort, SERVICE_DIRECTORY[n].healthPort]);
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
      const { grpcPort, metricsPort, healthPort, role } = SERVICE_DIRECTORY[name];
      expect(readme).toMatch(new RegExp(`\\| ${name} \\| ${grpcPort} \\| ${metricsPort} \\| ${healthPort} \\| \`${role}\` \\|`));
    }
  });

  it.each(SERVICE_NAMES.map((name) => [name]))('agrees with the compose file and the Dockerfile of %s, when it is built', (name) => {
    if (!built.includes(name)) return;
    const { grpcPort, metricsPort, healthPort } = SERVICE_DIRECTORY[name];
    const upper = name.toUpperCase();
    const compose = read('docker-compose.yml');
    expect(compose).toContain(`"\${${upper}_GRPC_PORT:-${grpcPort}}:${grpcPort}"`);
    expect(compose).toContain(`"\${${upper}_METRICS_PORT:-${metricsPort}}:${metricsPort}"`);
    expect(compose).toContain(`"\${${upper}_HEALTH_PORT:-${healthPort}}:${healthPort}"`);
    // compose's own health check probes the plaintext health port, with authentication on (its certificate from the secrets).
    expect(compose).toContain(`test: ["CMD", "node", "healthcheck.js", "127.0.0.1:${healthPort}"]`);
    expect(compose).toContain(`TLS_CERT_FILE: /run/secrets/${name}-cert`);
    const dockerfile = read(`services/${name}/Dockerfile`);
    expect(dockerfile).toContain(`EXPOSE ${grpcPort} ${metricsPort} ${healthPort}`);
    // HEALTHCHECK: the health port when authentication is on, the gRPC port when it is off.
    expect(dockerfile).toContain(`\${${upper}_HEALTH_PORT:-${healthPort}}`);
    expect(dockerfile).toContain(`\${${upper}_GRPC_PORT:-${grpcPort}}`);
    // The bundle has no repository to find config/ in: the policy goes into the image and AUTH_POLICY_FILE names it.
    expect(dockerfile).toContain('COPY config/access-policy.yaml ./config/access-policy.yaml');
    expect(dockerfile).toContain('AUTH_POLICY_FILE=/app/config/access-policy.yaml');
  });

  it("names each peer's address variable after the peer", () => {
    expect(peerAddressVariable('compliance')).toEqual({ name: 'COMPLIANCE_ADDRESS', defaultAddress: '127.0.0.1:50053' });
  });
});
