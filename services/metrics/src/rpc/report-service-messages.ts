import { pgTimestamp } from '@cec/orm';
import { metricsV1 } from '@cec/proto';
import { AGING_BUCKETS, isPastDue, type AgingBucketKey } from '../domain/reports/aging-buckets';
import { figure, money } from '../domain/reports/report-money';
import { decimal } from '@cec/money';
import type {
  AgentPerformanceRow,
  AgingRow,
  CampaignEffectivenessRow,
  CampaignRecoveryRow,
  CommunicationRow,
  ContactOutcomesRow,
  ReceivablesSummaryRow,
  StepRecoveryRow,
} from '../store/report-rows';

const BUCKET_ENUM: Record<AgingBucketKey, metricsV1.AgingBucket> = {
  current: metricsV1.AgingBucket.AGING_BUCKET_CURRENT,
  '1_30': metricsV1.AgingBucket.AGING_BUCKET_DAYS_1_TO_30,
  '31_60': metricsV1.AgingBucket.AGING_BUCKET_DAYS_31_TO_60,
  '61_90': metricsV1.AgingBucket.AGING_BUCKET_DAYS_61_TO_90,
  over_90: metricsV1.AgingBucket.AGING_BUCKET_DAYS_OVER_90,
};

const time = (value: string | null): Date | undefined => pgTimestamp(value) ?? undefined;

export function agentPerformanceToProto(r: AgentPerformanceRow): metricsV1.AgentPerformance {
  return {
    agentId: r.agent_id,
    agentName: r.agent_name,
    agentType: r.agent_type,
    agentStatus: r.agent_status,
    totalTasks: r.total_tasks,
    completedTasks: r.completed_tasks,
    failedTasks: r.failed_tasks,
    activeTasks: r.active_tasks,
    successRate: figure(r.success_rate),
    avgTaskSeconds: figure(r.avg_task_seconds),
    contactAttempts: r.contact_attempts,
    successfulContacts: r.successful_contacts,
    responses: r.responses,
    responseRate: figure(r.response_rate),
    avgCallSeconds: figure(r.avg_call_seconds),
    lastActivityTime: time(r.last_activity_at),
  };
}

export function campaignEffectivenessToProto(r: CampaignEffectivenessRow, moneyRows: CampaignRecoveryRow[]): metricsV1.CampaignEffectiveness {
  return {
    campaignId: r.campaign_id,
    campaignName: r.campaign_name,
    status: r.status,
    customerId: r.customer_id,
    companyName: r.company_name,
    currentStep: r.current_step,
    totalSteps: r.total_steps,
    startTime: time(r.started_at),
    completeTime: time(r.completed_at),
    totalTasks: r.total_tasks,
    completedTasks: r.completed_tasks,
    failedTasks: r.failed_tasks,
    contactAttempts: r.contact_attempts,
    successfulContacts: r.successful_contacts,
    responses: r.responses,
    responseRate: figure(r.response_rate),
    money: moneyRows.map((m) => ({
      invoices: m.invoices,
      invoiced: money(m.currency, m.invoiced),
      outstanding: money(m.currency, m.outstanding),
      recoveredSinceStart: money(m.currency, m.recovered_since_start),
    })),
  };
}

/** report_overdue_aging's rows (every bucket of every currency) as one entry per currency, buckets in order. */
export function agingToProto(rows: AgingRow[]): metricsV1.CurrencyAging[] {
  const byCurrency = new Map<string, Map<string, AgingRow>>();
  for (const row of rows) {
    const buckets = byCurrency.get(row.currency) ?? new Map<string, AgingRow>();
    buckets.set(row.aging_bucket, row);
    byCurrency.set(row.currency, buckets);
  }
  return [...byCurrency.entries()].map(([currency, buckets]) => {
    let total = decimal(0);
    let overdue = decimal(0);
    let invoices = 0;
    const balances = AGING_BUCKETS.map(({ key }) => {
      const row = buckets.get(key);
      const balance = row?.balance ?? '0';
      total = total.plus(balance);
      if (isPastDue(key)) overdue = overdue.plus(balance);
      invoices += Number(row?.invoices ?? 0);
      return { bucket: BUCKET_ENUM[key], invoices: row?.invoices ?? '0', balance: money(currency, balance) };
    });
    return { currencyCode: currency, buckets: balances, total: money(currency, total.toString()), overdue: money(currency, overdue.toString()), invoices: String(invoices) };
  });
}

export function communicationToProto(r: CommunicationRow): metricsV1.Communication {
  return {
    contactAttemptId: r.contact_attempt_id,
    customerId: r.customer_id,
    companyName: r.company_name,
    contactName: r.contact_name ?? '',
    channel: r.channel,
    status: r.status,
    attemptTime: time(r.attempted_at),
    durationSeconds: r.duration ?? 0,
    outcome: r.outcome ?? '',
    metadata: r.metadata,
    templateId: r.template_id ?? '',
    templateName: r.template_name ?? '',
    agentId: r.agent_id ?? '',
    agentName: r.agent_name ?? '',
    campaignId: r.campaign_id ?? '',
    campaignName: r.campaign_name ?? '',
    taskId: r.task_id ?? '',
  };
}

export function currencySummaryToProto(r: ReceivablesSummaryRow): metricsV1.CurrencySummary {
  const m = (value: string) => money(r.currency, value);
  return {
    currencyCode: r.currency,
    beginningReceivables: m(r.beginning_receivables),
    creditSales: m(r.credit_sales),
    endingReceivables: m(r.ending_receivables),
    endingCurrent: m(r.ending_current),
    endingOverdue: m(r.ending_overdue),
    endingOver90: m(r.ending_over_90),
    collected: m(r.collected),
    dsoDays: figure(r.dso_days),
    ceiPercent: figure(r.cei_percent),
    atRiskPercent: figure(r.at_risk_percent),
  };
}

export function channelOutcomesToProto(r: ContactOutcomesRow): metricsV1.ChannelOutcomes {
  return {
    channel: r.channel,
    attempts: r.attempts,
    sent: r.sent,
    delivered: r.delivered,
    opened: r.opened,
    answered: r.answered,
    replied: r.replied,
    bounced: r.bounced,
    failed: r.failed,
    reached: r.reached,
    responded: r.responded,
  };
}

/** report_step_recovery's rows (one per step number and currency; currency NULL: nothing credited) as one entry per step number. */
export function stepRecoveryToProto(rows: StepRecoveryRow[]): metricsV1.StepRecovery[] {
  const steps = new Map<number, metricsV1.StepRecovery>();
  for (const row of rows) {
    const step = steps.get(row.step_number) ?? { stepNumber: row.step_number, stepsTaken: row.steps_taken, recovered: [] };
    if (row.currency) step.recovered.push({ amount: money(row.currency, row.recovered), payments: row.payments });
    steps.set(row.step_number, step);
  }
  return [...steps.values()];
}
