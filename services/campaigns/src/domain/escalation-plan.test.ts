import { campaignFigures, describeAmounts, type InvoiceState } from './campaign-figures';
import { advanceAfter, nextMove, proposedContactTime, resolveContact, type Verdict } from './escalation-plan';
import { unmetCondition } from './step-conditions';
import { nextStepAt, stepDueAt } from './step-timing';
import type { EscalationStep, StepConditions } from './step';

const NO_CONDITIONS: StepConditions = { minAmountOverdue: {}, minDaysOverdue: null, riskLevels: [] };
const step = (over: Partial<EscalationStep>): EscalationStep => ({
  name: 'Step',
  taskType: 'send_email',
  channel: 'email',
  template: { id: 't', name: 'friendly_reminder_email', version: 1 },
  delayDays: 1,
  anchor: 'due_date',
  priority: 'medium',
  conditions: NO_CONDITIONS,
  fallback: null,
  ...over,
});
const invoice = (over: Partial<InvoiceState>): InvoiceState => ({ id: 'i', status: 'overdue', dueDate: '2026-11-01', balance: '100.00', currency: 'USD', ...over });
const TODAY = '2026-12-02';

describe('campaignFigures', () => {
  it('adds what is owed per currency, never across currencies, and counts days from the oldest unpaid due date', () => {
    const figures = campaignFigures(
      [
        invoice({ dueDate: '2026-11-01', balance: '4000.00' }),
        invoice({ status: 'partial', dueDate: '2026-11-20', balance: '210.00' }),
        invoice({ status: 'pending', dueDate: '2026-12-20', balance: '50.00' }),
        invoice({ status: 'overdue', dueDate: '2026-10-30', balance: '350', currency: 'EUR' }),
        invoice({ status: 'paid', dueDate: '2026-09-01', balance: '0.00' }),
        invoice({ status: 'cancelled', dueDate: '2026-08-01', balance: '999.00' }),
      ],
      TODAY,
      'high',
    );
    expect(figures).toEqual({
      settled: false,
      anyPaid: true,
      outstanding: { EUR: '350.00', USD: '4260.00' },
      overdue: { EUR: '350.00', USD: '4210.00' },
      daysOverdue: 33,
      riskLevel: 'high',
    });
    expect(describeAmounts(figures.overdue)).toBe('350.00 EUR and 4,210.00 USD');
  });

  it.each([
    ['every invoice paid', [invoice({ status: 'paid', balance: '0' })], true, true],
    ['paid and cancelled', [invoice({ status: 'paid', balance: '0' }), invoice({ status: 'cancelled' })], true, true],
    ['only cancelled', [invoice({ status: 'cancelled' })], true, false],
    ['a partial payment left', [invoice({ status: 'partial', balance: '0.01' })], false, false],
  ])('%s: settled %s, paid %s', (_name, invoices, settled, anyPaid) => {
    expect(campaignFigures(invoices, TODAY, null)).toMatchObject({ settled, anyPaid });
  });

  it('is not overdue on the due date itself', () => {
    expect(campaignFigures([invoice({ status: 'pending', dueDate: TODAY })], TODAY, null)).toMatchObject({ overdue: {}, daysOverdue: 0 });
  });
});

describe('unmetCondition', () => {
  const figures = campaignFigures([invoice({ dueDate: '2026-11-01', balance: '400.00' }), invoice({ dueDate: '2026-11-25', balance: '90', currency: 'GBP' })], TODAY, 'medium');
  it.each<[string, Partial<StepConditions>, string | null]>([
    ['no conditions', {}, null],
    ['minimum met in USD', { minAmountOverdue: { USD: '400.00' } }, null],
    ['minimum missed in USD, GBP has none', { minAmountOverdue: { USD: '500.00' } }, null],
    ['minimums missed in both', { minAmountOverdue: { USD: '500.00', GBP: '100.00' } }, 'less is overdue (90.00 GBP and 400.00 USD) than the step\'s minimum (500.00 USD and 100.00 GBP)'],
    ['31 days overdue, needs 31', { minDaysOverdue: 31 }, null],
    ['31 days overdue, needs 32', { minDaysOverdue: 32 }, '31 days overdue, the step needs 32'],
    ['risk medium among them', { riskLevels: ['medium', 'high'] }, null],
    ['risk medium not among them', { riskLevels: ['high', 'critical'] }, 'risk level medium is not one of high, critical'],
  ])('%s', (_name, conditions, expected) => {
    expect(unmetCondition({ ...NO_CONDITIONS, ...conditions }, figures)).toBe(expected);
  });

  it('an unknown risk level meets no risk condition', () => {
    expect(unmetCondition({ ...NO_CONDITIONS, riskLevels: ['low'] }, { ...figures, riskLevel: null })).toBe('risk level unknown is not one of low');
  });
});

describe('stepDueAt and nextStepAt', () => {
  it('counts due_date steps from the start of the due date, before it too', () => {
    expect(stepDueAt({ anchor: 'due_date', delayDays: -3 }, '2026-12-10', null).toISOString()).toBe('2026-12-07T00:00:00.000Z');
    expect(stepDueAt({ anchor: 'due_date', delayDays: 14 }, '2026-12-10', new Date('2027-03-01T00:00:00Z')).toISOString()).toBe('2026-12-24T00:00:00.000Z');
  });

  it('counts previous_step steps from when the previous step was taken', () => {
    expect(stepDueAt({ anchor: 'previous_step', delayDays: 5 }, '2026-12-10', new Date('2026-12-20T15:30:00Z')).toISOString()).toBe('2026-12-25T15:30:00.000Z');
  });

  it('makes a step already past due now, one step per pass, and none after the last', () => {
    const steps = [step({ delayDays: 1 }), step({ delayDays: 7 }), step({ anchor: 'previous_step', delayDays: 2 })];
    const at = new Date('2026-12-02T10:00:00Z');
    expect(nextStepAt(steps, 0, '2026-11-01', at)).toEqual(at); // +7 was 2026-11-08: past
    expect(nextStepAt(steps, 1, '2026-11-01', at)?.toISOString()).toBe('2026-12-04T10:00:00.000Z');
    expect(nextStepAt(steps, 2, '2026-11-01', at)).toBeNull();
  });

  it('after a contact taken late, the next due-date step keeps the spacing the schedule gives the two (not after a skip or refusal)', () => {
    const steps = [step({ delayDays: 1 }), step({ delayDays: 7 }), step({ anchor: 'previous_step', delayDays: 2 }), step({ delayDays: 3 })];
    const at = new Date('2026-12-02T10:00:00Z');
    // +1 and +7 are 6 days apart: the step after a contact taken on 2026-12-02 waits until 2026-12-08.
    expect(nextStepAt(steps, 0, '2026-11-01', at, true)?.toISOString()).toBe('2026-12-08T10:00:00.000Z');
    // Skipped or refused: nobody was contacted, the next step is looked at now.
    expect(nextStepAt(steps, 0, '2026-11-01', at, false)).toEqual(at);
    // Taken on time (2026-11-02, its due day): the next step on the schedule's own date.
    expect(nextStepAt(steps, 0, '2026-11-01', new Date('2026-11-02T00:00:00Z'), true)?.toISOString()).toBe('2026-11-08T00:00:00.000Z');
    // A step counting from the previous one keeps its own delay; a due-date step after one, or
    // earlier in the schedule than the step taken, adds no spacing.
    expect(nextStepAt(steps, 1, '2026-11-01', at, true)?.toISOString()).toBe('2026-12-04T10:00:00.000Z');
    expect(nextStepAt(steps, 2, '2026-11-01', at, true)).toEqual(at);
  });

  it('a partial payment moves no date: the schedule depends on the due date and the steps taken only', () => {
    const before = campaignFigures([invoice({ balance: '1000.00' })], TODAY, null);
    const after = campaignFigures([invoice({ status: 'partial', balance: '10.00' })], TODAY, null);
    expect(after.daysOverdue).toBe(before.daysOverdue);
    expect(nextMove({ steps: [step({})], currentStep: 0 }, after)).toMatchObject({ kind: 'contact', stepIndex: 0 });
  });
});

describe('nextMove', () => {
  const owing = campaignFigures([invoice({ balance: '4210.00' })], TODAY, 'high');
  const research = step({ name: 'Research', taskType: 'research', channel: null, template: null });
  it.each<[string, { steps: EscalationStep[]; currentStep: number }, ReturnType<typeof campaignFigures>, ReturnType<typeof nextMove>]>([
    ['paid in full', { steps: [step({})], currentStep: 0 }, campaignFigures([invoice({ status: 'paid', balance: '0' })], TODAY, null), { kind: 'complete', outcome: 'paid in full' }],
    ['cancelled invoices', { steps: [step({})], currentStep: 0 }, campaignFigures([invoice({ status: 'cancelled' })], TODAY, null), { kind: 'complete', outcome: 'nothing owed: the invoices were cancelled' }],
    ['steps ran out', { steps: [step({})], currentStep: 1 }, owing, { kind: 'complete', outcome: 'exhausted, 4,210.00 USD outstanding' }],
    ['steps ran out after research', { steps: [step({}), research], currentStep: 2 }, owing, { kind: 'complete', outcome: 'handed to research, 4,210.00 USD outstanding' }],
    ['conditions unmet', { steps: [step({ conditions: { ...NO_CONDITIONS, minDaysOverdue: 40 } })], currentStep: 0 }, owing, { kind: 'skip', stepIndex: 0, reason: '31 days overdue, the step needs 40' }],
    ['research', { steps: [research], currentStep: 0 }, owing, { kind: 'task', stepIndex: 0, step: research }],
    [
      'a reminder before the due date once the invoice is overdue',
      { steps: [step({ delayDays: -3 })], currentStep: 0 },
      owing,
      { kind: 'skip', stepIndex: 0, reason: 'a reminder before the due date, and the invoice is 31 days overdue already' },
    ],
    [
      'a reminder before the due date while nothing is overdue yet',
      { steps: [step({ delayDays: -3 })], currentStep: 0 },
      campaignFigures([invoice({ status: 'pending', dueDate: '2026-12-05' })], TODAY, null),
      { kind: 'contact', stepIndex: 0, step: step({ delayDays: -3 }), channel: 'email' },
    ],
  ])('%s', (_name, campaign, figures, expected) => {
    expect(nextMove(campaign, figures)).toEqual(expected);
  });

  it('a letter is a task without a compliance decision; e-mail, SMS and calls are contacts', () => {
    const letter = step({ taskType: 'send_letter', channel: 'letter' });
    expect(nextMove({ steps: [letter], currentStep: 0 }, owing)).toMatchObject({ kind: 'task' });
    expect(nextMove({ steps: [step({ taskType: 'make_call', channel: 'phone' })], currentStep: 0 }, owing)).toMatchObject({ kind: 'contact', channel: 'phone' });
  });
});

describe('resolveContact', () => {
  const allow: Verdict = { result: 'allow' };
  const defer: Verdict = { result: 'defer', notBefore: new Date('2026-12-03T13:00:00Z') };
  const deny = (...reasons: string[]): Verdict => ({ result: 'deny', reasons });
  const call = step({ taskType: 'make_call', channel: 'phone' });
  const callOrEmail = step({ taskType: 'make_call', channel: 'phone', fallback: { taskType: 'send_email', template: { id: 'f', name: 'firm_reminder_email', version: 1 } } });
  const callOrLetter = step({ taskType: 'make_call', channel: 'phone', fallback: { taskType: 'send_letter', template: { id: 'l', name: 'final_notice_letter', version: 1 } } });

  it.each<[string, EscalationStep, Verdict, Verdict | undefined, ReturnType<typeof resolveContact>]>([
    ['allowed', call, allow, undefined, { kind: 'create', channel: 'phone', fellBack: false }],
    ['deferred', call, defer, undefined, { kind: 'defer', notBefore: new Date('2026-12-03T13:00:00Z') }],
    ['refused, no fallback', call, deny('opted out'), undefined, { kind: 'refuse', reason: 'phone refused: opted out' }],
    ['refused: ask the fallback', callOrEmail, deny('opted out'), undefined, { kind: 'ask-fallback', channel: 'email' }],
    ['fallback allowed', callOrEmail, deny('opted out'), allow, { kind: 'create', channel: 'email', fellBack: true }],
    ['fallback deferred', callOrEmail, deny('opted out'), defer, { kind: 'defer', notBefore: new Date('2026-12-03T13:00:00Z') }],
    ['fallback refused', callOrEmail, deny('opted out'), deny('do not contact'), { kind: 'refuse', reason: 'phone refused: opted out; fallback email refused: do not contact' }],
    ['a letter needs no decision', callOrLetter, deny('frequency cap'), undefined, { kind: 'create', channel: 'letter', fellBack: true }],
  ])('%s', (_name, s, primary, fallback, expected) => {
    expect(resolveContact(s, primary, fallback)).toEqual(expected);
  });
});

describe('advanceAfter', () => {
  const figures = campaignFigures([invoice({ balance: '4210.00' })], TODAY, 'low');
  const at = new Date('2026-12-02T10:30:00Z');
  const steps = [
    step({ delayDays: 1 }),
    step({ delayDays: 40 }),
    step({ anchor: 'previous_step', delayDays: 3 }),
    step({ taskType: 'research', channel: null, template: null, anchor: 'previous_step', delayDays: 0 }),
  ];

  it.each<[string, number, ReturnType<typeof advanceAfter>]>([
    ['the next step is due later: looked at then', 0, { currentStep: 1, nextStepAt: new Date('2026-12-11T00:00:00Z'), completedOutcome: null }],
    ['a step counting from the previous one: from when this one was taken', 1, { currentStep: 2, nextStepAt: new Date('2026-12-05T10:30:00Z'), completedOutcome: null }],
    ['the next step is due already: now (one step per pass)', 2, { currentStep: 3, nextStepAt: at, completedOutcome: null }],
    ['the last step: the campaign completes with what a team acts on', 3, { currentStep: 4, nextStepAt: null, completedOutcome: 'handed to research, 4,210.00 USD outstanding' }],
  ])('%s', (_name, taken, expected) => {
    expect(advanceAfter(steps, taken, '2026-11-01', at, figures)).toEqual(expected);
  });

  it('after a contact, the next step keeps the schedule\'s spacing; after a skip it is looked at now', () => {
    const late = [step({ delayDays: 1 }), step({ delayDays: 8 })];
    expect(advanceAfter(late, 0, '2026-11-01', at, figures, true).nextStepAt).toEqual(new Date('2026-12-09T10:30:00Z'));
    expect(advanceAfter(late, 0, '2026-11-01', at, figures, false).nextStepAt).toEqual(at);
  });

  it('a last contact step ends the campaign as exhausted', () => {
    expect(advanceAfter([step({})], 0, '2026-11-01', at, figures).completedOutcome).toBe('exhausted, 4,210.00 USD outstanding');
  });
});

describe('proposedContactTime', () => {
  const now = new Date('2026-12-02T10:30:00Z');
  it.each<[string, EscalationStep, Date | null, string]>([
    ['due in the past: now', step({ delayDays: 1 }), null, '2026-12-02T10:30:00.000Z'],
    ['due later (a pass that runs early): when it is due', step({ delayDays: 40 }), null, '2026-12-11T00:00:00.000Z'],
    ['counting from the previous step', step({ anchor: 'previous_step', delayDays: 2 }), new Date('2026-12-01T09:00:00Z'), '2026-12-03T09:00:00.000Z'],
  ])('%s', (_name, s, lastStepAt, expected) => {
    expect(proposedContactTime(s, '2026-11-01', lastStepAt, now).toISOString()).toBe(expected);
  });
});
