import { randomUUID } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { CallContext } from '@cec/context';
import { NotFoundError } from '@cec/errors';
import { inTransaction, recordAuditEvents, sql } from '@cec/orm';
import type { Channel, CustomerFacts, Decision, Outcome, PastContact, Rule } from '../domain/types';
import { DECISION_COLUMNS, decisionRecordOf, type DecisionRecord, type DecisionRow } from './decision-rows';
import { actorName, lockCustomers } from './call-rows';
import type { RuleStore } from './rule-store';
import type { RuleRecord } from './rule-rows';

/** One proposed contact to decide. */
export interface ContactCheck {
  customerId: string;
  channel: Channel;
  at: Date;
  requestId?: string;
}

/** What the store needs of the domain: the rules as the domain reads them, and the decision. */
export interface Decider {
  toRule(record: RuleRecord): Rule;
  /** How far back contacts matter to these rules, in days. */
  lookbackDays(rules: Rule[]): number;
  decide(input: { rules: Rule[]; customer: CustomerFacts; channel: Channel; at: Date; history: PastContact[]; optedOut: boolean }): Decision;
}

/**
 * Decisions, reservations and the contact history they count. A batch is decided in one
 * transaction holding a lock per customer (taken in id order, so batches never deadlock):
 * two checks of one customer, in one batch or in concurrent calls, are decided one after the
 * other, and an ALLOW's reservation is counted by every later check. Checks of different
 * customers do not wait for each other.
 */
export class DecisionStore {
  constructor(
    private readonly orm: MikroORM,
    private readonly rules: RuleStore,
    private readonly reservationTtlMs: number,
  ) {}

  async decide(checks: ContactCheck[], facts: Map<string, CustomerFacts>, decider: Decider, call: CallContext): Promise<DecisionRecord[]> {
    return inTransaction(this.orm.em.fork() as EntityManager, call, async (tx) => {
      const customerIds = [...new Set(checks.map((c) => c.customerId))].sort();
      await lockCustomers(tx, customerIds);

      // A retried check (same request id) gets the decision it was given, and reserves nothing more.
      const requestIds = checks.map((c) => c.requestId).filter((id): id is string => Boolean(id));
      const earlier = new Map(
        requestIds.length
          ? (await sql<DecisionRow>(tx, `SELECT ${DECISION_COLUMNS} FROM compliance_decisions d WHERE d.request_id = ANY(?::uuid[])`, [requestIds])).map(
              (row) => [row.request_id as string, decisionRecordOf(row)],
            )
          : [],
      );
      // Checks to decide now: not decided before, and once per request id within the batch.
      const fresh: ContactCheck[] = [];
      const seen = new Set<string>();
      for (const check of checks) {
        if (check.requestId && (earlier.has(check.requestId) || seen.has(check.requestId))) continue;
        if (check.requestId) seen.add(check.requestId);
        fresh.push(check);
      }

      const profiles = [...facts.values()];
      const records = await this.rules.activeFor(tx, {
        countries: [...new Set(profiles.map((f) => f.countryCode).filter(Boolean))],
        regions: [...new Set(profiles.filter((f) => f.countryCode && f.regionCode).map((f) => `${f.countryCode}-${f.regionCode}`))],
        customerIds,
      });
      const rules = records.map((r) => decider.toRule(r));
      const histories = fresh.length ? await this.histories(tx, customerIds, fresh, decider.lookbackDays(rules)) : new Map<string, PastContact[]>();
      const optedOut = fresh.length ? await this.optOuts(tx, fresh) : [];

      const made: DecisionRecord[] = [];
      const unkeyed: DecisionRecord[] = [];
      const now = Date.now();
      fresh.forEach((check, i) => {
        const customer = facts.get(check.customerId) as CustomerFacts;
        const history = histories.get(check.customerId) ?? [];
        const decision = decider.decide({ rules, customer, channel: check.channel, at: check.at, history, optedOut: optedOut[i] !== null });
        const record = newDecision(check, customer, decision, optedOut[i], actorName(call), now, this.reservationTtlMs);
        if (!check.requestId) unkeyed.push(record);
        // Counted by the next checks of this customer in the batch.
        if (record.result === 'allow') history.push({ channel: check.channel, at: check.at, outcome: 'sent' });
        histories.set(check.customerId, history);
        made.push(record);
      });
      await this.insert(tx, made, call);

      const byRequest = new Map([...earlier, ...made.filter((d) => d.requestId).map((d) => [d.requestId as string, d] as const)]);
      let next = 0;
      return checks.map((check) => (check.requestId ? (byRequest.get(check.requestId) as DecisionRecord) : unkeyed[next++]));
    });
  }

  async get(id: string): Promise<DecisionRecord> {
    const [row] = await sql<DecisionRow>(this.orm.em.fork() as EntityManager, `SELECT ${DECISION_COLUMNS} FROM compliance_decisions d WHERE d.id = ?`, [id]);
    if (!row) throw NotFoundError.resource('decision', id);
    return decisionRecordOf(row);
  }

  /** Attempts and live reservations of the customers since (earliest proposed instant − lookback). */
  private async histories(tx: EntityManager, customerIds: string[], checks: ContactCheck[], lookbackDays: number): Promise<Map<string, PastContact[]>> {
    const since = new Date(Math.min(...checks.map((c) => c.at.getTime())) - lookbackDays * 86_400_000);
    const rows = await sql<{ customer_id: string; channel: Channel; at: string; outcome: Outcome }>(
      tx,
      `SELECT a.customer_id, a.channel, a.attempted_at::text AS at, a.outcome
         FROM compliance_contact_attempts a
        WHERE a.customer_id = ANY(?::uuid[]) AND a.attempted_at > ?
       UNION ALL
       SELECT r.customer_id, r.channel, r.slot_at::text, 'sent'
         FROM contact_reservations r
        WHERE r.customer_id = ANY(?::uuid[]) AND r.consumed_by IS NULL AND r.expires_at > now() AND r.slot_at > ?`,
      [customerIds, since, customerIds, since],
    );
    const out = new Map<string, PastContact[]>();
    for (const row of rows) {
      const list = out.get(row.customer_id) ?? [];
      list.push({ channel: row.channel, at: new Date(row.at), outcome: row.outcome });
      out.set(row.customer_id, list);
    }
    return out;
  }

  /** The opt-out record in force for each check at its proposed instant, or null. */
  private async optOuts(tx: EntityManager, checks: ContactCheck[]): Promise<(string | null)[]> {
    const rows = await sql<{ i: string; opt_out_id: string | null }>(
      tx,
      `SELECT c.i, opt_out_in_force(c.customer_id, c.channel, c.at) AS opt_out_id
         FROM unnest(?::uuid[], ?::text[], ?::timestamptz[]) WITH ORDINALITY AS c(customer_id, channel, at, i)`,
      [checks.map((c) => c.customerId), checks.map((c) => c.channel), checks.map((c) => c.at)],
    );
    const byIndex = new Map(rows.map((r) => [Number(r.i), r.opt_out_id]));
    return checks.map((_c, i) => byIndex.get(i + 1) ?? null);
  }

  private async insert(tx: EntityManager, decisions: DecisionRecord[], call: CallContext): Promise<void> {
    if (!decisions.length) return;
    await sql(
      tx,
      `INSERT INTO compliance_decisions (id, customer_id, channel, proposed_at, result, not_before, reasons, rules, facts, request_id, requested_by, created_at)
       SELECT d.id, d.customer_id, d.channel, d.proposed_at, d.result, d.not_before, d.reasons, d.rules, d.facts, d.request_id, d.requested_by, d.created_at
         FROM jsonb_to_recordset(?::jsonb) AS d(id uuid, customer_id uuid, channel text, proposed_at timestamptz, result text,
              not_before timestamptz, reasons jsonb, rules jsonb, facts jsonb, request_id uuid, requested_by text, created_at timestamptz)`,
      [JSON.stringify(decisions.map(decisionRowOf))],
    );
    const allowed = decisions.filter((d) => d.result === 'allow');
    if (allowed.length) {
      await sql(
        tx,
        `INSERT INTO contact_reservations (decision_id, customer_id, channel, slot_at, expires_at)
         SELECT r.decision_id, r.customer_id, r.channel, r.slot_at, r.expires_at
           FROM jsonb_to_recordset(?::jsonb) AS r(decision_id uuid, customer_id uuid, channel text, slot_at timestamptz, expires_at timestamptz)`,
        [JSON.stringify(allowed.map((d) => ({ decision_id: d.id, customer_id: d.customerId, channel: d.channel, slot_at: d.proposedAt, expires_at: d.reservationExpiresAt })))],
      );
    }
    await recordAuditEvents(
      tx,
      decisions.map((d) => ({
        entityType: 'compliance_decision',
        entityId: d.id,
        action: `contact_${d.result === 'allow' ? 'allowed' : d.result === 'defer' ? 'deferred' : 'denied'}`,
        actor: call.actor,
        details: {
          request_id: call.requestId,
          customer_id: d.customerId,
          channel: d.channel,
          proposed_at: d.proposedAt.toISOString(),
          not_before: d.notBefore?.toISOString(),
          reasons: d.reasons.map((r) => r.code),
          rules: d.rules,
        },
      })),
    );
  }
}

function newDecision(
  check: ContactCheck,
  customer: CustomerFacts,
  decision: Decision,
  optOutId: string | null,
  requestedBy: string,
  now: number,
  ttlMs: number,
): DecisionRecord {
  const result = decision.result.toLowerCase() as DecisionRecord['result'];
  return {
    id: randomUUID(),
    customerId: check.customerId,
    channel: check.channel,
    proposedAt: check.at,
    result,
    notBefore: decision.notBefore ?? null,
    reasons: decision.reasons.map((r) => ({ code: r.code, ruleId: r.ruleId, ruleVersion: r.ruleVersion, message: r.message, until: r.until?.toISOString() })),
    rules: decision.applied.map((r) => ({ ruleId: r.id, version: r.version, code: r.code })),
    facts: { timeZone: customer.timeZone, countryCode: customer.countryCode, regionCode: customer.regionCode, doNotContact: customer.doNotContact, optOutId },
    requestId: check.requestId ?? null,
    requestedBy,
    createdAt: new Date(now),
    reservationExpiresAt: result === 'allow' ? new Date(Math.max(now, check.at.getTime()) + ttlMs) : null,
  };
}

/** A DecisionRecord as the columns of compliance_decisions (jsonb_to_recordset). */
function decisionRowOf(d: DecisionRecord): Record<string, unknown> {
  return {
    id: d.id,
    customer_id: d.customerId,
    channel: d.channel,
    proposed_at: d.proposedAt.toISOString(),
    result: d.result,
    not_before: d.notBefore?.toISOString() ?? null,
    reasons: d.reasons.map((r) => ({ code: r.code, rule_id: r.ruleId ?? null, rule_version: r.ruleVersion ?? null, message: r.message, until: r.until ?? null })),
    rules: d.rules.map((r) => ({ rule_id: r.ruleId, version: r.version, code: r.code })),
    facts: {
      time_zone: d.facts.timeZone,
      country_code: d.facts.countryCode,
      region_code: d.facts.regionCode,
      do_not_contact: d.facts.doNotContact,
      opt_out_id: d.facts.optOutId,
    },
    request_id: d.requestId,
    requested_by: d.requestedBy,
    created_at: d.createdAt.toISOString(),
  };
}
