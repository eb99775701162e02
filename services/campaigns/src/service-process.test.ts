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
    // No engine passes of its own: a pass between the two CreateCampaign calls below would take the
    // first campaign's one due step and complete it, and the second would then rightly be accepted.
    campaigns = await startServiceProcess('campaigns', db.url, { CUSTOMERS_ADDRESS: customers.address, COMPLIANCE_ADDRESS: compliance.address, ENGINE_INTERVAL_MS: '0' });
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
      'escalation.campaigns.v1.EscalationService',
      'escalation.campaigns.v1.TaskService',
      'escalation.campaigns.v1.TemplateService',
      'grpc.health.v1.Health',
    ]);
    expect((await bufCurl(campaigns.address, 'grpc.health.v1.Health/Check', {})).json).toEqual({ status: 'SERVING' });
  });

  it('takes a customer from a template to a completed contact with JSON, as a grpcurl user would', async () => {
    const ok = <T>(result: { stderr: string; json?: T }): T => {
      expect(result.stderr).toBe('');
      return result.json as T;
    };
    const svc = (name: string) => `escalation.campaigns.v1.${name}`;
    const { customer } = ok(
      await bufCurl<{ customer: { id: string } }>(customers.address, 'escalation.customers.v1.CustomerService/CreateCustomer', {
        customer: { company_name: 'Smoke Campaigns GmbH', contact_name: 'Erika Muster', email: 'ap@smoke-campaigns.example', phone: '+4930123456' },
        profile: { time_zone: 'Europe/Berlin', country_code: 'DE' },
      }),
    );
    const { invoice } = ok(
      await bufCurl<{ invoice: { id: string } }>(customers.address, 'escalation.customers.v1.InvoiceService/CreateInvoice', {
        invoice: { customer_id: customer.id, invoice_number: 'SMOKE-1', amount: { currency_code: 'EUR', amount: '4210.00' }, issued_date: '2026-09-01', due_date: '2026-10-01' },
      }),
    );
    const { template } = ok(
      await bufCurl<{ template: { id: string; variables: string[] } }>(campaigns.address, svc('TemplateService/CreateTemplate'), {
        template: {
          name: 'smoke_reminder_sms',
          channel: 'CHANNEL_SMS',
          body: 'Hello {{contact_name}}, invoice {{invoice_number}} ({{amount_due}}) is {{days_overdue}} days overdue. {{opt_out_instructions}}',
        },
      }),
    );
    expect(template.variables).toEqual(['contact_name', 'invoice_number', 'amount_due', 'days_overdue', 'opt_out_instructions']);
    const rendered = ok(
      await bufCurl<{ content: { body: string; smsEncoding: string; smsSegments: number } }>(campaigns.address, svc('TemplateService/RenderTemplate'), {
        template_id: template.id,
        customer_id: customer.id,
        invoice_id: invoice.id,
      }),
    );
    // An English template for a German customer: English words, the amount as en-DE writes it.
    expect(rendered.content.body).toContain('(€4,210.00)');
    expect(rendered.content).toMatchObject({ smsEncoding: 'SMS_ENCODING_GSM_7', smsSegments: 1 });
    const noOptOut = await bufCurl(campaigns.address, svc('TemplateService/CreateTemplate'), {
      template: { name: 'smoke_no_opt_out', channel: 'CHANNEL_SMS', body: 'Pay now.' },
    });
    expect(noOptOut.stdout + noOptOut.stderr).toContain('template.body');

    const { campaign } = ok(
      await bufCurl<{ campaign: { id: string; status: string; nextStepTime: string } }>(campaigns.address, svc('CampaignService/CreateCampaign'), {
        campaign: {
          customer_id: customer.id,
          name: 'Smoke campaign',
          invoice_ids: [invoice.id],
          steps: [{ name: 'Text', task_type: 'TASK_TYPE_SEND_SMS', template_id: template.id, delay_days: 7, anchor: 'STEP_ANCHOR_DUE_DATE' }],
        },
        start: true,
      }),
    );
    expect(campaign.status).toBe('CAMPAIGN_STATUS_ACTIVE');
    const second = await bufCurl(campaigns.address, svc('CampaignService/CreateCampaign'), {
      campaign: { customer_id: customer.id, name: 'Second', invoice_ids: [invoice.id], steps: [{ name: 'Text', task_type: 'TASK_TYPE_SEND_SMS', template_id: template.id, delay_days: 7, anchor: 'STEP_ANCHOR_DUE_DATE' }] },
      start: true,
    });
    expect(second.stdout + second.stderr).toMatch(/failed_precondition/i);

    const { agent } = ok(
      await bufCurl<{ agent: Record<string, unknown> & { id: string } }>(campaigns.address, svc('AgentService/RegisterAgent'), {
        agent: { name: 'smoke-research-1', type: 'AGENT_TYPE_RESEARCH', capabilities: ['skiptrace'], max_concurrent_tasks: 2 },
        secrets: { API_KEY: 'smoke-secret-value' },
      }),
    );
    expect(JSON.stringify(agent)).not.toContain('smoke-secret-value');
    expect(agent.secretNames).toEqual(['API_KEY']);
    const { task } = ok(
      await bufCurl<{ task: { id: string } }>(campaigns.address, svc('TaskService/CreateTask'), {
        task: { customer_id: customer.id, type: 'TASK_TYPE_RESEARCH', instructions: 'Find the new billing address', required_capabilities: ['skiptrace'] },
      }),
    );
    const claimed = ok(await bufCurl<{ tasks: { id: string; status: string }[] }>(campaigns.address, svc('TaskService/ClaimTasks'), { agent_id: agent.id, max_tasks: 5, lease: '60s' }));
    expect(claimed.tasks.map((t) => [t.id, t.status])).toEqual([[task.id, 'TASK_STATUS_ASSIGNED']]);
    const completed = ok(
      await bufCurl<{ task: { status: string } }>(campaigns.address, svc('TaskService/CompleteTask'), {
        task_id: task.id,
        agent_id: agent.id,
        result: { outcome: 'address_found', notes: 'Moved to Hauptstr. 1' },
      }),
    );
    expect(completed.task.status).toBe('TASK_STATUS_COMPLETED');

    const { attempt } = ok(
      await bufCurl<{ attempt: { id: string } }>(campaigns.address, svc('ContactAttemptService/RecordContactAttempt'), {
        attempt: { customer_id: customer.id, channel: 'CHANNEL_EMAIL', status: 'CONTACT_STATUS_SENT' },
      }),
    );
    ok(await bufCurl(campaigns.address, svc('ContactAttemptService/UpdateContactStatus'), { contact_attempt_id: attempt.id, status: 'CONTACT_STATUS_REPLIED' }));
    const history = ok(
      await bufCurl<{ attempts: { id: string; status: string; companyName: string }[] }>(campaigns.address, svc('ContactAttemptService/ListCustomerCommunications'), {
        customer_id: customer.id,
      }),
    );
    expect(history.attempts).toEqual([expect.objectContaining({ id: attempt.id, status: 'CONTACT_STATUS_REPLIED', companyName: 'Smoke Campaigns GmbH' })]);
  });
});
