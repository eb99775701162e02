import { pgTimestampRequired } from '@cec/orm';

/** A compliance_rules row as RULE_COLUMNS reads it (and as a compliance_rule_versions snapshot holds it). */
export interface RuleRow {
  id: string;
  version: number;
  code: string;
  name: string;
  description: string | null;
  citation: string | null;
  rule_type: string;
  channels: string[];
  jurisdiction: string;
  customer_id: string | null;
  parameters: Record<string, unknown>;
  is_active: boolean;
  effective_from: string | null;
  effective_to: string | null;
  preset: string | null;
  created_at: string;
  updated_at: string;
  updated_by: string | null;
}

/** What a rule says: everything but its identity, version and times. */
export interface RuleContent {
  code: string;
  name: string;
  description: string | null;
  citation: string | null;
  ruleType: string;
  channels: string[];
  /** '*', 'US' or 'US-MA'; '*' for a customer rule. */
  jurisdiction: string;
  customerId: string | null;
  /** As stored (snake_case keys). */
  parameters: Record<string, unknown>;
  effectiveFrom: string | null;
  effectiveTo: string | null;
  preset: string | null;
}

/** One version of a rule, as the store answers it: what it says, and its identity, state and times. */
export interface RuleRecord extends RuleContent {
  id: string;
  version: number;
  isActive: boolean;
  createdAt: Date;
  /** When this version was made. */
  updatedAt: Date;
  updatedBy: string | null;
}

export const RULE_COLUMNS = `r.id, r.version, r.code, r.name, r.description, r.citation, r.rule_type, r.channels, r.jurisdiction,
  r.customer_id, r.parameters, r.is_active, r.effective_from::text, r.effective_to::text, r.preset,
  r.created_at::text, r.updated_at::text, r.updated_by`;

export function ruleRecordOf(row: RuleRow): RuleRecord {
  return {
    id: row.id,
    version: Number(row.version),
    code: row.code,
    name: row.name,
    description: row.description,
    citation: row.citation,
    ruleType: row.rule_type,
    channels: row.channels,
    jurisdiction: row.jurisdiction,
    customerId: row.customer_id,
    parameters: row.parameters,
    isActive: row.is_active,
    effectiveFrom: row.effective_from,
    effectiveTo: row.effective_to,
    preset: row.preset,
    createdAt: pgTimestampRequired(row.created_at),
    updatedAt: pgTimestampRequired(row.updated_at),
    updatedBy: row.updated_by,
  };
}
