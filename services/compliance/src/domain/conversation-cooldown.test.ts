import { contact, decide, expectFirstAllowed, outcomeOf, rule } from './test-fixtures';

// Reg F: no call within 7 days after a phone conversation. America/New_York, EDT (UTC-04:00).
// `at` is 2026-03-20 11:00 EDT = 15:00Z.
const at = '2026-03-20T15:00:00Z';
const cooldown = [rule('conversation_cooldown', { days: 7, afterOutcomes: ['answered'] }, { code: 'reg_f_conversation_cooldown' })];

describe('conversation_cooldown 7 days after an answered call', () => {
  it.each([
    // Answered 2026-03-15 14:00Z: no call until 7 × 24 h later, 2026-03-22 14:00Z (10:00 EDT).
    ['answered 5 days ago', [contact('2026-03-15T14:00:00Z', 'answered')], 'DEFER 2026-03-22T14:00:00.000Z'],
    ['voicemail 5 days ago', [contact('2026-03-15T14:00:00Z', 'voicemail')], 'ALLOW'],
    ['no answer 1 hour ago', [contact('2026-03-20T14:00:00Z', 'no_answer')], 'ALLOW'],
    ['answered exactly 7 days ago', [contact('2026-03-13T15:00:00Z', 'answered')], 'ALLOW'],
    ['answered 7 days less 1 ms ago', [contact('2026-03-13T15:00:00.001Z', 'answered')], 'DEFER 2026-03-20T15:00:00.001Z'],
    // The latest conversation counts: 2026-03-18 09:00Z -> 2026-03-25 09:00Z.
    ['two conversations', [contact('2026-03-14T15:00:00Z', 'answered'), contact('2026-03-18T09:00:00Z', 'answered')], 'DEFER 2026-03-25T09:00:00.000Z'],
    ['answered after `at` is not yet a conversation', [contact('2026-03-20T16:00:00Z', 'answered')], 'ALLOW'],
    ['a replied sms is not a phone conversation here', [contact('2026-03-19T15:00:00Z', 'replied', 'sms')], 'ALLOW'],
  ])('%s -> %s', (_what, history, expected) => {
    expect(outcomeOf(decide({ rules: cooldown, history, at }))).toBe(expected);
  });

  it('is the first allowed instant and says why', () => {
    const q = { rules: cooldown, history: [contact('2026-03-15T14:00:00Z', 'answered')], at };
    expectFirstAllowed(q, '2026-03-22T14:00:00.000Z');
    const [reason] = decide(q).reasons;
    expect(reason).toMatchObject({ code: 'COOLDOWN', ruleId: cooldown[0].id, ruleVersion: 1, until: new Date('2026-03-22T14:00:00Z') });
    expect(reason.message).toBe(
      'reg_f_conversation_cooldown v1: a phone contact answered at 2026-03-15 10:00 (UTC-04:00) America/New_York; ' +
        'no phone contact for 7 days (168 hours) after a conversation, until 2026-03-22 10:00 (UTC-04:00) America/New_York',
    );
  });

  it('does not hold back email', () => {
    expect(decide({ rules: cooldown, history: [contact('2026-03-19T15:00:00Z', 'answered')], at, channel: 'email' }).result).toBe('ALLOW');
  });
});
