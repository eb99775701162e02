import type { CallContext } from '@cec/context';
import { actsForAnotherAgent, callingAgent, heldByAnotherAgent, notOwnAttempt } from './agent-identity';

const A = '6f1c2a0e-2b9c-4d43-9a55-0c3c1c7f2a11';
const B = '0b5e8f3d-7a61-4c2e-8d0f-5a9e3b2c4d77';
const as = (type: CallContext['actor']['type'], id: string): CallContext => ({ actor: { type, id }, requestId: 'r' });

describe('agents act only as themselves', () => {
  it('knows an agent by its actor; nobody else is one', () => {
    expect(callingAgent(as('agent', A.toUpperCase()))).toBe(A);
    expect(callingAgent(as('user', A))).toBeUndefined();
    expect(callingAgent(as('service', 'campaigns'))).toBeUndefined();
  });

  it('lets an agent name only itself as agent_id (any case); other actors name anyone', () => {
    expect(actsForAnotherAgent(as('agent', A), A.toUpperCase(), 'agent_id')).toBeUndefined();
    expect(actsForAnotherAgent(as('agent', A), B, 'agent_id')).toBe(`agent ${A} may act only as itself: agent_id is ${B}, another agent`);
    expect(actsForAnotherAgent(as('agent', A), null, 'attempt.agent_id')).toBe(`agent ${A} may act only as itself: attempt.agent_id must be its own id`);
    expect(actsForAnotherAgent(as('user', 'ops@example.com'), B, 'agent_id')).toBeUndefined();
  });

  it('refuses an agent a task another agent holds; a task nobody holds is the queue’s to answer', () => {
    expect(heldByAnotherAgent(as('agent', A), 't1', B)).toContain('task t1 is another agent');
    expect(heldByAnotherAgent(as('agent', A), 't1', A)).toBeUndefined();
    expect(heldByAnotherAgent(as('agent', A), 't1', null)).toBeUndefined();
    expect(heldByAnotherAgent(as('user', 'ops@example.com'), 't1', B)).toBeUndefined();
  });

  it('lets an agent report receipts only of attempts it made', () => {
    expect(notOwnAttempt(as('agent', A), 'c1', A)).toBeUndefined();
    expect(notOwnAttempt(as('agent', A), 'c1', B)).toContain("contact attempt c1 is another agent's");
    expect(notOwnAttempt(as('agent', A), 'c1', null)).toContain('contact attempt c1 was made by no agent');
    expect(notOwnAttempt(as('service', 'campaigns'), 'c1', null)).toBeUndefined();
  });
});
