import type { PeerCertificate } from 'node:tls';

/** The trust domain of our services' SPIFFE IDs unless AUTH_TRUST_DOMAIN says otherwise. */
export const DEFAULT_TRUST_DOMAIN = 'client-escalation-calls';

const SERVICE_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** "spiffe://client-escalation-calls/service/campaigns": the URI SAN a service's certificate carries. */
export function serviceSpiffeId(service: string, trustDomain = DEFAULT_TRUST_DOMAIN): string {
  if (!SERVICE_NAME.test(service)) throw new Error(`"${service}" is not a service name (lower-case letters, digits and dashes)`);
  return `spiffe://${trustDomain}/service/${service}`;
}

/**
 * The service a verified client certificate names, from its URI SAN
 * `spiffe://<trust domain>/service/<name>` (never from its common name or from metadata).
 * undefined when the certificate names no service of our trust domain.
 */
export function serviceOfCertificate(certificate: PeerCertificate, trustDomain = DEFAULT_TRUST_DOMAIN): string | undefined {
  const prefix = `URI:spiffe://${trustDomain}/service/`;
  // Node gives the SANs as one string, "DNS:a, URI:spiffe://…, IP Address:127.0.0.1".
  const names = (certificate.subjectaltname ?? '').split(/,\s*/);
  const services = names.filter((n) => n.startsWith(prefix)).map((n) => n.slice(prefix.length));
  // A certificate naming two services names none: it could be used as either.
  return services.length === 1 && SERVICE_NAME.test(services[0]) ? services[0] : undefined;
}
