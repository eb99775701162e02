/** Rows of the reporting views and report_* functions (migration 014) as sql() returns them: numerics and bigints as strings, times as text. */

export interface AgentPerformanceRow {
  agent_id: string;
  agent_name: string;
  agent_type: string;
  agent_status: string;
  total_tasks: string;
  completed_tasks: string;
  failed_tasks: string;
  active_tasks: string;
  success_rate: string | null;
  avg_task_seconds: string | null;
  contact_attempts: string;
  successful_contacts: string;
  responses: string;
  response_rate: string | null;
  avg_call_seconds: string | null;
  last_activity_at: string | null;
}

export interface CampaignEffectivenessRow {
  campaign_id: string;
  campaign_name: string;
  status: string;
  customer_id: string;
  company_name: string;
  current_step: number;
  total_steps: number;
  started_at: string | null;
  completed_at: string | null;
  total_tasks: string;
  completed_tasks: string;
  failed_tasks: string;
  contact_attempts: string;
  successful_contacts: string;
  responses: string;
  response_rate: string | null;
}

export interface CampaignRecoveryRow {
  campaign_id: string;
  currency: string;
  invoices: string;
  invoiced: string;
  outstanding: string;
  recovered_since_start: string;
}

export interface AgingRow {
  currency: string;
  aging_bucket: string;
  invoices: string;
  balance: string;
}

export interface CommunicationRow {
  contact_attempt_id: string;
  customer_id: string;
  company_name: string;
  contact_name: string | null;
  channel: string;
  status: string;
  attempted_at: string;
  duration: number | null;
  outcome: string | null;
  metadata: Record<string, unknown>;
  template_id: string | null;
  template_name: string | null;
  agent_id: string | null;
  agent_name: string | null;
  campaign_id: string | null;
  campaign_name: string | null;
  task_id: string | null;
}

export interface ReceivablesSummaryRow {
  currency: string;
  days_in_period: number;
  beginning_receivables: string;
  credit_sales: string;
  ending_receivables: string;
  ending_current: string;
  ending_overdue: string;
  ending_over_90: string;
  collected: string;
  dso_days: string | null;
  cei_percent: string | null;
  at_risk_percent: string | null;
}

export interface ContactOutcomesRow {
  channel: string;
  attempts: string;
  sent: string;
  delivered: string;
  opened: string;
  answered: string;
  replied: string;
  bounced: string;
  failed: string;
  reached: string;
  responded: string;
}

export interface StepRecoveryRow {
  step_number: number;
  steps_taken: string;
  currency: string | null;
  payments: string;
  recovered: string;
}

export interface DashboardRows {
  receivables: ReceivablesSummaryRow[];
  contactOutcomes: ContactOutcomesRow[];
  stepRecovery: StepRecoveryRow[];
}
