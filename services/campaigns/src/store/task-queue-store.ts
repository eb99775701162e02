import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { CallContext } from '@cec/context';
import { AbortedError, FailedPreconditionError, InvalidArgumentError, NotFoundError } from '@cec/errors';
import { auditEventsPayload, inSqlTransaction, runStatement, type SqlTransaction } from '@cec/orm';
import { AGENT_TASK_TYPES, claimTypes, type AgentType } from '../domain/agent';
import type { RandomSource } from '../domain/backoff';
import { TASK_CHANNEL, TASK_TYPES, type ContactStatus, type TaskType } from '../domain/contact';
import { cancelDecision, contactStatusProblem, failureOutcome, HELD_STATUSES, holderDecision, type HolderDecision, type TaskResult } from '../domain/task';
import { actorName, contactAttemptCtes, insertContactAttempt } from './contact-attempt-writes';
import { TASK_COLUMNS, taskColumns, taskOf, type TaskRecord, type TaskRow } from './task-rows';

export interface ClaimRequest {
  agentId: string;
  /** Empty: every type the agent does. */
  types: TaskType[];
  maxTasks: number;
  leaseMs: number;
}

export interface Failure {
  error: string;
  retryable: boolean;
  contactStatus?: ContactStatus;
}

/** The task types each agent type does (AGENT_TASK_TYPES), as SQL rows (agent_type, types). */
const AGENT_TYPES_SQL = `(VALUES ${Object.entries(AGENT_TASK_TYPES)
  .map(([agentType, types]) => `('${agentType}', ARRAY[${types.map((t) => `'${t}'`).join(', ')}]::text[])`)
  .join(', ')}) AS d(agent_type, types)`;

/**
 * The claim, in one statement. The agent's row is locked first (`agent`: its latest version), so
 * claims of one agent are counted one at a time and its capacity holds; its type says which
 * task types it does (`scope`: the requested ones must be among them; none requested: all).
 * The tasks it holds are counted in this statement's snapshot, which was taken before the lock:
 * when the locked version of the agent's row is not the one the snapshot sees (a claim of the
 * same agent, or another change of the row, committed in between), the snapshot may miss tasks
 * it holds, and the statement changes nothing and answers snapshot_fresh = false: the caller
 * runs it again, in a snapshot taken under the lock. Otherwise: due pending tasks of each type
 * whose required capabilities it has are picked urgent first, then oldest, skipping rows
 * another claimer has locked (one index walk of idx_tasks_claimable per type, stopped by the
 * LIMIT); the first of them, within max_tasks and the capacity left, get a lease. The claim is
 * a sign of life (last_heartbeat_at, and its status from its load, unless it reported an
 * error), and one audit event names the tasks it took. Answers one row per claimed task, or
 * one row without a task; each with agent_type, types_valid and snapshot_fresh; no row: no
 * such agent.
 * The LIMIT is the request's max_tasks, a plain parameter, so the planner knows how few rows
 * it needs (a LIMIT computed by a subquery makes it plan for 10% of the table: a sort of every
 * pending task); the capacity left trims the picked rows afterwards (those trimmed, and a
 * research agent's rows of its other types beyond max_tasks, are only locked until the claim
 * commits). "No capability required" is spelled out so the planner sees that most tasks match
 * (it cannot estimate `<@`).
 *   $1 agent id, $2 requested types (distinct; empty: every type the agent does), $3 max tasks,
 *   $4 lease ms, $5 actor type, $6 actor id, $7 request id
 */
const CLAIM = `
WITH agent AS (
  SELECT a.ctid AS version, a.type, a.capabilities, a.max_concurrent_tasks FROM agents a WHERE a.id = $1 FOR NO KEY UPDATE
), scope AS (
  SELECT ag.type AS agent_type, ag.capabilities, ag.max_concurrent_tasks,
         $2::text[] <@ d.types AS types_valid,
         ag.version = (SELECT a.ctid FROM agents a WHERE a.id = $1) AS snapshot_fresh,
         CASE WHEN cardinality($2::text[]) = 0 THEN d.types ELSE $2::text[] END AS types
    FROM agent ag JOIN ${AGENT_TYPES_SQL} ON d.agent_type = ag.type
), go AS (
  SELECT * FROM scope WHERE types_valid AND snapshot_fresh
), held AS (
  SELECT count(*)::int AS n FROM tasks WHERE agent_id = $1 AND status IN ('assigned', 'in_progress')
), picked AS (
  SELECT p.id, p.priority_rank, p.scheduled_for
    FROM go CROSS JOIN unnest(go.types) AS ty(type)
   CROSS JOIN LATERAL (
     SELECT t.id, t.priority_rank, t.scheduled_for FROM tasks t
      WHERE t.status = 'pending' AND t.type = ty.type AND t.scheduled_for <= now()
        AND (t.required_capabilities = '{}' OR t.required_capabilities <@ go.capabilities)
      ORDER BY t.priority_rank, t.scheduled_for
      LIMIT $3::int
      FOR UPDATE SKIP LOCKED) p
), ranked AS (
  SELECT id, row_number() OVER (ORDER BY priority_rank, scheduled_for) AS rn FROM picked
), claimed AS (
  UPDATE tasks t
     SET status = 'assigned', agent_id = $1, lease_expires_at = now() + $4::int * interval '1 millisecond',
         assigned_at = now(), started_at = NULL, attempts = t.attempts + 1
    FROM ranked
   WHERE t.id = ranked.id AND ranked.rn <= LEAST($3::int, (SELECT max_concurrent_tasks FROM go) - (SELECT n FROM held))
  RETURNING ${TASK_COLUMNS}
), load AS (
  SELECT (SELECT n FROM held) + (SELECT count(*)::int FROM claimed) AS n
), alive AS (
  UPDATE agents a
     SET last_heartbeat_at = now(),
         status = CASE WHEN a.status = 'error' THEN a.status
                       WHEN load.n = 0 THEN 'idle'
                       WHEN load.n >= a.max_concurrent_tasks THEN 'busy'
                       ELSE 'active' END
    FROM load, go WHERE a.id = $1
), audit AS (
  SELECT log_audit_event('agent', $1, 'tasks_claimed', $5, $6,
           jsonb_build_object('request_id', $7::text, 'lease_ms', $4::int, 'task_ids', (SELECT jsonb_agg(id ORDER BY priority_rank, scheduled_for, id) FROM claimed))) AS id
   WHERE EXISTS (SELECT 1 FROM claimed)
)
SELECT s.agent_type, s.types_valid, s.snapshot_fresh, ${taskColumns('c')}
  FROM scope s LEFT JOIN (claimed c LEFT JOIN audit ON true) ON true
 ORDER BY c.priority_rank, c.scheduled_for, c.id`;

type ClaimRow = { agent_type: AgentType; types_valid: boolean; snapshot_fresh: boolean } & (TaskRow | { [K in keyof TaskRow]: null });

/** A task's row, locked for the holder's action; NOT_FOUND when there is none. */
const LOCK_TASK = `SELECT ${TASK_COLUMNS} FROM tasks t WHERE t.id = $1 FOR NO KEY UPDATE`;

/** An update of one task and its audit event, in one statement: $1 task id, then the SET's, then the event's. */
function auditedUpdate(set: string, firstEventParam: number): string {
  const p = (n: number) => `$${firstEventParam + n}`;
  return `
WITH u AS (UPDATE tasks t SET ${set} WHERE t.id = $1 RETURNING ${TASK_COLUMNS}),
     a AS (SELECT log_audit_event('task', $1, ${p(0)}, ${p(1)}, ${p(2)}, ${p(3)}::jsonb, NULL) AS id)
SELECT ${taskColumns('u')} FROM u, a`;
}

const FAIL_FOR_GOOD = auditedUpdate(
  `status = 'failed', completed_at = now(), lease_expires_at = NULL, last_error = $2, contact_attempt_id = COALESCE($3, t.contact_attempt_id)`,
  4,
);
const RETRY_LATER = auditedUpdate(
  `status = 'pending', agent_id = NULL, lease_expires_at = NULL, assigned_at = NULL, started_at = NULL, scheduled_for = $2::timestamptz,
   last_error = $3, contact_attempt_id = COALESCE($4, t.contact_attempt_id)`,
  5,
);
const CANCEL = auditedUpdate(`status = 'cancelled', lease_expires_at = NULL, last_error = $2`, 3);

/** A list of known words (domain constants, never input) as an SQL array literal. */
const textArray = (values: readonly string[]): string => `ARRAY[${values.map((v) => `'${v}'`).join(', ')}]::text[]`;

/** The channel of a task of row `alias`'s type (TASK_CHANNEL); NULL for research and manual review. */
const channelOf = (alias: string): string =>
  `CASE ${alias}.type ${Object.entries(TASK_CHANNEL)
    .filter(([, channel]) => channel)
    .map(([type, channel]) => `WHEN '${type}' THEN '${channel}'`)
    .join(' ')} END`;

/**
 * The completion, in one statement: the task's row locked (`cur`: its latest version, after any
 * concurrent change committed); when the agent holds it and the reported contact status fits its
 * type, the task completed (`done`), its contact attempt and the attempt's outbox messages
 * inserted (contactAttemptCtes, only with an attempt id) and the audit event appended. Answers
 * one row: the completed task (completed_now), or the locked task unchanged, for the caller to
 * tell apart why (holderDecision: replay or refuse; else the contact status), or none (no task).
 *   $1 task id, $2 agent id, $3 the result to store, $4 the attempt's id (NULL: no attempt),
 *   $5 the task types the contact status fits, $6 contact status, $7 duration, $8 outcome,
 *   $9 the attempt's metadata, $10 recorded_by, $11 the audit event (auditEventsPayload)
 */
const COMPLETE = `
WITH cur AS (
  SELECT ${TASK_COLUMNS} FROM tasks t WHERE t.id = $1 FOR NO KEY UPDATE
), done AS (
  UPDATE tasks t
     SET status = 'completed', completed_at = now(), started_at = COALESCE(t.started_at, t.assigned_at), lease_expires_at = NULL,
         result = $3::jsonb, contact_attempt_id = $4::uuid
    FROM cur
   WHERE t.id = cur.id AND cur.status = ANY(${textArray(HELD_STATUSES)}) AND cur.agent_id = $2::uuid AND cur.type = ANY($5::text[])
  RETURNING ${TASK_COLUMNS}
), ${contactAttemptCtes(
  `SELECT $4::uuid AS id, d.customer_id, d.id AS task_id, d.campaign_id, d.agent_id, (d.context->'content'->>'template_id')::uuid AS template_id,
          ${channelOf('d')} AS channel, $6::text AS status, now() AS attempted_at, $7::int AS duration, $8::text AS outcome, $9::jsonb AS metadata,
          d.decision_id, NULL::uuid AS request_id, $10::text AS recorded_by
     FROM done d WHERE $4::uuid IS NOT NULL`,
)}, audit AS (
  SELECT log_audit_events($11::jsonb) AS ids WHERE EXISTS (SELECT 1 FROM done)
)
SELECT true AS completed_now, ${taskColumns('d')} FROM done d LEFT JOIN audit ON true
UNION ALL
SELECT false, ${taskColumns('c')} FROM cur c WHERE NOT EXISTS (SELECT 1 FROM done)`;

/**
 * The extension, in one statement: the task's row locked (`cur`), and when the agent holds it
 * the lease renewed (assigned -> in_progress). Answers one row: the extended task
 * (extended_now), or the locked task unchanged, for holderDecision to say why; or none.
 *   $1 task id, $2 lease ms, $3 agent id
 */
const EXTEND = `
WITH cur AS (
  SELECT ${TASK_COLUMNS} FROM tasks t WHERE t.id = $1 FOR NO KEY UPDATE
), ext AS (
  UPDATE tasks t
     SET status = 'in_progress', lease_expires_at = now() + $2::int * interval '1 millisecond', started_at = COALESCE(t.started_at, now())
    FROM cur
   WHERE t.id = cur.id AND cur.status = ANY(${textArray(HELD_STATUSES)}) AND cur.agent_id = $3::uuid
  RETURNING ${TASK_COLUMNS}
)
SELECT true AS extended_now, ${taskColumns('e')} FROM ext e
UNION ALL
SELECT false, ${taskColumns('c')} FROM cur c WHERE NOT EXISTS (SELECT 1 FROM ext)`;

/**
 * The queue's moves: claims with leases, extensions, completion, failure and cancellation.
 * The hot ones (claim, extend, complete) are one statement each, run on its own in autocommit
 * (runStatement: one round trip; the statement is atomic by itself, under the call's deadline,
 * UNKNOWN when the connection breaks during it). Failure and cancellation are plain-SQL
 * transactions (inSqlTransaction) of a few statements on one locked task.
 */
export class TaskQueueStore {
  constructor(
    private readonly orm: MikroORM,
    private readonly random: RandomSource = Math.random,
  ) {}

  /**
   * Claims up to maxTasks for the agent within its capacity; NOT_FOUND for an unknown agent,
   * INVALID_ARGUMENT for types it does not do. One statement (CLAIM) in autocommit: one round
   * trip. In the rare case that a change of the agent's row committed while it waited for the
   * row's lock, that statement changed nothing and released the lock as it ended: the claim
   * runs again in a transaction (BEGIN, CLAIM, COMMIT), whose lock is held to its end: when
   * the row changed again in between, the run after that is under the lock, in a fresh snapshot.
   */
  async claim(request: ClaimRequest, call: CallContext): Promise<TaskRecord[]> {
    const params = [request.agentId, [...new Set(request.types)], request.maxTasks, request.leaseMs, call.actor.type, call.actor.id, call.requestId];
    const settled = (answer: ClaimRow[]) => !answer.length || !answer[0].types_valid || answer[0].snapshot_fresh;
    let rows = await runStatement<ClaimRow>(this.orm, call, CLAIM, params);
    if (!settled(rows)) {
      rows = await inSqlTransaction(this.orm, call, async (tx) => {
        for (let run = 1; ; run += 1) {
          const answer = (await tx.run(CLAIM, params)) as ClaimRow[];
          if (settled(answer)) return answer;
          // Under the lock now, nobody else changes the row: the second run's snapshot is fresh.
          if (run === 2) throw new AbortedError(`agent ${request.agentId} changed twice during one claim; retry the call`);
        }
      });
    }
    if (!rows.length) throw NotFoundError.resource('agent', request.agentId);
    if (!rows[0].types_valid) {
      const { problems } = claimTypes(rows[0].agent_type, request.types);
      throw new InvalidArgumentError(problems.map(([i, description]) => ({ field: `types[${i}]`, description })));
    }
    return rows.flatMap((row) => (row.id === null ? [] : [taskOf(row)]));
  }

  /** The holder keeps the task for leaseMs from now (assigned -> in_progress). One statement (EXTEND) in autocommit. */
  async extend(taskId: string, agentId: string, leaseMs: number, call: CallContext): Promise<TaskRecord> {
    const [row] = await runStatement<TaskRow & { extended_now: boolean }>(this.orm, call, EXTEND, [taskId, leaseMs, agentId]);
    if (!row) throw NotFoundError.resource('task', taskId);
    if (row.extended_now) return taskOf(row);
    this.decide(holderDecision(stateOf(row), agentId, 'extend'));
    throw new Error(`task ${taskId}: held by agent ${agentId}, yet its lease was not extended`);
  }

  /**
   * The holder completes the task: a contact task's attempt (and its outbox messages) is
   * recorded in the same transaction, and the task keeps the attempt's id. Completing again
   * (the same agent) returns the task as the first completion left it. One statement (COMPLETE)
   * in autocommit: one round trip, the row lock held while it runs.
   */
  async complete(taskId: string, agentId: string, result: TaskResult, call: CallContext): Promise<TaskRecord> {
    const status = result.contact_status;
    const attemptId = status ? randomUUID() : null;
    const stored: TaskResult = { ...result, ...(attemptId ? { contact_attempt_id: attemptId } : {}) };
    const event = auditEventsPayload([
      {
        entityType: 'task',
        entityId: taskId,
        action: 'completed',
        actor: call.actor,
        details: { request_id: call.requestId, agent_id: agentId, contact_status: status ?? null, outcome: result.outcome ?? null, contact_attempt_id: attemptId },
      },
    ]);
    const [row] = await runStatement<TaskRow & { completed_now: boolean }>(this.orm, call, COMPLETE, [
      taskId,
      agentId,
      JSON.stringify(stored),
      attemptId,
      typesFitting(status),
      status ?? null,
      result.duration_seconds ?? null,
      result.outcome ?? null,
      JSON.stringify(attemptMetadata(result)),
      actorName(call.actor),
      event,
    ]);
    if (!row) throw NotFoundError.resource('task', taskId);
    if (row.completed_now || this.decide(holderDecision(stateOf(row), agentId, 'complete')) === 'replay') return taskOf(row);
    // The agent holds the task: the only reason left is a contact status that does not fit its type.
    const problem = contactStatusProblem(row.type, status, true);
    if (problem) throw InvalidArgumentError.field('result.contact_status', problem);
    throw new Error(`task ${taskId}: held by agent ${agentId} and the contact status fits, yet it was not completed`);
  }

  /**
   * The holder reports a failure: retryable with attempts left -> pending again after the
   * backoff; otherwise failed with the error. A contact that was made (e.g. bounced) is
   * recorded as an attempt. Failing a task that this agent failed for good returns it as it is.
   */
  async fail(taskId: string, agentId: string, failure: Failure, call: CallContext): Promise<TaskRecord> {
    return inSqlTransaction(this.orm, call, async (tx) => {
      const task = await this.locked(tx, taskId);
      if (this.decide(holderDecision(stateOf(task), agentId, 'fail')) === 'replay') return taskOf(task);
      const problem = contactStatusProblem(task.type, failure.contactStatus, false);
      if (problem) throw InvalidArgumentError.field('contact_status', problem);
      const attemptId = failure.contactStatus
        ? await this.recordAttempt(tx, task, agentId, failure.contactStatus, { outcome: undefined, details: { error: failure.error } }, call)
        : null;
      const outcome = failureOutcome(stateOf(task), failure.retryable, new Date(), this.random);
      const details = {
        request_id: call.requestId,
        agent_id: agentId,
        error: failure.error,
        retryable: failure.retryable,
        attempts: task.attempts,
        max_attempts: task.max_attempts,
        contact_attempt_id: attemptId,
        ...(outcome.status === 'pending' ? { retry_at: outcome.retryAt.toISOString() } : {}),
      };
      const actor = [call.actor.type, call.actor.id, JSON.stringify(details)];
      const [row] = (
        outcome.status === 'pending'
          ? await tx.run(RETRY_LATER, [taskId, outcome.retryAt, failure.error, attemptId, 'retry_scheduled', ...actor])
          : await tx.run(FAIL_FOR_GOOD, [taskId, failure.error, attemptId, 'failed', ...actor])
      ) as TaskRow[];
      return taskOf(row);
    });
  }

  /** Cancels an unfinished task (a holder's later completion is refused); cancelling again returns it as it is. */
  async cancel(taskId: string, reason: string, call: CallContext): Promise<TaskRecord> {
    return inSqlTransaction(this.orm, call, async (tx) => {
      const task = await this.locked(tx, taskId);
      if (this.decide(cancelDecision(stateOf(task))) === 'replay') return taskOf(task);
      const details = { request_id: call.requestId, reason, status_before: task.status, agent_id: task.agent_id };
      const [row] = (await tx.run(CANCEL, [taskId, `cancelled: ${reason}`, 'cancelled', call.actor.type, call.actor.id, JSON.stringify(details)])) as TaskRow[];
      return taskOf(row);
    });
  }

  private async locked(tx: SqlTransaction, taskId: string): Promise<TaskRow> {
    const [row] = (await tx.run(LOCK_TASK, [taskId])) as TaskRow[];
    if (!row) throw NotFoundError.resource('task', taskId);
    return row;
  }

  private decide(decision: HolderDecision): 'act' | 'replay' {
    if (decision.kind === 'refuse') throw new FailedPreconditionError(decision.message);
    return decision.kind;
  }

  /** Records the contact a contact task made (with its compliance decision and template), or nothing for other tasks. */
  private async recordAttempt(
    tx: SqlTransaction,
    task: TaskRow,
    agentId: string,
    status: ContactStatus | undefined,
    result: Pick<TaskResult, 'outcome' | 'duration_seconds' | 'notes' | 'details'>,
    call: CallContext,
  ): Promise<string | null> {
    const channel = TASK_CHANNEL[task.type];
    if (!channel || !status) return null;
    const attempt = await insertContactAttempt(
      tx,
      {
        customerId: task.customer_id,
        channel,
        status,
        attemptedAt: new Date(),
        taskId: task.id,
        campaignId: task.campaign_id,
        agentId,
        templateId: task.context.content?.template_id ?? null,
        durationSeconds: result.duration_seconds ?? null,
        outcome: result.outcome ?? null,
        metadata: attemptMetadata(result),
        decisionId: task.decision_id,
      },
      call.actor,
    );
    return attempt.id;
  }
}

const stateOf = (row: TaskRow) => ({ id: row.id, status: row.status, agentId: row.agent_id, attempts: row.attempts, maxAttempts: row.max_attempts });

/** The task types whose completion takes this contact status (contactStatusProblem, required). */
const typesFitting = (status: ContactStatus | undefined): TaskType[] => TASK_TYPES.filter((type) => !contactStatusProblem(type, status, true));

/** What a contact attempt keeps of the agent's report besides its columns: notes and details. */
function attemptMetadata(result: Pick<TaskResult, 'notes' | 'details'>): Record<string, unknown> {
  const metadata: Record<string, unknown> = {};
  if (result.notes) metadata.notes = result.notes;
  if (result.details && Object.keys(result.details).length) metadata.details = result.details;
  return metadata;
}
