/**
 * The compliance service as an operator runs it: its own process next to the customers
 * service, tried through reflection with buf curl as a grpcurl user would, and with its peer gone.
 */
import { bufCurl, bufListServices, startServiceProcess, useTestDatabase, type ServiceProcess } from '@cec/testing';

describe('the compliance service process', () => {
  const db = useTestDatabase();
  let customers: ServiceProcess;
  let compliance: ServiceProcess;

  beforeAll(async () => {
    customers = await startServiceProcess('customers', db.url, { OVERDUE_SWEEP_INTERVAL_MS: '0' });
    compliance = await startServiceProcess('compliance', db.url, { CUSTOMERS_ADDRESS: customers.address });
  });

  afterAll(async () => {
    await compliance?.stop();
    await customers?.stop();
  });

  it('lists its services through reflection and answers health', async () => {
    const listed = await bufListServices(compliance.address);
    expect(listed.stderr).toBe('');
    expect(listed.services).toEqual([
      'escalation.compliance.v1.AuditService',
      'escalation.compliance.v1.ComplianceRuleService',
      'escalation.compliance.v1.ComplianceService',
      'escalation.compliance.v1.OptOutService',
      'grpc.health.v1.Health',
    ]);
    expect((await bufCurl(compliance.address, 'grpc.health.v1.Health/Check', {})).json).toEqual({ status: 'SERVING' });
  });

  it('installs a preset and decides a contact with JSON, as a grpcurl user would', async () => {
    const created = await bufCurl<{ customer: { id: string } }>(customers.address, 'escalation.customers.v1.CustomerService/CreateCustomer', {
      customer: { company_name: 'Smoke Compliance LLC', email: 'ap@smoke-compliance.example' },
      profile: { time_zone: 'America/Chicago', country_code: 'US' },
    });
    const customerId = created.json?.customer.id;
    const installed = await bufCurl<{ installedCount: number }>(compliance.address, 'escalation.compliance.v1.ComplianceRuleService/InstallPreset', { name: 'us-regulation-f' });
    expect(installed.stderr).toBe('');
    expect(installed.json?.installedCount).toBeGreaterThan(0);
    // 05:00 in Chicago (CST): deferred to 08:00 local, 14:00 UTC.
    const decided = await bufCurl<{ decision: Record<string, unknown> }>(compliance.address, 'escalation.compliance.v1.ComplianceService/CheckContact', {
      customer_id: customerId,
      channel: 'CHANNEL_PHONE',
      proposed_time: '2027-01-13T11:00:00Z',
    });
    expect(decided.stderr).toBe('');
    expect(decided.json?.decision).toMatchObject({ result: 'DECISION_RESULT_DEFER', notBeforeTime: '2027-01-13T14:00:00Z', timeZone: 'America/Chicago' });
    const bad = await bufCurl(compliance.address, 'escalation.compliance.v1.ComplianceService/CheckContact', { customer_id: 'nope', channel: 'CHANNEL_PHONE' });
    expect(bad.stdout + bad.stderr).toContain('customer_id: must be a UUID');
  });

  it('with the customers service gone: UNAVAILABLE, and no decision is stored', async () => {
    const [{ id: customerId }] = await db.query<{ id: string }>('SELECT id FROM customers LIMIT 1');
    const before = await db.query('SELECT count(*)::int AS n FROM compliance_decisions');
    await customers.stop();
    const refused = await bufCurl(compliance.address, 'escalation.compliance.v1.ComplianceService/CheckContact', { customer_id: customerId, channel: 'CHANNEL_EMAIL' });
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toMatch(/unavailable/i);
    expect(refused.stdout + refused.stderr).toContain('does not decide without');
    expect(await db.query('SELECT count(*)::int AS n FROM compliance_decisions')).toEqual(before);
  });
});
