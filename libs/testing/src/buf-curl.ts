import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { workspaceRoot } from '@cec/db';

export interface BufCurlOptions {
  /** Print fields that hold their default value too (`--emit-defaults`). */
  emitDefaults?: boolean;
  /** A schema (e.g. a .proto file) instead of server reflection (`--schema`). */
  schema?: string;
  /** Request headers (`-H 'name: value'`), e.g. { 'x-actor': 'user:ops@example.com' }. */
  headers?: Record<string, string>;
  /** Further arguments, before the URL. */
  args?: string[];
  /** Kill buf after this long (default 30 s). */
  timeoutMs?: number;
  /** Call over TLS (https): the CA that issued the server's certificate, and a client certificate if any. */
  tls?: BufTls;
}

export interface BufTls {
  caFile: string;
  certFile?: string;
  keyFile?: string;
}

/** The scheme and flags of a plaintext (HTTP/2 without TLS) or a TLS call. */
function transportArgs(tls: BufTls | undefined): { scheme: string; args: string[] } {
  if (!tls) return { scheme: 'http', args: ['--http2-prior-knowledge'] };
  const args = ['--cacert', tls.caFile];
  if (tls.certFile && tls.keyFile) args.push('--cert', tls.certFile, '--key', tls.keyFile);
  return { scheme: 'https', args };
}

export interface BufCurlResult<T = unknown> {
  /** buf's exit code: 0 when the call succeeded. */
  code: number;
  /** The response, parsed; undefined when stdout is not one JSON document (e.g. empty after an error). */
  json: T | undefined;
  stdout: string;
  stderr: string;
}

const BUF = (): string => join(workspaceRoot(), 'node_modules/.bin/buf');

function run(args: string[], stdin: string | undefined, timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(BUF(), args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin ?? '');
  });
}

function parsed<T>(text: string): T | undefined {
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/**
 * Calls `method` ("package.Service/Method") at `address` ("host:port") as an engineer would from
 * a shell: `buf curl --protocol grpc --http2-prior-knowledge`, the schema from server reflection
 * unless options.schema, the body (an object, sent as JSON, or JSON text) on stdin.
 *
 *   const { code, json, stderr } = await bufCurl(address, 'grpc.health.v1.Health/Check', {});
 */
export async function bufCurl<T = unknown>(address: string, method: string, body?: unknown, options: BufCurlOptions = {}): Promise<BufCurlResult<T>> {
  const transport = transportArgs(options.tls);
  const args = ['curl', '--protocol', 'grpc', ...transport.args];
  if (options.emitDefaults) args.push('--emit-defaults');
  if (options.schema) args.push('--schema', options.schema);
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('-H', `${name}: ${value}`);
  if (body !== undefined) args.push('-d', '@-');
  args.push(...(options.args ?? []), `${transport.scheme}://${address}/${method.replace(/^\//, '')}`);
  const stdin = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const result = await run(args, stdin, options.timeoutMs ?? 30_000);
  return { ...result, json: parsed<T>(result.stdout) };
}

/** The services `address` lists through server reflection (`buf curl --list-services`), sorted. */
export async function bufListServices(
  address: string,
  options: { timeoutMs?: number; tls?: BufTls; headers?: Record<string, string> } = {},
): Promise<BufCurlResult<never> & { services: string[] }> {
  const transport = transportArgs(options.tls);
  const headers = Object.entries(options.headers ?? {}).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
  const result = await run(['curl', '--protocol', 'grpc', ...transport.args, ...headers, '--list-services', `${transport.scheme}://${address}`], undefined, options.timeoutMs ?? 30_000);
  return { ...result, json: undefined, services: result.stdout.split('\n').map((line) => line.trim()).filter(Boolean).sort() };
}
