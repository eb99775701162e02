import type { Violations } from '@cec/errors';
import { requireUuid, text } from '@cec/validation';

/** A campaign's own fields: name, description and the invoices it chases. */

export const MAX_INVOICES = 100;

export interface CampaignFields {
  name: string;
  description: string | null;
}

/** Name (1-200 characters) and description (up to 2000). */
export function checkCampaignFields(v: Violations, input: { name: string; description: string }, field = 'campaign'): CampaignFields {
  const name = text(v, `${field}.name`, input.name, { required: true, max: 200 }) ?? '';
  const description = text(v, `${field}.description`, input.description, { max: 2000 }) ?? null;
  return { name, description };
}

/** 1-100 invoice UUIDs, each once (a repeat is a mistake worth naming), lower-cased, in request order. */
export function checkInvoiceIds(v: Violations, ids: readonly string[], field = 'campaign.invoice_ids'): string[] {
  if (ids.length === 0) {
    v.add(field, `needs 1-${MAX_INVOICES} invoice ids: the customer's unpaid invoices the campaign chases`);
    return [];
  }
  if (ids.length > MAX_INVOICES) {
    v.add(field, `takes at most ${MAX_INVOICES} invoices, got ${ids.length}`);
    return [];
  }
  const seen = new Map<string, number>();
  ids.forEach((raw, i) => {
    const id = requireUuid(v, `${field}[${i}]`, raw);
    const first = seen.get(id);
    if (first !== undefined && raw) v.add(`${field}[${i}]`, `repeats ${field}[${first}]: name each invoice once`);
    else seen.set(id, i);
  });
  return [...seen.keys()];
}
