/**
 * The development identity of the whole system, shared by `npm start` and `npm run identity:dev`:
 * a CA, a certificate per service of the directory, a token signing key and its JWKS, in one
 * folder (default .data/identity, beside the embedded database's data), and tokens written to
 * files there. Never used by a service itself: a service only reads the files it is given.
 */
import { writeFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { writeIdentity, type IdentityFiles } from '@cec/dev-identity';
import { workspaceRoot } from '@cec/db';
import { SERVICE_NAMES } from '../src/index';

/** Where `npm start` keeps the identity, and where `npm run identity:dev` writes it unless told otherwise. */
export function defaultIdentityDir(): string {
  return join(workspaceRoot(), '.data', 'identity');
}

/**
 * The demo operator of `npm start`: runs collections and owns the compliance rules, so every
 * call a person makes in the README works, but is not `admin` (which would skip the access
 * policy) and not `agent` (agents get their own token, with their id as subject).
 */
export const DEMO_OPERATOR = { subject: 'demo-operator', roles: ['collections-operator', 'compliance-officer'], hours: 12 } as const;

export interface SystemIdentityOptions {
  /** Keep a CA and certificates still valid for a day or more (default true); false: all new. */
  reuse?: boolean;
  /** More DNS names for every service certificate (e.g. the host name a cluster reaches them by). */
  dnsNames?: string[];
}

/** Writes (or keeps) the CA, a certificate for every service of the directory, the signing key and the JWKS. */
export function writeSystemIdentity(dir: string, options: SystemIdentityOptions = {}): Promise<IdentityFiles> {
  return writeIdentity(dir, SERVICE_NAMES, { reuse: options.reuse ?? true, dnsNames: options.dnsNames });
}

export interface TokenRequest {
  subject: string;
  roles: readonly string[];
  hours: number;
}

/** Mints a token and writes it to `file` (readable by its owner only); returns when it expires. */
export async function writeTokenFile(files: IdentityFiles, request: TokenRequest, file: string): Promise<{ token: string; expires: Date }> {
  const seconds = Math.round(request.hours * 3600);
  const token = await files.token({ subject: request.subject, roles: [...request.roles], expiresInSeconds: seconds });
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, expires: new Date(Date.now() + seconds * 1000) };
}

/** A path as a person types it from the repository root: relative when inside it. */
export function shownPath(path: string, root = workspaceRoot()): string {
  const rel = relative(root, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

export interface CallLineInput {
  /** The CA file and the token file, as the reader should type them. */
  caFile: string;
  tokenFile: string;
  /** host:port of the TLS gRPC port. */
  address: string;
  /** "escalation.customers.v1.CustomerService/ListCustomers" */
  method?: string;
  /** JSON request */
  data?: string;
}

/** The ready-to-paste lines that call a service with TLS and a bearer token: buf curl and grpcurl, both through reflection. */
export function callLines(input: CallLineInput): { bufList: string; bufCall?: string; grpcurlList: string; grpcurlCall?: string } {
  const header = `-H "Authorization: Bearer $(cat ${input.tokenFile})"`;
  const data = input.data ? ` -d '${input.data}'` : '';
  return {
    bufList: `npx buf curl --protocol grpc --cacert ${input.caFile} --list-services https://${input.address}`,
    bufCall: input.method && `npx buf curl --protocol grpc --cacert ${input.caFile} ${header}${data} https://${input.address}/${input.method}`,
    grpcurlList: `grpcurl -cacert ${input.caFile} ${input.address} list`,
    grpcurlCall: input.method && `grpcurl -cacert ${input.caFile} ${header}${data} ${input.address} ${input.method}`,
  };
}
