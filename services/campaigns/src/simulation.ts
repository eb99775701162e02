import type { ServiceError } from '@grpc/grpc-js';
import { NotFoundError, Violations } from '@cec/errors';
import { peerCallError } from '@cec/grpc';
import { complianceV1, type customersV1 } from '@cec/proto';
import type { InvoiceState } from './domain/campaign-figures';
import { anchorDueDate } from './domain/campaign-invoices';
import { simulateCampaign, type ContactAnswer, type ContactQuestion, type SimulationWalk, type TakenStep } from './domain/campaign-simulation';
import type { EscalationStep } from './domain/step';
import { invoiceStatuses, riskLevels } from './rpc/enums';
import type { CampaignProgress, StepRunRecord } from './store/simulation-reads';

/**
 * SimulateCampaign's work between the services: today's figures from customers, the contacts of
 * the schedule decided by compliance's SimulateContacts (one call per round, usually one), the
 * schedule walked by the engine's domain (domain/campaign-simulation.ts). Reads only, everywhere.
 */

export interface SimulationPeers {
  customers: customersV1.CustomerServiceClient;
  invoices: customersV1.InvoiceServiceClient;
  compliance: complianceV1.ComplianceServiceClient;
}

/** What is simulated: an existing campaign's remaining steps, or every step of one not made yet. */
export interface SimulationSubject {
  customerId: string;
  steps: EscalationStep[];
  invoiceIds: string[];
  /** Null when the campaign does not keep it: the earliest due date of its invoices. */
  anchorDueDate: string | null;
  nextStep: number;
  taken: Map<number, TakenStep>;
  lastStepAt: Date | null;
  /**
   * The next step is not looked at before then: the campaign's next_step_at (the engine takes a
   * step only once it has passed) or a later deferral the ledger recorded for it.
   */
  deferredTo: Date | null;
}

/** Compliance decides proposed instants within a year of now: a dry run does not ask beyond. */
const HORIZON_MS = 365 * 86_400_000;

/** A new campaign: nothing taken yet. */
export function newCampaignSubject(customerId: string, steps: EscalationStep[], invoiceIds: string[], anchor: string): SimulationSubject {
  return { customerId, steps, invoiceIds, anchorDueDate: anchor, nextStep: 0, taken: new Map(), lastStepAt: null, deferredTo: null };
}

/**
 * An existing campaign as the ledger leaves it: a step is taken when the campaign's current step is
 * past it or the ledger has its outcome (task created, fell back, refused, skipped); deferrals are
 * history, and the latest one of the next step holds it back.
 */
export function campaignSubject({ campaign, lastStepAt, runs }: CampaignProgress): SimulationSubject {
  const taken = new Map<number, TakenStep>();
  let nextStep = campaign.currentStep;
  let lastTaken: Date | null = null;
  for (const run of runs) {
    if (run.outcome === 'deferred') continue;
    taken.set(run.stepIndex, { at: run.createdAt, summary: summaryOf(run) });
    nextStep = Math.max(nextStep, run.stepIndex + 1);
    if (!lastTaken || run.createdAt > lastTaken) lastTaken = run.createdAt;
  }
  const deferrals = runs.filter((r) => r.outcome === 'deferred' && r.stepIndex === nextStep && r.notBefore);
  const holds = [
    ...(deferrals.length ? [deferrals[deferrals.length - 1].notBefore as Date] : []),
    ...(nextStep === campaign.currentStep && campaign.nextStepAt ? [campaign.nextStepAt] : []),
  ];
  return {
    customerId: campaign.customerId,
    steps: campaign.steps,
    invoiceIds: campaign.invoiceIds,
    anchorDueDate: campaign.anchorDueDate,
    nextStep,
    taken,
    lastStepAt: lastStepAt ?? lastTaken,
    deferredTo: holds.length ? new Date(Math.max(...holds.map((d) => d.getTime()))) : null,
  };
}

function summaryOf(run: StepRunRecord): string {
  const when = run.createdAt.toISOString();
  const why = run.reason ? `: ${run.reason}` : '';
  switch (run.outcome) {
    case 'task_created':
      return `task created ${run.channel ? `(${run.channel}) ` : ''}at ${when}`;
    case 'fell_back':
      return `fell back to ${run.channel} at ${when}${why}`;
    case 'refused':
      return `refused at ${when}${why}`;
    default:
      return `skipped at ${when}${why}`;
  }
}

/** The dry run from `from`: the figures, then the walk with compliance's answers. */
export async function runSimulation(peers: SimulationPeers, subject: SimulationSubject, from: Date): Promise<SimulationWalk & { rounds: number }> {
  const [invoices, riskLevel] = await Promise.all([invoiceStates(peers, subject.invoiceIds), riskLevelOf(peers, subject.customerId)]);
  const start = subject.deferredTo && subject.deferredTo > from ? subject.deferredTo : from;
  return simulateCampaign(
    {
      steps: subject.steps,
      nextStep: subject.nextStep,
      taken: subject.taken,
      anchorDueDate: subject.anchorDueDate ?? anchorDueDate(invoices),
      lastStepAt: subject.lastStepAt,
      from: start,
      invoices,
      riskLevel,
      horizon: new Date(Date.now() + HORIZON_MS),
    },
    (questions) => askCompliance(peers, subject.customerId, questions),
  );
}

async function invoiceStates(peers: SimulationPeers, invoiceIds: string[]): Promise<InvoiceState[]> {
  const { invoices } = await ask<customersV1.BatchGetInvoicesResponse>((done) => peers.invoices.batchGetInvoices({ invoiceIds }, done), 'customers', 'the invoices');
  return invoices.map((i) => ({
    id: i.id,
    // Every status the customers service answers is known; UNSPECIFIED would be its bug.
    status: invoiceStatuses.from(i.status, new Violations(), 'status', 'invoice status') ?? 'cancelled',
    dueDate: i.dueDate,
    balance: i.balance?.amount || '0',
    currency: i.balance?.currencyCode || i.amount?.currencyCode || '',
  }));
}

async function riskLevelOf(peers: SimulationPeers, customerId: string) {
  const { profiles } = await ask<customersV1.BatchGetContactProfilesResponse>(
    (done) => peers.customers.batchGetContactProfiles({ customerIds: [customerId] }, done),
    'customers',
    'the customer\'s risk level',
  );
  const profile = profiles[0];
  if (!profile) throw NotFoundError.resource('customer', customerId);
  return riskLevels.optional(profile.riskLevel, new Violations(), 'risk_level', 'risk level') ?? null;
}

const TO_COMPLIANCE: Record<ContactQuestion['channel'], complianceV1.Channel> = {
  email: complianceV1.Channel.CHANNEL_EMAIL,
  sms: complianceV1.Channel.CHANNEL_SMS,
  phone: complianceV1.Channel.CHANNEL_PHONE,
};

async function askCompliance(peers: SimulationPeers, customerId: string, questions: ContactQuestion[]): Promise<ContactAnswer[]> {
  const { decisions } = await ask<complianceV1.SimulateContactsResponse>(
    (done) => peers.compliance.simulateContacts({ customerId, contacts: questions.map((q) => ({ channel: TO_COMPLIANCE[q.channel], proposedTime: q.at })) }, done),
    'compliance',
    'the schedule\'s contacts',
  );
  return decisions.map((d): ContactAnswer => {
    const reasons = d.reasons.map((r) => r.message);
    if (d.result === complianceV1.DecisionResult.DECISION_RESULT_ALLOW) return { verdict: { result: 'allow' }, reasons };
    if (d.result === complianceV1.DecisionResult.DECISION_RESULT_DEFER && d.notBeforeTime) return { verdict: { result: 'defer', notBefore: d.notBeforeTime }, reasons };
    return { verdict: { result: 'deny', reasons }, reasons };
  });
}

function ask<T>(start: (done: (error: ServiceError | null, value: T) => void) => void, peer: string, what: string): Promise<T> {
  return new Promise((resolve, reject) =>
    start((error, value) => {
      if (!error) resolve(value);
      else reject(peerCallError(error, { peer, asked: `for ${what}`, whenUnavailable: `a dry run does not guess ${what}: retry later`, passNotFound: true }));
    }),
  );
}
