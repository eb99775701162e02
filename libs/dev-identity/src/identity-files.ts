import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { caKeyPem, certificateExpiry, createCertificateAuthority, issueCertificate, loadCertificateAuthority, type CertificateAuthority } from './certificates';
import { createSigningKey, loadSigningKey, mintToken, type SigningKey, type TokenClaims } from './tokens';

export const DEV_ISSUER = 'https://identity.client-escalation-calls.local';
export const DEV_AUDIENCE = 'client-escalation-calls';
const TRUST_DOMAIN = 'client-escalation-calls';

/** A development identity on disk: the CA, a certificate per service, the token signing key and its JWKS. */
export interface IdentityFiles {
  dir: string;
  caFile: string;
  jwksFile: string;
  issuer: string;
  audience: string;
  ca: CertificateAuthority;
  signingKey: SigningKey;
  /** The certificate and key files of a service. */
  certFiles(service: string): { cert: string; key: string };
  /** TLS_*, AUTH_* variables that switch authentication on for `service`. */
  serviceEnv(service: string): Record<string, string>;
  /** A token signed by the development key for this deployment's issuer and audience. */
  token(claims: Omit<TokenClaims, 'issuer' | 'audience'> & Partial<Pick<TokenClaims, 'issuer' | 'audience'>>): Promise<string>;
  /** What happened: "created" or "reused" per file group, for a start-up message. */
  created: boolean;
}

export interface IdentityOptions {
  /** Keep what is in `dir` when it is still good for a day or more (npm start); default false: always new. */
  reuse?: boolean;
  /** Extra DNS names for every service certificate (besides localhost and the service's name). */
  dnsNames?: string[];
}

const MIN_LIFE_MS = 86_400_000;

/**
 * Writes (or, with reuse, keeps) a development CA, a certificate per service with its SPIFFE
 * URI SAN and the names it is reached by (localhost, 127.0.0.1, the service's name), a token
 * signing key and its JWKS. Private keys are written readable by their owner only.
 */
export async function writeIdentity(dir: string, services: readonly string[], options: IdentityOptions = {}): Promise<IdentityFiles> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = (name: string): string => join(dir, name);
  const fresh = (file: string): boolean => Boolean(options.reuse) && existsSync(file) && certificateExpiry(readFileSync(file, 'utf8')).getTime() - Date.now() > MIN_LIFE_MS;
  const secret = (file: string, text: string): void => writeFileSync(file, text, { mode: 0o600 });
  let created = false;

  let ca: CertificateAuthority;
  if (fresh(path('ca.pem')) && existsSync(path('ca-key.pem'))) {
    ca = await loadCertificateAuthority(readFileSync(path('ca.pem'), 'utf8'), readFileSync(path('ca-key.pem'), 'utf8'));
  } else {
    ca = await createCertificateAuthority();
    writeFileSync(path('ca.pem'), ca.certPem);
    secret(path('ca-key.pem'), await caKeyPem(ca));
    created = true;
  }
  for (const service of services) {
    const cert = path(`${service}.pem`);
    if (!created && fresh(cert) && existsSync(path(`${service}-key.pem`))) continue;
    const issued = await issueCertificate(ca, {
      commonName: service,
      uris: [`spiffe://${TRUST_DOMAIN}/service/${service}`],
      dnsNames: ['localhost', service, ...(options.dnsNames ?? [])],
      ips: ['127.0.0.1', '::1'],
      days: 90,
    });
    writeFileSync(cert, issued.certPem);
    secret(path(`${service}-key.pem`), issued.keyPem);
  }

  let signingKey: SigningKey;
  const keyFile = path('token-signing-key.jwk.json');
  if (options.reuse && !created && existsSync(keyFile)) {
    signingKey = await loadSigningKey(JSON.parse(readFileSync(keyFile, 'utf8')));
  } else {
    signingKey = await createSigningKey();
    secret(keyFile, JSON.stringify(signingKey.privateJwk));
    created = true;
  }
  const jwksFile = path('jwks.json');
  writeFileSync(jwksFile, JSON.stringify(signingKey.jwks, null, 2));

  const certFiles = (service: string) => ({ cert: path(`${service}.pem`), key: path(`${service}-key.pem`) });
  return {
    dir,
    caFile: path('ca.pem'),
    jwksFile,
    issuer: DEV_ISSUER,
    audience: DEV_AUDIENCE,
    ca,
    signingKey,
    certFiles,
    serviceEnv: (service) => ({
      TLS_CERT_FILE: certFiles(service).cert,
      TLS_KEY_FILE: certFiles(service).key,
      TLS_CA_FILE: path('ca.pem'),
      AUTH_JWKS_FILE: jwksFile,
      AUTH_ISSUER: DEV_ISSUER,
      AUTH_AUDIENCE: DEV_AUDIENCE,
    }),
    token: (claims) => mintToken(signingKey, { issuer: DEV_ISSUER, audience: DEV_AUDIENCE, ...claims }),
    created,
  };
}
