import { randomUUID } from 'node:crypto';
import { credentials } from '@grpc/grpc-js';
import { campaignsV1, complianceV1, customersV1 } from '@cec/proto';
import { call } from '@cec/testing';
import type { CampaignsHarness } from '../../testing/campaigns-harness';

const { TaskType, StepAnchor, Channel } = campaignsV1;
const isoDay = (offsetDays: number): string => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

export interface CustomerOptions {
  contactName?: string;
  phone?: string;
  email?: string;
  timeZone?: string;
  countryCode?: string;
}

/**
 * What the engine's tests are built from: customers and invoices through the customers service,
 * templates and campaigns through the campaigns service, rules and opt-outs through compliance,
 * a client of EscalationService, and SQL reads of the engine's tables.
 */
export function passFixtures(h: CampaignsHarness) {
  let serial = 0;
  const next = () => `${(serial += 1)}-${randomUUID().slice(0, 8)}`;
  let client: campaignsV1.EscalationServiceClient | undefined;
  const escalation = () => (client ??= new campaignsV1.EscalationServiceClient(h.address, credentials.createInsecure()));
  afterAll(() => client?.close());

  async function newCustomer(options: CustomerOptions = {}): Promise<string> {
    const n = next();
    const { customer } = await call(h.customers, 'createCustomer', {
      customer: customersV1.Customer.fromPartial({
        companyName: `Engine Test ${n}`,
        contactName: options.contactName ?? 'Pat Payer',
        email: options.email ?? `ap-${n}@example.com`,
        phone: options.phone ?? '+15555550100',
      }),
      profile: customersV1.CustomerProfile.fromPartial({ timeZone: options.timeZone ?? 'UTC', countryCode: options.countryCode ?? 'GB' }),
      requestId: randomUUID(),
    });
    return customer?.id as string;
  }

  async function newInvoice(customerId: string, dueInDays = -10, amount = '500.00'): Promise<customersV1.Invoice> {
    const { invoice } = await call(h.invoices, 'createInvoice', {
      invoice: customersV1.Invoice.fromPartial({
        customerId,
        invoiceNumber: `INV-E-${next()}`,
        amount: { currencyCode: 'USD', amount },
        issuedDate: isoDay(Math.min(dueInDays, 0) - 30),
        dueDate: isoDay(dueInDays),
      }),
      requestId: randomUUID(),
    });
    return invoice as customersV1.Invoice;
  }

  const pay = (invoiceId: string, amount: string) => call(h.invoices, 'recordPayment', { invoiceId, amount: { currencyCode: 'USD', amount }, paidDate: '', reference: 'test', requestId: randomUUID() });

  async function newTemplate(channel: campaignsV1.Channel): Promise<string> {
    const withSubject = channel === Channel.CHANNEL_EMAIL || channel === Channel.CHANNEL_LETTER;
    const { template } = await call(h.templates, 'createTemplate', {
      template: campaignsV1.Template.fromPartial({
        name: `engine_${next().replace(/-/g, '_')}`,
        channel,
        language: 'en',
        subject: withSubject ? 'Invoice {{invoice_number}}' : '',
        body: 'Hello {{contact_name}}, {{amount_due}} is due on invoice {{invoice_number}}. {{opt_out_instructions}}',
      }),
      requestId: randomUUID(),
    });
    return template?.id as string;
  }

  const step = (overrides: Partial<campaignsV1.EscalationStep>): campaignsV1.EscalationStep =>
    campaignsV1.EscalationStep.fromPartial({ name: `Step ${next()}`, anchor: StepAnchor.STEP_ANCHOR_DUE_DATE, delayDays: 1, ...overrides });

  /** A started campaign over the invoices; its first step (1 day after a due date 10 days ago) is due now. */
  async function startedCampaign(customerId: string, invoiceIds: string[], steps: campaignsV1.EscalationStep[]): Promise<string> {
    const { campaign } = await call(
      h.campaigns,
      'createCampaign',
      campaignsV1.CreateCampaignRequest.fromPartial({ campaign: { customerId, name: `Engine ${next()}`, invoiceIds, steps }, start: true, requestId: randomUUID() }),
    );
    return campaign?.id as string;
  }

  const run = (request: Partial<campaignsV1.RunEscalationRequest> = {}) =>
    call(escalation(), 'runEscalation', { maxCampaigns: 0, skipEnrolment: true, ...request }, { deadlineMs: 30_000 }).then((r) => r.summary as campaignsV1.PassSummary);

  /** The summary without its duration, the counts that are not zero. */
  const counts = (summary: campaignsV1.PassSummary) => Object.fromEntries(Object.entries(summary).filter(([k, v]) => k !== 'duration' && v !== 0));

  /** Makes the campaign's next step due now (the schedule would make it due days later). */
  const dueNow = (campaignId: string) => h.db.query('UPDATE campaigns SET next_step_at = now() WHERE id = $1', [campaignId]);

  /** Nothing of earlier tests is due any more: each test's passes only see its own campaigns. */
  const parkEveryCampaign = () => h.db.query("UPDATE campaigns SET next_step_at = now() + interval '3650 days' WHERE status = 'active'");

  const campaignRow = async (id: string) =>
    (
      await h.db.query<{ status: string; current_step: number; next_step_at: Date | null; last_step_at: Date | null; outcome: string | null; engine_run_key: string | null; engine_lease_owner: string | null }>(
        'SELECT status, current_step, next_step_at, last_step_at, outcome, engine_run_key, engine_lease_owner FROM campaigns WHERE id = $1',
        [id],
      )
    )[0];

  const tasksOf = (campaignId: string) =>
    h.db.query<{ id: string; type: string; priority: string; step_index: number; decision_id: string | null; request_id: string; status: string; context: Record<string, unknown> }>(
      'SELECT id, type, priority, step_index, decision_id, request_id, status, context FROM tasks WHERE campaign_id = $1 ORDER BY created_at, id',
      [campaignId],
    );

  const runsOf = (campaignId: string) =>
    h.db.query<{ step_index: number; outcome: string; channel: string | null; decision_id: string | null; task_id: string | null; not_before: Date | null; reason: string | null; run_key: string }>(
      'SELECT step_index, outcome, channel, decision_id, task_id, not_before, reason, run_key FROM campaign_step_runs WHERE campaign_id = $1 ORDER BY created_at, id',
      [campaignId],
    );

  const auditOf = (campaignId: string) =>
    h.db.query<{ action: string; actor_type: string; details: Record<string, unknown> }>(
      "SELECT action, actor_type, details FROM audit_logs WHERE entity_type = 'campaign' AND entity_id = $1 ORDER BY append_id",
      [campaignId],
    );

  const decision = async (id: string) =>
    (await h.db.query<{ result: string; channel: string; request_id: string | null }>('SELECT result, channel, request_id FROM compliance_decisions WHERE id = $1', [id]))[0];

  const optOut = (customerId: string, channel: complianceV1.Channel) =>
    call(h.optOuts, 'recordOptOut', {
      customerId,
      channel,
      allChannels: false,
      source: complianceV1.OptOutSource.OPT_OUT_SOURCE_CUSTOMER_REQUEST,
      reason: 'asked to stop',
      effectiveTime: undefined,
      expireTime: undefined,
      requestId: randomUUID(),
    });

  /** A contact window for this customer alone (UTC) that excludes the present hour: its next opening is returned. */
  async function closedWindow(customerId: string, channels: complianceV1.Channel[]): Promise<Date> {
    const now = new Date();
    const [start, end] = now.getUTCHours() < 12 ? [20, 22] : [2, 4];
    await call(h.complianceRules, 'createRule', {
      rule: complianceV1.ComplianceRule.fromPartial({
        code: `engine_window_${next().replace(/-/g, '_')}`,
        name: 'Engine test window',
        type: complianceV1.RuleType.RULE_TYPE_CONTACT_WINDOW,
        channels,
        scope: { kind: complianceV1.ScopeKind.SCOPE_KIND_CUSTOMER, customerId, countryCode: '', regionCode: '' },
        parameters: { $case: 'contactWindow', value: { start: `${String(start).padStart(2, '0')}:00`, end: `${end}:00`.padStart(5, '0'), days: [] } },
      }),
      requestId: '',
    });
    const opening = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), start));
    return opening.getTime() > now.getTime() ? opening : new Date(opening.getTime() + 86_400_000);
  }

  return { newCustomer, newInvoice, pay, newTemplate, step, startedCampaign, run, counts, dueNow, parkEveryCampaign, campaignRow, tasksOf, runsOf, auditOf, decision, optOut, closedWindow, escalation, TaskType, Channel };
}
