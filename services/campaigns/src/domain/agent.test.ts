import { AGENT_TASK_TYPES, agentTypeFor, claimTypes, capabilityProblems, effectiveStatus, heartbeatStatus, normalizeCapabilities, secretProblems, statusFromLoad } from './agent';
import { TASK_TYPES } from './contact';

describe('agent rules', () => {
  it('every task type is done by exactly one agent type', () => {
    for (const type of TASK_TYPES) {
      const doers = Object.values(AGENT_TASK_TYPES).filter((types) => types.includes(type));
      expect({ type, doers: doers.length }).toEqual({ type, doers: 1 });
    }
    expect(agentTypeFor('send_letter')).toBe('research');
    expect(agentTypeFor('make_call')).toBe('phone');
  });

  it.each([
    [['spanish', 'legal'], []],
    [['Spanish'], [[0, expect.stringContaining('lower-case')]]],
    [['ok', ''], [[1, expect.any(String)]]],
    [['x'.repeat(51)], [[0, expect.any(String)]]],
    [Array.from({ length: 21 }, (_, i) => `c${i}`), [[-1, 'takes at most 20 capabilities, got 21']]],
  ])('capabilities %j', (capabilities, problems) => {
    expect(capabilityProblems(capabilities as string[])).toEqual(problems);
  });

  it('stores capabilities once each, sorted', () => {
    expect(normalizeCapabilities(['legal', 'spanish', 'legal'])).toEqual(['legal', 'spanish']);
  });

  it.each([
    [{ API_KEY: 'k', smtp_password: 'p' }, []],
    [{ '1abc': 'k' }, [[undefined, expect.stringContaining('"1abc"')]]],
    [{ 'bad-name': 'k' }, [[undefined, expect.stringContaining('bad-name')]]],
    [{ EMPTY: '' }, [['EMPTY', 'must not be empty']]],
    [{ BIG: 'x'.repeat(4097) }, [['BIG', 'must be at most 4096 characters']]],
    [{ NUL: 'a\u0000b' }, [['NUL', expect.stringContaining('NUL')]]],
  ])('secrets %#', (secrets, problems) => {
    expect(secretProblems(secrets)).toEqual(problems);
  });

  it('never puts a secret value in a message', () => {
    const value = 'hunter2-very-secret';
    const messages = secretProblems({ A: value + 'x'.repeat(5000), B: `${value}\u0000` }).map(([, m]) => m);
    expect(messages).toHaveLength(2);
    for (const m of messages) expect(m).not.toContain(value);
  });

  const now = new Date('2030-01-01T12:00:00Z');
  it.each([
    ['idle', null, 'offline'],
    ['busy', new Date(now.getTime() - 89_000), 'busy'],
    ['busy', new Date(now.getTime() - 91_000), 'offline'],
    ['error', new Date(now.getTime() - 1_000), 'error'],
  ] as const)('stored %s, last heartbeat %s: %s', (stored, last, expected) => {
    expect(effectiveStatus(stored, last, now, 90_000)).toBe(expected);
  });

  it.each([
    [0, 3, 'idle'],
    [1, 3, 'active'],
    [3, 3, 'busy'],
    [4, 3, 'busy'],
  ] as const)('%i held of %i: %s', (held, capacity, status) => {
    expect(statusFromLoad(held, capacity)).toBe(status);
    expect(heartbeatStatus(undefined, held, capacity)).toBe(status);
    expect(heartbeatStatus('error', held, capacity)).toBe('error');
  });
});

describe('claimTypes', () => {
  it('every type the agent does when none is asked for; the asked ones otherwise, each checked', () => {
    expect(claimTypes('research', [])).toEqual({ types: ['send_letter', 'research', 'manual_review'], problems: [] });
    expect(claimTypes('research', ['research', 'research'])).toEqual({ types: ['research'], problems: [] });
    expect(claimTypes('email', ['send_email', 'make_call'])).toEqual({
      types: ['send_email', 'make_call'],
      problems: [[1, 'make_call tasks are not done by email agents (they do send_email)']],
    });
  });
});
