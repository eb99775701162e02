/** The task queue's rules: states, who may act on a task, contact results, retries (no transport, no ORM). */
import { retryDelayMs, type RandomSource } from './backoff';
import { TASK_CHANNEL, type Channel, type ContactStatus, type TaskType } from './contact';

export const TASK_STATUSES = ['pending', 'assigned', 'in_progress', 'completed', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export { PRIORITIES, type Priority } from './priority';

/** Held by an agent under a lease. */
export const HELD_STATUSES: readonly TaskStatus[] = ['assigned', 'in_progress'];
/** Finished: nothing changes them any more. */
export const FINAL_STATUSES: readonly TaskStatus[] = ['completed', 'failed', 'cancelled'];

/**
 * What tasks.context holds, so that a claim is one SQL statement that hands the agent all it
 * needs: what to send or say (content, for tasks made by a campaign step), where to reach the
 * customer (endpoint, from the customers service when the task was made) and what to do
 * (instructions). Keys in snake_case, as the rest of the database.
 */
export interface TaskContext {
  content?: {
    channel: Channel;
    subject?: string;
    body: string;
    html_body?: string;
    sms_encoding?: 'gsm_7' | 'ucs_2';
    sms_segments?: number;
    template_id?: string;
    template_version?: number;
  };
  endpoint?: {
    email?: string;
    phone?: string;
    contact_name?: string;
    company_name?: string;
    time_zone?: string;
  };
  instructions?: string;
}

/** What an agent reports when it completes a task (tasks.result, with the attempt recorded). */
export interface TaskResult {
  contact_status?: ContactStatus;
  outcome?: string;
  duration_seconds?: number;
  notes?: string;
  contact_attempt_id?: string;
  details?: Record<string, unknown>;
}

/** Research and manual review say what to do in words; contact tasks say it with content. */
export const needsInstructions = (type: TaskType): boolean => TASK_CHANNEL[type] === undefined;

/** How a contact on each channel may have gone, as an agent reports it. */
export const CONTACT_STATUSES_BY_CHANNEL: Record<Channel, readonly ContactStatus[]> = {
  email: ['sent', 'delivered', 'opened', 'replied', 'bounced', 'failed'],
  sms: ['sent', 'delivered', 'opened', 'replied', 'bounced', 'failed'],
  phone: ['sent', 'answered', 'failed'],
  letter: ['sent', 'delivered', 'bounced', 'failed'],
};

/**
 * The problem with a reported contact status for a task type, if any. Contact tasks must say
 * how the contact went when it is `required` (completion), and the status must fit the
 * channel; research and manual review make no contact.
 */
export function contactStatusProblem(type: TaskType, status: ContactStatus | undefined, required: boolean): string | undefined {
  const channel = TASK_CHANNEL[type];
  if (!channel) return status ? `must be unset: a ${type} task makes no contact` : undefined;
  if (!status) return required ? `is required for a ${type} task (how the ${channel} contact went)` : undefined;
  const allowed = CONTACT_STATUSES_BY_CHANNEL[channel];
  return allowed.includes(status) ? undefined : `${status} does not fit a ${channel} contact; one of ${allowed.join(', ')}`;
}

/** A task as far as these rules look at it. */
export interface TaskState {
  id: string;
  status: TaskStatus;
  agentId: string | null;
  attempts: number;
  maxAttempts: number;
}

/**
 * What to do with an action of the lease holder (extend, complete, fail) on a task:
 * - `act`: the agent holds it;
 * - `replay`: the agent already finished it this way (completed it, or failed it for good):
 *   answer with the task as it is, change nothing;
 * - `refuse`: FAILED_PRECONDITION with this message, nothing changed.
 */
export type HolderDecision = { kind: 'act' } | { kind: 'replay' } | { kind: 'refuse'; message: string };

export function holderDecision(task: TaskState, agentId: string, action: 'extend' | 'complete' | 'fail'): HolderDecision {
  const finishedAs = action === 'complete' ? 'completed' : action === 'fail' ? 'failed' : undefined;
  if (finishedAs && task.status === finishedAs && task.agentId === agentId) return { kind: 'replay' };
  if (HELD_STATUSES.includes(task.status)) {
    if (task.agentId === agentId) return { kind: 'act' };
    return { kind: 'refuse', message: `task ${task.id} is held by another agent, not agent ${agentId}: only the lease holder may ${action} it` };
  }
  if (task.status === 'pending') {
    return {
      kind: 'refuse',
      message: `task ${task.id} is pending (not claimed, or its lease ran out and it went back to the queue): claim it before you ${action} it`,
    };
  }
  return { kind: 'refuse', message: `task ${task.id} is ${task.status}${task.agentId && task.agentId !== agentId ? ' by another agent' : ''}: it cannot be ${action === 'extend' ? 'extended' : `${action}d`}` };
}

/** Cancel: anything not finished; cancelling a cancelled task again changes nothing. */
export function cancelDecision(task: TaskState): HolderDecision {
  if (task.status === 'cancelled') return { kind: 'replay' };
  if (FINAL_STATUSES.includes(task.status)) return { kind: 'refuse', message: `task ${task.id} is ${task.status}: only unfinished tasks can be cancelled` };
  return { kind: 'act' };
}

/** Where a failure sends the task: back to the queue after a backoff, or failed for good. */
export type FailureOutcome = { status: 'pending'; retryAt: Date } | { status: 'failed' };

export function failureOutcome(task: TaskState, retryable: boolean, now: Date, random: RandomSource = Math.random): FailureOutcome {
  if (!retryable || task.attempts >= task.maxAttempts) return { status: 'failed' };
  return { status: 'pending', retryAt: new Date(now.getTime() + retryDelayMs(task.attempts, random)) };
}

/** The last_error of a task whose leases all ran out: its agents died holding it. */
export const leaseExpiredError = (attempts: number): string =>
  `the lease ran out on each of its ${attempts} attempt${attempts === 1 ? '' : 's'}: no agent completed or failed it in time`;

/** Where a task whose lease ran out goes: back to the queue, or failed when that was its last attempt. */
export function expiryOutcome(task: TaskState): { status: 'pending' } | { status: 'failed'; error: string } {
  return task.attempts >= task.maxAttempts ? { status: 'failed', error: leaseExpiredError(task.attempts) } : { status: 'pending' };
}
