import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type Crypto = Parameters<typeof x509.cryptoProvider.set>[0];

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

/** A certificate authority held in memory: its certificate and its keys. */
export interface CertificateAuthority {
  certPem: string;
  certificate: x509.X509Certificate;
  keys: CryptoKeyPair;
}

/** A certificate and its private key, PEM. */
export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
}

export interface CertificateRequest {
  commonName: string;
  /** URI SANs, e.g. spiffe://client-escalation-calls/service/campaigns. */
  uris?: string[];
  /** DNS SANs the holder serves under (localhost, the compose service name, …). */
  dnsNames?: string[];
  ips?: string[];
  /** Days from now (default 30); negative values give a certificate that has already expired. */
  days?: number;
}

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1');
}

async function keyPem(keys: CryptoKeyPair): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return `-----BEGIN PRIVATE KEY-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').trimEnd()}\n-----END PRIVATE KEY-----\n`;
}

/** A new CA (ECDSA P-256, ten years unless `days` says otherwise). */
export async function createCertificateAuthority(name = 'Client Escalation Calls development CA', days = 3650): Promise<CertificateAuthority> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${name}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + days * DAY_MS),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: certificate.toString('pem'), certificate, keys };
}

/** A CA read back from its PEM files (certificate and PKCS#8 key). */
export async function loadCertificateAuthority(certPem: string, keyPemText: string): Promise<CertificateAuthority> {
  const certificate = new x509.X509Certificate(certPem);
  const der = Buffer.from(keyPemText.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const privateKey = await webcrypto.subtle.importKey('pkcs8', der, ALGORITHM, true, ['sign']);
  const publicKey = await certificate.publicKey.export(ALGORITHM, ['verify'], webcrypto as unknown as Crypto);
  return { certPem, certificate, keys: { privateKey, publicKey } as CryptoKeyPair };
}

export async function caKeyPem(ca: CertificateAuthority): Promise<string> {
  return keyPem(ca.keys);
}

/** A leaf certificate for a server and client (TLS both ways), signed by `ca`. */
export async function issueCertificate(ca: CertificateAuthority, request: CertificateRequest): Promise<IssuedCertificate> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const days = request.days ?? 30;
  const names = [
    ...(request.uris ?? []).map((value) => ({ type: 'url' as const, value })),
    ...(request.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(request.ips ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const notAfter = new Date(Date.now() + days * DAY_MS);
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${request.commonName}`,
    issuer: ca.certificate.subject,
    notBefore: days < 0 ? new Date(notAfter.getTime() - DAY_MS) : new Date(Date.now() - 60_000),
    notAfter,
    signingKey: ca.keys.privateKey,
    publicKey: keys.publicKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.AuthorityKeyIdentifierExtension.create(ca.certificate),
    ],
  });
  return { certPem: certificate.toString('pem'), keyPem: await keyPem(keys) };
}

/** When a PEM certificate stops being valid. */
export function certificateExpiry(certPem: string): Date {
  return new x509.X509Certificate(certPem).notAfter;
}
