import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { CallContext } from '@cec/context';
import { InvalidArgumentError, NotFoundError } from '@cec/errors';
import { createOnce, inSqlTransaction, recordAuditEvent, sql } from '@cec/orm';
import type { TaskType } from '../domain/contact';
import type { Priority, TaskContext, TaskStatus } from '../domain/task';
import { TASK_COLUMNS, taskOf, type TaskRecord, type TaskRow } from './task-rows';

export interface NewTask {
  customerId: string;
  campaignId: string | null;
  type: TaskType;
  priority: Priority;
  requiredCapabilities: string[];
  context: TaskContext;
  /** null: now. */
  scheduledFor: Date | null;
  maxAttempts: number;
}

export interface TaskFilter {
  statuses: TaskStatus[];
  types: TaskType[];
  customerId?: string;
  campaignId?: string;
  agentId?: string;
  dueOnly: boolean;
}

/** Where the next page starts: the list order's key of the last task of the previous one. */
export interface TaskPageKey {
  priorityRank: number;
  scheduledFor: string;
  id: string;
}

/** tasks: creating (manual tasks), reading and listing. The queue's moves are in task-queue-store. */
export class TaskStore {
  constructor(private readonly orm: MikroORM) {}

  private em(): EntityManager {
    return this.orm.em.fork() as EntityManager;
  }

  async get(id: string): Promise<TaskRecord> {
    const [row] = await sql<TaskRow>(this.em(), `SELECT ${TASK_COLUMNS} FROM tasks t WHERE t.id = ?`, [id]);
    if (!row) throw NotFoundError.resource('task', id);
    return taskOf(row);
  }

  /** Creates a pending task, audited; a retried request id returns the first. */
  async create(input: NewTask, requestId: string | undefined, call: CallContext): Promise<TaskRecord> {
    return createOnce({
      requestId,
      find: async (id) => {
        const [row] = await sql<TaskRow>(this.em(), `SELECT ${TASK_COLUMNS} FROM tasks t WHERE t.request_id = ?`, [id]);
        return row && taskOf(row);
      },
      raceConstraints: ['tasks_request_id_key'],
      insert: () =>
        inSqlTransaction(this.orm, call, async (tx) => {
          if (input.campaignId) {
            const [campaign] = await sql<{ customer_id: string }>(tx, 'SELECT customer_id FROM campaigns WHERE id = ?', [input.campaignId]);
            if (!campaign) throw NotFoundError.resource('campaign', input.campaignId);
            if (campaign.customer_id !== input.customerId) {
              throw InvalidArgumentError.field('task.campaign_id', `is the campaign of another customer than ${input.customerId}`);
            }
          }
          const [row] = await sql<TaskRow>(
            tx,
            `INSERT INTO tasks AS t (customer_id, campaign_id, type, priority, required_capabilities, context, scheduled_for, max_attempts, request_id)
             VALUES (?, ?, ?, ?, ?::text[], ?::jsonb, COALESCE(?::timestamptz, now()), ?, ?)
             RETURNING ${TASK_COLUMNS}`,
            [
              input.customerId,
              input.campaignId,
              input.type,
              input.priority,
              input.requiredCapabilities,
              JSON.stringify(input.context),
              input.scheduledFor,
              input.maxAttempts,
              requestId ?? null,
            ],
          );
          await recordAuditEvent(tx, {
            entityType: 'task',
            entityId: row.id,
            action: 'created',
            actor: call.actor,
            details: {
              request_id: call.requestId,
              customer_id: input.customerId,
              campaign_id: input.campaignId,
              type: input.type,
              priority: input.priority,
              required_capabilities: input.requiredCapabilities,
              scheduled_for: row.scheduled_for,
              max_attempts: input.maxAttempts,
            },
          });
          return taskOf(row);
        }),
    });
  }

  /** A page of tasks in queue order: urgent first, then the oldest scheduled. */
  async list(filter: TaskFilter, after: TaskPageKey | undefined, limit: number): Promise<TaskRecord[]> {
    const where: string[] = ['true'];
    const params: unknown[] = [];
    if (filter.statuses.length) {
      where.push('t.status = ANY(?::text[])');
      params.push(filter.statuses);
    }
    if (filter.types.length) {
      where.push('t.type = ANY(?::text[])');
      params.push(filter.types);
    }
    for (const [column, value] of [
      ['customer_id', filter.customerId],
      ['campaign_id', filter.campaignId],
      ['agent_id', filter.agentId],
    ] as const) {
      if (value) {
        where.push(`t.${column} = ?`);
        params.push(value);
      }
    }
    if (filter.dueOnly) where.push('t.scheduled_for <= now()');
    if (after) {
      where.push('(t.priority_rank, t.scheduled_for, t.id) > (?::smallint, ?::timestamptz, ?::uuid)');
      params.push(after.priorityRank, after.scheduledFor, after.id);
    }
    const rows = await sql<TaskRow>(
      this.em(),
      `SELECT ${TASK_COLUMNS} FROM tasks t WHERE ${where.join(' AND ')} ORDER BY t.priority_rank, t.scheduled_for, t.id LIMIT ?`,
      [...params, limit],
    );
    return rows.map(taskOf);
  }
}
