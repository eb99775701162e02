/**
 * What the engine benchmark sets up through the services' own APIs (a handful of calls): the
 * templates (CreateTemplate), one prototype campaign per schedule (CreateCampaign, left as a
 * draft: seedCampaigns copies its escalation_steps exactly as the service wrote them), and the
 * compliance rules (InstallPreset us-regulation-f; CreateRule: a German contact window that is
 * closed at the hour of the run, so every step for a German customer is deferred).
 */
import { randomUUID } from 'node:crypto';
import { campaignsV1, complianceV1 } from '@cec/proto';
import { actorMetadata } from '../compliance/rules';
import { unary, type Unary } from '../common/grpc';
import type { Schedule } from './database';

const { Channel, TaskType, StepAnchor, Priority } = campaignsV1;

const BODY = 'Hello {{contact_name}}, {{amount_due}} is due on invoice {{invoice_number}} ({{company_name}}). {{opt_out_instructions}}';

async function createTemplate(client: campaignsV1.TemplateServiceClient, name: string, channel: campaignsV1.Channel): Promise<string> {
  const { template } = await unary(
    client,
    client.createTemplate as Unary<campaignsV1.CreateTemplateRequest, campaignsV1.CreateTemplateResponse>,
    {
      template: campaignsV1.Template.fromPartial({ name, channel, language: 'en', subject: channel === Channel.CHANNEL_EMAIL ? 'Invoice {{invoice_number}}' : '', body: BODY }),
      requestId: randomUUID(),
    },
    30_000,
  );
  return template?.id as string;
}

/**
 * The three templates, and the schedules: half the campaigns start with an e-mail (SMS fallback),
 * three in ten with an SMS (e-mail fallback), two in ten with a call (e-mail fallback); each has
 * two more steps 10 and 20 days after the due date, so exactly one step is due.
 */
export async function makeSchedules(
  templates: campaignsV1.TemplateServiceClient,
  campaigns: campaignsV1.CampaignServiceClient,
  customerId: string,
  invoiceIds: string[],
): Promise<Schedule[]> {
  const email = await createTemplate(templates, 'bench_engine_email', Channel.CHANNEL_EMAIL);
  const sms = await createTemplate(templates, 'bench_engine_sms', Channel.CHANNEL_SMS);
  const call = await createTemplate(templates, 'bench_engine_call', Channel.CHANNEL_PHONE);
  const ids = { email, sms, call };
  const types = { email: TaskType.TASK_TYPE_SEND_EMAIL, sms: TaskType.TASK_TYPE_SEND_SMS, call: TaskType.TASK_TYPE_MAKE_CALL };
  type Kind = keyof typeof ids;
  const step = (name: string, kind: Kind, delayDays: number, fallback?: Kind): campaignsV1.EscalationStep =>
    campaignsV1.EscalationStep.fromPartial({
      name,
      taskType: types[kind],
      templateId: ids[kind],
      delayDays,
      anchor: StepAnchor.STEP_ANCHOR_DUE_DATE,
      priority: delayDays > 10 ? Priority.PRIORITY_HIGH : Priority.PRIORITY_MEDIUM,
      ...(fallback ? { fallbackTaskType: types[fallback], fallbackTemplateId: ids[fallback] } : {}),
    });
  const specs: { name: string; tenths: number; steps: campaignsV1.EscalationStep[] }[] = [
    { name: 'e-mail first (SMS fallback)', tenths: 5, steps: [step('Friendly e-mail', 'email', 1, 'sms'), step('SMS reminder', 'sms', 10), step('Reminder call', 'call', 20)] },
    { name: 'SMS first (e-mail fallback)', tenths: 3, steps: [step('SMS reminder', 'sms', 1, 'email'), step('Firm e-mail', 'email', 10), step('Reminder call', 'call', 20)] },
    { name: 'call first (e-mail fallback)', tenths: 2, steps: [step('Reminder call', 'call', 1, 'email'), step('Firm e-mail', 'email', 10), step('Final e-mail', 'email', 20)] },
  ];
  const schedules: Schedule[] = [];
  for (const [i, spec] of specs.entries()) {
    const { campaign } = await unary(
      campaigns,
      campaigns.createCampaign as Unary<campaignsV1.CreateCampaignRequest, campaignsV1.CreateCampaignResponse>,
      campaignsV1.CreateCampaignRequest.fromPartial({
        campaign: { customerId, name: `Bench prototype ${i + 1}: ${spec.name}`, invoiceIds: [invoiceIds[i % invoiceIds.length]], steps: spec.steps },
        start: false,
        requestId: randomUUID(),
      }),
      30_000,
    );
    schedules.push({ name: spec.name, prototypeId: campaign?.id as string, tenths: spec.tenths });
  }
  return schedules;
}

/** The hour (0-23) it is now in `zone`. */
function hourIn(zone: string, at: Date): number {
  return Number(new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', hourCycle: 'h23' }).format(at));
}

/** Regulation F for the US, and a German contact window (all channels) two hours long that excludes the present hour in Berlin. */
export async function installRules(client: complianceV1.ComplianceRuleServiceClient, now: Date): Promise<string[]> {
  const { rules } = await unary(
    client,
    client.installPreset as Unary<complianceV1.InstallPresetRequest, complianceV1.InstallPresetResponse>,
    { name: 'us-regulation-f' },
    30_000,
    actorMetadata(),
  );
  const [start, end] = hourIn('Europe/Berlin', now) < 12 ? ['20:00', '22:00'] : ['02:00', '04:00'];
  const { rule } = await unary(
    client,
    client.createRule as Unary<complianceV1.CreateRuleRequest, complianceV1.CreateRuleResponse>,
    {
      rule: complianceV1.ComplianceRule.fromPartial({
        code: 'bench_de_evening_only',
        name: `Germany: contact ${start}-${end} only (closed at the hour of the benchmark)`,
        channels: [complianceV1.Channel.CHANNEL_EMAIL, complianceV1.Channel.CHANNEL_PHONE, complianceV1.Channel.CHANNEL_SMS],
        scope: { kind: complianceV1.ScopeKind.SCOPE_KIND_COUNTRY, countryCode: 'DE' },
        parameters: { $case: 'contactWindow', value: { start, end, days: [] } },
      }),
      requestId: '',
    },
    30_000,
    actorMetadata(),
  );
  return [...rules.map((r) => r.code), `${rule?.code ?? '?'} (${start}-${end} Berlin)`];
}
