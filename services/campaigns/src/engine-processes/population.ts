/**
 * Many due campaigns for the engine's process-level tests. One campaign of each kind is made
 * through the services' APIs (customer, invoice, opt-out, campaign started), then copied in
 * SQL: every row those calls wrote (customers, customer_profiles, payment_records,
 * opt_out_events, campaigns, campaign_invoices) and their audit events, with new ids and
 * request ids and numbered invoice numbers, so each copy is what the same calls would have
 * written, hundreds at a time.
 */
import { randomUUID } from 'node:crypto';
import { campaignsV1, complianceV1 } from '@cec/proto';
import { call, type TestDatabase } from '@cec/testing';
import type { CampaignsHarness } from '../testing/campaigns-harness';
import type { passFixtures } from '../rpc/escalation-service/pass-fixtures';

const { TaskType, Channel, StepAnchor } = campaignsV1;

/** What a campaign's due steps meet. */
export type Kind = 'allow2' | 'defer' | 'refuse' | 'fallback' | 'finish' | 'skip';
export const KINDS: readonly Kind[] = ['allow2', 'defer', 'refuse', 'fallback', 'finish', 'skip'];

/**
 * How a campaign of each kind ends once its due steps are done, as `signatureSql` writes it:
 * its status and position, its ledger (step:outcome:channel), its tasks, its customer's
 * decisions (result:channel).
 * - allow2: e-mail, then e-mail again at once (counted from the previous step): two tasks, two ALLOWs.
 * - defer: a text in a contact window that is closed now (a rule for the customer's country): deferred.
 * - refuse: a call to a customer who opted out of calls, no fallback: refused.
 * - fallback: the same call with an e-mail fallback: the e-mail task, a DENY and an ALLOW.
 * - finish: the only step, an e-mail: the task, and the campaign completes (exhausted).
 * - skip: a first step for debts 100 days overdue (skipped, compliance not asked), then e-mail at once.
 */
export const EXPECTED: Record<Kind, string> = {
  allow2: 'status=active step=2 runs=0:task_created:email,1:task_created:email tasks=2 decisions=allow:email,allow:email',
  defer: 'status=active step=0 runs=0:deferred:sms tasks=0 decisions=defer:sms',
  refuse: 'status=active step=1 runs=0:refused:phone tasks=0 decisions=deny:phone',
  fallback: 'status=active step=1 runs=0:fell_back:email tasks=1 decisions=allow:email,deny:phone',
  finish: 'status=completed step=1 runs=0:task_created:email tasks=1 decisions=allow:email',
  skip: 'status=active step=2 runs=0:skipped:-,1:task_created:email tasks=1 decisions=allow:email',
};

/** Ledger rows a campaign of each kind ends with. */
export const RUNS: Record<Kind, number> = { allow2: 2, defer: 1, refuse: 1, fallback: 1, finish: 1, skip: 2 };

export interface Population {
  /** Kind of each campaign, by campaign id. */
  kinds: Map<string, Kind>;
  campaignIds: string[];
  /** Ledger rows once every due step is done. */
  expectedRuns: number;
}

/** The rows one customer's create calls wrote, as JSON (column -> value), table by table in insert order. */
type Family = Record<(typeof FAMILY_TABLES)[number], Record<string, unknown>[]> & { audit: Record<string, unknown>[] };

const FAMILY_TABLES = ['customers', 'customer_profiles', 'payment_records', 'opt_out_events', 'campaigns', 'campaign_invoices'] as const;
const BY_CUSTOMER: Record<(typeof FAMILY_TABLES)[number], string> = {
  customers: 'id',
  customer_profiles: 'customer_id',
  payment_records: 'customer_id',
  opt_out_events: 'customer_id',
  campaigns: 'customer_id',
  campaign_invoices: 'customer_id',
};

/** The country whose customers' texts are deferred (a contact window closed at this hour). */
const DEFERRED_COUNTRY = 'FR';

type Fixtures = ReturnType<typeof passFixtures>;

/**
 * Makes one campaign of each kind through the APIs and reads back what they wrote; `insert()`
 * then copies them (in one transaction) so there are `counts[kind]` campaigns of each kind, the
 * ones made through the APIs included. Their first step is due now. Call it while no engine
 * runs (the copies are of the campaigns as they were made).
 */
export async function preparePopulation(h: CampaignsHarness, f: Fixtures, counts: Record<Kind, number>): Promise<{ insert(): Promise<Population> }> {
  const [email, sms, phone] = await Promise.all([f.newTemplate(Channel.CHANNEL_EMAIL), f.newTemplate(Channel.CHANNEL_SMS), f.newTemplate(Channel.CHANNEL_PHONE)]);
  await closeTextWindow(h, DEFERRED_COUNTRY);
  const emailStep = (over: Partial<campaignsV1.EscalationStep> = {}) => f.step({ taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: email, ...over });
  const atOnce = () => emailStep({ anchor: StepAnchor.STEP_ANCHOR_PREVIOUS_STEP, delayDays: 0 });
  const later = () => emailStep({ delayDays: 40 });
  const phoneCall = (fallback: boolean) =>
    f.step({ taskType: TaskType.TASK_TYPE_MAKE_CALL, templateId: phone, ...(fallback ? { fallbackTaskType: TaskType.TASK_TYPE_SEND_EMAIL, fallbackTemplateId: email } : {}) });
  const plans: Record<Kind, { country?: string; optOutOfCalls?: boolean; steps: campaignsV1.EscalationStep[] }> = {
    allow2: { steps: [emailStep(), atOnce(), later()] },
    defer: { country: DEFERRED_COUNTRY, steps: [f.step({ taskType: TaskType.TASK_TYPE_SEND_SMS, templateId: sms }), later()] },
    refuse: { optOutOfCalls: true, steps: [phoneCall(false), later()] },
    fallback: { optOutOfCalls: true, steps: [phoneCall(true), later()] },
    finish: { steps: [emailStep()] },
    skip: { steps: [emailStep({ conditions: { minAmountOverdue: [], minDaysOverdue: 100, riskLevels: [] } }), atOnce(), later()] },
  };

  const families = new Map<Kind, Family>();
  for (const kind of KINDS) {
    const plan = plans[kind];
    const customerId = await f.newCustomer({ countryCode: plan.country ?? 'GB' });
    const invoice = await f.newInvoice(customerId);
    if (plan.optOutOfCalls) await f.optOut(customerId, complianceV1.Channel.CHANNEL_PHONE);
    await f.startedCampaign(customerId, [invoice.id], plan.steps);
    families.set(kind, await readFamily(h.db, customerId));
  }

  return {
    insert: async () => {
      const kinds = new Map<string, Kind>();
      const copies: Family[] = [];
      for (const kind of KINDS) {
        const family = families.get(kind) as Family;
        kinds.set(family.campaigns[0].id as string, kind);
        for (let n = 1; n < counts[kind]; n += 1) {
          const copy = copyOf(family, n);
          kinds.set(copy.campaigns[0].id as string, kind);
          copies.push(copy);
        }
      }
      await insertFamilies(h.db, copies);
      return { kinds, campaignIds: [...kinds.keys()], expectedRuns: KINDS.reduce((sum, kind) => sum + counts[kind] * RUNS[kind], 0) };
    },
  };
}

/** A contact window for texts to customers of `countryCode` that is closed at this hour (UTC; the customers' zone is UTC). */
async function closeTextWindow(h: CampaignsHarness, countryCode: string): Promise<void> {
  const [start, end] = new Date().getUTCHours() < 12 ? ['20:00', '22:00'] : ['02:00', '04:00'];
  await call(h.complianceRules, 'createRule', {
    rule: complianceV1.ComplianceRule.fromPartial({
      code: `texts_window_${randomUUID().slice(0, 8)}`,
      name: 'Texts only in the evening',
      type: complianceV1.RuleType.RULE_TYPE_CONTACT_WINDOW,
      channels: [complianceV1.Channel.CHANNEL_SMS],
      scope: { kind: complianceV1.ScopeKind.SCOPE_KIND_COUNTRY, countryCode, regionCode: '', customerId: '' },
      parameters: { $case: 'contactWindow', value: { start, end, days: [] } },
    }),
    requestId: randomUUID(),
  });
}

async function readFamily(db: TestDatabase, customerId: string): Promise<Family> {
  const family = {} as Family;
  for (const table of FAMILY_TABLES) {
    family[table] = (await db.query<{ row: Record<string, unknown> }>(`SELECT to_jsonb(t) AS row FROM ${table} t WHERE t.${BY_CUSTOMER[table]} = $1`, [customerId])).map((r) => r.row);
  }
  const ids = FAMILY_TABLES.flatMap((table) => family[table].map((row) => row.id)).filter(Boolean);
  family.audit = await db.query(
    'SELECT entity_type, entity_id, action, actor_type, actor_id, details FROM audit_logs WHERE entity_id = ANY($1::uuid[]) ORDER BY append_id',
    [ids],
  );
  if (family.campaigns.length !== 1 || family.campaign_invoices.length !== 1 || family.payment_records.length !== 1) {
    throw new Error(`customer ${customerId}: expected one campaign over one invoice`);
  }
  // Copies of a campaign an engine already took would share its run key: prepare before any engine runs.
  if (family.campaigns[0].engine_run_key !== null || family.campaigns[0].current_step !== 0) {
    throw new Error(`campaign ${String(family.campaigns[0].id)} was taken by an engine before it was copied`);
  }
  return family;
}

/** The family with new ids and request ids everywhere they appear (foreign keys and audit details too), and numbered invoice numbers. */
function copyOf(family: Family, n: number): Family {
  const keys = FAMILY_TABLES.flatMap((table) => family[table].flatMap((row) => [row.id, row.request_id])).filter((v): v is string => typeof v === 'string');
  let text = JSON.stringify(family);
  for (const key of new Set(keys)) text = text.split(key).join(randomUUID());
  for (const invoice of family.payment_records) {
    const number = invoice.invoice_number as string;
    text = text.split(JSON.stringify(number)).join(JSON.stringify(`${number}-${n}`));
  }
  return JSON.parse(text) as Family;
}

/** Writes the families in one transaction, table by table, and appends their audit events as the services do (log_audit_event). */
async function insertFamilies(db: TestDatabase, families: Family[]): Promise<void> {
  if (!families.length) return;
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    for (const table of FAMILY_TABLES) {
      const rows = families.flatMap((family) => family[table]);
      if (rows.length) await client.query(`INSERT INTO ${table} SELECT * FROM jsonb_populate_recordset(NULL::${table}, $1::jsonb)`, [JSON.stringify(rows)]);
    }
    await client.query(
      `SELECT count(log_audit_event(x.entity_type, x.entity_id, x.action, x.actor_type, x.actor_id, x.details))
         FROM jsonb_to_recordset($1::jsonb) AS x(entity_type text, entity_id uuid, action text, actor_type text, actor_id text, details jsonb)`,
      [JSON.stringify(families.flatMap((family) => family.audit))],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}
