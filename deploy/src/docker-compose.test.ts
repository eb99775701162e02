import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { workspaceRoot } from '@cec/db';
import { SERVICE_DIRECTORY, SERVICE_NAMES } from '@cec/service-runtime';
import { onPath } from './on-path';

/* eslint-disable @typescript-eslint/no-explicit-any -- the compose file is checked field by field below */
type Anything = any;

const root = workspaceRoot();
const composeText = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
// merge: the services share x-service-env through `<<: *service-env`
const compose = parse(composeText, { merge: true }) as Anything;
const postgres = compose.services.postgres;

/** `docker-compose` (Debian's package, what CI installs) or else the `docker compose` plugin, when either is there. */
function composeCommand(): string[] | undefined {
  if (onPath('docker-compose')) return ['docker-compose'];
  if (onPath('docker') && spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0) return ['docker', 'compose'];
  return undefined;
}

describe('docker-compose.yml', () => {
  const command = composeCommand();
  const config = (file: string) => {
    const [program, ...args] = command ?? [];
    return spawnSync(program, [...args, '-f', file, 'config', '-q'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  };

  (command ? it : it.skip)('is valid for docker-compose config (when docker-compose is installed)', () => {
    const result = config(join(root, 'docker-compose.yml'));
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  });

  (command ? it : it.skip)('would be refused by docker-compose config if a service depended on one that is not there', () => {
    const dir = mkdtempSync(join(tmpdir(), 'compose-'));
    try {
      const broken = composeText.replace(/(\n {6})migrate:(\n {8}condition: service_completed_successfully)/, '$1migrations:$2');
      expect(broken).not.toBe(composeText);
      writeFileSync(join(dir, 'docker-compose.yml'), broken);
      const result = config(join(dir, 'docker-compose.yml'));
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(/migrations/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the database the seed names: container postgres-escalation, database client_escalation_calls, with a health check', () => {
    expect(postgres.image).toBe('postgres:15');
    expect(postgres.container_name).toBe('postgres-escalation');
    expect(postgres.environment.POSTGRES_DB).toBe('client_escalation_calls');
    expect(postgres.environment.POSTGRES_USER).toBe('postgres');
    expect(postgres.healthcheck.test.join(' ')).toContain('pg_isready');
    expect(postgres.volumes).toContain('./database:/database:ro');
    // the role passwords the services log in with are given to the roles at the first start
    for (const name of SERVICE_NAMES) expect(Object.keys(postgres.environment)).toContain(`${name.toUpperCase()}_DB_PASSWORD`);
  });

  it('runs the migration job from its image once the database is healthy', () => {
    const migrate = compose.services.migrate;
    expect(migrate.build.dockerfile).toBe('database/Dockerfile');
    expect(migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(migrate.restart).toBe('no');
    expect(migrate.environment.DATABASE_URL).toMatch(/@postgres:5432\/client_escalation_calls$/);
  });

  it.each(SERVICE_NAMES.map((name) => [name]))(
    'starts %s from its Dockerfile once the database is healthy and migrated, with its health check and ports',
    (name) => {
      const service = compose.services[name];
      const { grpcPort, metricsPort, healthPort } = SERVICE_DIRECTORY[name];
      const upper = name.toUpperCase();
      expect(service.build).toEqual({ context: '.', dockerfile: `services/${name}/Dockerfile` });
      expect(service.depends_on.postgres).toEqual({ condition: 'service_healthy' });
      expect(service.depends_on.migrate).toEqual({ condition: 'service_completed_successfully' });
      expect(service.healthcheck.test).toEqual(['CMD', 'node', 'healthcheck.js', `127.0.0.1:${healthPort}`]);
      expect(service.ports).toEqual([
        `\${${upper}_GRPC_PORT:-${grpcPort}}:${grpcPort}`,
        `\${${upper}_METRICS_PORT:-${metricsPort}}:${metricsPort}`,
        `\${${upper}_HEALTH_PORT:-${healthPort}}:${healthPort}`,
      ]);
      // on the compose network, at the database the seed names, as its own role
      expect(service.environment.DATABASE_URL).toBe('postgres://postgres@postgres:5432/client_escalation_calls');
      expect(service.environment[`${upper}_DB_PASSWORD`]).toBeTruthy();
      // authentication on
      expect(service.environment.TLS_CERT_FILE).toBe(`/run/secrets/${name}-cert`);
      expect(service.environment.TLS_KEY_FILE).toBe(`/run/secrets/${name}-key`);
      expect(service.environment.TLS_CA_FILE).toBe('/run/secrets/identity-ca');
      // each peer it is pointed at is a compose service, on its gRPC port
      for (const peer of SERVICE_NAMES) {
        const address = service.environment[`${peer.toUpperCase()}_ADDRESS`];
        if (address !== undefined) expect(address).toBe(`${peer}:${SERVICE_DIRECTORY[peer].grpcPort}`);
      }
    },
  );

  describe('the `docker exec postgres-escalation …` commands of the READMEs and the compose file', () => {
    const sources = ['database/README.md', 'README.md', 'docker-compose.yml'];
    const commands = sources.flatMap((source) =>
      [...readFileSync(join(root, source), 'utf8').matchAll(/docker exec (?:-\w+ )*(\S+) (psql|createdb|dropdb|pg_dump)\b([^\n`]*)/g)].map((m) => ({
        source,
        container: m[1],
        program: m[2],
        args: m[3].trim().split(/\s+/),
      })),
    );
    /** The databases the README makes itself (createdb) besides the compose one. */
    const created = new Set(commands.filter((c) => c.program === 'createdb').map((c) => c.args[c.args.length - 1]));

    it('are there (the seed commands of database/README.md)', () => {
      expect(commands.filter((c) => c.source === 'database/README.md').length).toBeGreaterThanOrEqual(5);
      expect(commands).toContainEqual({
        source: 'database/README.md',
        container: 'postgres-escalation',
        program: 'psql',
        args: ['-U', 'postgres', '-d', 'client_escalation_calls', '-f', '/database/migrations/run_all_migrations.sql'],
      });
    });

    it.each(commands.map((c) => [`${c.source}: ${c.program} ${c.args.join(' ')}`, c]))('%s names the compose container, user and database', (_, c) => {
      expect(c.container).toBe(postgres.container_name);
      const option = (flag: string) => (c.args.includes(flag) ? c.args[c.args.indexOf(flag) + 1] : undefined);
      expect(option('-U')).toBe(postgres.environment.POSTGRES_USER);
      // the database: -d, or the last word for createdb, dropdb and pg_dump; none for psql -c on the server
      const database = option('-d') ?? (c.program === 'psql' ? undefined : c.args.filter((a) => !a.startsWith('-') && a !== '>' && !a.includes('.')).pop());
      if (database !== undefined) expect([postgres.environment.POSTGRES_DB, ...created]).toContain(database);
      if (c.program === 'createdb' && database !== postgres.environment.POSTGRES_DB) expect(database).toMatch(new RegExp(`^${postgres.environment.POSTGRES_DB}_`));
      // files given with -f are in the container's /database, which is this repository's database/
      const file = option('-f');
      if (file !== undefined) {
        expect(file).toMatch(/^\/database\//);
        expect(existsSync(join(root, file))).toBe(true);
      }
    });
  });
});
