import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { writeIdentity } from './identity-files';

describe('a development identity on disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cec-dev-identity-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has a CA, a certificate per service issued by it with its SPIFFE ID, and private keys only its owner reads', async () => {
    const files = await writeIdentity(dir, ['customers', 'campaigns']);
    const ca = new X509Certificate(readFileSync(files.caFile));
    const cert = new X509Certificate(readFileSync(files.certFiles('campaigns').cert));
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.subjectAltName).toContain('URI:spiffe://client-escalation-calls/service/campaigns');
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.subjectAltName).toContain('DNS:campaigns');
    expect(statSync(files.certFiles('campaigns').key).mode & 0o077).toBe(0);
    expect(statSync(join(dir, 'ca-key.pem')).mode & 0o077).toBe(0);
    expect(files.serviceEnv('customers')).toMatchObject({ TLS_CERT_FILE: files.certFiles('customers').cert, TLS_CA_FILE: files.caFile, AUTH_JWKS_FILE: files.jwksFile });
  });

  it('is kept on a second start with reuse, and made anew without', async () => {
    const first = readFileSync(join(dir, 'ca.pem'), 'utf8');
    const again = await writeIdentity(dir, ['customers', 'campaigns'], { reuse: true });
    expect(again.created).toBe(false);
    expect(readFileSync(join(dir, 'ca.pem'), 'utf8')).toBe(first);
    const token = await again.token({ subject: 'demo', roles: ['admin'] });
    expect(token.split('.')).toHaveLength(3);
    const fresh = await writeIdentity(dir, ['customers']);
    expect(fresh.created).toBe(true);
    expect(readFileSync(join(dir, 'ca.pem'), 'utf8')).not.toBe(first);
  });
});
