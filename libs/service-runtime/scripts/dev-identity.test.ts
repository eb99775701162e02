import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { AccessPolicy, authEnvSpecs, authSettingsOf, TokenVerifier } from '@cec/auth';
import { readEnv } from '@cec/config';
import { defaultPolicyFile } from '../src/call-guard-setup';
import { SERVICE_NAMES } from '../src/service-directory';
import { callLines, DEMO_OPERATOR, shownPath, writeSystemIdentity, writeTokenFile } from './dev-identity';

/** What `npm start` and `npm run identity:dev` hand out must be what the services accept. */
describe('the development identity of npm start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cec-system-identity-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("gives every service of the directory a certificate of the CA, and a demo operator's token that a service's own settings verify", async () => {
    const files = await writeSystemIdentity(dir);
    const ca = new X509Certificate(readFileSync(files.caFile));
    for (const name of SERVICE_NAMES) {
      const cert = new X509Certificate(readFileSync(files.certFiles(name).cert));
      expect(cert.verify(ca.publicKey)).toBe(true);
      expect(cert.subjectAltName).toContain(`URI:spiffe://client-escalation-calls/service/${name}`);
    }

    const tokenFile = join(dir, 'operator.token');
    const { expires } = await writeTokenFile(files, DEMO_OPERATOR, tokenFile);
    expect(statSync(tokenFile).mode & 0o077).toBe(0);
    expect(expires.getTime() - Date.now()).toBeGreaterThan(11.9 * 3600_000);

    // The customers service's settings, read from the variables npm start gives it.
    const settings = authSettingsOf(readEnv(authEnvSpecs, files.serviceEnv('customers')));
    expect(settings.tls).toBeDefined();
    if (!settings.tokens) throw new Error('npm start must give the services the JWKS that verifies its tokens');
    const subject = await new TokenVerifier(settings.tokens).verify(readFileSync(tokenFile, 'utf8').trim());
    expect(subject).toEqual({ subject: 'demo-operator', roles: ['collections-operator', 'compliance-officer'], type: 'user' });
  });

  it('keeps a CA still valid on the next start, so services and tokens of the last one go on working', async () => {
    const before = readFileSync(join(dir, 'ca.pem'), 'utf8');
    const again = await writeSystemIdentity(dir);
    expect(again.created).toBe(false);
    expect(readFileSync(again.caFile, 'utf8')).toBe(before);
  });

  it("lets the demo operator make the calls the README shows for people, but not the agents' or the services' own", () => {
    const policy = AccessPolicy.load(defaultPolicyFile());
    const operator = { kind: 'token', roles: DEMO_OPERATOR.roles } as const;
    for (const method of [
      'escalation.customers.v1.CustomerService/ListCustomers',
      'escalation.customers.v1.InvoiceService/RecordPayment',
      'escalation.compliance.v1.ComplianceRuleService/InstallPreset',
      'escalation.compliance.v1.AuditService/VerifyAuditChain',
      'escalation.campaigns.v1.CampaignService/CreateCampaign',
      'escalation.campaigns.v1.EscalationService/RunEscalation',
    ]) {
      expect([method, policy.allows(operator, `/${method}`)]).toEqual([method, true]);
    }
    expect(policy.allows(operator, '/escalation.campaigns.v1.TaskService/ClaimTasks')).toBe(false);
    expect(policy.allows(operator, '/escalation.customers.v1.InvoiceService/BatchGetCustomerBalances')).toBe(false);
    expect(DEMO_OPERATOR.roles).not.toContain('admin');
  });

  it('prints lines that name the CA and the token file, over TLS', () => {
    const lines = callLines({
      caFile: '.data/identity/ca.pem',
      tokenFile: '.data/identity/operator.token',
      address: '127.0.0.1:50051',
      method: 'escalation.customers.v1.CustomerService/ListCustomers',
      data: '{"page_size": 3}',
    });
    expect(lines.bufList).toBe('npx buf curl --protocol grpc --cacert .data/identity/ca.pem --list-services https://127.0.0.1:50051');
    expect(lines.bufCall).toBe(
      `npx buf curl --protocol grpc --cacert .data/identity/ca.pem -H "Authorization: Bearer $(cat .data/identity/operator.token)" -d '{"page_size": 3}' https://127.0.0.1:50051/escalation.customers.v1.CustomerService/ListCustomers`,
    );
    expect(lines.grpcurlCall).toBe(
      `grpcurl -cacert .data/identity/ca.pem -H "Authorization: Bearer $(cat .data/identity/operator.token)" -d '{"page_size": 3}' 127.0.0.1:50051 escalation.customers.v1.CustomerService/ListCustomers`,
    );
    expect(shownPath('/repo/.data/identity/ca.pem', '/repo')).toBe('.data/identity/ca.pem');
    expect(shownPath('/elsewhere/ca.pem', '/repo')).toBe('/elsewhere/ca.pem');
  });
});
