import { FailedPreconditionError } from '@cec/errors';
import { CAMPAIGN_STATUSES, isRunning, planTransition, type CampaignAction, type CampaignStatus } from './campaign-state';

const ID = '00000000-0000-4000-8000-000000000001';

/** Every (from, action) pair: the state it leads to, 'same' (answered unchanged) or 'refused'. */
const TABLE: Record<CampaignStatus, Record<CampaignAction, CampaignStatus | 'same' | 'refused'>> = {
  draft: { start: 'active', pause: 'refused', resume: 'refused', cancel: 'cancelled', complete: 'refused' },
  active: { start: 'same', pause: 'paused', resume: 'same', cancel: 'cancelled', complete: 'completed' },
  paused: { start: 'refused', pause: 'same', resume: 'active', cancel: 'cancelled', complete: 'completed' },
  completed: { start: 'refused', pause: 'refused', resume: 'refused', cancel: 'refused', complete: 'same' },
  cancelled: { start: 'refused', pause: 'refused', resume: 'refused', cancel: 'same', complete: 'refused' },
};

const cases = CAMPAIGN_STATUSES.flatMap((from) =>
  (Object.keys(TABLE[from]) as CampaignAction[]).map((action) => [from, action, TABLE[from][action]] as const),
);

describe('planTransition', () => {
  it.each(cases)('%s + %s -> %s', (from, action, expected) => {
    if (expected === 'refused') {
      expect(() => planTransition(ID, from, action)).toThrow(FailedPreconditionError);
    } else if (expected === 'same') {
      expect(planTransition(ID, from, action)).toEqual({ kind: 'unchanged' });
    } else {
      expect(planTransition(ID, from, action)).toMatchObject({ kind: 'change', from, to: expected });
    }
  });

  it('says which campaign, its state and what cannot be done', () => {
    expect(() => planTransition(ID, 'completed', 'pause')).toThrow(`campaign ${ID} is completed: it cannot be paused (it has ended; create a new campaign)`);
    expect(() => planTransition(ID, 'draft', 'resume')).toThrow(`campaign ${ID} is draft: it cannot be resumed (start it first)`);
    expect(() => planTransition(ID, 'paused', 'start')).toThrow(`campaign ${ID} is paused: it cannot be started (resume it instead)`);
  });

  it('names the audit action of each change', () => {
    expect(planTransition(ID, 'draft', 'start')).toEqual({ kind: 'change', from: 'draft', to: 'active', audit: 'started' });
    expect(planTransition(ID, 'active', 'pause')).toEqual({ kind: 'change', from: 'active', to: 'paused', audit: 'paused' });
    expect(planTransition(ID, 'paused', 'resume')).toEqual({ kind: 'change', from: 'paused', to: 'active', audit: 'resumed' });
    expect(planTransition(ID, 'draft', 'cancel')).toEqual({ kind: 'change', from: 'draft', to: 'cancelled', audit: 'cancelled' });
  });

  it('counts active and paused campaigns as running', () => {
    expect(CAMPAIGN_STATUSES.filter(isRunning)).toEqual(['active', 'paused']);
  });
});
