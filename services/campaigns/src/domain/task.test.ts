import { cancelDecision, contactStatusProblem, expiryOutcome, failureOutcome, holderDecision, leaseExpiredError, needsInstructions, type TaskState } from './task';

const A = 'agent-a';
const B = 'agent-b';
const task = (over: Partial<TaskState>): TaskState => ({ id: 't1', status: 'assigned', agentId: A, attempts: 1, maxAttempts: 3, ...over });

describe('task rules', () => {
  it.each([
    // status, holder, actor, action, decision
    ['assigned', A, A, 'complete', 'act'],
    ['in_progress', A, A, 'fail', 'act'],
    ['in_progress', A, A, 'extend', 'act'],
    ['assigned', A, B, 'complete', 'refuse'],
    ['in_progress', A, B, 'extend', 'refuse'],
    ['completed', A, A, 'complete', 'replay'],
    ['completed', A, B, 'complete', 'refuse'],
    ['completed', A, A, 'fail', 'refuse'],
    ['failed', A, A, 'fail', 'replay'],
    ['failed', A, A, 'complete', 'refuse'],
    ['pending', null, A, 'complete', 'refuse'],
    ['pending', null, A, 'extend', 'refuse'],
    ['cancelled', A, A, 'complete', 'refuse'],
    ['cancelled', A, A, 'extend', 'refuse'],
  ] as const)('%s held by %s, %s asks to %s: %s', (status, holder, actor, action, kind) => {
    expect(holderDecision(task({ status, agentId: holder }), actor, action).kind).toBe(kind);
  });

  it('says why it refuses', () => {
    expect(holderDecision(task({ agentId: B }), A, 'complete')).toEqual({ kind: 'refuse', message: expect.stringContaining('only the lease holder may complete it') });
    expect(holderDecision(task({ status: 'pending', agentId: null }), A, 'fail')).toEqual({ kind: 'refuse', message: expect.stringContaining('claim it before you fail it') });
    expect(holderDecision(task({ status: 'cancelled' }), A, 'extend')).toEqual({ kind: 'refuse', message: 'task t1 is cancelled: it cannot be extended' });
    expect(holderDecision(task({ status: 'completed', agentId: B }), A, 'complete')).toEqual({ kind: 'refuse', message: 'task t1 is completed by another agent: it cannot be completed' });
  });

  it.each([
    ['pending', 'act'],
    ['assigned', 'act'],
    ['in_progress', 'act'],
    ['cancelled', 'replay'],
    ['completed', 'refuse'],
    ['failed', 'refuse'],
  ] as const)('cancel a %s task: %s', (status, kind) => {
    expect(cancelDecision(task({ status })).kind).toBe(kind);
  });

  it.each([
    ['send_email', undefined, true, 'is required for a send_email task (how the email contact went)'],
    ['send_email', undefined, false, undefined],
    ['send_email', 'replied', true, undefined],
    ['send_email', 'answered', true, 'answered does not fit a email contact; one of sent, delivered, opened, replied, bounced, failed'],
    ['make_call', 'answered', true, undefined],
    ['make_call', 'opened', true, expect.stringContaining('does not fit a phone contact')],
    ['send_letter', 'delivered', true, undefined],
    ['send_letter', 'replied', true, expect.any(String)],
    ['research', undefined, true, undefined],
    ['manual_review', 'sent', false, 'must be unset: a manual_review task makes no contact'],
  ] as const)('%s with %s (required %s)', (type, status, required, problem) => {
    expect(contactStatusProblem(type, status, required)).toEqual(problem);
  });

  it('research and manual review need instructions, contact tasks do not', () => {
    expect([needsInstructions('research'), needsInstructions('manual_review'), needsInstructions('send_sms')]).toEqual([true, true, false]);
  });

  const now = new Date('2030-01-01T00:00:00Z');
  it.each([
    [1, 3, true, { status: 'pending', retryAt: new Date(now.getTime() + 30_000) }],
    [2, 3, true, { status: 'pending', retryAt: new Date(now.getTime() + 60_000) }],
    [3, 3, true, { status: 'failed' }],
    [1, 3, false, { status: 'failed' }],
    [1, 1, true, { status: 'failed' }],
  ])('attempt %i of %i, retryable %s', (attempts, maxAttempts, retryable, outcome) => {
    expect(failureOutcome(task({ attempts, maxAttempts }), retryable, now, () => 1)).toEqual(outcome);
  });

  it('names the attempts of a task whose leases ran out', () => {
    expect(leaseExpiredError(3)).toBe('the lease ran out on each of its 3 attempts: no agent completed or failed it in time');
    expect(leaseExpiredError(1)).toContain('its 1 attempt:');
  });
});

describe('expiryOutcome', () => {
  it('back to the queue while attempts are left, failed after the last', () => {
    expect(expiryOutcome(task({ attempts: 2, maxAttempts: 3 }))).toEqual({ status: 'pending' });
    expect(expiryOutcome(task({ attempts: 3, maxAttempts: 3 }))).toEqual({ status: 'failed', error: leaseExpiredError(3) });
  });
});
