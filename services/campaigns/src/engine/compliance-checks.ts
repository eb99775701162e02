import { complianceV1 } from '@cec/proto';
import type { Verdict } from '../domain/escalation-plan';
import { inBatches, type ItemAnswer } from './batch-calls';
import { askPeer, namesABadItem, type PassCallOptions } from './peer-calls';

/** One contact the engine asks compliance about. */
export interface ContactCheck {
  customerId: string;
  channel: 'email' | 'sms' | 'phone';
  proposedTime: Date;
  /** The campaign's run key (or fallback run key): asked again after a crash, compliance answers the first decision and reserves nothing more. */
  requestId: string;
}

/** Compliance's answer to one check, as the engine uses it. */
export interface CheckedContact {
  decisionId: string;
  verdict: Verdict;
  /** Compliance's reasons, in words. */
  reasons: string[];
}

const CHANNEL = { email: complianceV1.Channel.CHANNEL_EMAIL, sms: complianceV1.Channel.CHANNEL_SMS, phone: complianceV1.Channel.CHANNEL_PHONE };
const { DecisionResult: R } = complianceV1;
/** Checks per call (compliance takes 1-1000). */
const MAX_CHECKS = 1000;

/** A decision as a Verdict; undefined when it is not one the engine can act on (it is then retried later). */
export function verdictOf(decision: complianceV1.Decision): CheckedContact | undefined {
  const reasons = decision.reasons.map((r) => r.message).filter(Boolean);
  if (decision.result === R.DECISION_RESULT_ALLOW) return { decisionId: decision.id, verdict: { result: 'allow' }, reasons };
  if (decision.result === R.DECISION_RESULT_DEFER && decision.notBeforeTime) {
    return { decisionId: decision.id, verdict: { result: 'defer', notBefore: decision.notBeforeTime }, reasons };
  }
  if (decision.result === R.DECISION_RESULT_DENY) return { decisionId: decision.id, verdict: { result: 'deny', reasons }, reasons };
  return undefined;
}

/**
 * BatchCheckContacts for every check of a round, 1000 a call. A call either answers all its
 * checks or none: the checks of a failed call are answered with its error (their campaigns are
 * tried again in a later pass, nothing is created without a decision). A check compliance
 * refuses as a request (an unknown customer) is found by splitting its call.
 */
export async function checkContacts(client: complianceV1.ComplianceServiceClient, checks: readonly ContactCheck[], options: PassCallOptions): Promise<ItemAnswer<CheckedContact>[]> {
  const answers = await inBatches(
    checks,
    async (chunk) => {
      const { decisions } = await askPeer(
        client,
        client.batchCheckContacts,
        { checks: chunk.map((c) => ({ customerId: c.customerId, channel: CHANNEL[c.channel], proposedTime: c.proposedTime, requestId: c.requestId })) },
        options,
      );
      if (decisions.length !== chunk.length) throw new Error(`compliance answered ${decisions.length} decisions for ${chunk.length} checks`);
      return decisions;
    },
    { max: MAX_CHECKS, split: namesABadItem },
  );
  return answers.map((answer) => {
    if (!answer.ok) return answer;
    const checked = verdictOf(answer.value);
    return checked ? { ok: true, value: checked } : { ok: false, error: new Error(`compliance answered decision ${answer.value.id} without a usable result`) };
  });
}
