/**
 * The campaigns service as an operator runs it: its own process next to customers and
 * compliance, tried through reflection with buf curl as a grpcurl user would.
 */
import { bufCurl, bufListServices, startServiceProcess, useTestDatabase, type ServiceProcess } from '@cec/testing';

describe('the campaigns service process', () => {
  const db = useTestDatabase();
  let customers: ServiceProcess;
  let compliance: ServiceProcess;
  let campaigns: ServiceProcess;

  beforeAll(async () => {
    customers = await startServiceProcess('customers', db.url, { OVERDUE_SWEEP_INTERVAL_MS: '0' });
    compliance = await startServiceProcess('compliance', db.url, { CUSTOMERS_ADDRESS: customers.address });
    campaigns = await startServiceProcess('campaigns', db.url, { CUSTOMERS_ADDRESS: customers.address, COMPLIANCE_ADDRESS: compliance.address });
  });

  afterAll(async () => {
    await campaigns?.stop();
    await compliance?.stop();
    await customers?.stop();
  });

  it('lists its services through reflection and answers health', async () => {
    const listed = await bufListServices(campaigns.address);
    expect(listed.stderr).toBe('');
    expect(listed.services).toEqual([
      'escalation.campaigns.v1.AgentService',
      'escalation.campaigns.v1.CampaignService',
      'escalation.campaigns.v1.ContactAttemptService',
      'escalation.campaigns.v1.TaskService',
      'escalation.campaigns.v1.TemplateService',
      'grpc.health.v1.Health',
    ]);
    expect((await bufCurl(campaigns.address, 'grpc.health.v1.Health/Check', {})).json).toEqual({ status: 'SERVING' });
  });
});
