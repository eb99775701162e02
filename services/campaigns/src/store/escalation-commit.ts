import type { MikroORM } from '@mikro-orm/postgresql';
import type { CallContext } from '@cec/context';
import { inSqlTransaction, recordAuditEvents, sql, type AuditEvent, type SqlTransaction } from '@cec/orm';
import type { Channel, TaskType } from '../domain/contact';
import type { Priority, TaskContext } from '../domain/task';
import { cancelPendingTasks } from './pending-task-cancel';

/** The task a step makes. */
export interface StepTask {
  type: TaskType;
  priority: Priority;
  context: TaskContext;
  scheduledFor: Date;
  /** The compliance decision that allowed the contact; null for research, manual review and letters. */
  decisionId: string | null;
}

/** The ledger row of a step. */
export interface StepRunRow {
  stepIndex: number;
  outcome: 'task_created' | 'deferred' | 'refused' | 'fell_back' | 'skipped';
  channel: Channel | null;
  decisionId: string | null;
  notBefore: Date | null;
  reason: string | null;
}

/** Everything one campaign's due step changes, written at once or not at all. */
export interface StepCommit {
  campaignId: string;
  customerId: string;
  /** current_step as the pass read it: the commit is skipped when it moved. */
  expectedStep: number;
  /** The task's request id and the ledger row's run key. */
  runKey: string;
  task: (StepTask & { stepIndex: number }) | null;
  run: StepRunRow | null;
  campaign: {
    currentStep: number;
    nextStepAt: Date | null;
    /** Set when a step was taken (task, refusal, skip). */
    lastStepAt: Date | null;
    completed: { at: Date; outcome: string } | null;
  };
  /** Paid in full: the campaign's tasks no agent has taken yet are cancelled. */
  cancelPendingTasks: boolean;
  /** The audit events, once the task's id is known. */
  events: (taskId: string | null) => AuditEvent[];
}

export interface CommitResult {
  /** Campaigns whose step was committed. */
  committed: Set<string>;
  /** Campaign id -> id of the task its step made. */
  taskIds: Map<string, string>;
  /** Campaigns this pass no longer held (lease taken over, paused, cancelled): nothing written but the lease given up. */
  lost: Set<string>;
}

/**
 * Writes the outcomes of a batch of due steps in ONE transaction, for the campaigns whose lease
 * the pass `owner` still holds (locked first, in id order, so two commits never interleave on a
 * campaign): the tasks (request_id = the run key: at most one per step), the ledger rows (run_key
 * unique), the campaigns' new position with their run keys and lease cleared, the pending tasks
 * of campaigns paid in full cancelled, and every audit event in one statement. A campaign the
 * pass no longer holds as it read it (paused, cancelled, taken over after the lease ran out)
 * gets nothing but its lease and run keys cleared when they are still this pass's.
 */
export async function commitSteps(orm: MikroORM, call: CallContext, owner: string, steps: readonly StepCommit[]): Promise<CommitResult> {
  return inSqlTransaction(orm, call, async (tx) => {
    const ids = steps.map((s) => s.campaignId);
    const held = new Set(
      (
        await sql<{ id: string }>(
          tx,
          `SELECT c.id FROM campaigns c
             JOIN jsonb_to_recordset(?::jsonb) AS x(id uuid, current_step int) ON x.id = c.id
            WHERE c.engine_lease_owner = ?::uuid AND c.status = 'active' AND c.current_step = x.current_step
            ORDER BY c.id
              FOR UPDATE OF c`,
          [JSON.stringify(steps.map((s) => ({ id: s.campaignId, current_step: s.expectedStep }))), owner],
        )
      ).map((r) => r.id),
    );
    const lost = new Set(ids.filter((id) => !held.has(id)));
    if (lost.size) {
      await sql(
        tx,
        `UPDATE campaigns SET engine_lease_owner = NULL, engine_lease_until = NULL, engine_run_key = NULL, engine_fallback_run_key = NULL
          WHERE id = ANY(?::uuid[]) AND engine_lease_owner = ?::uuid`,
        [[...lost], owner],
      );
    }
    const mine = steps.filter((s) => held.has(s.campaignId));
    if (!mine.length) return { committed: new Set(), taskIds: new Map(), lost };

    const taskIds = await insertTasks(tx, mine);
    await insertRuns(tx, mine, taskIds);
    await updateCampaigns(tx, owner, mine);
    const events = mine.flatMap((s) => s.events(taskIds.get(s.campaignId) ?? null));
    const paid = mine.filter((s) => s.cancelPendingTasks).map((s) => s.campaignId);
    if (paid.length) {
      const cancelled = await cancelPendingTasks(
        tx,
        call,
        `SELECT id, 'campaign ' || campaign_id || ' completed: paid in full' AS reason, jsonb_build_object('campaign_id', campaign_id) AS details
           FROM tasks WHERE campaign_id = ANY(?::uuid[])`,
        [paid],
      );
      events.push(...cancelled);
    }
    await recordAuditEvents(tx, events);
    return { committed: new Set(mine.map((s) => s.campaignId)), taskIds, lost };
  });
}

/** The steps' tasks; a task already made with the run key (a replayed commit) is found, not made again. */
async function insertTasks(tx: SqlTransaction, steps: readonly StepCommit[]): Promise<Map<string, string>> {
  const rows = steps.flatMap((s) =>
    s.task
      ? [
          {
            customer_id: s.customerId,
            campaign_id: s.campaignId,
            step_index: s.task.stepIndex,
            type: s.task.type,
            priority: s.task.priority,
            context: s.task.context,
            scheduled_for: s.task.scheduledFor.toISOString(),
            request_id: s.runKey,
            decision_id: s.task.decisionId,
          },
        ]
      : [],
  );
  if (!rows.length) return new Map();
  const made = await sql<{ id: string; campaign_id: string }>(
    tx,
    `WITH input AS (
       SELECT * FROM jsonb_to_recordset(?::jsonb) AS x(customer_id uuid, campaign_id uuid, step_index int, type text, priority text, context jsonb,
                                                       scheduled_for timestamptz, request_id uuid, decision_id uuid)
     ), made AS (
       INSERT INTO tasks (customer_id, campaign_id, step_index, type, priority, context, scheduled_for, request_id, decision_id)
       SELECT customer_id, campaign_id, step_index, type, priority, context, scheduled_for, request_id, decision_id FROM input
       ON CONFLICT (request_id) DO NOTHING
       RETURNING id, campaign_id
     )
     SELECT id, campaign_id FROM made
     UNION ALL
     SELECT t.id, t.campaign_id FROM tasks t JOIN input ON t.request_id = input.request_id`,
    [JSON.stringify(rows)],
  );
  return new Map(made.map((r) => [r.campaign_id, r.id]));
}

async function insertRuns(tx: SqlTransaction, steps: readonly StepCommit[], taskIds: ReadonlyMap<string, string>): Promise<void> {
  const rows = steps.flatMap((s) =>
    s.run
      ? [
          {
            campaign_id: s.campaignId,
            step_index: s.run.stepIndex,
            run_key: s.runKey,
            outcome: s.run.outcome,
            channel: s.run.channel,
            decision_id: s.run.decisionId,
            task_id: taskIds.get(s.campaignId) ?? null,
            not_before: s.run.notBefore?.toISOString() ?? null,
            reason: s.run.reason === null ? null : s.run.reason.slice(0, 1000),
          },
        ]
      : [],
  );
  if (!rows.length) return;
  await sql(
    tx,
    `INSERT INTO campaign_step_runs (campaign_id, step_index, run_key, outcome, channel, decision_id, task_id, not_before, reason)
     SELECT campaign_id, step_index, run_key, outcome, channel, decision_id, task_id, not_before, reason
       FROM jsonb_to_recordset(?::jsonb) AS x(campaign_id uuid, step_index int, run_key uuid, outcome text, channel text, decision_id uuid, task_id uuid,
                                              not_before timestamptz, reason text)
     ON CONFLICT (run_key) DO NOTHING`,
    [JSON.stringify(rows)],
  );
}

async function updateCampaigns(tx: SqlTransaction, owner: string, steps: readonly StepCommit[]): Promise<void> {
  const rows = steps.map((s) => ({
    id: s.campaignId,
    current_step: s.campaign.currentStep,
    next_step_at: s.campaign.nextStepAt?.toISOString() ?? null,
    last_step_at: s.campaign.lastStepAt?.toISOString() ?? null,
    completed_at: s.campaign.completed?.at.toISOString() ?? null,
    outcome: s.campaign.completed?.outcome.slice(0, 500) ?? null,
  }));
  await sql(
    tx,
    `UPDATE campaigns c
        SET current_step = x.current_step,
            next_step_at = x.next_step_at,
            last_step_at = COALESCE(x.last_step_at, c.last_step_at),
            status = CASE WHEN x.completed_at IS NULL THEN c.status ELSE 'completed' END,
            completed_at = COALESCE(x.completed_at, c.completed_at),
            outcome = COALESCE(x.outcome, c.outcome),
            engine_run_key = NULL, engine_fallback_run_key = NULL, engine_lease_owner = NULL, engine_lease_until = NULL
       FROM jsonb_to_recordset(?::jsonb) AS x(id uuid, current_step int, next_step_at timestamptz, last_step_at timestamptz, completed_at timestamptz, outcome text)
      WHERE c.id = x.id AND c.engine_lease_owner = ?::uuid`,
    [JSON.stringify(rows), owner],
  );
}
