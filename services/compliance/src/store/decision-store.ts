import { randomUUID } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { CallContext } from '@cec/context';
import { NotFoundError } from '@cec/errors';
import { auditEventsPayload, inSqlTransaction, sql, type AuditEvent, type SqlTransaction } from '@cec/orm';
import type { Channel, CustomerFacts, Decision, Outcome, PastContact, Rule } from '../domain/types';
import { DECISION_COLUMNS, decisionRecordOf, type DecisionRecord, type DecisionRow } from './decision-rows';
import { actorName } from './call-rows';
import type { RuleStore } from './rule-store';
import { ruleRecordOf, type RuleRecord, type RuleRow } from './rule-rows';

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
    /** Told of the decisions each call made, once committed (the service's counters). */
    private readonly observe: (made: readonly DecisionRecord[]) => void = () => undefined,
  ) {}

  /** Rules as the domain reads them, by id and version (a version never changes). */
  private readonly parsed = new Map<string, Rule>();

  async decide(checks: ContactCheck[], facts: Map<string, CustomerFacts>, decider: Decider, call: CallContext): Promise<DecisionRecord[]> {
    // Four round trips: BEGIN (with the deadline), the locks with the rules, what the locks
    // guard (history, opt-outs, earlier decisions of retried checks), the writes; then COMMIT.
    let committed: DecisionRecord[] = [];
    const decided = await inSqlTransaction(this.orm, call, async (tx) => {
      const { rules, earlier, histories, optedOut } = await this.read(tx, checks, facts, decider);

      // Checks to decide now: not decided before (a retry gets the decision it was given, and
      // reserves nothing more), and once per request id within the batch.
      const made: DecisionRecord[] = [];
      const unkeyed: DecisionRecord[] = [];
      const seen = new Set<string>();
      const requestedBy = actorName(call);
      const now = Date.now();
      checks.forEach((check, i) => {
        if (check.requestId) {
          if (earlier.has(check.requestId) || seen.has(check.requestId)) return;
          seen.add(check.requestId);
        }
        const customer = facts.get(check.customerId) as CustomerFacts;
        let history = histories.get(check.customerId);
        if (!history) {
          history = [];
          histories.set(check.customerId, history);
        }
        const decision = decider.decide({ rules, customer, channel: check.channel, at: check.at, history, optedOut: optedOut[i] !== null });
        const record = newDecision(check, customer, decision, optedOut[i], requestedBy, now, this.reservationTtlMs);
        if (!check.requestId) unkeyed.push(record);
        // Counted by the next checks of this customer in the batch.
        if (record.result === 'allow') history.push({ channel: check.channel, at: check.at, outcome: 'sent' });
        made.push(record);
      });
      await this.insert(tx, made, call);
      committed = made;

      if (!earlier.size && !seen.size) return unkeyed;
      const byRequest = new Map(earlier);
      for (const d of made) if (d.requestId) byRequest.set(d.requestId, d);
      let next = 0;
      return checks.map((check) => (check.requestId ? (byRequest.get(check.requestId) as DecisionRecord) : unkeyed[next++]));
    });
    this.observe(committed);
    return decided;
  }

  /**
   * Decides a sequence of proposed contacts as decide would (the same reads: rules, history,
   * opt-outs, under the same locks), as if each contact allowed before it in the sequence had
   * been made: an ALLOW counts as an attempt at its proposed instant, a DEFER at its not-before
   * instant, both with outcome 'sent' (as a reservation counts). Stores, reserves and audits
   * nothing: a read-only transaction. The records have no id and no reservation.
   */
  async simulate(checks: ContactCheck[], facts: Map<string, CustomerFacts>, decider: Decider, call: CallContext): Promise<DecisionRecord[]> {
    return inSqlTransaction(this.orm, call, async (tx) => {
      await sql(tx, 'SET TRANSACTION READ ONLY');
      const { rules, histories, optedOut } = await this.read(tx, checks, facts, decider);
      const requestedBy = actorName(call);
      const now = Date.now();
      return checks.map((check, i) => {
        const customer = facts.get(check.customerId) as CustomerFacts;
        let history = histories.get(check.customerId);
        if (!history) {
          history = [];
          histories.set(check.customerId, history);
        }
        const decision = decider.decide({ rules, customer, channel: check.channel, at: check.at, history, optedOut: optedOut[i] !== null });
        const madeAt = decision.result === 'ALLOW' ? check.at : decision.result === 'DEFER' ? decision.notBefore : undefined;
        if (madeAt) history.push({ channel: check.channel, at: madeAt, outcome: 'sent' });
        const record = newDecision(check, customer, decision, optedOut[i], requestedBy, now, this.reservationTtlMs);
        return { ...record, id: '', reservationExpiresAt: null };
      });
    });
  }

  async get(id: string): Promise<DecisionRecord> {
    const [row] = await sql<DecisionRow>(this.orm.em.fork() as EntityManager, `SELECT ${DECISION_COLUMNS} FROM compliance_decisions d WHERE d.id = ?`, [id]);
    if (!row) throw NotFoundError.resource('decision', id);
    return decisionRecordOf(row);
  }

  /** A rule row as the domain reads it; a version never changes, so it is read once. */
  private ruleOf(row: RuleRow, decider: Decider): Rule {
    const key = `${row.id}:${row.version}`;
    let rule = this.parsed.get(key);
    if (!rule) {
      rule = decider.toRule(ruleRecordOf(row));
      if (this.parsed.size >= MAX_PARSED_RULES) this.parsed.clear();
      this.parsed.set(key, rule);
    }
    return rule;
  }

  /**
   * What deciding the checks reads, in two statements: the customers' locks with the rules
   * active for them, then what the locks guard (guarded).
   */
  private async read(
    tx: SqlTransaction,
    checks: ContactCheck[],
    facts: Map<string, CustomerFacts>,
    decider: Decider,
  ): Promise<{ rules: Rule[]; earlier: Map<string, DecisionRecord>; histories: Map<string, PastContact[]>; optedOut: (string | null)[] }> {
    const customerIds = [...new Set(checks.map((c) => c.customerId))];
    const countries = new Set<string>();
    const regions = new Set<string>();
    for (const f of facts.values()) {
      if (!f.countryCode) continue;
      countries.add(f.countryCode);
      if (f.regionCode) regions.add(`${f.countryCode}-${f.regionCode}`);
    }
    const ruleRows = await this.rules.lockCustomersAndReadActive(tx, { countries: [...countries], regions: [...regions], customerIds });
    const rules = ruleRows.map((row) => this.ruleOf(row, decider));
    return { rules, ...(await this.guarded(tx, customerIds, checks, decider.lookbackDays(rules))) };
  }

  /**
   * What the customers' locks guard, read after they were taken, in one statement: the
   * decisions already made for the checks' request ids, the contact history of the customers
   * (attempts and live reservations since the earliest proposed instant − lookback), and the
   * opt-out record in force for each check at its proposed instant (or null). opt_out_in_force
   * is asked only for the customers with an opt-out record at all (a few in a hundred): without
   * one it answers null, and each call costs a query of its own (about three quarters of this
   * statement's time when it was asked for every check).
   */
  private async guarded(
    tx: SqlTransaction,
    customerIds: string[],
    checks: ContactCheck[],
    lookbackDays: number,
  ): Promise<{ earlier: Map<string, DecisionRecord>; histories: Map<string, PastContact[]>; optedOut: (string | null)[] }> {
    const requestIds: string[] = [];
    const channels: string[] = new Array(checks.length);
    const ats: Date[] = new Array(checks.length);
    const ids: string[] = new Array(checks.length);
    let earliest = Infinity;
    checks.forEach((c, i) => {
      if (c.requestId) requestIds.push(c.requestId);
      ids[i] = c.customerId;
      channels[i] = c.channel;
      ats[i] = c.at;
      earliest = Math.min(earliest, c.at.getTime());
    });
    const since = new Date(earliest - lookbackDays * 86_400_000);
    const [row] = await sql<{ earlier: DecisionRow[] | null; history: [string, Channel, number, Outcome][] | null; opt_outs: (string | null)[] }>(
      tx,
      `SELECT (SELECT json_agg(x) FROM (SELECT ${DECISION_COLUMNS} FROM compliance_decisions d WHERE d.request_id = ANY(?::uuid[])) x) AS earlier,
              (SELECT json_agg(json_build_array(h.customer_id, h.channel, h.at, h.outcome)) FROM (
                 SELECT a.customer_id, a.channel, (extract(epoch FROM a.attempted_at) * 1000)::float8 AS at, a.outcome
                   FROM compliance_contact_attempts a
                  WHERE a.customer_id = ANY(?::uuid[]) AND a.attempted_at > ?
                 UNION ALL
                 SELECT r.customer_id, r.channel, (extract(epoch FROM r.slot_at) * 1000)::float8, 'sent'
                   FROM contact_reservations r
                  WHERE r.customer_id = ANY(?::uuid[]) AND r.consumed_by IS NULL AND r.expires_at > now() AND r.slot_at > ?) h) AS history,
              (SELECT json_agg(CASE WHEN c.customer_id = ANY(o.ids) THEN opt_out_in_force(c.customer_id, c.channel, c.at) END ORDER BY c.i)
                 FROM unnest(?::uuid[], ?::text[], ?::timestamptz[]) WITH ORDINALITY AS c(customer_id, channel, at, i),
                      (SELECT array_agg(DISTINCT e.customer_id) AS ids FROM opt_out_events e WHERE e.customer_id = ANY(?::uuid[]) AND e.kind = 'opt_out') o) AS opt_outs`,
      [requestIds, customerIds, since, customerIds, since, ids, channels, ats, customerIds],
    );
    const earlier = new Map<string, DecisionRecord>();
    for (const d of row.earlier ?? []) earlier.set(d.request_id as string, decisionRecordOf(d));
    const histories = new Map<string, PastContact[]>();
    for (const [customerId, channel, at, outcome] of row.history ?? []) {
      const contact: PastContact = { channel, at: new Date(at), outcome };
      const list = histories.get(customerId);
      if (list) list.push(contact);
      else histories.set(customerId, [contact]);
    }
    return { earlier, histories, optedOut: row.opt_outs };
  }

  /**
   * The decisions, the reservations of the ALLOWs and an audit event per decision, in one
   * statement: the reservations and the decisions come from one parameter (the reservation's
   * expiry rides along with its decision), the events from another (log_audit_events).
   */
  private async insert(tx: SqlTransaction, decisions: DecisionRecord[], call: CallContext): Promise<void> {
    if (!decisions.length) return;
    const events: AuditEvent[] = new Array(decisions.length);
    decisions.forEach((d, i) => {
      events[i] = {
        entityType: 'compliance_decision',
        entityId: d.id,
        action: ACTIONS[d.result],
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
      };
    });
    await sql(
      tx,
      `WITH made AS MATERIALIZED (
         SELECT * FROM jsonb_to_recordset(?::jsonb) AS d(id uuid, customer_id uuid, channel text, proposed_at timestamptz, result text,
                not_before timestamptz, reasons jsonb, rules jsonb, facts jsonb, request_id uuid, requested_by text, created_at timestamptz,
                reservation_expires_at timestamptz)
       ), decided AS (
         INSERT INTO compliance_decisions (id, customer_id, channel, proposed_at, result, not_before, reasons, rules, facts, request_id, requested_by, created_at)
         SELECT d.id, d.customer_id, d.channel, d.proposed_at, d.result, d.not_before, d.reasons, d.rules, d.facts, d.request_id, d.requested_by, d.created_at
           FROM made d
       ), reserved AS (
         INSERT INTO contact_reservations (decision_id, customer_id, channel, slot_at, expires_at)
         SELECT d.id, d.customer_id, d.channel, d.proposed_at, d.reservation_expires_at
           FROM made d WHERE d.result = 'allow'
       )
       SELECT count(*) AS audited FROM unnest(log_audit_events(?::jsonb))`,
      [JSON.stringify(decisions.map(decisionRowOf)), auditEventsPayload(events)],
    );
  }
}

const ACTIONS: Record<DecisionRecord['result'], string> = { allow: 'contact_allowed', defer: 'contact_deferred', deny: 'contact_denied' };
/** Parsed rule versions kept per store; cleared when full. */
const MAX_PARSED_RULES = 10_000;

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

/** A DecisionRecord as the columns of compliance_decisions, and its reservation's expiry (jsonb_to_recordset). */
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
    reservation_expires_at: d.reservationExpiresAt?.toISOString() ?? null,
  };
}
