import { randomUUID } from 'node:crypto';
import { credentials } from '@grpc/grpc-js';
import { Temporal } from 'temporal-polyfill';
import { campaignsV1, complianceV1, customersV1 } from '@cec/proto';
import { call } from '@cec/testing';
import type { CampaignsHarness } from './testing/campaigns-harness';

/**
 * What the escalation story (escalation-story.test.ts) is built from: the people who act (an
 * operator, a compliance officer, an agent) as gRPC callers, the templates the standard-b2b
 * preset resolves by name, the clock of the customer's zone computed here (Temporal), and SQL
 * reads for the assertions only.
 */

const { Channel } = campaignsV1;

/** Who does what, as x-actor says it. */
export const OPERATOR = 'user:ops@example.com';
export const COMPLIANCE_OFFICER = 'user:compliance-officer@example.com';

/** Today plus `offsetDays`, "YYYY-MM-DD" (UTC). */
export const isoDay = (offsetDays: number): string => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

/** The templates standard-b2b names, each rendering what the story checks: the amount still owed. */
const PRESET_TEMPLATES: readonly { name: string; channel: campaignsV1.Channel; subject: string; body: string }[] = [
  {
    name: 'pre_due_reminder_email',
    channel: Channel.CHANNEL_EMAIL,
    subject: 'Invoice {{invoice_number}} is due on {{due_date}}',
    body: 'Dear {{contact_name}}, {{amount_due}} is due on invoice {{invoice_number}}. Pay at {{payment_link}}. {{opt_out_instructions}}',
  },
  {
    name: 'friendly_reminder_email',
    channel: Channel.CHANNEL_EMAIL,
    subject: 'Reminder: invoice {{invoice_number}}',
    body: 'Dear {{contact_name}}, {{amount_due}} is now overdue on invoice {{invoice_number}}. {{opt_out_instructions}}',
  },
  { name: 'payment_reminder_sms', channel: Channel.CHANNEL_SMS, subject: '', body: '{{sender_company}}: {{amount_due}} overdue on {{invoice_number}}. {{opt_out_instructions}}' },
  { name: 'friendly_call_script', channel: Channel.CHANNEL_PHONE, subject: '', body: 'Ask {{contact_name}} when {{amount_due}} on invoice {{invoice_number}} will be paid.' },
  {
    name: 'final_notice_letter',
    channel: Channel.CHANNEL_LETTER,
    subject: 'Final notice: invoice {{invoice_number}}',
    body: 'Dear {{contact_name}}, {{amount_due}} remains unpaid on invoice {{invoice_number}}, {{days_overdue}} days past its due date.',
  },
];

export function storyFixtures(h: CampaignsHarness) {
  let escalationClient: campaignsV1.EscalationServiceClient | undefined;
  let auditClient: complianceV1.AuditServiceClient | undefined;
  const escalation = () => (escalationClient ??= new campaignsV1.EscalationServiceClient(h.address, credentials.createInsecure()));
  const audit = () => (auditClient ??= new complianceV1.AuditServiceClient(h.complianceProcess.address, credentials.createInsecure()));
  afterAll(() => {
    escalationClient?.close();
    auditClient?.close();
  });

  /** The templates standard-b2b needs, made through TemplateService as an operator would. */
  async function installPresetTemplates(): Promise<void> {
    for (const t of PRESET_TEMPLATES) {
      await call(h.templates, 'createTemplate', { template: campaignsV1.Template.fromPartial({ ...t, language: 'en' }), requestId: randomUUID() }, { metadata: { 'x-actor': OPERATOR } });
    }
  }

  async function newCustomer(customer: Partial<customersV1.Customer>, profile: Partial<customersV1.CustomerProfile>): Promise<string> {
    const created = await call(h.customers, 'createCustomer', {
      customer: customersV1.Customer.fromPartial(customer),
      profile: customersV1.CustomerProfile.fromPartial(profile),
      requestId: randomUUID(),
    });
    return created.customer?.id as string;
  }

  async function newInvoice(customerId: string, invoiceNumber: string, amount: { currencyCode: string; amount: string }, dueDate: string): Promise<string> {
    const issuedDate = new Date(Date.parse(`${dueDate}T00:00:00Z`) - 30 * 86_400_000).toISOString().slice(0, 10);
    const { invoice } = await call(h.invoices, 'createInvoice', {
      invoice: customersV1.Invoice.fromPartial({ customerId, invoiceNumber, amount, issuedDate, dueDate }),
      requestId: randomUUID(),
    });
    return invoice?.id as string;
  }

  const pay = (invoiceId: string, amount: { currencyCode: string; amount: string }) =>
    call(h.invoices, 'recordPayment', { invoiceId, amount, paidDate: '', reference: 'bank transfer', requestId: randomUUID() });

  /** One pass of the engine, enrolment included, as an operator would ask for it. */
  const runPass = async () => {
    const { summary } = await call(escalation(), 'runEscalation', { maxCampaigns: 0, skipEnrolment: false }, { deadlineMs: 30_000, metadata: { 'x-actor': OPERATOR } });
    return counts(summary as campaignsV1.PassSummary);
  };

  const stepRuns = async (campaignId: string) => (await call(escalation(), 'listStepRuns', { campaignId, pageSize: 100, pageToken: '' })).runs;

  const campaign = async (campaignId: string) => (await call(h.campaigns, 'getCampaign', { campaignId })).campaign as campaignsV1.Campaign;

  const tasks = async (campaignId: string) =>
    (await call(h.tasks, 'listTasks', { pageSize: 100, pageToken: '', statuses: [], types: [], customerId: '', campaignId, agentId: '', dueOnly: false })).tasks.sort(
      (a, b) => a.stepIndex - b.stepIndex,
    );

  const decision = async (decisionId: string) => (await call(h.compliance, 'getDecision', { decisionId })).decision as complianceV1.Decision;

  return { escalation, audit, installPresetTemplates, newCustomer, newInvoice, pay, runPass, stepRuns, campaign, tasks, decision };
}

/** A pass summary's counts that are not zero (duration aside). */
export function counts(summary: campaignsV1.PassSummary): Record<string, number> {
  return Object.fromEntries(Object.entries(summary).filter(([k, v]) => k !== 'duration' && v !== 0)) as Record<string, number>;
}

/**
 * A contact window of two hours in `zone` that is closed now: it starts two hours after the
 * present local hour (wrapping past midnight), "HH:MM" as compliance takes it; and the instant it
 * next opens, computed here with Temporal in that zone (daylight saving included), independently
 * of compliance's own search.
 */
export function closedWindowIn(zone: string, now = new Date()): { start: string; end: string; opensAt: Date } {
  const local = Temporal.Instant.fromEpochMilliseconds(now.getTime()).toZonedDateTimeISO(zone);
  const startHour = (local.hour + 2) % 24;
  const endHour = Math.min(startHour + 2, 24);
  const hhmm = (hour: number) => `${String(hour).padStart(2, '0')}:00`;
  let opening = local.toPlainDate().toZonedDateTime({ timeZone: zone, plainTime: Temporal.PlainTime.from({ hour: startHour }) });
  if (Temporal.ZonedDateTime.compare(opening, local) <= 0) opening = opening.add({ days: 1 });
  return { start: hhmm(startHour), end: hhmm(endHour), opensAt: new Date(opening.epochMilliseconds) };
}
