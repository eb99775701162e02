/**
 * What an agent does with one task, decided from the seed and the task's id alone (so a test, or
 * a second run with the same seed, knows it in advance), and the call that reports it.
 */
import { campaignsV1 } from '@cec/proto';
import { between, drawOutcome, OUTCOMES, type Outcome } from './outcomes';
import { seededRandom } from './random';

export interface TaskDecision {
  outcome: Outcome;
  /** Work time at speed 1, ms. */
  workMs: number;
  /** Calls: the call's length reported; else 0. */
  callSeconds: number;
}

const UNKNOWN_TYPE = (type: campaignsV1.TaskType): Outcome => ({
  name: 'unknown_task_type',
  weight: 1,
  action: 'fail',
  retryable: false,
  error: `unknown_task_type: the simulator has no outcomes for task type ${campaignsV1.TaskType[type] ?? type}`,
});

export function decideTask(seed: number, task: { id: string; type: campaignsV1.TaskType }): TaskDecision {
  const plan = OUTCOMES[task.type];
  if (!plan) return { outcome: UNKNOWN_TYPE(task.type), workMs: 0, callSeconds: 0 };
  const random = seededRandom(seed, task.id);
  const outcome = drawOutcome(plan, random);
  const workMs = between(plan.workSeconds, random) * 1000;
  const callSeconds = outcome.callSeconds ? Math.round(between(outcome.callSeconds, random)) : 0;
  return { outcome, workMs, callSeconds };
}

export type TaskReport =
  | { method: 'completeTask'; request: campaignsV1.CompleteTaskRequest }
  | { method: 'failTask'; request: campaignsV1.FailTaskRequest };

/** CompleteTask or FailTask, as the outcome says. */
export function reportOf(taskId: string, agentId: string, decision: Pick<TaskDecision, 'outcome' | 'callSeconds'>): TaskReport {
  const { outcome, callSeconds } = decision;
  if (outcome.action === 'complete') {
    return {
      method: 'completeTask',
      request: {
        taskId,
        agentId,
        result: campaignsV1.TaskResult.fromPartial({
          contactStatus: outcome.contactStatus ?? 0,
          outcome: outcome.name,
          durationSeconds: callSeconds,
          notes: outcome.notes ?? '',
          details: { simulated: true },
        }),
      },
    };
  }
  return {
    method: 'failTask',
    request: { taskId, agentId, error: outcome.error ?? outcome.name, retryable: outcome.retryable ?? false, contactStatus: outcome.contactStatus ?? 0 },
  };
}
