/**
 * The baseline of the compliance benchmark: a bare @grpc/grpc-js server answering CheckContact
 * and BatchCheckContacts (the same generated service definitions as the compliance service)
 * with plain `pg`, and nothing of the platform: no ORM, handler adapter, call context,
 * deadline propagation, logging or metrics.
 *
 * What it does per call, like the service's DecisionStore.decide (the same statements, the same
 * rows read and written):
 *   - the customers' facts from the customers service's BatchGetContactProfiles, over a plain
 *     grpc-js client (BASELINE_CUSTOMERS_ADDRESS), as the service must get them, outside the
 *     transaction;
 *   - then, as compliance_svc in one transaction (BEGIN and COMMIT, and three statements): the
 *     per-customer advisory locks in id order together with the active rules for the customers'
 *     countries, regions and ids; then the contact history (attempts and live reservations)
 *     since the earliest proposed instant minus the rules' look-back, with the opt-out in force
 *     per check (opt_out_in_force) and the decisions of retried checks (none: no request_id
 *     here); then one compliance_decisions row per check, one contact_reservations row per
 *     ALLOW and one audit event per decision (log_audit_events), in one statement.
 *
 * Without BASELINE_CUSTOMERS_ADDRESS (bench: BENCH_BASELINE_FACTS=sql, a what-if) the facts come
 * straight from customer_profiles as customers_svc (BASELINE_FACTS_DATABASE_URL) instead: the
 * SQL alone, which the service may not do (it may not read another domain's tables).
 *
 * What it does NOT do: the domain's rule evaluation (services/compliance/src/domain), which a
 * bench may not import (the workspace's module boundaries keep services to themselves). In its
 * place a deliberately small decision, enough for the answer check and a similar mix of
 * results: DENY when opted out, do-not-contact, on a blocked channel or where nothing is known
 * of the customer's location; DEFER to the next opening of a contact window the proposed
 * instant is outside of (the customer's own zone only, by Intl); else ALLOW. Frequency caps,
 * cool-downs, blackout dates, effective dates and the every-zone-of-the-country reading of a
 * customer without a zone are not evaluated. It also supports no request_id (retries).
 *
 * Run by bench/compliance/run.ts as a child process:
 *   BASELINE_DATABASE_URL=postgres://compliance_svc@… BASELINE_FACTS_DATABASE_URL=postgres://customers_svc@…
 *   BASELINE_PORT=0 tsx baseline-server.ts
 * Prints one line `{"ready":true,"port":N}` on stdout once it listens; stops on SIGTERM/SIGINT.
 */
import { randomUUID } from 'node:crypto';
import {
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
  type UntypedHandleCall,
} from '@grpc/grpc-js';
import { credentials, Metadata } from '@grpc/grpc-js';
import { Pool, type PoolClient } from 'pg';
import { complianceV1, customersV1 } from '@cec/proto';
import { formatterOf, instantOf, minutesOf, wall, wallText, type Wall } from './local-time';

const { Channel: C, DecisionResult: D, ReasonCode: R } = complianceV1;

const databaseUrl = process.env.BASELINE_DATABASE_URL;
const factsUrl = process.env.BASELINE_FACTS_DATABASE_URL;
if (!databaseUrl || !factsUrl) {
  console.error('baseline-server: set BASELINE_DATABASE_URL (as compliance_svc) and BASELINE_FACTS_DATABASE_URL (as customers_svc)');
  process.exit(2);
}

// The service's pool size (COMPLIANCE_DB_POOL_MAX=10), and the customers service's for the facts.
const poolMax = Number(process.env.BASELINE_POOL_MAX ?? 10);
const pool = new Pool({ connectionString: databaseUrl, max: poolMax, options: '-c TimeZone=UTC', application_name: 'bench-baseline' });
const factsPool = new Pool({ connectionString: factsUrl, max: poolMax, options: '-c TimeZone=UTC', application_name: 'bench-baseline-facts' });

// BASELINE_CUSTOMERS_ADDRESS (the bench's default): the facts from the customers service's
// BatchGetContactProfiles, as the service gets them, over a plain grpc-js client. Without it
// (BENCH_BASELINE_FACTS=sql, a what-if), straight from customer_profiles.
const customersAddress = process.env.BASELINE_CUSTOMERS_ADDRESS;
const customers = customersAddress ? new customersV1.CustomerServiceClient(customersAddress, credentials.createInsecure()) : undefined;

const RESERVATION_TTL_MS = Number(process.env.RESERVATION_TTL_MS ?? 4 * 3_600_000);
const MAX_BATCH = 1000;
const MAX_OFFSET_MS = 366 * 86_400_000;
const DAY_MS = 86_400_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CHANNEL_NAMES: Record<number, Channel> = { [C.CHANNEL_EMAIL]: 'email', [C.CHANNEL_PHONE]: 'phone', [C.CHANNEL_SMS]: 'sms' };
const CHANNEL_NUMBERS: Record<Channel, number> = { email: C.CHANNEL_EMAIL, phone: C.CHANNEL_PHONE, sms: C.CHANNEL_SMS };
const RESULT_NUMBERS = { allow: D.DECISION_RESULT_ALLOW, defer: D.DECISION_RESULT_DEFER, deny: D.DECISION_RESULT_DENY };
const REASON_NUMBERS: Record<string, number> = {
  OPTED_OUT: R.REASON_CODE_OPTED_OUT,
  DO_NOT_CONTACT: R.REASON_CODE_DO_NOT_CONTACT,
  CHANNEL_BLOCKED: R.REASON_CODE_CHANNEL_BLOCKED,
  OUTSIDE_CONTACT_WINDOW: R.REASON_CODE_OUTSIDE_CONTACT_WINDOW,
  UNKNOWN_LOCATION: R.REASON_CODE_UNKNOWN_LOCATION,
};
// The customers database writes "UTC" when nobody set a zone: read as unknown, as the service does.
const PLACEHOLDER_ZONES = new Set(['utc', 'etc/utc', 'etc/uct', 'uct', 'gmt', 'etc/gmt', 'zulu', 'etc/zulu', 'universal', 'etc/universal']);

type Channel = 'email' | 'phone' | 'sms';

interface Check {
  customerId: string;
  channel: Channel;
  at: number;
}

interface Facts {
  customer_id: string;
  timezone: string;
  country_code: string | null;
  region_code: string | null;
  do_not_contact: boolean;
}

interface RuleRow {
  id: string;
  version: number;
  code: string;
  rule_type: string;
  channels: Channel[];
  jurisdiction: string;
  customer_id: string | null;
  parameters: { start?: string; end?: string; days?: number[]; window_days?: number };
}

interface Reason {
  code: string;
  rule_id: string | null;
  rule_version: number | null;
  message: string;
  until: string | null;
}

interface Made {
  id: string;
  check: Check;
  facts: Facts;
  result: 'allow' | 'defer' | 'deny';
  notBefore: number | null;
  reasons: Reason[];
  rules: { rule_id: string; version: number; code: string }[];
  optOutId: string | null;
  expiresAt: number | null;
}

class CallError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
  }
}

// --- the window's next opening -------------------------------------------------------------------

/** When the window [start, end) on its days is closed at `ms`: its next opening (within 8 days). */
function nextOpening(f: Intl.DateTimeFormat, p: RuleRow['parameters'], ms: number): { opens: number; now: Wall } | undefined {
  const now = wall(f, ms);
  const start = minutesOf(p.start as string);
  const end = minutesOf(p.end as string);
  const dayOk = (weekday: number): boolean => !p.days || p.days.includes(weekday);
  if (dayOk(now.weekday) && now.minutes >= start && now.minutes < end) return undefined;
  for (let i = now.minutes < start ? 0 : 1; i <= 8; i++) {
    const date = new Date(Date.UTC(now.year, now.month - 1, now.day + i));
    const weekday = date.getUTCDay() || 7;
    if (dayOk(weekday)) return { opens: instantOf(f, date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), start), now };
  }
  return { opens: ms + 8 * DAY_MS, now };
}

// --- the small decision ----------------------------------------------------------------------------

function scopeMatches(rule: RuleRow, facts: Facts): boolean {
  if (rule.customer_id) return rule.customer_id === facts.customer_id;
  if (rule.jurisdiction === '*') return true;
  const country = facts.country_code ?? '';
  if (!country) return false;
  if (rule.jurisdiction === country) return true;
  return facts.region_code ? rule.jurisdiction === `${country}-${facts.region_code}` : false;
}

function decide(rules: RuleRow[], facts: Facts, check: Check, optOutId: string | null, now: number): Omit<Made, 'id'> {
  const applicable = rules.filter((r) => r.channels.includes(check.channel) && scopeMatches(r, facts));
  const applied = applicable.map((r) => ({ rule_id: r.id, version: r.version, code: r.code }));
  const ref = (r: RuleRow) => ({ rule_id: r.id, rule_version: r.version });
  const zone = PLACEHOLDER_ZONES.has(facts.timezone.trim().toLowerCase()) ? '' : facts.timezone.trim();
  const f = zone ? formatterOf(zone) : null;

  const denials: Reason[] = [];
  if (optOutId) denials.push({ code: 'OPTED_OUT', rule_id: null, rule_version: null, message: `the customer opted out of contact by ${check.channel}`, until: null });
  if (facts.do_not_contact) denials.push({ code: 'DO_NOT_CONTACT', rule_id: null, rule_version: null, message: 'the customer is marked do-not-contact', until: null });
  for (const r of applicable) {
    if (r.rule_type === 'channel_block') {
      denials.push({ code: 'CHANNEL_BLOCKED', ...ref(r), message: `${r.code} v${r.version}: contact by ${check.channel} is blocked`, until: null });
    }
  }
  if (!f && !facts.country_code) {
    const local = applicable.filter((r) => r.rule_type === 'contact_window' || r.rule_type === 'blackout_dates');
    if (check.channel !== 'email' || local.length) {
      denials.push({ code: 'UNKNOWN_LOCATION', rule_id: null, rule_version: null, message: `${check.channel} contact needs the customer's local time`, until: null });
    }
  }
  const base = { check, facts, optOutId, rules: applied };
  if (denials.length) return { ...base, result: 'deny', notBefore: null, reasons: denials, expiresAt: null };

  let notBefore = check.at;
  const reasons: Reason[] = [];
  if (f) {
    for (const r of applicable) {
      if (r.rule_type !== 'contact_window') continue;
      const closed = nextOpening(f, r.parameters, check.at);
      if (!closed) continue;
      notBefore = Math.max(notBefore, closed.opens);
      reasons.push({
        code: 'OUTSIDE_CONTACT_WINDOW',
        ...ref(r),
        message: `${r.code} v${r.version}: outside the contact window ${r.parameters.start}–${r.parameters.end} in ${zone}: it is ${wallText(closed.now)} there; opens ${wallText(wall(f, closed.opens))} local`,
        until: new Date(closed.opens).toISOString(),
      });
    }
  }
  if (reasons.length) return { ...base, result: 'defer', notBefore, reasons, expiresAt: null };
  return { ...base, result: 'allow', notBefore: null, reasons: [], expiresAt: Math.max(now, check.at) + RESERVATION_TTL_MS };
}

// --- the statements (the service's, see services/compliance/src/store/decision-store.ts) ----------

const FACTS = `SELECT customer_id, timezone, country_code, region_code, do_not_contact FROM customer_profiles WHERE customer_id = ANY($1::uuid[])`;
// The locks and the rules in one statement (the rules are not guarded by the locks).
const LOCKS_AND_RULES = `SELECT
  (SELECT count(pg_advisory_xact_lock(hashtext('compliance_customer'), hashtext(id))) FROM (SELECT id FROM unnest($1::text[]) id ORDER BY id) ids) AS locked,
  (SELECT json_agg(x) FROM (SELECT r.id, r.version, r.code, r.name, r.description, r.citation, r.rule_type, r.channels, r.jurisdiction,
          r.customer_id, r.parameters, r.is_active, r.effective_from::text, r.effective_to::text, r.preset,
          r.created_at::text, r.updated_at::text, r.updated_by
     FROM compliance_rules r
    WHERE r.is_active AND ((r.customer_id IS NULL AND (r.jurisdiction = '*' OR r.jurisdiction = ANY($2) OR r.jurisdiction = ANY($3)))
                           OR r.customer_id = ANY($4))) x) AS rules`;
// What the locks guard, after they were taken: earlier decisions of retried checks (none here:
// the baseline supports no request_id, so an empty list), the history, the opt-outs.
const GUARDED = `SELECT (SELECT json_agg(x) FROM (SELECT d.id, d.customer_id, d.channel, d.proposed_at::text, d.result, d.not_before::text, d.reasons, d.rules, d.facts,
  d.request_id, d.requested_by, d.created_at::text,
  (SELECT r.expires_at::text FROM contact_reservations r WHERE r.decision_id = d.id) AS reservation_expires_at FROM compliance_decisions d WHERE d.request_id = ANY($1::uuid[])) x) AS earlier,
       (SELECT json_agg(json_build_array(h.customer_id, h.channel, h.at, h.outcome)) FROM (
          SELECT a.customer_id, a.channel, (extract(epoch FROM a.attempted_at) * 1000)::float8 AS at, a.outcome
            FROM compliance_contact_attempts a
           WHERE a.customer_id = ANY($2::uuid[]) AND a.attempted_at > $3
          UNION ALL
          SELECT r.customer_id, r.channel, (extract(epoch FROM r.slot_at) * 1000)::float8, 'sent'
            FROM contact_reservations r
           WHERE r.customer_id = ANY($4::uuid[]) AND r.consumed_by IS NULL AND r.expires_at > now() AND r.slot_at > $5) h) AS history,
       (SELECT json_agg(opt_out_in_force(c.customer_id, c.channel, c.at) ORDER BY c.i)
          FROM unnest($6::uuid[], $7::text[], $8::timestamptz[]) WITH ORDINALITY AS c(customer_id, channel, at, i)) AS opt_outs`;
// The decisions, the reservations of the ALLOWs and the audit events, in one statement.
const WRITES = `WITH made AS MATERIALIZED (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS d(id uuid, customer_id uuid, channel text, proposed_at timestamptz, result text,
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
SELECT count(*) AS audited FROM unnest(log_audit_events($2::jsonb))`;

function factsFromCustomers(customerIds: string[]): Promise<Facts[]> {
  return new Promise((resolve, reject) => {
    (customers as customersV1.CustomerServiceClient).batchGetContactProfiles(
      { customerIds },
      new Metadata(),
      { deadline: Date.now() + 30_000 },
      (error, response) => {
        if (error) return reject(new CallError(error.code === status.NOT_FOUND ? status.NOT_FOUND : status.UNAVAILABLE, error.details));
        resolve(
          response.profiles.map((p) => ({
            customer_id: p.customerId,
            timezone: p.timeZone,
            country_code: p.countryCode || null,
            region_code: p.regionCode || null,
            do_not_contact: p.doNotContact,
          })),
        );
      },
    );
  });
}

async function decideAll(checks: Check[], actor: { type: string; id: string }): Promise<Made[]> {
  const customerIds = [...new Set(checks.map((c) => c.customerId))].sort();
  // The facts first, outside the transaction.
  const facts = new Map((customers ? await factsFromCustomers(customerIds) : (await factsPool.query<Facts>(FACTS, [customerIds])).rows).map((f) => [f.customer_id, f]));
  const missing = customerIds.filter((id) => !facts.has(id));
  if (missing.length) throw new CallError(status.NOT_FOUND, `customers not found: ${missing.join(', ')}`);

  const client: PoolClient = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    try {
      const profiles = [...facts.values()];
      const countries = [...new Set(profiles.map((f) => f.country_code).filter(Boolean))];
      const regions = [...new Set(profiles.filter((f) => f.country_code && f.region_code).map((f) => `${f.country_code}-${f.region_code}`))];
      const {
        rows: [locked],
      } = await client.query<{ rules: RuleRow[] | null }>(LOCKS_AND_RULES, [customerIds, countries, regions, customerIds]);
      const rules = locked.rules ?? [];
      let lookbackDays = 0;
      for (const r of rules) {
        if (r.rule_type === 'frequency_cap') lookbackDays = Math.max(lookbackDays, Number(r.parameters.window_days));
        if (r.rule_type === 'conversation_cooldown') lookbackDays = Math.max(lookbackDays, Number((r.parameters as { days?: number }).days));
      }
      const since = new Date(Math.min(...checks.map((c) => c.at)) - lookbackDays * DAY_MS);
      // Read and parsed like the service's; the small decision does not count them.
      const {
        rows: [guarded],
      } = await client.query<{ history: [string, string, number, string][] | null; opt_outs: (string | null)[] }>(GUARDED, [
        [],
        customerIds,
        since,
        customerIds,
        since,
        checks.map((c) => c.customerId),
        checks.map((c) => c.channel),
        checks.map((c) => new Date(c.at)),
      ]);
      const histories = new Map<string, { channel: string; at: Date; outcome: string }[]>();
      for (const [customerId, channel, at, outcome] of guarded.history ?? []) {
        const list = histories.get(customerId) ?? [];
        list.push({ channel, at: new Date(at), outcome });
        histories.set(customerId, list);
      }

      const now = Date.now();
      const made: Made[] = checks.map((check, i) => ({
        id: randomUUID(),
        ...decide(rules, facts.get(check.customerId) as Facts, check, guarded.opt_outs[i] ?? null, now),
      }));
      const requestedBy = `${actor.type}:${actor.id}`;
      const createdAt = new Date(now).toISOString();
      await client.query(WRITES, [
        JSON.stringify(
          made.map((d) => ({
            id: d.id,
            customer_id: d.check.customerId,
            channel: d.check.channel,
            proposed_at: new Date(d.check.at).toISOString(),
            result: d.result,
            not_before: d.notBefore === null ? null : new Date(d.notBefore).toISOString(),
            reasons: d.reasons,
            rules: d.rules,
            facts: {
              time_zone: d.facts.timezone,
              country_code: d.facts.country_code ?? '',
              region_code: d.facts.region_code ?? '',
              do_not_contact: d.facts.do_not_contact,
              opt_out_id: d.optOutId,
            },
            request_id: null,
            requested_by: requestedBy,
            created_at: createdAt,
            reservation_expires_at: d.expiresAt === null ? null : new Date(d.expiresAt).toISOString(),
          })),
        ),
        JSON.stringify(
          made.map((d) => ({
            entity_type: 'compliance_decision',
            entity_id: d.id,
            action: `contact_${d.result === 'allow' ? 'allowed' : d.result === 'defer' ? 'deferred' : 'denied'}`,
            actor_type: actor.type,
            actor_id: actor.id,
            details: {
              request_id: null,
              customer_id: d.check.customerId,
              channel: d.check.channel,
              proposed_at: new Date(d.check.at).toISOString(),
              not_before: d.notBefore === null ? undefined : new Date(d.notBefore).toISOString(),
              reasons: d.reasons.map((r) => r.code),
              rules: d.rules.map((r) => ({ ruleId: r.rule_id, version: r.version, code: r.code })),
            },
          })),
        ),
      ]);
      await client.query('COMMIT');
      return made;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw error;
    }
  } finally {
    client.release(broken);
  }
}

// --- gRPC ------------------------------------------------------------------------------------------

function checkOf(r: complianceV1.CheckContactRequest, prefix: string, now: number): Check {
  if (!UUID.test(r.customerId)) throw new CallError(status.INVALID_ARGUMENT, `${prefix}customer_id: must be a UUID`);
  const channel = CHANNEL_NAMES[r.channel];
  if (!channel) throw new CallError(status.INVALID_ARGUMENT, `${prefix}channel: is required`);
  if (r.requestId) throw new CallError(status.UNIMPLEMENTED, `${prefix}request_id: the baseline does not support retries`);
  const at = r.proposedTime ? r.proposedTime.getTime() : now;
  if (Number.isNaN(at) || Math.abs(at - now) > MAX_OFFSET_MS) throw new CallError(status.INVALID_ARGUMENT, `${prefix}proposed_time: must be within a year of now`);
  return { customerId: r.customerId.toLowerCase(), channel, at };
}

function toProto(d: Made, requestedBy: string, createdAt: Date): complianceV1.Decision {
  return {
    id: d.id,
    customerId: d.check.customerId,
    channel: CHANNEL_NUMBERS[d.check.channel],
    proposedTime: new Date(d.check.at),
    result: RESULT_NUMBERS[d.result],
    notBeforeTime: d.notBefore === null ? undefined : new Date(d.notBefore),
    reasons: d.reasons.map((r) => ({
      code: REASON_NUMBERS[r.code] ?? 0,
      ruleId: r.rule_id ?? '',
      ruleVersion: r.rule_version ?? 0,
      message: r.message,
      untilTime: r.until ? new Date(r.until) : undefined,
    })),
    rules: d.rules.map((r) => ({ ruleId: r.rule_id, version: r.version, code: r.code })),
    reservationExpireTime: d.expiresAt === null ? undefined : new Date(d.expiresAt),
    timeZone: d.facts.timezone,
    countryCode: d.facts.country_code ?? '',
    regionCode: d.facts.region_code ?? '',
    doNotContact: d.facts.do_not_contact,
    createTime: createdAt,
    requestedBy,
  };
}

function actorOf(call: ServerUnaryCall<unknown, unknown>): { type: string; id: string } {
  const raw = call.metadata.get('x-actor')[0];
  const match = raw === undefined ? null : /^(user|service|agent|system):([^\s]{1,200})$/.exec(String(raw));
  return match ? { type: match[1], id: match[2] } : { type: 'service', id: 'unknown' };
}

function answer<Res>(callback: sendUnaryData<Res>, work: () => Promise<Res>): void {
  work().then(
    (response) => callback(null, response),
    (error: Error) => {
      const code = error instanceof CallError ? error.code : status.INTERNAL;
      if (code === status.INTERNAL) console.error(`baseline-server: ${error.message}`);
      callback({ code, details: error.message, name: 'Error', message: error.message });
    },
  );
}

function checkContact(
  call: ServerUnaryCall<complianceV1.CheckContactRequest, complianceV1.CheckContactResponse>,
  callback: sendUnaryData<complianceV1.CheckContactResponse>,
): void {
  answer(callback, async () => {
    const actor = actorOf(call as ServerUnaryCall<unknown, unknown>);
    const [made] = await decideAll([checkOf(call.request, '', Date.now())], actor);
    return { decision: toProto(made, `${actor.type}:${actor.id}`, new Date()) };
  });
}

function batchCheckContacts(
  call: ServerUnaryCall<complianceV1.BatchCheckContactsRequest, complianceV1.BatchCheckContactsResponse>,
  callback: sendUnaryData<complianceV1.BatchCheckContactsResponse>,
): void {
  answer(callback, async () => {
    const { checks } = call.request;
    if (!checks.length || checks.length > MAX_BATCH) throw new CallError(status.INVALID_ARGUMENT, `checks: takes 1 to ${MAX_BATCH} checks, got ${checks.length}`);
    const now = Date.now();
    const actor = actorOf(call as ServerUnaryCall<unknown, unknown>);
    const made = await decideAll(
      checks.map((c, i) => checkOf(c, `checks[${i}].`, now)),
      actor,
    );
    const createdAt = new Date();
    const requestedBy = `${actor.type}:${actor.id}`;
    return { decisions: made.map((d) => toProto(d, requestedBy, createdAt)) };
  });
}

function implementation(definition: ServiceDefinition, handlers: Record<string, UntypedHandleCall>): Record<string, UntypedHandleCall> {
  const out: Record<string, UntypedHandleCall> = {};
  for (const name of Object.keys(definition)) {
    out[name] =
      handlers[name] ??
      ((_call: unknown, callback: sendUnaryData<never>) =>
        callback({ code: status.UNIMPLEMENTED, details: `${definition[name].path} is not part of the baseline`, name: 'Error', message: 'unimplemented' }));
  }
  return out;
}

const server = new Server();
server.addService(
  complianceV1.ComplianceServiceService,
  implementation(complianceV1.ComplianceServiceService, {
    checkContact: checkContact as UntypedHandleCall,
    batchCheckContacts: batchCheckContacts as UntypedHandleCall,
  }),
);

const host = process.env.BASELINE_HOST ?? '127.0.0.1';
server.bindAsync(`${host}:${Number(process.env.BASELINE_PORT ?? 0)}`, ServerCredentials.createInsecure(), (error, port) => {
  if (error) {
    console.error(`baseline-server: cannot listen: ${error.message}`);
    process.exit(1);
  }
  process.stdout.write(`${JSON.stringify({ ready: true, port })}\n`);
});

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  customers?.close();
  server.tryShutdown(() => void Promise.all([pool.end(), factsPool.end()]).finally(() => process.exit(0)));
  setTimeout(() => process.exit(0), 3_000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
