import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { complianceV1 } from '@cec/proto';
import { call, expectInvalid, rejectionOf } from '@cec/testing';
import { useComplianceService } from '../../testing/compliance-harness';
import { complianceFixtures } from '../../testing/fixtures';

const h = useComplianceService();
const { ruleMessage, createRule, state, auditEvents, newCustomer } = complianceFixtures(h);
const { Channel, ScopeKind, RuleType, ContactOutcome } = complianceV1;

describe('CreateRule', () => {
  it('creates version 1 with every field as given, audited', async () => {
    const rule = await createRule({
      name: 'Calls in business hours',
      citation: 'house policy 4.2',
      channels: [Channel.CHANNEL_SMS, Channel.CHANNEL_PHONE],
      scope: { kind: ScopeKind.SCOPE_KIND_REGION, countryCode: 'US', regionCode: 'MA', customerId: '' },
      parameters: { $case: 'contactWindow', value: { start: '09:00', end: '17:30', days: [1, 2, 3, 4, 5] } },
      effectiveFrom: '2026-01-01',
    });
    expect(rule).toMatchObject({
      version: 1,
      name: 'Calls in business hours',
      citation: 'house policy 4.2',
      type: RuleType.RULE_TYPE_CONTACT_WINDOW,
      // stored in a fixed order
      channels: [Channel.CHANNEL_PHONE, Channel.CHANNEL_SMS],
      scope: { kind: ScopeKind.SCOPE_KIND_REGION, countryCode: 'US', regionCode: 'MA', customerId: '' },
      parameters: { $case: 'contactWindow', value: { start: '09:00', end: '17:30', days: [1, 2, 3, 4, 5] } },
      active: true,
      effectiveFrom: '2026-01-01',
      effectiveTo: '',
      updatedBy: 'service:unknown',
    });
    expect(rule.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await auditEvents(rule.id)).toEqual([expect.objectContaining({ action: 'created' })]);
    const [row] = await h.db.query('SELECT jurisdiction, channel, parameters FROM compliance_rules WHERE id = $1', [rule.id]);
    expect(row).toEqual({ jurisdiction: 'US-MA', channel: 'all', parameters: { start: '09:00', end: '17:30', days: [1, 2, 3, 4, 5] } });
  });

  it('stores each parameter kind as the database documents it', async () => {
    const cap = await createRule({
      channels: [Channel.CHANNEL_PHONE],
      parameters: { $case: 'frequencyCap', value: { maxAttempts: 7, windowDays: 7, countedOutcomes: [ContactOutcome.CONTACT_OUTCOME_ANSWERED] } },
    });
    const cooldown = await createRule({ parameters: { $case: 'conversationCooldown', value: { days: 7, afterOutcomes: [] } } });
    const blackout = await createRule({ parameters: { $case: 'blackoutDates', value: { dates: ['2026-12-25'] } } });
    const block = await createRule({ parameters: { $case: 'channelBlock', value: {} } });
    const rows = await h.db.query<{ id: string; rule_type: string; parameters: unknown }>(
      'SELECT id, rule_type, parameters FROM compliance_rules WHERE id = ANY($1) ORDER BY rule_type',
      [[cap.id, cooldown.id, blackout.id, block.id]],
    );
    expect(rows.map((r) => [r.rule_type, r.parameters])).toEqual([
      ['blackout_dates', { dates: ['2026-12-25'] }],
      ['channel_block', {}],
      ['conversation_cooldown', { days: 7, after_outcomes: ['answered', 'replied'] }],
      ['frequency_cap', { max_attempts: 7, window_days: 7, counted_outcomes: ['answered'] }],
    ]);
  });

  it('a retry with the same request_id returns the first rule', async () => {
    const requestId = randomUUID();
    const rule = ruleMessage();
    const first = await call(h.rules, 'createRule', { rule, requestId });
    const again = await call(h.rules, 'createRule', { rule, requestId });
    expect(again.rule?.id).toBe(first.rule?.id);
    expect(await h.db.query('SELECT 1 FROM compliance_rules WHERE code = $1', [rule.code])).toHaveLength(1);
  });

  it('refuses bad input naming every bad field, and stores nothing', async () => {
    const before = await state();
    await expectInvalid(
      call(h.rules, 'createRule', {
        rule: ruleMessage({
          code: 'Bad Code',
          name: '',
          channels: [],
          scope: { kind: ScopeKind.SCOPE_KIND_COUNTRY, countryCode: 'usa', regionCode: '', customerId: '' },
          parameters: { $case: 'frequencyCap', value: { maxAttempts: 0, windowDays: 400, countedOutcomes: [99 as complianceV1.ContactOutcome] } },
        }),
        requestId: 'not-a-uuid',
      }),
      ['request_id', 'rule.code', 'rule.name', 'rule.channels', 'rule.scope.country_code', 'rule.frequency_cap.max_attempts', 'rule.frequency_cap.window_days', 'rule.frequency_cap.counted_outcomes[0]'],
    );
    await expectInvalid(call(h.rules, 'createRule', { rule: ruleMessage({ parameters: undefined }), requestId: '' }), ['rule.parameters']);
    await expectInvalid(
      call(h.rules, 'createRule', { rule: ruleMessage({ parameters: { $case: 'contactWindow', value: { start: '21:00', end: '08:00', days: [8] } } }), requestId: '' }),
      ['rule.contact_window.end', 'rule.contact_window.days[0]'],
    );
    expect(await state()).toEqual(before);
  });

  it('a taken code is ALREADY_EXISTS and changes nothing', async () => {
    const rule = await createRule();
    const before = await state();
    const error = await rejectionOf(call(h.rules, 'createRule', { rule: ruleMessage({ code: rule.code }), requestId: '' }));
    expect(error.code).toBe(status.ALREADY_EXISTS);
    expect(error.details).toBe(`a compliance rule with code "${rule.code}" exists: codes are unique`);
    expect(await state()).toEqual(before);
  });
});

describe('UpdateRule, versions, DeactivateRule', () => {
  it('makes a new version per change, keeps the old one readable, and audits before and after', async () => {
    const rule = await createRule({ parameters: { $case: 'frequencyCap', value: { maxAttempts: 3, windowDays: 7, countedOutcomes: [] } } });
    const updated = await call(h.rules, 'updateRule', {
      rule: complianceV1.ComplianceRule.fromPartial({ id: rule.id, parameters: { $case: 'frequencyCap', value: { maxAttempts: 2, windowDays: 7, countedOutcomes: [] } } }),
      updateMask: ['parameters'],
      expectedVersion: 1,
    });
    expect(updated.rule).toMatchObject({ version: 2, name: rule.name, parameters: { $case: 'frequencyCap', value: { maxAttempts: 2 } } });

    const v1 = await call(h.rules, 'getRule', { ruleId: rule.id, version: 1 });
    expect(v1.rule).toMatchObject({ version: 1, parameters: { $case: 'frequencyCap', value: { maxAttempts: 3 } } });
    const versions = await call(h.rules, 'listRuleVersions', { ruleId: rule.id });
    expect(versions.versions.map((r) => r.version)).toEqual([2, 1]);
    expect(await auditEvents(rule.id)).toEqual([
      expect.objectContaining({ action: 'created' }),
      expect.objectContaining({ action: 'updated', details: expect.objectContaining({ before: expect.objectContaining({ version: 1 }), after: expect.objectContaining({ version: 2 }) }) }),
    ]);
  });

  it('an update that changes nothing makes no version; a stale expected_version is ABORTED', async () => {
    const rule = await createRule();
    const same = await call(h.rules, 'updateRule', { rule: complianceV1.ComplianceRule.fromPartial({ id: rule.id, name: rule.name }), updateMask: ['name'], expectedVersion: 0 });
    expect(same.rule?.version).toBe(1);
    const before = await state();
    const error = await rejectionOf(
      call(h.rules, 'updateRule', { rule: complianceV1.ComplianceRule.fromPartial({ id: rule.id, name: 'other' }), updateMask: ['name'], expectedVersion: 5 }),
    );
    expect(error.code).toBe(status.ABORTED);
    expect(await state()).toEqual(before);
  });

  it('refuses to change the rule type, or bad values, and changes nothing', async () => {
    const rule = await createRule();
    const before = await state();
    await expectInvalid(
      call(h.rules, 'updateRule', {
        rule: complianceV1.ComplianceRule.fromPartial({ id: rule.id, parameters: { $case: 'channelBlock', value: {} } }),
        updateMask: ['parameters'],
        expectedVersion: 0,
      }),
      ['rule.parameters'],
    );
    await expectInvalid(
      call(h.rules, 'updateRule', { rule: complianceV1.ComplianceRule.fromPartial({ id: rule.id, effectiveFrom: '2026-02-30' }), updateMask: ['effectiveFrom'], expectedVersion: 0 }),
      ['rule.effective_from'],
    );
    expect(await state()).toEqual(before);
  });

  it('deactivates with a reason (a new version), and says NOT_FOUND for an unknown rule', async () => {
    const rule = await createRule();
    const off = await call(h.rules, 'deactivateRule', { ruleId: rule.id, reason: 'superseded by house policy 5' });
    expect(off.rule).toMatchObject({ active: false, version: 2 });
    expect((await auditEvents(rule.id)).map((e) => e.action)).toEqual(['created', 'deactivated']);
    await expectInvalid(call(h.rules, 'deactivateRule', { ruleId: rule.id, reason: '' }), ['reason']);
    expect((await rejectionOf(call(h.rules, 'getRule', { ruleId: randomUUID(), version: 0 }))).code).toBe(status.NOT_FOUND);
    expect((await rejectionOf(call(h.rules, 'getRule', { ruleId: rule.id, version: 9 }))).code).toBe(status.NOT_FOUND);
  });
});

describe('ListRules', () => {
  it('filters by type, scope, country, channel, active and customer, page by page', async () => {
    const customerId = await newCustomer();
    const mine = await createRule({ scope: { kind: ScopeKind.SCOPE_KIND_CUSTOMER, customerId, countryCode: '', regionCode: '' }, channels: [Channel.CHANNEL_SMS] });
    const de = await createRule({ scope: { kind: ScopeKind.SCOPE_KIND_COUNTRY, countryCode: 'DE', regionCode: '', customerId: '' } });
    const list = (request: Partial<complianceV1.ListRulesRequest>) => call(h.rules, 'listRules', complianceV1.ListRulesRequest.fromPartial(request));
    expect((await list({ customerId })).rules.map((r) => r.id)).toEqual([mine.id]);
    expect((await list({ countryCode: 'DE' })).rules.map((r) => r.id)).toEqual([de.id]);
    expect((await list({ scopeKind: ScopeKind.SCOPE_KIND_CUSTOMER, channel: Channel.CHANNEL_SMS })).rules.map((r) => r.id)).toContain(mine.id);
    expect((await list({ channel: Channel.CHANNEL_PHONE })).rules.map((r) => r.id)).not.toContain(mine.id);

    const all = (await list({ pageSize: 1000 })).rules.map((r) => r.code);
    const paged: string[] = [];
    let pageToken = '';
    do {
      const page = await list({ pageSize: 2, pageToken });
      paged.push(...page.rules.map((r) => r.code));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(paged).toEqual(all);
    await expectInvalid(list({ type: 42 as complianceV1.RuleType }), ['type']);
  });
});

describe('presets', () => {
  it('lists US Regulation F and Massachusetts, and installs each once', async () => {
    const presets = await call(h.rules, 'listPresets', {});
    expect(presets.presets.map((p) => p.name)).toEqual(['us-regulation-f', 'us-massachusetts']);
    const first = await call(h.rules, 'installPreset', { name: 'us-regulation-f' });
    expect(first.installedCount).toBe(first.rules.length);
    expect(first.rules.length).toBeGreaterThanOrEqual(3);
    expect(first.rules.every((r) => r.preset === 'us-regulation-f' && r.version === 1)).toBe(true);
    const again = await call(h.rules, 'installPreset', { name: 'us-regulation-f' });
    expect(again).toEqual({ installedCount: 0, rules: first.rules });
    expect((await rejectionOf(call(h.rules, 'installPreset', { name: 'eu-gdpr' }))).code).toBe(status.NOT_FOUND);
  });
});
