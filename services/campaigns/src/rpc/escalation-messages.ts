import { campaignsV1 } from '@cec/proto';
import type { PassResult } from '../escalation-engine';
import type { StepRunRecord } from '../store/escalation-store';
import { channels } from './enums';

const { StepOutcome: O } = campaignsV1;

const OUTCOME: Record<StepRunRecord['outcome'], campaignsV1.StepOutcome> = {
  task_created: O.STEP_OUTCOME_TASK_CREATED,
  deferred: O.STEP_OUTCOME_DEFERRED,
  refused: O.STEP_OUTCOME_REFUSED,
  fell_back: O.STEP_OUTCOME_FELL_BACK,
  skipped: O.STEP_OUTCOME_SKIPPED,
};

export function passSummaryToProto(pass: PassResult): campaignsV1.PassSummary {
  return {
    campaignsExamined: pass.campaignsExamined,
    tasksCreated: pass.tasksCreated,
    stepsDeferred: pass.stepsDeferred,
    stepsRefused: pass.stepsRefused,
    stepsFellBack: pass.stepsFellBack,
    stepsSkipped: pass.stepsSkipped,
    tasksWithoutContact: pass.tasksWithoutContact,
    campaignsCompleted: pass.campaignsCompleted,
    campaignsEnrolled: pass.campaignsEnrolled,
    campaignsRetriedLater: pass.campaignsRetriedLater,
    tasksCancelledByOptOut: pass.tasksCancelledByOptOut,
    duration: { seconds: String(Math.floor(pass.durationMs / 1000)), nanos: Math.round(pass.durationMs % 1000) * 1_000_000 },
  };
}

export function stepRunToProto(run: StepRunRecord): campaignsV1.StepRun {
  return {
    campaignId: run.campaignId,
    stepIndex: run.stepIndex,
    stepName: run.stepName,
    outcome: OUTCOME[run.outcome],
    channel: run.channel ? channels.to(run.channel) : campaignsV1.Channel.CHANNEL_UNSPECIFIED,
    decisionId: run.decisionId ?? '',
    taskId: run.taskId ?? '',
    notBeforeTime: run.notBefore ?? undefined,
    reason: run.reason ?? '',
    createTime: run.createdAt,
  };
}
