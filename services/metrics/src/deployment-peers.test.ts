/*
 * The metrics service calls the peers of its spec's clients (customers: whether a customer
 * exists); every way of running it must tell it where they are, or it looks on its own machine.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { workspaceRoot } from '@cec/db';
import { peerAddressVariable, SERVICE_DIRECTORY, type ServiceName } from '@cec/service-runtime';
import { metricsServiceSpec } from './metrics-service';

const root = workspaceRoot();
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const peers = [...new Set(Object.values(metricsServiceSpec.clients ?? {}).map((c) => c.peer))] as ServiceName[];

describe("the metrics service's peers", () => {
  it('are customers', () => {
    expect(peers).toEqual(['customers']);
  });

  it.each(peers.map((peer) => [peer]))('docker-compose.yml gives metrics the address of %s and starts it first', (peer) => {
    const metrics = parse(read('docker-compose.yml'), { merge: true }).services.metrics;
    expect(metrics.environment[peerAddressVariable(peer).name]).toBe(`${peer}:${SERVICE_DIRECTORY[peer].grpcPort}`);
    expect(metrics.depends_on[peer]).toBeDefined();
  });

  it.each(peers.map((peer) => [peer]))("the Kubernetes base gives metrics the address of %s (the ConfigMap it reads)", (peer) => {
    const deployment = parseAllDocuments(read('deploy/kubernetes/metrics.yaml'))
      .map((d) => d.toJS())
      .find((r) => r.kind === 'Deployment');
    const [container] = deployment.spec.template.spec.containers;
    expect(container.envFrom).toContainEqual({ configMapRef: { name: 'config' } });
    expect(container.env.map((e: { name: string }) => e.name)).not.toContain(peerAddressVariable(peer).name);
    expect(parse(read('deploy/kubernetes/config.yaml')).data[peerAddressVariable(peer).name]).toBe(`${peer}:${SERVICE_DIRECTORY[peer].grpcPort}`);
  });
});
