import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { CallContext } from '@cec/context';
import { inSqlTransaction, sql } from '@cec/orm';
import type { ReportPeriod } from '../domain/reports/report-period';
import { startOfUtcDay } from '../domain/reports/report-period';
import type {
  AgentPerformanceRow,
  AgingRow,
  CampaignEffectivenessRow,
  CampaignRecoveryRow,
  CommunicationRow,
  ContactOutcomesRow,
  DashboardRows,
  ReceivablesSummaryRow,
  StepRecoveryRow,
} from './report-rows';

export interface AgentFilter {
  agentType?: string;
}

export interface CampaignFilter {
  status?: string;
  customerId?: string;
}

export interface CommunicationFilter {
  customerId: string;
  channel?: string;
  start?: Date;
  end?: Date;
}

/** A list's WHERE clause and its bind values, built one condition at a time. */
class Conditions {
  readonly clauses: string[] = [];
  readonly params: unknown[] = [];

  add(clause: string, ...values: unknown[]): void {
    this.clauses.push(clause);
    this.params.push(...values);
  }

  get where(): string {
    return this.clauses.length ? this.clauses.join(' AND ') : 'true';
  }
}

/**
 * The reports, read only through the views and report_* functions migration 014 (and 005)
 * grant metrics_svc; the figures are computed in SQL (services/metrics/README.md, "Reports").
 */
export class ReportStore {
  constructor(private readonly orm: MikroORM) {}

  private em(): EntityManager {
    return this.orm.em.fork() as EntityManager;
  }

  /** v_agent_performance by agent name (unique), after `after`. */
  async agentPerformance(filter: AgentFilter, after: { name: string; id: string } | undefined, limit: number): Promise<AgentPerformanceRow[]> {
    const c = new Conditions();
    if (filter.agentType) c.add('p.agent_type = ?', filter.agentType);
    if (after) c.add('(p.agent_name, p.agent_id) > (?, ?::uuid)', after.name, after.id);
    return sql<AgentPerformanceRow>(
      this.em(),
      `SELECT p.agent_id, p.agent_name, p.agent_type, p.agent_status, p.total_tasks, p.completed_tasks, p.failed_tasks,
              p.active_tasks, p.success_rate, p.avg_task_seconds, p.contact_attempts, p.successful_contacts, p.responses,
              p.response_rate, p.avg_call_seconds, p.last_activity_at::text AS last_activity_at
         FROM v_agent_performance p
        WHERE ${c.where}
        ORDER BY p.agent_name, p.agent_id
        LIMIT ?`,
      [...c.params, limit],
    );
  }

  /** v_campaign_effectiveness by campaign name then id, after `after`, with each campaign's money per currency (v_campaign_recovery). */
  async campaignEffectiveness(
    filter: CampaignFilter,
    after: { name: string; id: string } | undefined,
    limit: number,
  ): Promise<{ campaigns: CampaignEffectivenessRow[]; money: CampaignRecoveryRow[] }> {
    const c = new Conditions();
    if (filter.status) c.add('e.status = ?', filter.status);
    if (filter.customerId) c.add('e.customer_id = ?::uuid', filter.customerId);
    if (after) c.add('(e.campaign_name, e.campaign_id) > (?, ?::uuid)', after.name, after.id);
    const em = this.em();
    const campaigns = await sql<CampaignEffectivenessRow>(
      em,
      `SELECT e.campaign_id, e.campaign_name, e.status, e.customer_id, e.company_name, e.current_step, e.total_steps,
              e.started_at::text AS started_at, e.completed_at::text AS completed_at, e.total_tasks, e.completed_tasks,
              e.failed_tasks, e.contact_attempts, e.successful_contacts, e.responses, e.response_rate
         FROM v_campaign_effectiveness e
        WHERE ${c.where}
        ORDER BY e.campaign_name, e.campaign_id
        LIMIT ?`,
      [...c.params, limit],
    );
    if (!campaigns.length) return { campaigns, money: [] };
    const money = await sql<CampaignRecoveryRow>(
      em,
      `SELECT r.campaign_id, r.currency, r.invoices, r.invoiced, r.outstanding, r.recovered_since_start
         FROM v_campaign_recovery r
        WHERE r.campaign_id = ANY(?::uuid[])
        ORDER BY r.campaign_id, r.currency`,
      [campaigns.map((row) => row.campaign_id)],
    );
    return { campaigns, money };
  }

  /** report_overdue_aging: per currency (by code) every bucket, current first. */
  async overdueAging(asOf: string): Promise<AgingRow[]> {
    return sql<AgingRow>(this.em(), 'SELECT currency, aging_bucket, invoices, balance FROM report_overdue_aging(?::date)', [asOf]);
  }

  /** v_customer_communications of one customer, newest first (time, then id), after `after`. */
  async customerCommunications(filter: CommunicationFilter, after: { attemptedAt: string; id: string } | undefined, limit: number): Promise<CommunicationRow[]> {
    const c = new Conditions();
    c.add('m.customer_id = ?::uuid', filter.customerId);
    if (filter.channel) c.add('m.channel = ?', filter.channel);
    if (filter.start) c.add('m.attempted_at >= ?', filter.start);
    if (filter.end) c.add('m.attempted_at < ?', filter.end);
    if (after) c.add('(m.attempted_at, m.contact_attempt_id) < (?::timestamptz, ?::uuid)', after.attemptedAt, after.id);
    return sql<CommunicationRow>(
      this.em(),
      `SELECT m.contact_attempt_id, m.customer_id, m.company_name, m.contact_name, m.channel, m.status,
              m.attempted_at::text AS attempted_at, m.duration, m.outcome, m.metadata, m.template_id, m.template_name,
              m.agent_id, m.agent_name, m.campaign_id, m.campaign_name, m.task_id
         FROM v_customer_communications m
        WHERE ${c.where}
        ORDER BY m.attempted_at DESC, m.contact_attempt_id DESC
        LIMIT ?`,
      [...c.params, limit],
    );
  }

  /**
   * The dashboard's three reads in one read-only REPEATABLE READ transaction, so every figure
   * comes from the same snapshot. Timestamp-grained data (contact attempts, campaign steps) is
   * taken over [start 00:00 UTC, end 00:00 UTC).
   */
  async dashboard(period: ReportPeriod, call: CallContext): Promise<DashboardRows> {
    const from = startOfUtcDay(period.startDate);
    const to = startOfUtcDay(period.endDate);
    return inSqlTransaction(this.orm, call, async (tx) => {
      await sql(tx, 'SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const receivables = await sql<ReceivablesSummaryRow>(tx, 'SELECT * FROM report_receivables_summary(?::date, ?::date)', [period.startDate, period.endDate]);
      const contactOutcomes = await sql<ContactOutcomesRow>(tx, 'SELECT * FROM report_contact_outcomes(?, ?)', [from, to]);
      const stepRecovery = await sql<StepRecoveryRow>(tx, 'SELECT * FROM report_step_recovery(?, ?, ?::int)', [from, to, period.recoveryWindowDays]);
      return { receivables, contactOutcomes, stepRecovery };
    });
  }
}
