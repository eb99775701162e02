import type { AsyncService } from '@cec/grpc';
import { InvalidArgumentError, Violations } from '@cec/errors';
import type { complianceV1 } from '@cec/proto';
import { MAX_BATCH, optionalUuid, requireUuid } from '@cec/validation';
import type { FactsSource } from '../customer-facts';
import type { Channel, Outcome } from '../domain/types';
import type { AttemptInput, AttemptStore } from '../store/attempt-store';
import type { ContactCheck, Decider, DecisionStore } from '../store/decision-store';
import { decisionToProto } from './decision-messages';
import { channels, outcomes } from './enums';

/** How far from now a proposed instant may be: a year back (history) or ahead (plans). */
const MAX_OFFSET_MS = 366 * 86_400_000;
/** Proposed contacts one SimulateContacts takes. */
const MAX_SIMULATED = 100;

function instant(v: Violations, field: string, value: Date | undefined, fallback: Date | undefined): Date | undefined {
  if (!value) {
    if (!fallback) v.add(field, 'is required');
    return fallback;
  }
  if (Number.isNaN(value.getTime()) || Math.abs(value.getTime() - Date.now()) > MAX_OFFSET_MS) {
    v.add(field, 'must be within a year of now');
    return undefined;
  }
  return value;
}

function checkOf(request: complianceV1.CheckContactRequest, v: Violations, prefix: string, now: Date): ContactCheck {
  return {
    customerId: requireUuid(v, `${prefix}customer_id`, request.customerId),
    channel: channels.from(request.channel, v, `${prefix}channel`, 'channel') as Channel,
    at: instant(v, `${prefix}proposed_time`, request.proposedTime, now) as Date,
    requestId: optionalUuid(v, `${prefix}request_id`, request.requestId),
  };
}

export interface ComplianceDeps {
  decisions: DecisionStore;
  attempts: AttemptStore;
  facts: FactsSource;
  decider: Decider;
}

/** escalation.compliance.v1.ComplianceService: decisions and the contact history they count. */
export function complianceService({ decisions, attempts, facts, decider }: ComplianceDeps): AsyncService<complianceV1.ComplianceServiceServer> {
  async function decide(checks: ContactCheck[], context: Parameters<DecisionStore['decide']>[3]) {
    // The facts first, outside the transaction: customers down means no decision at all.
    const known = await facts([...new Set(checks.map((c) => c.customerId))]);
    return decisions.decide(checks, known, decider, context);
  }

  return {
    async checkContact(request, context) {
      const v = new Violations();
      const check = checkOf(request, v, '', new Date());
      v.throwIfAny();
      const [decision] = await decide([check], context);
      return { decision: decisionToProto(decision) };
    },

    async batchCheckContacts(request, context) {
      const v = new Violations();
      if (!request.checks.length) throw InvalidArgumentError.field('checks', 'needs at least one check');
      if (request.checks.length > MAX_BATCH) throw InvalidArgumentError.field('checks', `takes at most ${MAX_BATCH} checks, got ${request.checks.length}`);
      const now = new Date();
      const checks = request.checks.map((c, i) => checkOf(c, v, `checks[${i}].`, now));
      v.throwIfAny();
      return { decisions: (await decide(checks, context)).map(decisionToProto) };
    },

    async recordContactAttempts(request, context) {
      const v = new Violations();
      if (!request.attempts.length) throw InvalidArgumentError.field('attempts', 'needs at least one attempt');
      if (request.attempts.length > MAX_BATCH) throw InvalidArgumentError.field('attempts', `takes at most ${MAX_BATCH} attempts, got ${request.attempts.length}`);
      const seen = new Map<string, number>();
      const list: AttemptInput[] = request.attempts.map((a, i) => {
        const p = `attempts[${i}].`;
        const attemptId = requireUuid(v, `${p}attempt_id`, a.attemptId);
        if (attemptId && seen.has(attemptId)) v.add(`${p}attempt_id`, `repeats attempts[${seen.get(attemptId)}]`);
        seen.set(attemptId, i);
        const at = a.attemptTime;
        if (!at) v.add(`${p}attempt_time`, 'is required');
        else if (at.getTime() > Date.now() + 5 * 60_000) v.add(`${p}attempt_time`, 'must not be in the future (an attempt is reported once it happened)');
        return {
          attemptId,
          customerId: requireUuid(v, `${p}customer_id`, a.customerId),
          channel: channels.from(a.channel, v, `${p}channel`, 'channel') as Channel,
          at: at as Date,
          outcome: outcomes.from(a.outcome, v, `${p}outcome`, 'contact outcome') as Outcome,
          decisionId: optionalUuid(v, `${p}decision_id`, a.decisionId),
        };
      });
      v.throwIfAny();
      return { recordedCount: await attempts.record(list, context) };
    },

    async getDecision(request) {
      const v = new Violations();
      const id = requireUuid(v, 'decision_id', request.decisionId);
      v.throwIfAny();
      return { decision: decisionToProto(await decisions.get(id)) };
    },

    async simulateContacts(request, context) {
      const v = new Violations();
      const customerId = requireUuid(v, 'customer_id', request.customerId);
      if (!request.contacts.length) v.add('contacts', 'needs at least one contact');
      if (request.contacts.length > MAX_SIMULATED) v.add('contacts', `takes at most ${MAX_SIMULATED} contacts, got ${request.contacts.length}`);
      const checks: ContactCheck[] = request.contacts.slice(0, MAX_SIMULATED).map((c, i) => ({
        customerId,
        channel: channels.from(c.channel, v, `contacts[${i}].channel`, 'channel') as Channel,
        at: instant(v, `contacts[${i}].proposed_time`, c.proposedTime, undefined) as Date,
      }));
      v.throwIfAny();
      const known = await facts([customerId]);
      return { decisions: (await decisions.simulate(checks, known, decider, context)).map(decisionToProto) };
    },
  };
}
