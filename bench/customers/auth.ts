/**
 * What the GetCustomerAuth scenario needs to run the customers service with authentication on:
 * a development identity (CA, certificates, token signing key) in a temporary folder, an access
 * policy that lets a service certificate call GetCustomer, the service's variables, and the
 * three kinds of client: a person with one bearer token (the verifier's cached path), a service
 * with its client certificate (mutual TLS, no token), and a stream of tokens each seen once.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata, type ChannelCredentials } from '@grpc/grpc-js';
import { parse } from 'yaml';
import { writeIdentity } from '@cec/dev-identity';

/** The service whose certificate the mTLS client presents. */
export const CALLING_SERVICE = 'campaigns';
/** The roles of the people whose tokens the token clients send. */
const ROLES = ['collections-operator'];

/**
 * libs/auth's TokenVerifier remembers at most 10,000 verified tokens (least recently used
 * first out). Tokens sent in turn from a pool larger than that, plus the calls in flight, are
 * each gone from its memory when they come round again: every call pays a full verification.
 */
export const VERIFIER_CACHE_SIZE = 10_000;

export interface AuthSetup {
  /** TLS_*, AUTH_* and AUTH_POLICY_FILE for the service. */
  serviceEnv: Record<string, string>;
  /** TLS a client uses: the CA only (people, who bring a token), or with a service's certificate. */
  credentials(as?: string): ChannelCredentials;
  /** Metadata with the same person's token on every call, as a real client sends it. */
  sameToken(): () => Metadata;
  /** Metadata with the next token of a pool of `size` distinct tokens, in turn. */
  tokenStream(size: number): Promise<() => Metadata>;
  remove(): void;
}

export async function createAuthSetup(root: string): Promise<AuthSetup> {
  const dir = mkdtempSync(join(tmpdir(), 'cec-bench-identity-'));
  try {
    const files = await writeIdentity(dir, ['customers', CALLING_SERVICE]);

    // The repository's policy, with GetCustomer also granted to the calling service (no service
    // calls GetCustomer in the product): the check is the same Set lookup as for a role.
    const policy = parse(readFileSync(join(root, 'config', 'access-policy.yaml'), 'utf8')) as {
      methods: Record<string, Record<string, string[]>>;
    };
    const customerService = policy.methods['escalation.customers.v1.CustomerService'];
    if (!customerService?.GetCustomer) throw new Error('config/access-policy.yaml has no entry for CustomerService.GetCustomer');
    // A new array: the YAML shares GetCustomer's list with other methods through an anchor.
    customerService.GetCustomer = [...customerService.GetCustomer, `service:${CALLING_SERVICE}`];
    const policyFile = join(dir, 'access-policy.json');
    writeFileSync(policyFile, JSON.stringify(policy, null, 2));

    const ca = Buffer.from(files.ca.certPem);
    const bearer = (token: string): Metadata => {
      const metadata = new Metadata();
      metadata.set('authorization', `Bearer ${token}`);
      return metadata;
    };
    const person = await files.token({ subject: 'bench-operator', roles: ROLES });

    return {
      serviceEnv: { ...files.serviceEnv('customers'), AUTH_POLICY_FILE: policyFile },
      credentials: (as) => {
        if (!as) return credentials.createSsl(ca);
        const { cert, key } = files.certFiles(as);
        return credentials.createSsl(ca, readFileSync(key), readFileSync(cert));
      },
      sameToken: () => () => bearer(person),
      tokenStream: async (size) => {
        const tokens: string[] = [];
        // In batches: signing is asynchronous, and a few hundred at once is about 4× faster than one by one.
        for (let i = 0; i < size; i += 500) {
          const batch = Array.from({ length: Math.min(500, size - i) }, (_, j) => files.token({ subject: `bench-user-${i + j}`, roles: ROLES }));
          tokens.push(...(await Promise.all(batch)));
        }
        let next = 0;
        return () => {
          const token = tokens[next];
          next = (next + 1) % tokens.length;
          return bearer(token);
        };
      },
      remove: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
