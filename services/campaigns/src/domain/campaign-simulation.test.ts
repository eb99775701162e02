import type { InvoiceState } from './campaign-figures';
import { answersOf, simulateCampaign, walkCampaign, type ContactAnswer, type ContactQuestion, type SimulationStart } from './campaign-simulation';
import type { EscalationStep, StepConditions } from './step';

const NO_CONDITIONS: StepConditions = { minAmountOverdue: {}, minDaysOverdue: null, riskLevels: [] };
const template = (name: string) => ({ id: `t-${name}`, name, version: 1 });
const step = (over: Partial<EscalationStep>): EscalationStep => ({
  name: 'Step',
  taskType: 'send_email',
  channel: 'email',
  template: template('email'),
  delayDays: 1,
  anchor: 'due_date',
  priority: 'medium',
  conditions: NO_CONDITIONS,
  fallback: null,
  ...over,
});
const email = (over: Partial<EscalationStep> = {}) => step(over);
const sms = (over: Partial<EscalationStep> = {}) => step({ taskType: 'send_sms', channel: 'sms', template: template('sms'), ...over });
const call = (over: Partial<EscalationStep> = {}) => step({ taskType: 'make_call', channel: 'phone', template: template('call'), ...over });
const letter = (over: Partial<EscalationStep> = {}) => step({ taskType: 'send_letter', channel: 'letter', template: template('letter'), ...over });
const research = (over: Partial<EscalationStep> = {}) => step({ taskType: 'research', channel: null, template: null, ...over });

const overdue: InvoiceState = { id: 'i', status: 'overdue', dueDate: '2026-11-20', balance: '100.00', currency: 'USD' };
const at = (iso: string) => new Date(iso);
const start = (over: Partial<SimulationStart>): SimulationStart => ({
  steps: [],
  nextStep: 0,
  taken: new Map(),
  anchorDueDate: '2026-11-20',
  lastStepAt: null,
  from: at('2026-11-25T15:00:00Z'),
  invoices: [overdue],
  riskLevel: 'medium',
  horizon: at('2027-11-25T00:00:00Z'),
  ...over,
});

const ALLOW: ContactAnswer = { verdict: { result: 'allow' }, reasons: [] };
const deny = (...reasons: string[]): ContactAnswer => ({ verdict: { result: 'deny', reasons }, reasons });
const defer = (iso: string, reason = 'quiet hours'): ContactAnswer => ({ verdict: { result: 'defer', notBefore: at(iso) }, reasons: [reason] });

/** A compliance stand-in: each question answered on its own by `rule`; the batches it was asked are kept. */
function compliance(rule: (q: ContactQuestion) => ContactAnswer) {
  const batches: ContactQuestion[][] = [];
  const ask = async (questions: ContactQuestion[]) => {
    batches.push(questions);
    return questions.map(rule);
  };
  return { ask, batches };
}
/** Defers anything before 13:00 UTC to 13:00 that day ("quiet hours"). */
const quietMornings = (q: ContactQuestion): ContactAnswer => {
  if (q.at.getUTCHours() >= 13) return ALLOW;
  const open = new Date(q.at);
  open.setUTCHours(13, 0, 0, 0);
  return defer(open.toISOString());
};
const iso = (d: Date | null) => d?.toISOString() ?? null;

describe('simulateCampaign', () => {
  it('a campaign that starts late: the reminder before the due date is skipped, the rest replays the schedule from the start; letters and research without a question; one round', async () => {
    const steps = [email({ delayDays: -3 }), email({ delayDays: 1 }), sms({ delayDays: 7 }), call({ delayDays: 14 }), letter({ delayDays: 21 }), research({ delayDays: 30 })];
    const c = compliance(() => ALLOW);
    const run = await simulateCampaign(start({ steps }), c.ask);
    expect(run.rounds).toBe(1);
    // Steps 1 and 2 were due before the start (2026-11-25T15:00): the first is taken then, the
    // next 6 days later, as the schedule spaces them (+1, +7), and so on.
    expect(c.batches).toEqual([
      [
        { stepIndex: 1, channel: 'email', at: at('2026-11-25T15:00:00Z') },
        { stepIndex: 2, channel: 'sms', at: at('2026-12-01T15:00:00Z') },
        { stepIndex: 3, channel: 'phone', at: at('2026-12-08T15:00:00Z') },
      ],
    ]);
    expect(run.steps.map((s) => [s.verdict, s.channel, iso(s.dueAt), iso(s.contactAt)])).toEqual([
      ['skipped', 'email', '2026-11-17T00:00:00.000Z', null],
      ['contact', 'email', '2026-11-21T00:00:00.000Z', '2026-11-25T15:00:00.000Z'],
      ['contact', 'sms', '2026-11-27T00:00:00.000Z', '2026-12-01T15:00:00.000Z'],
      ['contact', 'phone', '2026-12-04T00:00:00.000Z', '2026-12-08T15:00:00.000Z'],
      ['contact', 'letter', '2026-12-11T00:00:00.000Z', '2026-12-15T15:00:00.000Z'],
      ['contact', null, '2026-12-20T00:00:00.000Z', '2026-12-24T15:00:00.000Z'],
    ]);
    expect(run.steps[0].reasons).toEqual(['a reminder before the due date, and the invoice is 5 days overdue already']);
    expect(run.outcome).toBe('handed to research, 100.00 USD outstanding');
  });

  it('a campaign that starts on time takes each step when it is due', async () => {
    const steps = [email({ delayDays: -3 }), email({ delayDays: 1 }), sms({ delayDays: 7 })];
    const c = compliance(() => ALLOW);
    const run = await simulateCampaign(start({ steps, from: at('2026-11-10T09:00:00Z') }), c.ask);
    expect(run.steps.map((s) => [s.verdict, iso(s.contactAt)])).toEqual([
      ['contact', '2026-11-17T00:00:00.000Z'],
      ['contact', '2026-11-21T00:00:00.000Z'],
      ['contact', '2026-11-27T00:00:00.000Z'],
    ]);
  });

  it('a deferral moves the step, and a step counting from it: a second round asks the moved contact', async () => {
    const steps = [sms({ delayDays: 1 }), call({ delayDays: 2, anchor: 'previous_step' }), email({ delayDays: 10 })];
    const c = compliance(quietMornings);
    const run = await simulateCampaign(start({ steps, from: at('2026-11-20T12:00:00Z') }), c.ask);
    expect(run.rounds).toBe(2);
    expect(c.batches.map((b) => b.map((q) => `${q.channel}@${q.at.toISOString()}`))).toEqual([
      ['sms@2026-11-21T00:00:00.000Z', 'phone@2026-11-23T00:00:00.000Z', 'email@2026-11-30T00:00:00.000Z'],
      ['sms@2026-11-21T00:00:00.000Z', 'phone@2026-11-23T13:00:00.000Z', 'email@2026-11-30T00:00:00.000Z'],
    ]);
    expect(run.steps.map((s) => [s.verdict, iso(s.dueAt), iso(s.contactAt)])).toEqual([
      ['deferred_contact', '2026-11-21T00:00:00.000Z', '2026-11-21T13:00:00.000Z'],
      ['contact', '2026-11-23T13:00:00.000Z', '2026-11-23T13:00:00.000Z'],
      ['deferred_contact', '2026-11-30T00:00:00.000Z', '2026-11-30T13:00:00.000Z'],
    ]);
    expect(run.steps[0].reasons).toEqual(['sms deferred to 2026-11-21T13:00:00.000Z: quiet hours']);
  });

  it('a deferral past the next step\'s due time holds that step back (one step after the other)', async () => {
    const steps = [sms({ delayDays: 1 }), email({ delayDays: 1 })];
    const c = compliance((q) => (q.channel === 'sms' ? defer('2026-11-24T13:00:00Z', 'cap') : ALLOW));
    const run = await simulateCampaign(start({ steps, from: at('2026-11-20T12:00:00Z') }), c.ask);
    expect(run.steps.map((s) => [s.verdict, iso(s.contactAt)])).toEqual([
      ['deferred_contact', '2026-11-24T13:00:00.000Z'],
      ['contact', '2026-11-24T13:00:00.000Z'],
    ]);
    expect(run.rounds).toBe(2);
  });

  it.each<[string, EscalationStep, (q: ContactQuestion) => ContactAnswer, string, string | null, string | null, string[], number]>([
    ['no fallback: refused', sms(), () => deny('opted out'), 'refused', 'sms', null, ['sms refused: opted out'], 1],
    [
      'fallback e-mail allowed, asked in a second round',
      sms({ fallback: { taskType: 'send_email', template: template('email') } }),
      (q) => (q.channel === 'sms' ? deny('opted out') : ALLOW),
      'fallback',
      'email',
      '2026-11-25T15:00:00.000Z',
      ['sms refused: opted out'],
      2,
    ],
    [
      'fallback letter: no decision needed',
      sms({ fallback: { taskType: 'send_letter', template: template('letter') } }),
      () => deny('opted out'),
      'fallback',
      'letter',
      '2026-11-25T15:00:00.000Z',
      ['sms refused: opted out'],
      1,
    ],
    [
      'fallback deferred: it happens then',
      sms({ fallback: { taskType: 'make_call', template: template('call') } }),
      (q) => (q.channel === 'sms' ? deny('opted out') : defer('2026-11-26T13:00:00Z', 'quiet hours')),
      'fallback',
      'phone',
      '2026-11-26T13:00:00.000Z',
      ['sms refused: opted out', 'phone deferred to 2026-11-26T13:00:00.000Z: quiet hours'],
      2,
    ],
    [
      'fallback refused too',
      sms({ fallback: { taskType: 'send_email', template: template('email') } }),
      (q) => deny(q.channel === 'sms' ? 'opted out' : 'do not contact'),
      'refused',
      'sms',
      null,
      ['sms refused: opted out; fallback email refused: do not contact'],
      2,
    ],
  ])('%s', async (_name, theStep, rule, verdict, channel, contactAt, reasons, rounds) => {
    const run = await simulateCampaign(start({ steps: [theStep] }), compliance(rule).ask);
    expect(run.steps.map((s) => ({ verdict: s.verdict, channel: s.channel, contactAt: iso(s.contactAt), reasons: s.reasons }))).toEqual([{ verdict, channel, contactAt, reasons }]);
    expect(run.rounds).toBe(rounds);
  });

  it('skips a step whose conditions do not hold, reading days overdue on the step\'s own day', async () => {
    const steps = [
      email({ delayDays: 1, conditions: { ...NO_CONDITIONS, minAmountOverdue: { USD: '1000.00' } } }),
      sms({ delayDays: 14, conditions: { ...NO_CONDITIONS, minDaysOverdue: 14 } }),
      call({ delayDays: 15, conditions: { ...NO_CONDITIONS, riskLevels: ['high', 'critical'] } }),
    ];
    const c = compliance(() => ALLOW);
    const run = await simulateCampaign(start({ steps, from: at('2026-11-21T12:00:00Z') }), c.ask);
    expect(run.steps.map((s) => [s.verdict, iso(s.contactAt), s.reasons])).toEqual([
      ['skipped', null, ['less is overdue (100.00 USD) than the step\'s minimum (1,000.00 USD)']],
      ['contact', '2026-12-04T00:00:00.000Z', []],
      ['skipped', null, ['risk level medium is not one of high, critical']],
    ]);
    expect(c.batches).toEqual([[{ stepIndex: 1, channel: 'sms', at: at('2026-12-04T00:00:00Z') }]]);
  });

  it('paid in full: every remaining step skipped, nothing asked, the outcome says so', async () => {
    const steps = [email(), sms({ delayDays: 7 })];
    const c = compliance(() => ALLOW);
    const run = await simulateCampaign(start({ steps, invoices: [{ ...overdue, status: 'paid', balance: '0.00' }] }), c.ask);
    expect(run).toMatchObject({ rounds: 0, outcome: 'paid in full' });
    expect(run.steps.map((s) => [s.verdict, s.reasons])).toEqual([
      ['skipped', ['paid in full: the campaign would complete before this step']],
      ['skipped', ['paid in full: the campaign would complete before this step']],
    ]);
    expect(c.batches).toEqual([]);
  });

  it('steps already taken are told as the ledger tells them; the next counts from the last one taken', async () => {
    const steps = [email(), sms({ delayDays: 3 }), call({ delayDays: 2, anchor: 'previous_step' })];
    const taken = new Map([[0, { at: at('2026-11-21T14:00:00Z'), summary: 'task created' }]]);
    const run = await simulateCampaign(start({ steps, nextStep: 2, taken, lastStepAt: at('2026-11-24T15:30:00Z') }), compliance(() => ALLOW).ask);
    expect(run.steps.map((s) => [s.verdict, iso(s.dueAt), iso(s.contactAt), s.reasons])).toEqual([
      ['already_taken', null, '2026-11-21T14:00:00.000Z', ['task created']],
      ['already_taken', null, null, ['taken before the campaign\'s current step']],
      ['contact', '2026-11-26T15:30:00.000Z', '2026-11-26T15:30:00.000Z', []],
    ]);
    expect(run.outcome).toBe('exhausted, 100.00 USD outstanding');
  });

  it('does not ask compliance about a contact beyond its horizon', async () => {
    const c = compliance(() => ALLOW);
    const run = await simulateCampaign(start({ steps: [email({ delayDays: 400 })] }), c.ask);
    expect(run.steps[0]).toMatchObject({ verdict: 'contact', reasons: ['more than a year ahead: compliance decides it when it is due'] });
    expect(c.batches).toEqual([]);
  });
});

describe('answersOf', () => {
  it('answers the questions asked, in order, and none after the first that differs', () => {
    const q = (stepIndex: number, channel: ContactQuestion['channel'], time: string): ContactQuestion => ({ stepIndex, channel, at: at(time) });
    const asked = [q(0, 'email', '2026-11-21T00:00:00Z'), q(1, 'sms', '2026-11-22T00:00:00Z'), q(2, 'phone', '2026-11-23T00:00:00Z')];
    const answered = [ALLOW, deny('x'), ALLOW];
    const answers = answersOf(asked, answered);
    expect(answers(q(0, 'email', '2026-11-21T00:00:00Z'), 0)).toBe(ALLOW);
    expect(answers(q(1, 'email', '2026-11-22T00:00:00Z'), 1)).toBeUndefined();
    expect(answers(q(2, 'phone', '2026-11-23T00:00:00Z'), 2)).toBeUndefined();
  });

  it('walkCampaign with no answers is incomplete and takes every contact as allowed', () => {
    const walk = walkCampaign(start({ steps: [sms()] }), () => undefined);
    expect(walk).toMatchObject({ complete: false, steps: [{ verdict: 'contact' }] });
  });
});
