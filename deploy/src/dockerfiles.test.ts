import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from '@cec/db';
import { SERVICE_DIRECTORY, SERVICE_NAMES } from '@cec/service-runtime';
import { finalStage, lastInstruction, readDockerfile, type DockerInstruction } from './dockerfile';

const root = workspaceRoot();

/** Multi-stage: a build stage, and a final stage that takes only what the build made for it. */
function expectMultiStageNonRoot(instructions: DockerInstruction[], builtFolder: string): void {
  const froms = instructions.filter((i) => i.keyword === 'FROM');
  expect(froms.length).toBeGreaterThanOrEqual(2);
  expect(froms[0].args).toMatch(/ AS build$/i);
  const final = finalStage(instructions);
  const copiedFromBuild = final.filter((i) => i.keyword === 'COPY' && i.args.startsWith('--from=build ')).map((i) => i.args.split(/\s+/)[1]);
  expect(copiedFromBuild.sort()).toEqual(['/repo/node_modules', builtFolder].sort());
  // a numeric user other than root (Kubernetes' runAsNonRoot can only check a number)
  const [uid] = lastInstruction(final, 'USER').args.split(':');
  expect(uid).toMatch(/^[0-9]+$/);
  expect(Number(uid)).toBeGreaterThan(0);
}

describe.each(SERVICE_NAMES.map((name) => [name]))('the Dockerfile of %s', (name) => {
  const instructions = readDockerfile(join(root, 'services', name, 'Dockerfile'));
  const final = finalStage(instructions);
  const { grpcPort, metricsPort, healthPort } = SERVICE_DIRECTORY[name];

  it('is multi-stage, and its image holds its own bundle only and runs as a non-root user', () => {
    expectMultiStageNonRoot(instructions, `/repo/dist/services/${name}`);
    const build = instructions.slice(0, instructions.indexOf(final[0]));
    const run = build.find((i) => i.keyword === 'RUN' && i.args.includes('npx nx build'))?.args;
    expect(run).toContain(`npx nx build ${name} `);
    // its own dependencies: package.json narrowed to what the bundle requires, then pruned to that
    expect(run).toContain(`&& node deploy/scripts/keep-bundle-dependencies.mjs dist/services/${name} && npm prune --omit=dev`);
    expect(run).not.toMatch(/npm ci --omit=dev/);
  });

  it('probes gRPC health with the bundled probe: the plaintext health port when authentication is on', () => {
    const healthcheck = lastInstruction(final, 'HEALTHCHECK').args;
    expect(healthcheck).toMatch(/^--interval=\S+ --timeout=\S+ --start-period=\S+ --retries=\d+ CMD /);
    expect(healthcheck).toContain(`node healthcheck.js "127.0.0.1:\${${name.toUpperCase()}_HEALTH_PORT:-${healthPort}}"`);
    // healthcheck.js is the gRPC health probe, bundled beside main.js by the service's build
    const { scripts } = JSON.parse(readFileSync(join(root, 'services', name, 'package.json'), 'utf8'));
    expect(scripts.build).toContain(`main=services/${name}/src/main.ts`);
    expect(scripts.build).toContain('healthcheck=libs/service-runtime/scripts/grpc-health-probe.ts');
  });

  it('exposes the ports of the service directory and stops on SIGTERM', () => {
    expect(lastInstruction(final, 'EXPOSE').args).toBe(`${grpcPort} ${metricsPort} ${healthPort}`);
    expect(lastInstruction(final, 'STOPSIGNAL').args).toBe('SIGTERM');
    expect(JSON.parse(lastInstruction(final, 'CMD').args)).toEqual(['node', '--enable-source-maps', 'main.js']);
  });
});

describe('the Dockerfile of the migration job', () => {
  const instructions = readDockerfile(join(root, 'database', 'Dockerfile'));

  it('is multi-stage, and its image holds the migration runner only and runs as a non-root user', () => {
    expectMultiStageNonRoot(instructions, '/repo/dist/database');
    expect(finalStage(instructions).filter((i) => i.keyword === 'FROM')).toHaveLength(1);
  });

  it('keeps only the dependencies the migration runner requires', () => {
    const run = instructions.find((i) => i.keyword === 'RUN' && i.args.includes('npx nx build'))?.args;
    expect(run).toContain('npx nx build database ');
    expect(run).toContain('&& node deploy/scripts/keep-bundle-dependencies.mjs dist/database && npm prune --omit=dev');
    expect(run).not.toMatch(/npm ci --omit=dev/);
  });

  it('runs the migrations by default, its SQL files beside it', () => {
    const final = finalStage(instructions);
    expect(JSON.parse(lastInstruction(final, 'CMD').args)).toEqual(['node', '--enable-source-maps', 'cli.js', 'migrate']);
    const copied = final.filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from=')).map((i) => i.args);
    expect(copied).toEqual(expect.arrayContaining(['database/migrations ./database/migrations', 'database/seeds ./database/seeds']));
  });
});

describe('the Dockerfile reader', () => {
  it('joins continued lines and leaves comments out', () => {
    const instructions = readDockerfile(join(root, 'services', 'customers', 'Dockerfile'));
    expect(instructions.some((i) => i.keyword.startsWith('#'))).toBe(false);
    const healthcheck = lastInstruction(instructions, 'HEALTHCHECK').args;
    expect(healthcheck).toContain('else node healthcheck.js');
    expect(healthcheck).not.toContain('\\');
  });
});
