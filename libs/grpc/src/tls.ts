import { readFileSync } from 'node:fs';
import { credentials, experimental, type ChannelCredentials, type ServerCredentials } from '@grpc/grpc-js';

/** PEM files: this process's certificate and key, and the CA certificate(s) it trusts. */
export interface TlsFiles {
  cert: string;
  key: string;
  ca: string;
}

/** How often the files are read again, so that a renewed certificate (e.g. a rotated Kubernetes secret) is used without a restart. */
const REFRESH_MS = 5 * 60_000;

/**
 * Server TLS that asks every client for a certificate but does not insist on one: a service
 * presents its certificate, a person or an agent may come with a bearer token alone. A
 * certificate that the CA did not issue is not trusted (grpc-js then reports none for the
 * call), so the call guard sees only certificates of our CA. grpc-js's
 * createSsl(…, checkClientCertificate) can only require certificates or ignore them; the
 * certificate-provider credentials ask for them and leave the decision to us.
 */
export function serverTlsCredentials(files: TlsFiles): ServerCredentials {
  // Read once now, so that a missing or unreadable file is a start-up error with its name.
  for (const file of Object.values(files)) readFileSync(file);
  const provider = new experimental.FileWatcherCertificateProvider({
    certificateFile: files.cert,
    privateKeyFile: files.key,
    caCertificateFile: files.ca,
    refreshIntervalMs: REFRESH_MS,
  });
  // The same provider gives the CA and the identity (grpc-js 1.14 mixes up the order of the two
  // arguments between createCertificateProviderServerCredentials and the class it builds).
  return experimental.createCertificateProviderServerCredentials(provider, provider, false);
}

/** Client TLS for calls to peers: the peer's certificate must come from our CA, and ours goes with every call. */
export function clientTlsCredentials(files: TlsFiles): ChannelCredentials {
  return credentials.createSsl(readFileSync(files.ca), readFileSync(files.key), readFileSync(files.cert));
}
