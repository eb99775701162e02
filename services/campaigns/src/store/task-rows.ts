import { pgTimestamp, pgTimestampRequired } from '@cec/orm';
import type { TaskType } from '../domain/contact';
import type { Priority, TaskContext, TaskResult, TaskStatus } from '../domain/task';

/** A task as this service hands it out. */
export interface TaskRecord {
  id: string;
  customerId: string;
  campaignId: string | null;
  stepIndex: number | null;
  type: TaskType;
  priority: Priority;
  status: TaskStatus;
  requiredCapabilities: string[];
  context: TaskContext;
  decisionId: string | null;
  scheduledFor: Date;
  attempts: number;
  maxAttempts: number;
  agentId: string | null;
  leaseExpiresAt: Date | null;
  lastError: string | null;
  result: TaskResult | null;
  contactAttemptId: string | null;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
  /** The list order's key (priority_rank, scheduled_for as PostgreSQL writes it), for page tokens. */
  priorityRank: number;
  scheduledForText: string;
}

export interface TaskRow {
  id: string;
  customer_id: string;
  campaign_id: string | null;
  step_index: number | null;
  type: TaskType;
  priority: Priority;
  priority_rank: number;
  status: TaskStatus;
  required_capabilities: string[];
  context: TaskContext;
  decision_id: string | null;
  scheduled_for: string;
  attempts: number;
  max_attempts: number;
  agent_id: string | null;
  lease_expires_at: string | null;
  last_error: string | null;
  result: TaskResult | null;
  contact_attempt_id: string | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
}

/** The columns of a TaskRow, for a table (or CTE) aliased `alias`. */
export const taskColumns = (alias: string): string =>
  ['id', 'customer_id', 'campaign_id', 'step_index', 'type', 'priority', 'priority_rank', 'status', 'required_capabilities', 'context', 'decision_id',
    'scheduled_for', 'attempts', 'max_attempts', 'agent_id', 'lease_expires_at', 'last_error', 'result', 'contact_attempt_id', 'created_at',
    'updated_at', 'completed_at'].map((c) => `${alias}.${c}`).join(', ');

export const TASK_COLUMNS = taskColumns('t');

export function taskOf(row: TaskRow): TaskRecord {
  return {
    id: row.id,
    customerId: row.customer_id,
    campaignId: row.campaign_id,
    stepIndex: row.step_index,
    type: row.type,
    priority: row.priority,
    status: row.status,
    requiredCapabilities: row.required_capabilities,
    context: row.context,
    decisionId: row.decision_id,
    scheduledFor: pgTimestampRequired(row.scheduled_for),
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    agentId: row.agent_id,
    leaseExpiresAt: pgTimestamp(row.lease_expires_at),
    lastError: row.last_error,
    result: row.result,
    contactAttemptId: row.contact_attempt_id,
    createdAt: pgTimestampRequired(row.created_at),
    updatedAt: pgTimestampRequired(row.updated_at),
    completedAt: pgTimestamp(row.completed_at),
    priorityRank: row.priority_rank,
    scheduledForText: row.scheduled_for,
  };
}
