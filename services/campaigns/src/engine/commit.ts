import type { Actor } from '@cec/context';
import type { AuditEvent } from '@cec/orm';
import type { CampaignFigures } from '../domain/campaign-figures';
import { advanceAfter } from '../domain/escalation-plan';
import type { ClaimedCampaign } from '../store/escalation-store';
import type { StepCommit } from '../store/escalation-commit';
import type { StepResult } from './decide';

/** Who and what the pass's audit events name. */
export interface CommitContext {
  now: Date;
  actor: Actor;
  /** The pass's request id. */
  requestId: string;
}

const STEP_ACTION = {
  task_created: 'step_task_created',
  fell_back: 'step_fell_back',
  deferred: 'step_deferred',
  refused: 'step_refused',
  skipped: 'step_skipped',
} as const;

/**
 * Everything a step's result changes, as one StepCommit: the task (taken steps), the ledger row,
 * the campaign's next position (one step further and looked at when the next step is due; at
 * not_before for a deferral; completed when paid in full or when the last step was taken) and
 * the audit events.
 */
export function stepCommit(campaign: ClaimedCampaign, figures: CampaignFigures, anchorDueDate: string, result: StepResult, ctx: CommitContext): StepCommit {
  const { now } = ctx;
  const step = result.kind === 'complete' ? undefined : campaign.steps[result.stepIndex];
  const base = { campaignId: campaign.id, customerId: campaign.customerId, expectedStep: campaign.currentStep, runKey: campaign.runKey };
  const event = (action: string, details: Record<string, unknown>, entityType = 'campaign', entityId: string | null = campaign.id): AuditEvent => ({
    entityType,
    entityId,
    action,
    actor: ctx.actor,
    details: { ...details, request_id: ctx.requestId, run_key: campaign.runKey },
  });
  const completedEvent = (outcome: string, settled: boolean): AuditEvent =>
    event('completed', { from: 'active', to: 'completed', outcome, outstanding: figures.outstanding, reason: settled ? 'nothing owed' : 'no step left' });

  if (result.kind === 'complete') {
    return {
      ...base,
      task: null,
      run: null,
      campaign: { currentStep: campaign.currentStep, nextStepAt: null, lastStepAt: null, completed: { at: now, outcome: result.outcome } },
      cancelPendingTasks: result.settled,
      events: () => [completedEvent(result.outcome, result.settled)],
    };
  }
  const stepDetails = { step_index: result.stepIndex, step_name: step?.name ?? '' };

  if (result.kind === 'deferred') {
    return {
      ...base,
      task: null,
      run: { stepIndex: result.stepIndex, outcome: 'deferred', channel: result.channel, decisionId: result.decisionId, notBefore: result.notBefore, reason: result.reason },
      campaign: { currentStep: campaign.currentStep, nextStepAt: result.notBefore, lastStepAt: null, completed: null },
      cancelPendingTasks: false,
      events: () => [
        event(STEP_ACTION.deferred, { ...stepDetails, channel: result.channel, decision_id: result.decisionId, not_before: result.notBefore.toISOString(), reason: result.reason }),
      ],
    };
  }

  const advance = advanceAfter(campaign.steps, result.stepIndex, anchorDueDate, now, figures, result.kind === 'taken');
  const position = {
    currentStep: advance.currentStep,
    nextStepAt: advance.nextStepAt,
    lastStepAt: now,
    completed: advance.completedOutcome === null ? null : { at: now, outcome: advance.completedOutcome },
  };
  const completion = (): AuditEvent[] => (advance.completedOutcome === null ? [] : [completedEvent(advance.completedOutcome, false)]);
  const after = { next_step_at: advance.nextStepAt?.toISOString() ?? null };

  if (result.kind === 'taken') {
    const { task } = result;
    return {
      ...base,
      task: { stepIndex: result.stepIndex, type: task.type, priority: step?.priority ?? 'medium', context: task.context, scheduledFor: now, decisionId: result.decisionId },
      run: { stepIndex: result.stepIndex, outcome: result.outcome, channel: task.channel, decisionId: result.runDecisionId, notBefore: null, reason: result.reason },
      campaign: position,
      cancelPendingTasks: false,
      events: (taskId) => [
        event(STEP_ACTION[result.outcome], {
          ...stepDetails,
          channel: task.channel,
          task_type: task.type,
          task_id: taskId,
          decision_id: result.decisionId,
          ...(result.reason ? { reason: result.reason } : {}),
          ...after,
        }),
        event(
          'created',
          {
            customer_id: campaign.customerId,
            campaign_id: campaign.id,
            step_index: result.stepIndex,
            type: task.type,
            priority: step?.priority ?? 'medium',
            decision_id: result.decisionId,
            scheduled_for: now.toISOString(),
          },
          'task',
          taskId,
        ),
        ...completion(),
      ],
    };
  }

  const channel = result.kind === 'refused' ? result.channel : null;
  const decisionId = result.kind === 'refused' ? result.decisionId : null;
  return {
    ...base,
    task: null,
    run: { stepIndex: result.stepIndex, outcome: result.kind, channel, decisionId, notBefore: null, reason: result.reason },
    campaign: position,
    cancelPendingTasks: false,
    events: () => [
      event(STEP_ACTION[result.kind], { ...stepDetails, ...(channel ? { channel } : {}), ...(decisionId ? { decision_id: decisionId } : {}), reason: result.reason, ...after }),
      ...completion(),
    ],
  };
}
