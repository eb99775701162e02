import { InvalidArgumentError, Violations } from '@cec/errors';
import type { campaignsV1 } from '@cec/proto';
import { requireUuid } from '@cec/validation';
import { checkCampaignFields, checkInvoiceIds, type CampaignFields } from '../domain/campaign';
import { anchorDueDate, campaignableInvoices, type InvoiceFacts } from '../domain/campaign-invoices';
import { PRESETS, presetByName, type CampaignPreset } from '../domain/presets';
import { templateIdsOf, validateSteps, type StepDraft } from '../domain/step';
import type { CampaignStore, NewCampaign } from '../store/campaign-store';
import { resolvePresetSteps, templatesByIds } from '../store/campaign-templates';
import { lookUpInvoices, type InvoicePeers } from './campaign-invoice-lookup';
import { stepDraftsFromProto } from './campaign-messages';

/**
 * A campaign as CreateCampaign takes it (campaign + steps, or campaign + preset), checked the one
 * way: CreateCampaign makes it, SimulateCampaign plays it through without making it.
 */

/** The request's own fields, read without I/O (their problems are in the Violations). */
export interface CampaignRequest {
  customerId: string;
  fields: CampaignFields;
  invoiceIds: string[];
  preset: CampaignPreset | undefined;
  /** The steps as the caller gave them; undefined with a preset. */
  drafts: StepDraft[] | undefined;
}

/** The campaign as it would be stored, and its invoices as the customers service vouched for them. */
export type CheckedCampaign = Omit<NewCampaign, 'start'> & { invoices: InvoiceFacts[] };

/** Reads `campaign` and `preset` (INVALID_ARGUMENT for a missing campaign); each problem of a field goes to `v`. */
export function readCampaignRequest(campaign: campaignsV1.Campaign | undefined, presetName: string, v: Violations): CampaignRequest {
  if (!campaign) throw InvalidArgumentError.field('campaign', 'is required');
  const customerId = requireUuid(v, 'campaign.customer_id', campaign.customerId);
  const fields = checkCampaignFields(v, campaign);
  const invoiceIds = checkInvoiceIds(v, campaign.invoiceIds);
  const preset = presetName ? presetByName(presetName) : undefined;
  let drafts: StepDraft[] | undefined;
  if (presetName) {
    if (!preset) v.add('preset', `no preset is named "${presetName.slice(0, 64)}": the presets are ${PRESETS.map((p) => p.name).join(', ')}`);
    if (campaign.steps.length) v.add('preset', 'give either campaign.steps or a preset, not both');
  } else {
    drafts = stepDraftsFromProto(campaign.steps, v);
  }
  return { customerId, fields, invoiceIds, preset, drafts };
}

/**
 * Checks the steps against the templates they name (with every problem already in `v`, so all are
 * named at once: INVALID_ARGUMENT), then the invoices with the customers service (NOT_FOUND,
 * FAILED_PRECONDITION) and a preset's templates (FAILED_PRECONDITION when one is not installed).
 */
export async function checkCampaign(store: CampaignStore, peers: InvoicePeers, request: CampaignRequest, v: Violations): Promise<CheckedCampaign> {
  const { customerId, fields, invoiceIds, preset, drafts } = request;
  const steps = drafts ? validateSteps(drafts, await templatesByIds(store.reader(), templateIdsOf(drafts)), v) : [];
  v.throwIfAny();

  const invoices = campaignableInvoices(customerId, invoiceIds, await lookUpInvoices(peers, customerId, invoiceIds));
  // The preset's templates resolved as auto-enrolment resolves them (store/campaign-templates.ts).
  const presetSteps = preset ? await resolvePresetSteps(store.reader(), preset) : steps;
  return {
    customerId,
    name: fields.name,
    description: fields.description,
    steps: presetSteps,
    invoiceIds,
    preset: preset?.name ?? null,
    anchorDueDate: anchorDueDate(invoices),
    invoices,
  };
}
