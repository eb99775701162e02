/**
 * What must hold of the engine's work whatever ran it (replicas, crashes, peers down), read in
 * SQL across the three services' tables, and how far the work has come.
 */
import type { TestDatabase } from '@cec/testing';
import { EXPECTED, KINDS, type Kind, type Population } from './population';

const CHANNEL_OF_TASK = "CASE t.type WHEN 'send_email' THEN 'email' WHEN 'send_sms' THEN 'sms' WHEN 'make_call' THEN 'phone' END";

/**
 * Each invariant: a query of the rows that break it (at most 5 shown), over the campaigns $1.
 * `always`: holds at every instant, even while a pass is in progress or a peer is down;
 * the others hold once every due step is done.
 */
const INVARIANTS: Record<string, { always: boolean; sql: string }> = {
  'a step taken (not deferred) more than once': {
    always: true,
    sql: `SELECT campaign_id, step_index, count(*)::int AS n FROM campaign_step_runs WHERE campaign_id = ANY($1::uuid[]) AND outcome <> 'deferred'
           GROUP BY 1, 2 HAVING count(*) > 1 LIMIT 5`,
  },
  'more than one task for a step': {
    always: true,
    sql: `SELECT campaign_id, step_index, count(*)::int AS n FROM tasks WHERE campaign_id = ANY($1::uuid[]) GROUP BY 1, 2 HAVING count(*) > 1 LIMIT 5`,
  },
  'a task the ledger does not name with its run key': {
    always: true,
    sql: `SELECT t.id, t.campaign_id, t.step_index FROM tasks t WHERE t.campaign_id = ANY($1::uuid[])
           AND NOT EXISTS (SELECT 1 FROM campaign_step_runs r WHERE r.task_id = t.id AND r.run_key = t.request_id AND r.step_index = t.step_index
                                                              AND r.outcome IN ('task_created', 'fell_back'))
           LIMIT 5`,
  },
  'a contact task without an ALLOW decision for its customer and channel': {
    always: true,
    sql: `SELECT t.id, t.type, t.decision_id, d.result, d.channel FROM tasks t LEFT JOIN compliance_decisions d ON d.id = t.decision_id
           WHERE t.campaign_id = ANY($1::uuid[])
             AND (d.id IS NULL OR d.result <> 'allow' OR d.customer_id <> t.customer_id OR d.channel IS DISTINCT FROM ${CHANNEL_OF_TASK})
           LIMIT 5`,
  },
  'a ledger decision that is not its customer’s': {
    always: true,
    sql: `SELECT r.campaign_id, r.step_index, r.decision_id FROM campaign_step_runs r JOIN campaigns c ON c.id = r.campaign_id
           LEFT JOIN compliance_decisions d ON d.id = r.decision_id
           WHERE r.campaign_id = ANY($1::uuid[]) AND r.decision_id IS NOT NULL AND (d.id IS NULL OR d.customer_id <> c.customer_id) LIMIT 5`,
  },
  'a campaign position out of line with its ledger': {
    always: true,
    sql: `SELECT c.id, c.current_step, c.status FROM campaigns c WHERE c.id = ANY($1::uuid[])
           AND (c.current_step <> (SELECT count(*) FROM campaign_step_runs r WHERE r.campaign_id = c.id AND r.outcome <> 'deferred')
                OR EXISTS (SELECT 1 FROM campaign_step_runs r WHERE r.campaign_id = c.id AND r.step_index > c.current_step))
           LIMIT 5`,
  },
  'a reservation not used by exactly one task (orphan or shared)': {
    always: false,
    sql: `SELECT r.decision_id, (SELECT count(*)::int FROM tasks t WHERE t.decision_id = r.decision_id) AS tasks
            FROM contact_reservations r WHERE r.customer_id IN (SELECT customer_id FROM campaigns WHERE id = ANY($1::uuid[]))
             AND (SELECT count(*) FROM tasks t WHERE t.decision_id = r.decision_id) <> 1
           LIMIT 5`,
  },
  'an ALLOW decision no task uses': {
    always: false,
    sql: `SELECT d.id, d.request_id FROM compliance_decisions d
           WHERE d.customer_id IN (SELECT customer_id FROM campaigns WHERE id = ANY($1::uuid[])) AND d.result = 'allow'
             AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.decision_id = d.id)
           LIMIT 5`,
  },
  'a campaign holding an engine lease or run key': {
    always: false,
    sql: `SELECT id, status, engine_lease_owner, engine_lease_until, engine_run_key FROM campaigns
           WHERE id = ANY($1::uuid[]) AND (engine_lease_owner IS NOT NULL OR engine_lease_until IS NOT NULL OR engine_run_key IS NOT NULL OR engine_fallback_run_key IS NOT NULL)
           LIMIT 5`,
  },
  'a step still due': {
    always: false,
    sql: `SELECT id, current_step, next_step_at FROM campaigns WHERE id = ANY($1::uuid[]) AND status = 'active' AND next_step_at <= now() LIMIT 5`,
  },
};

/** The invariants broken, with a few rows that break each: {} when all hold. `always`: only those that hold at every instant. */
export async function brokenInvariants(db: TestDatabase, campaignIds: string[], options: { always?: boolean } = {}): Promise<Record<string, unknown[]>> {
  const broken: Record<string, unknown[]> = {};
  for (const [name, invariant] of Object.entries(INVARIANTS)) {
    if (options.always && !invariant.always) continue;
    const rows = await db.query(invariant.sql, [campaignIds]);
    if (rows.length) broken[name] = rows;
  }
  return broken;
}

/** How many campaigns of each kind ended as what (see EXPECTED). */
export async function outcomesByKind(db: TestDatabase, population: Population): Promise<Record<Kind, Record<string, number>>> {
  const rows = await db.query<{ id: string; signature: string }>(
    `SELECT c.id, concat_ws(' ',
              'status=' || c.status,
              'step=' || c.current_step,
              'runs=' || coalesce((SELECT string_agg(r.step_index || ':' || r.outcome || ':' || coalesce(r.channel, '-'), ',' ORDER BY r.step_index, r.created_at)
                                     FROM campaign_step_runs r WHERE r.campaign_id = c.id), ''),
              'tasks=' || (SELECT count(*) FROM tasks t WHERE t.campaign_id = c.id),
              'decisions=' || coalesce((SELECT string_agg(d.result || ':' || d.channel, ',' ORDER BY d.result, d.channel)
                                          FROM compliance_decisions d WHERE d.customer_id = c.customer_id), '')) AS signature
       FROM campaigns c WHERE c.id = ANY($1::uuid[])`,
    [population.campaignIds],
  );
  const tally = Object.fromEntries(KINDS.map((kind) => [kind, {}])) as Record<Kind, Record<string, number>>;
  for (const row of rows) {
    const counts = tally[population.kinds.get(row.id) as Kind];
    counts[row.signature] = (counts[row.signature] ?? 0) + 1;
  }
  return tally;
}

/** What outcomesByKind answers when every campaign ended as its kind should. */
export function expectedOutcomes(population: Population): Record<Kind, Record<string, number>> {
  const tally = Object.fromEntries(KINDS.map((kind) => [kind, {}])) as Record<Kind, Record<string, number>>;
  for (const kind of population.kinds.values()) tally[kind][EXPECTED[kind]] = (tally[kind][EXPECTED[kind]] ?? 0) + 1;
  return tally;
}

export interface Progress {
  /** Ledger rows written. */
  runs: number;
  /** Active campaigns with a step due now. */
  due: number;
  /** Campaigns a pass holds (leased). */
  held: number;
}

export async function progressOf(db: TestDatabase, campaignIds: string[]): Promise<Progress> {
  const [row] = await db.query<Progress>(
    `SELECT (SELECT count(*)::int FROM campaign_step_runs WHERE campaign_id = ANY($1::uuid[])) AS runs,
            count(*) FILTER (WHERE status = 'active' AND next_step_at <= now())::int AS due,
            count(*) FILTER (WHERE engine_lease_owner IS NOT NULL)::int AS held
       FROM campaigns WHERE id = ANY($1::uuid[])`,
    [campaignIds],
  );
  return row;
}

/** Every due step done: the ledger has (at least) every row expected, nothing is due, nobody holds a campaign. */
export async function allStepsDone(db: TestDatabase, population: Population): Promise<Progress | false> {
  const progress = await progressOf(db, population.campaignIds);
  return progress.runs >= population.expectedRuns && progress.due === 0 && progress.held === 0 ? progress : false;
}
