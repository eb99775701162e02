import type { CallContext } from '@cec/context';
import type { CampaignsDeps } from './campaigns-config';

/** What auto-enrolment did in one pass. */
export interface EnrolmentResult {
  /** Campaigns made (and started) from the policy's preset. */
  enrolled: number;
}

// PLACEHOLDER: replaced by auto-enrolment (the enrolment policy, overdue invoices from customers,
// one running campaign per invoice held by campaign_invoices' unique index).
export async function runEnrolment(_deps: CampaignsDeps, _call: CallContext): Promise<EnrolmentResult> {
  return { enrolled: 0 };
}
