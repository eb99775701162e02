import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, type ChannelCredentials } from '@grpc/grpc-js';
import { createCertificateAuthority, issueCertificate, writeIdentity, type IdentityFiles } from '@cec/dev-identity';

/** A deployment's identity for a test: a CA, a certificate per service, a token signing key (files in a temporary folder). */
export interface TestIdentity extends IdentityFiles {
  /** The TLS a client uses: the CA only (a person or agent, who brings a token), or a service's certificate too. */
  credentials(as?: string): ChannelCredentials;
  /** `{ authorization: 'Bearer …' }` for a token with these roles. */
  bearer(subject: string, roles: string[], options?: { expiresInSeconds?: number; audience?: string; issuer?: string }): Promise<Record<string, string>>;
  /** Client TLS with a certificate from another CA, naming `service`: must be refused. */
  foreignCredentials(service: string): Promise<ChannelCredentials>;
  remove(): void;
}

const SERVICES = ['customers', 'campaigns', 'compliance', 'metrics'];

export async function createTestIdentity(): Promise<TestIdentity> {
  const dir = mkdtempSync(join(tmpdir(), 'cec-identity-'));
  const files = await writeIdentity(dir, SERVICES);
  const ca = Buffer.from(files.ca.certPem);
  return {
    ...files,
    credentials: (as) => {
      if (!as) return credentials.createSsl(ca);
      const { cert, key } = files.certFiles(as);
      return credentials.createSsl(ca, readFileSync(key), readFileSync(cert));
    },
    bearer: async (subject, roles, options = {}) => ({ authorization: `Bearer ${await files.token({ subject, roles, ...options })}` }),
    foreignCredentials: async (service) => {
      const other = await createCertificateAuthority('Someone else\'s CA');
      const issued = await issueCertificate(other, { commonName: service, uris: [`spiffe://client-escalation-calls/service/${service}`], ips: ['127.0.0.1'] });
      return credentials.createSsl(ca, Buffer.from(issued.keyPem), Buffer.from(issued.certPem));
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
