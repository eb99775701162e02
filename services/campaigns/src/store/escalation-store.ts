import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { NotFoundError } from '@cec/errors';
import { pgTimestamp, pgTimestampRequired, sql } from '@cec/orm';
import type { RenderableTemplate } from '../domain/render';
import type { EscalationStep } from '../domain/step';
import type { Channel } from '../domain/contact';
import { stepFromJson, type StepJson } from './campaign-rows';
import { CONTACT_TASK_TYPES } from './pending-task-cancel';

/** An active campaign with a step due, as a pass claimed it. */
export interface ClaimedCampaign {
  id: string;
  customerId: string;
  steps: EscalationStep[];
  currentStep: number;
  nextStepAt: Date;
  anchorDueDate: string | null;
  lastStepAt: Date | null;
  /** The request id of the due step's compliance check and task (kept across passes until the step's outcome is committed). */
  runKey: string;
  /** The request id of the check of the step's fallback channel. */
  fallbackRunKey: string;
  /** Sorted. */
  invoiceIds: string[];
}

interface ClaimedRow {
  id: string;
  customer_id: string;
  escalation_steps: StepJson[];
  current_step: number;
  next_step_at: string;
  anchor_due_date: string | null;
  last_step_at: string | null;
  engine_run_key: string;
  engine_fallback_run_key: string;
  invoice_ids: string[];
}

/** A row of the engine's ledger, with the step's name. */
export interface StepRunRecord {
  id: string;
  campaignId: string;
  stepIndex: number;
  stepName: string;
  outcome: 'task_created' | 'deferred' | 'refused' | 'fell_back' | 'skipped';
  channel: Channel | null;
  decisionId: string | null;
  taskId: string | null;
  notBefore: Date | null;
  reason: string | null;
  createdAt: Date;
  /** created_at as PostgreSQL writes it (microseconds kept): the time part of a page token. */
  createdAtText: string;
}

/**
 * The escalation engine's reads and its lease on campaigns (the commit of a batch's outcomes is
 * in escalation-commit.ts). Each statement runs alone (autocommit), under the current call's
 * deadline.
 */
export class EscalationStore {
  constructor(private readonly orm: MikroORM) {}

  private em(): EntityManager {
    return this.orm.em.fork() as EntityManager;
  }

  /**
   * Takes up to `limit` active campaigns with a step due whose lease is free or ran out, oldest
   * due first, for the pass `owner` until `leaseMs` from now, in one statement: rows another
   * pass is claiming at the same moment are skipped (SKIP LOCKED), and no lock is held after it
   * (the lease keeps other passes off while this one asks customers and compliance). A campaign
   * keeps the run keys it had (a pass that died left them): asked again, compliance answers
   * the same decisions, and the task is created once.
   */
  async claim(owner: string, limit: number, leaseMs: number): Promise<ClaimedCampaign[]> {
    const rows = await sql<ClaimedRow>(
      this.em(),
      `WITH due AS (
         SELECT id FROM campaigns
          WHERE status = 'active' AND next_step_at <= now() AND (engine_lease_until IS NULL OR engine_lease_until < now())
          ORDER BY next_step_at
          LIMIT ?
          FOR UPDATE SKIP LOCKED
       )
       UPDATE campaigns c
          SET engine_lease_owner = ?::uuid,
              engine_lease_until = now() + make_interval(secs => ?::double precision / 1000),
              engine_run_key = COALESCE(c.engine_run_key, gen_random_uuid()),
              engine_fallback_run_key = COALESCE(c.engine_fallback_run_key, gen_random_uuid())
         FROM due
        WHERE c.id = due.id
       RETURNING c.id, c.customer_id, c.escalation_steps, c.current_step, c.next_step_at::text, c.anchor_due_date::text, c.last_step_at::text,
                 c.engine_run_key, c.engine_fallback_run_key,
                 ARRAY(SELECT ci.invoice_id::text FROM campaign_invoices ci WHERE ci.campaign_id = c.id ORDER BY ci.invoice_id) AS invoice_ids`,
      [limit, owner, leaseMs],
    );
    return rows
      .map((r) => ({
        id: r.id,
        customerId: r.customer_id,
        steps: r.escalation_steps.map(stepFromJson),
        currentStep: r.current_step,
        nextStepAt: pgTimestampRequired(r.next_step_at),
        anchorDueDate: r.anchor_due_date,
        lastStepAt: pgTimestamp(r.last_step_at),
        runKey: r.engine_run_key,
        fallbackRunKey: r.engine_fallback_run_key,
        invoiceIds: r.invoice_ids,
      }))
      .sort((a, b) => a.nextStepAt.getTime() - b.nextStepAt.getTime());
  }

  /**
   * Up to `limit` active campaigns whose next step is not due (later, or none), with an id after
   * `afterId`, in id order, their invoices and whether a step is left: what the settlement watch
   * looks at. Reads only.
   */
  async waitingCampaigns(afterId: string, limit: number): Promise<{ id: string; invoiceIds: string[]; stepsLeft: boolean }[]> {
    const rows = await sql<{ id: string; invoice_ids: string[]; steps_left: boolean }>(
      this.em(),
      `SELECT c.id, ARRAY(SELECT ci.invoice_id::text FROM campaign_invoices ci WHERE ci.campaign_id = c.id ORDER BY ci.invoice_id) AS invoice_ids,
              c.current_step < jsonb_array_length(c.escalation_steps) AS steps_left
         FROM campaigns c
        WHERE c.status = 'active' AND (c.next_step_at IS NULL OR c.next_step_at > now()) AND c.id > ?::uuid
        ORDER BY c.id
        LIMIT ?`,
      [afterId, limit],
    );
    return rows.map((r) => ({ id: r.id, invoiceIds: r.invoice_ids, stepsLeft: r.steps_left }));
  }

  /**
   * Up to `limit` customers with a pending contact task (send_email, send_sms, make_call), with an
   * id after `afterId`, in id order: what the opt-out watch looks at. Reads only.
   */
  async customersWithPendingContacts(afterId: string, limit: number): Promise<string[]> {
    const rows = await sql<{ customer_id: string }>(
      this.em(),
      `SELECT DISTINCT t.customer_id FROM tasks t
        WHERE t.status = 'pending' AND t.type = ANY(?::text[]) AND t.customer_id > ?::uuid
        ORDER BY t.customer_id
        LIMIT ?`,
      [CONTACT_TASK_TYPES.map((t) => t.type), afterId, limit],
    );
    return rows.map((r) => r.customer_id);
  }

  /**
   * Makes the campaigns' next step due now (those still active and not due yet): the pass then
   * takes them as any due campaign, and completes those with nothing left to owe. Answers how
   * many changed. Doing it twice (two replicas) changes nothing more.
   */
  async makeDue(ids: readonly string[]): Promise<number> {
    if (!ids.length) return 0;
    const rows = await sql<{ id: string }>(
      this.em(),
      `UPDATE campaigns SET next_step_at = now()
        WHERE id = ANY(?::uuid[]) AND status = 'active' AND (next_step_at IS NULL OR next_step_at > now())
       RETURNING id`,
      [ids],
    );
    return rows.length;
  }

  /**
   * Gives up the lease of campaigns this pass could not decide (a service they need did not
   * answer): nothing else changes, the run keys stay, and the next pass takes them again.
   */
  async release(owner: string, ids: readonly string[]): Promise<void> {
    if (!ids.length) return;
    await sql(this.em(), 'UPDATE campaigns SET engine_lease_owner = NULL, engine_lease_until = NULL WHERE id = ANY(?::uuid[]) AND engine_lease_owner = ?::uuid', [
      ids,
      owner,
    ]);
  }

  /**
   * The template versions the steps name, keyed by version id and by `name@version` (campaigns
   * stored before template ids were kept name the version only; the English one is preferred).
   */
  async templates(steps: readonly EscalationStep['template'][]): Promise<Map<string, RenderableTemplate>> {
    const ids = [...new Set(steps.flatMap((t) => (t?.id ? [t.id] : [])))];
    const named = steps.filter((t): t is NonNullable<typeof t> => !!t && !t.id);
    const out = new Map<string, RenderableTemplate>();
    if (!ids.length && !named.length) return out;
    const rows = await sql<RenderableTemplate & { version: number }>(
      this.em(),
      `SELECT t.id, t.name, t.channel, t.language, t.version, t.subject, t.body FROM templates t
        WHERE t.id = ANY(?::uuid[])
           OR (t.name, t.version) IN (SELECT * FROM unnest(?::text[], ?::int[]))
        ORDER BY (t.language = 'en') DESC, t.language`,
      [ids, named.map((t) => t.name), named.map((t) => t.version)],
    );
    for (const row of rows) {
      const template = { ...row, version: Number(row.version) };
      out.set(template.id, template);
      const key = `${template.name}@${template.version}`;
      if (!out.has(key)) out.set(key, template);
    }
    return out;
  }

  /** Seconds from the oldest due step of an active campaign to now (0: nothing is due). */
  async lagSeconds(): Promise<number> {
    const [row] = await sql<{ lag: number | null }>(
      this.em(),
      "SELECT EXTRACT(EPOCH FROM now() - min(next_step_at))::float8 AS lag FROM campaigns WHERE status = 'active' AND next_step_at <= now()",
    );
    return Math.max(0, row?.lag ?? 0);
  }

  /** A page of a campaign's ledger, oldest first, after (created_at, id); NOT_FOUND for an unknown campaign. */
  async stepRuns(campaignId: string, after: [string, string] | undefined, limit: number): Promise<StepRunRecord[]> {
    const em = this.em();
    const [campaign] = await sql<{ steps: StepJson[] }>(em, 'SELECT escalation_steps AS steps FROM campaigns WHERE id = ?', [campaignId]);
    if (!campaign) throw NotFoundError.resource('campaign', campaignId);
    const rows = await sql<{
      id: string;
      step_index: number;
      outcome: StepRunRecord['outcome'];
      channel: Channel | null;
      decision_id: string | null;
      task_id: string | null;
      not_before: string | null;
      reason: string | null;
      created_at: string;
    }>(
      em,
      `SELECT r.id, r.step_index, r.outcome, r.channel, r.decision_id, r.task_id, r.not_before::text, r.reason, r.created_at::text
         FROM campaign_step_runs r
        WHERE r.campaign_id = ? ${after ? 'AND (r.created_at, r.id) > (?::timestamptz, ?::uuid)' : ''}
        ORDER BY r.created_at, r.id
        LIMIT ?`,
      after ? [campaignId, after[0], after[1], limit] : [campaignId, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      campaignId,
      stepIndex: r.step_index,
      stepName: campaign.steps[r.step_index]?.name ?? '',
      outcome: r.outcome,
      channel: r.channel,
      decisionId: r.decision_id,
      taskId: r.task_id,
      notBefore: pgTimestamp(r.not_before),
      reason: r.reason,
      createdAt: pgTimestampRequired(r.created_at),
      createdAtText: r.created_at,
    }));
  }
}
