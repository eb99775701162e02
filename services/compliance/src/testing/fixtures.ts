import { randomUUID } from 'node:crypto';
import { complianceV1, customersV1 } from '@cec/proto';
import { call, snapshot } from '@cec/testing';
import type { ComplianceHarness } from './compliance-harness';

/** Every table a compliance call may change: a failed call must leave each as it was. */
export const COMPLIANCE_TABLES = [
  'compliance_rules',
  'compliance_rule_versions',
  'opt_out_events',
  'compliance_decisions',
  'contact_reservations',
  'compliance_contact_attempts',
] as const;

export function complianceFixtures(h: ComplianceHarness) {
  let serial = 0;

  /** A customer created through the customers service, with the profile facts compliance decides on. */
  async function newCustomer(profile: { timeZone?: string; countryCode?: string; regionCode?: string; doNotContact?: boolean } = {}): Promise<string> {
    serial += 1;
    const response = await call(h.customers, 'createCustomer', {
      customer: customersV1.Customer.fromPartial({ companyName: `Compliance Test ${serial} ${randomUUID().slice(0, 8)}`, email: `ap${serial}-${randomUUID().slice(0, 8)}@example.com` }),
      profile: customersV1.CustomerProfile.fromPartial({
        timeZone: profile.timeZone ?? 'America/New_York',
        countryCode: profile.countryCode ?? 'US',
        regionCode: profile.regionCode ?? '',
        doNotContact: profile.doNotContact ?? false,
        doNotContactReason: profile.doNotContact ? 'asked in writing' : '',
      }),
      requestId: randomUUID(),
    });
    return response.customer?.id as string;
  }

  /** A rule message with sensible defaults: a global email window 08:00-21:00. */
  function ruleMessage(overrides: Partial<complianceV1.ComplianceRule> = {}): complianceV1.ComplianceRule {
    serial += 1;
    return complianceV1.ComplianceRule.fromPartial({
      code: `test_rule_${serial}_${randomUUID().slice(0, 6)}`,
      name: `Test rule ${serial}`,
      channels: [complianceV1.Channel.CHANNEL_EMAIL],
      scope: { kind: complianceV1.ScopeKind.SCOPE_KIND_GLOBAL },
      parameters: { $case: 'contactWindow', value: { start: '08:00', end: '21:00', days: [] } },
      ...overrides,
    });
  }

  async function createRule(overrides: Partial<complianceV1.ComplianceRule> = {}): Promise<complianceV1.ComplianceRule> {
    return (await call(h.rules, 'createRule', { rule: ruleMessage(overrides), requestId: '' })).rule as complianceV1.ComplianceRule;
  }

  /**
   * The tables, and the audit events by id: the sequencer seals events in the background (seq and
   * hashes), which is not a change a call made.
   */
  const state = async () => ({
    ...(await snapshot(h.db, COMPLIANCE_TABLES)),
    audit_logs: await h.db.query('SELECT id, entity_type, entity_id, action, actor_type, actor_id, details FROM audit_logs ORDER BY id'),
  });

  const auditEvents = (entityId: string) =>
    h.db.query<{ action: string; actor_type: string; actor_id: string; details: Record<string, unknown> }>(
      'SELECT action, actor_type, actor_id, details FROM audit_logs WHERE entity_id = $1 ORDER BY created_at, id',
      [entityId],
    );

  return { newCustomer, ruleMessage, createRule, state, auditEvents };
}
