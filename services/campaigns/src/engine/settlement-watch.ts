import { campaignFigures } from '../domain/campaign-figures';
import type { EscalationStore } from '../store/escalation-store';
import { fetchBatchFacts, type FactsClients } from './facts';
import { invoiceFact } from './pass-facts';
import type { PassCallOptions } from './peer-calls';

const FIRST_ID = '00000000-0000-0000-0000-000000000000';

/**
 * The money arrives between steps: a campaign whose next step is weeks away must still stop when
 * its invoices are paid (or cancelled), and its waiting tasks with it. Each pass looks at the
 * next `limit` active campaigns that are not due, in id order from where the previous pass of
 * this replica stopped (wrapping around), asks the customers service for their invoices in batch
 * calls, and makes those with nothing left to owe due now: the pass then takes them like any due
 * campaign, completes them ("paid in full") and cancels their tasks, with its lease, ledger and
 * audit. An active campaign with no step left and nothing due (the engine completes a campaign
 * at its last step, but one may have been written so, e.g. imported) is made due as well, and
 * the pass completes it with what is outstanding. Replicas may look at the same campaigns;
 * making one due twice changes nothing more. A campaign the customers service could not answer
 * for is left as it is.
 */
export class SettlementWatch {
  private after = FIRST_ID;

  constructor(
    private readonly store: EscalationStore,
    private readonly clients: FactsClients,
  ) {}

  /** Looks at the next `limit` waiting campaigns; answers how many were made due. */
  async look(limit: number, options: PassCallOptions): Promise<number> {
    const campaigns = await this.store.waitingCampaigns(this.after, limit);
    this.after = campaigns.length < limit ? FIRST_ID : campaigns[campaigns.length - 1].id;
    if (!campaigns.length) return 0;
    const facts = await fetchBatchFacts(this.clients, campaigns.flatMap((c) => c.invoiceIds), [], options);
    const today = new Date().toISOString().slice(0, 10);
    const settled = campaigns.filter((c) => {
      // No step left and nothing due (a campaign written so, e.g. by an import): the pass ends it.
      if (!c.stepsLeft) return true;
      const invoices = c.invoiceIds.map((id) => facts.invoices.get(id));
      if (!invoices.length || invoices.some((i) => i === undefined)) return false;
      return campaignFigures(invoices.map((i) => invoiceFact(i as NonNullable<typeof i>)), today, null).settled;
    });
    return this.store.makeDue(settled.map((c) => c.id));
  }
}
