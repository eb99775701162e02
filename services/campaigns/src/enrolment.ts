import type { Actor, CallContext } from '@cec/context';
import { DeadlineExceededError, FailedPreconditionError } from '@cec/errors';
import { todayUtc } from '@cec/validation';
import type { CampaignsDeps } from './campaigns-config';
import { anchorDueDate, campaignableInvoices } from './domain/campaign-invoices';
import { enrolmentDescription, enrolmentName, enrolmentsDue, type Enrolment, type OverdueInvoice } from './domain/enrolment';
import { presetByName } from './domain/presets';
import type { EscalationStep } from './domain/step';
import { invoicesToday, overdueInvoicePages } from './rpc/enrolment-messages';
import { CampaignStore } from './store/campaign-store';
import { resolvePresetSteps } from './store/campaign-templates';
import { EnrolmentStore } from './store/enrolment-store';

/** What auto-enrolment did in one pass. */
export interface EnrolmentResult {
  /** Campaigns made (and started) from the policy's preset. */
  enrolled: number;
  /**
   * Customers another replica enrolled first (the same request id), or whose invoices another
   * campaign started on meanwhile (the running-campaign index): nothing made, nothing wrong.
   */
  lost: number;
  /** Customers not enrolled this pass because of a problem of their own (logged); tried again at the next pass. */
  failed: number;
  /** Customers not enrolled because the preset's templates are not installed (logged once per pass). */
  waitingForTemplates: number;
}

/** Who auto-enrolment's campaigns are created by (campaigns.created_by, the audit trail's actor). */
export const ENGINE_ACTOR: Actor = Object.freeze({ type: 'system', id: 'escalation-engine' });

/** Campaigns created at once (each is one transaction of its own). */
const CONCURRENCY = 4;
/** Invoices read back from the customers service in one BatchGetInvoices before their campaigns are made. */
const BATCH_INVOICES = 1000;

/**
 * Auto-enrolment, the first part of every pass. With the policy on:
 * 1. the overdue invoices at least min_days_overdue past due, a page (1000) at a time from the
 *    customers service (ListOverdueInvoices); the invoices that ever had a campaign (a row in
 *    campaign_invoices, running or not) are dropped, one query per page, as are excluded customers;
 * 2. per customer, the rest, when its overdue amount on them meets the policy's minimum in some
 *    currency (domain/enrolment.ts);
 * 3. the preset's steps, resolved once per pass as CreateCampaign resolves them; templates not
 *    installed: logged once, nobody enrolled;
 * 4. in batches of up to 1000 invoices, the invoices as they are now (BatchGetInvoices), checked
 *    as CreateCampaign checks them, then one campaign per customer created and started through
 *    CampaignStore (createOnce, the invoice locks, the running-campaign index, the audit events)
 *    by system:escalation-engine, with a request id made of the customer and its invoice ids.
 * Two replicas enrolling at once make one campaign per customer: the same request id finds the
 * first, and the running-campaign index refuses a second running campaign for an invoice; the
 * loser counts it as lost. A customer's failure is logged and counted and never stops the others.
 * Throws only when nothing can be done: the policy cannot be read, or the customers service
 * cannot list the overdue invoices (UNAVAILABLE, DEADLINE_EXCEEDED): nobody is enrolled then.
 * When the pass's deadline passes while campaigns are made, the rest wait for the next pass.
 */
export async function runEnrolment(deps: CampaignsDeps, call: CallContext): Promise<EnrolmentResult> {
  const result: EnrolmentResult = { enrolled: 0, lost: 0, failed: 0, waitingForTemplates: 0 };
  const policy = await new EnrolmentStore(deps.orm).policy();
  if (!policy.enabled) return result;
  const log = deps.logger.child({ component: 'enrolment', request_id: call.requestId });
  const preset = presetByName(policy.preset);
  if (!preset) {
    // UpdateEnrolmentPolicy accepts known presets only; a preset removed from the code since is reported here.
    log.warn({ preset: policy.preset }, 'auto-enrolment: the policy names a preset that does not exist; nobody is enrolled until the policy is updated');
    return result;
  }

  const chasedBefore = new EnrolmentStore(deps.orm);
  const overdue: OverdueInvoice[] = [];
  const chased = new Set<string>();
  const excluded = new Set(policy.excludedCustomerIds);
  for await (const page of overdueInvoicePages(deps.clients.invoices, policy.minDaysOverdue, call)) {
    const kept = page.filter((i) => !excluded.has(i.customerId));
    for (const id of await chasedBefore.invoicesEverChased(kept.map((i) => i.id))) chased.add(id);
    overdue.push(...kept);
  }
  const due = enrolmentsDue(policy, overdue, chased, todayUtc());
  if (!due.length) return result;

  let steps: EscalationStep[];
  const store = new CampaignStore(deps.orm);
  try {
    steps = await resolvePresetSteps(store.reader(), preset);
  } catch (error) {
    if (!(error instanceof FailedPreconditionError)) throw error;
    result.waitingForTemplates = due.length;
    log.warn({ preset: preset.name, customers: due.length, reason: error.message }, 'auto-enrolment: the preset needs templates that are not installed; these customers are enrolled once they are');
    return result;
  }

  const engineCall = asEngine(call);
  for (const batch of batches(due)) {
    if (isOver(call)) break;
    const today = await invoicesToday(deps.clients.invoices, batch.flatMap((e) => e.invoices.map((i) => i.id)), call);
    await eachAtMost(CONCURRENCY, batch, async (enrolment) => {
      if (isOver(call)) return;
      let invoicesChecked = false;
      const ids = enrolment.invoices.map((i) => i.id);
      const at = { customer_id: enrolment.customerId, invoice_ids: ids };
      try {
        // As CreateCampaign checks them: still the customer's and unpaid (one paid since the
        // listing: this customer waits for the next pass, which lists what is still overdue).
        const invoices = campaignableInvoices(enrolment.customerId, ids, today);
        invoicesChecked = true;
        const { created } = await store.createReporting(
          {
            customerId: enrolment.customerId,
            name: enrolmentName(preset.name, enrolment),
            description: enrolmentDescription(enrolment, policy.minDaysOverdue),
            steps,
            invoiceIds: ids,
            preset: preset.name,
            anchorDueDate: anchorDueDate(invoices),
            start: true,
          },
          enrolment.requestId,
          engineCall,
        );
        if (created) result.enrolled += 1;
        else result.lost += 1;
      } catch (error) {
        if (error instanceof DeadlineExceededError || isOver(call)) {
          result.failed += 1;
        } else if (error instanceof FailedPreconditionError && invoicesChecked) {
          // The only refusal of the create itself: an invoice has a running campaign now (another
          // replica's enrolment with other invoices, or a person's campaign): nothing made here.
          result.lost += 1;
          log.debug({ ...at, reason: error.message }, 'auto-enrolment: another campaign took these invoices first');
        } else {
          result.failed += 1;
          log.warn({ ...at, reason: (error as Error)?.message }, 'auto-enrolment: this customer was not enrolled; it is tried again at the next pass');
        }
      }
    });
  }
  if (isOver(call)) log.info({ enrolled: result.enrolled }, 'auto-enrolment: the pass ran out of time; the remaining customers are enrolled at a later pass');
  if (result.enrolled || result.lost || result.failed) log.info({ ...result }, 'auto-enrolment pass done');
  return result;
}

/** Enrolments in batches of at most BATCH_INVOICES invoices (an enrolment has at most 100). */
function* batches(due: readonly Enrolment[]): Generator<Enrolment[]> {
  let batch: Enrolment[] = [];
  let size = 0;
  for (const enrolment of due) {
    if (size + enrolment.invoices.length > BATCH_INVOICES && batch.length) {
      yield batch;
      batch = [];
      size = 0;
    }
    batch.push(enrolment);
    size += enrolment.invoices.length;
  }
  if (batch.length) yield batch;
}

/** Runs `work` on every item, at most `limit` at a time. */
async function eachAtMost<T>(limit: number, items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next];
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function isOver(call: CallContext): boolean {
  return (call.deadline !== undefined && call.deadline.getTime() <= Date.now()) || call.signal?.aborted === true;
}

/**
 * The pass's context with the engine as the actor: the same request id, deadline and
 * cancellation (watch/unwatch and the signal are the pass's own, not copies).
 */
function asEngine(call: CallContext): CallContext {
  return {
    actor: ENGINE_ACTOR,
    requestId: call.requestId,
    deadline: call.deadline,
    get signal() {
      return call.signal;
    },
    ...(call.watch ? { watch: (work) => (call.watch as NonNullable<CallContext['watch']>).call(call, work) } : {}),
    ...(call.unwatch ? { unwatch: (work) => (call.unwatch as NonNullable<CallContext['unwatch']>).call(call, work) } : {}),
  };
}
