import { Counter } from 'prom-client';
import type { ServiceMetrics } from '@cec/observability';
import type { DecisionRecord } from './store/decision-rows';

/** Called with the decisions a call made (committed; not those a retry was given again). */
export type DecisionsObserver = (made: readonly DecisionRecord[]) => void;

/**
 * Decisions as Prometheus counters, counted in memory as they are made (no query):
 * `compliance_decisions_total{result}` (ALLOW, DEFER, DENY) and
 * `compliance_decision_reasons_total{result,reason,rule}`: each reason of a DEFER or DENY, by its
 * reason code (OPTED_OUT, FREQUENCY_CAP, ...) and the code of the rule that gave it (empty for
 * reasons that are no rule's: opt-outs, do-not-contact). Rule codes are short keys of a few
 * rules, never customer data.
 */
export function decisionMetrics(metrics: ServiceMetrics): DecisionsObserver {
  const decisions = new Counter({
    name: 'compliance_decisions_total',
    help: 'Contact decisions made (CheckContact, BatchCheckContacts), by result (ALLOW, DEFER, DENY). A retry given its first decision again is not counted.',
    labelNames: ['result'] as const,
    registers: [metrics.registry],
  });
  const reasons = new Counter({
    name: 'compliance_decision_reasons_total',
    help: 'Reasons of DEFER and DENY decisions, by result, reason code and the code of the rule that gave it (empty: not a rule, e.g. OPTED_OUT).',
    labelNames: ['result', 'reason', 'rule'] as const,
    registers: [metrics.registry],
  });
  for (const result of ['ALLOW', 'DEFER', 'DENY']) decisions.inc({ result }, 0);
  return (made) => {
    for (const d of made) {
      const result = d.result.toUpperCase();
      decisions.inc({ result });
      const codes = new Map(d.rules.map((r) => [r.ruleId, r.code]));
      for (const r of d.reasons) reasons.inc({ result, reason: r.code, rule: (r.ruleId && codes.get(r.ruleId)) ?? '' });
    }
  };
}
