import type { PeerCertificate } from 'node:tls';
import { serviceOfCertificate, serviceSpiffeId } from './service-identity';

const cert = (subjectaltname: string) => ({ subjectaltname }) as PeerCertificate;

describe('service identity', () => {
  it('is the SPIFFE URI SAN of our trust domain', () => {
    expect(serviceSpiffeId('campaigns')).toBe('spiffe://client-escalation-calls/service/campaigns');
    expect(serviceOfCertificate(cert('DNS:localhost, URI:spiffe://client-escalation-calls/service/campaigns, IP Address:127.0.0.1'))).toBe('campaigns');
  });

  it('is nothing for another trust domain, a common name alone, two services or a malformed name', () => {
    expect(serviceOfCertificate(cert('URI:spiffe://other.example/service/campaigns'))).toBeUndefined();
    expect(serviceOfCertificate({ subject: { CN: 'campaigns' } } as unknown as PeerCertificate)).toBeUndefined();
    expect(serviceOfCertificate(cert('URI:spiffe://client-escalation-calls/service/campaigns, URI:spiffe://client-escalation-calls/service/customers'))).toBeUndefined();
    expect(serviceOfCertificate(cert('URI:spiffe://client-escalation-calls/service/Camp aigns'))).toBeUndefined();
    expect(serviceOfCertificate(cert('URI:spiffe://client-escalation-calls/service/campaigns', ), 'other.example')).toBeUndefined();
    expect(() => serviceSpiffeId('Campaigns')).toThrow(/not a service name/);
  });
});
