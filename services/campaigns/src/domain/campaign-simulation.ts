import { campaignFigures, type InvoiceState } from './campaign-figures';
import type { Channel } from './contact';
import { exhaustedOutcome, nextMove, resolveContact, settledOutcome, type Verdict } from './escalation-plan';
import type { EscalationStep, RiskLevel } from './step';
import { nextStepAt, stepDueAt } from './step-timing';

/**
 * A dry run of a campaign's remaining steps, as the escalation engine would take them: pure, the
 * compliance answers given. The engine's own rules decide each step (nextMove, resolveContact,
 * stepDueAt, nextStepAt), so the dry run cannot drift from the pass.
 *
 * Time: the first remaining step is looked at when it is due, not before `from`; each later one
 * when it is due, not before the previous one was taken (nextStepAt). A step is taken when its
 * contact happens (after a deferral: at the deferred time), or when it is refused or skipped;
 * steps counting from the previous step count from then.
 *
 * Figures: today's balances, statuses and risk level (nothing else can be known), read on the day
 * each step is looked at, so "days overdue" is the step's own day: a step at 14 days overdue is not
 * skipped because the invoice is only 3 days overdue today.
 */

export type SimulatedVerdict = 'contact' | 'deferred_contact' | 'refused' | 'fallback' | 'skipped' | 'already_taken';

export interface SimulatedStep {
  stepIndex: number;
  step: EscalationStep;
  /** The channel it would use (the fallback's for 'fallback'); null for research and manual review. */
  channel: Channel | null;
  /** When the schedule makes it due; null for steps already taken. */
  dueAt: Date | null;
  /** When it would happen (already taken: when it was); null when refused or skipped. */
  contactAt: Date | null;
  verdict: SimulatedVerdict;
  /** Why, in words. */
  reasons: string[];
}

/** A contact compliance is asked about. */
export interface ContactQuestion {
  stepIndex: number;
  channel: 'email' | 'sms' | 'phone';
  at: Date;
}

/** Compliance's answer, and its reasons in words. */
export interface ContactAnswer {
  verdict: Verdict;
  reasons: string[];
}

/** A step already taken, as the ledger tells it. */
export interface TakenStep {
  at: Date | null;
  /** What happened, in words. */
  summary: string;
}

export interface SimulationStart {
  steps: readonly EscalationStep[];
  /** The first step not taken yet. */
  nextStep: number;
  /** Steps before nextStep, by index, as the ledger tells them (those it does not know are simply taken). */
  taken: ReadonlyMap<number, TakenStep>;
  anchorDueDate: string;
  /** When the previous step was taken (previous_step anchors count from it); null if none was. */
  lastStepAt: Date | null;
  /** The earliest instant the next step is looked at: the simulation's start, or the later time a recorded deferral set. */
  from: Date;
  /** Today's invoices of the campaign and the customer's risk level. */
  invoices: readonly InvoiceState[];
  riskLevel: RiskLevel | null;
  /** Compliance is not asked about contacts after this instant (it decides within a year of now). */
  horizon: Date;
}

export interface SimulationWalk {
  steps: SimulatedStep[];
  /** Every contact compliance must be asked about, in order (a refused channel, then its fallback). */
  questions: ContactQuestion[];
  /** False when some question had no answer yet (it was taken as allowed): ask them all, then walk again. */
  complete: boolean;
  /** How the campaign would end on today's figures. */
  outcome: string;
}

/** An answer, by the question's position in the walk; undefined when not asked yet. */
export type Answers = (question: ContactQuestion, index: number) => ContactAnswer | undefined;

const ALLOWED: ContactAnswer = { verdict: { result: 'allow' }, reasons: [] };

/** The campaign's remaining steps on the answers known so far (a question not answered yet counts as allowed). */
export function walkCampaign(start: SimulationStart, answers: Answers): SimulationWalk {
  const { steps, anchorDueDate } = start;
  const out: SimulatedStep[] = [];
  const questions: ContactQuestion[] = [];
  let complete = true;
  const ask = (stepIndex: number, channel: ContactQuestion['channel'], at: Date): ContactAnswer => {
    const question = { stepIndex, channel, at };
    const answer = answers(question, questions.length);
    questions.push(question);
    if (!answer) complete = false;
    return answer ?? ALLOWED;
  };

  for (let i = 0; i < Math.min(start.nextStep, steps.length); i += 1) {
    const taken = start.taken.get(i);
    out.push({
      stepIndex: i,
      step: steps[i],
      channel: steps[i].channel,
      dueAt: null,
      contactAt: taken?.at ?? null,
      verdict: 'already_taken',
      reasons: [taken?.summary ?? 'taken before the campaign\'s current step'],
    });
  }

  const today = campaignFigures(start.invoices, isoDay(start.from), start.riskLevel);
  const outcome = today.settled ? settledOutcome(today) : exhaustedOutcome(steps, today);
  let lastAt = start.lastStepAt;
  let lookAt: Date | null = start.nextStep < steps.length ? later(stepDueAt(steps[start.nextStep], anchorDueDate, lastAt), start.from) : null;

  for (let i = start.nextStep; i < steps.length && lookAt; i += 1) {
    const step = steps[i];
    const dueAt = stepDueAt(step, anchorDueDate, lastAt);
    const at = later(dueAt, lookAt);
    const move = nextMove({ steps, currentStep: i }, campaignFigures(start.invoices, isoDay(at), start.riskLevel));
    let result: Omit<SimulatedStep, 'stepIndex' | 'step' | 'dueAt'>;
    if (move.kind === 'complete') {
      result = { channel: step.channel, contactAt: null, verdict: 'skipped', reasons: [`${move.outcome}: the campaign would complete before this step`] };
    } else if (move.kind === 'skip') {
      result = { channel: step.channel, contactAt: null, verdict: 'skipped', reasons: [move.reason] };
    } else if (move.kind === 'task') {
      result = { channel: step.channel, contactAt: at, verdict: 'contact', reasons: [] };
    } else if (at.getTime() > start.horizon.getTime()) {
      result = { channel: move.channel, contactAt: at, verdict: 'contact', reasons: ['more than a year ahead: compliance decides it when it is due'] };
    } else {
      result = contactStep(step, move.channel as ContactQuestion['channel'], at, (channel) => ask(i, channel, at));
    }
    out.push({ stepIndex: i, step, dueAt, ...result });
    const takenAt = result.contactAt ?? at;
    lastAt = takenAt;
    lookAt = nextStepAt(steps, i, anchorDueDate, takenAt, result.contactAt !== null);
  }
  return { steps: out, questions, complete, outcome };
}

function contactStep(
  step: EscalationStep,
  channel: ContactQuestion['channel'],
  at: Date,
  ask: (channel: ContactQuestion['channel']) => ContactAnswer,
): Omit<SimulatedStep, 'stepIndex' | 'step' | 'dueAt'> {
  const primary = ask(channel);
  let resolution = resolveContact(step, primary.verdict);
  let fallback: { channel: Channel; answer: ContactAnswer } | undefined;
  if (resolution.kind === 'ask-fallback') {
    fallback = { channel: resolution.channel, answer: ask(resolution.channel as ContactQuestion['channel']) };
    resolution = resolveContact(step, primary.verdict, fallback.answer.verdict);
  }
  const refused = primary.verdict.result === 'deny' ? [`${channel} refused: ${primary.reasons.join('; ') || 'no reason given'}`] : [];
  switch (resolution.kind) {
    case 'create':
      return resolution.fellBack
        ? { channel: resolution.channel, contactAt: at, verdict: 'fallback', reasons: refused }
        : { channel, contactAt: at, verdict: 'contact', reasons: [] };
    case 'defer':
      // A deferred fallback: the engine asks again at that time, the step's channel still refused, and falls back then.
      if (fallback) {
        return { channel: fallback.channel, contactAt: resolution.notBefore, verdict: 'fallback', reasons: [...refused, deferred(fallback.channel, resolution.notBefore, fallback.answer.reasons)] };
      }
      return { channel, contactAt: resolution.notBefore, verdict: 'deferred_contact', reasons: [deferred(channel, resolution.notBefore, primary.reasons)] };
    case 'refuse':
      return { channel, contactAt: null, verdict: 'refused', reasons: [resolution.reason] };
    default:
      // ask-fallback was answered above.
      throw new Error(`walkCampaign: unresolved contact ${resolution.kind}`);
  }
}

const deferred = (channel: Channel, until: Date, reasons: string[]): string =>
  `${channel} deferred to ${until.toISOString()}: ${reasons.join('; ') || 'no reason given'}`;

/**
 * The answers of the previous round, for the walk that follows it: the k-th question gets the k-th
 * answer while the questions are the ones asked, in order; after the first that differs (a
 * deferral moved a later step, a refusal asks a fallback) every later answer counted contacts that
 * no longer happen, so none is used.
 */
export function answersOf(asked: readonly ContactQuestion[], answered: readonly ContactAnswer[]): Answers {
  let diverged = false;
  return (question, index) => {
    if (diverged) return undefined;
    const before = asked[index];
    if (!before || before.stepIndex !== question.stepIndex || before.channel !== question.channel || before.at.getTime() !== question.at.getTime()) {
      diverged = true;
      return undefined;
    }
    return answered[index];
  };
}

/**
 * The dry run: walks the steps, asks compliance every contact of the walk at once (`ask`: one
 * call, answers in question order), and walks again on the answers. Usually one round; another
 * when an answer moves a later contact (a deferral past the next step's due time, or a step
 * counting from the previous one) or asks a fallback. Each round fixes at least one more answer
 * (the first question that changed depends only on answers before it, which are final), so it
 * ends within a round per question.
 */
export async function simulateCampaign(start: SimulationStart, ask: (questions: ContactQuestion[]) => Promise<ContactAnswer[]>): Promise<SimulationWalk & { rounds: number }> {
  let answers: Answers = () => undefined;
  const most = 2 * start.steps.length + 1;
  for (let rounds = 0; rounds <= most; rounds += 1) {
    const walk = walkCampaign(start, answers);
    if (walk.complete) return { ...walk, rounds };
    const answered = await ask(walk.questions);
    answers = answersOf(walk.questions, answered);
  }
  throw new Error(`simulateCampaign: no stable schedule after ${most} rounds`);
}

function later(a: Date, b: Date): Date {
  return a.getTime() >= b.getTime() ? a : b;
}

function isoDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}
