/**
 * The rules the benchmark decides on, installed through the compliance service's own API
 * (ComplianceRuleService): the Regulation F and Massachusetts presets (InstallPreset), and a
 * few rules of our own (CreateRule): a global e-mail cap, global blackout dates, German
 * calling hours on weekdays and Saturdays, and SMS blocked for a few customers.
 */
import { Metadata } from '@grpc/grpc-js';
import { complianceV1 } from '@cec/proto';
import { unary, type Unary } from '../common/grpc';

const { Channel: C, ScopeKind: S } = complianceV1;

export const ACTOR = 'service:bench';

export function actorMetadata(): Metadata {
  const m = new Metadata();
  m.set('x-actor', ACTOR);
  return m;
}

const PRESETS = ['us-regulation-f', 'us-massachusetts'];

/** Local dates (YYYY-MM-DD) no contact happens on, given today's date in UTC: the day after next week's start and the year-end holidays. */
export function blackoutDates(today: Date): string[] {
  const iso = (d: Date): string => d.toISOString().slice(0, 10);
  const y = today.getUTCFullYear();
  const days = [
    iso(new Date(Date.UTC(y, today.getUTCMonth(), today.getUTCDate() + 4))), // a company-wide day off, inside the load's 7 days
    `${y}-12-24`,
    `${y}-12-25`,
    `${y}-12-26`,
    `${y}-12-31`,
    `${y + 1}-01-01`,
  ];
  return [...new Set(days)].sort();
}

/** What CreateRule needs of a rule; the rest is output only. */
type RuleSpec = Pick<complianceV1.ComplianceRule, 'code' | 'name' | 'channels' | 'parameters'> & { scope: Partial<complianceV1.RuleScope> };

function ownRules(today: Date, blockedSms: string[]): RuleSpec[] {
  return [
    {
      code: 'bench_email_weekly_cap',
      name: 'At most 3 e-mails in 7 days',
      channels: [C.CHANNEL_EMAIL],
      scope: { kind: S.SCOPE_KIND_GLOBAL },
      parameters: { $case: 'frequencyCap', value: { maxAttempts: 3, windowDays: 7, countedOutcomes: [] } },
    },
    {
      code: 'bench_blackout_dates',
      name: 'No contact on company holidays',
      channels: [C.CHANNEL_EMAIL, C.CHANNEL_PHONE, C.CHANNEL_SMS],
      scope: { kind: S.SCOPE_KIND_GLOBAL },
      parameters: { $case: 'blackoutDates', value: { dates: blackoutDates(today) } },
    },
    {
      code: 'bench_de_calling_hours',
      name: 'Germany: calls and texts 08:00-20:00, Monday to Saturday',
      channels: [C.CHANNEL_PHONE, C.CHANNEL_SMS],
      scope: { kind: S.SCOPE_KIND_COUNTRY, countryCode: 'DE' },
      parameters: { $case: 'contactWindow', value: { start: '08:00', end: '20:00', days: [1, 2, 3, 4, 5, 6] } },
    },
    ...blockedSms.map(
      (customerId, i): RuleSpec => ({
        code: `bench_no_sms_${i + 1}`,
        name: 'No SMS to this customer',
        channels: [C.CHANNEL_SMS],
        scope: { kind: S.SCOPE_KIND_CUSTOMER, customerId },
        parameters: { $case: 'channelBlock', value: {} },
      }),
    ),
  ];
}

/** Installs the presets and our rules through `client`; returns the codes of the rules installed. */
export async function installRules(client: complianceV1.ComplianceRuleServiceClient, today: Date, blockedSms: string[]): Promise<string[]> {
  const codes: string[] = [];
  for (const name of PRESETS) {
    const response = await unary(
      client,
      client.installPreset as Unary<complianceV1.InstallPresetRequest, complianceV1.InstallPresetResponse>,
      { name },
      30_000,
      actorMetadata(),
    );
    codes.push(...response.rules.map((r) => r.code));
  }
  for (const spec of ownRules(today, blockedSms)) {
    const response = await unary(
      client,
      client.createRule as Unary<complianceV1.CreateRuleRequest, complianceV1.CreateRuleResponse>,
      { rule: complianceV1.ComplianceRule.fromPartial({ ...spec, scope: complianceV1.RuleScope.fromPartial(spec.scope) }), requestId: '' },
      30_000,
      actorMetadata(),
    );
    codes.push(response.rule?.code ?? '?');
  }
  return codes;
}
