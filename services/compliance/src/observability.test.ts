/**
 * The compliance service's /metrics as Prometheus scrapes it: valid text, the calls made
 * counted, decisions by result and by the rule (code) that decided, a retry not counted twice.
 */
import { randomUUID } from 'node:crypto';
import { complianceV1 } from '@cec/proto';
import { call, sampleValue, scrapeMetrics, type MetricFamily } from '@cec/testing';
import { useComplianceService } from './testing/compliance-harness';
import { complianceFixtures } from './testing/fixtures';

const h = useComplianceService();
const { newCustomer } = complianceFixtures(h);
const { Channel, DecisionResult, ReasonCode } = complianceV1;

// Wednesday 13 January 2027 in New York (EST): 07:00 local (before the calling hours) and noon.
const BEFORE_HOURS = new Date('2027-01-13T12:00:00Z');
const MIDDAY = new Date('2027-01-13T17:00:00Z');
const BATCH = '/escalation.compliance.v1.ComplianceService/BatchCheckContacts';
const CHECK = '/escalation.compliance.v1.ComplianceService/CheckContact';

const decisions = (m: Map<string, MetricFamily>, result: string) => sampleValue(m, 'compliance_decisions_total', { result });
const handled = (m: Map<string, MetricFamily>, method: string) => sampleValue(m, 'grpc_server_handled_total', { method, code: 'OK' });

describe('the compliance service /metrics', () => {
  beforeAll(async () => {
    await call(h.rules, 'installPreset', { name: 'us-regulation-f' });
  });

  it('counts a BatchCheckContacts by result and by the rule that decided, and the call itself', async () => {
    const [a, b, early, optedOut] = [await newCustomer(), await newCustomer(), await newCustomer(), await newCustomer()];
    await call(h.optOuts, 'recordOptOut', complianceV1.RecordOptOutRequest.fromPartial({ customerId: optedOut, channel: Channel.CHANNEL_SMS, source: complianceV1.OptOutSource.OPT_OUT_SOURCE_REPLY_STOP }));
    const before = await scrapeMetrics(h.kit.metricsAddress);
    expect(before.get('compliance_decisions_total')?.type).toBe('counter');

    const checks = [
      { customerId: a, channel: Channel.CHANNEL_PHONE, proposedTime: MIDDAY, requestId: randomUUID() },
      { customerId: b, channel: Channel.CHANNEL_PHONE, proposedTime: MIDDAY, requestId: '' },
      { customerId: early, channel: Channel.CHANNEL_PHONE, proposedTime: BEFORE_HOURS, requestId: '' },
      { customerId: optedOut, channel: Channel.CHANNEL_SMS, proposedTime: MIDDAY, requestId: '' },
    ];
    const made = (await call(h.compliance, 'batchCheckContacts', { checks })).decisions;
    expect(made.map((d) => d.result)).toEqual([
      DecisionResult.DECISION_RESULT_ALLOW,
      DecisionResult.DECISION_RESULT_ALLOW,
      DecisionResult.DECISION_RESULT_DEFER,
      DecisionResult.DECISION_RESULT_DENY,
    ]);
    // A retry of the first check is given its decision again: no new decision is counted.
    await call(h.compliance, 'checkContact', checks[0]);

    const after = await scrapeMetrics(h.kit.metricsAddress);
    expect(decisions(after, 'ALLOW') - decisions(before, 'ALLOW')).toBe(2);
    expect(decisions(after, 'DEFER') - decisions(before, 'DEFER')).toBe(1);
    expect(decisions(after, 'DENY') - decisions(before, 'DENY')).toBe(1);
    expect(handled(after, BATCH) - handled(before, BATCH)).toBe(1);
    expect(handled(after, CHECK) - handled(before, CHECK)).toBe(1);

    // The DEFER's reason names the preset's rule by its code; the opt-out is no rule's.
    const deferReason = made[2].reasons[0];
    expect(deferReason.code).toBe(ReasonCode.REASON_CODE_OUTSIDE_CONTACT_WINDOW);
    const ruleCode = made[2].rules.find((r) => r.ruleId === deferReason.ruleId)?.code as string;
    expect(ruleCode).toMatch(/^reg_f_/);
    expect(sampleValue(after, 'compliance_decision_reasons_total', { result: 'DEFER', reason: 'OUTSIDE_CONTACT_WINDOW', rule: ruleCode })).toBe(1);
    expect(sampleValue(after, 'compliance_decision_reasons_total', { result: 'DENY', reason: 'OPTED_OUT', rule: '' })).toBe(1);
  });
});
