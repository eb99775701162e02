import { Violations } from '@cec/errors';
import type { customersV1 } from '@cec/proto';
import { riskLevels, invoiceStatuses } from '../rpc/enums';
import type { ClaimedCampaign } from '../store/escalation-store';
import type { CampaignFacts, CustomerFact, InvoiceFact } from './decide';
import type { BatchFacts } from './facts';

/** A campaign's facts out of the batch's answers, or why they are missing (the campaign is then tried again later). */
export function campaignFactsOf(campaign: ClaimedCampaign, facts: BatchFacts): CampaignFacts | { missing: string } {
  const problems = [campaign.customerId, ...campaign.invoiceIds].flatMap((id) => {
    const why = facts.missing.get(id);
    return why ? [`${id === campaign.customerId ? 'customer' : 'invoice'} ${id}: ${why}`] : [];
  });
  if (problems.length) return { missing: problems.join('; ') };
  const profile = facts.profiles.get(campaign.customerId);
  if (!profile) return { missing: `customer ${campaign.customerId}: no contact profile` };
  return {
    customer: customerFact(profile),
    invoices: campaign.invoiceIds.map((id) => invoiceFact(facts.invoices.get(id) as customersV1.Invoice)),
  };
}

function customerFact(p: customersV1.ContactProfile): CustomerFact {
  return {
    companyName: p.companyName,
    contactName: p.contactName,
    email: p.email,
    phone: p.phone,
    timeZone: p.timeZone,
    countryCode: p.countryCode,
    riskLevel: riskLevels.optional(p.riskLevel, new Violations(), 'risk_level', 'risk level') ?? null,
  };
}

export function invoiceFact(i: customersV1.Invoice): InvoiceFact {
  return {
    id: i.id,
    // Every status the customers service answers is known; UNSPECIFIED would be its bug.
    status: invoiceStatuses.from(i.status, new Violations(), 'status', 'invoice status') ?? 'cancelled',
    dueDate: i.dueDate,
    balance: i.balance?.amount || '0',
    currency: i.balance?.currencyCode || i.amount?.currencyCode || '',
    invoiceNumber: i.invoiceNumber,
    amount: i.amount?.amount || '0',
    amountPaid: i.amountPaid?.amount || '0',
  };
}
