/*
 * Who may call the compliance service, with authentication on (TLS_* and AUTH_* set) in it and
 * in the customers service it asks: real servers over real TLS, tokens signed by a test key,
 * certificates of one test CA. Only a compliance officer changes rules; only a service the
 * policy lets act on behalf of others may say whom a call is for.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { workspaceRoot } from '@cec/db';
import { complianceV1, customersV1 } from '@cec/proto';
import { startService, type RunningService } from '@cec/service-runtime';
import {
  call,
  createTestDatabase,
  createTestIdentity,
  rejectionOf,
  snapshot,
  startServiceProcess,
  startTestService,
  type ServiceProcess,
  type TestDatabase,
  type TestIdentity,
  type TestService,
} from '@cec/testing';
import { complianceServiceSpec } from './compliance-service';
import { COMPLIANCE_TABLES } from './testing/fixtures';

const CLIENTS = { rules: complianceV1.ComplianceRuleServiceClient };
type Kit = TestService<RunningService, typeof CLIENTS>;
const { Channel, OptOutSource } = complianceV1;

let identity: TestIdentity;
let db: TestDatabase;
let customersProcess: ServiceProcess;
let kit: Kit;
let customers: customersV1.CustomerServiceClient;
/** Clients of OptOutService with a service's certificate. */
const optOutsAs: Record<string, complianceV1.OptOutServiceClient> = {};

beforeAll(async () => {
  identity = await createTestIdentity();
  // The repository's policy, with RecordOptOut opened to metrics too, which may not act on
  // behalf of others (campaigns, already granted it, may).
  const policy = readFileSync(join(workspaceRoot(), 'config', 'access-policy.yaml'), 'utf8');
  const widened = policy.replace('RecordOptOut: [collections-operator, compliance-officer, agent, service:campaigns]', 'RecordOptOut: [collections-operator, compliance-officer, agent, service:campaigns, service:metrics]');
  expect(widened).not.toBe(policy);
  const policyFile = join(identity.dir, 'access-policy.yaml');
  writeFileSync(policyFile, widened);

  db = await createTestDatabase();
  customersProcess = await startServiceProcess('customers', db.url, { ...identity.serviceEnv('customers'), OVERDUE_SWEEP_INTERVAL_MS: '0' });
  kit = await startTestService(complianceServiceSpec, {
    start: startService,
    clients: CLIENTS,
    database: db,
    channelCredentials: identity.credentials(),
    env: { ...identity.serviceEnv('compliance'), AUTH_POLICY_FILE: policyFile, CUSTOMERS_ADDRESS: customersProcess.address },
  });
  customers = new customersV1.CustomerServiceClient(customersProcess.address, identity.credentials());
  for (const service of ['campaigns', 'metrics']) optOutsAs[service] = new complianceV1.OptOutServiceClient(kit.address, identity.credentials(service));
});

afterAll(async () => {
  customers?.close();
  Object.values(optOutsAs).forEach((c) => c.close());
  await kit?.stop();
  await customersProcess?.stop();
  await db?.drop();
  identity?.remove();
});

const token = (subject: string, role: string) => identity.bearer(subject, [role]);

/** The tables a rule change or an opt-out writes, and the audit trail's rows (the sequencer seals them in the background). */
const state = async () => ({
  ...(await snapshot(kit.db, COMPLIANCE_TABLES)),
  audit_logs: await kit.db.query("SELECT id, entity_type, entity_id, action, actor_type, actor_id, details FROM audit_logs WHERE action <> 'permission_denied' ORDER BY id"),
});

const ruleMessage = (overrides: Partial<complianceV1.ComplianceRule> = {}) =>
  complianceV1.ComplianceRule.fromPartial({
    code: `auth_rule_${randomUUID().slice(0, 8)}`,
    name: 'Auth test window',
    channels: [Channel.CHANNEL_EMAIL],
    scope: { kind: complianceV1.ScopeKind.SCOPE_KIND_GLOBAL },
    parameters: { $case: 'contactWindow', value: { start: '08:00', end: '21:00', days: [] } },
    ...overrides,
  });

const refusals = () =>
  kit.db.query<{ actor_type: string; actor_id: string; details: Record<string, unknown> }>(
    "SELECT actor_type, actor_id, details FROM audit_logs WHERE entity_type = 'access' AND action = 'permission_denied' ORDER BY append_id",
  );

describe('compliance with authentication on', () => {
  let ruleId = '';

  it('lets a compliance officer create and update a rule, recorded as the token subject', async () => {
    const officer = await token('officer@acme.example', 'compliance-officer');
    const { rule } = await call(kit.clients.rules, 'createRule', { rule: ruleMessage(), requestId: '' }, { metadata: officer });
    ruleId = rule?.id as string;
    const { rule: updated } = await call(
      kit.clients.rules,
      'updateRule',
      { rule: complianceV1.ComplianceRule.fromPartial({ id: ruleId, name: 'Auth test window, later' }), updateMask: ['name'], expectedVersion: 1 },
      { metadata: officer },
    );
    expect(updated?.version).toBe(2);
    const audited = await kit.db.query<{ action: string; actor_type: string; actor_id: string }>(
      "SELECT action, actor_type, actor_id FROM audit_logs WHERE entity_type = 'compliance_rule' AND entity_id = $1 ORDER BY append_id",
      [ruleId],
    );
    expect(audited.map((r) => [r.actor_type, r.actor_id])).toEqual([
      ['user', 'officer@acme.example'],
      ['user', 'officer@acme.example'],
    ]);
  });

  it('refuses a collections operator creating, updating or deactivating a rule: PERMISSION_DENIED, no row changed, each refusal recorded', async () => {
    const operator = await token('ops@acme.example', 'collections-operator');
    const before = await state();
    const refused = [
      await rejectionOf(call(kit.clients.rules, 'createRule', { rule: ruleMessage(), requestId: '' }, { metadata: operator })),
      await rejectionOf(
        call(
          kit.clients.rules,
          'updateRule',
          { rule: complianceV1.ComplianceRule.fromPartial({ id: ruleId, name: 'Loosened by ops' }), updateMask: ['name'], expectedVersion: 2 },
          { metadata: operator },
        ),
      ),
      await rejectionOf(call(kit.clients.rules, 'deactivateRule', { ruleId, reason: 'in the way' }, { metadata: operator })),
    ];
    expect(refused.map((e) => status[e.code])).toEqual(['PERMISSION_DENIED', 'PERMISSION_DENIED', 'PERMISSION_DENIED']);
    expect(await state()).toEqual(before);
    expect((await refusals()).slice(-3).map((r) => [r.actor_type, r.actor_id, r.details.method])).toEqual([
      ['user', 'ops@acme.example', 'escalation.compliance.v1.ComplianceRuleService/CreateRule'],
      ['user', 'ops@acme.example', 'escalation.compliance.v1.ComplianceRuleService/UpdateRule'],
      ['user', 'ops@acme.example', 'escalation.compliance.v1.ComplianceRuleService/DeactivateRule'],
    ]);
    // The operator may still read the rules.
    const { rule } = await call(kit.clients.rules, 'getRule', { ruleId, version: 0 }, { metadata: operator });
    expect(rule).toMatchObject({ version: 2, name: 'Auth test window, later' });
  });

  it('takes the actor a service passes along only from a service allowed to act on behalf of others', async () => {
    const operator = await token('ops@acme.example', 'collections-operator');
    const { customer } = await call(
      customers,
      'createCustomer',
      {
        customer: customersV1.Customer.fromPartial({ companyName: `Auth Opt-out ${randomUUID().slice(0, 8)}`, email: 'ap@opt-out.example' }),
        profile: customersV1.CustomerProfile.fromPartial({ timeZone: 'UTC', countryCode: 'GB' }),
        requestId: randomUUID(),
      },
      { metadata: operator },
    );
    const customerId = customer?.id as string;
    const optOut = (as: string, actor: string, channel: complianceV1.Channel) =>
      call(
        optOutsAs[as],
        'recordOptOut',
        complianceV1.RecordOptOutRequest.fromPartial({ customerId, channel, source: OptOutSource.OPT_OUT_SOURCE_CUSTOMER_REQUEST, reason: 'asked to stop', requestId: randomUUID() }),
        { metadata: { 'x-actor': actor } },
      );
    await optOut('campaigns', 'user:dana@acme.example', Channel.CHANNEL_SMS);
    // metrics' certificate is good and the policy lets it record an opt-out, but not for someone else.
    await optOut('metrics', 'user:ceo@acme.example', Channel.CHANNEL_EMAIL);
    const rows = await kit.db.query<{ actor_type: string; actor_id: string; via: string | null; channel: string; recorded_by: string }>(
      `SELECT a.actor_type, a.actor_id, a.details->>'via' AS via, a.details->>'channel' AS channel, o.recorded_by
         FROM audit_logs a JOIN opt_out_events o ON o.id = (a.details->>'opt_out_event_id')::uuid
        WHERE a.entity_type = 'customer' AND a.entity_id = $1 AND a.action = 'opted_out' ORDER BY a.append_id`,
      [customerId],
    );
    expect(rows).toEqual([
      { actor_type: 'user', actor_id: 'dana@acme.example', via: 'service:campaigns', channel: 'sms', recorded_by: 'user:dana@acme.example' },
      { actor_type: 'service', actor_id: 'metrics', via: null, channel: 'email', recorded_by: 'service:metrics' },
    ]);
    // And what metrics may not call is refused as metrics, whoever it claims to act for.
    const rules = new complianceV1.ComplianceRuleServiceClient(kit.address, identity.credentials('metrics'));
    try {
      const error = await rejectionOf(call(rules, 'createRule', { rule: ruleMessage(), requestId: '' }, { metadata: { 'x-actor': 'user:officer@acme.example' } }));
      expect(error.code).toBe(status.PERMISSION_DENIED);
      expect((await refusals()).at(-1)).toMatchObject({ actor_type: 'service', actor_id: 'metrics' });
    } finally {
      rules.close();
    }
  });

  it('answers UNAUTHENTICATED to a call without credentials', async () => {
    const error = await rejectionOf(call(kit.clients.rules, 'listRules', complianceV1.ListRulesRequest.fromPartial({})));
    expect(error.code).toBe(status.UNAUTHENTICATED);
  });
});
