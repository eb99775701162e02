import { accessSync, constants } from 'node:fs';
import { bool, intInRange, str } from '@cec/config';
import { DEFAULT_TRUST_DOMAIN } from './service-identity';
import type { TokenSettings } from './token-verifier';

/**
 * The variables that switch authentication on and say how, the same for every service (each
 * process gets its own certificate files). Setting the three TLS_* files turns it on.
 */
export const authEnvSpecs = {
  TLS_CERT_FILE: str({ default: '', desc: "This service's certificate (PEM), with a URI SAN spiffe://<trust domain>/service/<name>. With TLS_KEY_FILE and TLS_CA_FILE it turns authentication on." }),
  TLS_KEY_FILE: str({ default: '', desc: "The private key of TLS_CERT_FILE (PEM)." }),
  TLS_CA_FILE: str({ default: '', desc: "The deployment's CA certificate(s) (PEM): clients' and peers' certificates must be issued by it." }),
  AUTH_TRUST_DOMAIN: str({ default: DEFAULT_TRUST_DOMAIN, desc: 'The trust domain of the services\' SPIFFE IDs.' }),
  AUTH_JWKS_FILE: str({ default: '', desc: 'A JWKS document (JSON) of the keys that sign bearer tokens of people and agents.' }),
  AUTH_JWKS_URL: str({ default: '', desc: 'Or the URL of the token issuer\'s JWKS (fetched and refreshed).' }),
  AUTH_ISSUER: str({ default: '', desc: 'The "iss" every bearer token must carry (required with a JWKS).' }),
  AUTH_AUDIENCE: str({ default: 'client-escalation-calls', desc: 'The "aud" every bearer token must carry.' }),
  AUTH_CLOCK_SKEW_SECONDS: intInRange(0, 600)({ default: 30, desc: 'Tolerance on token expiry and not-before.' }),
  AUTH_POLICY_FILE: str({ default: '', desc: 'The access policy (YAML); default config/access-policy.yaml of the repository.' }),
  AUTH_INSECURE: bool({ default: false, desc: 'Allow a service bound to a non-loopback address to run without authentication (warned at every start).' }),
  GRPC_REFLECTION: bool({ default: true, desc: 'Serve gRPC reflection (for grpcurl and buf curl); switch off in production if wanted.' }),
};

/**
 * The PEM files of the service's identity and the CA it trusts, checked readable at start (the
 * error names the variable); the server reads them itself and again when they are renewed.
 */
export interface TlsFiles {
  cert: string;
  key: string;
  ca: string;
}

export interface AuthSettings {
  /** Absent: authentication is off (only allowed on loopback, or with AUTH_INSECURE). */
  tls?: TlsFiles;
  tokens?: TokenSettings;
  trustDomain: string;
  policyFile?: string;
  insecure: boolean;
  reflection: boolean;
}

type AuthEnv = { [K in keyof typeof authEnvSpecs]: unknown };

/** The settings from variables already checked by readEnv(authEnvSpecs); throws a message naming the variables when they disagree. */
export function authSettingsOf(env: AuthEnv): AuthSettings {
  const v = env as Record<keyof typeof authEnvSpecs, string | number | boolean>;
  const files = { cert: String(v.TLS_CERT_FILE), key: String(v.TLS_KEY_FILE), ca: String(v.TLS_CA_FILE) };
  const given = Object.values(files).filter(Boolean).length;
  if (given !== 0 && given !== 3) throw new Error('TLS_CERT_FILE, TLS_KEY_FILE and TLS_CA_FILE go together: set all three, or none');
  let tls: TlsFiles | undefined;
  if (given === 3) {
    const readable = (name: string, file: string): void => {
      try {
        accessSync(file, constants.R_OK);
      } catch (error) {
        throw new Error(`${name}: cannot read ${file}: ${(error as Error).message}`);
      }
    };
    readable('TLS_CERT_FILE', files.cert);
    readable('TLS_KEY_FILE', files.key);
    readable('TLS_CA_FILE', files.ca);
    tls = files;
  }
  let tokens: TokenSettings | undefined;
  if (v.AUTH_JWKS_FILE && v.AUTH_JWKS_URL) throw new Error('AUTH_JWKS_FILE and AUTH_JWKS_URL: set one of them');
  if (v.AUTH_JWKS_FILE || v.AUTH_JWKS_URL) {
    if (!tls) throw new Error('AUTH_JWKS_FILE / AUTH_JWKS_URL need TLS_CERT_FILE, TLS_KEY_FILE and TLS_CA_FILE: bearer tokens are only accepted over TLS');
    if (!v.AUTH_ISSUER) throw new Error('AUTH_ISSUER: required with AUTH_JWKS_FILE / AUTH_JWKS_URL');
    tokens = {
      keys: v.AUTH_JWKS_FILE ? { jwksFile: String(v.AUTH_JWKS_FILE) } : { jwksUrl: String(v.AUTH_JWKS_URL) },
      issuer: String(v.AUTH_ISSUER),
      audience: String(v.AUTH_AUDIENCE),
      clockSkewSeconds: Number(v.AUTH_CLOCK_SKEW_SECONDS),
    };
  }
  return {
    tls,
    tokens,
    trustDomain: String(v.AUTH_TRUST_DOMAIN),
    policyFile: v.AUTH_POLICY_FILE ? String(v.AUTH_POLICY_FILE) : undefined,
    insecure: Boolean(v.AUTH_INSECURE),
    reflection: Boolean(v.GRPC_REFLECTION),
  };
}

/** 127.0.0.1, ::1, localhost and the like: a port only this machine reaches. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1' || host === '[::1]';
}
