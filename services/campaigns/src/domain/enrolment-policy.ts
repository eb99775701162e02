import type { Violations } from '@cec/errors';
import { formatAmount } from '@cec/money';
import { requireUuid } from '@cec/validation';
import { PRESETS, presetByName } from './presets';
import { checkMinimumAmounts, type MoneyInput } from './step';

/** The auto-enrolment policy: who the escalation engine puts into a campaign by itself. */

export interface EnrolmentPolicy {
  /** Off: the engine makes no campaign (steps of existing campaigns still run). */
  enabled: boolean;
  /** Currency code -> decimal string: enrol when at least this much is overdue in some currency (a currency not listed: any amount). */
  minOverdueAmounts: Record<string, string>;
  /** Only invoices at least this many days past due are enrolled. */
  minDaysOverdue: number;
  /** The preset (presets.ts) the campaigns are made from. */
  preset: string;
  /** Customers the engine never enrols (lower-case UUIDs, each once). */
  excludedCustomerIds: string[];
  updatedBy: string | null;
  updatedAt: Date;
}

export const POLICY_FIELDS = ['enabled', 'min_overdue_amounts', 'min_days_overdue', 'preset', 'excluded_customer_ids'] as const;
export type PolicyField = (typeof POLICY_FIELDS)[number];

export const MAX_MIN_DAYS_OVERDUE = 3650;
export const MAX_EXCLUDED_CUSTOMERS = 1000;

/** The policy's changeable fields, as a caller sends them (only those named in the update mask are read). */
export interface PolicyInput {
  enabled: boolean;
  minOverdueAmounts: readonly MoneyInput[];
  minDaysOverdue: number;
  preset: string;
  excludedCustomerIds: readonly string[];
}

export type PolicyChanges = Partial<Pick<EnrolmentPolicy, 'enabled' | 'minOverdueAmounts' | 'minDaysOverdue' | 'preset' | 'excludedCustomerIds'>>;

/**
 * Checks the fields in `fields` and returns them as changes; every problem goes to `v` under the
 * field's AIP name (`policy.min_overdue_amounts[1].amount`, `policy.excluded_customer_ids[0]`):
 * - min_overdue_amounts: one per ISO 4217 currency, decimal strings with at most the currency's
 *   minor digits (zero allowed: any amount), at most 20;
 * - min_days_overdue: 0-3650;
 * - preset: one of the presets;
 * - excluded_customer_ids: UUIDs, each once, at most 1000 (stored lower-case).
 */
export function checkPolicyChanges(v: Violations, input: PolicyInput, fields: ReadonlySet<PolicyField>, field = 'policy'): PolicyChanges {
  const changes: PolicyChanges = {};
  if (fields.has('enabled')) changes.enabled = input.enabled;
  if (fields.has('min_overdue_amounts')) {
    const minimums = checkMinimumAmounts(v, `${field}.min_overdue_amounts`, input.minOverdueAmounts);
    // Kept with the currency's minor digits ("100" USD -> "100.00"), sorted by currency.
    changes.minOverdueAmounts = sortedByKey(Object.fromEntries(Object.entries(minimums).map(([code, amount]) => [code, formatAmount(amount, code)])));
  }
  if (fields.has('min_days_overdue')) {
    const days = input.minDaysOverdue;
    if (!Number.isInteger(days) || days < 0 || days > MAX_MIN_DAYS_OVERDUE) v.add(`${field}.min_days_overdue`, `must be from 0 to ${MAX_MIN_DAYS_OVERDUE}, got ${days}`);
    else changes.minDaysOverdue = days;
  }
  if (fields.has('preset')) {
    if (!input.preset) v.add(`${field}.preset`, `is required: one of ${PRESETS.map((p) => p.name).join(', ')}`);
    else if (!presetByName(input.preset)) v.add(`${field}.preset`, `no preset is named "${input.preset.slice(0, 64)}": the presets are ${PRESETS.map((p) => p.name).join(', ')}`);
    else changes.preset = input.preset;
  }
  if (fields.has('excluded_customer_ids')) changes.excludedCustomerIds = checkExcluded(v, `${field}.excluded_customer_ids`, input.excludedCustomerIds);
  return changes;
}

function checkExcluded(v: Violations, field: string, ids: readonly string[]): string[] {
  if (ids.length > MAX_EXCLUDED_CUSTOMERS) {
    v.add(field, `takes at most ${MAX_EXCLUDED_CUSTOMERS} customer ids, got ${ids.length}`);
    return [];
  }
  const seen = new Map<string, number>();
  ids.forEach((raw, i) => {
    const id = requireUuid(v, `${field}[${i}]`, raw);
    const first = seen.get(id);
    if (first !== undefined && raw) v.add(`${field}[${i}]`, `repeats ${field}[${first}]: name each customer once`);
    else seen.set(id, i);
  });
  return [...seen.keys()];
}

/** What changes between `before` and `changes` (field -> {before, after}), for the audit trail; empty when nothing does. */
export function policyDiff(before: EnrolmentPolicy, changes: PolicyChanges): Record<string, { before: unknown; after: unknown }> {
  const diff: Record<string, { before: unknown; after: unknown }> = {};
  const note = (name: PolicyField, was: unknown, now: unknown): void => {
    if (now !== undefined && JSON.stringify(was) !== JSON.stringify(now)) diff[name] = { before: was, after: now };
  };
  note('enabled', before.enabled, changes.enabled);
  note('min_overdue_amounts', sortedByKey(before.minOverdueAmounts), changes.minOverdueAmounts);
  note('min_days_overdue', before.minDaysOverdue, changes.minDaysOverdue);
  note('preset', before.preset, changes.preset);
  note('excluded_customer_ids', before.excludedCustomerIds, changes.excludedCustomerIds);
  return diff;
}

function sortedByKey(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
