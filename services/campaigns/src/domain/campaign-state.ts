import { FailedPreconditionError } from '@cec/errors';

/** A campaign's life: draft -> active <-> paused -> completed | cancelled (a draft may be cancelled too). */
export const CAMPAIGN_STATUSES = ['draft', 'active', 'paused', 'completed', 'cancelled'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** What a caller asks of a campaign (completion is the escalation engine's, not a caller's). */
export type CampaignAction = 'start' | 'pause' | 'resume' | 'cancel' | 'complete';

/** Each action: the states it leaves from, the state it goes to, the audit action and the verb for messages. */
export const TRANSITIONS: Readonly<Record<CampaignAction, { from: readonly CampaignStatus[]; to: CampaignStatus; audit: string; verb: string }>> = {
  start: { from: ['draft'], to: 'active', audit: 'started', verb: 'started' },
  pause: { from: ['active'], to: 'paused', audit: 'paused', verb: 'paused' },
  resume: { from: ['paused'], to: 'active', audit: 'resumed', verb: 'resumed' },
  cancel: { from: ['draft', 'active', 'paused'], to: 'cancelled', audit: 'cancelled', verb: 'cancelled' },
  complete: { from: ['active', 'paused'], to: 'completed', audit: 'completed', verb: 'completed' },
};

/** Running campaigns hold their invoices: at most one running campaign per customer and invoice. */
export function isRunning(status: CampaignStatus): boolean {
  return status === 'active' || status === 'paused';
}

export type TransitionPlan =
  /** The campaign is already where the action leads: answer it unchanged, audit nothing (a retry). */
  | { kind: 'unchanged' }
  | { kind: 'change'; from: CampaignStatus; to: CampaignStatus; audit: string };

/**
 * What `action` does to a campaign in status `from`: a change, nothing (it is already in the
 * target state: the RPCs are idempotent, so a retry answers the same), or FAILED_PRECONDITION
 * for any other move ("campaign X is completed: it cannot be paused").
 */
export function planTransition(campaignId: string, from: CampaignStatus, action: CampaignAction): TransitionPlan {
  const t = TRANSITIONS[action];
  if (from === t.to) return { kind: 'unchanged' };
  if (!t.from.includes(from)) {
    throw new FailedPreconditionError(`campaign ${campaignId} is ${from}: it cannot be ${t.verb}${hint(from, action)}`);
  }
  return { kind: 'change', from, to: t.to, audit: t.audit };
}

function hint(from: CampaignStatus, action: CampaignAction): string {
  if (from === 'draft' && (action === 'pause' || action === 'resume')) return ' (start it first)';
  if (from === 'paused' && action === 'start') return ' (resume it instead)';
  if (from === 'completed' || from === 'cancelled') return ' (it has ended; create a new campaign)';
  return '';
}
