import { customer, contact, decide, expectFirstAllowed, outcomeOf, rule } from './test-fixtures';
import type { FrequencyCapParameters, PastContact } from './types';

// No contact window here: only the cap decides. The customer is in America/New_York (EDT,
// UTC-04:00, after 2026-03-08). `at` is Friday 2026-03-20 11:00 EDT = 15:00Z.
const at = '2026-03-20T15:00:00Z';
const cap = (p: FrequencyCapParameters = { maxAttempts: 7, windowDays: 7 }) => [rule('frequency_cap', p, { code: 'reg_f_call_frequency' })];
const daily = (from: number, to: number, time = '15:00:00'): PastContact[] =>
  Array.from({ length: to - from + 1 }, (_, i) => contact(`2026-03-${String(from + i).padStart(2, '0')}T${time}Z`));

describe('frequency_cap 7 calls in 7 days (rolling, 7 × 24 h)', () => {
  it.each([
    ['6 calls in the window', daily(14, 19), 'ALLOW'],
    // 2026-03-13T15:00Z is exactly 7 × 24 h before `at`: outside (t − 7d, t], so 6 count.
    ['7 calls, the oldest exactly 7 days ago', daily(13, 19), 'ALLOW'],
    // The oldest is one second inside the window: 7 count, the 8th is refused until it ages
    // out at 2026-03-20T15:00:01Z (11:00:01 EDT).
    ['7 calls, the oldest 1 s inside the window', [contact('2026-03-13T15:00:01Z'), ...daily(14, 19)], 'DEFER 2026-03-20T15:00:01.000Z'],
    // 9 in the window: 9 − 7 + 1 = 3 must age out; the 3rd oldest is 2026-03-15T15:00Z -> 2026-03-22T15:00Z.
    ['9 calls: the 3rd oldest must age out', [contact('2026-03-13T16:00:00Z'), contact('2026-03-14T16:00:00Z'), ...daily(15, 19), contact('2026-03-20T14:00:00Z'), contact('2026-03-20T14:30:00Z')], 'DEFER 2026-03-22T15:00:00.000Z'],
    ['calls after `at` are not counted', [...daily(14, 19), contact('2026-03-20T15:00:01Z'), contact('2026-03-21T15:00:00Z')], 'ALLOW'],
    ['a call at `at` itself is counted', [...daily(14, 19), contact(at)], 'DEFER 2026-03-21T15:00:00.000Z'],
    ['emails and texts are not calls', [...daily(14, 19), contact('2026-03-20T10:00:00Z', 'sent', 'email'), contact('2026-03-20T11:00:00Z', 'sent', 'sms')], 'ALLOW'],
  ])('%s -> %s', (_what, history, expected) => {
    expect(outcomeOf(decide({ rules: cap(), history, at }))).toBe(expected);
  });

  it('names the call that has to age out (the 3rd oldest of 9)', () => {
    const history = [contact('2026-03-13T16:00:00Z'), contact('2026-03-14T16:00:00Z'), ...daily(15, 19), contact('2026-03-20T14:00:00Z'), contact('2026-03-20T14:30:00Z')];
    const [reason] = decide({ rules: cap(), history, at }).reasons;
    expect(reason.until).toEqual(new Date('2026-03-22T15:00:00Z'));
    expect(reason.message).toContain('9 phone contacts');
    expect(reason.message).toContain('when the contact of 2026-03-15 11:00 (UTC-04:00) America/New_York ages out');
  });

  it('is the first allowed instant', () => {
    expectFirstAllowed({ rules: cap(), history: [contact('2026-03-13T15:00:01Z'), ...daily(14, 19)], at }, '2026-03-20T15:00:01.000Z');
  });

  it('explains the count, the cap and when the oldest call ages out', () => {
    const d = decide({ rules: cap(), history: [contact('2026-03-13T15:00:01Z'), ...daily(14, 19)], at });
    expect(d.reasons).toHaveLength(1);
    expect(d.reasons[0]).toMatchObject({ code: 'FREQUENCY_CAP', until: new Date('2026-03-20T15:00:01Z') });
    expect(d.reasons[0].message).toBe(
      'reg_f_call_frequency v1: 7 phone contacts in the 7 days (168 hours) up to 2026-03-20 11:00 (UTC-04:00) America/New_York; ' +
        'the cap is 7, so the next is allowed from 2026-03-20 11:00:01 (UTC-04:00) America/New_York, when the contact of 2026-03-13 11:00:01 (UTC-04:00) America/New_York ages out',
    );
  });
});

describe('frequency_cap edges', () => {
  it('measures days as 24 hours of elapsed time across a daylight-saving change', () => {
    // 2026-03-03T16:00Z is 11:00 EST; 7 × 24 h later, 2026-03-10T16:00Z, is 12:00 EDT (the
    // wall clock moved on 2026-03-08). At 12:00 EDT the call has aged out.
    const p = { maxAttempts: 1, windowDays: 7 };
    expect(outcomeOf(decide({ rules: cap(p), history: [contact('2026-03-03T16:00:00Z')], at: '2026-03-10T16:00:00Z' }))).toBe('ALLOW');
    // At 11:00 EDT (15:00Z), the same wall time as the call, it has not.
    expect(outcomeOf(decide({ rules: cap(p), history: [contact('2026-03-03T16:00:00Z')], at: '2026-03-10T15:00:00Z' }))).toBe('DEFER 2026-03-10T16:00:00.000Z');
  });

  it.each([
    ['counts only the outcomes it names', ['no_answer', 'no_answer'], 'ALLOW'],
    ['a counted outcome counts', ['no_answer', 'answered'], 'DEFER 2026-03-25T15:00:00.000Z'],
  ] as const)('%s', (_what, outcomes, expected) => {
    // max 1 counted in 7 days; the calls are 2026-03-17 and 2026-03-18 15:00Z; the answered one ages out on 2026-03-25 15:00Z.
    const history = [contact('2026-03-17T15:00:00Z', outcomes[0]), contact('2026-03-18T15:00:00Z', outcomes[1])];
    expect(outcomeOf(decide({ rules: cap({ maxAttempts: 1, windowDays: 7, countedOutcomes: ['answered', 'voicemail'] }), history, at }))).toBe(expected);
  });

  it('counts every channel the rule names together', () => {
    const rules = [rule('frequency_cap', { maxAttempts: 2, windowDays: 7 }, { channels: ['phone', 'sms'] })];
    const history = [contact('2026-03-18T15:00:00Z', 'sent', 'sms'), contact('2026-03-19T15:00:00Z', 'no_answer', 'phone')];
    // The sms of 2026-03-18 15:00Z ages out at 2026-03-25 15:00Z.
    expect(outcomeOf(decide({ rules, history, at, channel: 'sms' }))).toBe('DEFER 2026-03-25T15:00:00.000Z');
    expect(outcomeOf(decide({ rules, history, at, channel: 'email' }))).toBe('ALLOW');
  });

  it('works without a known zone for email (no local time is needed)', () => {
    const rules = [rule('frequency_cap', { maxAttempts: 1, windowDays: 1 }, { channels: ['email'] })];
    const history = [contact('2026-03-20T09:00:00Z', 'sent', 'email')];
    const d = decide({ rules, history, at, channel: 'email', customer: customer({ timeZone: '', countryCode: '', regionCode: '' }) });
    expect(outcomeOf(d)).toBe('DEFER 2026-03-21T09:00:00.000Z');
    // Without a zone the message gives UTC.
    expect(d.reasons[0].message).toContain('allowed from 2026-03-21T09:00:00Z');
  });
});
