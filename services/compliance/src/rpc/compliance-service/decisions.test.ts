import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { complianceV1 } from '@cec/proto';
import { call, expectInvalid, rejectionOf } from '@cec/testing';
import { useComplianceService } from '../../testing/compliance-harness';
import { complianceFixtures } from '../../testing/fixtures';

const h = useComplianceService();
const { newCustomer, createRule, state, auditEvents } = complianceFixtures(h);
const { Channel, DecisionResult, ReasonCode, ScopeKind, ContactOutcome } = complianceV1;

// Wednesday 13 January 2027 in New York (EST, UTC-5): 07:00 local is 12:00 UTC, before the window opens.
const BEFORE_HOURS = new Date('2027-01-13T12:00:00Z');
const OPENS = new Date('2027-01-13T13:00:00Z'); // 08:00 local
const MIDDAY = new Date('2027-01-13T17:00:00Z'); // 12:00 local

const check = (customerId: string, channel: complianceV1.Channel, proposedTime?: Date, requestId = '') =>
  call(h.compliance, 'checkContact', { customerId, channel, proposedTime, requestId });

const customerRule = (customerId: string, overrides: Partial<complianceV1.ComplianceRule>) =>
  createRule({ scope: { kind: ScopeKind.SCOPE_KIND_CUSTOMER, customerId, countryCode: '', regionCode: '' }, ...overrides });

describe('CheckContact', () => {
  beforeAll(async () => {
    await call(h.rules, 'installPreset', { name: 'us-regulation-f' });
  });

  it('allows a call in the window, reserves its slot, stores and audits the decision with the rules that applied', async () => {
    const customerId = await newCustomer({ timeZone: 'America/New_York', countryCode: 'US' });
    const { decision } = await check(customerId, Channel.CHANNEL_PHONE, MIDDAY);
    expect(decision).toMatchObject({ customerId, channel: Channel.CHANNEL_PHONE, result: DecisionResult.DECISION_RESULT_ALLOW, reasons: [], timeZone: 'America/New_York', countryCode: 'US' });
    expect(decision?.proposedTime?.toISOString()).toBe(MIDDAY.toISOString());
    expect(decision?.reservationExpireTime?.getTime()).toBeGreaterThan(MIDDAY.getTime());
    expect(decision?.rules.map((r) => r.code).sort()).toEqual(expect.arrayContaining(['reg_f_contact_hours']));
    expect(decision?.rules.every((r) => r.version === 1)).toBe(true);

    const stored = await call(h.compliance, 'getDecision', { decisionId: decision?.id as string });
    expect(stored.decision).toEqual(decision);
    expect(await h.db.query('SELECT channel, slot_at = $2 AS at_proposed FROM contact_reservations WHERE decision_id = $1', [decision?.id, MIDDAY])).toEqual([
      { channel: 'phone', at_proposed: true },
    ]);
    expect(await auditEvents(decision?.id as string)).toEqual([expect.objectContaining({ action: 'contact_allowed' })]);
  });

  it('defers a call before 08:00 local time to the opening of the window, naming the rule and its version', async () => {
    const customerId = await newCustomer({ timeZone: 'America/New_York', countryCode: 'US' });
    const { decision } = await check(customerId, Channel.CHANNEL_PHONE, BEFORE_HOURS);
    expect(decision?.result).toBe(DecisionResult.DECISION_RESULT_DEFER);
    expect(decision?.notBeforeTime?.toISOString()).toBe(OPENS.toISOString());
    const [rule] = (await call(h.rules, 'listRules', complianceV1.ListRulesRequest.fromPartial({ countryCode: 'US', type: complianceV1.RuleType.RULE_TYPE_CONTACT_WINDOW }))).rules;
    expect(decision?.reasons).toEqual([expect.objectContaining({ code: ReasonCode.REASON_CODE_OUTSIDE_CONTACT_WINDOW, ruleId: rule.id, ruleVersion: 1 })]);
    expect(await h.db.query('SELECT 1 FROM contact_reservations WHERE decision_id = $1', [decision?.id])).toEqual([]);
  });

  it('reads a profile zone of "UTC" (the database default) as unknown: the window must hold in every US zone', async () => {
    const customerId = await newCustomer({ timeZone: 'UTC', countryCode: 'US' });
    // 12:00 in New York is 07:00 in Honolulu: too early somewhere in the US.
    const { decision } = await check(customerId, Channel.CHANNEL_PHONE, MIDDAY);
    expect(decision?.result).toBe(DecisionResult.DECISION_RESULT_DEFER);
    expect(decision?.timeZone).toBe('UTC');
  });

  it('denies a channel the customer opted out of, and every channel of a do-not-contact customer', async () => {
    const optedOut = await newCustomer();
    await call(h.optOuts, 'recordOptOut', complianceV1.RecordOptOutRequest.fromPartial({ customerId: optedOut, channel: Channel.CHANNEL_SMS, source: complianceV1.OptOutSource.OPT_OUT_SOURCE_REPLY_STOP }));
    expect((await check(optedOut, Channel.CHANNEL_SMS, MIDDAY)).decision?.reasons.map((r) => r.code)).toEqual([ReasonCode.REASON_CODE_OPTED_OUT]);
    expect((await check(optedOut, Channel.CHANNEL_EMAIL, MIDDAY)).decision?.result).toBe(DecisionResult.DECISION_RESULT_ALLOW);

    const dnc = await newCustomer({ doNotContact: true });
    const { decision } = await check(dnc, Channel.CHANNEL_EMAIL, MIDDAY);
    expect(decision).toMatchObject({ result: DecisionResult.DECISION_RESULT_DENY, doNotContact: true });
    expect(decision?.reasons.map((r) => r.code)).toContain(ReasonCode.REASON_CODE_DO_NOT_CONTACT);
  });

  it('of 20 concurrent checks for the last slot under a cap, exactly one is allowed', async () => {
    const customerId = await newCustomer();
    await customerRule(customerId, { channels: [Channel.CHANNEL_EMAIL], parameters: { $case: 'frequencyCap', value: { maxAttempts: 1, windowDays: 7, countedOutcomes: [] } } });
    // Warm every connection first (pools, plans), so that the 20 checks below really run at once.
    const warm = await newCustomer();
    await Promise.all(Array.from({ length: 20 }, () => check(warm, Channel.CHANNEL_SMS, MIDDAY)));
    const results = await Promise.all(Array.from({ length: 20 }, () => check(customerId, Channel.CHANNEL_EMAIL, MIDDAY)));
    const allowed = results.filter((r) => r.decision?.result === DecisionResult.DECISION_RESULT_ALLOW);
    expect(allowed).toHaveLength(1);
    expect(results.filter((r) => r.decision?.result === DecisionResult.DECISION_RESULT_DEFER)).toHaveLength(19);
    expect(await h.db.query('SELECT count(*)::int AS n FROM contact_reservations WHERE customer_id = $1', [customerId])).toEqual([{ n: 1 }]);
  });

  it('decides a customer no rule applies to under its lock too (the statement that takes the locks reads the rules)', async () => {
    // A country no rule names: the statement that takes the locks finds no rules.
    const customerId = await newCustomer({ timeZone: 'Asia/Tokyo', countryCode: 'JP' });
    await check(customerId, Channel.CHANNEL_EMAIL, MIDDAY); // warm the pools and plans
    const holder = await h.db.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query("SELECT pg_advisory_xact_lock(hashtext('compliance_customer'), hashtext($1))", [customerId]);
      let answered = false;
      const waiting = check(customerId, Channel.CHANNEL_EMAIL, MIDDAY).then((r) => {
        answered = true;
        return r;
      });
      await new Promise((r) => setTimeout(r, 400));
      expect(answered).toBe(false);
      await holder.query('COMMIT');
      const { decision } = await waiting;
      expect(decision?.customerId).toBe(customerId);
      const [{ n }] = await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM compliance_decisions WHERE customer_id = $1', [customerId]);
      expect(n).toBe(2);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      holder.release();
    }
  });

  it('a reservation no attempt consumed stops counting once it expires', async () => {
    const customerId = await newCustomer();
    await customerRule(customerId, { channels: [Channel.CHANNEL_EMAIL], parameters: { $case: 'frequencyCap', value: { maxAttempts: 1, windowDays: 7, countedOutcomes: [] } } });
    const first = (await check(customerId, Channel.CHANNEL_EMAIL)).decision;
    expect(first?.result).toBe(DecisionResult.DECISION_RESULT_ALLOW);
    expect((await check(customerId, Channel.CHANNEL_EMAIL)).decision?.result).toBe(DecisionResult.DECISION_RESULT_DEFER);
    // As if RESERVATION_TTL_MS had passed without an attempt for it.
    await h.db.query("UPDATE contact_reservations SET expires_at = slot_at + interval '1 millisecond' WHERE decision_id = $1", [first?.id]);
    expect((await check(customerId, Channel.CHANNEL_EMAIL)).decision?.result).toBe(DecisionResult.DECISION_RESULT_ALLOW);
  });

  it('a retried check with the same request_id returns the first decision and reserves nothing more', async () => {
    const customerId = await newCustomer();
    const requestId = randomUUID();
    const first = await check(customerId, Channel.CHANNEL_EMAIL, MIDDAY, requestId);
    const again = await check(customerId, Channel.CHANNEL_EMAIL, MIDDAY, requestId);
    expect(again.decision).toEqual(first.decision);
    expect(await h.db.query('SELECT count(*)::int AS n FROM compliance_decisions WHERE customer_id = $1', [customerId])).toEqual([{ n: 1 }]);
  });

  it('explains an old decision by the rule version it used, after the rule changed', async () => {
    const customerId = await newCustomer();
    const rule = await customerRule(customerId, { channels: [Channel.CHANNEL_SMS], parameters: { $case: 'blackoutDates', value: { dates: ['2027-01-13'] } } });
    const { decision } = await check(customerId, Channel.CHANNEL_SMS, MIDDAY);
    expect(decision?.result).toBe(DecisionResult.DECISION_RESULT_DEFER);
    await call(h.rules, 'updateRule', { rule: complianceV1.ComplianceRule.fromPartial({ id: rule.id, parameters: { $case: 'blackoutDates', value: { dates: ['2027-01-14'] } } }), updateMask: ['parameters'], expectedVersion: 1 });
    const stored = (await call(h.compliance, 'getDecision', { decisionId: decision?.id as string })).decision;
    const used = stored?.rules.find((r) => r.ruleId === rule.id);
    expect(used?.version).toBe(1);
    const asUsed = (await call(h.rules, 'getRule', { ruleId: rule.id, version: used?.version as number })).rule;
    expect(asUsed?.parameters).toEqual({ $case: 'blackoutDates', value: { dates: ['2027-01-13'] } });
  });

  it('refuses bad input naming the fields, an unknown customer with NOT_FOUND, and stores nothing', async () => {
    const before = await state();
    await expectInvalid(call(h.compliance, 'checkContact', { customerId: 'nope', channel: 0, proposedTime: new Date('2031-01-01T00:00:00Z'), requestId: 'x' }), [
      'customer_id',
      'channel',
      'proposed_time',
      'request_id',
    ]);
    await expectInvalid(
      call(h.compliance, 'batchCheckContacts', { checks: [{ customerId: randomUUID(), channel: Channel.CHANNEL_EMAIL, proposedTime: undefined, requestId: '' }, { customerId: '', channel: 9 as complianceV1.Channel, proposedTime: undefined, requestId: '' }] }),
      ['checks[1].customer_id', 'checks[1].channel'],
    );
    const unknown = await rejectionOf(check(randomUUID(), Channel.CHANNEL_EMAIL, MIDDAY));
    expect(unknown.code).toBe(status.NOT_FOUND);
    expect(await state()).toEqual(before);
  });
});

describe('BatchCheckContacts', () => {
  it('decides up to 1000 checks in request order, counting the batch\'s own allowed contacts', async () => {
    const capped = await newCustomer({ timeZone: 'Europe/Berlin', countryCode: 'DE' });
    await customerRule(capped, { channels: [Channel.CHANNEL_EMAIL], parameters: { $case: 'frequencyCap', value: { maxAttempts: 2, windowDays: 1, countedOutcomes: [] } } });
    const others = await Promise.all([1, 2, 3].map(() => newCustomer({ timeZone: 'Europe/Berlin', countryCode: 'DE' })));
    const checks = Array.from({ length: 1000 }, (_, i) => ({
      customerId: i % 250 === 0 ? capped : others[i % 3],
      channel: Channel.CHANNEL_EMAIL,
      proposedTime: MIDDAY,
      requestId: '',
    }));
    const { decisions } = await call(h.compliance, 'batchCheckContacts', { checks }, { deadlineMs: 60_000 });
    expect(decisions).toHaveLength(1000);
    expect(decisions.map((d) => d.customerId)).toEqual(checks.map((c) => c.customerId));
    const cappedResults = decisions.filter((d) => d.customerId === capped).map((d) => d.result);
    expect(cappedResults).toEqual([DecisionResult.DECISION_RESULT_ALLOW, DecisionResult.DECISION_RESULT_ALLOW, DecisionResult.DECISION_RESULT_DEFER, DecisionResult.DECISION_RESULT_DEFER]);
    expect(await h.db.query('SELECT count(*)::int AS n FROM compliance_decisions WHERE id = ANY($1)', [decisions.map((d) => d.id)])).toEqual([{ n: 1000 }]);
  });
});

describe('RecordContactAttempts', () => {
  it('records each attempt once, consumes the decision\'s reservation, and counts it in later checks', async () => {
    const customerId = await newCustomer();
    await customerRule(customerId, { channels: [Channel.CHANNEL_PHONE], parameters: { $case: 'frequencyCap', value: { maxAttempts: 1, windowDays: 7, countedOutcomes: [] } } });
    const { decision } = await check(customerId, Channel.CHANNEL_PHONE, MIDDAY);
    expect(decision?.result).toBe(DecisionResult.DECISION_RESULT_ALLOW);
    const attempt = { attemptId: randomUUID(), customerId, channel: Channel.CHANNEL_PHONE, attemptTime: new Date(Date.now() - 60_000), outcome: ContactOutcome.CONTACT_OUTCOME_NO_ANSWER, decisionId: decision?.id as string };
    expect(await call(h.compliance, 'recordContactAttempts', { attempts: [attempt] })).toEqual({ recordedCount: 1 });
    expect(await call(h.compliance, 'recordContactAttempts', { attempts: [attempt] })).toEqual({ recordedCount: 0 });
    expect(await h.db.query('SELECT consumed_by FROM contact_reservations WHERE decision_id = $1', [decision?.id])).toEqual([{ consumed_by: attempt.attemptId }]);
    // The attempt (a minute ago) now fills the cap: the next call waits until it ages out, 7 days later.
    const next = (await check(customerId, Channel.CHANNEL_PHONE)).decision;
    expect(next?.result).toBe(DecisionResult.DECISION_RESULT_DEFER);
    expect(next?.reasons.map((r) => r.code)).toContain(ReasonCode.REASON_CODE_FREQUENCY_CAP);
  });

  it('refuses a decision of another customer, a used decision or a bad element, and records nothing', async () => {
    const a = await newCustomer();
    const b = await newCustomer();
    const { decision } = await check(a, Channel.CHANNEL_EMAIL, MIDDAY);
    const used = { attemptId: randomUUID(), customerId: a, channel: Channel.CHANNEL_EMAIL, attemptTime: new Date(), outcome: ContactOutcome.CONTACT_OUTCOME_SENT, decisionId: decision?.id as string };
    await call(h.compliance, 'recordContactAttempts', { attempts: [used] });
    const before = await state();
    await expectInvalid(
      call(h.compliance, 'recordContactAttempts', {
        attempts: [
          { ...used, attemptId: randomUUID() },
          { ...used, attemptId: randomUUID(), customerId: b },
          { ...used, attemptId: 'x', outcome: 0, decisionId: '' },
        ],
      }),
      ['attempts[2].attempt_id', 'attempts[2].outcome'],
    );
    await expectInvalid(
      call(h.compliance, 'recordContactAttempts', { attempts: [{ ...used, attemptId: randomUUID() }, { ...used, attemptId: randomUUID(), customerId: b }] }),
      ['attempts[0].decision_id', 'attempts[1].decision_id'],
    );
    expect(await state()).toEqual(before);
  });
});
