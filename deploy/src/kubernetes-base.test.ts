import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { LIVENESS_SERVICE } from '@cec/grpc';
import { workspaceRoot } from '@cec/db';
import { SERVICE_DIRECTORY, SERVICE_NAMES, type ServiceName } from '@cec/service-runtime';
import { finalStage, lastInstruction, readDockerfile } from './dockerfile';
import { type KubernetesObject, validateAgainstSchema } from './kubernetes-schemas';
import { loadKustomizeBase } from './kustomize-base';
import { onPath } from './on-path';

/* eslint-disable @typescript-eslint/no-explicit-any -- the objects are checked field by field against the schemas and the promises below */
type Anything = any;

const root = workspaceRoot();
const baseDir = join(root, 'deploy', 'kubernetes');
const { kustomization, resources } = loadKustomizeBase(baseDir);
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as Anything;

const find = (kind: string, name: string): Anything => resources.find((r) => r.kind === kind && r.metadata.name === name);
const deployment = (name: string): Anything => find('Deployment', name);
const podSpec = (workload: Anything): Anything => workload.spec.template.spec;
const serviceContainer = (name: ServiceName): Anything => podSpec(deployment(name)).containers.find((c: Anything) => c.name === name);
/** The keys a Secret or ConfigMap holds (data, stringData). */
const keysOf = (object: Anything): string[] => Object.keys({ ...object?.data, ...object?.stringData });
const matches = (selector: Record<string, string>, labels: Record<string, string>): boolean =>
  Object.entries(selector).every(([key, value]) => labels?.[key] === value);
/** Every container of every workload (Deployments and the Job, init containers too). */
const workloads = resources.filter((r) => r.kind === 'Deployment' || r.kind === 'Job') as Anything[];
const allContainers = workloads.flatMap((w) =>
  [...(podSpec(w).initContainers ?? []), ...podSpec(w).containers].map((container: Anything) => ({ workload: w, container })),
);
/** The image compose builds from a Dockerfile: the Deployments and the Job run the same ones. */
const composeImageOf = (dockerfile: string): string =>
  Object.values(compose.services as Record<string, Anything>).find((s) => s.build?.dockerfile === dockerfile)?.image;

describe('the Kubernetes base (deploy/kubernetes)', () => {
  it('lists resources, and every one of them is valid against the Kubernetes schema of its kind', () => {
    expect(resources.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const resource of resources) {
      try {
        validateAgainstSchema(resource);
      } catch (error) {
        problems.push(`${resource.kind} ${resource.metadata.name}: ${(error as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  });

  describe('the validator', () => {
    const good = (): Anything => structuredClone(deployment('customers'));

    it('accepts the customers Deployment as written (the control for the refusals below)', () => {
      expect(() => validateAgainstSchema(good())).not.toThrow();
    });

    it('refuses a Deployment whose replicas is not a number', () => {
      const broken = good();
      broken.spec.replicas = 'three';
      expect(() => validateAgainstSchema(broken)).toThrow(/replicas/);
    });

    it('refuses a Deployment without a selector, and a container without a name', () => {
      const noSelector = good();
      delete noSelector.spec.selector;
      expect(() => validateAgainstSchema(noSelector)).toThrow(/selector/);
      const noName = good();
      delete podSpec(noName).containers[0].name;
      expect(() => validateAgainstSchema(noName)).toThrow(/name/);
    });

    it('refuses a gRPC probe on a named port (the kubelet takes a number only)', () => {
      const broken = good();
      podSpec(broken).containers[0].readinessProbe.grpc.port = 'health';
      expect(() => validateAgainstSchema(broken)).toThrow(/port/);
    });

    it('refuses a kind it has no schema for', () => {
      const unknown: KubernetesObject = { apiVersion: 'apps/v1', kind: 'Deploymnet', metadata: { name: 'x' } };
      expect(() => validateAgainstSchema(unknown)).toThrow(/no schema for this kind/);
    });
  });

  it('puts everything in one namespace, which it creates', () => {
    expect(kustomization.namespace).toBe('client-escalation-calls');
    expect(find('Namespace', 'client-escalation-calls')).toBeDefined();
    expect(resources.filter((r) => r.kind !== 'Namespace' && r.metadata.namespace !== undefined)).toEqual([]);
  });

  it('names each object once per kind', () => {
    const ids = resources.map((r) => `${r.kind}/${r.metadata.name}`);
    expect(new Set(ids).size).toBe(ids.length);
  });

  describe.each(SERVICE_NAMES.map((name) => [name]))('the %s service', (name) => {
    const { grpcPort, metricsPort, healthPort } = SERVICE_DIRECTORY[name];

    it('has a Deployment whose pods serve the ports of the service directory', () => {
      const workload = deployment(name);
      expect(workload).toBeDefined();
      expect(matches(workload.spec.selector.matchLabels, workload.spec.template.metadata.labels)).toBe(true);
      const ports = Object.fromEntries(serviceContainer(name).ports.map((p: Anything) => [p.name, p.containerPort]));
      expect(ports).toEqual({ grpc: grpcPort, metrics: metricsPort, health: healthPort });
    });

    it('has a headless Service selecting those pods, on the gRPC and metrics ports', () => {
      const service = find('Service', name);
      expect(service).toBeDefined();
      // headless: the name resolves to every ready pod, for the peers' round-robin channels
      expect(service.spec.clusterIP).toBe('None');
      expect(matches(service.spec.selector, deployment(name).spec.template.metadata.labels)).toBe(true);
      const ports = service.spec.ports.map((p: Anything) => [p.name, p.port, p.targetPort]);
      expect(ports).toEqual([
        ['grpc', grpcPort, 'grpc'],
        ['metrics', metricsPort, 'metrics'],
      ]);
    });

    it('is probed with native gRPC health checks on its plaintext health port (startup, readiness, liveness)', () => {
      const container = serviceContainer(name);
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
        expect({ probe, handler: container[probe] && Object.keys(container[probe]).filter((k) => ['grpc', 'httpGet', 'tcpSocket', 'exec'].includes(k)) }).toEqual({ probe, handler: ['grpc'] });
        expect({ probe, port: container[probe].grpc.port }).toEqual({ probe, port: healthPort });
      }
      // Liveness asks the 'liveness' health service (SERVING while the process runs, whatever its
      // database does: @cec/grpc LIVENESS_SERVICE); startup and readiness ask '' (ready to serve).
      expect(container.livenessProbe.grpc.service).toBe(LIVENESS_SERVICE);
      expect(container.readinessProbe.grpc.service ?? '').toBe('');
      expect(container.startupProbe.grpc.service ?? '').toBe('');
    });

    it('runs with authentication on: its certificate, key, the CA and the JWKS are files of its identity Secret', () => {
      const container = serviceContainer(name);
      const env = Object.fromEntries(container.env.filter((e: Anything) => 'value' in e).map((e: Anything) => [e.name, e.value]));
      const config = find('ConfigMap', 'config').data;
      const files = { TLS_CERT_FILE: env.TLS_CERT_FILE, TLS_KEY_FILE: env.TLS_KEY_FILE, TLS_CA_FILE: config.TLS_CA_FILE, AUTH_JWKS_FILE: config.AUTH_JWKS_FILE };
      const mount = container.volumeMounts.find((m: Anything) => m.name === 'identity');
      const volume = podSpec(deployment(name)).volumes.find((v: Anything) => v.name === 'identity');
      expect(volume.secret.secretName).toBe(`${name}-identity`);
      expect(mount.subPath).toBeUndefined(); // a renewed certificate must appear in place (docs/security.md, rotation)
      const secretKeys = keysOf(find('Secret', volume.secret.secretName));
      for (const [variable, file] of Object.entries(files)) {
        expect({ variable, file: String(file).startsWith(`${mount.mountPath}/`) }).toEqual({ variable, file: true });
        expect(secretKeys).toContain(String(file).slice(mount.mountPath.length + 1));
      }
      expect(env.TLS_CERT_FILE).toBe(`${mount.mountPath}/${name}.pem`);
      expect(config.AUTH_ISSUER).toBeTruthy();
    });

    it('gets every variable compose gives it', () => {
      const container = serviceContainer(name);
      const fromConfig = container.envFrom.flatMap((source: Anything) => keysOf(find('ConfigMap', source.configMapRef.name)));
      const given = new Set([...fromConfig, ...container.env.map((e: Anything) => e.name)]);
      const inCompose = Object.keys(compose.services[name].environment);
      expect(inCompose.filter((variable) => !given.has(variable))).toEqual([]);
    });

    it("runs the image compose builds from its Dockerfile, with the image's own command", () => {
      const container = serviceContainer(name);
      expect(container.image).toBe(composeImageOf(`services/${name}/Dockerfile`));
      expect(container.image).toBeTruthy();
      expect(container.command).toBeUndefined();
      expect(container.args).toBeUndefined();
      const cmd = lastInstruction(finalStage(readDockerfile(join(root, 'services', name, 'Dockerfile'))), 'CMD');
      expect(JSON.parse(cmd.args)).toEqual(['node', '--enable-source-maps', 'main.js']);
    });

    it("runs as the image's own non-root user", () => {
      const user = lastInstruction(finalStage(readDockerfile(join(root, 'services', name, 'Dockerfile'))), 'USER');
      const [uid] = user.args.split(':');
      expect(Number(uid)).toBeGreaterThan(0);
      expect(podSpec(deployment(name)).securityContext.runAsUser).toBe(Number(uid));
    });
  });

  it('runs campaigns at 3 replicas, and a PodDisruptionBudget keeps at least 2 of them up', () => {
    const campaigns = deployment('campaigns');
    expect(campaigns.spec.replicas).toBe(3);
    const budgets = resources.filter((r: Anything) => r.kind === 'PodDisruptionBudget' && matches(r.spec.selector.matchLabels, campaigns.spec.template.metadata.labels)) as Anything[];
    expect(budgets).toHaveLength(1);
    const [budget] = budgets;
    // minAvailable 2 (or maxUnavailable 1): a drain can take one replica at a time, never all.
    const keeps = budget.spec.minAvailable ?? campaigns.spec.replicas - budget.spec.maxUnavailable;
    expect(keeps).toBe(2);
    // The budget selects campaigns' pods alone.
    for (const other of SERVICE_NAMES.filter((n) => n !== 'campaigns')) {
      expect(matches(budget.spec.selector.matchLabels, deployment(other).spec.template.metadata.labels)).toBe(false);
    }
  });

  it('reaches peers at their Services and gRPC ports', () => {
    const config = find('ConfigMap', 'config').data;
    for (const name of SERVICE_NAMES) {
      expect(config[`${name.toUpperCase()}_ADDRESS`]).toBe(`${name}:${SERVICE_DIRECTORY[name].grpcPort}`);
      expect(find('Service', name)).toBeDefined();
    }
  });

  it('has every Secret and ConfigMap key that a container or volume refers to', () => {
    const missing: string[] = [];
    for (const { workload, container } of allContainers) {
      const where = `${workload.kind} ${workload.metadata.name}, container ${container.name}`;
      for (const variable of container.env ?? []) {
        const ref = variable.valueFrom?.secretKeyRef ?? variable.valueFrom?.configMapKeyRef;
        if (!ref) continue;
        const kind = variable.valueFrom.secretKeyRef ? 'Secret' : 'ConfigMap';
        if (!keysOf(find(kind, ref.name)).includes(ref.key)) missing.push(`${where}: ${variable.name} from ${kind} ${ref.name} key ${ref.key}`);
      }
      for (const source of container.envFrom ?? []) {
        const [kind, ref] = source.secretRef ? ['Secret', source.secretRef] : ['ConfigMap', source.configMapRef];
        if (!find(kind, ref.name)) missing.push(`${where}: envFrom ${kind} ${ref.name}`);
      }
    }
    for (const workload of workloads) {
      for (const volume of podSpec(workload).volumes ?? []) {
        if (volume.secret && !find('Secret', volume.secret.secretName)) missing.push(`${workload.metadata.name}: volume Secret ${volume.secret.secretName}`);
        if (volume.configMap && !find('ConfigMap', volume.configMap.name)) missing.push(`${workload.metadata.name}: volume ConfigMap ${volume.configMap.name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('holds placeholders only in its Secrets', () => {
    for (const secret of resources.filter((r) => r.kind === 'Secret') as Anything[]) {
      expect(secret.data).toBeUndefined();
      for (const [key, value] of Object.entries(secret.stringData as Record<string, string>)) {
        expect({ key, placeholder: /REPLACE-ME|example\.internal/.test(value) }).toEqual({ key, placeholder: true });
        expect(value).not.toMatch(/-----BEGIN/);
      }
    }
  });

  it('limits every container: requests and limits, non-root, no privilege escalation, no capabilities, a read-only root', () => {
    for (const workload of workloads) {
      const pod = podSpec(workload);
      expect({ workload: workload.metadata.name, runAsNonRoot: pod.securityContext?.runAsNonRoot, token: pod.automountServiceAccountToken }).toEqual({
        workload: workload.metadata.name,
        runAsNonRoot: true,
        token: false,
      });
    }
    for (const { container } of allContainers) {
      const { resources: r, securityContext: s } = container;
      expect({
        container: container.name,
        resources: [r?.requests?.cpu, r?.requests?.memory, r?.limits?.cpu, r?.limits?.memory].every(Boolean),
        allowPrivilegeEscalation: s?.allowPrivilegeEscalation,
        readOnlyRootFilesystem: s?.readOnlyRootFilesystem,
        drop: s?.capabilities?.drop,
      }).toEqual({ container: container.name, resources: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, drop: ['ALL'] });
    }
  });

  it("runs the migrations as a Job with compose's migrate image and command, as the migration role", () => {
    const job = find('Job', 'migrate');
    expect(job).toBeDefined();
    expect(podSpec(job).restartPolicy).toBe('Never');
    // deleted a day after it ends, so the next version's apply can create it again
    expect(job.spec.ttlSecondsAfterFinished).toBe(86_400);
    const [migrate] = podSpec(job).initContainers;
    expect(migrate.image).toBe(composeImageOf('database/Dockerfile'));
    expect(migrate.image).toBe(compose.services.migrate.image);
    expect(migrate.command).toBeUndefined(); // the image's CMD: node cli.js migrate
    const cmd = lastInstruction(finalStage(readDockerfile(join(root, 'database', 'Dockerfile'))), 'CMD');
    expect(JSON.parse(cmd.args)).toEqual(['node', '--enable-source-maps', 'cli.js', 'migrate']);
    expect(migrate.env).toEqual([{ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'database', key: 'MIGRATION_DATABASE_URL' } } }]);
    // then every service role gets its password, from the keys the services read theirs from
    const [passwords] = podSpec(job).containers;
    const given = passwords.env.map((e: Anything) => e.valueFrom.secretKeyRef.key);
    for (const name of SERVICE_NAMES) {
      expect(given).toContain(`${name.toUpperCase()}_DB_PASSWORD`);
      expect(serviceContainer(name).env).toContainEqual({ name: `${name.toUpperCase()}_DB_PASSWORD`, valueFrom: { secretKeyRef: { name: 'database', key: `${name.toUpperCase()}_DB_PASSWORD` } } });
    }
  });

  const kubectl = onPath('kubectl');
  (kubectl ? it : it.skip)('builds with kustomize (kubectl kustomize, when kubectl is installed) into the same objects, all in the namespace', () => {
    const built = parseAllDocuments(execFileSync('kubectl', ['kustomize', baseDir], { encoding: 'utf8', timeout: 60_000 }))
      .map((d) => d.toJS() as KubernetesObject)
      .filter(Boolean);
    const ids = (list: KubernetesObject[]) => list.map((r) => `${r.kind}/${r.metadata.name}`).sort();
    expect(ids(built)).toEqual(ids(resources));
    expect(built.filter((r) => r.kind !== 'Namespace' && r.metadata.namespace !== kustomization.namespace)).toEqual([]);
    for (const resource of built) validateAgainstSchema(resource);
  });
});
