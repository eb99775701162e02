import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { currentCall, runInCall, systemCall, type CallContext } from '@cec/context';
import { describeCallFailure } from '@cec/grpc';
import type { Logger, ServiceMetrics } from '@cec/observability';
import { repeatEvery, type BackgroundWork } from '@cec/service-runtime';
import type { CampaignsDeps } from './campaigns-config';
import type { CampaignFigures } from './domain/campaign-figures';
import { runEnrolment } from './enrolment';
import { checkContacts, type CheckedContact } from './engine/compliance-checks';
import { stepCommit } from './engine/commit';
import { afterVerdict, firstMove, utcDay, type CampaignFacts, type DecideContext, type PendingCheck, type StepResult } from './engine/decide';
import { fetchBatchFacts } from './engine/facts';
import { campaignFactsOf } from './engine/pass-facts';
import type { PassCallOptions } from './engine/peer-calls';
import { OptOutWatch } from './engine/opt-out-watch';
import { SettlementWatch } from './engine/settlement-watch';
import { commitSteps, type StepCommit } from './store/escalation-commit';
import { EscalationStore, type ClaimedCampaign } from './store/escalation-store';

/** What one pass did (escalation.campaigns.v1.PassSummary, duration aside). */
export interface PassCounts {
  campaignsExamined: number;
  tasksCreated: number;
  stepsDeferred: number;
  stepsRefused: number;
  stepsFellBack: number;
  stepsSkipped: number;
  tasksWithoutContact: number;
  campaignsCompleted: number;
  campaignsEnrolled: number;
  campaignsRetriedLater: number;
  /** Pending contact tasks cancelled: the customer opted out of the channel (or is do-not-contact) after the ALLOW. */
  tasksCancelledByOptOut: number;
}

export interface PassResult extends PassCounts {
  durationMs: number;
  /** Campaigns whose step outcome was committed. */
  committed: number;
}

export interface PassOptions {
  /** At most this many campaigns with a step due, taken in batches of ENGINE_BATCH_SIZE. */
  maxCampaigns: number;
  skipEnrolment: boolean;
  /** Do not run the settlement and opt-out watches (the loop's further passes draining a backlog: the first looked already). */
  skipWatches?: boolean;
}

/** What the engine is built from (the service's deps, or a test's). */
export interface EngineDeps {
  orm: MikroORM;
  logger: Logger;
  metrics: ServiceMetrics;
  clients: Pick<CampaignsDeps['clients'], 'customers' | 'invoices' | 'compliance' | 'optOuts'>;
  settings: Pick<CampaignsDeps['settings'], 'ENGINE_BATCH_SIZE' | 'ENGINE_BATCHES_IN_FLIGHT' | 'ENGINE_LEASE_MS' | 'SENDER_COMPANY' | 'PAYMENT_LINK_BASE'>;
  /** Auto-enrolment, run first in a pass. */
  enrol(call: CallContext): Promise<{ enrolled: number }>;
  /** Tests: runs just before a batch's commit (throw to play a pass that dies before it commits). */
  beforeCommit?(commits: readonly StepCommit[]): Promise<void>;
}

const emptyCounts = (): PassCounts => ({
  campaignsExamined: 0,
  tasksCreated: 0,
  stepsDeferred: 0,
  stepsRefused: 0,
  stepsFellBack: 0,
  stepsSkipped: 0,
  tasksWithoutContact: 0,
  campaignsCompleted: 0,
  campaignsEnrolled: 0,
  campaignsRetriedLater: 0,
  tasksCancelledByOptOut: 0,
});

/** A campaign of the batch on its way through the pass. */
interface Work {
  campaign: ClaimedCampaign;
  facts: CampaignFacts;
  figures: CampaignFigures;
  anchorDueDate: string;
  primary?: { check: PendingCheck; answer?: CheckedContact };
  fallback?: { check: PendingCheck; answer?: CheckedContact };
  result?: StepResult;
}

/**
 * The escalation engine's pass: claim a batch of campaigns with a step due (a lease, no lock
 * held), fetch what the customers service says of all of them in batch calls, decide each
 * step (domain/escalation-plan), ask compliance about every contact of the batch in one
 * BatchCheckContacts (and a second for the fallbacks of refused ones), and commit every outcome
 * in one transaction. Everything before the commit is a read or a request repeated with the
 * same request id (the campaign's run keys), so a pass that dies at any point leaves nothing
 * half done: the next pass that takes the campaign (once the lease runs out) asks again, gets
 * the same decisions and creates each task once. A service that does not answer leaves its
 * campaigns for a later pass (fail closed: nothing is created without a decision).
 */
export class EscalationEngine {
  private readonly store: EscalationStore;
  private readonly meters: EngineMetrics;
  private readonly settlements: SettlementWatch;
  private readonly optOuts: OptOutWatch;

  constructor(private readonly deps: EngineDeps) {
    this.store = new EscalationStore(deps.orm);
    this.meters = engineMetrics(deps.metrics.registry, this.store);
    this.settlements = new SettlementWatch(this.store, deps.clients);
    this.optOuts = new OptOutWatch(deps.orm, this.store, deps.clients.optOuts);
  }

  /** One pass: enrolment and the watches (unless skipped), then up to maxCampaigns due steps in batches. */
  async runPass(call: CallContext, options: PassOptions): Promise<PassResult> {
    const started = Date.now();
    const run = async (): Promise<PassResult> => {
      const counts = emptyCounts();
      let committed = 0;
      if (!options.skipEnrolment) {
        try {
          counts.campaignsEnrolled = (await this.deps.enrol(call)).enrolled;
        } catch (error) {
          this.deps.logger.warn({ request_id: call.requestId, err: { message: (error as Error).message } }, 'auto-enrolment failed; the due steps run anyway');
        }
      }
      const batchSize = this.deps.settings.ENGINE_BATCH_SIZE;
      if (!options.skipWatches) {
        await this.watchSettlements(call, batchSize);
        counts.tasksCancelledByOptOut = await this.watchOptOuts(call, batchSize);
      }
      // ENGINE_BATCHES_IN_FLIGHT workers take batches until maxCampaigns are taken, a batch finds
      // fewer due campaigns than it asked for, or one commits nothing (a peer down: the next
      // pass tries again). Their claims are disjoint (each batch has its own lease owner).
      let left = options.maxCampaigns;
      let more = true;
      const worker = async (): Promise<void> => {
        while (more && left > 0) {
          // Out of time (a peer that hung used it up): nothing more is claimed; a later pass goes on.
          if (call.deadline && call.deadline.getTime() <= Date.now()) break;
          const limit = Math.min(batchSize, left);
          left -= limit;
          const batch = await this.runBatch(call, limit, counts);
          committed += batch.committed;
          left += limit - batch.claimed;
          if (batch.claimed < limit || batch.committed === 0) more = false;
        }
      };
      await Promise.all(Array.from({ length: this.deps.settings.ENGINE_BATCHES_IN_FLIGHT }, worker));
      return { ...counts, committed, durationMs: Date.now() - started };
    };
    try {
      return currentCall() === call ? await run() : await runInCall(call, run);
    } finally {
      this.meters.duration.observe((Date.now() - started) / 1000);
    }
  }

  /**
   * The calls of a watch (settlements, opt-outs) end within a quarter of what is left of the
   * pass's time (its deadline, or half the lease): a peer that hangs cannot use up the time of
   * the due steps that follow.
   */
  private watchCallOptions(call: CallContext): PassCallOptions {
    const now = Date.now();
    const end = Math.min(call.deadline?.getTime() ?? Infinity, now + this.deps.settings.ENGINE_LEASE_MS / 2);
    return { deadline: new Date(now + Math.max(0, end - now) / 4), requestId: call.requestId };
  }

  /** Campaigns paid (or cancelled) in full between steps are made due, so this pass completes them. */
  private async watchSettlements(call: CallContext, limit: number): Promise<void> {
    try {
      const due = await this.settlements.look(limit, this.watchCallOptions(call));
      if (due) this.deps.logger.info({ request_id: call.requestId, campaigns: due }, 'campaigns with nothing left to owe or no step left: completed in this pass');
    } catch (error) {
      this.deps.logger.warn({ request_id: call.requestId, err: { message: (error as Error).message } }, 'could not look for settled campaigns; a later pass looks again');
    }
  }

  /** Pending contact tasks on a channel the customer opted out of (or do-not-contact) since the ALLOW are cancelled. */
  private async watchOptOuts(call: CallContext, limit: number): Promise<number> {
    try {
      const look = await this.optOuts.look(call, limit, this.watchCallOptions(call));
      if (look.unanswered) {
        this.deps.logger.warn({ request_id: call.requestId, customers: look.unanswered, reason: look.failure }, 'compliance did not answer for the opt-outs of customers with pending contact tasks; a later pass looks again');
      }
      if (look.cancelled) {
        this.meters.cancelled.inc({ reason: 'opt_out' }, look.cancelled);
        this.deps.logger.info({ request_id: call.requestId, tasks: look.cancelled }, 'pending contact tasks cancelled: opted out (or do-not-contact) after the decision');
      }
      return look.cancelled;
    } catch (error) {
      this.deps.logger.warn({ request_id: call.requestId, err: { message: (error as Error).message } }, 'could not look for opt-outs of pending contact tasks; a later pass looks again');
      return 0;
    }
  }

  private async runBatch(call: CallContext, limit: number, counts: PassCounts): Promise<{ claimed: number; committed: number }> {
    const owner = randomUUID();
    const leaseMs = this.deps.settings.ENGINE_LEASE_MS;
    const now = new Date();
    // Every call of the batch ends before the lease does: a commit after it would find the lease taken.
    const deadline = new Date(Math.min(call.deadline?.getTime() ?? Infinity, now.getTime() + leaseMs / 2));
    const peer: PassCallOptions = { deadline, requestId: call.requestId };
    const claimed = await this.store.claim(owner, limit, leaseMs);
    counts.campaignsExamined += claimed.length;
    if (!claimed.length) return { claimed: 0, committed: 0 };

    const later = new Map<string, string>();
    const retryLater = (id: string, why: string) => later.set(id, why);
    let committed = 0;
    try {
      const facts = await fetchBatchFacts(
        this.deps.clients,
        claimed.flatMap((c) => c.invoiceIds),
        claimed.map((c) => c.customerId),
        peer,
      );
      const templates = await this.store.templates(claimed.flatMap((c) => [c.steps[c.currentStep]?.template ?? null, c.steps[c.currentStep]?.fallback?.template ?? null]));
      const ctx: DecideContext = {
        now,
        today: utcDay(now),
        settings: { senderCompany: this.deps.settings.SENDER_COMPANY, paymentLinkBase: this.deps.settings.PAYMENT_LINK_BASE },
        templates,
      };

      const works: Work[] = [];
      for (const campaign of claimed) {
        const campaignFacts = campaignFactsOf(campaign, facts);
        if ('missing' in campaignFacts) {
          retryLater(campaign.id, campaignFacts.missing);
          continue;
        }
        const first = firstMove(campaign, campaignFacts, ctx);
        const work: Work = { campaign, facts: campaignFacts, figures: first.figures, anchorDueDate: first.anchorDueDate };
        if (first.decision.kind === 'final') work.result = first.decision.result;
        else work.primary = { check: first.decision.check };
        works.push(work);
      }

      // Round 1: every contact of the batch; round 2: the fallbacks of the refused ones.
      await this.ask(works, 'primary', peer, retryLater, ctx);
      await this.ask(works, 'fallback', peer, retryLater, ctx);

      const commits = works.filter((w) => w.result && !later.has(w.campaign.id)).map((w) => ({ work: w, commit: stepCommit(w.campaign, w.figures, w.anchorDueDate, w.result as StepResult, { now, actor: call.actor, requestId: call.requestId }) }));
      if (commits.length) {
        await this.deps.beforeCommit?.(commits.map((c) => c.commit));
        const done = await this.commit(call, owner, commits.map((c) => c.commit), counts);
        for (const { work } of commits) {
          if (!done.has(work.campaign.id)) continue;
          committed += 1;
          this.count(work, counts);
        }
      }
    } catch (error) {
      // Nothing was committed for the campaigns not committed yet: they are all tried again.
      for (const c of claimed) retryLater(c.id, describeCallFailure(error));
      this.deps.logger.warn({ request_id: call.requestId, campaigns: claimed.length, err: { message: (error as Error).message } }, 'escalation batch failed; its campaigns are tried again in a later pass');
    } finally {
      await this.giveBack(owner, later, call, counts);
    }
    return { claimed: claimed.length, committed };
  }

  /** One round of compliance checks: the primary channels, or the fallbacks. */
  private async ask(works: Work[], round: 'primary' | 'fallback', peer: PassCallOptions, retryLater: (id: string, why: string) => void, ctx: DecideContext): Promise<void> {
    const asking = works.filter((w) => !w.result && w[round] && !w[round]?.answer);
    if (!asking.length) return;
    const answers = await checkContacts(
      this.deps.clients.compliance,
      asking.map((w) => {
        const { check } = w[round] as { check: PendingCheck };
        return {
          customerId: w.campaign.customerId,
          channel: check.channel,
          proposedTime: check.proposedTime,
          requestId: round === 'primary' ? w.campaign.runKey : w.campaign.fallbackRunKey,
        };
      }),
      peer,
    );
    asking.forEach((w, i) => {
      const answer = answers[i];
      if (!answer.ok) {
        retryLater(w.campaign.id, `compliance: ${describeCallFailure(answer.error)}`);
        w.result = undefined;
        w.primary = undefined;
        return;
      }
      (w[round] as { answer?: CheckedContact }).answer = answer.value;
      const primary = w.primary as { check: PendingCheck; answer: CheckedContact };
      const fallback = round === 'fallback' ? (w.fallback as { check: PendingCheck; answer: CheckedContact }) : undefined;
      const decision = afterVerdict(w.campaign, w.figures, w.facts, ctx, primary, fallback);
      if (decision.kind === 'final') w.result = decision.result;
      else if (round === 'primary') w.fallback = { check: decision.check };
      else retryLater(w.campaign.id, 'compliance asked about a fallback twice');
    });
  }

  /**
   * The batch's commit, in one transaction. When it fails, each campaign is committed alone, so
   * one bad campaign (a constraint it breaks) does not hold back the others; a campaign that
   * still fails keeps its lease until it runs out (a backoff) and is logged.
   */
  private async commit(call: CallContext, owner: string, commits: StepCommit[], counts: PassCounts): Promise<Set<string>> {
    try {
      return (await commitSteps(this.deps.orm, call, owner, commits)).committed;
    } catch (error) {
      if (commits.length === 1) {
        this.commitFailed(call, commits[0], error, counts);
        return new Set();
      }
      this.deps.logger.warn({ request_id: call.requestId, campaigns: commits.length, err: { message: (error as Error).message } }, 'escalation batch commit failed; committing its campaigns one by one');
    }
    const done = new Set<string>();
    for (const commit of commits) {
      try {
        if ((await commitSteps(this.deps.orm, call, owner, [commit])).committed.size) done.add(commit.campaignId);
      } catch (error) {
        this.commitFailed(call, commit, error, counts);
      }
    }
    return done;
  }

  private commitFailed(call: CallContext, commit: StepCommit, error: unknown, counts: PassCounts): void {
    counts.campaignsRetriedLater += 1;
    this.meters.steps.inc({ outcome: 'retried_later' });
    this.deps.logger.error(
      { request_id: call.requestId, campaign_id: commit.campaignId, step_index: commit.expectedStep, err: { message: (error as Error).message } },
      'the step outcome of a campaign could not be committed; it is tried again once its engine lease runs out',
    );
  }

  /** Campaigns left for a later pass: their lease is given up, nothing else changes. */
  private async giveBack(owner: string, later: Map<string, string>, call: CallContext, counts: PassCounts): Promise<void> {
    if (!later.size) return;
    counts.campaignsRetriedLater += later.size;
    this.meters.steps.inc({ outcome: 'retried_later' }, later.size);
    const reasons = [...new Set(later.values())].slice(0, 5);
    this.deps.logger.warn({ request_id: call.requestId, campaigns: later.size, campaign_ids: [...later.keys()].slice(0, 20), reasons }, 'campaigns left for a later pass');
    try {
      // A clean-up, not part of the call: it also runs when the pass's deadline passed (a peer
      // that hung used it up), under a few seconds of its own, so the campaigns are free at once.
      await runInCall(systemCall('campaigns.escalation_engine', call.requestId, { deadline: new Date(Date.now() + 5_000) }), () => this.store.release(owner, [...later.keys()]));
    } catch (error) {
      this.deps.logger.warn({ request_id: call.requestId, err: { message: (error as Error).message } }, 'could not give up the engine leases; they run out by themselves');
    }
  }

  private count(work: Work, counts: PassCounts): void {
    const result = work.result as StepResult;
    const outcome = result.kind === 'taken' ? result.outcome : result.kind === 'complete' ? null : result.kind;
    if (result.kind === 'taken' && result.outcome === 'task_created') {
      if (result.task.channel === null) counts.tasksWithoutContact += 1;
      else counts.tasksCreated += 1;
    }
    if (result.kind === 'taken' && result.outcome === 'fell_back') counts.stepsFellBack += 1;
    if (result.kind === 'deferred') counts.stepsDeferred += 1;
    if (result.kind === 'refused') counts.stepsRefused += 1;
    if (result.kind === 'skipped') counts.stepsSkipped += 1;
    if (outcome) this.meters.steps.inc({ outcome });
    const completes = result.kind === 'complete' || (result.kind !== 'deferred' && work.campaign.currentStep + 1 >= work.campaign.steps.length);
    if (completes) {
      counts.campaignsCompleted += 1;
      this.meters.steps.inc({ outcome: 'completed' });
    }
  }
}

interface EngineMetrics {
  steps: Counter<'outcome'>;
  cancelled: Counter<'reason'>;
  duration: Histogram;
}

const METRICS = new WeakMap<Registry, EngineMetrics>();

/** The engine's metrics, registered once per registry (the RPC and the loop share them). */
function engineMetrics(registry: Registry, store: EscalationStore): EngineMetrics {
  const known = METRICS.get(registry);
  if (known) return known;
  const meters: EngineMetrics = {
    steps: new Counter({
      name: 'campaigns_engine_steps_total',
      help: 'Due steps the escalation engine handled, by outcome (task_created, fell_back, deferred, refused, skipped, completed, retried_later).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    cancelled: new Counter({
      name: 'campaigns_engine_tasks_cancelled_total',
      help: 'Pending tasks the escalation engine cancelled outside a step, by reason (opt_out: the customer opted out of the channel, or is do-not-contact, after the ALLOW).',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'campaigns_engine_pass_duration_seconds',
      help: 'How long an escalation pass took (enrolment, then every batch of due steps).',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
  };
  new Gauge({
    name: 'campaigns_engine_lag_seconds',
    help: 'Now minus the oldest due next_step_at of an active campaign (0: nothing is waiting).',
    registers: [registry],
    async collect() {
      this.set(await store.lagSeconds());
    },
  });
  METRICS.set(registry, meters);
  return meters;
}

const ENGINES = new WeakMap<MikroORM, EscalationEngine>();

/** The service's engine (one per service instance, known by its ORM: the RPC and the background loop share it). */
export function escalationEngine(deps: CampaignsDeps): EscalationEngine {
  let engine = ENGINES.get(deps.orm);
  if (!engine) {
    engine = new EscalationEngine({ ...deps, enrol: (call) => runEnrolment(deps, call) });
    ENGINES.set(deps.orm, engine);
  }
  return engine;
}

/**
 * The engine's loop: every `intervalMs` (0: never; tests drive passes by RPC), a pass of
 * `batchesInFlight` batches at once with auto-enrolment, then more passes right away while each
 * found full batches and committed something (a backlog drains without waiting for the interval). Safe in every
 * replica at once (the claims are disjoint). Each pass has a deadline of half the lease, passed
 * to every call it makes; stop() waits for the pass in progress and starts no other.
 */
export function startEscalationLoop(engine: EscalationEngine, options: { intervalMs: number; batchSize: number; batchesInFlight: number; leaseMs: number; logger: Logger }): BackgroundWork {
  const { intervalMs, leaseMs, logger } = options;
  const perPass = options.batchSize * options.batchesInFlight;
  let stopped = false;
  const tick = async (): Promise<void> => {
    for (let round = 0; !stopped; round += 1) {
      const requestId = `escalation-pass-${randomUUID()}`;
      const call = systemCall('campaigns.escalation_engine', requestId, { deadline: new Date(Date.now() + leaseMs / 2) });
      try {
        const pass = await engine.runPass(call, { maxCampaigns: perPass, skipEnrolment: round > 0, skipWatches: round > 0 });
        if (pass.committed || pass.campaignsEnrolled) logger.info({ request_id: requestId, ...pass }, 'escalation pass');
        if (pass.campaignsExamined < perPass || pass.committed === 0) break;
      } catch (error) {
        logger.warn({ request_id: requestId, err: { message: (error as Error).message } }, 'escalation pass failed; it runs again at the next interval');
        break;
      }
    }
  };
  const loop = repeatEvery(intervalMs, tick);
  return {
    stop: async () => {
      stopped = true;
      await loop.stop();
    },
  };
}
